// Command gen regenerates the scenarios' programs on the engine: run it from
// the scenarios directory (go generate does).
//
// It works in two passes: the first writes the programs, with capacities the
// source computes (len(data)) unknown; internal/capdefaults then runs the
// compiled programs to find them, and the second pass writes them into the
// registry, so the catalog never runs a program to learn its defaults.
// Last, internal/claimgen explores the programs to write what each can do
// (zz_claims.go).
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/concviz/concviz/scenarios/internal/claims"
	"github.com/concviz/concviz/scenarios/internal/generate"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	files, err := generate.Generate(os.DirFS("."), nil)
	if err != nil {
		return err
	}
	if err := os.RemoveAll("gen"); err != nil {
		return err
	}
	if err := write(files); err != nil {
		return err
	}
	cmd := exec.Command("go", "run", "./internal/capdefaults")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("compute capacity defaults: %w", err)
	}
	var caps generate.Caps
	if err := json.Unmarshal(out.Bytes(), &caps); err != nil {
		return fmt.Errorf("read capacity defaults: %w", err)
	}
	if files, err = generate.Generate(os.DirFS("."), caps); err != nil {
		return err
	}
	if err := write(files); err != nil {
		return err
	}
	// The claims explore the programs just written, as the catalog has them.
	cmd = exec.Command("go", "run", "./internal/claimgen")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("explore the claims: %w", err)
	}
	fmt.Printf("gen: wrote %d files and %s\n", len(files), claims.File)
	return nil
}

func write(files map[string][]byte) error {
	for name, src := range files {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(name, src, 0o644); err != nil {
			return err
		}
	}
	return nil
}
