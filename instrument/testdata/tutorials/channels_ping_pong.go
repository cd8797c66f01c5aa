// compare: check=ping-pong
// category: channels
//
// Two players hit a ball back and forth over one channel; main takes the
// ball away after a while. Who serves first and how many hits fit in the
// time depend on scheduling; the players always alternate.
package main

import (
	"fmt"
	"time"
)

type Ball struct{ hits int }

func player(name string, table chan *Ball) {
	for {
		ball := <-table
		ball.hits++
		fmt.Println(name, ball.hits)
		time.Sleep(10 * time.Millisecond)
		table <- ball
	}
}

func main() {
	table := make(chan *Ball)
	go player("ping", table)
	go player("pong", table)
	table <- new(Ball)
	time.Sleep(55 * time.Millisecond)
	ball := <-table
	fmt.Println("final hits:", ball.hits)
}
