package instrument

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/engine"
)

// The fidelity test: programs from testdata/fidelity, each built by go build
// and run, then run on the engine, must print the same. Channels print as
// addresses, which differ between any two runs, so hexadecimal addresses
// are compared as such.

// fidelityPrograms lists testdata/fidelity's programs: each of its .go files
// as go run FILE.go runs it, and its directory dir as go run ./dir.
func fidelityPrograms(t *testing.T) []string {
	paths, err := filepath.Glob("testdata/fidelity/[a-z]*.go")
	require.NoError(t, err)
	return append(paths, "testdata/fidelity/dir")
}

func TestFidelity(t *testing.T) {
	goCmd(t)
	if testing.Short() {
		t.Skip("-short: builds each fidelity program twice")
	}
	paths := fidelityPrograms(t)
	require.GreaterOrEqual(t, len(paths), 9)
	sameAsGoBuild(t, paths)
}

// sameAsGoBuild requires each program to exit, print and report on stderr
// as its own go build binary does (addresses aside), one parallel subtest
// per program.
func sameAsGoBuild(t *testing.T, paths []string) {
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			t.Parallel()
			abs, err := filepath.Abs(p)
			require.NoError(t, err)
			nbin, cbin := buildBoth(t, abs)
			native := runBinary(t, nbin, nil, time.Minute)
			got := runBinary(t, cbin.Path, nil, time.Minute)
			assert.Equal(t, native.code, got.code, "exit status\nstderr: %s", got.stderr)
			assert.Equal(t, addrFree(native.stdout), addrFree(got.stdout), "stdout")
			assert.Equal(t, addrFree(native.stderr), addrFree(programStderr(got.stderr)), "stderr")
		})
	}
}

// TestReadProgramRefusesAsGoRuns: the files go run will not build are
// refused with go's words.
func TestReadProgramRefusesAsGoRuns(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
		return p
	}
	ignored := "//go:build ignore\n\npackage main\n\nfunc main() {}\n"
	tests := []struct {
		name, path, want string
	}{
		{"a test file", write("x_test.go", "package main\n"), "cannot run *_test.go files (" + filepath.Join(dir, "x_test.go") + ")"},
		{"a file go build skips by name", write("_x.go", "package main\n\nfunc main() {}\n"), "package command-line-arguments: no Go files in " + dir},
		{"a directory whose files are all excluded", filepath.Dir(write("ign/a.go", ignored)), "build constraints exclude all Go files in " + filepath.Join(dir, "ign")},
		{"an empty directory", filepath.Dir(write("empty/notes.txt", "")), "no Go files in " + filepath.Join(dir, "empty")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadProgram(tc.path)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
		})
	}
	files, err := ReadProgram(write("ign.go", ignored))
	require.NoError(t, err, "a file named on the command line is built whatever its constraints")
	assert.Len(t, files, 1)
}

// TestBuildNameKeepsFilesInTheBuild: a rewritten file is written under a
// name go build compiles in its directory.
func TestBuildNameKeepsFilesInTheBuild(t *testing.T) {
	for _, name := range []string{"main.go", "prog_windows.go", "prog_test.go", "_prog.go", ".prog.go", "prog_linux_arm64.go", "a_js_wasm.go"} {
		got := buildName(name, "package main\n")
		assert.False(t, strings.HasPrefix(got, "_") || strings.HasPrefix(got, ".") || strings.HasSuffix(got, "_test.go"), got)
		if name == "main.go" {
			assert.Equal(t, "main.go", got, "an ordinary name stays")
		}
	}
}

// TestGoThroughVariableNames: a goroutine started through a function
// variable, a method value or a function parameter has the name of the
// function it runs, as in Go's traceback.
func TestGoThroughVariableNames(t *testing.T) {
	goCmd(t)
	src := `package main

type server struct{ ch chan int }

func (s *server) serve() { <-s.ch }

func worker(ch chan int) { <-ch }

func start(f func(chan int), ch chan int) { go f(ch) }

func main() {
	ch := make(chan int)
	f := worker
	go f(ch)
	s := &server{ch: ch}
	g := s.serve
	go g()
	start(worker, ch)
	h := func() { <-ch }
	go h()
	select {}
}
`
	dir := t.TempDir()
	path := filepath.Join(dir, "names.go")
	require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
	nbin, err := nativeBuild(t, path)
	require.NoError(t, err)
	native := runBinary(t, nbin, []string{"GOTRACEBACK=all"}, time.Minute)
	require.Equal(t, 2, native.code)
	var want []string
	for _, m := range regexp.MustCompile(`(?m)^goroutine \d+ \[.*\]:\n(.+)\(.*\)$`).FindAllStringSubmatch(native.stderr, -1) {
		want = append(want, m[1])
	}
	sort.Strings(want)

	cbin, err := concvizBuild(t, path)
	require.NoError(t, err)
	outcome := filepath.Join(dir, "outcome.json")
	got := runBinary(t, cbin.Path, []string{specEnv(t, engine.Spec{Outcome: outcome})}, time.Minute)
	require.Equal(t, 2, got.code)
	b, err := os.ReadFile(outcome)
	require.NoError(t, err)
	var rec engine.OutcomeRecord
	require.NoError(t, json.Unmarshal(b, &rec))
	var names []string
	for _, g := range rec.Blocked {
		names = append(names, g.Name)
	}
	sort.Strings(names)
	assert.Equal(t, want, names)
}
