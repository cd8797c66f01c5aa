package instrument

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/engine"
)

// TestBuildCache: a second build of the same program reuses the binary; a
// new program reuses the engine's compiled package from Go's build cache.
func TestBuildCache(t *testing.T) {
	goCmd(t)
	src := prog("import \"fmt\"\n\nfunc main() {\n\tc := make(chan string, 1)\n\tc <- \"" + t.Name() + time.Now().String() + "\"\n\tfmt.Println(len(<-c) > 0)\n}\n")
	files := []File{{Name: "cache.go", Src: []byte(src)}}
	start := time.Now()
	b1, err := Build(context.Background(), files, Options{})
	require.NoError(t, err)
	first := time.Since(start)
	assert.False(t, b1.Cached)

	start = time.Now()
	b2, err := Build(context.Background(), files, Options{})
	require.NoError(t, err)
	second := time.Since(start)
	assert.True(t, b2.Cached, "the second build of the same program reuses the binary")
	assert.Equal(t, b1.Path, b2.Path)
	assert.Equal(t, b1.Knobs, b2.Knobs)

	got := runBinary(t, b2.Path, nil, time.Minute)
	assert.Equal(t, "true\n", got.stdout)
	t.Logf("first build %v (rewrite + go build), second build %v (cached binary), run %v", first, second, got.wall)
}

func TestBuildCompileErrorMapsToOriginal(t *testing.T) {
	goCmd(t)
	// go/types catches the program's own errors before compiling; a compiler
	// error in rewritten code (here injected) must still name the original
	// file and line, through the //line directives.
	name := filepath.Join(t.TempDir(), "inj.go")
	src := prog("import \"fmt\"\n\nfunc main() {\n\tc := make(chan int, 1)\n\n\tc <- 1\n\tfmt.Println(<-c)\n}\n")
	res, err := Rewrite([]File{{Name: name, Src: []byte(src)}}, Options{})
	require.NoError(t, err)
	res.Files[0].Src = []byte(strings.Replace(string(res.Files[0].Src), "c.Send(", "c.Sendx(", 1))
	err = compile(context.Background(), filepath.Join(t.TempDir(), "out"), res)
	require.Error(t, err)
	assert.Regexp(t, `^`+regexpQuote(name)+`:8: c.Sendx undefined`, err.Error())
	assert.NotContains(t, err.Error(), "\n")
}

func regexpQuote(s string) string { return regexp.QuoteMeta(s) }

// TestLibraryProgramRuns compiles a library rewrite into a program that runs
// it with engine.Run, as the concviz binary will for built-in scenarios.
func TestLibraryProgramRuns(t *testing.T) {
	goCmd(t)
	src, err := os.ReadFile("testdata/guide/s6_buggy.go")
	require.NoError(t, err)
	res, err := Rewrite([]File{{Name: "worker-pool.go", Src: src}}, Options{Library: true, Package: "scn", Name: "worker-pool-deadlock"})
	require.NoError(t, err)
	edir, err := EngineDir()
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "scn"), 0o755))
	for _, f := range res.Files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "scn", f.Name), f.Src, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module lib\n\ngo 1.26\n\nrequire github.com/concviz/concviz v0.0.0\n\nreplace github.com/concviz/concviz => "+edir+"\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(`package main

import (
	"fmt"

	"github.com/concviz/concviz/engine"
	"lib/scn"
)

func main() {
	for seed := uint64(0); seed < 2; seed++ {
		r := engine.Run(scn.Program, engine.Config{Seed: seed})
		fmt.Println(r.Outcome.Kind, r.Outcome.Blocked[0].Pos, scn.Program.Sites[r.Outcome.Blocked[0].Pos])
	}
}
`), 0o644))
	cmd := exec.Command("go", "run", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local", "GOPROXY=off")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Len(t, lines, 2, "the same package runs twice in one process: %s", out)
	for _, l := range lines {
		assert.Regexp(t, `^deadlock \d+ worker-pool\.go:32$`, l)
	}
	_ = engine.Site{}
}

func TestConstKnobsAtRunTime(t *testing.T) {
	goCmd(t)
	p, _ := filepath.Abs("testdata/features/knobs.go")
	bin, err := concvizBuild(t, p)
	require.NoError(t, err)
	got := runBinary(t, bin.Path, nil, time.Minute)
	assert.Equal(t, "3 2 200ms\n", got.stdout)
	got = runBinary(t, bin.Path, []string{specEnv(t, engine.Spec{RunInput: engine.RunInput{Knobs: map[string]int64{"workers": 5, "delay": int64(time.Second), "single": 0}}})}, time.Minute)
	assert.Equal(t, "5 0 0s\n", got.stdout)
}
