package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/instrument"
	"github.com/concviz/concviz/scenarios"
	"github.com/concviz/concviz/server"
)

// capFlags collects --cap NAME=N flags.
type capFlags map[string]int

func (c capFlags) String() string { return fmt.Sprint(map[string]int(c)) }

func (c capFlags) Set(v string) error {
	name, num, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return fmt.Errorf("want NAME=N, got %q", v)
	}
	n, err := strconv.Atoi(num)
	if err != nil {
		return fmt.Errorf("capacity of %s: %q is not a number", name, num)
	}
	if err := (engine.RunInput{Caps: map[string]int{name: n}}).Validate(engine.InputLimits{}); err != nil {
		return err
	}
	c[name] = n
	return nil
}

// runUsage is the synopsis of "concviz run", shown by help and after a usage
// error; TestRunFlagsDocumented keeps it, the flags and the README in step.
const runUsage = `run FILE.go|DIR|SCENARIO [--seed N] [--policy random|go|fifo]
                  [--cap NAME=N]... [--knob NAME=V]... [--internet FILE.json]
                  [--leaks] [--race] [--timeout D] [--events FILE|-] [--json]`

// runFlags declares the flags of "concviz run".
type runFlags struct {
	fs       *flag.FlagSet
	seed     *uint64
	policy   *string
	caps     capFlags
	knobs    knobFlags
	internet *string
	leaks    *bool
	race     *bool
	timeout  *time.Duration
	events   *string
	json     *bool
}

func newRunFlags() *runFlags {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := &runFlags{fs: fs, caps: capFlags{}, knobs: knobFlags{}}
	f.seed = fs.Uint64("seed", 0, "the run's seed")
	f.policy = fs.String("policy", "random", "scheduling policy: random, go or fifo")
	fs.Var(f.caps, "cap", "channel capacity override NAME=N (repeatable)")
	fs.Var(f.knobs, "knob", "value of a constant marked // knob: LO..HI, NAME=V (repeatable)")
	f.internet = fs.String("internet", "", "answer http.Get from the table in FILE.json (other URLs fail as offline)")
	f.leaks = fs.Bool("leaks", false, "after the run, list on stderr the goroutines still blocked when main returned")
	f.race = fs.Bool("race", false, "behave as a binary built with -race: report data races on stderr as found, \"Found N data race(s)\" and exit status 66")
	f.timeout = fs.Duration("timeout", server.DefaultLimits.Wall, "stop a program still running after this much wall-clock time")
	f.events = fs.String("events", "", "write the event log as JSON lines to FILE (- for stdout, after the run)")
	f.json = fs.Bool("json", false, "print the outcome as one JSON object after the run")
	return f
}

// runOutput is what "concviz run" writes besides the program's own output.
type runOutput struct {
	events string // --events: a file, or - for stdout after the run
	json   bool   // --json: the outcome record after the run
	leaks  bool   // --leaks: the goroutines still blocked when main returned
}

// runCmd is "concviz run": rewrite, compile (cached) and run a program on
// the engine in a child process, which streams the run's frames as the
// server's child does; or run a built-in scenario in this process. stdout is
// the program's; stderr carries its standard error and Go's report of how
// it ended; the exit status is the one go run's binary would have, or
// engine.ExitCodeLimit when a limit (the engine's caps or --timeout)
// stopped it.
func runCmd(args []string, stdout, stderr io.Writer) int {
	f := newRunFlags()
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "concviz run: "+format+"\n", a...)
		return exitUsageErr
	}
	var positional []string
	for {
		if err := f.fs.Parse(args); err != nil {
			return usageErr("%v", err)
		}
		args = f.fs.Args()
		if len(args) == 0 {
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	if len(positional) != 1 {
		return usageErr("want one program, got %d arguments (usage: concviz %s)", len(positional), strings.Join(strings.Fields(runUsage), " "))
	}
	in := engine.RunInput{Program: positional[0], Seed: *f.seed, Policy: *f.policy, Caps: f.caps, Race: *f.race}
	if err := in.Validate(engine.InputLimits{}); err != nil {
		return usageErr("%v", err)
	}
	if *f.timeout <= 0 {
		return usageErr("--timeout %v: it must be positive", *f.timeout)
	}
	out := runOutput{events: *f.events, json: *f.json, leaks: *f.leaks}
	if sc, ok := lookupScenario(in.Program); ok {
		if *f.internet != "" {
			return usageErr("--internet: %s answers from its own table (change it with its latency and fail knobs)", sc.ID)
		}
		return runScenario(sc, in, f.knobs, out, *f.timeout, stdout, stderr)
	}
	if *f.internet != "" {
		b, err := os.ReadFile(*f.internet)
		if err != nil {
			return usageErr("--internet: %v", err)
		}
		if in.Internet, err = engine.ParseInternet(b); err != nil {
			return usageErr("--internet %s: %v", *f.internet, err)
		}
	}
	bin, err := buildProgram(context.Background(), in.Program)
	if err != nil {
		fmt.Fprintf(stderr, "concviz: %s\n", oneLine(err))
		return exitFailure
	}
	names := instrument.KnobNames(bin.Knobs)
	for c := range in.Caps {
		if !slices.Contains(names, c) {
			list := "the program makes no channels"
			if len(names) > 0 {
				list = "its channels are " + strings.Join(names, ", ")
			}
			return usageErr("--cap %s: the program has no channel named %q (%s)", c, c, list)
		}
	}
	if in.Knobs, err = knobValues(f.knobs, bin.ConstKnobs); err != nil {
		return usageErr("%v", err)
	}
	return runBinary(bin.Path, in, out, *f.timeout, stdout, stderr)
}

// lookupScenario returns the catalog scenario arg names, unless a file or
// directory of that name exists: then arg is that program.
func lookupScenario(arg string) (*scenarios.Scenario, bool) {
	sc, ok := scenarios.Lookup(arg)
	if !ok {
		return nil, false
	}
	if _, err := os.Stat(arg); err == nil {
		return nil, false
	}
	return sc, true
}

// buildProgram reads the Go program at path (FILE.go or DIR), rewrites it
// onto the engine and compiles it, reusing an earlier build.
func buildProgram(ctx context.Context, path string) (*instrument.Binary, error) {
	files, err := instrument.ReadProgram(path)
	if err != nil {
		return nil, err
	}
	return instrument.Build(ctx, files, instrument.Options{Name: strings.TrimSuffix(filepath.Base(path), ".go")})
}

// runBinary runs a compiled program in a child process, the program's
// output passed through as it comes and its run read from the frames the
// child streams on engine.FramesFD.
func runBinary(path string, in engine.RunInput, out runOutput, timeout time.Duration, stdout, stderr io.Writer) int {
	in.MaxWall = engine.RunWall(timeout) // the run ends itself, output and log kept, before the kill
	specJSON, err := jsonString(engine.Spec{RunInput: in, Leaks: out.leaks, Frames: true})
	if err != nil {
		fmt.Fprintf(stderr, "concviz: %v\n", err)
		return exitFailure
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		fmt.Fprintf(stderr, "concviz: %v\n", err)
		return exitFailure
	}
	defer pr.Close()
	// The clock starts once the program has: a short --timeout stops the
	// program, not its start.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, path)
	cmd.Env = append(os.Environ(), engine.SpecEnv+"="+specJSON)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.ExtraFiles = []*os.File{pw} // engine.FramesFD
	cmd.WaitDelay = time.Second     // once the child is killed, how long to wait for the rest of its output
	if err := cmd.Start(); err != nil {
		pw.Close()
		fmt.Fprintf(stderr, "concviz: the program did not start: %v\n", err)
		return exitFailure
	}
	pw.Close()
	timer := time.AfterFunc(timeout, cancel)
	defer timer.Stop()
	rec := &engine.Recording{}
	read := make(chan error, 1)
	go func() {
		fr := engine.NewFrameReader(pr, rec, 0)
		var err error
		for err == nil {
			err = fr.Next()
		}
		io.Copy(io.Discard, pr)
		read <- err
	}()
	waitErr := cmd.Wait()
	readErr := <-read // the frames end when the child does: it holds the only write end
	code := exitOK
	if waitErr != nil {
		var ee *exec.ExitError
		switch {
		case ctx.Err() != nil:
			// The program printed as it went: its output so far is out; say
			// which limit stopped it, as the engine says for its own.
			msg := engine.LimitMessage(fmt.Sprintf("wall-clock timeout reached: %v (--timeout)", timeout))
			fmt.Fprintln(stderr, msg)
			if out.json {
				json.NewEncoder(stdout).Encode(engine.OutcomeRecord{Outcome: engine.OutcomeLimit, Message: msg, ExitCode: engine.ExitCodeLimit})
			}
			return engine.ExitCodeLimit
		case !errors.As(waitErr, &ee) || ee.ExitCode() < 0:
			fmt.Fprintf(stderr, "concviz: the program did not finish: %v\n", waitErr)
			return exitFailure
		}
		code = ee.ExitCode()
	}
	if readErr != io.EOF || rec.End == nil {
		return code // the program never got to run (a bad spec, said on its stderr)
	}
	if c := writeRun(&rec.Log, rec.Sites, rec.End.Outcome, out, stdout, stderr); c != exitOK {
		return c
	}
	return code
}

// writeRun writes what --events and --json ask for once a run has ended,
// the same from a scenario's run as from a compiled program's frames.
func writeRun(l *engine.Log, sites []engine.Site, outcome engine.OutcomeRecord, out runOutput, stdout, stderr io.Writer) int {
	switch out.events {
	case "":
	case "-":
		l.WriteJSONL(stdout, sites)
	default:
		f, err := os.Create(out.events)
		if err == nil {
			err = l.WriteJSONL(f, sites)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "concviz: write events: %v\n", err)
			return exitFailure
		}
	}
	if out.json {
		json.NewEncoder(stdout).Encode(outcome)
	}
	return exitOK
}

// oneLine keeps an error message to one line.
func oneLine(err error) string {
	return strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
}

func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// knobFlags collects --knob NAME=V flags, checked once the program's knob
// constants are known.
type knobFlags map[string]string

func (k knobFlags) String() string { return fmt.Sprint(map[string]string(k)) }

func (k knobFlags) Set(v string) error {
	name, val, ok := strings.Cut(v, "=")
	if !ok || name == "" || val == "" {
		return fmt.Errorf("want NAME=V, got %q", v)
	}
	k[name] = val
	return nil
}

// knobValues checks --knob values against the program's knob constants:
// integers, or durations ("500ms", or nanoseconds) for duration knobs, within
// the range the marker gives.
func knobValues(set knobFlags, known []instrument.ConstKnob) (map[string]int64, error) {
	if len(set) == 0 {
		return nil, nil
	}
	byName := map[string]instrument.ConstKnob{}
	var names []string
	for _, k := range known {
		byName[k.Name] = k
		names = append(names, k.Name)
	}
	out := map[string]int64{}
	for name, val := range set {
		k, ok := byName[name]
		if !ok {
			list := "the program marks no constants as knobs (// knob: LO..HI)"
			if len(names) > 0 {
				list = "its knobs are " + strings.Join(names, ", ")
			}
			return nil, fmt.Errorf("--knob %s: the program has no knob named %q (%s)", name, name, list)
		}
		n, err := parseKnob(val, k.Kind == "duration")
		if err != nil {
			return nil, fmt.Errorf("--knob %s: %q is not a valid %s", name, val, k.Kind)
		}
		if n < k.Min || n > k.Max {
			return nil, fmt.Errorf("--knob %s: %s is outside its range %s", name, val, k.Range)
		}
		out[name] = n
	}
	return out, nil
}

// parseKnob reads a --knob value: an integer, or for a duration knob also a
// duration as Go writes it ("500ms").
func parseKnob(val string, duration bool) (int64, error) {
	n, err := strconv.ParseInt(val, 0, 64)
	if err != nil && duration {
		var d time.Duration
		d, err = time.ParseDuration(val)
		n = int64(d)
	}
	return n, err
}
