package racecheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/instrument"
)

// policies are the scheduling policies every program runs under: all of
// the engine's.
var policies = engine.Vocab().Policies

// raceBanner is the line under which Go's race report starts.
const raceBanner = "WARNING: DATA RACE"

// goCmd returns the go command, or skips the test with a message.
func goCmd(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain on PATH: racecheck builds programs with the go command")
	}
	return p
}

func goroot(t testing.TB) string {
	out, err := exec.Command(goCmd(t), "env", "GOROOT").Output()
	require.NoError(t, err)
	return strings.TrimSpace(string(out))
}

// runOut is what a program run printed and how it ended.
type runOut struct {
	stdout, stderr string
	code           int
}

// raced reports whether the run printed Go's race report.
func (r runOut) raced() bool { return strings.Contains(r.stderr, raceBanner) }

// procs bounds the programs run at once, over every test of the package.
var procs = make(chan struct{}, runtime.NumCPU())

// runBinary runs bin with env added, one of procs at a time. It may run
// on a goroutine other than the test's, so a failure to run is an exit
// status of -1 with the error on stderr, for the caller to assert.
func runBinary(bin string, env []string, args ...string) runOut {
	procs <- struct{}{}
	defer func() { <-procs }()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := runOut{stdout: out.String(), stderr: errb.String()}
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ctx.Err() != nil {
			return runOut{stdout: r.stdout, stderr: r.stderr + "\nracecheck: running " + bin + ": " + err.Error(), code: -1}
		}
		r.code = ee.ExitCode()
	}
	return r
}

// goRaceTries is how many times a go build -race binary runs before its
// silence counts: Go's detector sees only the one execution it watches, and
// where the schedule decides whether an edge lies between the accesses (a
// print's lock on stdout taken by one goroutine before the other's) some
// runs report nothing.
const goRaceTries = 5

// runRaced runs a go build -race binary until it reports a race, at most
// goRaceTries times, and returns that run, or the last.
func runRaced(bin string) runOut {
	var r runOut
	for range goRaceTries {
		if r = runBinary(bin, nil); r.raced() {
			break
		}
	}
	return r
}

// raceSpec is the environment entry that runs a program built on the
// engine with in's inputs and the race detector on, as `concviz run --race`.
func raceSpec(t testing.TB, in engine.RunInput) string {
	in.Race, in.MaxWall = true, 20*time.Second
	b, err := json.Marshal(engine.Spec{RunInput: in})
	require.NoError(t, err)
	return engine.SpecEnv + "=" + string(b)
}

// nativeBuild builds path (a .go file) with go build -race into a
// directory of the test's.
func nativeBuild(t testing.TB, path string) string {
	t.Helper()
	goCmd(t)
	bin := filepath.Join(t.TempDir(), "native")
	require.NoError(t, goRaceBuild(path, bin))
	return bin
}

// goRaceBuild builds path with go build -race into bin, one of procs at a
// time. It returns its failure rather than asserting it, so that it may run
// on a goroutine other than the test's.
func goRaceBuild(path, bin string) error {
	cmd := exec.Command("go", "build", "-race", "-o", bin, path)
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=", "GOTOOLCHAIN=local")
	procs <- struct{}{}
	out, err := cmd.CombinedOutput()
	<-procs
	if err != nil {
		return fmt.Errorf("go build -race %s: %w: %s", path, err, out)
	}
	return nil
}

// concvizBuild rewrites and builds a program (a file or a directory) on the
// engine; the instrument's cache makes a second build of it free.
func concvizBuild(t testing.TB, path string) *instrument.Binary {
	t.Helper()
	files, err := instrument.ReadProgram(path)
	require.NoError(t, err)
	procs <- struct{}{}
	bin, err := instrument.Build(context.Background(), files, instrument.Options{})
	<-procs
	require.NoError(t, err, "concviz build %s", path)
	return bin
}

// parallel runs f(i) for i in [0, n) on a few goroutines and waits for them.
func parallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.NumCPU() {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
