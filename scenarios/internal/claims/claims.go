// Package claims says what a catalog scenario can do, from a real
// exploration of its schedules ("deadlocks in every schedule", "prints the
// same lines in 120 orders"): go generate writes the sentences into the
// catalog (zz_claims.go) and the scenarios' freshness test explores again
// to check them.
package claims

import (
	"bytes"
	"context"
	"fmt"
	"go/format"
	"slices"
	"sort"
	"strings"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/explore"
)

// File is the generated file that holds the claims, in the scenarios
// directory.
const File = "zz_claims.go"

// Bound is the preemption bound the claims are explored at.
const Bound = 2

// Budget is the most runs an exploration for a claim makes. A claim is
// explored with one runner in this process, so that a search the budget
// stops still stops at the same runs every time and its claim stays fresh;
// a claim from such a search says it did not cover every schedule.
const Budget = 1000

// Input is the run a claim is about: the scenario with its defaults, seed 1
// (the page's), Go's scheduling.
func Input(id string) engine.RunInput {
	return engine.RunInput{Program: id, Seed: 1, Policy: engine.PolicyGo.String()}
}

// Explore explores prog under cfg (a scenario's defaults) as a claim is
// made: bound Bound, at most Budget runs, one runner.
func Explore(prog engine.Program, cfg engine.Config) (*explore.Result, error) {
	res, err := explore.Explore(context.Background(), []explore.Runner{&explore.InProcess{Program: prog, Config: cfg}},
		explore.Options{Preemptions: Bound, MaxSchedules: Budget})
	if err != nil {
		return nil, fmt.Errorf("explore: %w", err)
	}
	return res, nil
}

// ends are how a run ends, as the verb of "it ...": in the present for a
// search that covered every schedule, in the past for one that did not.
var ends = map[engine.OutcomeKind][2]string{
	engine.OutcomeOK:       {"ends normally", "ended normally"},
	engine.OutcomeDeadlock: {"deadlocks", "deadlocked"},
	engine.OutcomeLeak:     {"leaves goroutines blocked when main returns", "left goroutines blocked when main returned"},
	engine.OutcomePanic:    {"panics", "panicked"},
	engine.OutcomeExit:     {"exits through os.Exit", "exited through os.Exit"},
	engine.OutcomeLimit:    {"runs into a limit", "ran into a limit"},
}

// Text is the claim a search's result supports: how the program can end,
// and how many outputs it can print, within the bound; of a search that did
// not cover every schedule, what the schedules it ran did.
func Text(res *explore.Result) string {
	var kinds []engine.OutcomeKind
	outputs := map[string]bool{}
	for _, o := range res.Outcomes {
		if !slices.Contains(kinds, o.Outcome) {
			kinds = append(kinds, o.Outcome)
		}
		outputs[o.Stdout] = true
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i] < kinds[j] })
	tense, switches := 0, within(res.Bound)
	if !res.Complete {
		tense = 1
	}
	verbs := make([]string, len(kinds))
	for i, k := range kinds {
		verbs[i] = ends[k][tense]
	}
	var b strings.Builder
	switch {
	case len(kinds) == 1 && res.Complete && kinds[0] == engine.OutcomeOK:
		fmt.Fprintf(&b, "Never deadlocks: it ends normally in every schedule with %s.", switches)
	case len(kinds) == 1 && res.Complete:
		fmt.Fprintf(&b, "%s in every schedule with %s.", upper(verbs[0]), switches)
	case len(kinds) == 1 && res.CompleteBound >= 0:
		// The smaller bound's schedules are among those run: all ended so.
		fmt.Fprintf(&b, "%s in every schedule with %s, and in all %d schedules explored with %s (not every one there is).",
			upper(ends[kinds[0]][0]), within(res.CompleteBound), res.Runs, switches)
	case len(kinds) == 1:
		fmt.Fprintf(&b, "%s in all %d schedules explored with %s (not every one there is).", upper(verbs[0]), res.Runs, switches)
	case res.Complete:
		fmt.Fprintf(&b, "Depending on the schedule it %s or %s (every schedule with %s explored).", strings.Join(verbs[:len(verbs)-1], ", "), verbs[len(verbs)-1], switches)
	default:
		fmt.Fprintf(&b, "Depending on the schedule it %s or %s (%d schedules explored with %s, not every one there is).", strings.Join(verbs[:len(verbs)-1], ", "), verbs[len(verbs)-1], res.Runs, switches)
	}
	n := len(outputs)
	switch {
	case n == 1 && res.Complete:
		b.WriteString(" It always prints the same.")
	case n == 1:
		b.WriteString(" It printed the same every time.")
	case sameLines(outputs) && res.Complete:
		fmt.Fprintf(&b, " It prints the same lines in %d orders.", n)
	case sameLines(outputs):
		fmt.Fprintf(&b, " It printed the same lines in %d orders.", n)
	case res.Complete:
		fmt.Fprintf(&b, " It can print %d different outputs.", n)
	default:
		fmt.Fprintf(&b, " It printed %d different outputs.", n)
	}
	return b.String()
}

// within says "with at most n forced switches" without the "with".
func within(n int) string {
	switch n {
	case 0:
		return "no forced switch"
	case 1:
		return "at most 1 forced switch"
	}
	return fmt.Sprintf("at most %d forced switches", n)
}

func upper(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// sameLines reports whether the outputs are each other's lines reordered.
func sameLines(outputs map[string]bool) bool {
	keys := map[string]bool{}
	for out := range outputs {
		lines := strings.Split(out, "\n")
		slices.Sort(lines)
		keys[strings.Join(lines, "\n")] = true
	}
	return len(keys) == 1
}

// Source returns the generated file holding the claims by scenario id.
func Source(claims map[string]string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated by go generate (scenarios/internal/claimgen); DO NOT EDIT.\n\npackage scenarios\n\n")
	fmt.Fprintf(&b, "// claimTexts say what each scenario can do, from an exploration of its\n// schedules at preemption bound %d (scenarios/internal/claims).\nvar claimTexts = map[string]string{\n", Bound)
	ids := make([]string, 0, len(claims))
	for id := range claims {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Fprintf(&b, "\t%q: %q,\n", id, claims[id])
	}
	b.WriteString("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("format %s: %w", File, err)
	}
	return src, nil
}
