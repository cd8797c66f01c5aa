// Command claimgen explores every compiled scenario with its defaults (see
// package claims) and writes the claims file, zz_claims.go, in the current
// directory. go generate runs it last: it needs the programs and the
// registry the passes before wrote.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/scenarios"
	"github.com/concviz/concviz/scenarios/internal/claims"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "claimgen: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	engine.InstallLocal()
	out := map[string]string{}
	for _, s := range scenarios.All() {
		start := time.Now()
		cfg, err := s.RunConfig(claims.Input(s.ID))
		if err != nil {
			return fmt.Errorf("%s: %w", s.ID, err)
		}
		res, err := claims.Explore(s.Program, cfg)
		if err != nil {
			return fmt.Errorf("%s: %w", s.ID, err)
		}
		out[s.ID] = claims.Text(res)
		fmt.Fprintf(os.Stderr, "claimgen: %s: %d runs, complete %v, %.1fs: %s\n", s.ID, res.Runs, res.Complete, time.Since(start).Seconds(), out[s.ID])
	}
	src, err := claims.Source(out)
	if err != nil {
		return err
	}
	return os.WriteFile(claims.File, src, 0o644)
}
