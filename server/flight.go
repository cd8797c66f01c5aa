package server

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/concviz/concviz/engine"
)

// runFlight is one run's child process and everyone waiting for it: the
// callers of Run that asked for the same inputs while it ran, and the
// prefetches that started it for a page about to ask. It ends when its
// child does, or as soon as nobody watches it and no prefetch holds it.
type runFlight struct {
	key        string
	prefetched bool // started by a page's prefetch, not by a caller of Run
	cancel     context.CancelFunc
	done       chan struct{} // closed once log and err are set

	mu       sync.Mutex
	snap     RunLog // the log as far as it has arrived, copied on the reading goroutine
	watchers map[*watcher]struct{}
	pins     int           // prefetches holding the run though nobody may watch it yet
	unpins   []func() bool // stop the prefetches' context.AfterFunc once the run has ended
	ended    func()        // called once the run has ended (a prefetch's per-address count)
	over     bool          // ended or abandoned: nobody joins it any more
	finished bool          // log and err are set
	log      *RunLog
	err      error
}

// watcher is one caller of Run waiting for a flight.
type watcher struct{ emit func(*RunLog) }

// publish is the flight's emit, on the reading goroutine: the header of
// the growing log is copied there (the slices it points to are only
// appended to), so a watcher joining later can be given it from its own
// goroutine. Emitting under the lock keeps each watcher's snapshots in
// order and none after its Run has returned.
func (f *runFlight) publish(l *RunLog) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.snap = *l
	for w := range f.watchers {
		snap := f.snap
		w.emit(&snap)
	}
}

// join makes a new watcher of f, giving it what has arrived so far. It is
// called with r.mu held, and releases it once f is locked: a flight found
// in r.flights is neither abandoned nor finished, and cannot be until the
// watcher is in.
func (r *Runner) join(f *runFlight, emit func(*RunLog)) *watcher {
	w := &watcher{emit}
	f.mu.Lock()
	r.mu.Unlock()
	defer f.mu.Unlock()
	f.watchers[w] = struct{}{}
	if f.snap.Len() > 0 {
		snap := f.snap
		w.emit(&snap)
	}
	return w
}

// finish records the run's result and wakes its watchers.
func (f *runFlight) finish(l *RunLog, err error) {
	f.mu.Lock()
	f.log, f.err, f.over, f.finished = l, err, true, true
	unpins, ended := f.unpins, f.ended
	f.unpins, f.ended = nil, nil
	f.mu.Unlock()
	for _, stop := range unpins {
		stop()
	}
	if ended != nil {
		ended()
	}
	close(f.done)
}

// acquire takes a run slot, waiting at most the queue time.
func (r *Runner) acquire(ctx context.Context) *RunError {
	r.initSlots()
	wait := time.NewTimer(r.Limits.Queue)
	defer wait.Stop()
	select {
	case r.sem <- struct{}{}:
		return nil
	case <-wait.C:
		return &RunError{codeBusy, fmt.Sprintf("the server is running %d programs already; try again in a moment", cap(r.sem))}
	case <-ctx.Done():
		return &RunError{codeCancelled, "run cancelled"}
	}
}

// errShutdown is the error of a run asked for once the Runner is closed.
var errShutdown = &RunError{codeCancelled, "the server is shutting down"}

// begin starts req under key, with emit its first watcher, holding the run
// slot the caller took (the flight gives it back when it ends). If the
// same run started or was cached meanwhile, it gives the slot back and
// joins that run, or returns the cached log.
func (r *Runner) begin(key string, req engine.RunInput, emit func(*RunLog)) (*RunLog, *runFlight, *watcher, error) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		<-r.sem
		return nil, nil, nil, errShutdown
	}
	if f := r.flights[key]; f != nil {
		<-r.sem
		return nil, f, r.join(f, emit), nil
	}
	if l, ok := r.cached(key); ok {
		r.mu.Unlock()
		<-r.sem
		return l, nil, nil, nil
	}
	w := &watcher{emit}
	f := r.launch(key, req, w, 0, nil)
	r.mu.Unlock()
	return nil, f, w, nil
}

// launch starts the run req under key in a new flight, holding a run slot,
// with a first watcher w or pins prefetches. It is called with r.mu held.
func (r *Runner) launch(key string, req engine.RunInput, w *watcher, pins int, ended func()) *runFlight {
	ctx, cancel := context.WithCancel(context.Background())
	f := &runFlight{key: key, prefetched: w == nil, cancel: cancel, done: make(chan struct{}), watchers: map[*watcher]struct{}{}, pins: pins, ended: ended}
	if w != nil {
		f.watchers[w] = struct{}{}
	}
	if r.flights == nil {
		r.flights = map[string]*runFlight{}
	}
	r.flights[key] = f
	r.wg.Add(1)
	go r.fly(ctx, f, req)
	return f
}

// fly runs f's child to its end, caches a complete log and hands the
// result to the watchers.
func (r *Runner) fly(ctx context.Context, f *runFlight, req engine.RunInput) {
	defer r.wg.Done()
	l, err := r.runChild(ctx, req, f.prefetched, f.publish)
	f.cancel()
	<-r.sem
	if err == nil && r.Cache != nil && (l.End == nil || !engine.WallLimited(l.End.Outcome.Message)) {
		r.Cache.Put(f.key, l) // before the flight goes, so a new caller finds one or the other
	}
	r.mu.Lock()
	if r.flights[f.key] == f {
		delete(r.flights, f.key) // an error is not shared with later calls: they run again
	}
	r.mu.Unlock()
	f.finish(l, err)
}

// watch waits for f's result, or for ctx to end; a watcher that leaves
// kills the child if it was the last one.
func (r *Runner) watch(ctx context.Context, f *runFlight, w *watcher) (*RunLog, error) {
	select {
	case <-f.done:
		return f.log, f.err
	case <-ctx.Done():
		r.leave(f, func() { delete(f.watchers, w) })
		return nil, &RunError{codeCancelled, "run cancelled"}
	}
}

// leave takes a watcher or a prefetch off f (drop does, under f's lock) and
// abandons the run if nobody is left: it is no longer joined, and its child
// is killed.
func (r *Runner) leave(f *runFlight, drop func()) {
	r.mu.Lock()
	f.mu.Lock()
	drop()
	abandon := !f.over && len(f.watchers) == 0 && f.pins == 0
	if abandon {
		f.over = true
		if r.flights[f.key] == f {
			delete(r.flights, f.key)
		}
	}
	f.mu.Unlock()
	r.mu.Unlock()
	if abandon {
		f.cancel()
	}
}

// Prefetch starts req, if it is neither cached nor in flight and a run slot
// is free right now (it never waits for one), so that a Run of the same
// inputs soon after joins it. The run goes on while nobody watches it,
// until it ends or ctx does; ended, if not nil, is called when it ends.
// It reports whether it started the run.
func (r *Runner) Prefetch(ctx context.Context, req engine.RunInput, ended func()) bool {
	key, req := r.prepare(req)
	if _, ok := r.cached(key); ok {
		return false
	}
	r.initSlots()
	select {
	case r.sem <- struct{}{}:
	default:
		return false
	}
	r.mu.Lock()
	_, cached := r.cached(key)
	if r.closed || r.flights[key] != nil || cached {
		r.mu.Unlock()
		<-r.sem
		return false
	}
	f := r.launch(key, req, nil, 1, ended)
	r.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { r.leave(f, func() { f.pins-- }) })
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.finished {
		stop() // finish has run: nobody else will stop it
	} else {
		f.unpins = append(f.unpins, stop)
	}
	return true
}

// Close ends every run in flight, prefetched or watched (their watchers
// get the cancelled error), refuses runs from now on, and waits for the
// children to be gone, the spare's too.
func (r *Runner) Close() {
	r.mu.Lock()
	r.closed = true
	flights := slices.Collect(maps.Values(r.flights))
	r.mu.Unlock()
	r.spare.close()
	for _, f := range flights {
		f.cancel()
	}
	r.wg.Wait()
}
