// selects exercises select forms: send, receive, comma-ok, assignment with
// an index on the left, default, break, labelled break and continue, goto,
// return inside cases, nil channels, and receive expressions in odd places.
package main

import "fmt"

type pair struct {
	in  chan int
	out chan<- int
}

func first(cs ...<-chan int) (int, bool) {
	for {
		select {
		case v, ok := <-cs[0]:
			return v, ok
		case v := <-cs[1]:
			return v, true
		}
	}
}

func sum(a, b int) int { return a + b }

func main() {
	c := make(chan int, 4)
	var nilch chan int
	a := make([]int, 3)
	i := 0
	c <- 1
	c <- 2
	select {
	case a[i+1] = <-c:
		fmt.Println("assigned", a)
	case nilch <- 5:
		panic("nil send")
	}
	var ok bool
	select {
	case a[0], ok = <-c:
		fmt.Println("comma-ok assign", a[0], ok)
	}
	select {
	case v := <-nilch:
		fmt.Println("nil", v)
	default:
		fmt.Println("default")
	}
	n := 0
loop:
	for {
		select {
		case c <- n:
			n++
			if n == 2 {
				continue loop
			}
		default:
			break loop
		}
	}
	fmt.Println("filled", len(c), cap(c), n)
	for len(c) > 0 {
		select {
		case v := <-c:
			if v == 3 {
				goto done
			}
			fmt.Println("got", v)
			break
		}
	}
done:
	fmt.Println("done", len(c))

	cc := make(chan chan int, 1)
	inner := make(chan int, 1)
	cc <- inner
	<-cc <- 2
	fmt.Println("chan of chan", <-inner, sum(<-func() chan int { inner <- 40; return inner }(), 2))

	p := pair{in: make(chan int, 1)}
	p.out = p.in
	p.out <- 7
	m := map[string]chan int{"x": p.in}
	fmt.Println("struct and map", <-m["x"])

	d := make(chan int, 1)
	d <- 9
	close(d)
	e := make(chan int)
	v, ok2 := first(d, e)
	fmt.Println("first", v, ok2)
	v, ok2 = first(d, e)
	fmt.Println("first closed", v, ok2)
	if x, ok := <-d; !ok {
		fmt.Println("closed", x, ok)
	}
	for range d {
	}
	done2 := make(chan struct{})
	res := make(chan string)
	go func() {
		defer close(done2)
		for s := range res {
			fmt.Println("recv", s)
		}
	}()
	for _, s := range []string{"a", "b"} {
		select {
		case res <- s:
		}
	}
	close(res)
	<-done2
}
