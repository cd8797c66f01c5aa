package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/server"
)

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) {
	if spec, ok := os.LookupEnv(engine.SpecEnv); ok {
		// "concviz run SCENARIO" re-executed the test binary as its child.
		os.Exit(scenarioMain(spec))
	}
	goleak.VerifyTestMain(m)
}

// TestCLI checks the dispatcher's exit codes and where each message goes.
func TestCLI(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string // substring of stdout; "" means stdout must be empty
		wantStderr string // substring of stderr; "" means stderr must be empty
	}{
		{name: "serve with a stray argument", args: []string{"serve", "now"}, wantCode: 2, wantStderr: `concviz serve: unexpected argument "now"`},
		{name: "serve with a bad flag", args: []string{"serve", "-addr"}, wantCode: 2, wantStderr: "flag needs an argument: -addr"},
		{name: "serve with a bad limit", args: []string{"serve", "-runs", "0"}, wantCode: 2, wantStderr: "limits must be positive"},
		{name: "serve on a bad address", args: []string{"serve", "-addr", "256.0.0.1:99999"}, wantCode: 1, wantStderr: "concviz serve: listen on 256.0.0.1:99999"},
		{name: "run without a program", args: []string{"run"}, wantCode: 2, wantStderr: "concviz run: want one program, got 0 arguments"},
		{name: "scenarios", args: []string{"scenarios"}, wantCode: 0, wantStdout: "The worker pool that deadlocks"},
		{name: "scenarios with an argument", args: []string{"scenarios", "x"}, wantCode: 2, wantStderr: `unexpected argument "x"`},
		{name: "run a scenario", args: []string{"run", "mutex-counter"}, wantCode: 0, wantStdout: "Final count: 100\n"},
		{name: "run a deadlocking scenario", args: []string{"run", "worker-pool-deadlock", "--cap", "jobs=0", "--cap", "results=0"}, wantCode: 2, wantStderr: "fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 [chan send]:\nmain.main()\n\tmain.go:28\n"},
		{name: "a scenario stops at --timeout", args: []string{"run", "mutex-counter", "--timeout", "1ns"}, wantCode: engine.ExitCodeLimit, wantStderr: "wall-clock timeout reached: 1ns (--timeout)"},
		{name: "run a scenario with a knob", args: []string{"run", "context-timeout", "--knob", "deadline=500ms"}, wantCode: 0, wantStdout: "Cancelled processing"},
		{name: "scenario knob out of range", args: []string{"run", "context-timeout", "--knob", "deadline=1h"}, wantCode: 2, wantStderr: "knob deadline must be between 100ms and 3s, not 1h0m0s"},
		{name: "scenario knob not a duration", args: []string{"run", "context-timeout", "--knob", "deadline=soon"}, wantCode: 2, wantStderr: `"soon" is not a valid duration`},
		{name: "scenario without that channel", args: []string{"run", "worker-pool-deadlock", "--cap", "queue=1"}, wantCode: 2, wantStderr: `has no channel named "queue" (channels: jobs, results)`},
		{name: "scenario capacity out of range", args: []string{"run", "worker-pool-deadlock", "--cap", "jobs=5000"}, wantCode: 2, wantStderr: "capacity of jobs must be between 0 and 1000, not 5000"},
		{name: "help", args: []string{"help"}, wantCode: 0, wantStdout: "usage: concviz"},
		{name: "-h", args: []string{"-h"}, wantCode: 0, wantStdout: "usage: concviz"},
		{name: "--help", args: []string{"--help"}, wantCode: 0, wantStdout: "usage: concviz"},
		{name: "unknown command", args: []string{"frobnicate"}, wantCode: 2, wantStderr: `concviz: unknown command "frobnicate"`},
		{name: "unknown command shows usage", args: []string{"frobnicate"}, wantCode: 2, wantStderr: "usage: concviz"},
		{name: "unknown flag goes to serve", args: []string{"-x"}, wantCode: 2, wantStderr: "flag provided but not defined: -x"},
		{name: "flags alone are serve's", args: []string{"-addr", "256.0.0.1:99999"}, wantCode: 1, wantStderr: "concviz serve: listen on 256.0.0.1:99999"},
		{name: "serve with a bad room idle", args: []string{"-room-idle", "soon"}, wantCode: 2, wantStderr: `invalid value "soon" for flag -room-idle`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := cli(tt.args, &stdout, &stderr)
			assert.Equal(t, tt.wantCode, code)
			if tt.wantStdout == "" {
				assert.Empty(t, stdout.String())
			} else {
				assert.Contains(t, stdout.String(), tt.wantStdout)
			}
			if tt.wantStderr == "" {
				assert.Empty(t, stderr.String())
			} else {
				assert.Contains(t, stderr.String(), tt.wantStderr)
			}
		})
	}
}

// TestUsageListsEveryCommand keeps the help text in step with the dispatcher.
func TestUsageListsEveryCommand(t *testing.T) {
	for name := range commands {
		assert.Contains(t, usage, "  "+name+" ", "usage does not list %q", name)
	}
}

// TestRun runs programs through "concviz run": stdout is the program's,
// stderr and the exit status are Go's, bad input is one line and status 1 or 2.
func TestRun(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go toolchain on PATH: concviz run compiles programs with it")
	}
	guide := func(n string) string {
		p, _ := filepath.Abs(filepath.Join("instrument", "testdata", "guide", n))
		return p
	}
	feature := func(n string) string {
		p, _ := filepath.Abs(filepath.Join("instrument", "testdata", "features", n))
		return p
	}
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
		return p
	}
	notMain := write("lib.go", "package lib\n")
	badImport := write("exec.go", "package main\n\nimport \"os/exec\"\n\nfunc main() { exec.Command(\"ls\") }\n")
	typeErr := write("typeerr.go", "package main\n\nfunc main() {\n\tundefinedThing()\n}\n")
	spin := write("spin.go", "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"before the loop\")\n\tfor {\n\t}\n}\n")
	web := write("web.go", "package main\n\nimport (\n\t\"fmt\"\n\t\"io\"\n\t\"net/http\"\n\t\"time\"\n)\n\n"+
		"func main() {\n\tfor _, u := range []string{\"https://api.example/\", \"https://other.example/\"} {\n"+
		"\t\tresp, err := http.Get(u)\n\t\tif err != nil {\n\t\t\tfmt.Println(err)\n\t\t\tcontinue\n\t\t}\n"+
		"\t\tb, _ := io.ReadAll(resp.Body)\n\t\tfmt.Printf(\"%s %q\\n\", resp.Status, b)\n\t}\n\tfmt.Println(time.Now())\n}\n")
	table := write("table.json", `{"routes": {"https://api.example/": {"latency": "250ms", "status": 201, "body": "hi"}}}`)
	badTable := write("bad.json", `{"routes": {"ftp://x/": {}}}`)
	progDir := filepath.Join(dir, "prog")
	require.NoError(t, os.Mkdir(progDir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(progDir, "a.go"), []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(<-start()) }\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(progDir, "b.go"), []byte("package main\n\nfunc start() chan string {\n\tc := make(chan string)\n\tgo func() { c <- \"from b\" }()\n\treturn c\n}\n"), 0o644))
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string   // exact stdout ("-" to skip)
		wantStderr []string // prefixes of successive lines of stderr; nil means empty
	}{
		{name: "ok", args: []string{feature("cap.go")}, wantCode: 0, wantStdout: "1\n"},
		{name: "a directory", args: []string{progDir, "--seed", "2"}, wantCode: 0, wantStdout: "from b\n"},
		{name: "deadlock as Go reports it", args: []string{guide("s6_buggy.go"), "--seed", "3"}, wantCode: 2, wantStdout: "-",
			wantStderr: []string{"fatal error: all goroutines are asleep - deadlock!", "", "goroutine 1 [chan receive]:", "main.main()", "\t" + guide("s6_buggy.go") + ":32"}},
		{name: "cap override deadlocks", args: []string{feature("cap.go"), "--cap", "c=0"}, wantCode: 2, wantStdout: "",
			wantStderr: []string{"fatal error: all goroutines are asleep - deadlock!", "", "goroutine 1 [chan send]:", "main.main()", "\t" + feature("cap.go") + ":9"}},
		{name: "panic", args: []string{"--policy", "fifo", feature("panics.go")}, wantCode: 2, wantStdout: "-",
			wantStderr: []string{"panic: send on closed channel", "", "goroutine 2 [running]:", "main.main.func4(...)", "\t" + feature("panics.go") + ":26"}},
		{name: "os.Exit", args: []string{feature("syncs.go"), "--policy=go"}, wantCode: 3, wantStdout: "-", wantStderr: []string{"to stderr", "builtin 1 true"}},
		{name: "leak: stderr is Go's, empty", args: []string{feature("leak.go")}, wantCode: 0, wantStdout: "true\n"},
		{name: "leak with --leaks", args: []string{feature("leak.go"), "--leaks"}, wantCode: 0, wantStdout: "true\n",
			wantStderr: []string{"concviz: 1 goroutine still blocked when main returned", "", "goroutine "}},
		{name: "a scenario's leak with --leaks", args: []string{"goroutine-leak", "--leaks"}, wantCode: 0, wantStdout: "-",
			wantStderr: []string{"concviz: 3 goroutines still blocked when main returned", "", "goroutine "}},
		{name: "a scenario's leak", args: []string{"goroutine-leak"}, wantCode: 0, wantStdout: "-"},
		// The run ends itself at four fifths of --timeout (engine.RunWall).
		{name: "a loop that never blocks stops at the limit, keeping the output so far", args: []string{spin, "--timeout", "1s"}, wantCode: 3, wantStdout: "before the loop\n",
			wantStderr: []string{"concviz: limit: wall-clock time limit reached: 800ms (goroutine 1 was computing at " + spin + ":", ""}},
		{name: "offline without a table", args: []string{web}, wantCode: 0,
			wantStdout: "Get \"https://api.example/\": dial tcp: lookup api.example: no such host\n" +
				"Get \"https://other.example/\": dial tcp: lookup other.example: no such host\n" +
				"2009-11-10 23:00:00 +0000 UTC m=+0.000000001\n"},
		{name: "--internet", args: []string{web, "--internet", table}, wantCode: 0,
			wantStdout: "201 Created \"hi\"\n" +
				"Get \"https://other.example/\": dial tcp: lookup other.example: no such host\n" +
				"2009-11-10 23:00:00.25 +0000 UTC m=+0.250000001\n"},
		{name: "--internet refuses a URL Go refuses", args: []string{web, "--internet", badTable}, wantCode: 2,
			wantStderr: []string{`concviz run: --internet ` + badTable + `: route "ftp://x/": http.Get fails before reaching the network: Get "ftp://x/": unsupported protocol scheme "ftp"`}},
		{name: "--internet without its file", args: []string{web, "--internet", filepath.Join(dir, "none.json")}, wantCode: 2,
			wantStderr: []string{"concviz run: --internet: open " + filepath.Join(dir, "none.json") + ": no such file or directory"}},
		{name: "--internet for a scenario", args: []string{"fetch-urls", "--internet", table}, wantCode: 2,
			wantStderr: []string{"concviz run: --internet: fetch-urls answers from its own table (change it with its latency and fail knobs)"}},
		{name: "bad timeout", args: []string{spin, "--timeout", "0s"}, wantCode: 2, wantStderr: []string{"concviz run: --timeout 0s: it must be positive"}},
		{name: "knob", args: []string{feature("knobs.go"), "--knob", "workers=2", "--knob", "delay=1s"}, wantCode: 0, wantStdout: "2 2 2s\n"},
		{name: "knob out of range", args: []string{feature("knobs.go"), "--knob", "delay=5s"}, wantCode: 2,
			wantStderr: []string{"concviz run: --knob delay: 5s is outside its range 1ms..1s"}},
		{name: "unknown knob constant", args: []string{feature("knobs.go"), "--knob", "x=1"}, wantCode: 2,
			wantStderr: []string{`concviz run: --knob x: the program has no knob named "x" (its knobs are workers, delay, single)`}},
		{name: "missing file", args: []string{filepath.Join(dir, "nope.go")}, wantCode: 1,
			wantStderr: []string{"concviz: " + filepath.Join(dir, "nope.go") + ": no such file or directory"}},
		{name: "not package main", args: []string{notMain}, wantCode: 1, wantStderr: []string{"concviz: " + notMain + ":1:9: package lib is not package main"}},
		{name: "disallowed import", args: []string{badImport}, wantCode: 1, wantStderr: []string{"concviz: " + badImport + `:3:8: import "os/exec" is not allowed`}},
		{name: "compile error", args: []string{typeErr}, wantCode: 1, wantStderr: []string{"concviz: " + typeErr + ":4:2: undefined: undefinedThing"}},
		{name: "unknown knob", args: []string{feature("cap.go"), "--cap", "nope=1"}, wantCode: 2,
			wantStderr: []string{`concviz run: --cap nope: the program has no channel named "nope" (its channels are c)`}},
		{name: "negative capacity", args: []string{feature("cap.go"), "--cap", "c=-1"}, wantCode: 2,
			wantStderr: []string{`concviz run: invalid value "c=-1" for flag -cap: capacity of c is -1: it must be at least 0`}},
		{name: "bad policy", args: []string{feature("cap.go"), "--policy", "lifo"}, wantCode: 2, wantStderr: []string{`concviz run: unknown policy "lifo"`}},
		{name: "bad flag", args: []string{feature("cap.go"), "--frob"}, wantCode: 2, wantStderr: []string{"concviz run: flag provided but not defined: -frob"}},
		{name: "two programs", args: []string{feature("cap.go"), feature("leak.go")}, wantCode: 2, wantStderr: []string{"concviz run: want one program, got 2 arguments"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := cli(append([]string{"run"}, tt.args...), &stdout, &stderr)
			assert.Equal(t, tt.wantCode, code, "stderr: %s", stderr.String())
			if tt.wantStdout != "-" {
				assert.Equal(t, tt.wantStdout, stdout.String())
			}
			if tt.wantStderr == nil {
				assert.Empty(t, stderr.String())
				return
			}
			lines := strings.Split(stderr.String(), "\n")
			require.GreaterOrEqual(t, len(lines), len(tt.wantStderr), "stderr: %s", stderr.String())
			for i, w := range tt.wantStderr {
				assert.True(t, strings.HasPrefix(lines[i], w), "stderr line %d: got %q, want prefix %q", i, lines[i], w)
			}
			if code == 1 || (code == 2 && strings.HasPrefix(stderr.String(), "concviz")) {
				assert.Equal(t, 1, strings.Count(stderr.String(), "\n"), "bad input gives one line")
				assert.NotContains(t, stderr.String(), "goroutine ", "never a Go stack trace")
			}
		})
	}
}

// TestRunEventsAndJSON checks --events FILE, --events - and --json.
func TestRunEventsAndJSON(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go toolchain on PATH: concviz run compiles programs with it")
	}
	prog, _ := filepath.Abs(filepath.Join("instrument", "testdata", "guide", "s6_buggy.go"))
	events := filepath.Join(t.TempDir(), "events.jsonl")
	var stdout, stderr bytes.Buffer
	code := cli([]string{"run", prog, "--events", events, "--json", "--seed", "7"}, &stdout, &stderr)
	assert.Equal(t, 2, code)
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var outcome struct {
		Outcome string
		Message string
		Blocked []struct {
			G      int
			Reason string
			Pos    string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &outcome))
	assert.Equal(t, "deadlock", outcome.Outcome)
	assert.Equal(t, "fatal error: all goroutines are asleep - deadlock!", outcome.Message)
	require.NotEmpty(t, outcome.Blocked)
	assert.Equal(t, 1, outcome.Blocked[0].G)
	assert.Equal(t, "chan receive", outcome.Blocked[0].Reason)
	assert.Equal(t, prog+":32", outcome.Blocked[0].Pos)
	b, err := os.ReadFile(events)
	require.NoError(t, err)
	first, _, _ := strings.Cut(string(b), "\n")
	assert.Contains(t, first, `"kind":"make"`)
	assert.Contains(t, first, prog+":15")

	stdout.Reset()
	stderr.Reset()
	code = cli([]string{"run", prog, "--events", "-", "--seed", "7"}, &stdout, &stderr)
	assert.Equal(t, 2, code)
	assert.Contains(t, stdout.String(), string(b), "the same seed gives the same log, after the program's output")
}

// TestRunHTTPErrorsAreGos: the requests http.Get refuses before reaching the
// network, and one to an address where nothing listens (loopback: this test
// sends nothing off the machine), print the same under go build + run and
// under concviz run. DNS failures are compared in the engine's tests, from
// Go's text recorded offline.
func TestRunHTTPErrorsAreGos(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain on PATH: concviz run compiles programs with it")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "get.go")
	require.NoError(t, os.WriteFile(src, []byte(`package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

func main() {
	for _, u := range []string{"a", "", "ftp://x", "mailto:x@y", "http://", "http:///p", "://x", "http://[::1", "http://x:port/", "http://a%zz/", "http://127.0.0.1:1/", "http://u:pw@127.0.0.1:1/"} {
		resp, err := http.Get(u)
		var ue *url.Error
		fmt.Println(resp == nil, errors.As(err, &ue) && ue.URL != "", err)
	}
}
`), 0o644))
	native := filepath.Join(dir, "native")
	out, err := exec.Command(gobin, "build", "-o", native, src).CombinedOutput()
	require.NoError(t, err, "%s", out)
	want, err := exec.Command(native).Output()
	require.NoError(t, err)
	var stdout, stderr bytes.Buffer
	code := cli([]string{"run", src}, &stdout, &stderr)
	assert.Equal(t, 0, code, stderr.String())
	assert.Equal(t, string(want), stdout.String())
	assert.Empty(t, stderr.String())
}

// TestRunFlagsDocumented: every flag of "concviz run" is in its synopsis (the
// help text and usage errors) and in README's Commands section.
func TestRunFlagsDocumented(t *testing.T) {
	commands := readmeCommands(t)
	newRunFlags().fs.VisitAll(func(f *flag.Flag) {
		assert.Contains(t, runUsage, "[--"+f.Name, "the synopsis misses --%s", f.Name)
		assert.Contains(t, commands, "--"+f.Name, "README's Commands section misses --%s", f.Name)
	})
	assert.Contains(t, usage, runUsage)
}

// TestReadmeLimits: the limits README's Commands section quotes are the code's.
func TestReadmeLimits(t *testing.T) {
	commands := readmeCommands(t)
	thousands := func(n int) string {
		s := strconv.Itoa(n)
		for i := len(s) - 3; i > 0; i -= 3 {
			s = s[:i] + "," + s[i:]
		}
		return s
	}
	for _, want := range []string{
		thousands(engine.DefaultMaxGoroutines) + " live goroutines",
		thousands(engine.DefaultMaxEvents) + " events",
		strconv.FormatInt(engine.DefaultMaxTime/int64(time.Hour), 10) + " hours of virtual time",
		"(default " + server.DefaultLimits.Wall.String() + ", the server's run limit",
		"the exit status is " + strconv.Itoa(engine.ExitCodeLimit),
		engine.Epoch.Format("2006-01-02 15:04:05 MST"),
	} {
		assert.Contains(t, strings.Join(strings.Fields(commands), " "), want)
	}
}

// readmeCommands returns the text of README's Commands section.
func readmeCommands(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	_, commands, ok := strings.Cut(string(b), "## Commands\n")
	require.True(t, ok, "README has a Commands section")
	commands, _, _ = strings.Cut(commands, "\n## ")
	return commands
}

// TestRunFileStreamsLikeTheScenario: a scenario's source compiled from its
// file runs and streams exactly as the built-in scenario does (the same
// output, events, outcome and exit status; only positions name the file as
// given), since both reach the user through the same log and outcome.
func TestRunFileStreamsLikeTheScenario(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go toolchain on PATH: concviz run compiles programs with it")
	}
	for _, id := range []string{"worker-pool-deadlock", "fan-out-fan-in", "goroutine-leak"} {
		t.Run(id, func(t *testing.T) {
			file, err := filepath.Abs(filepath.Join("scenarios", "src", id, "main.go"))
			require.NoError(t, err)
			run := func(prog string) (int, string, string) {
				var stdout, stderr bytes.Buffer
				code := cli([]string{"run", prog, "--seed", "3", "--leaks", "--events", "-", "--json"}, &stdout, &stderr)
				return code, stdout.String(), stderr.String()
			}
			fileCode, fileOut, fileErr := run(file)
			code, out, errOut := run(id)
			assert.Equal(t, code, fileCode)
			assert.Contains(t, out, `"kind":"make"`)
			assert.Equal(t, out, strings.ReplaceAll(fileOut, file, "main.go"))
			assert.Equal(t, errOut, strings.ReplaceAll(fileErr, file, "main.go"))
		})
	}
}
