package server

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/engine"
)

// pageText stands for the page in these tests.
const pageText = "the scenario's page"

func withPage(o *Options) {
	o.Page = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, pageText) })
}

// pageRequest is a GET of a scenario page's path and query, from addr.
func pageRequest(target, addr string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.Host = "localhost"
	r.RemoteAddr = addr + ":40000"
	if id, ok := strings.CutPrefix(r.URL.Path, "/s/"); ok {
		r.SetPathValue("id", id)
	}
	return r
}

// keyOf is the run key the WebSocket's run message with these fields gets.
func keyOf(t *testing.T, s *Server, f runFields) string {
	t.Helper()
	req, _, perr := s.validate(&clientMessage{Type: "run", runFields: f})
	require.Nil(t, perr)
	key, _ := s.runner.prepare(req)
	return key
}

func inFlight(r *Runner) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Collect(maps.Keys(r.flights))
}

// Asking for a scenario's page starts its run; the page's WebSocket, asking
// for the same run, joins it: one child for both.
func TestPageRequestStartsItsRun(t *testing.T) {
	s, ts, kids := gatedServer(t, gatedLimits(), withPage)
	s.runner.spareAfterPrefetch = time.Hour // no spare to count while this runs
	res, err := http.Get(ts.URL + "/s/gated?seed=3&policy=go&step=0")
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, pageText, string(body), "the page is served as before")

	c := dial(t, ts)
	c.send(map[string]any{"type": "run", "id": "r", "scenario": "gated", "seed": 3, "policy": "go"})
	assert.Equal(t, "run", c.read()["type"])
	kids.open(t)
	ms := c.runToEnd()
	assert.Equal(t, "outcome", lastOf(ms)["type"])
	assert.Equal(t, 1, kids.count(), "the page's run joined the run its page request started")

	c.send(map[string]any{"type": "run", "id": "again", "scenario": "gated", "seed": 3, "policy": "go"})
	m := c.read()
	assert.Equal(t, true, m["cached"], "and it was cached")
}

// The run a page request starts is the run its page's URL asks for, and
// only that: a URL the page would complain about, or run otherwise, starts
// nothing.
func TestPagePrefetchesOnlyThePagesRun(t *testing.T) {
	tests := []struct {
		target string
		want   *runFields // nil: nothing starts
	}{
		{"/s/gated?seed=3&policy=go", &runFields{Seed: ptr[uint64](3), Policy: "go"}},
		{"/s/gated", &runFields{}},
		{"/s/gated?seed=3&step=end&projector=1&present=0", &runFields{Seed: ptr[uint64](3)}},
		{"/s/gated?seed=1&seed=2", &runFields{Seed: ptr[uint64](2)}},
		{"/s/gated?iv=9:r2,3:c1=0,,5:s1&iv=4:r1", &runFields{Interventions: []engine.InterventionSpec{
			{Step: 3, Chan: 1, Cap: ptr(0)}, {Step: 4, Run: 1}, {Step: 5, Case: ptr(1)}, {Step: 9, Run: 2}}}},
		{"/s/pool?c.jobs=0&k.workers=4", &runFields{Caps: map[string]int{"jobs": 0}, Knobs: map[string]int64{"workers": 4}}},
		{"/s/nope?seed=3", nil},
		{"/s/gated?seed=banana", nil},
		{"/s/gated?seed=-1", nil},
		{"/s/gated?seed=+3", nil},
		{"/s/gated?seed=9007199254740993", nil},
		{"/s/gated?policy=chaos", nil},
		{"/s/gated?policy=RANDOM", nil},
		{"/s/gated?step=-1", nil},
		{"/s/gated?follow=ABCD-EFGH", nil},
		{"/s/gated?utm_source=mail", nil},
		{"/s/gated?iv=3:x", nil},
		{"/s/gated?iv=3:c1", nil},
		{"/s/gated?seed=1;policy=go", nil},
		{"/s/pool?c.jobs=5000", nil},
		{"/s/pool?c.nope=1", nil},
		{"/s/pool?k.jobs=1", nil},
		{"/s/pool?c.workers=2", nil},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			t.Parallel()
			s, _, kids := gatedServer(t, gatedLimits(), withPage)
			s.runner.spareAfterPrefetch = time.Hour // no spare to count while this runs
			started := s.prefetch(pageRequest(tc.target, "192.0.2.1"))
			if tc.want == nil {
				assert.False(t, started)
				assert.Empty(t, inFlight(s.runner))
				assert.Zero(t, s.preruns.total, "no prefetch counted")
				return
			}
			require.True(t, started)
			u, err := url.Parse(tc.target)
			require.NoError(t, err)
			want := *tc.want
			want.Scenario = strings.TrimPrefix(u.Path, "/s/")
			kids.open(t)
			req, _, perr := s.validate(&clientMessage{Type: "run", runFields: want})
			require.Nil(t, perr)
			_, err = s.runner.Run(context.Background(), req, func(*RunLog) {})
			require.NoError(t, err)
			assert.Equal(t, 1, kids.count(), "the run asked for is the one the page request started")
		})
	}
}

// Prefetches never wait for a run slot, and one address has at most one
// going: a flood of page requests cannot take the slots.
func TestPrefetchesAreBounded(t *testing.T) {
	type ask struct {
		target, addr string
		want         bool
	}
	tests := []struct {
		name       string
		concurrent int
		asks       []ask
	}{
		{"a full runner skips", 1, []ask{
			{"/s/gated?seed=1", "192.0.2.1", true},
			{"/s/gated?seed=2", "192.0.2.2", false},
		}},
		{"one run slot stays for the pages' own runs", 2, []ask{
			{"/s/gated?seed=1", "192.0.2.1", true},
			{"/s/gated?seed=2", "192.0.2.2", false},
		}},
		{"one prefetch per address", 4, []ask{
			{"/s/gated?seed=1", "192.0.2.1", true},
			{"/s/gated?seed=2", "192.0.2.1", false},
			{"/s/gated?seed=2", "192.0.2.2", true},
		}},
		{"a run in flight is not started again", 4, []ask{
			{"/s/gated?seed=1", "192.0.2.1", true},
			{"/s/gated?seed=1&step=4", "192.0.2.2", false},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lim := gatedLimits()
			lim.Concurrent = tc.concurrent
			s, _, _ := gatedServer(t, lim, withPage)
			for _, a := range tc.asks {
				assert.Equal(t, a.want, s.prefetch(pageRequest(a.target, a.addr)), "%s from %s", a.target, a.addr)
			}
		})
	}
}

// A prefetched run outlives the page's request, which ends as soon as the
// page is written: it runs to its end and is cached, and its address may
// prefetch again. A cached run is not prefetched.
func TestPrefetchOutlivesItsRequest(t *testing.T) {
	s, _, kids := gatedServer(t, gatedLimits(), withPage)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.True(t, s.prefetch(pageRequest("/s/gated?seed=5", "192.0.2.1").WithContext(ctx)))
	kids.open(t)
	s.runner.wg.Wait()
	_, ok := s.runner.Cache.Get(keyOf(t, s, runFields{Scenario: "gated", Seed: ptr[uint64](5)}))
	assert.True(t, ok, "the prefetched run was cached")
	assert.False(t, s.prefetch(pageRequest("/s/gated?seed=5", "192.0.2.1")), "a cached run is not prefetched")
	assert.True(t, s.prefetch(pageRequest("/s/pool?seed=5", "192.0.2.1")), "the address's prefetch is over")
}

// Closing the server ends the prefetched runs, which nobody watches.
func TestCloseEndsPrefetchedRuns(t *testing.T) {
	s, _, kids := gatedServer(t, gatedLimits(), withPage)
	require.True(t, s.prefetch(pageRequest("/s/gated", "192.0.2.1")))
	s.Close()
	assert.Empty(t, inFlight(s.runner))
	assert.Zero(t, s.preruns.total)
	started := kids.count()
	assert.LessOrEqual(t, started, 1+spare, "the run's child, and its spare if it started before the close")
	assert.False(t, s.prefetch(pageRequest("/s/gated?seed=2", "192.0.2.1")), "a closed server prefetches nothing")
	assert.Equal(t, started, kids.count(), "a closed server starts no child")
}

// pageRun reads a page's URL as the page itself does: for each query, the
// page's own readURL and runRequest (static/settings.js, in node) and
// pageRun with the server's validation either both give the same run, or
// the page has something to say about the query (it would use a default
// instead) and the server starts nothing.
func TestPageRunAgreesWithThePage(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		require.NotEqual(t, "true", os.Getenv("CI"), "node is not installed; CI installs it for the page's tests")
		t.Skip("node is not installed: the page's reading of its URL cannot be compared here")
	}
	queries := []string{
		"", "seed=3&policy=go", "seed=0", "seed=-0", "seed=007", "seed=9007199254740991", "seed=9007199254740992",
		"seed=+3", "seed=", "seed=3.0", "seed=1&seed=2", "seed=x&seed=2", "policy=fifo", "policy=Go", "policy=",
		"c.jobs=0", "c.jobs=1000", "c.jobs=1001", "c.jobs=-1", "c.workers=2", "c.=1", "k.workers=3", "k.workers=11", "k.jobs=2",
		"iv=", "iv=,,", "iv=9:r2,3:c1=0,5:s1", "iv=3:r2&iv=1:r3", "iv=3:r2,3:s0", "iv=3:x", "iv=3:c1", "iv=3:r",
		"iv=:r1", "iv=3:r-1", "iv=99999999999999999999:r1", "iv=3:c1=1001", "iv=03:r02",
		"step=end", "step=12", "step=-1", "step=abc", "projector=1", "present=1", "follow=ABCD-EFGH", "follow=nope",
		"utm=1", "seed=3&x", "seed=%33", "seed=3+", "seed=%zz", "seed=1;policy=go",
		"c.jobs=1&c.results=2&k.workers=5&seed=44&policy=random&iv=2:r1&step=end",
	}
	sc, ok := lookupTest("pool")
	require.True(t, ok)
	in, err := json.Marshal(map[string]any{"knobs": sc.Knobs, "queries": queries})
	require.NoError(t, err)
	settings, err := filepath.Abs("../static/settings.js")
	require.NoError(t, err)
	script := `import { readFileSync } from "node:fs";
import { readURL, runRequest } from ` + jsString(t, "file://"+settings) + `;
const { knobs, queries } = JSON.parse(readFileSync(0, "utf8"));
console.log(JSON.stringify(queries.map((q) => {
  const { settings, problems } = readURL("?" + q, knobs);
  return { problems, follow: settings.follow, msg: runRequest("r", "pool", settings) };
})));`
	cmd := exec.Command(node, "--input-type=module", "-e", script)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	require.NoError(t, err, "node: %s", out)
	var page []struct {
		Problems []string        `json:"problems"`
		Follow   string          `json:"follow"`
		Msg      json.RawMessage `json:"msg"`
	}
	require.NoError(t, json.Unmarshal(out, &page))
	require.Len(t, page, len(queries))

	s, _ := newTestServer(t, testLimits())
	started := 0
	for i, q := range queries {
		var goReq engine.RunInput
		f, goOK := pageRun("pool", q)
		if goOK {
			var perr *protoError
			goReq, _, perr = s.validate(&clientMessage{Type: "run", runFields: f})
			goOK = perr == nil
		}
		if len(page[i].Problems) > 0 {
			assert.False(t, goOK, "%q: the page says %q, so nothing starts", q, page[i].Problems)
			continue
		}
		if page[i].Follow != "" {
			assert.False(t, goOK, "%q: the page follows a room, whose view it runs", q)
			continue
		}
		var pageReq engine.RunInput
		m, perr := parseClient(page[i].Msg)
		if perr == nil {
			pageReq, _, perr = s.validate(m)
		}
		if perr != nil {
			assert.False(t, goOK, "%q: the server refuses the page's run (%s), so nothing starts", q, perr.msg)
			continue
		}
		if assert.True(t, goOK, "%q: the page runs %s", q, page[i].Msg) {
			assert.Equal(t, pageReq, goReq, "%q", q)
			assert.Equal(t, runKey(pageReq), runKey(goReq), "%q", q)
			started++
		}
	}
	assert.Greater(t, started, len(queries)/3, "the table has queries both run")
}

func jsString(t *testing.T, s string) string {
	b, err := json.Marshal(s)
	require.NoError(t, err)
	return string(b)
}

// A link's interventions are written by engine.InterventionSpec.String
// (explore.Link, rooms); the page's prefetch reads them back as they were.
func TestPageRunReadsTheEngineInterventions(t *testing.T) {
	ivs := []engine.InterventionSpec{
		{Step: 3, Run: 4},
		{Step: 3, Chan: 2, Cap: ptr(0)},
		{Step: 9, Chan: 1, Cap: ptr(1000)},
		{Step: 12, Case: ptr(1)},
		{Step: 0, Run: 1},
	}
	f, ok := pageRun("pool", "iv="+url.QueryEscape(engine.JoinInterventions(ivs)))
	require.True(t, ok, "iv=%s", engine.JoinInterventions(ivs))
	want := slices.Clone(ivs)
	slices.SortStableFunc(want, func(a, b engine.InterventionSpec) int { return int(a.Step - b.Step) })
	assert.Equal(t, want, f.Interventions)
}
