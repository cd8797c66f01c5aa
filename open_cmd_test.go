package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/server"
)

func init() {
	// The test server builds programs by re-executing this test binary.
	if os.Getenv(server.ChildEnv) != "" {
		os.Exit(server.ChildMain(os.Stdin, os.Stdout, server.Resolve))
	}
}

// TestOpenBuildsOnTheRunningServer: concviz open FILE.go (and concviz
// FILE.go) builds the file on the server already listening and opens the
// browser on its link; a program that does not compile is reported at the
// file's line, as go build reports it, and opens nothing.
func TestOpenBuildsOnTheRunningServer(t *testing.T) {
	s := server.New(server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		ChildCommand: func(ctx context.Context) *exec.Cmd { return exec.CommandContext(ctx, os.Args[0]) }})
	ts := httptest.NewServer(s.Handler())
	defer func() { s.Close(); ts.Close() }()
	addr := strings.TrimPrefix(ts.URL, "http://")
	var opened []string
	browse = func(url string, _ *slog.Logger) { opened = append(opened, url) }
	defer func() { browse = openBrowser }()

	dir := t.TempDir()
	good := filepath.Join(dir, "hello.go")
	src := "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tch := make(chan string, 1)\n\tch <- \"hello\"\n\tfmt.Println(<-ch)\n}\n"
	require.NoError(t, os.WriteFile(good, []byte(src), 0o644))
	bad := filepath.Join(dir, "bad.go")
	require.NoError(t, os.WriteFile(bad, []byte("package main\n\nfunc main() { x := 1 }\n"), 0o644))

	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
		opens  bool
	}{
		{"open", []string{"open", "-addr", addr, good}, exitOK, "concviz: opening " + server.ProgramURL(ts.URL+"/", []byte(src), nil), "concviz: building", true},
		{"a file alone", []string{good, "-addr", addr}, exitOK, "concviz: opening http://" + addr + "/s/" + server.ProgramID([]byte(src)) + "#src=", "", true},
		{"a compile error", []string{"open", "-addr", addr, bad}, exitFailure, "", bad + ":3:15: declared and not used: x", false},
		{"no file", []string{"open", "-addr", addr}, exitUsageErr, "", "want one FILE.go", false},
		{"not a .go file", []string{"open", "-addr", addr, "notes.txt"}, exitUsageErr, "", "want one FILE.go", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opened = nil
			var stdout, stderr bytes.Buffer
			code := cli(tc.args, &stdout, &stderr)
			assert.Equal(t, tc.code, code, "stderr: %s", stderr.String())
			assert.Contains(t, stdout.String(), tc.stdout)
			assert.Contains(t, stderr.String(), tc.stderr)
			if tc.opens {
				require.Len(t, opened, 1, "the browser opens once")
				assert.Contains(t, stdout.String(), opened[0], "the URL is printed too, for a machine without a browser")
			} else {
				assert.Empty(t, opened)
			}
		})
	}
}

// TestServeEditFlag: -edit takes off, local or all, and says so.
func TestServeEditFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := cli([]string{"serve", "-edit=everyone"}, &stdout, &stderr)
	assert.Equal(t, exitUsageErr, code)
	assert.Contains(t, stderr.String(), `invalid value "everyone" for flag -edit: want off, local or all`)
	fs, c := serveFlags(&stderr)
	require.NoError(t, fs.Parse([]string{"-edit=off"}))
	assert.Equal(t, server.EditOff, server.EditMode(c.edit))
}
