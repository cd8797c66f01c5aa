// Maps shared under a mutex (writes, updates, comma-ok reads, delete, len, a
// range printed in key order), maps whose keys and values are stored through
// interfaces and named types, and a multi-assignment indexing with the
// variable it assigns.
package main

import (
	"fmt"
	"sort"
	"sync"
)

func main() {
	mutexMap()
	mapKeys()
}

type Store struct {
	mu sync.Mutex
	m  map[string]int
}

func (s *Store) Add(k string, v int) {
	s.mu.Lock()
	s.m[k] += v
	s.mu.Unlock()
}

var seen = map[int]bool{}

func mutexMap() {
	s := &Store{m: map[string]int{}}
	counts := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := fmt.Sprint("k", i%4)
			s.Add(k, i)
			mu.Lock()
			counts[k]++
			seen[i] = true
			if _, ok := counts["k9"]; !ok {
				counts["none"] = 0
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	delete(counts, "none")
	v, ok := s.m["k1"]
	var keys []string
	for k := range s.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Println(k, s.m[k], counts[k])
	}
	local := map[int]int{}
	for i := 0; i < 3; i++ {
		local[i] = i * 10
	}
	fmt.Println(v, ok, len(counts), len(seen), seen[3], local[2], len(local))
}

type Key string

func mapKeys() {
	m := map[any]any{}
	n := map[Key]int{}
	go func() { _, _ = m, n }()
	x := 3
	var k Key = "k"
	s := "s"
	m[x] = x
	m[s] = 1.5
	v, ok := m[x]
	m[x], m[s] = m[s], m[x]
	n[k]++
	n["lit"] += x
	delete(m, x)
	i, a := 0, []int{7, 8}
	go func() { _ = i }()
	i, a[i] = 1, 9
	fmt.Println(len(m), m[s], v, ok, n, i, a)
}
