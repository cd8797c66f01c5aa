package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

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

// runScenario runs a built-in scenario in this process (it is compiled in:
// no Go toolchain needed), with the same output contract as running a file.
func runScenario(sc *scenarios.Scenario, in engine.RunInput, knobs knobFlags, out runOutput, stdout, stderr io.Writer) int {
	in.Program = sc.ID
	for name, val := range knobs {
		k, ok := knobNamed(sc, name)
		if !ok {
			fmt.Fprintf(stderr, "concviz run: --knob %s: %s has no knob named %q\n", name, sc.ID, name)
			return exitUsageErr
		}
		n, err := parseKnob(val, k.Kind == scenarios.KnobDuration || k.Kind == scenarios.KnobLatency)
		if err != nil {
			fmt.Fprintf(stderr, "concviz run: --knob %s: %q is not a valid %s\n", name, val, k.Kind)
			return exitUsageErr
		}
		if in.Knobs == nil {
			in.Knobs = map[string]int64{}
		}
		in.Knobs[name] = n
	}
	cfg, err := sc.RunConfig(in)
	if err != nil {
		fmt.Fprintf(stderr, "concviz run: %v\n", err)
		return exitUsageErr
	}
	cfg.Stdout, cfg.Stderr = stdout, stderr
	res := engine.Run(sc.Program, cfg)
	if out.leaks && res.Outcome.Kind == engine.OutcomeLeak {
		fmt.Fprint(stderr, res.Outcome.Report)
	}
	if c := writeRun(res.Log, sc.Program.Sites, res.Record(sc.Program.Sites), out, stdout, stderr); c != exitOK {
		return c
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
