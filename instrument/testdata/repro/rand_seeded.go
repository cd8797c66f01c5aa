// compare: check=rand-range
// seed-stable: yes
// category: issue 16 point 6
//
// The top-level math/rand and math/rand/v2 functions: any values in range
// under Go; under concviz the same seed must give the same values. A source
// with an explicit seed gives exactly Go's sequence.
package main

import (
	"fmt"
	"math/rand"
	randv2 "math/rand/v2"
)

func main() {
	fmt.Println(rand.Intn(100), rand.Intn(100), rand.Float64() < 1)
	fmt.Println(randv2.IntN(1000), randv2.N(50))
	perm := rand.Perm(5)
	fmt.Println(len(perm))
	r := rand.New(rand.NewSource(42))
	fmt.Println("seeded:", r.Intn(100), r.Intn(100), r.Intn(100))
	r2 := randv2.New(randv2.NewPCG(1, 2))
	fmt.Println("pcg:", r2.IntN(100), r2.IntN(100))
}
