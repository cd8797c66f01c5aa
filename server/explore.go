package server

import (
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
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/explore"
)

// The page's "What can happen?" (PROTOCOL.md, "Exploring schedules"): POST
// /explore runs a program under every schedule within a preemption bound,
// in explorer children (this binary re-executed, or a program built from the
// page, serving engine.ServeSchedules), and streams the search's progress
// and then its explore.Result as lines of JSON. It is HTTP, not the
// WebSocket, so that a search (seconds of several cores) is cancelled by
// the page simply aborting its request.

// Fixed bounds of an exploration's options, not worth a flag: the wall-time
// limit (-explore-timeout) bounds what a search costs anyway.
const (
	maxExplorePreemptions = 6                              // most preemptions a search may ask for
	maxExplorePCTDepth    = 10                             // deepest PCT a search may ask for
	maxExploreBody        = 1 << 20                        // bytes of a request (it may carry a run's output)
	exploreCacheSize      = 128                            // results the server remembers
	childExplore          = "explore"                      // ChildEnv's value for an explorer child
	exploreSlack          = 10 * time.Second               // writing the answer may take this beyond the search
	exploreType           = "application/x-ndjson"         // the answer's Content-Type
	untilDeadlock         = string(engine.OutcomeDeadlock) // "Find a deadlock"
	untilPanic            = string(engine.OutcomePanic)    // "Find a panic"
	untilDifferent        = "different"                    // "Find a different output"
)

// exploreRequest is POST /explore's body: a run's inputs, as a run message
// names them, and the search's options.
type exploreRequest struct {
	Scenario     string           `json:"scenario"`
	Seed         *uint64          `json:"seed"`
	Knobs        map[string]int64 `json:"knobs"`
	Caps         map[string]int   `json:"caps"`
	Preemptions  *int             `json:"preemptions"`  // default explore.DefaultPreemptions
	MaxSchedules int              `json:"maxSchedules"` // 0: explore's default
	PCTDepth     int              `json:"pctDepth"`     // > 0: PCT instead of the bounded search
	Until        string           `json:"until"`        // deadlock, panic or different: stop at the first such outcome
	Current      *exploreEnd      `json:"current"`      // the run on screen's end, which "different" differs from
}

// exploreEnd is how a run ended, as far as outcomes are told apart.
type exploreEnd struct {
	Outcome engine.OutcomeKind `json:"outcome"`
	Stdout  string             `json:"stdout"`
}

// exploreJob is a checked request: the run's inputs and the search's options.
type exploreJob struct {
	In           engine.RunInput `json:"in"`
	Preemptions  int             `json:"preemptions"`
	MaxSchedules int             `json:"maxSchedules"`
	PCTDepth     int             `json:"pctDepth"`
	Until        string          `json:"until,omitempty"`
	Current      *exploreEnd     `json:"current,omitempty"`
}

// key names the job in the cache: equal jobs, equal results.
func (j exploreJob) key() string {
	b, _ := json.Marshal(j) // maps marshal with sorted keys
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// options are the job's explore.Options.
func (j exploreJob) options() explore.Options {
	o := explore.Options{Preemptions: j.Preemptions, MaxSchedules: j.MaxSchedules, PCTDepth: j.PCTDepth}
	switch j.Until {
	case untilDeadlock, untilPanic:
		o.Until = func(out explore.Outcome) bool { return string(out.Outcome) == j.Until }
	case untilDifferent:
		o.Until = func(out explore.Outcome) bool {
			return out.Outcome != j.Current.Outcome || out.Stdout != j.Current.Stdout
		}
	}
	return o
}

// The answer's lines: progress, then the result or an error. Three types,
// since the result and the progress share field names.
type (
	progressLine struct {
		Type      string `json:"type"` // progress
		Bound     int    `json:"bound"`
		Schedules int    `json:"schedules"`
		Outcomes  int    `json:"outcomes"`
		Done      bool   `json:"done"`
	}
	resultLine struct {
		Type string `json:"type"` // result
		*explore.Result
		Cached bool `json:"cached,omitempty"` // served from the cache
	}
	errorLine struct {
		Type    string `json:"type"` // error
		Code    string `json:"code"`
		Message string `json:"message"`
	}
)

// serveExplore answers POST /explore: lines of JSON (application/x-ndjson),
// {"type":"progress",...} at most every explore.ProgressEvery, then one
// {"type":"result",...explore.Result} or {"type":"error","code","message"}.
// A refusal before the search is one error line with a 4xx or 503 status.
// The search ends when the client aborts the request.
func (s *Server) serveExplore(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", exploreType)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if !s.hosts.allowed(r) || !s.checkOrigin(r) {
		writeExploreError(w, http.StatusForbidden, badf(codeBadRequest, "This server does not explore programs for another site's page: open the page at the address the server printed."))
		return
	}
	job, perr := s.exploreJob(r.Body)
	if perr != nil {
		writeExploreError(w, http.StatusBadRequest, perr)
		return
	}
	key := job.key()
	if res, ok := s.explored.get(key); ok {
		json.NewEncoder(w).Encode(resultLine{Type: "result", Result: res, Cached: true})
		return
	}
	lim := s.runner.Limits
	n, release, rerr := s.runner.acquireSlots(r.Context(), exploreWorkers(lim.Concurrent))
	if rerr != nil {
		status := http.StatusServiceUnavailable
		if rerr.Code == codeCancelled {
			status = http.StatusBadRequest
		}
		w.Header().Set("Retry-After", "10")
		writeExploreError(w, status, badf(rerr.Code, "%s", rerr.Msg))
		return
	}
	defer release()
	// The server's write timeout is for pages; a search takes longer.
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(lim.Explore + exploreSlack))
	enc := json.NewEncoder(w)
	flusher, _ := w.(http.Flusher)
	send := func(l any) {
		enc.Encode(l)
		if flusher != nil {
			flusher.Flush()
		}
	}
	res, err := s.runner.explore(r.Context(), job, n, func(p explore.Progress) {
		send(progressLine{"progress", p.Bound, p.Schedules, p.Outcomes, p.Done})
	})
	if err != nil {
		var re *RunError
		if !errors.As(err, &re) {
			re = &RunError{codeCrashed, err.Error()}
		}
		if re.Code != codeCancelled {
			s.log.Info("exploration failed", "program", job.In.Program, "code", re.Code, "err", clip(re.Msg, maxErrorText))
		}
		send(errorLine{"error", re.Code, clip(re.Msg, maxErrorText)})
		return
	}
	if res.Stopped != "timeout" && res.Stopped != "cancelled" {
		s.explored.put(key, res) // the same search finds the same: not so once the clock stopped it
	}
	send(resultLine{Type: "result", Result: res})
}

// exploreWorkers is how many explorer children a search runs: one per core,
// but at most half the run slots (at least one), so runs go on beside it.
func exploreWorkers(concurrent int) int {
	return max(1, min(runtime.NumCPU(), concurrent/2))
}

// writeExploreError answers with one error line and a status.
func writeExploreError(w http.ResponseWriter, status int, e *protoError) {
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(errorLine{"error", e.code, clip(e.msg, maxErrorText)})
}

// exploreJob reads and checks a request's body as a run's inputs are
// checked (RunInput.Validate and the scenario's knobs), and its options
// against their bounds.
func (s *Server) exploreJob(body io.Reader) (exploreJob, *protoError) {
	var req exploreRequest
	dec := json.NewDecoder(io.LimitReader(body, maxExploreBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return exploreJob{}, badf(codeBadJSON, "the exploration's request is not the JSON object PROTOCOL.md describes: %v", err)
	}
	if req.Scenario == "" {
		return exploreJob{}, badf(codeBadField, "an exploration needs a \"scenario\"")
	}
	if strings.HasPrefix(req.Scenario, programPrefix) && s.edit == EditOff {
		_, why := s.edit.mayBuild("")
		return exploreJob{}, badf(codeUnknownScenario, "%s", why)
	}
	in := runFields{Scenario: req.Scenario, Seed: req.Seed, Policy: engine.PolicyGo.String(), Knobs: req.Knobs, Caps: req.Caps}.input()
	in.MaxEvents = s.runner.Limits.Events
	if _, perr := s.check(&in); perr != nil {
		return exploreJob{}, perr
	}
	job := exploreJob{In: in, Preemptions: explore.DefaultPreemptions, MaxSchedules: req.MaxSchedules, PCTDepth: req.PCTDepth,
		Until: req.Until, Current: req.Current}
	if req.Preemptions != nil {
		job.Preemptions = *req.Preemptions
	}
	switch {
	case job.Preemptions < 0 || job.Preemptions > maxExplorePreemptions:
		return exploreJob{}, badf(codeBadField, "preemptions %d: it must be 0..%d", job.Preemptions, maxExplorePreemptions)
	case job.MaxSchedules < 0 || job.MaxSchedules > explore.DefaultMaxSchedules:
		return exploreJob{}, badf(codeBadField, "maxSchedules %d: it must be 0 (the default, %d) ..%d", job.MaxSchedules, explore.DefaultMaxSchedules, explore.DefaultMaxSchedules)
	case job.PCTDepth < 0 || job.PCTDepth > maxExplorePCTDepth:
		return exploreJob{}, badf(codeBadField, "pctDepth %d: it must be 0 (the bounded search) ..%d", job.PCTDepth, maxExplorePCTDepth)
	}
	switch job.Until {
	case "", untilDeadlock, untilPanic:
		job.Current = nil // no part of the search: keep it out of the cache's key
	case untilDifferent:
		if job.Current == nil {
			return exploreJob{}, badf(codeBadField, "until %q needs \"current\": the outcome and output of the run it must differ from", untilDifferent)
		}
	default:
		return exploreJob{}, badf(codeBadField, "until %q: want %q, %q or %q", clip(job.Until, maxEcho), untilDeadlock, untilPanic, untilDifferent)
	}
	return job, nil
}

// acquireSlots takes up to want run slots: the first waits as a run waits
// (Limits.Queue), the others only if free now. It returns how many it took
// and their release, or a *RunError (busy or cancelled).
func (r *Runner) acquireSlots(ctx context.Context, want int) (int, func(), *RunError) {
	r.initSlots()
	wait := time.NewTimer(r.Limits.Queue)
	defer wait.Stop()
	select {
	case r.sem <- struct{}{}:
	case <-wait.C:
		return 0, nil, &RunError{codeBusy, fmt.Sprintf("the server is running %d programs already, so it cannot explore now; try again in a moment", cap(r.sem))}
	case <-ctx.Done():
		return 0, nil, &RunError{codeCancelled, "exploration cancelled"}
	}
	n := 1
	for ; n < want; n++ {
		select {
		case r.sem <- struct{}{}:
			continue
		default:
		}
		break
	}
	var once sync.Once
	return n, func() {
		once.Do(func() {
			for range n {
				<-r.sem
			}
		})
	}, nil
}

// explore runs job in n explorer children, each supervised as a run's child
// is (memory, and the search's wall-time limit, Limits.Explore), and
// returns the search's result (with permalinks) or a *RunError.
func (r *Runner) explore(ctx context.Context, job exploreJob, n int, progress func(explore.Progress)) (*explore.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, r.Limits.Explore)
	defer cancel()
	var (
		overMemory = make(chan struct{})
		once       sync.Once
		stop       = make(chan struct{})
		watchers   sync.WaitGroup
		kids       []*explore.Child
	)
	closeAll := func() {
		close(stop)
		for _, k := range kids {
			k.Close()
		}
		watchers.Wait()
	}
	compiled := false
	runners := make([]explore.Runner, 0, n)
	for range n {
		cmd, isCompiled, err := r.explorerCommand(ctx, job.In)
		if err != nil {
			closeAll()
			return nil, &RunError{codeCrashed, fmt.Sprintf("start exploration: %v", err)}
		}
		compiled = isCompiled
		k, err := explore.StartChild(cmd)
		if err != nil {
			closeAll()
			return nil, &RunError{codeCrashed, fmt.Sprintf("start exploration: %v", err)}
		}
		kids = append(kids, k)
		runners = append(runners, k)
		pid := cmd.Process.Pid
		watchers.Add(1)
		go func() {
			defer watchers.Done()
			watchMemory(pid, r.Limits.Memory, stop, func() {
				once.Do(func() { close(overMemory) })
				cmd.Process.Kill()
			})
		}()
	}
	opts := job.options()
	opts.Progress = progress
	res, err := explore.Explore(ctx, runners, opts)
	closeAll()
	select {
	case <-overMemory:
		return nil, r.overMemory("a run of the exploration", "the exploration was stopped", compiled)
	default:
	}
	if err != nil {
		if errors.Is(err, context.Canceled) || ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, &RunError{codeCancelled, "exploration cancelled"}
		}
		return nil, &RunError{codeCrashed, fmt.Sprintf("the exploration failed: %v", err)}
	}
	if res.Stopped == "cancelled" {
		return nil, &RunError{codeCancelled, "exploration cancelled"}
	}
	res.SetLinks(job.In.Program, job.In.Seed)
	return res, nil
}

// explorerCommand returns, not started, the command of an explorer child
// for in: the program's own binary for a program from the page (which gets
// none of the server's environment, as in startBinary), else this binary
// resolving a scenario.
func (r *Runner) explorerCommand(ctx context.Context, in engine.RunInput) (cmd *exec.Cmd, compiled bool, err error) {
	spec, err := json.Marshal(engine.Spec{RunInput: in})
	if err != nil {
		return nil, false, fmt.Errorf("encode inputs: %w", err)
	}
	env := []string{engine.SpecEnv + "=" + string(spec), explore.ScheduleEnv + "=1"}
	if r.Binary != nil {
		if path, ok := r.Binary(in.Program); ok {
			cmd = exec.CommandContext(ctx, path)
			cmd.Env = append(env, "GOMEMLIMIT="+strconv.FormatInt(r.Limits.Memory*3/4, 10))
			cmd.Dir = os.TempDir()
			dieWithServer(cmd)
			return cmd, true, nil
		}
	}
	cmd = r.Command(ctx)
	cmd.Env = append(append(cmd.Environ(), env...), ChildEnv+"="+childExplore, "CONCVIZ_CHILD_MEMORY="+strconv.FormatInt(r.Limits.Memory, 10))
	dieWithServer(cmd)
	return cmd, false, nil
}

// exploreMain is the body of an explorer child of a scenario (ChildEnv is
// childExplore): it serves schedules of the run engine.SpecEnv describes on
// stdin and stdout until stdin closes.
func exploreMain(resolve Resolver) int {
	engine.InstallLocal()
	if lim, err := strconv.ParseInt(os.Getenv("CONCVIZ_CHILD_MEMORY"), 10, 64); err == nil && lim > 0 {
		debug.SetMemoryLimit(lim * 3 / 4) // collect harder before the server's hard limit kills us
	}
	return engine.MainResolve(os.Getenv(engine.SpecEnv), resolve)
}

// resultCache keeps explorations' results by their job's key, the least
// recently used dropped beyond its size.
type resultCache = lru[*explore.Result]

func newResultCache(size int) *resultCache {
	c := &resultCache{}
	c.init(int64(size), func(*explore.Result) int64 { return 1 })
	return c
}
