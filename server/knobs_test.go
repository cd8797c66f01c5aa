package server

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/instrument"
	"github.com/concviz/concviz/scenarios"
)

// TestProgramKnobsAreTheCatalogs holds the knobs a program from the page
// gets (programScenario) to the ones go generate gives the same source in
// the catalog: the two conversions are written apart (the generator writes
// Go source, the server makes values), so this fails when one drifts. A
// capacity the program computes is -1 until a run finds it, as the
// catalog's was before its generator ran the scenario.
func TestProgramKnobsAreTheCatalogs(t *testing.T) {
	compared := 0
	for _, sc := range scenarios.All() {
		t.Run(sc.ID, func(t *testing.T) {
			res, err := instrument.Rewrite([]instrument.File{{Name: "main.go", Src: []byte(sc.Source)}}, instrument.Options{Name: sc.ID})
			require.NoError(t, err)
			got := programScenario(sc.ID, sc.Source, &instrument.Binary{Knobs: res.Knobs, ConstKnobs: res.ConstKnobs}).Knobs
			want := append([]scenarios.Knob(nil), sc.Knobs...)
			for i, k := range want {
				if _, err := strconv.ParseInt(k.Expr, 0, 64); k.Kind == scenarios.KnobCap && err != nil {
					want[i].Default = -1
				}
			}
			var catalogOnly []string // knobs a scenario's config adds beyond its source (latencies, failures)
			for _, k := range want {
				if k.Kind != scenarios.KnobCap && k.Kind != scenarios.KnobInt && k.Kind != scenarios.KnobDuration {
					catalogOnly = append(catalogOnly, k.Name)
				}
			}
			assert.Equal(t, without(want, catalogOnly), got)
			compared += len(got)
		})
	}
	assert.Greater(t, compared, 10, "the catalog's knobs were compared, not skipped")
}

func without(ks []scenarios.Knob, names []string) []scenarios.Knob {
	var out []scenarios.Knob
	for _, k := range ks {
		skip := false
		for _, n := range names {
			skip = skip || k.Name == n
		}
		if !skip {
			out = append(out, k)
		}
	}
	return out
}
