package engine

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
	"time"
)

// SpecEnv is the environment variable through which a program built on the
// engine receives its run's inputs as a JSON [Spec].
const SpecEnv = "CONCVIZ_RUN"

// Spec is the JSON form of a run's inputs, plus where a child process
// should write its log and outcome.
type Spec struct {
	Seed          uint64             `json:"seed"`
	Policy        string             `json:"policy,omitempty"` // random (default), go or fifo
	Caps          map[string]int     `json:"caps,omitempty"`
	Knobs         map[string]int64   `json:"knobs,omitempty"`
	Interventions []InterventionSpec `json:"interventions,omitempty"`
	MaxEvents     int                `json:"maxEvents,omitempty"`
	MaxGoroutines int                `json:"maxGoroutines,omitempty"`
	MaxTime       time.Duration      `json:"maxTime,omitempty"`
	Internet      *Internet          `json:"internet,omitempty"`
	Leaks         bool               `json:"leaks,omitempty"`   // print the goroutines still blocked when main returned on stderr (Go prints nothing)
	Events        string             `json:"events,omitempty"`  // file to write the log to as JSON lines
	Outcome       string             `json:"outcome,omitempty"` // file to write the OutcomeRecord to
}

// InterventionSpec is the JSON form of an [Intervention]: {"step":12,
// "run":4} runs goroutine 4 next; {"step":41,"chan":2,"cap":0} resizes
// channel 2.
type InterventionSpec struct {
	Step int64  `json:"step"`
	Run  int32  `json:"run,omitempty"`
	Chan int32  `json:"chan,omitempty"`
	Cap  *int   `json:"cap,omitempty"`
	Note string `json:"note,omitempty"`
}

// Config turns the spec into a run configuration, refusing what cannot be run.
func (s Spec) Config() (Config, error) {
	cfg := Config{Seed: s.Seed, Caps: s.Caps, Knobs: s.Knobs, Internet: s.Internet,
		Limits: Limits{MaxEvents: s.MaxEvents, MaxGoroutines: s.MaxGoroutines, MaxTime: int64(s.MaxTime)}}
	if s.Policy != "" {
		p, err := ParsePolicy(s.Policy)
		if err != nil {
			return cfg, err
		}
		cfg.Policy = p
	}
	for name, c := range s.Caps {
		if c < 0 {
			return cfg, fmt.Errorf("capacity of %s is %d: it must be at least 0", name, c)
		}
	}
	ivs, err := ParseInterventions(s.Interventions)
	if err != nil {
		return cfg, err
	}
	cfg.Interventions = ivs
	return cfg, nil
}

// ParseInterventions validates interventions and returns them ordered by step.
func ParseInterventions(specs []InterventionSpec) ([]Intervention, error) {
	var ivs []Intervention
	for i, s := range specs {
		if s.Step < 0 {
			return nil, fmt.Errorf("intervention %d: step %d is negative", i, s.Step)
		}
		switch {
		case s.Run > 0 && s.Chan == 0 && s.Cap == nil:
			ivs = append(ivs, Intervention{Step: s.Step, Kind: RunNext, G: s.Run})
		case s.Run == 0 && s.Chan > 0 && s.Cap != nil:
			if *s.Cap < 0 {
				return nil, fmt.Errorf("intervention %d: capacity %d is negative", i, *s.Cap)
			}
			ivs = append(ivs, Intervention{Step: s.Step, Kind: SetCap, Obj: s.Chan, Cap: *s.Cap})
		default:
			return nil, fmt.Errorf("intervention %d: want either {run: G} or {chan: C, cap: N}", i)
		}
	}
	sortInterventions(ivs)
	return ivs, nil
}

func sortInterventions(ivs []Intervention) {
	// Insertion sort keeps the given order among equal steps.
	for i := 1; i < len(ivs); i++ {
		for j := i; j > 0 && ivs[j].Step < ivs[j-1].Step; j-- {
			ivs[j], ivs[j-1] = ivs[j-1], ivs[j]
		}
	}
}

// Main runs prog as the main function of a program built on the engine. It
// reads the Spec from $CONCVIZ_RUN (none: seed 0, random policy), prints the
// program's output as it goes, writes the log and outcome files the spec
// names, and exits with the status the real program would have.
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
	var spec Spec
	if specJSON != "" {
		if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
			fmt.Fprintf(os.Stderr, "concviz: bad %s: %v\n", SpecEnv, err)
			return 2
		}
	}
	cfg, err := spec.Config()
	if err != nil {
		fmt.Fprintf(os.Stderr, "concviz: %v\n", err)
		return 2
	}
	cfg.Stdout, cfg.Stderr = os.Stdout, os.Stderr
	res := Run(prog, cfg)
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
