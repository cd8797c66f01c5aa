package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestCLI checks the dispatcher's exit codes and where each message goes.
func TestCLI(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string // substring of stdout; "" means stdout must be empty
		wantStderr string // substring of stderr; "" means stderr must be empty
	}{
		{name: "no arguments runs serve", args: nil, wantCode: 1, wantStderr: "concviz: serve is not implemented yet"},
		{name: "serve", args: []string{"serve"}, wantCode: 1, wantStderr: "concviz: serve is not implemented yet"},
		{name: "run", args: []string{"run", "workerpool"}, wantCode: 1, wantStderr: "concviz: run is not implemented yet"},
		{name: "scenarios", args: []string{"scenarios"}, wantCode: 1, wantStderr: "concviz: scenarios is not implemented yet"},
		{name: "help", args: []string{"help"}, wantCode: 0, wantStdout: "usage: concviz"},
		{name: "-h", args: []string{"-h"}, wantCode: 0, wantStdout: "usage: concviz"},
		{name: "--help", args: []string{"--help"}, wantCode: 0, wantStdout: "usage: concviz"},
		{name: "unknown command", args: []string{"frobnicate"}, wantCode: 2, wantStderr: `concviz: unknown command "frobnicate"`},
		{name: "unknown command shows usage", args: []string{"frobnicate"}, wantCode: 2, wantStderr: "usage: concviz"},
		{name: "unknown flag", args: []string{"-x"}, wantCode: 2, wantStderr: `unknown command "-x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := cli(tt.args, &stdout, &stderr)
			assert.Equal(t, tt.wantCode, code)
			if tt.wantStdout == "" {
				assert.Empty(t, stdout.String())
			} else {
				assert.Contains(t, stdout.String(), tt.wantStdout)
			}
			if tt.wantStderr == "" {
				assert.Empty(t, stderr.String())
			} else {
				assert.Contains(t, stderr.String(), tt.wantStderr)
			}
		})
	}
}

// TestUsageListsEveryCommand keeps the help text in step with the dispatcher.
func TestUsageListsEveryCommand(t *testing.T) {
	for name := range commands {
		assert.Contains(t, usage, "  "+name+" ", "usage does not list %q", name)
	}
}
