package server

import (
	"context"
	"os"
	"time"

	"github.com/concviz/concviz/engine"
)

// orphanServerEnv makes the test binary a server that runs the "spin"
// program, which only a wall-clock limit stops, and says "running" once it
// has asked for the run (the test then waits for the run's child).
const orphanServerEnv = "CONCVIZ_ORPHAN_SERVER"

func orphanServer() int {
	lim := testLimits()
	lim.Wall = time.Minute // longer than the test waits for the child to die
	r := New(testOptions(lim)).runner
	go r.Run(context.Background(), engine.RunInput{Program: "spin"}, func(*RunLog) {})
	os.Stdout.WriteString("running\n")
	select {} // until killed
}
