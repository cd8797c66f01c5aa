package engine

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// RunInput is everything a run is a function of, whichever way it comes: a
// WebSocket run or a room's view, the command line's flags, the spec a
// child process or a compiled program receives. Every path builds one and
// calls Validate, so a setting is checked once, with one message.
type RunInput struct {
	Program       string             `json:"program,omitempty"` // a scenario's id, or the file or directory a program was compiled from
	Seed          uint64             `json:"seed"`
	Policy        string             `json:"policy,omitempty"` // random (the default), go or fifo
	Caps          map[string]int     `json:"caps,omitempty"`   // channel capacities by channel name
	Knobs         map[string]int64   `json:"knobs,omitempty"`  // constants (and a scenario's latencies and failures) by knob name
	Interventions []InterventionSpec `json:"interventions,omitempty"`
	MaxEvents     int                `json:"maxEvents,omitempty"`
	MaxGoroutines int                `json:"maxGoroutines,omitempty"`
	MaxTime       time.Duration      `json:"maxTime,omitempty"`
	MaxWall       time.Duration      `json:"maxWall,omitempty"` // wall-clock limit the run ends itself at (Limits.MaxWall); a parent process sets it
	Internet      *Internet          `json:"internet,omitempty"`
	Race          bool               `json:"race,omitempty"` // behave as a binary built with -race (Config.Race)
}

// InterventionSpec is the JSON form of an [Intervention]: {"step":12,
// "run":4} runs goroutine 4 next; {"step":41,"chan":2,"cap":0} resizes
// channel 2; {"step":30,"case":1} makes the select evaluated at step 30
// take its case 1 (counted from 0 in source order) if it is ready.
type InterventionSpec struct {
	Step int64  `json:"step"`
	Run  int32  `json:"run,omitempty"`
	Chan int32  `json:"chan,omitempty"`
	Cap  *int   `json:"cap,omitempty"`
	Case *int   `json:"case,omitempty"`
	Note string `json:"note,omitempty"`
}

// InputLimits are the bounds a caller puts on inputs beyond what the engine
// needs (the server's, for a browser); a zero field sets no bound.
type InputLimits struct {
	MaxCap           int    // largest channel capacity, initial or set by an intervention
	MaxSeed          uint64 // largest seed
	MaxInterventions int    // most interventions
}

// InputError is an input Validate refuses. Field is the JSON name of the
// setting at fault (caps, seed, policy, interventions, limits), so a caller
// can name it in its own terms; the message says what is wrong and the bound.
type InputError struct {
	Field string
	Bound bool // the value passes a bound of InputLimits, not what a run accepts
	Msg   string
}

func (e *InputError) Error() string { return e.Msg }

// Field names of [InputError].
const (
	FieldCaps          = "caps"
	FieldSeed          = "seed"
	FieldPolicy        = "policy"
	FieldInterventions = "interventions"
	FieldLimits        = "limits"
)

func inputErr(field, format string, a ...any) *InputError {
	return &InputError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

func boundErr(field, format string, a ...any) *InputError {
	return &InputError{Field: field, Bound: true, Msg: fmt.Sprintf(format, a...)}
}

// Validate checks the inputs against what a run accepts and lim, and
// returns the first problem as an *InputError. Which channels and knobs a
// program has is its catalog's or compiler's to check.
func (in RunInput) Validate(lim InputLimits) error {
	_, _, err := in.parse(lim)
	return err
}

// parse is Validate, returning the policy and interventions it parsed so
// Config does not parse them again.
func (in RunInput) parse(lim InputLimits) (Policy, []Intervention, error) {
	for _, name := range slices.Sorted(maps.Keys(in.Caps)) {
		if c := in.Caps[name]; c < 0 || lim.MaxCap > 0 && c > lim.MaxCap {
			if lim.MaxCap > 0 {
				return 0, nil, boundErr(FieldCaps, "capacity of %s must be between 0 and %d, not %d", name, lim.MaxCap, c)
			}
			return 0, nil, inputErr(FieldCaps, "capacity of %s is %d: it must be at least 0", name, c)
		}
	}
	if lim.MaxSeed > 0 && in.Seed > lim.MaxSeed {
		return 0, nil, boundErr(FieldSeed, "seed must be between 0 and %d", lim.MaxSeed)
	}
	var policy Policy
	if in.Policy != "" {
		p, err := ParsePolicy(in.Policy)
		if err != nil {
			return 0, nil, inputErr(FieldPolicy, "%v", err)
		}
		policy = p
	}
	if lim.MaxInterventions > 0 && len(in.Interventions) > lim.MaxInterventions {
		return 0, nil, boundErr(FieldInterventions, "at most %d interventions, not %d", lim.MaxInterventions, len(in.Interventions))
	}
	ivs, err := ParseInterventions(in.Interventions)
	if err != nil {
		return 0, nil, inputErr(FieldInterventions, "%v", err)
	}
	for _, iv := range in.Interventions {
		if iv.Cap != nil && lim.MaxCap > 0 && *iv.Cap > lim.MaxCap {
			return 0, nil, boundErr(FieldCaps, "capacity must be between 0 and %d, not %d", lim.MaxCap, *iv.Cap)
		}
	}
	if in.MaxEvents < 0 || in.MaxGoroutines < 0 || in.MaxTime < 0 || in.MaxWall < 0 {
		return 0, nil, inputErr(FieldLimits, "limits must be 0 (the default) or more")
	}
	return policy, ivs, nil
}

// Config validates the inputs and turns them into a run configuration.
func (in RunInput) Config() (Config, error) {
	policy, ivs, err := in.parse(InputLimits{})
	if err != nil {
		return Config{}, err
	}
	return Config{Seed: in.Seed, Policy: policy, Caps: in.Caps, Knobs: in.Knobs, Interventions: ivs, Internet: in.Internet, Race: in.Race,
		Limits: Limits{MaxEvents: in.MaxEvents, MaxGoroutines: in.MaxGoroutines, MaxTime: int64(in.MaxTime), MaxWall: in.MaxWall}}, nil
}

// ParseInterventions validates interventions and returns them ordered by step.
func ParseInterventions(specs []InterventionSpec) ([]Intervention, error) {
	var ivs []Intervention
	for i, s := range specs {
		if s.Step < 0 {
			return nil, fmt.Errorf("intervention %d: step %d is negative", i, s.Step)
		}
		switch {
		case s.Run > 0 && s.Chan == 0 && s.Cap == nil && s.Case == nil:
			ivs = append(ivs, Intervention{Step: s.Step, Kind: RunNext, G: s.Run})
		case s.Run == 0 && s.Chan > 0 && s.Cap != nil && s.Case == nil:
			if *s.Cap < 0 {
				return nil, fmt.Errorf("intervention %d: capacity %d is negative", i, *s.Cap)
			}
			ivs = append(ivs, Intervention{Step: s.Step, Kind: SetCap, Obj: s.Chan, Cap: *s.Cap})
		case s.Run == 0 && s.Chan == 0 && s.Cap == nil && s.Case != nil:
			if *s.Case < 0 {
				return nil, fmt.Errorf("intervention %d: case %d is negative", i, *s.Case)
			}
			ivs = append(ivs, Intervention{Step: s.Step, Kind: SelectCase, Case: *s.Case})
		default:
			return nil, fmt.Errorf("intervention %d: want one of {run: G}, {chan: C, cap: N} or {case: K}", i)
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

// String writes the intervention as links and rooms spell it, the form the
// page's settings.js reads from a URL's iv parameter: "12:r4" (run goroutine
// 4 next), "41:c2=0" (resize channel 2), "30:s1" (the select takes case 1).
func (s InterventionSpec) String() string {
	switch {
	case s.Case != nil:
		return fmt.Sprintf("%d:s%d", s.Step, *s.Case)
	case s.Cap != nil:
		return fmt.Sprintf("%d:c%d=%d", s.Step, s.Chan, *s.Cap)
	}
	return fmt.Sprintf("%d:r%d", s.Step, s.Run)
}

// JoinInterventions writes a list of interventions as a link's iv
// parameter holds them: each one's String, comma-separated.
func JoinInterventions(ivs []InterventionSpec) string {
	texts := make([]string, len(ivs))
	for i, iv := range ivs {
		texts[i] = iv.String()
	}
	return strings.Join(texts, ",")
}
