package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/internal/golden"
)

// poolSource is the guide's §6 worker pool with its closer: five squares
// and ok.
const poolSource = `package main

import (
	"fmt"
	"sync"
)

const workers = 3 // knob: 1..8

func main() {
	jobs := make(chan int, 5)
	results := make(chan int, 5)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				results <- j * j
			}
		}()
	}
	for i := 1; i <= 5; i++ {
		jobs <- i
	}
	close(jobs)
	go func() { wg.Wait(); close(results) }()
	for r := range results {
		fmt.Println(r)
	}
}
`

// testBuildDir keeps the tests' builds apart from the user's, and from one
// run of the tests to the next: the engine compiles once per directory.
var testBuildDir = filepath.Join(os.TempDir(), "concviz-server-test-builds")

// buildOptions lets every test client, all on loopback, build at once.
func buildOptions(o *Options) {
	o.Builder = NewBuilder(BuildLimits{PerAddr: 100, Concurrent: 2}, o.ChildCommand, testBuildDir)
}

// buildServer is a test server whose clients, all on loopback, may build
// at once. Builds are kept on disk between servers, so a program is built
// once per machine.
func buildServer(t *testing.T) *httptest.Server {
	_, ts := newTestServer(t, testLimits(), buildOptions)
	return ts
}

// postBuild sends src to POST /build and returns the reply's lines and status.
func postBuild(t *testing.T, ts *httptest.Server, src string) ([]buildLine, int) {
	t.Helper()
	resp, err := http.Post(ts.URL+"/build", "text/plain; charset=utf-8", strings.NewReader(src))
	require.NoError(t, err)
	defer resp.Body.Close()
	var lines []buildLine
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l buildLine
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l), "%s", sc.Text())
		lines = append(lines, l)
	}
	require.NotEmpty(t, lines)
	return lines, resp.StatusCode
}

// build builds src and requires it to be ready.
func build(t *testing.T, ts *httptest.Server, src string) buildLine {
	t.Helper()
	lines, _ := postBuild(t, ts, src)
	last := lines[len(lines)-1]
	require.Equal(t, "ready", last.State, "%+v", last.Error)
	return last
}

// runProgram runs a built program over the WebSocket and returns the last
// message: the outcome, or an error.
func runProgram(t *testing.T, ts *httptest.Server, id string, extra map[string]any) msg {
	t.Helper()
	c := dial(t, ts)
	m := map[string]any{"type": "run", "id": "r", "scenario": id}
	for k, v := range extra {
		m[k] = v
	}
	c.send(m)
	ms := c.runToEnd()
	return ms[len(ms)-1]
}

func TestBuildRunsTheEditedPool(t *testing.T) {
	ts := buildServer(t)
	lines, status := postBuild(t, ts, poolSource)
	assert.Equal(t, http.StatusOK, status)
	ready := lines[len(lines)-1]
	require.Equal(t, "ready", ready.State, "%+v", ready.Error)
	assert.Equal(t, ProgramID([]byte(poolSource)), ready.Program)
	var names []string
	for _, k := range ready.Knobs {
		names = append(names, k.Name+":"+string(k.Kind))
	}
	assert.Equal(t, []string{"jobs:cap", "results:cap", "workers:int"}, names, "channels and the marked constant are the program's knobs")

	out := runProgram(t, ts, ready.Program, map[string]any{"caps": map[string]int{"jobs": 0}, "knobs": map[string]int{"workers": 2}})
	require.Equal(t, "outcome", out["type"], "%v", out)
	assert.Equal(t, "ok", out["outcome"])
	assert.ElementsMatch(t, []string{"1", "4", "9", "16", "25"}, strings.Fields(out["stdout"].(string)))

	out = runProgram(t, ts, ready.Program, map[string]any{"knobs": map[string]int{"workers": 9}})
	assert.Equal(t, "knob_range", out["code"], "a knob outside its marked range is refused as a scenario's is")

	again, _ := postBuild(t, ts, poolSource)
	require.Len(t, again, 1, "a program built before is ready at once")
	assert.True(t, again[0].Cached)

	resp, err := http.Get(ts.URL + "/build/" + ready.Program)
	require.NoError(t, err)
	defer resp.Body.Close()
	var desc buildLine
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&desc))
	require.NotNil(t, desc.Source, "a room's viewers get the source of the presenter's program")
	assert.Equal(t, poolSource, *desc.Source)
}

func TestBuildCompileErrorAtItsLine(t *testing.T) {
	ts := buildServer(t)
	src := strings.Replace(poolSource, "close(jobs)", "close(jobz)", 1)
	lines, status := postBuild(t, ts, src)
	assert.Equal(t, http.StatusOK, status)
	last := lines[len(lines)-1]
	require.Equal(t, "error", last.State)
	require.NotNil(t, last.Error)
	assert.Equal(t, buildCompile, last.Error.Code)
	assert.Equal(t, "main.go:26:8: undefined: jobz", last.Error.Message, "as Go prints it")
	assert.Equal(t, 26, last.Error.Line)
	assert.Equal(t, 8, last.Error.Col)
}

func TestProgramURLRoundTrip(t *testing.T) {
	u := ProgramURL("http://127.0.0.1:8080/", []byte(poolSource), map[string][]string{"seed": {"7"}})
	path, frag, ok := strings.Cut(u, "#")
	require.True(t, ok)
	assert.Equal(t, "http://127.0.0.1:8080/s/"+ProgramID([]byte(poolSource))+"?seed=7", path)
	assert.Less(t, len(frag), len(poolSource), "the source is compressed")
	src, err := ProgramSource(frag, DefaultBuildLimits.Source)
	require.NoError(t, err)
	assert.Equal(t, poolSource, string(src))
	_, err = ProgramSource(frag, 10)
	assert.ErrorContains(t, err, "over 10 bytes", "a link cannot inflate past the source limit")
}

func TestEditModes(t *testing.T) {
	for _, tc := range []struct {
		mode   EditMode
		remote string
		ok     bool
	}{
		{EditAll, "192.168.1.20:5000", true},
		{EditLocal, "127.0.0.1:5000", true},
		{EditLocal, "[::1]:5000", true},
		{EditLocal, "192.168.1.20:5000", false},
		{EditOff, "127.0.0.1:5000", false},
	} {
		ok, why := tc.mode.mayBuild(tc.remote)
		assert.Equal(t, tc.ok, ok, "%s from %s", tc.mode, tc.remote)
		if !ok {
			assert.Contains(t, why, "-edit=", "the refusal says which flag changes it")
		}
	}
	_, err := ParseEditMode("some")
	assert.ErrorContains(t, err, "want off, local or all")
}

func TestBuildRefusedWhenEditIsOff(t *testing.T) {
	_, ts := newTestServer(t, testLimits(), func(o *Options) { o.Edit = EditOff })
	resp, err := http.Get(ts.URL + "/build")
	require.NoError(t, err)
	var info buildInfo
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&info))
	resp.Body.Close()
	assert.Equal(t, buildInfo{Edit: EditOff, Why: "This server runs only the catalog's programs (concviz serve -edit=off): start it with -edit=local or -edit=all to run your own.",
		MaxSource: DefaultBuildLimits.Source, WallMilli: DefaultBuildLimits.Wall.Milliseconds()}, info, "the page knows before anyone types")

	lines, status := postBuild(t, ts, poolSource)
	assert.Equal(t, http.StatusForbidden, status)
	require.NotNil(t, lines[0].Error)
	assert.Equal(t, buildForbidden, lines[0].Error.Code)
	assert.Contains(t, lines[0].Error.Message, "runs only the catalog's programs")
}

func TestBuildRefusesAnotherSitesPage(t *testing.T) {
	_, ts := newTestServer(t, testLimits())
	req, _ := http.NewRequest("POST", ts.URL+"/build", strings.NewReader(poolSource))
	req.Header.Set("Origin", "http://evil.example")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "a cross-site form cannot make the server compile")
}

func TestBuildQueueSaysBusy(t *testing.T) {
	b := NewBuilder(BuildLimits{Concurrent: 1, Queue: time.Millisecond, PerAddr: 5}, nil, "")
	b.once.Do(func() { b.sem = make(chan struct{}, 1) })
	b.sem <- struct{}{} // the one slot is taken
	var states []BuildState
	_, _, berr := b.Build(t.Context(), EditAll, "10.0.0.1:1", []byte(poolSource), func(s BuildState) { states = append(states, s) })
	require.NotNil(t, berr)
	assert.Equal(t, buildBusy, berr.Code)
	assert.Contains(t, berr.Message, "The server is building 1 programs already")
	assert.Equal(t, []BuildState{StateQueued}, states, "the client is told it waits")
}

// TestProgramLinkFixture keeps static/testdata/program_link.json, a program
// link as ProgramURL writes it, for the page's decoder to read back (with
// DecompressionStream("deflate-raw")): the link's format is said once, here.
func TestProgramLinkFixture(t *testing.T) {
	want := map[string]string{"source": poolSource, "url": ProgramURL("http://127.0.0.1:8080/", []byte(poolSource), url.Values{"seed": {"7"}, "step": {"end"}})}
	b, err := json.MarshalIndent(want, "", "  ")
	require.NoError(t, err)
	golden.JSON(t, filepath.Join("..", "static", "testdata", "program_link.json"), b, *updateFixtures, "go test ./server/ -run TestProgramLinkFixture -update")
}

// TestProtocolListsBuildCodes: PROTOCOL.md's section on programs names
// every code a build's error may carry.
func TestProtocolListsBuildCodes(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "PROTOCOL.md"))
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(b), "## Programs from the page")
	require.True(t, ok, "PROTOCOL.md has a section on programs from the page")
	for _, code := range buildCodes {
		assert.Contains(t, section, "`"+code+"`", "PROTOCOL.md names the build error %s", code)
	}
}

// TestWarmCompilesBeforeTheFirstBuild: Warm builds in a slot and gives it
// back, so the first user's build finds the slot free.
func TestWarmCompilesBeforeTheFirstBuild(t *testing.T) {
	o := testOptions(testLimits())
	b := NewBuilder(BuildLimits{Concurrent: 1, Queue: time.Millisecond}, o.ChildCommand, testBuildDir)
	require.NoError(t, b.Warm(t.Context()))
	prog, _, berr := b.Build(t.Context(), EditAll, "10.0.0.1:1", []byte(warmSource), nil)
	require.Nil(t, berr, "the slot is free again")
	assert.Equal(t, ProgramID([]byte(warmSource)), prog.ID)
}

// TestRoomCarriesTheEditedProgram: a presenter presents a program built
// from the page; its viewers get views naming it, read its source and run
// it, though they may not build programs themselves.
func TestRoomCarriesTheEditedProgram(t *testing.T) {
	s, ts := newTestServer(t, testLimits(), buildOptions)
	id := build(t, ts, poolSource).Program
	viewer := "192.168.1.20:5000" // under -edit=local, a laptop of the class
	prog, cached, berr := s.builder.Build(t.Context(), EditLocal, viewer, []byte(poolSource), nil)
	require.Nil(t, berr, "the teacher's program is ready for the class")
	assert.True(t, cached)
	assert.Equal(t, id, prog.ID)
	_, _, berr = s.builder.Build(t.Context(), EditLocal, viewer, []byte(poolSource+"// mine\n"), nil)
	require.NotNil(t, berr, "a viewer's own edit is not built")
	assert.Equal(t, buildForbidden, berr.Code)

	p := present(t, ts, id)
	v := follow(t, ts, p.code)
	view := poolView(5)
	view["scenario"] = id
	view["caps"] = map[string]any{"results": 1}
	p.publish(view)
	m := v.expect("view")
	got := m["view"].(map[string]any)
	assert.Equal(t, id, got["scenario"])

	resp, err := http.Get(ts.URL + "/build/" + id)
	require.NoError(t, err)
	defer resp.Body.Close()
	var desc buildLine
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&desc))
	require.NotNil(t, desc.Source)
	assert.Equal(t, poolSource, *desc.Source)
	out := runProgram(t, ts, id, map[string]any{"seed": got["seed"], "policy": got["policy"], "knobs": got["knobs"], "caps": got["caps"]})
	assert.Equal(t, "ok", out["outcome"], "%v", out)
}

// TestBuildOutlastsTheRequestTimeout: a build's answer may take longer than
// -request-timeout (a queue and a build), and still arrives whole.
func TestBuildOutlastsTheRequestTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	o := testOptions(testLimits())
	buildOptions(&o)
	o.Class.RequestTimeout = 50 * time.Millisecond
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- serveOn(ctx, []net.Listener{ln}, o, func() {}) }()
	defer func() { cancel(); require.NoError(t, <-done) }()
	// A source nobody built: the build takes far longer than 50 ms.
	src := strings.Replace(poolSource, "j * j", fmt.Sprintf("j * j * %d", time.Now().UnixNano()%1000+2), 1)
	lines, _ := postBuild(t, &httptest.Server{URL: "http://" + ln.Addr().String()}, src)
	assert.Equal(t, "ready", lines[len(lines)-1].State, "%+v", lines)
}

// TestBuildsShareAndQueuePerAddress: two requests for one new source start
// one build; a second source from an address with a build under way is
// refused with a sentence, and another address's is not.
func TestBuildsShareAndQueuePerAddress(t *testing.T) {
	o := testOptions(testLimits())
	var children atomic.Int32
	release := make(chan struct{})
	command := func(ctx context.Context) *exec.Cmd {
		children.Add(1)
		<-release // hold the build until both requests are in
		return o.ChildCommand(ctx)
	}
	b := NewBuilder(BuildLimits{PerAddr: 1, Concurrent: 2}, command, testBuildDir)
	src := []byte(strings.Replace(poolSource, "j * j", fmt.Sprintf("j * j * %d", time.Now().UnixNano()%1000+2), 1))
	ids := make(chan string, 2)
	for _, addr := range []string{"10.0.0.1:1", "10.0.0.2:1"} {
		go func() {
			p, _, berr := b.Build(context.Background(), EditAll, addr, src, nil)
			if berr != nil {
				ids <- berr.Message
				return
			}
			ids <- p.ID
		}()
	}
	require.Eventually(t, func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.addrs["10.0.0.1"]+b.addrs["10.0.0.2"] == 1 && len(b.flight) == 1
	}, 10*time.Second, time.Millisecond, "one build under way")
	busy := "10.0.0.1:2" // another port of the address whose build is under way
	b.mu.Lock()
	if b.addrs["10.0.0.1"] == 0 {
		busy = "10.0.0.2:2"
	}
	b.mu.Unlock()
	_, _, berr := b.Build(t.Context(), EditAll, busy, []byte(poolSource+"// another\n"), nil)
	require.NotNil(t, berr)
	assert.Equal(t, "A build from this address is still under way: wait for it to finish, then run again.", berr.Message)
	close(release)
	want := ProgramID(src)
	assert.Equal(t, want, <-ids)
	assert.Equal(t, want, <-ids)
	assert.Equal(t, int32(1), children.Load(), "the second request waited for the first's build")
}

// TestBuildKnowsComputedCapacities: a channel made with a computed capacity
// (len(xs)) has the capacity a run with the defaults makes, as the
// catalog's have, not -1.
func TestBuildKnowsComputedCapacities(t *testing.T) {
	ts := buildServer(t)
	src := "package main\n\nimport \"fmt\"\n\nfunc main() {\n\txs := []int{1, 2, 3}\n\tch := make(chan int, len(xs))\n\tfor _, x := range xs {\n\t\tch <- x\n\t}\n\tclose(ch)\n\tfor v := range ch {\n\t\tfmt.Println(v)\n\t}\n}\n"
	ready := build(t, ts, src)
	require.Len(t, ready.Knobs, 1)
	assert.Equal(t, "len(xs)", ready.Knobs[0].Expr)
	assert.Equal(t, int64(3), ready.Knobs[0].Default)
	again := build(t, ts, src)
	assert.Equal(t, int64(3), again.Knobs[0].Default, "and says so again")
}
