package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Validate refuses what a run cannot take, or what passes the caller's
// bounds, naming the field and saying why; Config refuses the same.
func TestRunInputValidate(t *testing.T) {
	one, big, neg := 1, 5000, -1
	server := InputLimits{MaxCap: 1000, MaxSeed: 1<<53 - 1, MaxInterventions: 2}
	for _, tc := range []struct {
		name  string
		in    RunInput
		lim   InputLimits
		field string
		bound bool
		msg   string
	}{
		{"defaults", RunInput{}, server, "", false, ""},
		{"everything set", RunInput{Program: "p", Seed: 9, Policy: "fifo", Caps: map[string]int{"jobs": 0}, Knobs: map[string]int64{"n": 3},
			Interventions: []InterventionSpec{{Step: 4, Run: 2}, {Step: 1, Chan: 1, Cap: &one}}, MaxEvents: 10}, server, "", false, ""},
		{"negative capacity", RunInput{Caps: map[string]int{"jobs": -1}}, InputLimits{}, FieldCaps, false, "capacity of jobs is -1: it must be at least 0"},
		{"capacity over the bound", RunInput{Caps: map[string]int{"jobs": 5000}}, server, FieldCaps, true, "capacity of jobs must be between 0 and 1000, not 5000"},
		{"capacity without a bound", RunInput{Caps: map[string]int{"jobs": 5000}}, InputLimits{}, "", false, ""},
		{"seed over the bound", RunInput{Seed: 1 << 60}, server, FieldSeed, true, "seed must be between 0 and 9007199254740991"},
		{"unknown policy", RunInput{Policy: "lifo"}, server, FieldPolicy, false, `unknown policy "lifo" (want random, go or fifo)`},
		{"too many interventions", RunInput{Interventions: make([]InterventionSpec, 3)}, server, FieldInterventions, true, "at most 2 interventions, not 3"},
		{"intervention of neither kind", RunInput{Interventions: []InterventionSpec{{Step: 1}}}, server, FieldInterventions, false, "intervention 0: want one of {run: G}, {chan: C, cap: N} or {case: K}"},
		{"select case", RunInput{Interventions: []InterventionSpec{{Step: 1, Case: &one}}}, server, "", false, ""},
		{"select case below 0", RunInput{Interventions: []InterventionSpec{{Step: 1, Case: &neg}}}, server, FieldInterventions, false, "intervention 0: case -1 is negative"},
		{"case with a run", RunInput{Interventions: []InterventionSpec{{Step: 1, Run: 2, Case: &one}}}, server, FieldInterventions, false, "intervention 0: want one of {run: G}, {chan: C, cap: N} or {case: K}"},
		{"intervention capacity below 0", RunInput{Interventions: []InterventionSpec{{Step: 1, Chan: 1, Cap: &neg}}}, server, FieldInterventions, false, "intervention 0: capacity -1 is negative"},
		{"intervention capacity over the bound", RunInput{Interventions: []InterventionSpec{{Step: 1, Chan: 1, Cap: &big}}}, server, FieldCaps, true, "capacity must be between 0 and 1000, not 5000"},
		{"negative limit", RunInput{MaxEvents: -1}, server, FieldLimits, false, "limits must be 0 (the default) or more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.in.Validate(tc.lim)
			if tc.field == "" {
				require.NoError(t, err)
				return
			}
			var ie *InputError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, tc.field, ie.Field)
			assert.Equal(t, tc.bound, ie.Bound)
			assert.Equal(t, tc.msg, err.Error())
			if !tc.bound {
				_, err := tc.in.Config()
				assert.Equal(t, tc.msg, err.Error(), "Config refuses what Validate refuses")
			}
		})
	}
}

// Config carries every input into the run's configuration, interventions
// in step order.
func TestRunInputConfig(t *testing.T) {
	two := 2
	cfg, err := RunInput{Seed: 5, Policy: "go", Caps: map[string]int{"c": 1}, Knobs: map[string]int64{"k": 7},
		Interventions: []InterventionSpec{{Step: 9, Run: 3}, {Step: 2, Chan: 1, Cap: &two}}, MaxEvents: 100, MaxGoroutines: 4, MaxTime: 50}.Config()
	require.NoError(t, err)
	assert.Equal(t, uint64(5), cfg.Seed)
	assert.Equal(t, PolicyGo, cfg.Policy)
	assert.Equal(t, map[string]int{"c": 1}, cfg.Caps)
	assert.Equal(t, map[string]int64{"k": 7}, cfg.Knobs)
	assert.Equal(t, []Intervention{{Step: 2, Kind: SetCap, Obj: 1, Cap: 2}, {Step: 9, Kind: RunNext, G: 3}}, cfg.Interventions)
	assert.Equal(t, Limits{MaxEvents: 100, MaxGoroutines: 4, MaxTime: 50}, cfg.Limits)
}
