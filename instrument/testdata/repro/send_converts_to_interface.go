// compare: exact
// category: issue 16 point 4
//
// Values meeting channels of interface type: select send cases, send
// statements, channel literals and generic code all convert implicitly.
package main

import (
	"errors"
	"fmt"
)

type myErr struct{ code int }

func (e *myErr) Error() string { return fmt.Sprintf("code %d", e.code) }

type name string

func (n name) String() string { return "name:" + string(n) }

func sendAll[T any](c chan<- T, vs ...T) {
	for _, v := range vs {
		select {
		case c <- v:
		default:
		}
	}
}

func main() {
	c := make(chan interface{}, 1)
	x := 1
	select {
	case c <- x:
	}
	fmt.Println(<-c)

	errs := make(chan error, 2)
	e := &myErr{7}
	select {
	case errs <- e:
	default:
	}
	errs <- errors.New("plain")
	fmt.Println(<-errs, <-errs)

	ss := make(chan fmt.Stringer, 1)
	n := name("gopher")
	select {
	case ss <- n:
	}
	fmt.Println(<-ss)

	chans := []chan any{make(chan any, 1)}
	chans[0] <- x
	fmt.Println(<-chans[0])

	anys := make(chan any, 2)
	sendAll[any](anys, 1, "two")
	fmt.Println(<-anys, <-anys)
}
