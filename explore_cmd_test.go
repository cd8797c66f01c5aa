package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exploreJSON is the --json object the README documents.
type exploreJSON struct {
	Mode      string `json:"mode"`
	Bound     int    `json:"bound"`
	Schedules int    `json:"schedules"`
	Complete  bool   `json:"complete"`
	Outcomes  []struct {
		Stdout    string            `json:"stdout"`
		Outcome   string            `json:"outcome"`
		Message   string            `json:"message"`
		Schedules int               `json:"schedules"`
		Schedule  []json.RawMessage `json:"schedule"`
		Link      string            `json:"link"`
	} `json:"outcomes"`
}

// TestExplore runs "concviz explore" on scenarios and on a file: the table
// or the JSON object, and an exit status that says whether any schedule
// failed.
func TestExplore(t *testing.T) {
	t.Run("a scenario that leaks in every schedule", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		code := cli([]string{"explore", "goroutine-leak", "--json"}, &stdout, &stderr)
		require.Equal(t, exitFailure, code, "a leak is a failure: %s", stderr.String())
		var got exploreJSON
		require.NoError(t, json.Unmarshal(stdout.Bytes(), &got), stdout.String())
		assert.Equal(t, "dpor", got.Mode)
		assert.Equal(t, 2, got.Bound)
		assert.True(t, got.Complete)
		require.Len(t, got.Outcomes, 1)
		o := got.Outcomes[0]
		assert.Equal(t, "leak", o.Outcome)
		assert.Equal(t, got.Schedules, o.Schedules)
		assert.Equal(t, "/s/goroutine-leak?seed=0&policy=go&step=end", o.Link, "the shortest schedule is the default one")
	})
	t.Run("a scenario's table", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		code := cli([]string{"explore", "webhooks", "--preemptions", "1", "--workers", "1"}, &stdout, &stderr)
		assert.Equal(t, exitOK, code, stderr.String())
		assert.Contains(t, stdout.String(), "(dpor, preemption bound 1, complete;")
		assert.Contains(t, stdout.String(), "replay: /s/webhooks?seed=0&policy=go")
	})
	t.Run("a PCT sample is never complete", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		code := cli([]string{"explore", "worker-pool-deadlock", "--pct-depth", "3", "--max-schedules", "50", "--json"}, &stdout, &stderr)
		assert.Equal(t, exitFailure, code, stderr.String())
		var got exploreJSON
		require.NoError(t, json.Unmarshal(stdout.Bytes(), &got), stdout.String())
		assert.Equal(t, "pct", got.Mode)
		assert.Equal(t, 50, got.Schedules)
		assert.False(t, got.Complete)
		for _, o := range got.Outcomes {
			assert.Equal(t, "deadlock", o.Outcome)
		}
	})
	t.Run("a file: two printers print in both orders", func(t *testing.T) {
		if _, err := exec.LookPath("go"); err != nil {
			t.Skip("no go toolchain on PATH: concviz explore compiles programs with it")
		}
		path := filepath.Join(t.TempDir(), "printers.go")
		require.NoError(t, os.WriteFile(path, []byte(`package main

import (
	"fmt"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	for _, s := range []string{"a", "b"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fmt.Println(s)
		}()
	}
	wg.Wait()
}
`), 0o644))
		var stdout, stderr bytes.Buffer
		code := cli([]string{"explore", path, "--json"}, &stdout, &stderr)
		require.Equal(t, exitOK, code, stderr.String())
		var got exploreJSON
		require.NoError(t, json.Unmarshal(stdout.Bytes(), &got), stdout.String())
		assert.True(t, got.Complete)
		var outs []string
		for _, o := range got.Outcomes {
			outs = append(outs, o.Stdout)
			assert.Equal(t, "ok", o.Outcome)
			assert.Empty(t, o.Link, "a file has no page to link to")
		}
		assert.ElementsMatch(t, []string{"a\nb\n", "b\na\n"}, outs)
	})
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no program", []string{"explore"}, "concviz explore: want one program, got 0 arguments"},
		{"negative bound", []string{"explore", "webhooks", "--preemptions", "-1"}, "--preemptions -1: it must be 0 or more"},
		{"no schedules", []string{"explore", "webhooks", "--max-schedules", "0"}, "--max-schedules 0: it must be positive"},
		{"bad flag", []string{"explore", "webhooks", "--depth", "2"}, "flag provided but not defined: -depth"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			assert.Equal(t, exitUsageErr, cli(tc.args, &stdout, &stderr))
			assert.Contains(t, stderr.String(), tc.want)
			assert.Empty(t, stdout.String())
		})
	}
}
