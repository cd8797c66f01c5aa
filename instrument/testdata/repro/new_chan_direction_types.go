// compare: refused
// refusal: concviz does not keep a channel's direction at run time
// category: new: chan direction
//
// Refused, with this sentence at the assertion's line: the engine's channel
// is one type whatever its direction, so a type switch cannot tell them apart.
//
// A channel's direction is part of its type: a type switch tells chan int,
// <-chan int and chan<- int apart, a type assertion to another direction
// fails, and the same channel held with two directions is two different
// interface values.
package main

import "fmt"

func kind(x any) string {
	switch x.(type) {
	case <-chan int:
		return "receive-only"
	case chan<- int:
		return "send-only"
	case chan int:
		return "bidirectional"
	}
	return "other"
}

func main() {
	c := make(chan int)
	var r <-chan int = c
	var s chan<- int = c
	fmt.Println(kind(c), kind(r), kind(s))
	var x any = c
	_, ok := x.(<-chan int)
	fmt.Println("chan int asserted as <-chan int:", ok)
	var y any = r
	fmt.Println("equal as interfaces:", x == y)
}
