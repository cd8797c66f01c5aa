package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/scenarios"
)

// scenariosCmd lists the catalog: id, guide section, title and knobs.
func scenariosCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "concviz scenarios: unexpected argument %q\n", args[0])
		return exitUsageErr
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tGUIDE\tTITLE\tKNOBS")
	for _, s := range scenarios.All() {
		var knobs []string
		for _, k := range s.Knobs {
			prefix := ""
			if k.Kind == scenarios.KnobCap {
				prefix = "cap "
			}
			knobs = append(knobs, fmt.Sprintf("%s%s=%s (%s..%s)", prefix, k.Name, k.Format(k.Default), k.Format(k.Min), k.Format(k.Max)))
		}
		section := s.Section
		if section == "" {
			section = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.ID, section, s.Title, strings.Join(knobs, ", "))
	}
	tw.Flush()
	return exitOK
}

// scenarioRun is a run of a built-in scenario from the command line.
type scenarioRun struct {
	seed   uint64
	policy string
	caps   capFlags
	knobs  knobFlags
	events string
	json   bool
	leaks  bool
}

// runScenario runs a built-in scenario in this process (it is compiled in:
// no Go toolchain needed), with the same output contract as running a file.
func runScenario(sc *scenarios.Scenario, r scenarioRun, stdout, stderr io.Writer) int {
	knobs := map[string]int64{}
	for name, val := range r.knobs {
		k, ok := knobNamed(sc, name)
		if !ok {
			fmt.Fprintf(stderr, "concviz run: --knob %s: %s has no knob named %q\n", name, sc.ID, name)
			return exitUsageErr
		}
		n, err := strconv.ParseInt(val, 0, 64)
		if err != nil && (k.Kind == scenarios.KnobDuration || k.Kind == scenarios.KnobLatency) {
			var d time.Duration
			d, err = time.ParseDuration(val)
			n = int64(d)
		}
		if err != nil {
			fmt.Fprintf(stderr, "concviz run: --knob %s: %q is not a valid %s\n", name, val, k.Kind)
			return exitUsageErr
		}
		knobs[name] = n
	}
	cfg, err := sc.Config(scenarios.Settings{Knobs: knobs, Caps: r.caps})
	if err != nil {
		fmt.Fprintf(stderr, "concviz run: %v\n", err)
		return exitUsageErr
	}
	cfg.Seed = r.seed
	cfg.Policy, _ = engine.ParsePolicy(r.policy)
	cfg.Stdout, cfg.Stderr = stdout, stderr
	res := engine.Run(sc.Program, cfg)
	if r.leaks && res.Outcome.Kind == engine.OutcomeLeak {
		fmt.Fprint(stderr, res.Outcome.Report)
	}
	switch r.events {
	case "":
	case "-":
		res.Log.WriteJSONL(stdout, sc.Program.Sites)
	default:
		f, err := os.Create(r.events)
		if err != nil {
			fmt.Fprintf(stderr, "concviz: write events: %v\n", err)
			return exitFailure
		}
		err = res.Log.WriteJSONL(f, sc.Program.Sites)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			fmt.Fprintf(stderr, "concviz: write events: %v\n", err)
			return exitFailure
		}
	}
	if r.json {
		json.NewEncoder(stdout).Encode(res.Record(sc.Program.Sites))
	}
	return res.Outcome.ExitCode
}

func knobNamed(sc *scenarios.Scenario, name string) (scenarios.Knob, bool) {
	for _, k := range sc.Knobs {
		if k.Name == name && k.Kind != scenarios.KnobCap {
			return k, true
		}
	}
	return scenarios.Knob{}, false
}
