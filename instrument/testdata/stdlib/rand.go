// Top-level math/rand and math/rand/v2 functions follow the run's seed; a
// program's own generators give Go's exact sequence.
package main

import (
	"fmt"
	"math/rand"
	randv2 "math/rand/v2"
	"sync"
	"time"
)

func main() {
	r := rand.New(rand.NewSource(42))
	fmt.Println("fixed v1", r.Intn(100), r.Intn(100), r.Float64(), r.Perm(5))
	r2 := randv2.New(randv2.NewPCG(1, 2))
	fmt.Println("fixed v2", r2.IntN(100), r2.Uint64(), randv2.New(randv2.NewChaCha8([32]byte{})).IntN(1000))

	var mu sync.Mutex
	var drawn []int
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(rand.Intn(10)) * time.Millisecond)
			mu.Lock()
			drawn = append(drawn, randv2.IntN(1000))
			mu.Unlock()
		}()
	}
	wg.Wait()
	intn := rand.Intn
	s := []string{"a", "b", "c", "d", "e"}
	randv2.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	fmt.Println("seeded", drawn, intn(1000), rand.Int63(), randv2.N(time.Hour), randv2.N[int8](100), rand.Perm(4), s)
}
