package main

import (
	"errors"
	"fmt"
	"time"
)

const (
	latency = 200 * time.Millisecond // knob: 10ms..2s
	timeout = 100 * time.Millisecond // knob: 10ms..2s
)

var errTimeout = errors.New("timed out")

// search asks a slow backend and waits for its answer at most timeout.
func search(query string) (string, error) {
	result := make(chan string)
	go func() {
		time.Sleep(latency) // the slow backend
		// Once search has given up, nobody will ever receive this:
		// the goroutine blocks here forever.
		result <- "results for " + query
	}()

	select {
	case r := <-result:
		return r, nil
	case <-time.After(timeout):
		return "", fmt.Errorf("search %q: %w", query, errTimeout)
	}
}

func main() {
	for _, q := range []string{"gopher", "channel", "mutex"} {
		r, err := search(q)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(r)
	}

	// Like a server, the program keeps running for a while; by the end of
	// this pause every abandoned sender has reached its send and is stuck.
	time.Sleep(latency)
	fmt.Println("main returns")
}
