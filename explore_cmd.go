package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/explore"
)

// exploreUsage is the synopsis of "concviz explore", shown by help and
// after a usage error.
const exploreUsage = `explore FILE.go|DIR|SCENARIO [--preemptions K] [--max-schedules N]
                  [--timeout D] [--pct-depth D] [--workers N] [--json]`

// exploreFlags declares the flags of "concviz explore".
type exploreFlags struct {
	fs           *flag.FlagSet
	preemptions  *int
	maxSchedules *int
	timeout      *time.Duration
	pctDepth     *int
	workers      *int
	json         *bool
}

func newExploreFlags() *exploreFlags {
	fs := flag.NewFlagSet("explore", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return &exploreFlags{
		fs:           fs,
		preemptions:  fs.Int("preemptions", explore.DefaultPreemptions, "the preemption bound: schedules with at most K forced switches"),
		maxSchedules: fs.Int("max-schedules", explore.DefaultMaxSchedules, "stop after this many runs (PCT: runs this many)"),
		timeout:      fs.Duration("timeout", time.Minute, "stop the search after this much wall-clock time"),
		pctDepth:     fs.Int("pct-depth", 0, "run random PCT schedules of this depth instead of the bounded search"),
		workers:      fs.Int("workers", runtime.NumCPU(), "child processes running schedules in parallel"),
		json:         fs.Bool("json", false, "print the result as one JSON object"),
	}
}

// exploreCmd is "concviz explore": every schedule of a program (a file, a
// directory or a catalog scenario) within a preemption bound, grouped by
// outcome. The exit status is 1 when some schedule fails (a deadlock, a
// panic, a leak, a non-zero exit or a limit), 0 when none does.
func exploreCmd(args []string, stdout, stderr io.Writer) int {
	f := newExploreFlags()
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "concviz explore: "+format+"\n", a...)
		return exitUsageErr
	}
	var positional []string
	for {
		if err := f.fs.Parse(args); err != nil {
			return usageErr("%v", err)
		}
		if args = f.fs.Args(); len(args) == 0 {
			break
		}
		positional, args = append(positional, args[0]), args[1:]
	}
	switch {
	case len(positional) != 1:
		return usageErr("want one program, got %d arguments (usage: concviz %s)", len(positional), strings.Join(strings.Fields(exploreUsage), " "))
	case *f.preemptions < 0:
		return usageErr("--preemptions %d: it must be 0 or more", *f.preemptions)
	case *f.maxSchedules <= 0:
		return usageErr("--max-schedules %d: it must be positive", *f.maxSchedules)
	case *f.timeout <= 0:
		return usageErr("--timeout %v: it must be positive", *f.timeout)
	case *f.pctDepth < 0:
		return usageErr("--pct-depth %d: it must be 0 (the bounded search) or more", *f.pctDepth)
	case *f.workers <= 0:
		return usageErr("--workers %d: it must be positive", *f.workers)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *f.timeout)
	defer cancel()
	in := engine.RunInput{Program: positional[0], Policy: engine.PolicyGo.String()}
	var path, scenario string
	if sc, ok := lookupScenario(in.Program); ok {
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintf(stderr, "concviz: %v\n", err)
			return exitFailure
		}
		path, scenario, in.Program = exe, sc.ID, sc.ID
	} else {
		bin, err := buildProgram(ctx, in.Program)
		if err != nil {
			fmt.Fprintf(stderr, "concviz: %s\n", oneLine(err))
			return exitFailure
		}
		path = bin.Path
	}
	env, err := explore.Env(in)
	if err != nil {
		fmt.Fprintf(stderr, "concviz: %v\n", err)
		return exitFailure
	}
	runners, closeAll, err := explore.Children(*f.workers, func() *exec.Cmd {
		cmd := exec.Command(path)
		cmd.Env = env
		return cmd
	})
	if err != nil {
		fmt.Fprintf(stderr, "concviz: %v\n", err)
		return exitFailure
	}
	opts := explore.Options{Preemptions: *f.preemptions, MaxSchedules: *f.maxSchedules, PCTDepth: *f.pctDepth}
	if *f.pctDepth > 0 && !flagSet(f.fs, "max-schedules") {
		opts.MaxSchedules = explore.DefaultPCTRuns
	}
	res, err := explore.Explore(ctx, runners, opts)
	if cerr := closeAll(); err == nil && ctx.Err() == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(stderr, "concviz explore: %s\n", oneLine(err))
		return exitFailure
	}
	if scenario != "" {
		res.SetLinks(scenario, in.Seed)
	}
	if *f.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(res)
	} else {
		writeOutcomes(stdout, positional[0], res)
	}
	if res.Failed() {
		return exitFailure
	}
	return exitOK
}

// flagSet reports whether the command line set the flag name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// writeOutcomes prints a search's result as a table: one row per outcome,
// then its message and how to replay its shortest schedule.
func writeOutcomes(w io.Writer, program string, r *explore.Result) {
	complete := "complete"
	if !r.Complete {
		complete = "incomplete"
		if r.Stopped != "" {
			complete += " (" + r.Stopped + ")"
		}
	}
	bound := fmt.Sprintf("preemption bound %d", r.Bound)
	if r.Mode == explore.ModePCT {
		bound = fmt.Sprintf("depth %d", r.Bound)
	}
	fmt.Fprintf(w, "%s: %d outcome%s in %d schedules (%s, %s, %s; %d runs in %.2fs)\n\n", program, len(r.Outcomes), plural(len(r.Outcomes)),
		r.Schedules, r.Mode, bound, complete, r.Runs, r.Elapsed.Seconds())
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "#\toutcome\tschedules\tpreemptions\t\tstdout")
	for i, o := range r.Outcomes {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t\t%s\n", i+1, o.Outcome, o.Schedules, o.Preemptions, clipText(o.Stdout))
	}
	tw.Flush()
	for i, o := range r.Outcomes {
		fmt.Fprintf(w, "\n%d. %s", i+1, o.Outcome)
		if o.Message != "" {
			fmt.Fprintf(w, ": %s", o.Message)
		}
		fmt.Fprintln(w)
		switch {
		case o.Link != "":
			fmt.Fprintf(w, "   replay: %s\n", o.Link)
		case len(o.Schedule) > 0:
			fmt.Fprintf(w, "   replay: --policy go with interventions %s\n", engine.JoinInterventions(o.Schedule))
		default:
			fmt.Fprintln(w, "   replay: --policy go")
		}
	}
}

// clipText shows a program's output on one line, clipped.
func clipText(s string) string {
	const most = 160
	q := strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", " ⏎ ")
	if q == "" {
		return "(nothing)"
	}
	if r := []rune(q); len(r) > most {
		return string(r[:most-1]) + "…"
	}
	return q
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
