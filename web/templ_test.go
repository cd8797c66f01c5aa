package web

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The generated *_templ.go files are committed; they must be what
// `go tool templ generate` makes of the .templ files now, run from the
// repository root as make generate does.
func TestTemplOutputIsFresh(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain on PATH: cannot run templ")
	}
	out, err := exec.Command(gobin, "tool", "-n", "templ").Output()
	require.NoError(t, err, "templ is a tool of this module (go get -tool github.com/a-h/templ/cmd/templ)")
	templ := strings.TrimSpace(string(out))

	srcs, err := filepath.Glob("*.templ")
	require.NoError(t, err)
	require.NotEmpty(t, srcs)
	root := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(root, "web"), 0o755))
	for _, src := range srcs {
		b, err := os.ReadFile(src)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(root, "web", src), b, 0o644))
	}
	cmd := exec.Command(templ, "generate")
	cmd.Dir = root
	msg, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", msg)
	for _, src := range srcs {
		gen := strings.TrimSuffix(src, ".templ") + "_templ.go"
		want, err := os.ReadFile(filepath.Join(root, "web", gen))
		require.NoError(t, err)
		got, err := os.ReadFile(gen)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(want, got), "%s is stale: run make generate (go tool templ generate) and commit it", gen)
	}
}
