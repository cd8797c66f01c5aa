package server

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/concviz/concviz/engine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shortLog is a finished run of a few events, as the cache keeps them.
func shortLog(t *testing.T) *RunLog {
	t.Helper()
	res := engine.Run(engine.Program{Main: func() { engine.Println(engine.Pos(0), "hi") }}, engine.Config{})
	require.Positive(t, res.Log.Len())
	return &RunLog{Log: *res.Log}
}

// The cache's budget bounds the memory its logs hold: a short run holds a
// whole chunk of events, and the cache must count it so. Counting only the
// events once let a 256 MiB cache hold some 8 GiB of short runs.
func TestCacheBudgetBoundsMemory(t *testing.T) {
	const budget = 4 << 20
	c := NewCache(budget)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range 1000 {
		c.Put(fmt.Sprint(i), shortLog(t))
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	assert.Less(t, held, int64(2*budget), "the cache holds %d MiB with a %d MiB budget", held>>20, budget>>20)
	_, newest := c.Get("999")
	assert.True(t, newest, "the newest log stays")
	_, oldest := c.Get("0")
	assert.False(t, oldest, "the oldest went to make room")
}
