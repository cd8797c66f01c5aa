package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/scenarios"
)

// TestMain doubles as the runs' child process: the runner re-executes this
// test binary with ChildEnv set, and it serves the test scenarios.
func TestMain(m *testing.M) {
	if os.Getenv(ChildEnv) != "" {
		os.Exit(ChildMain(os.Stdin, os.Stdout, ResolveWith(lookupTest)))
	}
	if os.Getenv(attackServerEnv) != "" {
		os.Exit(attackServer())
	}
	if os.Getenv(orphanServerEnv) != "" {
		os.Exit(orphanServer())
	}
	goleak.VerifyTestMain(m)
}

var testSites = []engine.Site{{}, {File: "main.go", Line: 24, Func: "main.main"}, {File: "main.go", Line: 28, Func: "main.main"}, {File: "main.go", Line: 10, Func: "main.worker"}}

// testCatalog holds programs written directly on the engine: the guide's
// buggy worker pool, and programs that misbehave on purpose.
var testCatalog = map[string]*scenarios.Scenario{
	"pool": {ID: "pool", Title: "pool", Knobs: []scenarios.Knob{
		{Name: "jobs", Kind: scenarios.KnobCap, Default: 3, Max: 1000},
		{Name: "results", Kind: scenarios.KnobCap, Default: 3, Max: 1000},
		{Name: "workers", Kind: scenarios.KnobInt, Default: 3, Min: 1, Max: 10},
	}, Program: engine.Program{Sites: testSites, Main: pool}},
	// spin never reaches a sync point: only the wall-clock limit stops it.
	"spin": {ID: "spin", Program: engine.Program{Main: func() {
		//lint:ignore SA5002 spinning without a sync point is what this program is for
		for {
		}
	}}},
	// alloc allocates without bound.
	"alloc": {ID: "alloc", Program: engine.Program{Main: func() {
		var keep [][]byte
		for {
			b := make([]byte, 1<<20)
			for i := 0; i < len(b); i += 4096 {
				b[i] = 1 // touch every page, so it is resident
			}
			//lint:ignore SA4010 the slice keeps the memory alive, which is the point
			keep = append(keep, b)
		}
	}}},
	// crash kills its own process mid-run.
	"crash": {ID: "crash", Program: engine.Program{Main: func() {
		engine.Println(0, "about to crash")
		os.Exit(7)
	}}},
	// garbage writes bytes that are not frames onto the stream.
	"garbage": {ID: "garbage", Program: engine.Program{Main: func() {
		os.Stdout.Write([]byte("\x00\x01 not a frame"))
		os.Stdout.Sync()
		engine.Sleep(1, 0)
	}}},
	// chatty makes many events: past the event limit the run ends with the
	// limit outcome.
	"chatty": {ID: "chatty", Program: engine.Program{Main: func() {
		c := engine.MakeChan[int]("c", 0, 0)
		engine.Go("main.echo", 0, func() {
			for v := range c.Range(0) {
				_ = v
			}
		})
		for i := 0; ; i++ {
			c.Send(i, 0)
		}
	}}},
}

func lookupTest(id string) (*scenarios.Scenario, bool) {
	sc, ok := testCatalog[id]
	return sc, ok
}

func pool() {
	n := int(engine.Knob("workers", 3))
	jobs := engine.MakeChan[int]("jobs", 3, 1)
	results := engine.MakeChan[int]("results", 3, 1)
	for range n {
		engine.Go("main.worker", 1, func() {
			for j := range jobs.Range(3) {
				results.Send(j*j, 3)
			}
		})
	}
	for i := 1; i <= 5; i++ {
		jobs.Send(i, 1)
	}
	jobs.Close(1)
	for r := range results.Range(2) {
		engine.Println(2, r)
	}
}

func testLimits() Limits {
	return Limits{Wall: 3 * time.Second, Memory: 200 << 20, Events: 50_000, Concurrent: 4, Queue: 20 * time.Second}
}

func testOptions(lim Limits) Options {
	return Options{
		Limits: lim,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		ChildCommand: func(ctx context.Context) *exec.Cmd {
			cmd := exec.CommandContext(ctx, os.Args[0])
			// A -race test binary sleeps a second at exit by default.
			cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
			return cmd
		},
		Scenarios: lookupTest,
		Landing:   "pool",
		// Every test client comes from loopback, one address: the tests of
		// the per-address limits set them; the others need room.
		Class: ClassLimits{Conns: 10_000, ConnsPerAddr: 10_000, ReadRate: 1 << 30, RoomsPerAddr: 1000, SeatsPerAddr: 10_000, Guesses: 10_000},
	}
}

func newTestServer(t testing.TB, lim Limits, opts ...func(*Options)) (*Server, *httptest.Server) {
	t.Helper()
	o := testOptions(lim)
	for _, f := range opts {
		f(&o)
	}
	s := New(o)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		s.Close()
		ts.Close()
	})
	return s, ts
}

type client struct {
	t    testing.TB
	conn *websocket.Conn
}

func dial(t testing.TB, ts *httptest.Server) *client {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/ws", nil)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return &client{t, conn}
}

func (c *client) send(v any) {
	c.t.Helper()
	var b []byte
	if s, ok := v.(string); ok {
		b = []byte(s)
	} else {
		b, _ = json.Marshal(v)
	}
	require.NoError(c.t, c.conn.WriteMessage(websocket.TextMessage, b))
}

// msg is any server message, decoded loosely.
type msg map[string]any

func (c *client) read() msg {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, b, err := c.conn.ReadMessage()
	require.NoError(c.t, err)
	var m msg
	require.NoError(c.t, json.Unmarshal(b, &m))
	return m
}

// closeCode reads until the server closes the connection and returns the
// close frame's code.
func (c *client) closeCode() int {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _, err := c.conn.ReadMessage()
	var ce *websocket.CloseError
	require.ErrorAs(c.t, err, &ce)
	return ce.Code
}

// runToEnd reads until the outcome or an error for the current run and
// returns every message.
func (c *client) runToEnd() []msg {
	c.t.Helper()
	var out []msg
	for {
		m := c.read()
		out = append(out, m)
		if m["type"] == "outcome" || m["type"] == "error" {
			return out
		}
	}
}

// events concatenates the events messages, checking they are contiguous.
func events(t testing.TB, ms []msg) []any {
	var all []any
	for _, m := range ms {
		if m["type"] != "events" {
			continue
		}
		require.Equal(t, float64(len(all)), m["from"], "events arrive in order without gaps")
		all = append(all, m["events"].([]any)...)
	}
	return all
}

func TestHello(t *testing.T) {
	_, ts := newTestServer(t, testLimits())
	c := dial(t, ts)
	c.send(map[string]any{"type": "hello", "version": ProtocolVersion})
	m := c.read()
	assert.Equal(t, "hello", m["type"])
	assert.Equal(t, float64(ProtocolVersion), m["version"])
	assert.Equal(t, float64(50_000), m["limits"].(map[string]any)["maxEvents"])
}

// The page asks for its run right after its hello, without waiting for
// the server's: the server answers in order, its hello first.
func TestRunAskedWithTheHelloIsAnsweredAfterIt(t *testing.T) {
	_, ts := newTestServer(t, testLimits())
	c := dial(t, ts)
	c.send(map[string]any{"type": "hello", "version": ProtocolVersion})
	c.send(map[string]any{"type": "run", "id": "1", "scenario": "pool", "seed": 3})
	assert.Equal(t, "hello", c.read()["type"], "the hello comes first")
	ms := c.runToEnd()
	assert.Equal(t, "run", ms[0]["type"])
	assert.Equal(t, "outcome", lastOf(ms)["type"], "%v", lastOf(ms))
	assert.Equal(t, lastOf(ms)["events"], float64(len(events(t, ms))), "the whole run")
}

func TestRunStreamsEventsThenOutcome(t *testing.T) {
	_, ts := newTestServer(t, testLimits())
	c := dial(t, ts)
	c.send(map[string]any{"type": "run", "id": "r1", "scenario": "pool", "seed": 3})
	ms := c.runToEnd()
	require.Equal(t, "run", ms[0]["type"])
	assert.Equal(t, "r1", ms[0]["id"])
	assert.Equal(t, float64(3), ms[0]["seed"])
	out := ms[len(ms)-1]
	require.Equal(t, "outcome", out["type"], "%v", out)
	assert.Equal(t, "deadlock", out["outcome"])
	assert.Equal(t, "fatal error: all goroutines are asleep - deadlock!", out["message"])
	assert.Equal(t, float64(2), out["exitCode"])
	assert.ElementsMatch(t, []string{"1", "4", "9", "16", "25"}, strings.Fields(out["stdout"].(string)))
	evs := events(t, ms)
	assert.Equal(t, out["events"], float64(len(evs)), "every event of the run was streamed")
	blocked := out["blocked"].([]any)[0].(map[string]any)
	assert.Equal(t, "chan receive", blocked["reason"])
	assert.Equal(t, "main.go:28", blocked["pos"])
}

func TestSettingsChangeTheRun(t *testing.T) {
	_, ts := newTestServer(t, testLimits())
	c := dial(t, ts)
	c.send(map[string]any{"type": "run", "id": "r", "scenario": "pool", "caps": map[string]int{"jobs": 0, "results": 0}, "seed": 1})
	out := c.runToEnd()
	end := out[len(out)-1]
	require.Equal(t, "outcome", end["type"])
	blocked := end["blocked"].([]any)
	assert.Len(t, blocked, 4, "main and the three workers")
	assert.Equal(t, "chan send", blocked[0].(map[string]any)["reason"], "main blocks sending a job")

	c.send(map[string]any{"type": "run", "id": "r", "scenario": "pool", "knobs": map[string]int{"workers": 1}, "caps": map[string]int{"jobs": 0, "results": 0}, "seed": 1})
	end = lastOf(c.runToEnd())
	assert.Len(t, end["blocked"].([]any), 2, "main and the one worker")
}

func lastOf(ms []msg) msg { return ms[len(ms)-1] }

func TestBadInputGetsAnErrorAndTheConnectionStays(t *testing.T) {
	_, ts := newTestServer(t, testLimits())
	c := dial(t, ts)
	many := make([]map[string]any, maxInterventions+1)
	for i := range many {
		many[i] = map[string]any{"step": i, "run": 1}
	}
	tests := []struct {
		name string
		in   any
		code string
	}{
		{"malformed JSON", `{"type": "run",`, "bad_json"},
		{"not an object", `[1,2]`, "bad_json"},
		{"no type", `{"scenario": "pool"}`, "bad_field"},
		{"unknown type", map[string]any{"type": "explode"}, "unknown_type"},
		{"unknown field", map[string]any{"type": "run", "scenario": "pool", "color": "red"}, "bad_field"},
		{"mistyped field", map[string]any{"type": "run", "scenario": "pool", "seed": "seven"}, "bad_field"},
		{"negative seed", `{"type":"run","scenario":"pool","seed":-1}`, "bad_field"},
		{"missing scenario", map[string]any{"type": "run"}, "bad_field"},
		{"unknown scenario", map[string]any{"type": "run", "scenario": "nope"}, "unknown_scenario"},
		{"unknown channel", map[string]any{"type": "run", "scenario": "pool", "caps": map[string]int{"queue": 1}}, "unknown_knob"},
		{"capacity below 0", map[string]any{"type": "run", "scenario": "pool", "caps": map[string]int{"jobs": -1}}, "cap_range"},
		{"capacity above 1000", map[string]any{"type": "run", "scenario": "pool", "caps": map[string]int{"jobs": 1001}}, "cap_range"},
		{"knob out of range", map[string]any{"type": "run", "scenario": "pool", "knobs": map[string]int{"workers": 11}}, "knob_range"},
		{"unknown knob", map[string]any{"type": "run", "scenario": "pool", "knobs": map[string]int{"speed": 1}}, "unknown_knob"},
		{"bad policy", map[string]any{"type": "run", "scenario": "pool", "policy": "lifo"}, "bad_field"},
		{"bad intervention", map[string]any{"type": "run", "scenario": "pool", "interventions": []any{map[string]any{"step": 1}}}, "bad_intervention"},
		{"negative step", map[string]any{"type": "run", "scenario": "pool", "interventions": []any{map[string]any{"step": -4, "run": 2}}}, "bad_intervention"},
		{"resize above 1000", map[string]any{"type": "run", "scenario": "pool", "interventions": []any{map[string]any{"step": 4, "chan": 1, "cap": 5000}}}, "cap_range"},
		{"too many interventions", map[string]any{"type": "run", "scenario": "pool", "interventions": many}, "too_many_interventions"},
		{"wrong protocol version", map[string]any{"type": "hello", "version": 99}, "version"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			c.send(tc.in)
			m := c.read()
			assert.Equal(t, "error", m["type"])
			assert.Equal(t, tc.code, m["code"], "%v", m["message"])
			assert.NotEmpty(t, m["message"])
			// Still usable.
			c.send(map[string]any{"type": "hello", "version": ProtocolVersion})
			assert.Equal(t, "hello", c.read()["type"])
		})
	}
	t.Run("binary message", func(t *testing.T) {
		c.t = t
		require.NoError(t, c.conn.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3}))
		assert.Equal(t, "bad_json", c.read()["code"])
	})
}

func TestMessageOverReadLimitClosesWith1009(t *testing.T) {
	_, ts := newTestServer(t, testLimits())
	c := dial(t, ts)
	c.send(`{"type":"run","scenario":"` + strings.Repeat("x", maxMessage) + `"}`)
	assert.Equal(t, websocket.CloseMessageTooBig, c.closeCode())
}

func TestFloodOfRunsIsRateLimited(t *testing.T) {
	_, ts := newTestServer(t, testLimits())
	c := dial(t, ts)
	for i := range 100 {
		c.send(map[string]any{"type": "run", "id": fmt.Sprint(i), "scenario": "pool", "seed": i})
	}
	limited := 0
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		m := c.read()
		if m["code"] == "rate_limited" {
			limited++
		}
		if (m["type"] == "outcome" || m["type"] == "error") && m["id"] == "99" {
			break
		}
	}
	assert.Greater(t, limited, 0, "a flood of runs meets the rate limit")
	c.send(map[string]any{"type": "hello", "version": ProtocolVersion})
	for m := c.read(); m["type"] != "hello"; m = c.read() {
	}
}

func TestCacheServesRepeatedRuns(t *testing.T) {
	_, ts := newTestServer(t, testLimits())
	c := dial(t, ts)
	run := map[string]any{"type": "run", "id": "a", "scenario": "pool", "seed": 11}
	c.send(run)
	first := c.runToEnd()
	c.send(run)
	second := c.runToEnd()
	assert.Equal(t, false, first[0]["cached"])
	assert.Equal(t, true, second[0]["cached"])
	assert.Equal(t, first[0]["run"], second[0]["run"], "equal inputs, equal run key")
	assert.Equal(t, events(t, first), events(t, second))
	run["seed"] = 12
	c.send(run)
	assert.Equal(t, false, c.runToEnd()[0]["cached"], "other inputs, another run")
}

func TestResumeFrom(t *testing.T) {
	_, ts := newTestServer(t, testLimits())
	c := dial(t, ts)
	c.send(map[string]any{"type": "run", "id": "a", "scenario": "pool", "seed": 5})
	all := events(t, c.runToEnd())
	c.send(map[string]any{"type": "run", "id": "b", "scenario": "pool", "seed": 5, "from": 10})
	ms := c.runToEnd()
	var got []any
	for _, m := range ms {
		if m["type"] == "events" {
			if len(got) == 0 {
				assert.Equal(t, float64(10), m["from"])
			}
			got = append(got, m["events"].([]any)...)
		}
	}
	assert.Equal(t, all[10:], got)
}

// Each misbehaving program ends with an error naming the limit, and the
// server and other runs carry on.
func TestLimitsStopBadPrograms(t *testing.T) {
	lim := testLimits()
	lim.Wall = 1500 * time.Millisecond
	lim.Memory = 100 << 20
	_, ts := newTestServer(t, lim)
	tests := []struct {
		scenario, code, mention string
	}{
		{"spin", "timeout", "time limit"},
		{"alloc", "memory", "memory limit (100 MiB)"},
		{"crash", "crashed", "exit status 7"},
		{"garbage", "garbled", "garbled"},
	}
	var wg sync.WaitGroup
	for _, tc := range tests {
		wg.Add(1)
		t.Run(tc.scenario, func(t *testing.T) {
			defer wg.Done()
			c := dial(t, ts)
			c.send(map[string]any{"type": "run", "id": tc.scenario, "scenario": tc.scenario})
			end := lastOf(c.runToEnd())
			assert.Equal(t, "error", end["type"])
			assert.Equal(t, tc.code, end["code"])
			assert.Contains(t, end["message"], tc.mention)
		})
	}
	wg.Wait()
	c := dial(t, ts)
	c.send(map[string]any{"type": "run", "scenario": "pool"})
	assert.Equal(t, "deadlock", lastOf(c.runToEnd())["outcome"], "the server still runs programs")
}

// A run past the event limit ends with the engine's limit outcome: an
// answer, not an error.
func TestEventLimit(t *testing.T) {
	lim := testLimits()
	lim.Wall = time.Minute // the limit to hit here is the events', even on a loaded machine
	lim.Events = 20_000
	_, ts := newTestServer(t, lim)
	c := dial(t, ts)
	c.send(map[string]any{"type": "run", "scenario": "chatty"})
	ms := c.runToEnd()
	end := lastOf(ms)
	assert.Equal(t, "limit", end["outcome"])
	assert.Equal(t, "concviz: limit: event cap reached: 20000 events", end["message"])
	assert.Len(t, events(t, ms), 20_000)
}

func TestCancelStopsTheRun(t *testing.T) {
	_, ts := newTestServer(t, testLimits())
	c := dial(t, ts)
	c.send(map[string]any{"type": "run", "id": "s", "scenario": "spin"})
	assert.Equal(t, "run", c.read()["type"])
	c.send(map[string]any{"type": "cancel"})
	c.send(map[string]any{"type": "run", "id": "p", "scenario": "pool"})
	ms := c.runToEnd()
	for _, m := range ms {
		assert.NotEqual(t, "s", m["id"], "nothing more is sent for a cancelled run")
	}
	assert.Equal(t, "outcome", lastOf(ms)["type"])
}

func TestOriginCheck(t *testing.T) {
	_, ts := newTestServer(t, testLimits(), func(o *Options) { o.AllowOrigins = []string{"http://class.example:8080"} })
	url := "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws"
	for origin, ok := range map[string]bool{
		ts.URL:                      true,
		"http://class.example:8080": true,
		"http://evil.example":       false,
	} {
		conn, resp, err := websocket.DefaultDialer.Dial(url, http.Header{"Origin": {origin}})
		if ok {
			require.NoError(t, err, origin)
			conn.Close()
		} else {
			require.Error(t, err, origin)
			assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		}
	}
}

func TestShutdownSendsCloseFrames(t *testing.T) {
	s, ts := newTestServer(t, testLimits())
	c := dial(t, ts)
	c.send(map[string]any{"type": "run", "scenario": "spin"})
	assert.Equal(t, "run", c.read()["type"])
	s.Close()
	assert.Equal(t, websocket.CloseGoingAway, c.closeCode())
}

func TestHundredConcurrentClients(t *testing.T) {
	_, ts := newTestServer(t, testLimits())
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/ws", nil)
			if !assert.NoError(t, err) {
				return
			}
			defer conn.Close()
			conn.WriteJSON(map[string]any{"type": "run", "scenario": "pool", "seed": i % 40})
			for {
				conn.SetReadDeadline(time.Now().Add(60 * time.Second))
				var m msg
				if !assert.NoError(t, conn.ReadJSON(&m)) {
					return
				}
				if m["type"] == "error" {
					t.Errorf("client %d: %v", i, m)
					return
				}
				if m["type"] == "outcome" {
					assert.Equal(t, "deadlock", m["outcome"])
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestServeShutsDownGracefully(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, "127.0.0.1:0", testOptions(testLimits()), func(u string) { urls <- u }) }()
	u := <-urls
	require.True(t, strings.HasPrefix(u, "http://127.0.0.1:"), u)
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(strings.TrimSuffix(u, "/"), "http")+"/ws", nil)
	require.NoError(t, err)
	defer conn.Close()
	c := &client{t, conn}
	c.send(map[string]any{"type": "run", "scenario": "spin"})
	assert.Equal(t, "run", c.read()["type"])
	cancel()
	assert.Equal(t, websocket.CloseGoingAway, c.closeCode())
	assert.NoError(t, <-done)
}

func TestServeRefusesABadAddress(t *testing.T) {
	err := Serve(context.Background(), "127.0.0.1:99999", testOptions(testLimits()), nil)
	assert.ErrorContains(t, err, "listen on 127.0.0.1:99999")
}

// With every run slot taken for longer than the queue time, a run is
// refused with busy, and the connection goes on.
func TestBusyWhenEverySlotIsTaken(t *testing.T) {
	lim := testLimits()
	lim.Concurrent = 1
	lim.Queue = 200 * time.Millisecond
	lim.Wall = 20 * time.Second
	_, ts := newTestServer(t, lim)
	hog := dial(t, ts)
	hog.send(map[string]any{"type": "run", "scenario": "spin"})
	assert.Equal(t, "run", hog.read()["type"])
	c := dial(t, ts)
	// Once the spinning run holds the only slot, a run waits the queue
	// time and is refused.
	// Each try is a new seed: a try that ran before the spinning run took
	// the slot would otherwise be cached, and every later try a cache hit.
	var end msg
	seed := 0
	require.Eventually(t, func() bool {
		seed++
		c.send(map[string]any{"type": "run", "id": "late", "scenario": "pool", "seed": seed})
		end = lastOf(c.runToEnd())
		return end["code"] == "busy"
	}, 10*time.Second, 10*time.Millisecond, "the spinning run holds the only slot")
	assert.Contains(t, end["message"], "try again")
	hog.send(map[string]any{"type": "cancel"})
	require.Eventually(t, func() bool {
		c.send(map[string]any{"type": "run", "id": "again", "scenario": "pool"})
		return lastOf(c.runToEnd())["type"] == "outcome"
	}, 20*time.Second, 300*time.Millisecond, "once the slot is free, runs go through")
}
