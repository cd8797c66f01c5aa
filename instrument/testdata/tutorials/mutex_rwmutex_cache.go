// compare: exact
// category: mutexes
//
// A cache guarded by an RWMutex: many readers share the read lock, a writer
// fills missing entries under the write lock.
package main

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

type Cache struct {
	mu     sync.RWMutex
	data   map[string]string
	misses int
}

func (c *Cache) Get(key string) string {
	c.mu.RLock()
	v, ok := c.data[key]
	c.mu.RUnlock()
	if ok {
		return v
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.data[key]; ok {
		return v
	}
	c.misses++
	v = strings.ToUpper(key)
	c.data[key] = v
	return v
}

func main() {
	c := &Cache{data: map[string]string{}}
	keys := []string{"go", "chan", "select", "go", "chan", "mutex"}
	var wg sync.WaitGroup
	for r := 0; r < 5; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, k := range keys {
				c.Get(k)
			}
		}()
	}
	wg.Wait()
	var got []string
	c.mu.RLock()
	for k, v := range c.data {
		got = append(got, k+"="+v)
	}
	c.mu.RUnlock()
	sort.Strings(got)
	fmt.Println(got, "misses:", c.misses)
}
