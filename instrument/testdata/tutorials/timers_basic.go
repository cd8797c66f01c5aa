// compare: exact
// category: timers
//
// A timer fires once; another is stopped before it fires; Reset rearms one.
package main

import (
	"fmt"
	"time"
)

func main() {
	timer1 := time.NewTimer(20 * time.Millisecond)
	<-timer1.C
	fmt.Println("timer 1 fired")

	timer2 := time.NewTimer(50 * time.Millisecond)
	stopped := timer2.Stop()
	fmt.Println("timer 2 stopped:", stopped)
	select {
	case <-timer2.C:
		fmt.Println("timer 2 fired")
	case <-time.After(60 * time.Millisecond):
		fmt.Println("timer 2 never fired")
	}

	fmt.Println("stop after firing:", timer1.Stop())
	fmt.Println("reset of a fired timer:", timer1.Reset(10*time.Millisecond))
	<-timer1.C
	fmt.Println("timer 1 fired again")
}
