package server

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/concviz/concviz/engine"
)

// prefetchesPerAddr is how many prefetched runs one address may have going
// at once: a person loads one page at a time, and a flood of page requests
// from one address then holds one run slot, not all of them.
const prefetchesPerAddr = 1

// prefetchSlots is how many of the server's run slots prefetches may hold
// at once: all but one, so that a run a page asks for never waits behind
// runs nobody may ever ask for.
func prefetchSlots(concurrent int) int { return max(concurrent-1, 1) }

// servePage serves a scenario's page (/s/{id}), then starts the run the
// page's script will ask for over its WebSocket, so that the run is under
// way, or done, by the time the page asks: the page's modules take longer
// to load than many runs take. The page is sent first, so that the run's
// child does not hold up the page (on two cores it took 150-250 ms from a
// new browser's first page); it never fails the page.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	s.page.ServeHTTP(w, r)
	if r.Method == http.MethodGet {
		_ = http.NewResponseController(w).Flush()
		s.prefetch(r)
	}
}

// prefetch starts the run of a scenario page's URL, unless the URL is one
// the page would not run as it stands (see pageRun), the run is cached or
// under way, no run slot is free right now, or the address has its
// prefetches going. It returns whether it started the run.
func (s *Server) prefetch(r *http.Request) bool {
	if s.ctx.Err() != nil || !s.hosts.allowed(r) {
		return false
	}
	f, ok := pageRun(r.PathValue("id"), r.URL.RawQuery)
	if !ok {
		return false
	}
	req, _, perr := s.validate(&clientMessage{Type: "run", runFields: f})
	if perr != nil {
		return false
	}
	release, _, _, _ := s.preruns.acquire(addrKey(r.RemoteAddr), ClassLimits{Conns: prefetchSlots(s.runner.Limits.Concurrent), ConnsPerAddr: prefetchesPerAddr})
	if release == nil {
		return false
	}
	// The server's context, not the request's: the request ends as soon as
	// the page is written, long before its script asks for the run.
	if !s.runner.Prefetch(s.ctx, req, release) {
		release()
		return false
	}
	return true
}

// pageRun is the run a scenario page asks for first, from the query of its
// URL as static/settings.js reads it (readURL, then runRequest): seed,
// policy, c.CHAN, k.KNOB and iv are the run's inputs; step, projector and
// present say only what the page shows. ok is false wherever the page
// would run something else or hesitate: a parameter it would complain
// about (and replace by its default), a parameter it does not know, and a
// follow link, whose page runs the presenter's view instead.
func pageRun(id, query string) (f runFields, ok bool) {
	q, err := url.ParseQuery(query)
	if err != nil {
		return runFields{}, false
	}
	f.Scenario = id
	for key, vals := range q {
		for _, val := range vals { // the page takes them in order: the last one stands
			if !f.set(key, val) {
				return runFields{}, false
			}
		}
	}
	// As the page sorts them: stably, by step.
	slices.SortStableFunc(f.Interventions, func(a, b engine.InterventionSpec) int { return cmp.Compare(a.Step, b.Step) })
	return f, true
}

// set takes one parameter of a page's query into f, as readURL does;
// false for a parameter readURL would refuse or that makes the page run
// something else than f.
func (f *runFields) set(key, val string) bool {
	switch {
	case key == "seed":
		v, ok := wholeJS(val)
		if !ok || v < 0 {
			return false
		}
		seed := uint64(v)
		f.Seed = &seed
	case key == "policy":
		if !slices.Contains(engine.Vocab().Policies, val) {
			return false
		}
		f.Policy = val
	case key == "step":
		if v, ok := wholeJS(val); val != "end" && (!ok || v < 0 || v > maxStep) {
			return false
		}
	case key == "projector" || key == "present":
	case strings.HasPrefix(key, "c."):
		v, ok := wholeJS(val)
		if !ok {
			return false
		}
		if f.Caps == nil {
			f.Caps = map[string]int{}
		}
		f.Caps[key[2:]] = int(v)
	case strings.HasPrefix(key, "k."):
		v, ok := wholeJS(val)
		if !ok {
			return false
		}
		if f.Knobs == nil {
			f.Knobs = map[string]int64{}
		}
		f.Knobs[key[2:]] = v
	case key == "iv":
		for part := range strings.SplitSeq(val, ",") {
			if part == "" {
				continue
			}
			iv, ok := parseIntervention(part)
			if !ok {
				return false
			}
			f.Interventions = append(f.Interventions, iv)
		}
	default: // follow, and what the page does not know
		return false
	}
	return true
}

// parseIntervention reads one intervention as a link writes it (room.js,
// ivText): STEP:rG runs goroutine G next, STEP:cCHAN=CAP resizes a
// channel, STEP:sK makes a select take its case K.
func parseIntervention(s string) (engine.InterventionSpec, bool) {
	stepText, rest, ok := strings.Cut(s, ":")
	step, okStep := digitsJS(stepText)
	if !ok || !okStep || rest == "" {
		return engine.InterventionSpec{}, false
	}
	iv := engine.InterventionSpec{Step: step}
	arg := rest[1:]
	switch rest[0] {
	case 'r':
		g, ok := digitsJS(arg)
		if !ok || g > 1<<31-1 {
			return iv, false
		}
		iv.Run = int32(g)
	case 'c':
		chText, capText, ok := strings.Cut(arg, "=")
		ch, okCh := digitsJS(chText)
		c, okCap := digitsJS(capText)
		if !ok || !okCh || !okCap || ch > 1<<31-1 {
			return iv, false
		}
		iv.Chan, iv.Cap = int32(ch), ptr(int(c))
	case 's':
		k, ok := digitsJS(arg)
		if !ok {
			return iv, false
		}
		iv.Case = ptr(int(k))
	default:
		return iv, false
	}
	return iv, true
}

// wholeJS reads a whole number as the page does (/^-?\d+$/), refusing one
// a JavaScript number would not hold exactly (the page would round it).
func wholeJS(s string) (int64, bool) {
	if neg, ok := strings.CutPrefix(s, "-"); ok {
		v, ok := digitsJS(neg)
		return -v, ok
	}
	return digitsJS(s)
}

// digitsJS reads one or more decimal digits (/^\d+$/) as a number a
// JavaScript number holds exactly: at most maxSeed.
func digitsJS(s string) (int64, bool) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v > maxSeed {
		return 0, false
	}
	return v, true
}

func ptr[T any](v T) *T { return &v }
