package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/instrument"
	"github.com/concviz/concviz/scenarios"
)

// Programs from the page: a Builder checks, rewrites and compiles a
// program's source in a child process (the server binary again, with
// ChildEnv set to childBuild), so that a program that makes the type checker
// or the compiler run away is killed with its child, never the server.
// Built programs are named by their source's hash and run as the catalog's
// scenarios do, through the same checks, with the Runner starting their
// binary.

// childBuild is ChildEnv's value for a build's child.
const childBuild = "build"

// buildCacheEnv names, in a build's child, the directory builds are kept in
// (instrument.CacheDir); unset, the user's cache directory.
const buildCacheEnv = "CONCVIZ_BUILD_CACHE"

// programFile is the name a program from the page compiles as, and its
// positions show.
const programFile = "main.go"

// programPrefix starts the id of every program built from a source.
const programPrefix = "p-"

// ProgramID is the name a program's source is built and run under: equal
// sources, equal ids, on any server.
func ProgramID(src []byte) string {
	sum := sha256.Sum256(src)
	return programPrefix + hex.EncodeToString(sum[:12])
}

// Program is a program built from a page's source.
type Program struct {
	ID     string
	Source string
	Path   string // the executable
	// The fields below are guarded by the Builder's mu.
	scenario *scenarios.Scenario // its knobs and sites, as a catalog scenario has them; replaced, never changed
	computed bool                // the capacities computed when it runs are known (or cannot be)
	used     time.Time
}

// BuildError is why a program was not built, as the page shows it: a
// sentence, and for a problem in the program its line and column.
type BuildError struct {
	Code    string `json:"code"`    // one of the buildCodes
	Message string `json:"message"` // Go's words for a compile error (main.go:12:3: undefined: x), else a sentence
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
	More    int    `json:"more,omitempty"` // further errors not shown
	status  int    // the HTTP status of a refusal before building
}

// Error returns the sentence the page shows.
func (e *BuildError) Error() string { return e.Message }

// Build error codes (PROTOCOL.md, "Programs from the page").
const (
	buildCompile   = "compile"   // the program does not compile, or uses what concviz refuses: at Line, Col
	buildTooBig    = "too_big"   // the source is over the limit
	buildForbidden = "forbidden" // this client may not build programs (-edit)
	buildBusy      = "busy"      // every build slot stayed taken, or this address already builds one
	buildTimeout   = "timeout"   // the build passed its wall-clock limit
	buildMemory    = "memory"    // the build passed its memory limit
	buildFailed    = "failed"    // the build failed on the server's side (no go command, a crash)
	buildUnknown   = "unknown"   // GET /build/{id}: no such program is built here
)

// buildCodes are every code a build reply may carry.
var buildCodes = []string{buildCompile, buildTooBig, buildForbidden, buildBusy, buildTimeout, buildMemory, buildFailed, buildUnknown}

// Builder builds programs from sources, each in a supervised child, at most
// Limits.Concurrent at once, and remembers what it built.
type Builder struct {
	limits  BuildLimits
	command func(ctx context.Context) *exec.Cmd
	dir     string // instrument.CacheDir for the children; empty: the user cache dir

	once   sync.Once
	sem    chan struct{}
	mu     sync.Mutex
	progs  map[string]*Program
	flight map[string]*flight // builds under way, by program id
	addrs  map[string]int     // builds queued or under way, by address
	trim   sync.Mutex
}

// flight is one build under way, which requests for the same source wait for.
type flight struct {
	done chan struct{}
	prog *Program
	err  *BuildError
}

// NewBuilder returns a builder whose children command starts (nil: the
// running binary, whose main calls ChildMain when ChildEnv is set); dir, if
// not empty, is where builds are kept instead of the user's cache directory.
func NewBuilder(lim BuildLimits, command func(ctx context.Context) *exec.Cmd, dir string) *Builder {
	if command == nil {
		command = selfCommand
	}
	return &Builder{limits: lim.withDefaults(), command: command, dir: dir,
		progs: map[string]*Program{}, flight: map[string]*flight{}, addrs: map[string]int{}}
}

// Lookup returns a built program as a scenario, for the run's checks and
// the page.
func (b *Builder) Lookup(id string) (*scenarios.Scenario, bool) {
	if p := b.program(id); p != nil {
		return b.scenario(p), true
	}
	return nil, false
}

// scenario returns p's scenario as it stands.
func (b *Builder) scenario(p *Program) *scenarios.Scenario {
	b.mu.Lock()
	defer b.mu.Unlock()
	return p.scenario
}

// computeCaps fills in the defaults of p's channels whose capacity the
// program computes (make(chan T, len(jobs))) from a run with the defaults,
// as go generate does for the catalog's (generate.ComputedCaps), so the page
// shows 5, not -1. run makes the run; it is called once per program.
func (b *Builder) computeCaps(p *Program, run func(engine.RunInput) (*RunLog, error)) {
	b.mu.Lock()
	sc, done := p.scenario, p.computed
	p.computed = true
	b.mu.Unlock()
	if done || !slices.ContainsFunc(sc.Knobs, func(k scenarios.Knob) bool { return k.Kind == scenarios.KnobCap && k.Default < 0 }) {
		return
	}
	l, err := run(engine.RunInput{Program: p.ID, Policy: engine.PolicyGo.String(), MaxEvents: engine.ChannelCapsEvents})
	if err != nil {
		return // the page shows the capacity as unknown
	}
	made := l.ChannelCaps()
	next := *sc
	next.Knobs = slices.Clone(sc.Knobs)
	for i, k := range next.Knobs {
		if c, ok := made[k.Name]; ok && k.Kind == scenarios.KnobCap && k.Default < 0 {
			next.Knobs[i].Default = int64(c)
		}
	}
	b.mu.Lock()
	p.scenario = &next
	b.mu.Unlock()
}

// Binary returns a built program's executable, for the Runner.
func (b *Builder) Binary(id string) (string, bool) {
	if p := b.program(id); p != nil {
		return p.Path, true
	}
	return "", false
}

// program returns a built program whose binary is still on disk (the cache
// may have removed it), marking it used.
func (b *Builder) program(id string) *Program {
	if !strings.HasPrefix(id, programPrefix) {
		return nil
	}
	b.mu.Lock()
	p := b.progs[id]
	b.mu.Unlock()
	if p == nil {
		return nil
	}
	if _, err := os.Stat(p.Path); err != nil {
		b.mu.Lock()
		delete(b.progs, id)
		b.mu.Unlock()
		return nil
	}
	b.mu.Lock()
	p.used = time.Now()
	b.mu.Unlock()
	return p
}

// BuildState is a step of a build the client is told of.
type BuildState string

// Build states, in the order a build goes through them.
const (
	StateQueued   BuildState = "queued"   // waiting for a build slot
	StateBuilding BuildState = "building" // checking, rewriting and compiling
)

// Build returns the program src makes, built now or before. remote is the
// client's address, for the edit mode and the one-build-per-address rule;
// progress, if not nil, hears the build's states. A program built before is
// returned to anyone who may run programs at all: it was checked when it was
// built, and a class runs what its teacher built.
func (b *Builder) Build(ctx context.Context, mode EditMode, remote string, src []byte, progress func(BuildState)) (prog *Program, cached bool, berr *BuildError) {
	if mode == EditOff {
		_, why := mode.mayBuild(remote)
		return nil, false, &BuildError{Code: buildForbidden, Message: why, status: http.StatusForbidden}
	}
	if len(src) > b.limits.Source {
		return nil, false, &BuildError{Code: buildTooBig, status: http.StatusRequestEntityTooLarge,
			Message: fmt.Sprintf("The program is longer than %d bytes, the most a program from the page may be (concviz serve -build-source): remove what the run does not need.", b.limits.Source)}
	}
	id := ProgramID(src)
	if p := b.program(id); p != nil {
		return p, true, nil
	}
	if ok, why := mode.mayBuild(remote); !ok {
		return nil, false, &BuildError{Code: buildForbidden, Message: why, status: http.StatusForbidden}
	}
	key := addrKey(remote)
	b.mu.Lock()
	if f := b.flight[id]; f != nil {
		b.mu.Unlock()
		select {
		case <-f.done:
			return f.prog, false, f.err
		case <-ctx.Done():
			return nil, false, &BuildError{Code: buildFailed, Message: "The build was cancelled."}
		}
	}
	if b.addrs[key] >= b.limits.PerAddr {
		b.mu.Unlock()
		return nil, false, &BuildError{Code: buildBusy, status: http.StatusTooManyRequests,
			Message: "A build from this address is still under way: wait for it to finish, then run again."}
	}
	f := &flight{done: make(chan struct{})}
	b.flight[id] = f
	b.addrs[key]++
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.flight, id)
		if b.addrs[key]--; b.addrs[key] <= 0 {
			delete(b.addrs, key)
		}
		b.mu.Unlock()
		f.prog, f.err = prog, berr
		close(f.done)
	}()
	if berr := b.acquire(ctx, progress); berr != nil {
		return nil, false, berr
	}
	if progress != nil {
		progress(StateBuilding)
	}
	// A build another request waits for goes on when its own client leaves;
	// the wall-clock limit still bounds it.
	bin, berr := b.buildChild(context.WithoutCancel(ctx), src, b.limits.Wall)
	<-b.sem
	if berr != nil {
		if berr.Code == buildTimeout || berr.Code == buildMemory {
			b.trimCache() // what the killed build left
		}
		return nil, false, berr
	}
	prog = &Program{ID: id, Source: string(src), Path: bin.Path, scenario: programScenario(id, string(src), bin), used: time.Now()}
	b.remember(prog)
	if !bin.Cached {
		b.trimCache()
	}
	return prog, bin.Cached, nil
}

// acquire takes a build slot, waiting at most the queue time.
func (b *Builder) acquire(ctx context.Context, progress func(BuildState)) *BuildError {
	b.once.Do(func() { b.sem = make(chan struct{}, b.limits.Concurrent) })
	select {
	case b.sem <- struct{}{}:
		return nil
	default:
	}
	if progress != nil {
		progress(StateQueued)
	}
	wait := time.NewTimer(b.limits.Queue)
	defer wait.Stop()
	select {
	case b.sem <- struct{}{}:
		return nil
	case <-wait.C:
		return &BuildError{Code: buildBusy, Message: fmt.Sprintf("The server is building %d programs already and none finished within %v: try again in a moment.", cap(b.sem), b.limits.Queue)}
	case <-ctx.Done():
		return &BuildError{Code: buildFailed, Message: "The build was cancelled."}
	}
}

// warmSource is what Warm builds: a program on the engine's channels and
// sync, so that what every program links is compiled.
const warmSource = `package main

import (
	"fmt"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	ch := make(chan int, 1)
	wg.Add(1)
	go func() { defer wg.Done(); ch <- 1 }()
	wg.Wait()
	fmt.Println(<-ch)
}
`

// warmWall bounds Warm: the engine's first compilation takes about 20 s on
// two cores, longer on a busy machine.
const warmWall = 10 * time.Minute

// Warm builds a small program in a build slot, so that the engine is
// compiled into Go's build cache (once per machine and concviz version)
// before a user's first build would wait for it.
func (b *Builder) Warm(ctx context.Context) error {
	if berr := b.acquire(ctx, nil); berr != nil {
		return berr
	}
	defer func() { <-b.sem }()
	if _, berr := b.buildChild(ctx, []byte(warmSource), warmWall); berr != nil {
		return berr
	}
	return nil
}

// remember keeps prog, forgetting the least recently used program beyond
// the limit (its binary stays in the disk cache: building it again is quick).
func (b *Builder) remember(prog *Program) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.progs[prog.ID] = prog
	for len(b.progs) > b.limits.Programs {
		var oldest *Program
		for _, p := range b.progs {
			if oldest == nil || p.used.Before(oldest.used) {
				oldest = p
			}
		}
		delete(b.progs, oldest.ID)
	}
}

// trimCache keeps the disk the builds take under the limit. One trim at a
// time: two would count the same builds.
func (b *Builder) trimCache() {
	b.trim.Lock()
	defer b.trim.Unlock()
	// A build still under way is younger than its wall-clock limit; one of
	// "concviz run" (no such limit) is given an hour.
	instrument.TrimCache(b.dir, b.limits.CacheBytes, max(2*b.limits.Wall, time.Hour))
}

// buildReply is what a build's child writes on its standard output.
type buildReply struct {
	Binary *instrument.Binary `json:"binary,omitempty"`
	Error  *instrument.Error  `json:"error,omitempty"` // a problem with the program, at its position
	Fail   string             `json:"fail,omitempty"`  // a failure of the build itself
}

// buildChild builds src in a child process, killed after wall.
func (b *Builder) buildChild(ctx context.Context, src []byte, wall time.Duration) (*instrument.Binary, *BuildError) {
	ctx, cancel := context.WithTimeout(ctx, wall)
	defer cancel()
	cmd := b.command(ctx)
	cmd.Env = append(cmd.Environ(), ChildEnv+"="+childBuild)
	if b.dir != "" {
		cmd.Env = append(cmd.Env, buildCacheEnv+"="+b.dir)
	}
	cmd.Stdin = bytes.NewReader(src)
	var stdout, stderr limitedBuffer
	stdout.max = 16 << 20 // a big program's sites and knobs
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	dieWithServer(cmd)
	killGroup(cmd) // go build's compiler and linker die with the child
	cmd.WaitDelay = time.Second
	err := cmd.Start()
	overMemory := make(chan struct{})
	if err == nil {
		stop, watched := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(watched)
			watchRSS(func() int64 { return treeRSS(cmd.Process.Pid) }, 50*time.Millisecond, b.limits.Memory, stop, func() {
				close(overMemory)
				cancel() // kills the process group
			})
		}()
		err = cmd.Wait()
		close(stop)
		<-watched
	}
	select {
	case <-overMemory:
		return nil, &BuildError{Code: buildMemory, Message: fmt.Sprintf("The build used more than %d MiB and was stopped: simplify the program (huge constants, arrays or generic instantiations make the compiler grow; concviz serve -build-memory raises the limit).", b.limits.Memory>>20)}
	default:
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return nil, &BuildError{Code: buildTimeout, Message: fmt.Sprintf("The build took longer than %v and was stopped: simplify the program (huge constants, arrays or generic instantiations keep the compiler busy; concviz serve -build-timeout raises the limit).", wall)}
	case ctx.Err() != nil:
		return nil, &BuildError{Code: buildFailed, Message: "The build was cancelled."}
	case err != nil:
		return nil, &BuildError{Code: buildFailed, Message: fmt.Sprintf("The build's process failed (%v): %s", err, firstLine(stderr.String()))}
	}
	var r buildReply
	if err := json.Unmarshal([]byte(stdout.String()), &r); err != nil {
		return nil, &BuildError{Code: buildFailed, Message: fmt.Sprintf("The build's process answered something unreadable: %v", err)}
	}
	switch {
	case r.Error != nil:
		e := r.Error
		be := &BuildError{Code: buildCompile, Message: e.Error(), Line: e.Line, Col: e.Col, More: e.More}
		if e.File != programFile {
			// The linker names the generated file (symbol too large): no
			// line of the program to mark.
			be.Line, be.Col = 0, 0
		}
		return nil, be
	case r.Fail != "" || r.Binary == nil:
		return nil, &BuildError{Code: buildFailed, Message: "The program could not be built: " + r.Fail}
	}
	return r.Binary, nil
}

// buildMain is the body of a build's child: it reads a program's source on
// stdin, builds it as main.go, and writes a buildReply on stdout.
func buildMain(stdin io.Reader, stdout io.Writer) int {
	src, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
	if err != nil {
		fmt.Fprintf(os.Stderr, "concviz build: read the source: %v\n", err)
		return 2
	}
	if dir := os.Getenv(buildCacheEnv); dir != "" {
		instrument.CacheDir = dir
	}
	var r buildReply
	bin, err := instrument.Build(context.Background(), []instrument.File{{Name: programFile, Src: src}}, instrument.Options{Name: "main"})
	var ie *instrument.Error
	switch {
	case errors.As(err, &ie):
		r.Error = ie
	case err != nil:
		r.Fail = err.Error()
	default:
		r.Binary = bin
	}
	if err := json.NewEncoder(stdout).Encode(r); err != nil {
		fmt.Fprintf(os.Stderr, "concviz build: write the reply: %v\n", err)
		return 2
	}
	return 0
}

// programScenario describes a built program as the catalog describes a
// scenario: its channels and marked constants become knobs, so a run of it
// is checked, keyed and cached as a scenario's is.
func programScenario(id, src string, bin *instrument.Binary) *scenarios.Scenario {
	sc := &scenarios.Scenario{ID: id, Title: "Your program", Layout: scenarios.LayoutFree,
		Explanation: "A program from the page, built on this server.", Source: src, File: programFile,
		// The program runs in its own binary (Runner.Binary); Main is only
		// there so that the checks for a runnable scenario accept it.
		Program: engine.Program{Name: "main", Sites: bin.Sites, Main: func() {}}}
	seen := map[string]bool{}
	for _, k := range bin.Knobs {
		if seen[k.Name] {
			continue // one knob sets every channel made at sites of that name
		}
		seen[k.Name] = true
		def := int64(-1) // computed when the program runs, e.g. len(jobs)
		if n, err := strconv.ParseInt(k.Default, 0, 64); err == nil {
			def = n
		}
		sc.Knobs = append(sc.Knobs, scenarios.Knob{Name: k.Name, Kind: scenarios.KnobCap, Default: def, Max: scenarios.MaxCap, Line: k.Line, Expr: k.Default})
	}
	for _, k := range bin.ConstKnobs {
		kind := scenarios.KnobInt
		if k.Kind == "duration" {
			kind = scenarios.KnobDuration
		}
		sc.Knobs = append(sc.Knobs, scenarios.Knob{Name: k.Name, Kind: kind, Default: k.Default, Min: k.Min, Max: k.Max, Line: k.Line})
	}
	return sc
}

// treeRSS is the resident memory of pid and its descendants (a build's
// child, its go command, the compiler and the linker), in bytes; 0 where
// /proc does not say.
func treeRSS(pid int) int64 {
	var total int64
	seen := map[int]bool{}
	for todo := []int{pid}; len(todo) > 0; {
		p := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[p] {
			continue
		}
		seen[p] = true
		total += rss(p)
		dir := "/proc/" + strconv.Itoa(p) + "/task"
		tasks, _ := os.ReadDir(dir)
		for _, task := range tasks {
			b, _ := os.ReadFile(dir + "/" + task.Name() + "/children")
			for _, f := range strings.Fields(string(b)) {
				if c, err := strconv.Atoi(f); err == nil {
					todo = append(todo, c)
				}
			}
		}
	}
	return total
}

// firstLine is the first line of s, trimmed.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// withPrograms looks up the built programs of b, then the catalog.
func withPrograms(b *Builder, catalog func(id string) (*scenarios.Scenario, bool)) func(id string) (*scenarios.Scenario, bool) {
	return func(id string) (*scenarios.Scenario, bool) {
		if sc, ok := b.Lookup(id); ok {
			return sc, true
		}
		return catalog(id)
	}
}
