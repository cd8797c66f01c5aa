package instrument

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTrimCacheRemovesTheLeastRecentlyUsed: past the bound, builds go
// oldest use first; the engine copies stay, and so does a build under way,
// while one killed long ago is removed.
func TestTrimCacheRemovesTheLeastRecentlyUsed(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	mk := func(name string, size int, age time.Duration) {
		d := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(d, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(d, "prog"), make([]byte, size), 0o644))
		require.NoError(t, os.Chtimes(d, now.Add(-age), now.Add(-age)))
	}
	mk("prog-old", 400, 3*time.Hour)
	mk("prog-mid", 400, 2*time.Hour)
	mk("prog-new", 400, time.Hour)
	mk("engine-1", 5000, 4*time.Hour)
	mk(".tmp-killed", 100, 2*time.Hour)
	mk(".tmp-building", 100, time.Second)

	removed, err := TrimCache(dir, 900, time.Hour)
	require.NoError(t, err)
	assert.Equal(t, 1, removed)
	var left []string
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		left = append(left, e.Name())
	}
	assert.ElementsMatch(t, []string{"prog-mid", "prog-new", "engine-1", ".tmp-building"}, left)

	removed, err = TrimCache(dir, 0, time.Hour)
	require.NoError(t, err)
	assert.Equal(t, 2, removed, "a bound of 0 removes every build")
}
