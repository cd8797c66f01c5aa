// compare: exact
// category: generators
//
// A generator that stops when the consumer says so, and one that closes its
// channel when it runs out, so range ends.
package main

import "fmt"

func words(done <-chan struct{}, ws ...string) <-chan string {
	out := make(chan string)
	go func() {
		defer close(out)
		for _, w := range ws {
			select {
			case out <- w:
			case <-done:
				return
			}
		}
	}()
	return out
}

func main() {
	for w := range words(nil, "to", "be", "or", "not") {
		fmt.Print(w, " ")
	}
	fmt.Println()
	done := make(chan struct{})
	it := words(done, "a", "b", "c", "d")
	fmt.Println(<-it, <-it)
	close(done)
	_, open := <-it
	for open {
		_, open = <-it
	}
	fmt.Println("generator closed")
}
