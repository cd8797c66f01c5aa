package main

import (
	"flag"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every class limit flag of serve is in the README's Limits table with its
// default, as the flag declares it: a changed default fails here.
func TestREADMEListsEveryClassLimit(t *testing.T) {
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	readme := string(b)
	start := strings.Index(readme, "### Limits")
	require.GreaterOrEqual(t, start, 0, "README has a Limits section")
	section := readme[start:]
	section = section[:strings.Index(section, "\n## ")]
	fs, _ := serveFlags(io.Discard)
	runFlags := map[string]bool{"addr": true, "open": true, "allow-origin": true, "runs": true, "cache": true}
	n := 0
	fs.VisitAll(func(f *flag.Flag) {
		if runFlags[f.Name] || strings.HasPrefix(f.Name, "run-") {
			return
		}
		n++
		assert.Contains(t, section, "`-"+f.Name+"` ("+f.DefValue+")", "README's Limits list -%s with its default", f.Name)
	})
	assert.Greater(t, n, 10)
}
