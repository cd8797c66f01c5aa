// A multi-value call as the print functions' sole argument: Go spreads it
// into their parameters, the engine's versions take a position first.
package main

import (
	"fmt"
	"os"
)

var g = 3

func two() (string, int)          { return "v=%d\n", g }
func three() (int, error, string) { return g, nil, "x" }

func one() (r int, err error) {
	defer func() { r *= 2 }()
	return 6, nil
}

func main() {
	go func() { _ = g }()
	fmt.Printf(two())
	fmt.Println(one())
	fmt.Println(three())
	fmt.Print(three())
	fmt.Println()
	fmt.Fprintln(os.Stdout, "a")
	n, err := fmt.Println(three())
	fmt.Println(n, err)
}
