// Command gen regenerates the scenarios' programs on the engine: run it from
// the scenarios directory (go generate does).
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/concviz/concviz/scenarios/internal/generate"
)

func main() {
	files, err := generate.Generate(os.DirFS("."))
	if err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
	if err := os.RemoveAll("gen"); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
	for name, src := range files {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			fmt.Fprintf(os.Stderr, "gen: %v\n", err)
			os.Exit(1)
		}
		if err := os.WriteFile(name, src, 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "gen: %v\n", err)
			os.Exit(1)
		}
	}
	fmt.Printf("gen: wrote %d files\n", len(files))
}
