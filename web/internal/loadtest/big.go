// Package loadtest is runs big enough to measure the page by: 1,001
// goroutines and about 125,000 events, or about 940,000, served by the
// browser benchmark.
package loadtest

import (
	"strconv"
	"strings"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/scenarios"
)

// BigSource is the program Big runs, as the page shows it.
const BigSource = `package main

import (
	"fmt"
	"sync"
)

const workers = 998
const n = 20000

func main() {
	jobs := make(chan int, 16)
	results := make(chan int, 16)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				results <- j * 2
			}
		}()
	}
	go func() {
		for i := 0; i < n; i++ {
			jobs <- i
		}
		close(jobs)
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	sum := 0
	for r := range results {
		sum += r
	}
	fmt.Println(sum)
}`

// Lines of BigSource.
var bigSites = []engine.Site{{},
	{File: "main.go", Line: 12, Func: "main.main"},       // 1 jobs
	{File: "main.go", Line: 13, Func: "main.main"},       // 2 results
	{File: "main.go", Line: 16, Func: "main.main"},       // 3 wg.Add
	{File: "main.go", Line: 17, Func: "main.main"},       // 4 go
	{File: "main.go", Line: 18, Func: "main.main.func1"}, // 5 wg.Done
	{File: "main.go", Line: 19, Func: "main.main.func1"}, // 6 range jobs
	{File: "main.go", Line: 20, Func: "main.main.func1"}, // 7 results <-
	{File: "main.go", Line: 24, Func: "main.main"},       // 8 go producer
	{File: "main.go", Line: 26, Func: "main.main.func2"}, // 9 jobs <- i
	{File: "main.go", Line: 28, Func: "main.main.func2"}, // 10 close(jobs)
	{File: "main.go", Line: 30, Func: "main.main"},       // 11 go closer
	{File: "main.go", Line: 31, Func: "main.main.func3"}, // 12 wg.Wait
	{File: "main.go", Line: 32, Func: "main.main.func3"}, // 13 close(results)
	{File: "main.go", Line: 35, Func: "main.main"},       // 14 range results
	{File: "main.go", Line: 38, Func: "main.main"},       // 15 Println
}

// bigItems and hugeItems are the numbers the two load tests square.
const (
	bigItems  = 20000
	hugeItems = 150000
)

func bigMain() { squares(bigItems) }

func squares(n int) {
	const workers = 998
	jobs := engine.MakeChan[int]("jobs", 16, 1)
	results := engine.MakeChan[int]("results", 16, 2)
	var wg engine.WaitGroup
	for range workers {
		wg.Add(1, 3)
		engine.Go("main.main.func1", 4, func() {
			defer wg.Done(5)
			for j := range jobs.Range(6) {
				results.Send(j*2, 7)
			}
		})
	}
	engine.Go("main.main.func2", 8, func() {
		for i := range n {
			jobs.Send(i, 9)
		}
		jobs.Close(10)
	})
	engine.Go("main.main.func3", 11, func() {
		wg.Wait(12)
		results.Close(13)
	})
	sum := 0
	for r := range results.Range(14) {
		sum += r
	}
	engine.Println(15, sum)
}

// Big is a scenario with 1,001 goroutines and about 100,000 events, for
// measuring the page (not in the catalog).
func Big() *scenarios.Scenario {
	return &scenarios.Scenario{ID: "bench-1000", Title: "A thousand workers", Layout: scenarios.LayoutWorkerPool,
		Explanation: "998 workers square 20,000 numbers: a load test for the page.", Source: BigSource, File: "main.go",
		Program: engine.Program{Name: "bench-1000", Sites: bigSites, Main: bigMain}}
}

// Huge is Big with 150,000 numbers: about 940,000 events, under the
// server's limit of a million, for measuring the page on a run that
// streams while it is shown (not in the catalog).
func Huge() *scenarios.Scenario {
	src := strings.Replace(BigSource, "const n = "+strconv.Itoa(bigItems), "const n = "+strconv.Itoa(hugeItems), 1)
	return &scenarios.Scenario{ID: "bench-1m", Title: "A thousand workers, a million events", Layout: scenarios.LayoutWorkerPool,
		Explanation: "998 workers square 150,000 numbers: a load test for the page.", Source: src, File: "main.go",
		Program: engine.Program{Name: "bench-1m", Sites: bigSites, Main: func() { squares(hugeItems) }}}
}
