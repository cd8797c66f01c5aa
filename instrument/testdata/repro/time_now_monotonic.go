// compare: check=monotonic
// category: issue 16 point 3
//
// time.Now prints its monotonic clock reading after the wall time; Round(0)
// strips it.
package main

import (
	"fmt"
	"time"
)

func main() {
	now := time.Now()
	fmt.Println(now)
	fmt.Println(now.Round(0))
	time.Sleep(10 * time.Millisecond)
	fmt.Println(time.Since(now) >= 10*time.Millisecond)
}
