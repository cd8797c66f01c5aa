package web

import (
	"os"
	"testing"
)

func TestZZInval(t *testing.T) {
	if os.Getenv("CONCVIZ_BENCH") == "" {
		t.Skip()
	}
	ctx := userTab(t, chromium(t))
	srv := liveServer(t)
	open(t, ctx, srv+"/s/bench-1000?step=0")
	ready(t, ctx)
	scrubJumps(t, ctx, 30)
	traced(t, ctx, append(frameCategories, "disabled-by-default-devtools.timeline.invalidationTracking", "disabled-by-default-devtools.timeline.layers", "disabled-by-default-devtools.timeline.picture"), "/tmp/prof/inval.json", func() { scrubJumps(t, ctx, 30) })
}
