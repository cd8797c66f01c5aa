package main

import (
	"fmt"
	"strconv"
	"sync"
	"time"
)

const (
	readers   = 3                     // knob: 1..8
	reads     = 4                     // knob: 1..10
	writes    = 3                     // knob: 1..10
	readTime  = 20 * time.Millisecond // knob: 1ms..1s
	writeTime = 30 * time.Millisecond // knob: 1ms..1s
)

// Cache is a map many goroutines may read at once; a write excludes everyone.
type Cache struct {
	mu      sync.RWMutex
	version int
	data    map[string]string
}

// Get returns the value for key and the version of the cache it was read at.
func (c *Cache) Get(key string) (string, int) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	time.Sleep(readTime) // a slow lookup, under the read lock
	return c.data[key], c.version
}

// Set stores value under key and bumps the version, as one step.
func (c *Cache) Set(key, value string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	time.Sleep(writeTime) // a slow update, under the write lock
	c.data[key] = value
	c.version++
}

func main() {
	cache := &Cache{data: map[string]string{"config": "v0"}}
	var wg sync.WaitGroup

	for r := 1; r <= readers; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			consistent := 0
			for range reads {
				value, version := cache.Get("config")
				if value == "v"+strconv.Itoa(version) {
					consistent++
				}
			}
			fmt.Printf("reader %d: %d of %d reads consistent\n", r, consistent, reads)
		}()
	}

	wg.Add(1)
	go func() {
		defer wg.Done()
		for v := 1; v <= writes; v++ {
			cache.Set("config", "v"+strconv.Itoa(v))
		}
		fmt.Printf("writer: %d writes\n", writes)
	}()

	wg.Wait()
	value, version := cache.Get("config")
	fmt.Printf("final: config=%s at version %d\n", value, version)
}
