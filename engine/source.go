package engine

import "embed"

// Source is the engine's own source code, embedded so that a concviz binary
// can compile a pasted program against it offline, without a published
// module. It holds every .go file of the package; builders skip _test.go.
//
//go:embed *.go
var Source embed.FS
