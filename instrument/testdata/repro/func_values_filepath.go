// compare: exact
// category: issue 16 point 7
//
// A standard-library function used as a value (also with go and defer), a
// method value with arguments, and path/filepath's pure functions.
package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
)

func main() {
	p := fmt.Println
	p("via a function value")
	defer p("deferred through a value")
	var wg sync.WaitGroup
	wg.Add(1)
	done := wg.Done
	go func() {
		defer done()
		p("in a goroutine")
	}()
	wg.Wait()
	var b strings.Builder
	write := b.WriteString
	write("method ")
	write("value")
	p(b.String())
	fmt.Println(filepath.Join("a", "b", "../c.txt"), filepath.Base("/x/y.go"), filepath.Ext("f.tar.gz"))
}
