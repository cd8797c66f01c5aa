// repanic recovers a panic and panics again with a new value inside the same
// deferred call: Go reports the recovered one first.
package main

import "fmt"

func main() {
	defer func() {
		r := recover()
		panic(fmt.Sprint("again ", r))
	}()
	panic("first")
}
