package instrument

import (
	"math/rand"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRewriteMutations is a cheap, deterministic complement to FuzzRewrite:
// mutated copies of the test programs never panic or hang the rewriter, and
// whatever it accepts type-checks.
func TestRewriteMutations(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	rng := rand.New(rand.NewSource(2))
	paths, _ := filepath.Glob("testdata/*/*.go")
	var seeds [][]byte
	for _, p := range paths {
		b, _ := os.ReadFile(p)
		seeds = append(seeds, b)
	}
	// Warm the importer: a package's first import reads export data, which
	// under load takes longer than the hang timeout below.
	for _, s := range seeds {
		Rewrite([]File{{Name: "fuzz.go", Src: s}}, Options{})
	}
	for i := 0; i < n; i++ {
		b := append([]byte(nil), seeds[rng.Intn(len(seeds))]...)
		for k := 0; k < 1+rng.Intn(4); k++ {
			j := rng.Intn(len(b))
			switch rng.Intn(3) {
			case 0:
				b[j] = byte(rng.Intn(128))
			case 1:
				b = append(b[:j], b[j+1:]...)
			case 2:
				k2 := rng.Intn(len(b))
				b = append(b[:j], append([]byte(string(b[k2:min(len(b), k2+8)])), b[j:]...)...)
			}
		}
		done := make(chan struct{})
		start := time.Now()
		go func() {
			defer close(done)
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("panic %v\n%s", r, b)
				}
			}()
			res, err := Rewrite([]File{{Name: "fuzz.go", Src: b}}, Options{})
			if err == nil {
				if err := typecheckResult(res); err != nil {
					t.Errorf("accepted but fails: %v\n%s\n----\n%s", err, b, res.Files[0].Src)
				}
			}
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("hang after %v:\n%s", time.Since(start), b)
		}
		if t.Failed() {
			return
		}
	}
}
