package web

import (
	"strings"
	"unicode/utf8"

	"github.com/concviz/concviz/scenarios"
)

// scenarioView is what the scenario page is rendered from.
type scenarioView struct {
	S     *scenarios.Scenario
	Lines []Line
	Caps  []scenarios.Knob // channel capacities
	Knobs []scenarios.Knob // everything else
	Data  pageData         // handed to the page's script as JSON
	// Script is the module the page loads: the bundle, or the entry
	// module (which imports the rest) when the bundle cannot be made.
	Script string
}

// pageData is the scenario as the page's script needs it.
type pageData struct {
	ID      string           `json:"id"`
	Title   string           `json:"title"`
	Section string           `json:"section,omitempty"`
	Layout  string           `json:"layout"`
	File    string           `json:"file"`
	Lines   int              `json:"lines"`
	Knobs   []scenarios.Knob `json:"knobs"`
	// Runnable is false while the catalog has no compiled program for the
	// scenario: the page says so instead of waiting for a run.
	Runnable bool `json:"runnable"`
}

func newScenarioView(s *scenarios.Scenario) *scenarioView {
	v := &scenarioView{S: s, Lines: highlight(s.Source)}
	for _, k := range s.Knobs {
		if k.Kind == scenarios.KnobCap {
			v.Caps = append(v.Caps, k)
		} else {
			v.Knobs = append(v.Knobs, k)
		}
	}
	knobs := s.Knobs
	if knobs == nil {
		knobs = []scenarios.Knob{}
	}
	v.Data = pageData{ID: s.ID, Title: s.Title, Section: s.Section, Layout: string(s.Layout), File: s.File,
		Lines: len(v.Lines), Knobs: knobs, Runnable: s.Program.Main != nil}
	return v
}

// summary shortens an explanation to its first sentence for a catalog card.
func summary(text string) string {
	const max = 180
	if i := strings.Index(text, ". "); i > 0 && i < max {
		return text[:i+1]
	}
	if len(text) <= max {
		return text
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	if i := strings.LastIndex(text[:cut], " "); i > max/2 {
		cut = i
	}
	return text[:cut] + "…"
}
