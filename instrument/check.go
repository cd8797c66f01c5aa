package instrument

import (
	"fmt"
	"go/ast"
	"go/types"
	"strconv"
	"strings"
)

// The import allow-list. A program may use pure packages as they are, and the
// concurrency packages (sync, sync/atomic, time, context), output (fmt, the
// print builtins) and a few functions of os, runtime and net/http, which the
// rewriter maps onto the engine. Anything that reaches the outside world is
// refused before compiling.

// pure packages are used unchanged.
var purePkgs = map[string]bool{
	"bufio": true, "bytes": true, "cmp": true, "container/heap": true, "container/list": true,
	"container/ring": true, "crypto/md5": true, "crypto/sha1": true, "crypto/sha256": true,
	"crypto/sha512": true, "encoding/base64": true, "encoding/binary": true, "encoding/hex": true,
	"encoding/json": true, "errors": true, "flag": true, "hash": true, "hash/crc32": true,
	"hash/fnv": true, "html": true, "iter": true, "maps": true, "math": true, "math/big": true,
	"math/bits": true, "math/cmplx": true, "math/rand": true, "math/rand/v2": true, "net/url": true,
	"path": true, "regexp": true, "slices": true, "sort": true, "strconv": true, "strings": true,
	"text/tabwriter": true, "unicode": true, "unicode/utf16": true, "unicode/utf8": true,
	"io": true, "unique": true,
}

// restricted packages allow only the listed identifiers (nil: all but deny).
var restricted = map[string]struct {
	allow map[string]bool
	deny  map[string]string // identifier -> why
	what  string
}{
	"os":          {allow: set("Exit", "Args", "Stdout", "Stderr"), what: "only os.Exit, os.Args, os.Stdout and os.Stderr are available (no files, environment or processes)"},
	"runtime":     {allow: set("Gosched", "NumGoroutine", "GOMAXPROCS", "Goexit", "GC", "NumCPU", "GOOS", "GOARCH", "Version", "KeepAlive", "Error", "LockOSThread", "UnlockOSThread"), what: "only runtime.Gosched, NumGoroutine, GOMAXPROCS, Goexit, GC, NumCPU, GOOS, GOARCH and Version are available"},
	"net/http":    {allow: set("Get", "Response", "Header", "StatusText"), what: "only http.Get is available, on the engine's simulated internet"},
	"fmt":         {deny: map[string]string{"Scan": "reading standard input", "Scanf": "reading standard input", "Scanln": "reading standard input"}},
	"io":          {deny: map[string]string{"Pipe": "io.Pipe blocks outside the engine"}},
	"time":        {deny: map[string]string{"LoadLocation": "file I/O"}},
	"sync":        {allow: set("Mutex", "RWMutex", "WaitGroup", "Once", "Cond", "NewCond", "Locker", "OnceFunc", "OnceValue", "OnceValues", "Map", "Pool"), what: "this part of sync is not supported by the engine"},
	"sync/atomic": {allow: atomicAllowed(), what: "this part of sync/atomic is not supported by the engine (pointer and unsafe operations)"},
	"context": {allow: set("Context", "Background", "TODO", "WithCancel", "WithTimeout", "WithDeadline", "WithCancelCause",
		"WithTimeoutCause", "WithDeadlineCause", "WithValue", "WithoutCancel", "Cause", "Canceled", "DeadlineExceeded",
		"CancelFunc", "CancelCauseFunc"), what: "this part of context is not supported by the engine"},
}

// refused packages, with the reason shown to the user.
var refused = map[string]string{
	"os/exec":   "it runs other programs",
	"os/signal": "it receives signals from the operating system",
	"net":       "it reaches the network (only http.Get is simulated)",
	"syscall":   "it calls the operating system",
	"unsafe":    "it breaks the type system",
	"plugin":    "it loads code at run time",
	"reflect":   "reflection is not supported",
	"C":         "cgo is not supported",
	"io/ioutil": "it does file I/O",
	"io/fs":     "it does file I/O",
	"log":       "log writes real timestamps and exits behind the engine's back: use fmt.Println / fmt.Fprintln(os.Stderr, ...)",
	"testing":   "tests are not programs",
}

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

func atomicAllowed() map[string]bool {
	m := set("Int32", "Int64", "Uint32", "Uint64", "Uintptr", "Bool", "Value", "Pointer")
	for _, op := range []string{"Add", "Load", "Store", "Swap", "CompareAndSwap"} {
		for _, t := range []string{"Int32", "Int64", "Uint32", "Uint64", "Uintptr"} {
			m[op+t] = true
		}
	}
	return m
}

// checkImports refuses imports outside the allow-list, naming the import and
// its line.
func checkImports(p *program) error {
	for _, f := range p.files {
		for _, is := range f.Imports {
			path, err := strconv.Unquote(is.Path.Value)
			if err != nil {
				continue
			}
			pos := p.fset.Position(is.Pos())
			if why, ok := refused[path]; ok {
				return &Error{File: pos.Filename, Line: pos.Line, Col: pos.Column,
					Msg: fmt.Sprintf("import %q is not allowed: %s", path, why)}
			}
			if purePkgs[path] {
				continue
			}
			if _, ok := restricted[path]; ok {
				continue
			}
			why := "concviz runs programs that use the standard library's pure packages and its concurrency packages"
			if !strings.Contains(strings.SplitN(path, "/", 2)[0], ".") {
				switch {
				case strings.HasPrefix(path, "net/"), path == "net":
					why = "it reaches the network (only http.Get is simulated)"
				case strings.HasPrefix(path, "os/"), strings.HasPrefix(path, "path/filepath"):
					why = "it reaches the operating system or files"
				}
			} else {
				why = "only the standard library is available (no modules)"
			}
			return &Error{File: pos.Filename, Line: pos.Line, Col: pos.Column,
				Msg: fmt.Sprintf("import %q is not allowed: %s", path, why)}
		}
	}
	return nil
}

// calledOnly are package functions the rewriter maps as calls; using them as
// values is not supported.
var calledOnly = map[string]bool{
	"fmt.Println": true, "fmt.Printf": true, "fmt.Print": true,
	"time.Sleep": true, "time.Now": true, "time.Since": true, "time.Until": true, "time.After": true,
	"time.Tick": true, "time.NewTimer": true, "time.NewTicker": true, "time.AfterFunc": true,
	"context.Background": true, "context.TODO": true, "context.WithCancel": true, "context.WithTimeout": true,
	"context.WithDeadline": true, "context.WithCancelCause": true, "context.WithTimeoutCause": true,
	"context.WithDeadlineCause": true, "context.WithValue": true, "context.WithoutCancel": true, "context.Cause": true,
	"sync.NewCond": true, "sync.OnceFunc": true, "sync.OnceValue": true, "sync.OnceValues": true,
	"net/http.Get": true, "os.Exit": true,
	"runtime.Gosched": true, "runtime.NumGoroutine": true, "runtime.GOMAXPROCS": true, "runtime.Goexit": true,
}

// checkUses refuses identifiers of restricted packages outside their
// allow-list, and mapped functions used as values.
func checkUses(p *program) error {
	var first error
	for _, f := range p.files {
		parents := map[ast.Node]ast.Node{}
		var stack []ast.Node
		ast.Inspect(f, func(n ast.Node) bool {
			if first != nil {
				return false
			}
			if n == nil {
				stack = stack[:len(stack)-1]
				return true
			}
			if len(stack) > 0 {
				parents[n] = stack[len(stack)-1]
			}
			stack = append(stack, n)
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			id, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			pn, ok := p.info.Uses[id].(*types.PkgName)
			if !ok {
				return true
			}
			path := pn.Imported().Path()
			name := sel.Sel.Name
			pos := p.fset.Position(sel.Pos())
			if r, ok := restricted[path]; ok {
				if why, bad := r.deny[name]; bad {
					first = &Error{File: pos.Filename, Line: pos.Line, Col: pos.Column,
						Msg: fmt.Sprintf("%s.%s is not allowed: %s", pn.Name(), name, why)}
					return false
				}
				if r.allow != nil && !r.allow[name] && !(path == "net/http" && (strings.HasPrefix(name, "Status") || strings.HasPrefix(name, "Method"))) {
					first = &Error{File: pos.Filename, Line: pos.Line, Col: pos.Column,
						Msg: fmt.Sprintf("%s.%s is not allowed: %s", pn.Name(), name, r.what)}
					return false
				}
			}
			key := path + "." + name
			if key == "os.Stdout" || key == "os.Stderr" {
				if outer, ok := parents[sel].(*ast.SelectorExpr); ok && outer.X == sel && outer.Sel.Name != "Write" {
					first = &Error{File: pos.Filename, Line: pos.Line, Col: pos.Column,
						Msg: fmt.Sprintf("%s.%s.%s is not supported: write with fmt.Fprint(%s.%s, ...)", pn.Name(), name, outer.Sel.Name, pn.Name(), name)}
					return false
				}
			}
			if calledOnly[key] || (path == "sync/atomic" && !isAtomicType(name)) {
				call, ok := parents[sel].(*ast.CallExpr)
				if !ok || call.Fun != sel {
					first = &Error{File: pos.Filename, Line: pos.Line, Col: pos.Column,
						Msg: fmt.Sprintf("%s.%s used as a value is not supported: call it inside a func literal", pn.Name(), name)}
					return false
				}
			}
			return true
		})
		if first != nil {
			return first
		}
	}
	return nil
}

func isAtomicType(name string) bool {
	switch name {
	case "Int32", "Int64", "Uint32", "Uint64", "Uintptr", "Bool", "Value", "Pointer":
		return true
	}
	return false
}
