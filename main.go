// Command concviz is a browser-based visualizer for Go concurrency.
//
// It runs the programs of the Go concurrency guide on a deterministic runtime
// and lets a person watch, step through and change their goroutines, channels,
// locks and WaitGroups in the browser. See README.md for the layout.
//
// Usage:
//
//	concviz [command]
//
// The commands are serve (the default), run, explore, open, scenarios and help.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/server"
)

// Exit codes returned by cli.
const (
	exitOK       = 0 // the command succeeded
	exitFailure  = 1 // the command ran and failed
	exitUsageErr = 2 // the command line could not be understood
)

// usage is the help text printed by "concviz help" and after a usage error.
const usage = `usage: concviz [command] [arguments]

commands:
  serve       start the visualizer on http://127.0.0.1:8080 (the default)
  run         run a Go program (FILE.go or DIR) or a built-in scenario on the
              engine, as go run would:
              ` + runUsage + `
  explore     run a program (FILE.go or DIR) or a built-in scenario under every
              schedule within a preemption bound and list its outcomes:
              ` + exploreUsage + `
  open        build a program on the server (started if none listens) and
              open the browser on it; concviz FILE.go is the same:
              ` + openUsage + `
  scenarios   list the built-in scenarios
  help        print this help
`

// commands maps each subcommand name to its handler. A handler receives the
// arguments after the subcommand name and returns the process exit code.
var commands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"serve":     serveCmd,
	"run":       runCmd,
	"explore":   exploreCmd,
	"open":      openCmd,
	"scenarios": scenariosCmd,
	"help":      help,
}

// main runs the command line and exits with its code.
func main() {
	if os.Getenv(server.ChildEnv) != "" {
		// The server re-executed this binary to run one program.
		os.Exit(server.ChildMain(os.Stdin, os.Stdout, server.Resolve))
	}
	if spec, ok := os.LookupEnv(engine.SpecEnv); ok {
		// "concviz run SCENARIO" re-executed this binary to run a catalog
		// scenario as it runs a compiled program.
		os.Exit(scenarioMain(spec))
	}
	os.Exit(cli(os.Args[1:], os.Stdout, os.Stderr))
}

// cli dispatches args (the command line without the program name) to a
// subcommand and returns the exit code: 0 on success, 1 when the command
// failed, 2 on a usage error. With no arguments, or flags only, it runs serve.
func cli(args []string, stdout, stderr io.Writer) int {
	name := "serve"
	switch {
	case len(args) == 0:
	case args[0] == "-h" || args[0] == "-help" || args[0] == "--help":
		name, args = "help", args[1:]
	case strings.HasPrefix(args[0], "-"):
		// Flags alone are serve's: `concviz -addr :8080`.
	case strings.HasSuffix(args[0], ".go"):
		name = "open" // `concviz prog.go`
	default:
		name, args = args[0], args[1:]
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "concviz: unknown command %q\n\n%s", name, usage)
		return exitUsageErr
	}
	return cmd(args, stdout, stderr)
}

// help prints the usage text to stdout.
func help(_ []string, stdout, _ io.Writer) int {
	fmt.Fprint(stdout, usage)
	return exitOK
}
