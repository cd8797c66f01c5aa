// Command vocabgen writes static/vocab.js, the page's copy of the names and
// numbers declared in Go (server.VocabJS). `go generate ./server/` runs it.
package main

import (
	"fmt"
	"os"

	"github.com/concviz/concviz/server"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: vocabgen OUT.js")
		os.Exit(2)
	}
	js, err := server.VocabJS()
	if err == nil {
		err = os.WriteFile(os.Args[1], js, 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "vocabgen: %v\n", err)
		os.Exit(1)
	}
}
