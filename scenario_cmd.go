package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/scenarios"
	"github.com/concviz/concviz/server"
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
func runScenario(sc *scenarios.Scenario, in engine.RunInput, knobs knobFlags, out runOutput, timeout time.Duration, stdout, stderr io.Writer) int {
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
	if _, err := sc.RunConfig(in); err != nil {
		fmt.Fprintf(stderr, "concviz run: %v\n", err)
		return exitUsageErr
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "concviz: %v\n", err)
		return exitFailure
	}
	return runBinary(exe, in, out, timeout, stdout, stderr)
}

// scenarioMain is the body of the child "concviz run SCENARIO" starts: the
// scenario the spec names runs as a compiled program does (engine.Main),
// so both stream the same frames and print the same way.
func scenarioMain(specJSON string) int {
	engine.InstallLocal()
	return engine.MainResolve(specJSON, server.Resolve)
}

func knobNamed(sc *scenarios.Scenario, name string) (scenarios.Knob, bool) {
	for _, k := range sc.Knobs {
		if k.Name == name && k.Kind != scenarios.KnobCap {
			return k, true
		}
	}
	return scenarios.Knob{}, false
}
