// compare: exact
// category: new: nested panic
//
// A deferred call panics while the goroutine is already panicking, without
// recovering: Go's report starts with the first panic and lists the second
// under it.
package main

import "fmt"

func main() {
	defer func() {
		panic(fmt.Sprintf("again %d", 2))
	}()
	panic(3.5)
}
