package main

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Box is a generic type.
type Box[T any] struct{ v T }

// T is a type argument.
type T struct{}

func main() {
	var mu sync.Mutex
	var wg sync.WaitGroup
	var p atomic.Pointer[T]
	var i64 atomic.Int64
	tm := time.NewTimer(time.Second)
	fmt.Printf("%T %T %T %T %-15T|\n", mu, &wg, p, &i64, tm)
	fmt.Printf("%T %T %T %T\n", Box[url.URL]{}, Box[chan int]{}, struct {
		a chan<- int
		B []byte "x"
	}{}, func(...int) (chan int, error) { return nil, nil })
	var rw sync.RWMutex
	var once sync.Once
	fmt.Printf("%T %T %T %T %T\n", &rw, once, time.NewTicker(time.Second), map[string]*sync.Mutex{}, [2]chan (<-chan int){})
	fmt.Printf("%T %s %v\n", sync.NewCond(&mu), fmt.Sprintf("%T", make(<-chan error)), fmt.Errorf("%T %d", make(chan<- []byte), 1))
	var c context.CancelFunc
	fmt.Printf("%T %5.2f %T %*d %T %%T %T\n", c, 1.5, make(chan string), 3, 7, struct{}{}, map[chan int]bool{})
}
