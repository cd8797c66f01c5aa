package server

import (
	"context"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"
)

// child is a scenario run's child process, started and blocked reading
// its request on stdin (ChildMain), its frames on out and its stderr kept
// in stderr, so that it can be started before its run asks for it.
type child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    io.ReadCloser
	stderr *limitedBuffer
}

// hand writes a run's request to the child and closes its stdin: the child
// runs that request and reads nothing more. An error means the child is
// gone (its end of the pipe is closed) or broken.
func (c *child) hand(body []byte) error {
	_, err := c.stdin.Write(body)
	if cerr := c.stdin.Close(); err == nil {
		err = cerr
	}
	return err
}

// discard kills the child and waits for it: it runs nothing.
func (c *child) discard() {
	c.cmd.Process.Kill()
	c.cmd.Wait()
}

// spareSlot holds a Runner's spare: one scenario child started ahead of
// need, so that a run does not wait for a process to start (exec, the Go
// runtime and the packages' inits: 14 ms and more of every run, before its
// first event). A Runner starts its first spare with its first scenario
// run, not before: most Runners (tests, a server nobody visits) never run.
type spareSlot struct {
	mu       sync.Mutex
	ready    *child        // started, blocked reading its request
	starting chan struct{} // while a spare starts: closed once it is ready (or failed to start)
	later    *time.Timer   // a refill waiting for a prefetched run's page to load (refillSpareLater)
	closed   bool          // the Runner is closed: no more spares
	wg       sync.WaitGroup
}

// spareAfterPrefetch is how long a prefetched run's end waits before it
// starts the next spare. The page that asked for the run is still taking
// in its last events then, often in a browser on this machine, and needs
// no spare: its run is the prefetched one, and the next comes once someone
// acts on the page, or opens another. A process started beside the load
// slowed it: a page of the 1,001-goroutine benchmark run was ready 50-60
// ms later, and the machine spent about 100 ms more CPU on the load
// (medians of eight loads each, alternating, on two cores). Counted from
// the run's end, not its start, so that a page opened right after it finds
// the spare started (README, "Figures").
const spareAfterPrefetch = 100 * time.Millisecond

// childCommand returns a scenario child, not started. Its Command gets no
// run's context: a spare outlives the run that started it, so a run kills
// its child itself when its context ends (see runChild).
func (r *Runner) childCommand() (*child, error) {
	cmd := r.Command(context.Background())
	cmd.Env = append(cmd.Environ(), ChildEnv+"=1", "CONCVIZ_CHILD_MEMORY="+strconv.FormatInt(r.Limits.Memory, 10))
	dieWithServer(cmd)
	c := &child{cmd: cmd, stderr: &limitedBuffer{}}
	cmd.Stderr = c.stderr
	var err error
	if c.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	if c.out, err = cmd.StdoutPipe(); err != nil {
		return nil, err
	}
	if f, ok := c.out.(*os.File); ok {
		growPipe(f)
	}
	return c, nil
}

// scenarioChild returns a child running the scenario run body asks for:
// the spare if there is one that takes the request, else a new child, as
// if there had been no spare. Either way the next spare starts: at once,
// or for a prefetched run, spareAfterPrefetch after its end (runChild).
func (r *Runner) scenarioChild(body []byte, prefetched bool) (*child, error) {
	if !prefetched {
		defer r.refillSpare()
	}
	if c := r.spare.take(); c != nil {
		if c.hand(body) == nil {
			return c, nil
		}
		c.discard() // killed or exited while it waited: it read nothing
	}
	c, err := r.childCommand()
	if err != nil {
		return nil, err
	}
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	if err := c.hand(body); err != nil {
		c.discard()
		return nil, err
	}
	return c, nil
}

// take returns the spare, waiting for one being started (its exec is most
// of what a new child would cost anyway), or nil if there is none. The
// spare is the caller's alone from then on.
func (s *spareSlot) take() *child {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.starting != nil {
		started := s.starting
		s.mu.Unlock()
		<-started
		s.mu.Lock()
	}
	c := s.ready
	s.ready = nil
	return c
}

// refillSpare starts a spare in the background unless there is one, ready
// or starting, or the Runner is closed. The spare's command is made here,
// on the caller's goroutine, so that every run is followed by its spare's
// Command call, in order.
func (r *Runner) refillSpare() {
	s := &r.spare
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.ready != nil || s.starting != nil {
		return
	}
	c, err := r.childCommand()
	if err != nil {
		return // the next run starts its own child, and tries again
	}
	started := make(chan struct{})
	s.starting = started
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		err := c.cmd.Start()
		s.mu.Lock()
		closed := s.closed
		if err == nil && !closed {
			s.ready = c
		}
		s.starting = nil
		close(started)
		s.mu.Unlock()
		if err == nil && closed {
			c.discard()
		}
	}()
}

// refillSpareLater calls refillSpare after spareAfterPrefetch (spareDelay),
// unless a refill is already waiting (or the Runner is closed first).
func (r *Runner) refillSpareLater() {
	s := &r.spare
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.later != nil {
		return
	}
	s.later = time.AfterFunc(r.spareDelay(), func() {
		s.mu.Lock()
		s.later = nil
		s.mu.Unlock()
		r.refillSpare()
	})
}

// spareDelay is spareAfterPrefetch, or what a test set instead.
func (r *Runner) spareDelay() time.Duration {
	if r.spareAfterPrefetch > 0 {
		return r.spareAfterPrefetch
	}
	return spareAfterPrefetch
}

// close kills the spare and waits for it, and starts no more.
func (s *spareSlot) close() {
	s.mu.Lock()
	s.closed = true
	if s.later != nil {
		s.later.Stop()
		s.later = nil
	}
	c := s.ready
	s.ready = nil
	s.mu.Unlock()
	if c != nil {
		c.discard()
	}
	s.wg.Wait()
}
