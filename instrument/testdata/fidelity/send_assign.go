package main

import (
	"errors"
	"fmt"
	"strconv"
)

type T struct{ n int }

func (t T) String() string { return "T" + strconv.Itoa(t.n) }

type E struct{}

func (*E) Error() string { return "E" }

type MyInt int

type Ch chan int

func sendAny(c chan<- any, v int) { c <- v }

func recvOnly(c <-chan int) int { return <-c }

func dir() <-chan int {
	c := make(chan int, 1)
	c <- 5
	return c
}

func variadic(cs ...chan int) int { return len(cs) }

func gen[T any](c chan T, v T) { c <- v }

func first[T any](cs []chan T) T { return <-cs[0] }

func main() {
	c := make(chan interface{}, 4)
	x := 1
	select {
	case c <- x:
	}
	c <- x
	var e = &E{}
	ec := make(chan error, 2)
	select {
	case ec <- e:
	}
	ec <- e
	sc := make(chan fmt.Stringer, 2)
	select {
	case sc <- T{1}:
	}
	sc <- T{2}
	select {
	case c <- nil:
	}
	var mi MyInt = 3
	select {
	case c <- mi:
	default:
	}
	fmt.Println(<-c, <-c, <-c, <-c, <-ec, <-ec, <-sc, <-sc)
	ac := make(chan any, 1)
	sendAny(ac, 4)
	fmt.Println(<-ac)
	cs := []chan int{make(chan int, 1)}
	cs[0] <- 1
	fmt.Println(<-cs[0])
	m := map[string]chan T{"a": make(chan T, 1)}
	m["a"] <- T{3}
	fmt.Println(<-m["a"])
	b := make(chan int, 1)
	b <- 9
	var ro <-chan int = b
	fmt.Println(recvOnly(b), len(ro))
	var so chan<- int = b
	so <- 1
	fmt.Println(<-ro)
	fmt.Println(<-dir())
	fmt.Println(variadic(b, b, cs[0]), variadic(cs...))
	gc := make(chan any, 1)
	gen(gc, any(1))
	fmt.Println(<-gc)
	gi := make(chan int, 1)
	gen(gi, 7)
	fmt.Println(first([]chan int{gi, gi}) == 0)
	var nc chan int
	fmt.Println(nc == nil, b == nil, b == b, ro == b, so == b, cs[0] != b)
	var ch Ch = make(Ch, 1)
	ch <- 1
	fmt.Println(<-ch)
	c <- errors.New("x")
	fmt.Println(<-c)
	ic := make(chan interface{ String() string }, 1)
	ic <- T{5}
	fmt.Println(<-ic)
	pc := make(chan *int, 1)
	select {
	case pc <- nil:
	}
	fmt.Println(<-pc)
	fc := make(chan func() int, 1)
	select {
	case fc <- func() int { return 8 }:
	}
	fmt.Println((<-fc)())
	var f64 = make(chan float64, 1)
	select {
	case f64 <- 1:
	}
	fmt.Println(<-f64)
}
