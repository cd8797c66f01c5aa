package server

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/concviz/concviz/engine"
)

// runKey returns a stable name for a run, in the cache and in permalinks:
// equal inputs have equal keys.
func runKey(r engine.RunInput) string {
	b, _ := json.Marshal(r) // maps marshal with sorted keys
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// RunLog is a run as the server holds it: the engine's log, decoded from
// the child's frames, with the run's ending once it has arrived.
type RunLog = engine.Recording

// logSize is the memory a log holds, roughly, for the cache's accounting.
func logSize(l *RunLog) int64 {
	// The events' chunks as allocated, not as filled: a short run holds a
	// whole chunk, and counting only its events let the cache keep thirty
	// times its budget.
	n := int64(l.Bytes()) + int64(len(l.Objects))*96 + int64(len(l.Gs))*64
	for _, s := range l.Strings() {
		n += int64(len(s)) + 16
	}
	if l.End != nil {
		n += int64(len(l.End.Stdout) + len(l.End.Stderr) + len(l.End.Report))
	}
	return n
}

// Resolver turns a request into the program to run and its configuration.
// The child process calls it; it is where scenario ids and knobs are checked.
type Resolver func(engine.RunInput) (engine.Program, engine.Config, error)

// ChildEnv marks a process started by the runner as a run's child.
const ChildEnv = "CONCVIZ_CHILD"

// ChildMain is the body of a run's child process (or, with ChildEnv set to
// "build", a build's, see buildMain; "explore", an explorer's, see
// exploreMain): it reads a run's inputs
// (Program naming a scenario) on stdin, runs them, and streams the run as
// the engine's frames on stdout. Inputs the resolver refuses are reported
// in-band, as a refusal frame.
func ChildMain(stdin io.Reader, stdout io.Writer, resolve Resolver) int {
	switch os.Getenv(ChildEnv) {
	case childBuild:
		return buildMain(stdin, stdout)
	case childExplore:
		return exploreMain(resolve)
	}
	engine.InstallLocal()
	var req engine.RunInput
	stopWarming := warmHeap()
	err := json.NewDecoder(io.LimitReader(stdin, 1<<20)).Decode(&req)
	stopWarming()
	if err != nil {
		fmt.Fprintf(os.Stderr, "concviz child: read request: %v\n", err)
		return 2
	}
	if lim, err := strconv.ParseInt(os.Getenv("CONCVIZ_CHILD_MEMORY"), 10, 64); err == nil && lim > 0 {
		debug.SetMemoryLimit(lim * 3 / 4) // collect harder before the server's hard limit kills us
	}
	fw := engine.NewFrameWriter(stdout)
	prog, cfg, err := resolve(req)
	if err != nil {
		fw.Refuse(err.Error())
		fw.Flush()
		return 0
	}
	if _, err := engine.StreamRun(prog, cfg, fw); err != nil {
		return 1
	}
	return 0
}

// Limits bound what one run may take. Each is reported by name when hit.
type Limits struct {
	Wall       time.Duration // wall-clock time per run
	Memory     int64         // resident memory of a run's child, in bytes
	Events     int           // events per run
	Concurrent int           // runs at once
	Queue      time.Duration // how long a run waits for a free slot before it is refused
	Explore    time.Duration // wall-clock time of one exploration ("What can happen?", POST /explore)
}

// DefaultLimits are the limits of a server started without flags.
var DefaultLimits = Limits{Wall: 10 * time.Second, Memory: 512 << 20, Events: 1_000_000, Concurrent: 4, Queue: 5 * time.Second, Explore: 30 * time.Second}

// RunError is why a run produced no result: a limit, a crash, a refused request.
type RunError struct {
	Code string // stable: busy, timeout, memory, crashed, garbled, bad_request, cancelled
	Msg  string
}

func (e *RunError) Error() string { return e.Msg }

// overMemory is the error of what (a run, a run of an exploration) the
// memory limit stopped; for a program from the page it says how to change
// the program.
func (r *Runner) overMemory(what, stopped string, compiled bool) *RunError {
	msg := fmt.Sprintf("%s used more than the memory limit (%d MiB) and %s", what, r.Limits.Memory>>20, stopped)
	if compiled {
		msg += ": make fewer goroutines, smaller slices and maps, or print less (concviz serve -run-memory raises the limit)"
	}
	return &RunError{codeMemory, msg}
}

// Runner executes runs in supervised child processes and caches their logs.
// Callers asking for the same inputs while a run is in flight share its
// child (see runFlight), and Prefetch starts a run before anyone asks for it:
// the scenario page's, as its HTML is requested.
type Runner struct {
	// Command returns the command that starts a child: ChildMain must run
	// in it. A run's child may be started before the run (a spare), under
	// a context no run ends; the run kills it itself.
	Command func(ctx context.Context) *exec.Cmd
	Limits  Limits
	Sites   func(scenario string) int // number of positions of a scenario's program, to check events against
	Cache   *Cache
	// Binary, if set, finds the executable of a compiled program a run
	// names (a program from the page); other names are the child's to
	// resolve.
	Binary func(program string) (path string, ok bool)

	once sync.Once
	sem  chan struct{}

	mu      sync.Mutex
	flights map[string]*runFlight // by run key, while their child runs
	closed  bool
	wg      sync.WaitGroup // the flights' goroutines

	spare              spareSlot     // the next scenario run's child, started ahead of need
	spareAfterPrefetch time.Duration // if set, a test's spareAfterPrefetch
}

// Run executes req, or serves it from the cache, or joins the run of the
// same inputs in flight, calling emit with the log each time more of it
// has arrived (on the caller's goroutine with what had arrived before it
// asked, on the reading goroutine after that; emit must be quick and must
// not keep the log). It returns the complete log, or a *RunError. A
// caller whose ctx ends returns at once; the child is killed when nobody
// is left watching it.
func (r *Runner) Run(ctx context.Context, req engine.RunInput, emit func(*RunLog)) (*RunLog, error) {
	key, req := r.prepare(req)
	if l, ok := r.cached(key); ok {
		emit(l)
		return l, nil
	}
	r.mu.Lock()
	if f := r.flights[key]; f != nil {
		return r.watch(ctx, f, r.join(f, emit))
	}
	r.mu.Unlock()
	if err := r.acquire(ctx); err != nil {
		return nil, err
	}
	l, f, w, err := r.begin(key, req, emit)
	switch {
	case err != nil:
		return nil, err
	case l != nil:
		emit(l)
		return l, nil
	}
	return r.watch(ctx, f, w)
}

// prepare bounds req's events by the limit and returns its key, taken
// before MaxWall, which the server sets, not the run's author: the run
// ends itself, output and log kept, before the kill.
func (r *Runner) prepare(req engine.RunInput) (string, engine.RunInput) {
	if req.MaxEvents <= 0 || req.MaxEvents > r.Limits.Events {
		req.MaxEvents = r.Limits.Events
	}
	key := runKey(req)
	req.MaxWall = engine.RunWall(r.Limits.Wall)
	return key, req
}

// cached returns the cached log of the run key names, if any.
func (r *Runner) cached(key string) (*RunLog, bool) {
	if r.Cache == nil {
		return nil, false
	}
	return r.Cache.Get(key)
}

func (r *Runner) initSlots() {
	r.once.Do(func() { r.sem = make(chan struct{}, max(r.Limits.Concurrent, 1)) })
}

func (r *Runner) runChild(ctx context.Context, req engine.RunInput, prefetched bool, emit func(*RunLog)) (*RunLog, error) {
	ctx, cancel := context.WithTimeout(ctx, r.Limits.Wall)
	defer cancel()
	cmd, out, stderr, compiled, err := r.start(ctx, req, prefetched)
	if prefetched && !compiled {
		defer r.refillSpareLater() // see scenarioChild
	}
	if err != nil {
		return nil, &RunError{codeCrashed, fmt.Sprintf("start run: %v", err)}
	}
	defer out.Close()
	// A scenario's child is started under no run's context (it may be the
	// spare, started before this run): kill it when this run's ctx ends.
	defer context.AfterFunc(ctx, func() { cmd.Process.Kill() })()
	overMemory := make(chan struct{})
	stopWatch := make(chan struct{})
	var watchers sync.WaitGroup
	watchers.Add(1)
	go func() {
		defer watchers.Done()
		watchMemory(cmd.Process.Pid, r.Limits.Memory, stopWatch, func() {
			close(overMemory)
			cmd.Process.Kill()
		})
	}()

	l := &RunLog{}
	fr := engine.NewFrameReader(out, l, r.Sites(req.Program))
	var readErr error
	for {
		before := l.Len()
		if readErr = fr.Next(); readErr != nil {
			break
		}
		if l.Len() > req.MaxEvents+16 {
			readErr = fmt.Errorf("%w: more events than the limit", engine.ErrGarbled)
			break
		}
		if l.Len() != before {
			emit(l)
		}
	}
	killed := false
	if readErr != io.EOF {
		cmd.Process.Kill()
		killed = true
	}
	io.Copy(io.Discard, out)
	waitErr := cmd.Wait()
	close(stopWatch)
	watchers.Wait()

	select {
	case <-overMemory:
		return nil, r.overMemory("the run", "was stopped", compiled)
	default:
	}
	if ctx.Err() == context.DeadlineExceeded {
		msg := fmt.Sprintf("the run took longer than the time limit (%v) and was stopped: a goroutine may be spinning without ever blocking", r.Limits.Wall)
		if compiled {
			msg += " (give a loop a channel operation, a lock or a time.Sleep, or make it end sooner; concviz serve -run-timeout raises the limit)"
		}
		return nil, &RunError{codeTimeout, msg}
	}
	if ctx.Err() != nil {
		return nil, &RunError{codeCancelled, "run cancelled"}
	}
	var refused *engine.RefusedError
	switch {
	case errors.As(readErr, &refused):
		return nil, &RunError{codeBadRequest, refused.Msg}
	case readErr == io.EOF && waitErr == nil:
		return l, nil
	case compiled && readErr == io.EOF && l.End != nil && exitedNormally(waitErr):
		// A compiled program exits with Go's status: 2 after a deadlock or
		// a panic, which its frames' ending already says.
		if o := &l.End.Outcome; o.Outcome == engine.OutcomeLimit {
			// Its author can change it: say how.
			o.Message += ": make the program do less (fewer iterations, goroutines or prints)"
		}
		return l, nil
	case errors.Is(readErr, engine.ErrGarbled) && (waitErr == nil || killed && !strings.Contains(readErr.Error(), "stream ended")):
		return nil, &RunError{codeGarbled, "the run's output could not be trusted and it was stopped: " + readErr.Error()}
	default:
		msg := strings.TrimSpace(stderr.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		return nil, &RunError{codeCrashed, fmt.Sprintf("the run's process failed (%v): %s", waitErr, msg)}
	}
}

// start starts req's child: the program's own binary when req names a
// compiled program, else this binary resolving a scenario, the Runner's
// spare if it has one (see scenarioChild; prefetched says the run is a
// page's prefetch). out carries the run's frames, stderr keeps the start of
// what the child says there.
func (r *Runner) start(ctx context.Context, req engine.RunInput, prefetched bool) (cmd *exec.Cmd, out io.ReadCloser, stderr *limitedBuffer, compiled bool, err error) {
	if r.Binary != nil {
		if path, ok := r.Binary(req.Program); ok {
			stderr = &limitedBuffer{}
			cmd, out, err = r.startBinary(ctx, path, req, stderr)
			return cmd, out, stderr, true, err
		}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, nil, nil, false, err
	}
	c, err := r.scenarioChild(body, prefetched)
	if err != nil {
		return nil, nil, nil, false, err
	}
	return c.cmd, c.out, c.stderr, false, nil
}

// startBinary starts a compiled program, which reads its run's inputs from
// engine.SpecEnv and streams its frames on engine.FramesFD, as under
// "concviz run". The program is untrusted: it gets none of the server's
// environment, and its output reaches the server only as frames.
func (r *Runner) startBinary(ctx context.Context, path string, req engine.RunInput, stderr io.Writer) (*exec.Cmd, io.ReadCloser, error) {
	spec, err := json.Marshal(engine.Spec{RunInput: req, Frames: true})
	if err != nil {
		return nil, nil, err
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	growPipe(pr)
	cmd := exec.CommandContext(ctx, path)
	cmd.Env = []string{engine.SpecEnv + "=" + string(spec),
		// Collect harder before the server's hard limit kills the run.
		"GOMEMLIMIT=" + strconv.FormatInt(r.Limits.Memory*3/4, 10)}
	cmd.Dir = os.TempDir()
	cmd.Stderr = stderr
	cmd.ExtraFiles = []*os.File{pw} // engine.FramesFD
	dieWithServer(cmd)
	err = cmd.Start()
	pw.Close() // the child holds the only write end: the frames end when it does
	if err != nil {
		pr.Close()
		return nil, nil, err
	}
	return cmd, pr, nil
}

// exitedNormally reports whether a process ended by exiting, with any
// status, rather than by a signal or a failure to wait.
func exitedNormally(waitErr error) bool {
	var ee *exec.ExitError
	return waitErr == nil || errors.As(waitErr, &ee) && ee.ExitCode() >= 0
}

// watchMemory polls the child's resident memory and calls kill once it
// passes limit.
func watchMemory(pid int, limit int64, stop <-chan struct{}, kill func()) {
	watchRSS(func() int64 { return rss(pid) }, 20*time.Millisecond, limit, stop, kill)
}

// watchRSS polls measure every interval and calls kill once it passes limit.
func watchRSS(measure func() int64, interval time.Duration, limit int64, stop <-chan struct{}, kill func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if measure() > limit {
			kill()
			return
		}
	}
}

// rss is a process's resident memory in bytes; 0 where /proc does not say
// (not Linux, or the process just exited).
func rss(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}

// limitedBuffer keeps the first max bytes written to it (8 KiB if max is
// 0: enough to say why a child crashed), bounded whatever the child prints.
type limitedBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := cmp.Or(b.max, 8<<10) - len(b.buf); room > 0 {
		b.buf = append(b.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
