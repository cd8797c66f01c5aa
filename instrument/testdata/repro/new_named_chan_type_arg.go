// compare: refused
// refusal: (a channel type with methods) as the type argument of C is not supported
// category: issue 16 point 8
//
// A channel type with methods instantiating a type parameter constrained to
// channels. On the engine such a type is a struct wrapping the channel, which
// ~chan E (rewritten ~*engine.Chan[E]) cannot admit, so concviz refuses it at
// its line and says how to pass it; Go runs it.
package main

import "fmt"

type Queue[E any] chan E

func (q Queue[E]) Len() int { return len(q) }

func drain[C ~chan E, E any](c C) []E {
	close(c)
	var out []E
	for v := range c {
		out = append(out, v)
	}
	return out
}

func main() {
	q := make(Queue[int], 2)
	q <- 1
	q <- 2
	fmt.Println(q.Len(), drain(q))
}
