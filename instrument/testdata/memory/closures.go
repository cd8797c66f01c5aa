// Closures updating captured variables, compound assignments whose right
// side has side effects, multi-assignments, a swap, and a redeclaration.
package main

import (
	"errors"
	"fmt"
)

var x int
var calls []string

func bump() int {
	x += 100
	calls = append(calls, "bump")
	return 1
}

func idx(i int) int {
	calls = append(calls, fmt.Sprint("idx", i))
	return i
}

type pair struct{ a, b int }

func parse(s string) (int, error) {
	if s == "" {
		return 0, errors.New("empty")
	}
	return len(s), nil
}

func main() {
	n := 0
	inc := func() { n++ }
	inc()
	inc()
	x += bump()
	a, b := 1, 2
	swap := func() { a, b = b, a }
	swap()
	arr := []int{10, 20, 30}
	arr[idx(0)] += bump()
	arr[idx(1)], arr[idx(2)] = arr[idx(2)], arr[idx(1)]
	p := &pair{1, 2}
	p.a, p.b = p.b, p.a
	p.a <<= 2
	s := "go"
	add := func(t string) { s += t }
	add("pher")
	var err error
	check := func() bool { return err != nil }
	_ = check
	m, err := parse("")
	k, err := parse("abc")
	var f float64
	set := func() { f = 1; f *= 2.5 }
	set()
	var e any
	put := func() { e = 7 }
	put()
	fmt.Println(n, x, a, b, arr, *p, s, m, k, err, f, e, calls)
}
