// Package pool is the guide's §6 worker pool (worker-pool-deadlock) written
// directly on the engine, with its sites on the lines of the scenario's
// main.go. The web package's fixture and browser tests run it while the
// catalog's generated programs are not there yet.
package pool

import (
	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/scenarios"
)

// Sites of scenarios/src/worker-pool-deadlock/main.go.
const (
	pJobs = iota + 1
	pResults
	pAdd
	pGo
	pDone
	pRange
	pSend
	pJobSend
	pClose
	pRangeResults
	pPrint
)

// Sites is the program's site table.
var Sites = []engine.Site{{},
	pJobs:         {File: "main.go", Line: 15, Func: "main.main"},
	pResults:      {File: "main.go", Line: 16, Func: "main.main"},
	pAdd:          {File: "main.go", Line: 20, Func: "main.main"},
	pGo:           {File: "main.go", Line: 21, Func: "main.main"},
	pDone:         {File: "main.go", Line: 22, Func: "main.main.func1"},
	pRange:        {File: "main.go", Line: 9, Func: "main.worker"},
	pSend:         {File: "main.go", Line: 10, Func: "main.worker"},
	pJobSend:      {File: "main.go", Line: 28, Func: "main.main"},
	pClose:        {File: "main.go", Line: 30, Func: "main.main"},
	pRangeResults: {File: "main.go", Line: 32, Func: "main.main"},
	pPrint:        {File: "main.go", Line: 33, Func: "main.main"},
}

// Main is the program's main.main.
func Main() {
	jobs := engine.MakeChan[int]("jobs", 3, pJobs)
	results := engine.MakeChan[int]("results", 3, pResults)
	var wg engine.WaitGroup
	for i := 1; i <= 3; i++ {
		wg.Add(1, pAdd)
		engine.Go("main.main.func1", pGo, func() {
			defer wg.Done(pDone)
			for j := range jobs.Range(pRange) {
				results.Send(j*j, pSend)
			}
		})
	}
	for i := 1; i <= 5; i++ {
		jobs.Send(i, pJobSend)
	}
	jobs.Close(pClose)
	for r := range results.Range(pRangeResults) {
		engine.Println(pPrint, r)
	}
}

// Program is the pool as an engine program.
var Program = engine.Program{Name: "worker-pool-deadlock", Sites: Sites, Main: Main}

// Source is scenarios/src/worker-pool-deadlock/main.go, for when the
// catalog cannot be loaded (it is being edited).
const Source = `package main

import (
	"fmt"
	"sync"
)

func worker(id int, jobs <-chan int, results chan<- int) {
	for j := range jobs {
		results <- j * j
	}
}

func main() {
	jobs := make(chan int, 3)
	results := make(chan int, 3)
	var wg sync.WaitGroup

	for i := 1; i <= 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			worker(i, jobs, results)
		}()
	}

	for i := 1; i <= 5; i++ {
		jobs <- i
	}
	close(jobs)

	for r := range results { // Deadlock here
		fmt.Println(r)
	}
}
`

const explanation = "The guide blames workers blocked on a full results buffer, but with its buffers (jobs 3, results 3) that is not what happens: results can buffer three squares and each of the three workers can hold one more while it waits to send, so every job is squared, all five results are printed, and the workers exit. The deadlock comes after: main ranges over results, which nobody closes, so once it has read five values it waits forever with no goroutine left to send. Shrink the buffers until jobs, results and three workers cannot absorb five jobs (both at 0, say) and the deadlock forms earlier: each worker is stuck sending a result nobody receives yet, and main is stuck at jobs <- i. Either way Go reports fatal error: all goroutines are asleep - deadlock!"

// catalog returns the built-in catalog, or nil while it does not load.
func catalog() (all []*scenarios.Scenario) {
	defer func() {
		if recover() != nil {
			all = nil
		}
	}()
	return scenarios.All()
}

// Scenario returns worker-pool-deadlock with this program and its channel
// knobs when the catalog has no compiled program for it (and a copy of its
// source when the catalog does not load at all).
func Scenario() *scenarios.Scenario {
	var s *scenarios.Scenario
	for _, c := range catalog() {
		if c.ID == "worker-pool-deadlock" {
			s = c
		}
	}
	if s != nil && s.Program.Main != nil {
		return s
	}
	if s == nil {
		s = &scenarios.Scenario{ID: "worker-pool-deadlock", Title: "The worker pool that deadlocks", Section: "§6 (buggy)",
			Layout: scenarios.LayoutWorkerPool, Explanation: explanation, Source: Source, File: "main.go"}
	}
	c := *s
	c.Program = Program
	c.Knobs = append([]scenarios.Knob{
		{Name: "jobs", Kind: scenarios.KnobCap, Default: 3, Min: 0, Max: scenarios.MaxCap, Line: 15},
		{Name: "results", Kind: scenarios.KnobCap, Default: 3, Min: 0, Max: scenarios.MaxCap, Line: 16},
	}, s.Knobs...)
	return &c
}

// All is the catalog with worker-pool-deadlock runnable; while the catalog
// does not load, worker-pool-deadlock alone.
func All() []*scenarios.Scenario {
	all := catalog()
	if all == nil {
		return []*scenarios.Scenario{Scenario()}
	}
	out := make([]*scenarios.Scenario, len(all))
	for i, s := range all {
		if s.ID == "worker-pool-deadlock" {
			s = Scenario()
		}
		out[i] = s
	}
	return out
}

// Lookup is scenarios.Lookup over All.
func Lookup(id string) (*scenarios.Scenario, bool) {
	for _, s := range All() {
		if s.ID == id {
			return s, true
		}
	}
	return nil, false
}
