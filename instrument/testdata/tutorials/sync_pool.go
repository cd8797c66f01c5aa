// compare: exact
// category: sync
//
// A sync.Pool of buffers shared by goroutines: whether a buffer is reused is
// up to the runtime, so the program only relies on Get returning a usable,
// reset buffer.
package main

import (
	"bytes"
	"fmt"
	"sort"
	"sync"
)

var bufPool = sync.Pool{
	New: func() any { return new(bytes.Buffer) },
}

func render(name string, n int) string {
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	buf.Reset()
	fmt.Fprintf(buf, "%s:%d", name, n)
	return buf.String()
}

func main() {
	var mu sync.Mutex
	var out []string
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := render("item", i)
			mu.Lock()
			out = append(out, s)
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Strings(out)
	fmt.Println(out)
}
