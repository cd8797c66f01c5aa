package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/explore"
)

// exploreAnswer is a POST /explore's answer, line by line.
type exploreAnswer struct {
	status   int
	progress []progressLine
	result   *explore.Result
	cached   bool
	err      *errorLine
}

// postExplore sends body to /explore and reads the answer to its end.
func postExplore(t *testing.T, ctx context.Context, ts *httptest.Server, body string) exploreAnswer {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/explore", strings.NewReader(body))
	require.NoError(t, err)
	resp, err := ts.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, exploreType, resp.Header.Get("Content-Type"))
	a := exploreAnswer{status: resp.StatusCode}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var typ struct{ Type string }
		require.NoError(t, json.Unmarshal(sc.Bytes(), &typ), sc.Text())
		switch typ.Type {
		case "progress":
			var p progressLine
			require.NoError(t, json.Unmarshal(sc.Bytes(), &p))
			a.progress = append(a.progress, p)
		case "result":
			var r struct {
				explore.Result
				Cached bool `json:"cached"`
			}
			require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
			a.result, a.cached = &r.Result, r.Cached
		case "error":
			a.err = &errorLine{}
			require.NoError(t, json.Unmarshal(sc.Bytes(), a.err))
		default:
			t.Fatalf("a line of an unknown type: %s", sc.Text())
		}
	}
	require.NoError(t, sc.Err())
	return a
}

func exploreServer(t *testing.T, lim Limits) (*Server, *httptest.Server) {
	srv := New(testOptions(lim))
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ts.Close()
		srv.Close()
	})
	return srv, ts
}

// The page's exploration of a scenario finds what explore.Explore finds in
// this process, with a permalink per outcome, its progress before it, and a
// repeat is answered from the cache.
func TestExploreOverHTTPEqualsInProcess(t *testing.T) {
	_, ts := exploreServer(t, testLimits())
	body := `{"scenario":"pool","knobs":{"workers":2},"caps":{"jobs":0,"results":1},"preemptions":1}`
	a := postExplore(t, context.Background(), ts, body)
	require.Nil(t, a.err)
	require.Equal(t, http.StatusOK, a.status)
	require.NotNil(t, a.result)
	assert.False(t, a.cached)

	in := engine.RunInput{Program: "pool", Seed: 1, Policy: engine.PolicyGo.String(), Knobs: map[string]int64{"workers": 2},
		Caps: map[string]int{"jobs": 0, "results": 1}, MaxEvents: testLimits().Events}
	sc, _ := lookupTest("pool")
	cfg, err := sc.RunConfig(in)
	require.NoError(t, err)
	want, err := explore.Explore(context.Background(), []explore.Runner{&explore.InProcess{Program: sc.Program, Config: cfg}},
		explore.Options{Preemptions: 1})
	require.NoError(t, err)
	want.SetLinks("pool", 1)
	got := *a.result
	got.Elapsed, want.Elapsed = 0, 0
	assert.Equal(t, *want, got)
	assert.True(t, got.Complete)
	assert.True(t, got.Failed(), "the guide's buggy pool deadlocks")
	for _, o := range got.Outcomes {
		assert.True(t, strings.HasPrefix(o.Link, "/s/pool?seed=1&policy=go"), o.Link)
	}

	require.NotEmpty(t, a.progress)
	last := a.progress[len(a.progress)-1]
	assert.True(t, last.Done, "the last progress line says the search is done")
	assert.Equal(t, got.Schedules, last.Schedules)
	assert.Equal(t, len(got.Outcomes), last.Outcomes)

	again := postExplore(t, context.Background(), ts, body)
	require.NotNil(t, again.result)
	assert.True(t, again.cached, "the repeat comes from the cache")
	assert.Empty(t, again.progress, "nothing to wait for")
	again.result.Elapsed = a.result.Elapsed
	assert.Equal(t, *a.result, *again.result)
}

// "Find a deadlock" stops the search at the first deadlock; "find a
// different output" at the first end unlike the run on screen's.
func TestExploreUntil(t *testing.T) {
	_, ts := exploreServer(t, testLimits())
	a := postExplore(t, context.Background(), ts, `{"scenario":"pool","caps":{"jobs":1,"results":0},"until":"deadlock"}`)
	require.NotNil(t, a.result, "%+v", a.err)
	assert.Equal(t, "found", a.result.Stopped)
	assert.False(t, a.result.Complete)
	assert.Equal(t, engine.OutcomeDeadlock, a.result.Outcomes[0].Outcome)

	a = postExplore(t, context.Background(), ts, `{"scenario":"pool","caps":{"jobs":1,"results":0},"until":"different","current":{"outcome":"ok","stdout":"1\n"}}`)
	require.NotNil(t, a.result, "%+v", a.err)
	assert.Equal(t, "found", a.result.Stopped, "the first run differs")
	assert.Equal(t, 1, a.result.Runs)

	// Every schedule of this pool deadlocks printing nothing: no other end.
	a = postExplore(t, context.Background(), ts, `{"scenario":"pool","caps":{"jobs":1,"results":0},"until":"different","current":{"outcome":"deadlock","stdout":""}}`)
	require.NotNil(t, a.result, "%+v", a.err)
	assert.Empty(t, a.result.Stopped)
	assert.True(t, a.result.Complete)
	require.Len(t, a.result.Outcomes, 1)
}

// Bad inputs are refused before any child starts, with a status, a code
// and a sentence naming the problem.
func TestExploreRefusesBadInputs(t *testing.T) {
	_, ts := exploreServer(t, testLimits())
	for _, tc := range []struct {
		body, code, says string
	}{
		{`{"scenario":"nope"}`, codeUnknownScenario, `no scenario "nope"`},
		{`{}`, codeBadField, `needs a "scenario"`},
		{`{"scenario":"pool","caps":{"jobs":5000}}`, codeCapRange, "jobs"},
		{`{"scenario":"pool","knobs":{"workers":99}}`, codeKnobRange, "workers"},
		{`{"scenario":"pool","preemptions":99}`, codeBadField, "preemptions 99: it must be 0..6"},
		{`{"scenario":"pool","pctDepth":-1}`, codeBadField, "pctDepth -1"},
		{`{"scenario":"pool","until":"race"}`, codeBadField, `until "race": want "deadlock", "panic" or "different"`},
		{`{"scenario":"pool","until":"different"}`, codeBadField, `needs "current"`},
		{`{"scenario":"pool","policy":"fifo"}`, codeBadJSON, `unknown field "policy"`},
		{`{"scenario":`, codeBadJSON, "not the JSON object"},
	} {
		t.Run(tc.body, func(t *testing.T) {
			a := postExplore(t, context.Background(), ts, tc.body)
			assert.Equal(t, http.StatusBadRequest, a.status)
			require.NotNil(t, a.err)
			assert.Equal(t, tc.code, a.err.Code)
			assert.Contains(t, a.err.Message, tc.says)
			assert.Nil(t, a.result)
		})
	}
}

// A search the client abandons stops: its children are killed, its slots
// come back, and nothing of it is left running (goleak, in TestMain).
func TestExploreCancelStopsTheChildren(t *testing.T) {
	lim := testLimits()
	lim.Concurrent, lim.Queue, lim.Explore = 2, 200*time.Millisecond, time.Minute
	srv, ts := exploreServer(t, lim)
	srv.runner.initSlots()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/explore", strings.NewReader(`{"scenario":"spin"}`))
		if resp, err := ts.Client().Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	// spin's first run never ends: wait until the search holds its slot.
	require.Eventually(t, func() bool { return len(srv.runner.sem) == 1 }, 10*time.Second, 10*time.Millisecond)
	cancel()
	<-done
	require.Eventually(t, func() bool { return len(srv.runner.sem) == 0 }, 10*time.Second, 10*time.Millisecond, "the slot comes back")
}

// A server whose run slots are all taken refuses a search with a sentence.
func TestExploreWhenBusy(t *testing.T) {
	lim := testLimits()
	lim.Concurrent, lim.Queue = 1, 50*time.Millisecond
	srv, ts := exploreServer(t, lim)
	srv.runner.initSlots()
	srv.runner.sem <- struct{}{}
	defer func() { <-srv.runner.sem }()
	a := postExplore(t, context.Background(), ts, `{"scenario":"pool"}`)
	assert.Equal(t, http.StatusServiceUnavailable, a.status)
	require.NotNil(t, a.err)
	assert.Equal(t, codeBusy, a.err.Code)
	assert.Contains(t, a.err.Message, "cannot explore now")
}

// A search past its wall-time limit answers with what it found, marked
// incomplete, and is not cached.
func TestExploreTimeout(t *testing.T) {
	lim := testLimits()
	lim.Explore = 300 * time.Millisecond
	_, ts := exploreServer(t, lim)
	a := postExplore(t, context.Background(), ts, `{"scenario":"spin"}`)
	require.NotNil(t, a.result, "%+v", a.err)
	assert.Equal(t, "timeout", a.result.Stopped)
	assert.False(t, a.result.Complete)
	again := postExplore(t, context.Background(), ts, `{"scenario":"spin"}`)
	require.NotNil(t, again.result)
	assert.False(t, again.cached)
}

func TestExploreWorkers(t *testing.T) {
	for _, tc := range []struct{ concurrent, most int }{{1, 1}, {2, 1}, {4, 2}, {100, 50}} {
		n := exploreWorkers(tc.concurrent)
		assert.GreaterOrEqual(t, n, 1)
		assert.LessOrEqual(t, n, tc.most, "at most half the slots of %d", tc.concurrent)
	}
}

func TestResultCacheDropsTheLeastRecentlyUsed(t *testing.T) {
	c := newResultCache(2)
	a, b, d := &explore.Result{Runs: 1}, &explore.Result{Runs: 2}, &explore.Result{Runs: 3}
	c.put("a", a)
	c.put("b", b)
	_, ok := c.get("a") // a is now more recent than b
	require.True(t, ok)
	c.put("d", d)
	_, ok = c.get("b")
	assert.False(t, ok, "b was the least recently used")
	got, ok := c.get("a")
	assert.True(t, ok)
	assert.Same(t, a, got)
}

// PROTOCOL.md's "Exploring schedules" states the bounds this file declares.
func TestProtocolStatesTheExploreBounds(t *testing.T) {
	b, err := os.ReadFile("../PROTOCOL.md")
	require.NoError(t, err)
	doc := string(b)
	start := strings.Index(doc, "## Exploring schedules")
	require.GreaterOrEqual(t, start, 0, "PROTOCOL.md has the section")
	doc = doc[start:]
	for _, want := range []string{
		fmt.Sprintf("0..%d (absent: %d", maxExplorePreemptions, explore.DefaultPreemptions),
		fmt.Sprintf("1..%d: random PCT", maxExplorePCTDepth),
		fmt.Sprintf("0..%d (0: %d; PCT: %d)", explore.DefaultMaxSchedules, explore.DefaultMaxSchedules, explore.DefaultPCTRuns),
		fmt.Sprintf("at most %d MiB", maxExploreBody>>20),
		fmt.Sprintf("the last %d results", exploreCacheSize),
		fmt.Sprintf("`-explore-timeout`, %v", DefaultLimits.Explore),
		fmt.Sprintf("at most every %d ms", explore.ProgressEvery.Milliseconds()),
	} {
		assert.Contains(t, doc, want)
	}
}

// A program from the page is explored in its own binary: two goroutines
// printing once each print in both orders.
func TestExploreAProgramFromThePage(t *testing.T) {
	ts := buildServer(t)
	prog := build(t, ts, `package main

import (
	"fmt"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	for i := 1; i <= 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fmt.Println(i)
		}()
	}
	wg.Wait()
}
`)
	a := postExplore(t, context.Background(), ts, `{"scenario":"`+prog.Program+`"}`)
	require.NotNil(t, a.result, "%+v", a.err)
	assert.True(t, a.result.Complete)
	var outs []string
	for _, o := range a.result.Outcomes {
		assert.Equal(t, engine.OutcomeOK, o.Outcome)
		outs = append(outs, o.Stdout)
	}
	assert.ElementsMatch(t, []string{"1\n2\n", "2\n1\n"}, outs)
}

// Under -edit=off no program from the page is explored, with the sentence
// a build gets.
func TestExploreRefusesProgramsWhenEditIsOff(t *testing.T) {
	_, ts := newTestServer(t, testLimits(), func(o *Options) { o.Edit = EditOff })
	a := postExplore(t, context.Background(), ts, `{"scenario":"p-0123456789abcdef01234567"}`)
	assert.Equal(t, http.StatusBadRequest, a.status)
	require.NotNil(t, a.err)
	assert.Equal(t, codeUnknownScenario, a.err.Code)
	assert.Contains(t, a.err.Message, "-edit=off")
}

// The page's "Find" buttons (static/explore.js's FINDS) are the searches
// until accepts.
func TestPageFindsAreTheServers(t *testing.T) {
	b, err := os.ReadFile("../static/explore.js")
	require.NoError(t, err)
	m := regexp.MustCompile(`FINDS = Object\.freeze\((\[[^\]]*\])\)`).FindSubmatch(b)
	require.NotNil(t, m, "static/explore.js declares FINDS")
	var finds []string
	require.NoError(t, json.Unmarshal(m[1], &finds))
	assert.Equal(t, []string{untilDeadlock, untilPanic, untilDifferent}, finds)
}
