package explore

import (
	"bufio"
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"

	"github.com/concviz/concviz/engine"
)

// InProcess runs schedules of a program compiled into this process. Runs in
// one process are serialised by the engine, so more than one InProcess
// runner gains nothing: use Child runners for more cores.
type InProcess struct {
	Program engine.Program
	Config  engine.Config // the run's inputs besides the schedule (caps, knobs, internet, limits)
}

// Run runs one schedule.
func (p *InProcess) Run(ctx context.Context, spec engine.ScheduleSpec) (*engine.Traced, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return engine.RunSchedule(p.Program, p.Config, spec), nil
}

// Child runs schedules in a child process that serves engine.ServeSchedules
// on its standard input and output: a program built on the engine started
// with ScheduleEnv set, or this binary re-executed for a scenario.
type Child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	enc    *gob.Encoder
	dec    *gob.Decoder
	stderr *strings.Builder
	mu     sync.Mutex
}

// ScheduleEnv is the environment variable that makes a program built on the
// engine serve schedules instead of making one run (see engine.Main).
const ScheduleEnv = engine.ScheduleEnv

// StartChild starts cmd (not yet started) as a schedule server. Close ends it.
func StartChild(cmd *exec.Cmd) (*Child, error) {
	c := &Child{cmd: cmd, stderr: &strings.Builder{}}
	var err error
	if c.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	cmd.Stderr = &lockedWriter{w: c.stderr}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	c.enc = gob.NewEncoder(c.stdin)
	c.dec = gob.NewDecoder(bufio.NewReaderSize(out, 1<<16))
	return c, nil
}

// Run sends one schedule to the child and reads its run. A child that dies
// (a crash, a kill when ctx ends) fails this and every later run.
func (c *Child) Run(ctx context.Context, spec engine.ScheduleSpec) (*engine.Traced, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { c.cmd.Process.Kill() })
	defer stop()
	if err := c.enc.Encode(spec); err != nil {
		return nil, c.failed(ctx, err)
	}
	var tr engine.Traced
	if err := c.dec.Decode(&tr); err != nil {
		return nil, c.failed(ctx, err)
	}
	return &tr, nil
}

func (c *Child) failed(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	msg := strings.TrimSpace(c.stderr.String())
	if msg != "" {
		return fmt.Errorf("the child process failed: %w: %s", err, msg)
	}
	return fmt.Errorf("the child process failed: %w", err)
}

// Close ends the child: its input closes, so it finishes and exits.
func (c *Child) Close() error {
	c.stdin.Close()
	err := c.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) && !ee.Exited() {
		return nil // killed when a search was cancelled
	}
	return err
}

// lockedWriter lets the child's stderr be read while it is written.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Children starts n schedule servers with start (which returns a command
// not yet started) and returns them as runners, with a function that closes
// them all.
func Children(n int, start func() *exec.Cmd) ([]Runner, func() error, error) {
	var kids []*Child
	closeAll := func() error {
		var errs []error
		for _, k := range kids {
			errs = append(errs, k.Close())
		}
		return errors.Join(errs...)
	}
	for range max(1, n) {
		k, err := StartChild(start())
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		kids = append(kids, k)
	}
	runners := make([]Runner, len(kids))
	for i, k := range kids {
		runners[i] = k
	}
	return runners, closeAll, nil
}

// Env returns the environment of a schedule server for a program built on
// the engine with the run's inputs in.
func Env(in engine.RunInput) ([]string, error) {
	spec, err := json.Marshal(engine.Spec{RunInput: in})
	if err != nil {
		return nil, fmt.Errorf("encode inputs: %w", err)
	}
	return append(os.Environ(), engine.SpecEnv+"="+string(spec), ScheduleEnv+"=1"), nil
}
