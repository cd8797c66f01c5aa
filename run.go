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
	if n < 0 {
		return fmt.Errorf("capacity of %s is %d: it must be at least 0", name, n)
	}
	c[name] = n
	return nil
}

// runUsage is the synopsis of "concviz run", shown by help and after a usage
// error; TestRunFlagsDocumented keeps it, the flags and the README in step.
const runUsage = `run FILE.go|DIR|SCENARIO [--seed N] [--policy random|go|fifo]
                  [--cap NAME=N]... [--knob NAME=V]... [--internet FILE.json]
                  [--leaks] [--timeout D] [--events FILE|-] [--json]`

// runFlags declares the flags of "concviz run".
type runFlags struct {
	fs       *flag.FlagSet
	seed     *uint64
	policy   *string
	caps     capFlags
	knobs    knobFlags
	internet *string
	leaks    *bool
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
	f.timeout = fs.Duration("timeout", server.DefaultLimits.Wall, "stop a program still running after this much wall-clock time")
	f.events = fs.String("events", "", "write the event log as JSON lines to FILE (- for stdout, after the run)")
	f.json = fs.Bool("json", false, "print the outcome as one JSON object after the run")
	return f
}

// runCmd is "concviz run": rewrite, compile (cached) and run a program on
// the engine in a child process. stdout is the program's; stderr carries its
// standard error and Go's report of how it ended; the exit status is the one
// go run's binary would have, or engine.ExitCodeLimit when a limit (the
// engine's caps or --timeout) stopped it.
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
	if _, err := engine.ParsePolicy(*f.policy); err != nil {
		return usageErr("%v", err)
	}
	if *f.timeout <= 0 {
		return usageErr("--timeout %v: it must be positive", *f.timeout)
	}
	if sc, ok := scenarios.Lookup(positional[0]); ok {
		if _, err := os.Stat(positional[0]); err != nil { // a file of that name wins
			if *f.internet != "" {
				return usageErr("--internet: %s answers from its own table (change it with its latency and fail knobs)", sc.ID)
			}
			return runScenario(sc, scenarioRun{seed: *f.seed, policy: *f.policy, caps: f.caps, knobs: f.knobs, events: *f.events, json: *f.json, leaks: *f.leaks}, stdout, stderr)
		}
	}
	var internet *engine.Internet
	if *f.internet != "" {
		b, err := os.ReadFile(*f.internet)
		if err != nil {
			return usageErr("--internet: %v", err)
		}
		if internet, err = engine.ParseInternet(b); err != nil {
			return usageErr("--internet %s: %v", *f.internet, err)
		}
	}
	files, err := instrument.ReadProgram(positional[0])
	if err != nil {
		fmt.Fprintf(stderr, "concviz: %s\n", oneLine(err))
		return exitFailure
	}
	name := strings.TrimSuffix(filepath.Base(positional[0]), ".go")
	bin, err := instrument.Build(context.Background(), files, instrument.Options{Name: name})
	if err != nil {
		fmt.Fprintf(stderr, "concviz: %s\n", oneLine(err))
		return exitFailure
	}
	names := instrument.KnobNames(bin.Knobs)
	for c := range f.caps {
		if !slices.Contains(names, c) {
			list := "the program makes no channels"
			if len(names) > 0 {
				list = "its channels are " + strings.Join(names, ", ")
			}
			return usageErr("--cap %s: the program has no channel named %q (%s)", c, c, list)
		}
	}
	constKnobs, err := knobValues(f.knobs, bin.ConstKnobs)
	if err != nil {
		return usageErr("%v", err)
	}
	spec := engine.Spec{RunInput: engine.RunInput{Seed: *f.seed, Policy: *f.policy, Caps: f.caps, Knobs: constKnobs, Internet: internet}, Leaks: *f.leaks}
	tmp, err := os.MkdirTemp("", "concviz-run-")
	if err != nil {
		fmt.Fprintf(stderr, "concviz: %v\n", err)
		return exitFailure
	}
	defer os.RemoveAll(tmp)
	switch *f.events {
	case "":
	case "-":
		spec.Events = filepath.Join(tmp, "events.jsonl")
	default:
		spec.Events, _ = filepath.Abs(*f.events)
	}
	if *f.json {
		spec.Outcome = filepath.Join(tmp, "outcome.json")
	}
	specJSON, err := jsonString(spec)
	if err != nil {
		fmt.Fprintf(stderr, "concviz: %v\n", err)
		return exitFailure
	}
	ctx, cancel := context.WithTimeout(context.Background(), *f.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin.Path)
	cmd.Env = append(os.Environ(), engine.SpecEnv+"="+specJSON)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = time.Second // once the child is killed, how long to wait for the rest of its output
	code := exitOK
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		switch {
		case ctx.Err() != nil:
			// The program printed as it went: its output so far is out; say
			// which limit stopped it, as the engine says for its own.
			msg := engine.LimitMessage(fmt.Sprintf("wall-clock timeout reached: %v (--timeout)", *f.timeout))
			fmt.Fprintln(stderr, msg)
			if *f.json {
				json.NewEncoder(stdout).Encode(engine.OutcomeRecord{Outcome: engine.OutcomeLimit, Message: msg, ExitCode: engine.ExitCodeLimit})
			}
			return engine.ExitCodeLimit
		case !errors.As(err, &ee) || ee.ExitCode() < 0:
			fmt.Fprintf(stderr, "concviz: the program did not finish: %v\n", err)
			return exitFailure
		}
		code = ee.ExitCode()
	}
	if *f.events == "-" {
		if b, err := os.ReadFile(spec.Events); err == nil {
			stdout.Write(b)
		}
	}
	if *f.json {
		if b, err := os.ReadFile(spec.Outcome); err == nil {
			stdout.Write(b)
		}
	}
	return code
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
		n, err := strconv.ParseInt(val, 0, 64)
		if err != nil && k.Kind == "duration" {
			var d time.Duration
			d, err = time.ParseDuration(val)
			n = int64(d)
		}
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
