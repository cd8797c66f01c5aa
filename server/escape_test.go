package server

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The threat model's tests (README, "Programs from the page"): each escape
// a hostile program could try is refused or stopped with a sentence, and
// the server goes on serving.

// TestBuildRefusesEscapes sends programs that reach out of the run; each is
// refused before it runs, with a sentence naming what it used and its line.
func TestBuildRefusesEscapes(t *testing.T) {
	ts := buildServer(t)
	for _, tc := range []struct {
		name, src string
		code      string
		line      int
		says      string // the refusal, as the page shows it
	}{
		{"os/exec", "package main\n\nimport \"os/exec\"\n\nfunc main() { exec.Command(\"sh\").Run() }\n",
			buildCompile, 3, `main.go:3:8: import "os/exec" is not allowed: it runs other programs`},
		{"unsafe", "package main\n\nimport \"unsafe\"\n\nfunc main() { var x int; _ = unsafe.Pointer(&x) }\n",
			buildCompile, 3, `main.go:3:8: import "unsafe" is not allowed: it breaks the type system`},
		{"syscall", "package main\n\nimport \"syscall\"\n\nfunc main() { syscall.Kill(1, 9) }\n",
			buildCompile, 3, `main.go:3:8: import "syscall" is not allowed: it calls the operating system`},
		{"plugin", "package main\n\nimport \"plugin\"\n\nfunc main() { plugin.Open(\"x.so\") }\n",
			buildCompile, 3, `main.go:3:8: import "plugin" is not allowed: it loads code at run time`},
		{"net", "package main\n\nimport \"net\"\n\nfunc main() { net.Dial(\"tcp\", \"10.0.0.1:22\") }\n",
			buildCompile, 3, `main.go:3:8: import "net" is not allowed: it reaches the network (only http.Get is simulated)`},
		{"http beyond Get", "package main\n\nimport (\n\t\"net/http\"\n\t\"strings\"\n)\n\nfunc main() { http.Post(\"http://10.0.0.1/\", \"text/plain\", strings.NewReader(\"x\")) }\n",
			buildCompile, 8, "main.go:8:15: http.Post is not allowed"},
		{"a listener", "package main\n\nimport \"net/http\"\n\nfunc main() { http.ListenAndServe(\":80\", nil) }\n",
			buildCompile, 5, "main.go:5:15: http.ListenAndServe is not allowed"},
		{"a file", "package main\n\nimport \"os\"\n\nfunc main() { os.ReadFile(\"/etc/passwd\") }\n",
			buildCompile, 5, "main.go:5:15: os.ReadFile is not allowed: "},
		{"the environment", "package main\n\nimport \"os\"\n\nfunc main() { println(os.Getenv(\"HOME\")) }\n",
			buildCompile, 5, "main.go:5:23: os.Getenv is not allowed: "},
		{"cgo", "package main\n\nimport \"C\"\n\nfunc main() {}\n",
			buildCompile, 3, `main.go:3:8: import "C" is not allowed: cgo is not supported`},
		{"linkname with unsafe", "package main\n\nimport _ \"unsafe\"\n\n//go:linkname nanotime runtime.nanotime\nfunc nanotime() int64\n\nfunc main() { println(nanotime()) }\n",
			buildCompile, 3, `main.go:3:8: import "unsafe" is not allowed: it breaks the type system`},
		{"linkname alone", "package main\n\n//go:linkname nanotime runtime.nanotime\nfunc nanotime() int64\n\nfunc main() { println(nanotime()) }\n",
			buildCompile, 3, `main.go:3: //go:linkname only allowed in Go files that import "unsafe"`},
		{"embed", "package main\n\nimport _ \"embed\"\n\n//go:embed main.go\nvar s string\n\nfunc main() { println(s) }\n",
			buildCompile, 3, `main.go:3:8: import "embed" is not allowed: //go:embed reads files beside the program, which a run does not have`},
		{"embed alone", "package main\n\n//go:embed /etc/passwd\nvar s string\n\nfunc main() { println(s) }\n",
			buildCompile, 3, `main.go:3: go:embed requires import "embed"`},
		{"a giant constant", "package main\n\nconst a = 1 << 511\nconst b = a * a * a * a\n\nfunc main() { println(b > 0) }\n",
			buildCompile, 4, "main.go:4:13: constant multiplication overflow"},
		{"generic recursion", "package main\n\nfunc f[T any](n int) {\n\tif n > 0 {\n\t\tf[[]T](n - 1)\n\t}\n}\n\nfunc main() { f[int](3) }\n",
			buildCompile, 3, "main.go:3:8: instantiation cycle"},
		{"a huge source", "package main\n\nfunc main() {}\n" + strings.Repeat("// padding\n", 7000),
			buildTooBig, 0, "The program is longer than 65536 bytes, the most a program from the page may be (concviz serve -build-source): remove what the run does not need."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lines, _ := postBuild(t, ts, tc.src)
			last := lines[len(lines)-1]
			require.Equal(t, "error", last.State, "%s must be refused", tc.name)
			require.NotNil(t, last.Error)
			assert.Equal(t, tc.code, last.Error.Code)
			assert.Contains(t, last.Error.Message, tc.says)
			assert.Equal(t, tc.line, last.Error.Line, "the page marks the line")
		})
	}
	t.Run("still serving", func(t *testing.T) {
		out := runProgram(t, ts, build(t, ts, poolSource).Program, nil)
		assert.Equal(t, "ok", out["outcome"], "%v", out)
	})
}

// TestRunStopsRunawayPrograms runs programs that try to take the machine;
// each is stopped at a limit with a sentence that names it and says how to
// change the program, and a normal run works afterwards. A loop that never
// blocks is ended by the run itself at four fifths of the wall-clock limit
// (engine.RunWall), so it is an outcome, with its output, not an error.
// They run one after the other: a spinning loop holds a core until its
// limit. The program that allocates runs on a server whose wall-clock
// limit it does not reach first on a slow machine: 200 MiB took it over 2 s
// on a loaded CI machine where page faults were slow. Were the memory limit
// broken, the wall-clock limit would stop it (at about 300 MB a second, as
// concviz run allocated it without one: 3 GB).
func TestRunStopsRunawayPrograms(t *testing.T) {
	lim := testLimits()
	lim.Wall, lim.Events = 2*time.Second, 5000
	_, ts := newTestServer(t, lim, buildOptions)
	roomy := lim
	roomy.Wall = 10 * time.Second
	_, slow := newTestServer(t, roomy, buildOptions)
	for _, tc := range []struct {
		name, body string
		code       string // an error's code, or "" for a run that ends with the limit outcome
		says       string
		roomy      bool // run on the server with the longer wall-clock limit
	}{
		{"a loop that never blocks", "\tfor {\n\t}\n",
			"", "concviz: limit: wall-clock time limit reached: 1.6s (goroutine 1 was computing at ", false},
		// A slice's elements are shared memory, each write an event: the
		// bytes are written by Sprintf, not by the program.
		{"allocating without bound", "\tvar keep []string\n\tfor {\n\t\tkeep = append(keep, fmt.Sprintf(\"%01048576d\", len(keep)))\n\t}\n",
			codeMemory, "the run used more than the memory limit (200 MiB) and was stopped: make fewer goroutines, smaller slices and maps, or print less", true},
		{"printing without bound", "\tfor {\n\t\tfmt.Println(\"spam\")\n\t}\n",
			"", "concviz: limit: event cap reached: 5000 events: make the program do less (fewer iterations, goroutines or prints)", false},
		{"a fork bomb of goroutines", "\tfor {\n\t\tgo func() { select {} }()\n\t}\n",
			"", "concviz: limit: event cap reached: 5000 events: make the program do less", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "package main\n\nimport \"fmt\"\n\nvar _ = fmt.Sprint\n\nfunc main() {\n" + tc.body + "}\n"
			srv := ts
			if tc.roomy {
				srv = slow
			}
			out := runProgram(t, srv, build(t, srv, src).Program, nil)
			if tc.code != "" {
				require.Equal(t, "error", out["type"], "%v", out)
				assert.Equal(t, tc.code, out["code"])
				assert.Contains(t, out["message"], tc.says)
				return
			}
			require.Equal(t, "outcome", out["type"], "%v", out)
			assert.Equal(t, "limit", out["outcome"])
			assert.Contains(t, out["message"], tc.says)
		})
	}
	t.Run("still serving", func(t *testing.T) {
		out := runProgram(t, ts, build(t, ts, poolSource).Program, nil)
		assert.Equal(t, "ok", out["outcome"], "%v", out)
	})
}

// TestBuildThatNeverEnds stops a build that keeps the compiler busy past
// the build's time limit: a 512 MiB array literal the linker writes out
// (which passes the memory limit too, later).
func TestBuildThatNeverEnds(t *testing.T) {
	_, ts := newTestServer(t, testLimits(), func(o *Options) {
		// A short limit: the time limit stops the build long before the
		// linker's memory (TestBuildThatGrows) could, however loaded the machine.
		o.Builder = NewBuilder(BuildLimits{PerAddr: 100, Wall: 200 * time.Millisecond}, o.ChildCommand, testBuildDir)
	})
	// A new source each time: a build that finished once would be cached.
	src := fmt.Sprintf("package main\n\nimport \"fmt\"\n\nvar x = [1 << 26]int{1<<26 - 1: %d}\n\nfunc main() { fmt.Println(len(x)) }\n", time.Now().UnixNano())
	lines, status := postBuild(t, ts, src)
	assert.Equal(t, http.StatusOK, status, "the reply had started: it says building first")
	require.Equal(t, "building", lines[0].State)
	last := lines[len(lines)-1]
	require.NotNil(t, last.Error, "%+v", last)
	assert.Equal(t, buildTimeout, last.Error.Code)
	assert.Equal(t, "The build took longer than 200ms and was stopped: simplify the program (huge constants, arrays or generic instantiations keep the compiler busy; concviz serve -build-timeout raises the limit).", last.Error.Message)
	out := runProgram(t, ts, "pool", nil)
	assert.Equal(t, "deadlock", out["outcome"], "the server still runs (the buggy pool of the test catalog)")
}

// TestBuildThatGrows stops a build whose processes together pass the
// build's memory limit: the linker writing out a 512 MiB array.
func TestBuildThatGrows(t *testing.T) {
	_, ts := newTestServer(t, testLimits(), func(o *Options) {
		o.Builder = NewBuilder(BuildLimits{PerAddr: 100, Wall: time.Minute, Memory: 64 << 20}, o.ChildCommand, testBuildDir)
	})
	src := fmt.Sprintf("package main\n\nimport \"fmt\"\n\nvar x = [1 << 26]int{1<<26 - 1: %d}\n\nfunc main() { fmt.Println(len(x)) }\n", time.Now().UnixNano())
	lines, _ := postBuild(t, ts, src)
	last := lines[len(lines)-1]
	require.NotNil(t, last.Error, "%+v", last)
	assert.Equal(t, buildMemory, last.Error.Code)
	assert.Equal(t, "The build used more than 64 MiB and was stopped: simplify the program (huge constants, arrays or generic instantiations make the compiler grow; concviz serve -build-memory raises the limit).", last.Error.Message)
}
