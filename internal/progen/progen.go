// Package progen generates small concurrent Go programs from bytes, for
// tests that need many programs nobody wrote: the rewriter's fuzz test and
// the explorer's equivalence test.
package progen

import (
	"strconv"
	"strings"
)

// progGen turns fuzz bytes into a small, type-correct concurrent program:
// each byte picks the next construct from a menu (sends, receives, selects,
// go statements, locks, WaitGroups, timers, contexts, nested blocks).
type progGen struct {
	data  []byte
	i     int
	b     strings.Builder
	depth int
	label int
	steps int
}

func (g *progGen) pick(n int) int {
	if g.i >= len(g.data) {
		return 0
	}
	v := int(g.data[g.i]) % n
	g.i++
	return v
}

func (g *progGen) ch() string {
	return []string{"c0", "c1", "cs[0]", "b.ch", "global", "(cs[1])"}[g.pick(6)]
}

func (g *progGen) stmts(indent string, n int) {
	for k := 0; k < n && g.i < len(g.data) && g.steps < 60; k++ {
		g.stmt(indent)
	}
	g.b.WriteString(indent + "_ = 0\n")
}

func (g *progGen) stmt(in string) {
	g.steps++
	w := func(s string) { g.b.WriteString(in + s + "\n") }
	nested := func(head, tail string) {
		if g.depth > 3 {
			w(head)
			w("\t_ = 1")
			w(tail)
			return
		}
		g.depth++
		w(head)
		g.stmts(in+"\t", 1+g.pick(3))
		w(tail)
		g.depth--
	}
	switch g.pick(22) {
	case 0:
		w(g.ch() + " <- " + strconv.Itoa(g.pick(9)))
	case 1:
		w("_ = <-" + g.ch())
	case 2:
		w("if v, ok := <-" + g.ch() + "; ok { _ = v }")
	case 3:
		var cases []string
		for k := 0; k <= g.pick(3); k++ {
			switch g.pick(4) {
			case 0:
				cases = append(cases, "case v := <-"+g.ch()+": _ = v")
			case 1:
				cases = append(cases, "case "+g.ch()+" <- "+strconv.Itoa(g.pick(5))+":")
			case 2:
				cases = append(cases, "case x, ok := <-"+g.ch()+": _, _ = x, ok")
			case 3:
				cases = append(cases, "case arr[0] = <-"+g.ch()+":")
			}
		}
		if g.pick(2) == 0 {
			cases = append(cases, "default:")
		}
		w("select {")
		for _, c := range cases {
			w(c)
			if g.pick(3) == 0 && g.depth < 3 {
				g.depth++
				g.stmts(in+"\t", 1)
				g.depth--
			}
		}
		w("}")
	case 4:
		nested("go func() {", "}()")
	case 5:
		w("wg.Add(1)")
		w("go work(" + g.ch() + ", &wg)")
	case 6:
		nested("b.mu.Lock()\n"+in+"{", "}\n"+in+"b.mu.Unlock()")
	case 7:
		nested("for v := range "+g.ch()+" {\n"+in+"\t_ = v", "break }")
	case 8:
		w("close(" + g.ch() + ")")
	case 9:
		w("fmt.Println(len(" + g.ch() + "), cap(" + g.ch() + "))")
	case 10:
		w("time.Sleep(time.Millisecond)")
	case 11:
		w("n.Add(1); _ = n.Load()")
	case 12:
		nested("for i := 0; i < 2; i++ {\n"+in+"\t_ = i", "}")
	case 13:
		w("{ x := make(chan chan int, 1); x <- " + g.ch() + "; <-x <- 1 }")
	case 14:
		w("{ ctx2, cancel2 := context.WithTimeout(ctx, time.Second); <-ctx2.Done(); cancel2() }")
	case 15:
		nested("wg.Go(func() {", "})")
	case 16:
		g.label++
		l := "L" + strconv.Itoa(g.label)
		w(l + ": for {")
		w("select {")
		w("case <-" + g.ch() + ": break " + l)
		w("case " + g.ch() + " <- 2: continue " + l)
		w("}")
		w("}")
	case 17:
		w("{ t := time.NewTimer(time.Second); t.Stop(); <-time.After(time.Millisecond) }")
	case 18:
		w("func() { defer func() { _ = recover() }(); close(" + g.ch() + ") }()")
	case 19:
		w("mu.Lock(); mu.Unlock()")
		w("go fmt.Println(<-" + g.ch() + ")")
	case 20:
		w("if len(" + g.ch() + ") > 0 { go sink(<-" + g.ch() + ") }")
	case 21:
		w("{ done := wg.Done; wg.Add(1); done() }")
	}
}

const genPrelude = `package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

type box struct {
	mu sync.Mutex
	ch chan int
}

var global = make(chan int, 2)

func work(c chan<- int, wg *sync.WaitGroup) {
	defer wg.Done()
	c <- 1
}

func sink(int) {}

func main() {
	c0 := make(chan int, 2)
	c1 := make(chan int)
	cs := []chan int{c0, c1}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var n atomic.Int32
	arr := []int{0}
	b := &box{ch: make(chan int, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
`

const genPostlude = `	_, _, _, _, _, _, _, _ = c0, c1, cs, &mu, &wg, &n, b, arr
	_, _ = ctx, fmt.Sprint
	_ = time.Second
}
`

// Program turns data (fuzz bytes, or any bytes) into a small, type-correct
// concurrent Go program: the rewriter's fuzz corpus and the explorer's
// equivalence test share it.
func Program(data []byte) string {
	g := &progGen{data: data}
	g.b.WriteString(genPrelude)
	g.stmts("\t", 1<<20)
	g.b.WriteString(genPostlude)
	return g.b.String()
}
