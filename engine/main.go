package engine

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
)

// SpecEnv is the environment variable through which a program built on the
// engine receives its run's inputs as a JSON [Spec].
const SpecEnv = "CONCVIZ_RUN"

// ScheduleEnv, set in a program's environment, makes Main (and MainResolve)
// serve schedules (ServeSchedules) on standard input and output for an
// explorer, with the run's inputs from SpecEnv, instead of making one run.
const ScheduleEnv = "CONCVIZ_SCHEDULES"

// FramesFD is the file descriptor on which a program built on the engine
// streams its run as frames when its [Spec] asks (the runner passes it as
// the first extra file of the child).
const FramesFD = 3

// Spec is what a program built on the engine receives in $CONCVIZ_RUN: the
// run's inputs, and where the run's record goes besides the program's own
// output.
type Spec struct {
	RunInput
	Leaks   bool   `json:"leaks,omitempty"`   // print the goroutines still blocked when main returned on stderr (Go prints nothing)
	Frames  bool   `json:"frames,omitempty"`  // stream the run as frames on FramesFD, as the server's child does
	Events  string `json:"events,omitempty"`  // file to write the log to as JSON lines
	Outcome string `json:"outcome,omitempty"` // file to write the OutcomeRecord to
}

// Main runs prog as the main function of a program built on the engine. It
// reads the Spec from $CONCVIZ_RUN (none: seed 0, random policy), prints the
// program's output as it goes, streams the run's frames or writes the log
// and outcome files the spec names, and exits with the status the real
// program would have.
func Main(prog Program) {
	if os.Getenv("GOGC") == "" {
		// A big run's memory is mostly parked goroutines' stacks, which every
		// collection scans: collecting a quarter as often cuts the CPU of 2^20
		// goroutines by 30% for 4% more memory (BenchmarkGoroutineMemory's shape).
		debug.SetGCPercent(400)
	}
	InstallLocal()
	os.Exit(MainSpec(prog, os.Getenv(SpecEnv)))
}

// MainSpec is Main with the spec given as JSON text; it returns the exit status.
func MainSpec(prog Program, specJSON string) int {
	return MainResolve(specJSON, func(in RunInput) (Program, Config, error) {
		cfg, err := in.Config()
		return prog, cfg, err
	})
}

// MainResolve is MainSpec for a binary that runs more than one program:
// resolve turns the spec's inputs into the program and its configuration
// (concviz itself, running a catalog scenario as a compiled program runs).
func MainResolve(specJSON string, resolve func(RunInput) (Program, Config, error)) int {
	var spec Spec
	if specJSON != "" {
		if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
			fmt.Fprintf(os.Stderr, "concviz: bad %s: %v\n", SpecEnv, err)
			return 2
		}
	}
	prog, cfg, err := resolve(spec.RunInput)
	if err != nil {
		fmt.Fprintf(os.Stderr, "concviz: %v\n", err)
		return 2
	}
	if os.Getenv(ScheduleEnv) != "" {
		if err := ServeSchedules(prog, cfg, os.Stdin, os.Stdout); err != nil {
			fmt.Fprintf(os.Stderr, "concviz: %v\n", err)
			return 2
		}
		return 0
	}
	cfg.Stdout, cfg.Stderr = os.Stdout, os.Stderr
	var res *Result
	if spec.Frames {
		f := os.NewFile(FramesFD, "frames")
		// The events file needs the whole log, which a streamed run
		// otherwise drops as it sends it.
		if res, err = streamRun(prog, cfg, NewFrameWriter(f), spec.Events != ""); err != nil {
			fmt.Fprintf(os.Stderr, "concviz: %v\n", err)
			return 2
		}
		f.Close()
	} else {
		res = Run(prog, cfg)
	}
	if spec.Leaks && res.Outcome.Kind == OutcomeLeak {
		fmt.Fprint(os.Stderr, res.Outcome.Report)
	}
	if spec.Events != "" {
		if err := writeFile(spec.Events, func(f *os.File) error { return res.Log.WriteJSONL(f, prog.Sites) }); err != nil {
			fmt.Fprintf(os.Stderr, "concviz: write events: %v\n", err)
			return 2
		}
	}
	if spec.Outcome != "" {
		if err := writeFile(spec.Outcome, func(f *os.File) error {
			return json.NewEncoder(f).Encode(res.Record(prog.Sites))
		}); err != nil {
			fmt.Fprintf(os.Stderr, "concviz: write outcome: %v\n", err)
			return 2
		}
	}
	return res.Outcome.ExitCode
}

func writeFile(path string, write func(*os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
