// compare: exact
// category: generators
//
// Generators: a function returns a receive-only channel fed by its own
// goroutine; a second one filters primes out of it (a small sieve).
package main

import "fmt"

func count(from int) <-chan int {
	ch := make(chan int)
	go func() {
		for i := from; ; i++ {
			ch <- i
		}
	}()
	return ch
}

func filter(in <-chan int, prime int) <-chan int {
	out := make(chan int)
	go func() {
		for {
			if i := <-in; i%prime != 0 {
				out <- i
			}
		}
	}()
	return out
}

func main() {
	ch := count(2)
	for i := 0; i < 10; i++ {
		prime := <-ch
		fmt.Println(prime)
		ch = filter(ch, prime)
	}
}
