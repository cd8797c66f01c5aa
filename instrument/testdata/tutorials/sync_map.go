// compare: exact
// category: sync
//
// sync.Map filled concurrently, then read with Load, LoadOrStore and Range.
package main

import (
	"fmt"
	"sort"
	"sync"
)

func main() {
	var m sync.Map
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.Store(fmt.Sprintf("key%d", i), i*i)
		}()
	}
	wg.Wait()
	v, ok := m.Load("key3")
	fmt.Println("key3:", v, ok)
	actual, loaded := m.LoadOrStore("key3", 100)
	fmt.Println("LoadOrStore existing:", actual, loaded)
	actual, loaded = m.LoadOrStore("key9", 81)
	fmt.Println("LoadOrStore new:", actual, loaded)
	m.Delete("key0")
	var keys []string
	m.Range(func(k, v any) bool {
		keys = append(keys, fmt.Sprintf("%s=%d", k, v))
		return true
	})
	sort.Strings(keys)
	fmt.Println(keys)
}
