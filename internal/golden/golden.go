// Package golden keeps a test's golden files (the page's fixtures under
// static/testdata, written by Go for the JavaScript tests to read) what the
// code produces today: a test compares the file with what it computes, or
// rewrites the file when its -update flag is set.
package golden

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// JSON compares the JSON document in the file at path with want, as JSON
// (key order and spacing aside), or writes want there when update is set.
// rerun is the command that rewrites the file, for the failure message.
func JSON(t testing.TB, path string, want []byte, update bool, rerun string) {
	t.Helper()
	if update {
		require.NoError(t, os.WriteFile(path, append(want, '\n'), 0o644))
		return
	}
	have, err := os.ReadFile(path)
	require.NoError(t, err, "%s writes it", rerun)
	assert.JSONEq(t, string(want), string(have), "%s is stale: %s", path, rerun)
}
