// Package scenarios is concviz's catalog of built-in programs: the
// concurrency guide's examples, almost verbatim, and more. Each scenario is
// a directory under src/ holding an ordinary Go program (main.go) and its
// metadata (scenario.json); go generate rewrites the programs onto the
// engine and compiles them into the binary, so running one needs no Go
// toolchain.
package scenarios

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/concviz/concviz/engine"
)

//go:generate go run ./internal/gen

// src holds every scenario's source and metadata.
//
//go:embed src
var src embed.FS

// Layout hints how the page arranges a scenario's graph.
type Layout string

// Layouts.
const (
	LayoutWorkerPool Layout = "worker-pool" // producer, jobs, workers, results, collector
	LayoutPipeline   Layout = "pipeline"    // stages in columns
	LayoutFree       Layout = "free"        // placed by the graph's structure
)

// KnobKind says what a [Knob] sets.
type KnobKind string

// Knob kinds.
const (
	KnobCap      KnobKind = "cap"      // a channel's capacity, named after its variable
	KnobInt      KnobKind = "int"      // an integer constant marked in the source
	KnobDuration KnobKind = "duration" // a time.Duration constant marked in the source (nanoseconds)
	KnobLatency  KnobKind = "latency"  // a simulated URL's latency (nanoseconds)
	KnobFail     KnobKind = "fail"     // 1 makes a simulated URL fail
)

// MaxCap is the largest channel capacity a scenario accepts.
const MaxCap = 1000

// Knob is one setting of a scenario a user may change, with its range.
type Knob struct {
	Name    string   `json:"name"`
	Kind    KnobKind `json:"kind"`
	Default int64    `json:"default"`
	Min     int64    `json:"min"`
	Max     int64    `json:"max"`
	Line    int      `json:"line,omitempty"`  // where the knob is in the source
	Expr    string   `json:"expr,omitempty"`  // a capacity as the source writes it, e.g. "len(data)"
	URL     string   `json:"url,omitempty"`   // latency and fail knobs: the URL
	Error   string   `json:"error,omitempty"` // fail knobs: the error the request fails with
}

// Format renders a knob value as a person reads it (durations as Go writes them).
func (k Knob) Format(v int64) string {
	if k.Kind == KnobDuration || k.Kind == KnobLatency {
		return time.Duration(v).String()
	}
	return fmt.Sprint(v)
}

// Scenario is one entry of the catalog.
type Scenario struct {
	ID          string           `json:"id"`
	Title       string           `json:"title"`
	Section     string           `json:"section,omitempty"` // the guide's section, e.g. "§6 (buggy)"
	Layout      Layout           `json:"layout"`
	Explanation string           `json:"explanation"`
	Claim       string           `json:"claim,omitempty"` // what it can do, from an exploration of its schedules (zz_claims.go)
	Knobs       []Knob           `json:"knobs"`
	Source      string           `json:"-"` // the program as the reader sees it
	File        string           `json:"-"` // its file name, as positions name it
	Internet    *engine.Internet `json:"-"`
	Program     engine.Program   `json:"-"`
}

// Guide reports whether the scenario comes from the concurrency guide.
func (s *Scenario) Guide() bool { return s.Section != "" }

// meta is scenario.json.
type meta struct {
	Title       string           `json:"title"`
	Section     string           `json:"section"`
	Layout      Layout           `json:"layout"`
	Explanation string           `json:"explanation"`
	Internet    *engine.Internet `json:"internet"`
	Knobs       []Knob           `json:"knobs"`
}

// compiled is what go generate produced for a scenario: its program on the
// engine and the knobs found in its source.
type compiled struct {
	program engine.Program
	knobs   []Knob
}

// programs is filled by the generated registry (zz_programs.go).
var programs = map[string]compiled{}

func register(id string, p engine.Program, knobs []Knob) { programs[id] = compiled{p, knobs} }

var (
	loadOnce sync.Once
	catalog  []*Scenario
	loadErr  error
)

// scenarios loads the catalog once, after every init (the registry's too).
func scenarios() []*Scenario {
	loadOnce.Do(func() {
		catalog, loadErr = load(src, programs)
	})
	if loadErr != nil {
		// The catalog is embedded in the binary: a bad one is a build bug,
		// which TestCatalog catches before it ships.
		panic(fmt.Sprintf("scenarios: %v", loadErr))
	}
	return catalog
}

// load reads every scenario under src/ and joins it with its compiled program.
func load(fsys fs.FS, progs map[string]compiled) ([]*Scenario, error) {
	dirs, err := fs.ReadDir(fsys, "src")
	if err != nil {
		return nil, fmt.Errorf("read catalog: %w", err)
	}
	var out []*Scenario
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		id := d.Name()
		s, err := loadOne(fsys, id)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", id, err)
		}
		if c, ok := progs[id]; ok {
			s.Program = c.program
			s.Knobs = append(slices.Clone(c.knobs), s.Knobs...)
		}
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Guide() != b.Guide() {
			return a.Guide()
		}
		if a.Guide() {
			return a.Section < b.Section
		}
		return a.Title < b.Title
	})
	return out, nil
}

func loadOne(fsys fs.FS, id string) (*Scenario, error) {
	raw, err := fs.ReadFile(fsys, path.Join("src", id, "scenario.json"))
	if err != nil {
		return nil, err
	}
	var m meta
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("scenario.json: %w", err)
	}
	code, err := fs.ReadFile(fsys, path.Join("src", id, "main.go"))
	if err != nil {
		return nil, err
	}
	switch m.Layout {
	case LayoutWorkerPool, LayoutPipeline, LayoutFree:
	default:
		return nil, fmt.Errorf("layout %q: want worker-pool, pipeline or free", m.Layout)
	}
	if m.Title == "" || m.Explanation == "" {
		return nil, fmt.Errorf("scenario.json needs a title and an explanation")
	}
	s := &Scenario{ID: id, Title: m.Title, Section: m.Section, Layout: m.Layout, Explanation: m.Explanation,
		Claim: claimTexts[id], Source: string(code), File: "main.go", Internet: m.Internet}
	if m.Internet != nil {
		if err := m.Internet.Validate(); err != nil {
			return nil, fmt.Errorf("scenario.json: internet: %w", err)
		}
	}
	for _, k := range m.Knobs {
		switch k.Kind {
		case KnobLatency, KnobFail:
			if m.Internet == nil {
				return nil, fmt.Errorf("knob %s: a %s knob needs an internet table", k.Name, k.Kind)
			}
			r, ok := m.Internet.Routes[k.URL]
			if !ok {
				return nil, fmt.Errorf("knob %s: the internet table has no route for %q", k.Name, k.URL)
			}
			if k.Kind == KnobLatency {
				k.Default = int64(r.Latency)
			} else if r.Err != "" {
				k.Default = 1
			}
		default:
			return nil, fmt.Errorf("knob %s: scenario.json may only declare latency and fail knobs (caps and constants come from the source)", k.Name)
		}
		s.Knobs = append(s.Knobs, k)
	}
	return s, nil
}

// All returns the catalog: the guide's programs first, by section, then the others by title.
func All() []*Scenario { return scenarios() }

// Lookup returns the scenario with the given id.
func Lookup(id string) (*Scenario, bool) {
	for _, s := range scenarios() {
		if s.ID == id {
			return s, true
		}
	}
	return nil, false
}

// knob returns the scenario's knob with the given name and kind class:
// caps are looked up among channel knobs, others among the rest.
func (s *Scenario) knob(name string, cap bool) (Knob, bool) {
	for _, k := range s.Knobs {
		if k.Name == name && (k.Kind == KnobCap) == cap {
			return k, true
		}
	}
	return Knob{}, false
}

// Settings are a user's changes to a scenario's defaults.
type Settings struct {
	Knobs map[string]int64 // constants, latencies and failures by knob name
	Caps  map[string]int   // channel capacities by channel name
}

// Config validates settings against the scenario's knobs and returns the
// engine configuration for a run (seed, policy and interventions are the
// caller's). Every problem names the knob and its range.
func (s *Scenario) Config(set Settings) (engine.Config, error) {
	var cfg engine.Config
	for _, name := range sortedKeys(set.Caps) {
		v := set.Caps[name]
		k, ok := s.knob(name, true)
		if !ok {
			return cfg, &KnobError{Knob: name, Unknown: true, msg: fmt.Sprintf("%s has no channel named %q (channels: %s)", s.ID, name, s.names(true))}
		}
		if int64(v) < k.Min || int64(v) > k.Max {
			return cfg, &KnobError{Knob: name, Cap: true, msg: fmt.Sprintf("capacity of %s must be between %d and %d, not %d", name, k.Min, k.Max, v)}
		}
		if cfg.Caps == nil {
			cfg.Caps = map[string]int{}
		}
		cfg.Caps[name] = v
	}
	var in *engine.Internet
	if s.Internet != nil {
		in = &engine.Internet{Default: s.Internet.Default, Routes: map[string]engine.Reply{}}
		for u, r := range s.Internet.Routes {
			in.Routes[u] = r
		}
	}
	for _, name := range sortedKeys(set.Knobs) {
		v := set.Knobs[name]
		k, ok := s.knob(name, false)
		if !ok {
			return cfg, &KnobError{Knob: name, Unknown: true, msg: fmt.Sprintf("%s has no knob named %q (knobs: %s)", s.ID, name, s.names(false))}
		}
		if v < k.Min || v > k.Max {
			return cfg, &KnobError{Knob: name, msg: fmt.Sprintf("knob %s must be between %s and %s, not %s", name, k.Format(k.Min), k.Format(k.Max), k.Format(v))}
		}
		switch k.Kind {
		case KnobLatency:
			r := in.Routes[k.URL]
			r.Latency = time.Duration(v)
			in.Routes[k.URL] = r
		case KnobFail:
			r := in.Routes[k.URL]
			if v == 1 {
				r.Err = k.Error
			} else {
				r.Err = ""
			}
			in.Routes[k.URL] = r
		default:
			if cfg.Knobs == nil {
				cfg.Knobs = map[string]int64{}
			}
			cfg.Knobs[name] = v
		}
	}
	cfg.Internet = in
	return cfg, nil
}

// RunConfig validates a run's inputs, as the engine checks them and against
// the scenario's knobs, and returns the engine configuration of the run:
// the scenario's knobs, capacities and internet with the inputs' seed,
// policy, interventions and limits.
func (s *Scenario) RunConfig(in engine.RunInput) (engine.Config, error) {
	cfg, err := in.Config()
	if err != nil {
		return engine.Config{}, err
	}
	scfg, err := s.Config(Settings{Knobs: in.Knobs, Caps: in.Caps})
	if err != nil {
		return engine.Config{}, err
	}
	cfg.Caps, cfg.Knobs, cfg.Internet = scfg.Caps, scfg.Knobs, scfg.Internet
	return cfg, nil
}

// KnobError is a setting the scenario refuses: an unknown knob or channel,
// or a value outside its range. The message names the knob and the range.
type KnobError struct {
	Knob    string
	Unknown bool // no such knob (else: out of range)
	Cap     bool // a channel capacity
	msg     string
}

func (e *KnobError) Error() string { return e.msg }

// Code is the error's stable name in the server's protocol.
func (e *KnobError) Code() string {
	switch {
	case e.Unknown:
		return "unknown_knob"
	case e.Cap:
		return "cap_range"
	}
	return "knob_range"
}

func (s *Scenario) names(cap bool) string {
	var n []string
	for _, k := range s.Knobs {
		if (k.Kind == KnobCap) == cap {
			n = append(n, k.Name)
		}
	}
	if len(n) == 0 {
		return "none"
	}
	return strings.Join(n, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
