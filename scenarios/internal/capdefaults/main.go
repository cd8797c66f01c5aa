// Command capdefaults prints, as JSON, the channel capacities each compiled
// scenario computes with its defaults (generate.Caps). go generate runs it
// between its two passes: it needs the programs the first pass wrote.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/concviz/concviz/scenarios"
	"github.com/concviz/concviz/scenarios/internal/generate"
)

func main() {
	caps := generate.Caps{}
	for _, s := range scenarios.All() {
		caps[s.ID] = generate.ComputedCaps(s.Program, s.Internet)
	}
	if err := json.NewEncoder(os.Stdout).Encode(caps); err != nil {
		fmt.Fprintf(os.Stderr, "capdefaults: %v\n", err)
		os.Exit(1)
	}
}
