package engine

import "embed"

// Source is the engine's own source code, embedded so that a concviz binary
// can compile a pasted program against it offline, without a published
// module. It holds every .go and assembly (.s) file of the package; builders
// skip _test.go, and the go command picks each file's architecture.
//
//go:embed *.go *.s
var Source embed.FS
