package server

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/internal/golden"
	"github.com/concviz/concviz/scenarios"
)

// digestSeeds and digestEvery bound the step-by-step check: five seeds of
// every scenario under every policy, a digest at every step of runs up to
// digestDense events and at every digestEvery-th step (and the last) of
// longer ones.
const (
	digestSeeds = 5
	digestDense = 20_000
	digestEvery = 64
)

// digestRun is one run as static/testdata/digestcheck.mjs reads it: the
// messages the server sends for it, as sent (a binary message as a JSON
// string of its bytes in base64), and the engine's digests.
type digestRun struct {
	Messages []json.RawMessage `json:"messages"`
	Digests  []engine.Digest   `json:"digests"`
}

// TestPageFoldMatchesEngine folds the server's own encoded messages of
// every catalog scenario and of the shared-memory programs (five seeds,
// three policies, and a run with interventions) in node with the page's
// fold.js, and requires the page's state to equal the engine's at every
// step the engine digests.
func TestPageFoldMatchesEngine(t *testing.T) {
	node := nodeForDigests(t)
	dir := t.TempDir()
	n := 0
	for _, sc := range append(scenarios.All(), memoryScenarios()...) {
		for _, policy := range engine.Vocab().Policies {
			for seed := uint64(1); seed <= digestSeeds; seed++ {
				in := engine.RunInput{Program: sc.ID, Seed: seed, Policy: policy}
				writeDigestRun(t, dir, sc, in)
				n++
			}
		}
		// The same run with a capacity change and a "run this goroutine
		// next" a third and half of the way through it.
		in := engine.RunInput{Program: sc.ID, Seed: 1}
		in.Interventions = interventionsFor(t, sc, in)
		writeDigestRun(t, dir, sc, in)
		n++
	}
	out, err := exec.Command(node, digestCheck(t), dir).CombinedOutput()
	if err != nil {
		// The first difference of each run that has one: the step, the event
		// and both digests.
		t.Fatalf("the page's fold differs from the engine's state:\n%s", out)
	}
	t.Logf("%d runs: %s", n, out)
}

// nodeForDigests returns node's path, skipping the test where node is
// missing (CI installs it, so there it fails instead).
func nodeForDigests(t *testing.T) string {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node is not installed; CI installs it for the page's tests")
		}
		t.Skip("node is not installed: the page's fold cannot be checked against the engine here")
	}
	return node
}

// TestPageFoldCheckCatchesDroppedEvent shows the check failing when the
// stream loses one event: the page's state drifts from the engine's and the
// check names the step.
func TestPageFoldCheckCatchesDroppedEvent(t *testing.T) {
	node := nodeForDigests(t)
	sc, ok := scenarios.Lookup("worker-pool-deadlock")
	require.True(t, ok)
	run := digestRunOf(t, sc, engine.RunInput{Program: sc.ID, Seed: 1})
	require.Len(t, run.Messages, 2, "one batch: the run is short")
	var batch map[string]any
	require.NoError(t, json.Unmarshal(run.Messages[1], &batch))
	rows := batch["events"].([]any)
	drop := len(rows) / 2
	batch["events"] = append(rows[:drop:drop], rows[drop+1:]...)
	b, err := json.Marshal(batch)
	require.NoError(t, err)
	run.Messages[1] = b
	dir := t.TempDir()
	b, err = json.Marshal(run)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "dropped.json"), b, 0o600))

	out, err := exec.Command(node, digestCheck(t), dir).CombinedOutput()
	require.Error(t, err, "the check passed a stream with event %d missing:\n%s", drop, out)
	assert.Contains(t, string(out), "dropped.json: step ")
	assert.Contains(t, string(out), "1 runs differ")
	t.Logf("%s", out)
}

// digestCheck returns the node script's path, having read the page's
// modules so that go test's cache sees a change in them (node reads them
// where the cache cannot see).
func digestCheck(t *testing.T) string {
	mods, err := filepath.Glob("../static/*.js")
	require.NoError(t, err)
	script := "../static/testdata/digestcheck.mjs"
	for _, f := range append(mods, script) {
		_, err := os.ReadFile(f)
		require.NoError(t, err)
	}
	return script
}

// interventionsFor picks a capacity change of the run's first channel a
// third of the way through it, and half way a "run next" of a goroutine
// that is runnable there and not the one about to run, so both take effect
// where the run has a channel and a choice.
func interventionsFor(t *testing.T, sc *scenarios.Scenario, in engine.RunInput) []engine.InterventionSpec {
	cfg, err := sc.RunConfig(in)
	require.NoError(t, err)
	var ds []engine.Digest
	cfg.Digest = func(d engine.Digest) { ds = append(ds, d) }
	res := engine.Run(sc.Program, cfg)
	steps := res.Log.Len()
	var ivs []engine.InterventionSpec
	for _, o := range res.Log.Objects {
		if o.Kind == engine.ObjChan {
			c := o.Cap + 1
			ivs = append(ivs, engine.InterventionSpec{Step: int64(steps / 3), Chan: o.ID, Cap: &c})
			break
		}
	}
	for _, d := range ds {
		if d.Step < steps/2 || d.Step >= steps {
			continue
		}
		next := res.Log.At(d.Step).G
		for _, gd := range slices.Backward(d.Gs) {
			if gd.State == "ready" && gd.ID != next {
				return append(ivs, engine.InterventionSpec{Step: int64(d.Step), Run: gd.ID})
			}
		}
	}
	return ivs
}

// writeDigestRun runs in with digests and writes the run, encoded as the
// server streams it (runStream's own batches), to dir.
func writeDigestRun(t *testing.T, dir string, sc *scenarios.Scenario, in engine.RunInput) {
	t.Helper()
	b, err := json.Marshal(digestRunAs(t, sc, in, true))
	require.NoError(t, err)
	name := fmt.Sprintf("%s-%s-%d-%d.json", sc.ID, in.Policy, in.Seed, len(in.Interventions))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o600))
}

// digestRunOf runs in with the engine's digests and encodes it as the
// server streams it to a client that asks for JSON rows: the run message,
// then runStream's own batches.
func digestRunOf(t *testing.T, sc *scenarios.Scenario, in engine.RunInput) digestRun {
	return digestRunAs(t, sc, in, false)
}

// digestRunAs is digestRunOf with binary events messages, as the page asks
// for them, or JSON rows.
func digestRunAs(t *testing.T, sc *scenarios.Scenario, in engine.RunInput, binary bool) digestRun {
	t.Helper()
	cfg, err := sc.RunConfig(in)
	require.NoError(t, err)
	var ds []engine.Digest
	cfg.Digest = func(d engine.Digest) { ds = append(ds, d) }
	res := engine.Run(sc.Program, cfg)
	if res.Log.Len() > digestDense {
		cfg.DigestEvery, ds = digestEvery, nil
		res = engine.Run(sc.Program, cfg)
	}
	rec := RunLog{Log: *res.Log, Sites: sc.Program.Sites}
	rm := runMessage{Type: "run", ID: "1", Run: runKey(in), Scenario: in.Program, Seed: in.Seed, Policy: in.Policy}
	for _, st := range sc.Program.Sites {
		rm.Sites = append(rm.Sites, siteField{Line: st.Line, Func: st.Func})
	}
	head, err := json.Marshal(rm)
	require.NoError(t, err)
	st := runStream{gen: 1, id: "1", log: rec}
	msgs := []json.RawMessage{head}
	if !binary {
		for b := st.nextBatch(); b != nil; b = st.nextBatch() {
			msgs = append(msgs, b)
		}
		return digestRun{Messages: msgs, Digests: ds}
	}
	for b := st.nextBinary(); b != nil; b = st.nextBinary() {
		s, err := json.Marshal(b) // a JSON string, base64
		require.NoError(t, err)
		msgs = append(msgs, s)
	}
	return digestRun{Messages: msgs, Digests: ds}
}

// framesFixture is static/testdata/frames.json, which static/frames.test.js
// decodes: a run's binary events messages as the session encodes them
// (base64), and each event's row as the engine writes it, the value as
// Log.Value's text.
type framesFixture struct {
	Messages []string `json:"messages"`
	Resumed  []string `json:"resumed"` // the same run asked for again from event 20
	Rows     [][]any  `json:"rows"`
}

// TestFramesFixture keeps static/testdata/frames.json what this server
// sends for a run whose values are the hard cases for a JavaScript reader:
// floats Go writes otherwise than JavaScript's String (exponents, -0, NaN,
// infinities), 64-bit integers past 2^53, strings beyond ASCII. It fails
// when the fixture is stale; -update rewrites it.
func TestFramesFixture(t *testing.T) {
	floats := []float64{0, math.Copysign(0, -1), 1, -2.5, 0.1 + 0.2, 1e-4, 1.5e-5, 123456, 1e6, 1234567, 1e21, 1e300, 5e-324,
		math.MaxFloat64, math.NaN(), math.Inf(1), math.Inf(-1)}
	ints := []int64{0, -1, 42, 1<<53 - 1, 1<<53 + 1, -(1<<53 + 1), math.MaxInt64, math.MinInt64, -4294967296}
	uints := []uint64{0, 1<<32 - 1, 1 << 32, 1<<53 + 1, math.MaxUint64}
	strs := []string{"", "héllo ✓", "a\x00b", "héllo ✓"}
	prog := engine.Program{Name: "frames", Sites: []engine.Site{{}, {File: "main.go", Line: 1, Func: "main.main"}}, Main: func() {
		f := engine.MakeChan[float64]("f", len(floats), 1)
		for _, x := range floats {
			f.Send(x, 1)
		}
		i := engine.MakeChan[int64]("i", len(ints), 1)
		for _, x := range ints {
			i.Send(x, 1)
		}
		u := engine.MakeChan[uint64]("u", len(uints), 1)
		for _, x := range uints {
			u.Send(x, 1)
		}
		s := engine.MakeChan[string]("s", len(strs), 1)
		for _, x := range strs {
			s.Send(x, 1)
		}
		b := engine.MakeChan[bool]("b", 2, 1)
		b.Send(true, 1)
		engine.Sleep(2*time.Hour, 1) // a clock past 2^32 nanoseconds
		b.Send(false, 1)
	}}
	res := engine.Run(prog, engine.Config{Seed: 1})
	st := runStream{gen: 1, id: "1", log: RunLog{Log: *res.Log, Sites: prog.Sites}}
	var fx framesFixture
	for b := st.nextBinary(); b != nil; b = st.nextBinary() {
		fx.Messages = append(fx.Messages, base64.StdEncoding.EncodeToString(b))
	}
	st = runStream{gen: 1, id: "1", log: st.log, cur: cursor{events: 20}}
	for b := st.nextBinary(); b != nil; b = st.nextBinary() {
		fx.Resumed = append(fx.Resumed, base64.StdEncoding.EncodeToString(b))
	}
	for _, e := range res.Log.All {
		r := eventRow(&st.log, e)
		fx.Rows = append(fx.Rows, r[:])
	}
	b, err := json.MarshalIndent(fx, "", " ")
	require.NoError(t, err)
	golden.JSON(t, filepath.Join("..", "static", "testdata", "frames.json"), b, *updateFixtures, "go test ./server/ -run TestFramesFixture -update")
}

// TestProtocolDocBinaryEvents fails when PROTOCOL.md's description of the
// binary events messages no longer states the batch size the server sends
// (the engine's tests hold the events frame's description to its code).
func TestProtocolDocBinaryEvents(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "PROTOCOL.md"))
	require.NoError(t, err)
	batch := fmt.Sprintf("%d,%03d", maxBinaryBatch/1000, maxBinaryBatch%1000)
	assert.Contains(t, string(doc), "at most "+batch+" events", "PROTOCOL.md states the binary batch size")
}

// memorySites are the source positions of the shared-memory programs: a
// counter, a WaitGroup, a mutex and a map, at the lines of a small main.go.
var memorySites = []engine.Site{{},
	{File: "main.go", Line: 10, Func: "main.main", Expr: "count"},   // 1: count = 0
	{File: "main.go", Line: 11, Func: "main.main", Expr: "wg"},      // 2: wg.Add
	{File: "main.go", Line: 12, Func: "main.main"},                  // 3: go worker()
	{File: "main.go", Line: 15, Func: "main.worker", Expr: "count"}, // 4: count++
	{File: "main.go", Line: 16, Func: "main.worker", Expr: "wg"},    // 5: wg.Done
	{File: "main.go", Line: 18, Func: "main.main", Expr: "wg"},      // 6: wg.Wait
	{File: "main.go", Line: 19, Func: "main.main", Expr: "count"},   // 7: fmt.Println(count)
	{File: "main.go", Line: 14, Func: "main.worker", Expr: "mu"},    // 8: mu.Lock
	{File: "main.go", Line: 17, Func: "main.worker", Expr: "mu"},    // 9: mu.Unlock
	{File: "main.go", Line: 15, Func: "main.worker", Expr: "seen"},  // 10: seen[id] = ...
	{File: "main.go", Line: 19, Func: "main.main", Expr: "seen"},    // 11: len(seen), seen[1], delete
}

// memoryProgram is a program as instrument writes shared memory: three
// workers add one to a counter twice each (under a mutex when locked, so
// without it an update can be lost and the accesses race) and record their
// id in a map under the mutex; main waits, reads both and deletes an entry.
func memoryProgram(id string, locked bool) *scenarios.Scenario {
	main := func() {
		var count int
		var wg engine.WaitGroup
		var mu engine.Mutex
		seen := map[int]int{}
		engine.Write(&count, 0, 1)
		for w := 1; w <= 3; w++ {
			wg.Add(1, 2)
			engine.Go("main.worker", 3, func() {
				for range 2 {
					if locked {
						mu.Lock(8)
					}
					engine.Update(&count, func(x int) int { return x + 1 }, 4)
					if locked {
						mu.Unlock(9)
					}
				}
				mu.Lock(8)
				engine.MapUpdate(seen, w, func(x int) int { return x + w }, 10)
				mu.Unlock(9)
				wg.Done(5)
			})
		}
		wg.Wait(6)
		engine.Println(7, engine.Read(&count, 7), len(engine.MapAll(seen, 11)), engine.MapRead(seen, 1, 11))
		engine.MapDelete(seen, 2, 11)
	}
	return &scenarios.Scenario{ID: id, Title: id, File: "main.go", Program: engine.Program{Name: id, Sites: memorySites, Main: main}}
}

// memoryScenarios are the shared-memory programs the page's fold is
// checked on besides the catalog's: a racy counter and a locked one.
func memoryScenarios() []*scenarios.Scenario {
	return []*scenarios.Scenario{memoryProgram("mem-counter-racy", false), memoryProgram("mem-counter-locked", true)}
}
