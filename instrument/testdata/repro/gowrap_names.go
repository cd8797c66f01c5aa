// compare: check=deadlock-frames
// category: issue 16 point 8
//
// Goroutines started through a function variable and a method value are
// named after the function they run in Go's deadlock report.
package main

type server struct{ ch chan int }

func (s *server) serve() { <-s.ch }

func worker(ch chan int) { <-ch }

func main() {
	ch := make(chan int)
	f := worker
	go f(ch)
	s := &server{ch: ch}
	g := s.serve
	go g()
	select {}
}
