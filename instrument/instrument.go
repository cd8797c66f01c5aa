// Package instrument rewrites an ordinary Go program (package main, one file
// or a directory) so that it runs on concviz's deterministic engine: every
// goroutine start, channel operation, select, lock, WaitGroup call, sleep,
// timer, context cancellation and print goes through package engine, with a
// position that points at the ORIGINAL source.
//
// The rewritten files keep the original line structure: each file starts with
// a //line directive naming the original file, and every rewritten construct
// is rendered on the lines the original occupied, so compile errors and
// runtime stack traces show the original file and line. Generated
// declarations (the site table, the init function, the entry point) live in
// an extra file.
//
// Shared memory. Accesses more than one goroutine can reach become engine
// operations (engine.Read, Write, Update, MapRead, MapRead2, MapAll,
// MapWrite, MapUpdate, MapDelete; shared.go decides, access.go rewrites):
//   - A variable is shared if it is package-level, captured by a function
//     literal, or has its address taken (&v, a pointer-method call on v,
//     slicing an array v), and it is written after its declaration
//     (assignment, ++, op=, range with =, address taken): a variable written
//     only by its declaration cannot race. Variables declared in a for clause
//     are per iteration: the post statement is not a write, and their uses in
//     the clause stay plain. A field or element of a shared struct or array
//     variable is an access at its own address (&v.f, &a[i]).
//   - Indirect accesses (*p, x.f through a pointer, s[i] of a slice or a
//     pointer to an array, each element a range over them reads; a range
//     over an array reads it once, as Go copies it) and every map operation (m[k], v, ok := m[k],
//     stores, op=, ++, delete, len, range, clear) are operations, unless the
//     pointer, slice or map is a local variable whose value never leaves its
//     function: not captured, address not taken, only indexed, selected,
//     dereferenced, len'd, ranged over, deleted from or appended to itself,
//     and assigned only make, new, a composite literal or &T{}.
//   - Only value reads and stores count: an operand used for its address (a
//     pointer method's receiver, &x, c.mu in c.mu.Lock()) is not read, nor is
//     an array whose length alone is used. x++, x--, x op= y are
//     engine.Update (a read, a scheduling point, a write: an update can be
//     lost); y is evaluated before x is read when it calls a function, as gc
//     does. Multi-assignments evaluate the left side's operands and every
//     right side before the stores, in Go's order.
//   - Every loop body and function body starts with engine.Compute, the
//     back edge or call where a busy goroutine may be preempted.
//
// Limits: values the engine represents as its own objects (channels, sync
// and sync/atomic values, timers, contexts, functions, and structs or arrays
// holding them) are not instrumented; nor are accesses in generic code
// through a type parameter, the elements copy and append read and write,
// the elements a range with = reads, and package-level
// initialisers Go runs before the run. Where an assignment needs a type the
// rewrite cannot write down, it stays plain.
//
// Rewrite refuses programs that reach the outside world (see the allow-list
// in check.go) before anything is compiled. Build compiles a rewritten
// program with the local go toolchain against the engine source embedded in
// the binary (engine.Source), offline, caching by content.
package instrument

import (
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/concviz/concviz/engine"
)

// EnginePath is the import path of the engine package in rewritten code.
const EnginePath = "github.com/concviz/concviz/engine"

// GenFile is the name of the generated file holding the site table, the
// moved package initialisers and the entry point.
const GenFile = "zz_concviz_gen.go"

// File is one source file of a program.
type File struct {
	Name string // file name as positions should show it (e.g. an absolute path, or "main.go")
	Src  []byte
}

// Options control a rewrite.
type Options struct {
	// Name is the program's name for messages (engine.Program.Name).
	Name string
	// Library, if set, produces a package named Package exposing
	// `var Program = engine.Program{...}` instead of a runnable package main.
	Library bool
	// Package is the package name of a library rewrite (default "program").
	Package string
}

// Knob is a make(chan ...) site: its capacity can be overridden at the start
// of a run through engine.Config.Caps[Name] and changed mid-run.
type Knob struct {
	Name    string `json:"name"`    // the variable or field the channel is assigned to, else "file.go:LINE"
	Default string `json:"default"` // the capacity expression as written ("0" when absent)
	File    string `json:"file"`
	Line    int    `json:"line"`
}

// Result is a rewritten program.
type Result struct {
	Files      []File        // the rewritten files plus GenFile, ready to compile as one package
	Knobs      []Knob        // every make(chan) site, in source order
	ConstKnobs []ConstKnob   // constants marked "// knob: LO..HI", in source order
	Sites      []engine.Site // the site table compiled into the program
	Inputs     []string      // the original file names
}

// KnobNames returns the distinct knob names, sorted.
func (r *Result) KnobNames() []string { return KnobNames(r.Knobs) }

// KnobNames returns the distinct names of knobs, sorted: several make sites
// may share a name, and one override sets them all.
func KnobNames(knobs []Knob) []string {
	seen := map[string]bool{}
	var names []string
	for _, k := range knobs {
		if !seen[k.Name] {
			seen[k.Name] = true
			names = append(names, k.Name)
		}
	}
	sort.Strings(names)
	return names
}

// Error is a problem with the input program, at a position of the original
// source.
type Error struct {
	File string
	Line int
	Col  int
	Msg  string
	More int // further errors not shown
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
			if e.Col > 0 {
				fmt.Fprintf(&b, ":%d", e.Col)
			}
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.More > 0 {
		fmt.Fprintf(&b, " (and %d more error%s)", e.More, plural(e.More))
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// ReadProgram reads a program from path as go run reads it: a .go file is
// compiled whatever its build constraints say, a directory's files are those
// go build would choose (build constraints, _GOOS/_GOARCH file names, no
// _test.go files). File names are made absolute, as go run shows them in
// stack traces.
func ReadProgram(path string) ([]File, error) {
	st, err := os.Stat(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	var names []string
	if st.IsDir() {
		names, err = dirFiles(path)
		if err != nil {
			return nil, err
		}
	} else {
		if !strings.HasSuffix(path, ".go") {
			return nil, fmt.Errorf("%s: not a .go file or a directory", path)
		}
		if strings.HasSuffix(path, "_test.go") {
			return nil, fmt.Errorf("cannot run *_test.go files (%s)", path)
		}
		if b := filepath.Base(path); strings.HasPrefix(b, "_") || strings.HasPrefix(b, ".") {
			// go build ignores such files even when they are named.
			abs, _ := filepath.Abs(filepath.Dir(path))
			return nil, fmt.Errorf("package command-line-arguments: no Go files in %s", abs)
		}
		names = []string{path}
	}
	var files []File
	for _, n := range names {
		src, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		abs, err := filepath.Abs(n)
		if err != nil {
			abs = n
		}
		files = append(files, File{Name: abs, Src: src})
	}
	return files, nil
}

// dirFiles lists the files of the package in dir that go build would compile
// on this machine, with go build's messages when there are none. Files that
// import "C" stay in, so that the allow-list refuses them by name.
func dirFiles(dir string) ([]string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	bp, err := build.Default.ImportDir(dir, 0)
	var noGo *build.NoGoError
	var multi *build.MultiplePackageError
	switch {
	case errors.As(err, &noGo):
		if len(bp.IgnoredGoFiles) > 0 {
			return nil, fmt.Errorf("build constraints exclude all Go files in %s", abs)
		}
		return nil, fmt.Errorf("no Go files in %s", abs)
	case errors.As(err, &multi):
		return nil, err
	}
	names := append(append([]string{}, bp.GoFiles...), bp.CgoFiles...)
	if err != nil {
		// A file go/build could not read (a syntax error in its header):
		// the parser reports it at its position.
		names = append(names, bp.InvalidGoFiles...)
	}
	sort.Strings(names)
	for i, n := range names {
		names[i] = filepath.Join(dir, n)
	}
	return names, nil
}

// stdImporter is shared: importing net/http from export data takes a while,
// and the packages never change within a process.
var (
	impMu   sync.Mutex
	impFset = token.NewFileSet()
	imp     types.Importer
)

type lockedImporter struct{}

func (lockedImporter) Import(path string) (*types.Package, error) {
	impMu.Lock()
	defer impMu.Unlock()
	if imp == nil {
		ensureGoEnv()
		imp = importer.ForCompiler(impFset, "gc", nil)
	}
	return imp.Import(path)
}

// program is a parsed and type-checked input.
type program struct {
	fset  *token.FileSet
	files []*ast.File
	srcs  [][]byte
	names []string
	pkg   *types.Package
	info  *types.Info
}

// load parses and type-checks files as one package main.
func load(files []File) (*program, error) {
	if len(files) == 0 {
		return nil, &Error{Msg: "no Go files"}
	}
	p := &program{fset: token.NewFileSet()}
	for _, f := range files {
		af, err := parser.ParseFile(p.fset, f.Name, f.Src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, scanErr(err)
		}
		if af.Name.Name != "main" {
			pos := p.fset.Position(af.Name.Pos())
			return nil, &Error{File: pos.Filename, Line: pos.Line, Col: pos.Column,
				Msg: fmt.Sprintf("package %s is not package main: concviz runs programs", af.Name.Name)}
		}
		p.files = append(p.files, af)
		p.srcs = append(p.srcs, f.Src)
		p.names = append(p.names, f.Name)
	}
	if err := checkImports(p); err != nil {
		return nil, err
	}
	p.info = &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Defs:       map[*ast.Ident]types.Object{},
		Uses:       map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
		Implicits:  map[ast.Node]types.Object{},
		Scopes:     map[ast.Node]*types.Scope{},
		Instances:  map[*ast.Ident]types.Instance{},
	}
	var errs []types.Error
	conf := types.Config{
		Importer:  lockedImporter{},
		GoVersion: "go1.26",
		Error: func(err error) {
			if te, ok := err.(types.Error); ok && !te.Soft || len(errs) == 0 {
				if te, ok := err.(types.Error); ok {
					errs = append(errs, te)
				}
			}
		},
	}
	pkg, _ := conf.Check("main", p.fset, p.files, p.info)
	if len(errs) > 0 {
		te := errs[0]
		pos := te.Fset.Position(te.Pos)
		return nil, &Error{File: pos.Filename, Line: pos.Line, Col: pos.Column, Msg: te.Msg, More: len(errs) - 1}
	}
	p.pkg = pkg
	if obj := pkg.Scope().Lookup("main"); obj == nil {
		return nil, &Error{File: files[0].Name, Msg: "function main is undeclared in the main package"}
	} else if _, ok := obj.(*types.Func); !ok {
		pos := p.fset.Position(obj.Pos())
		return nil, &Error{File: pos.Filename, Line: pos.Line, Msg: "main is not a function"}
	}
	if err := checkUses(p); err != nil {
		return nil, err
	}
	return p, nil
}

func scanErr(err error) error {
	var el scanner.ErrorList
	if errors.As(err, &el) && len(el) > 0 {
		e := el[0]
		return &Error{File: e.Pos.Filename, Line: e.Pos.Line, Col: e.Pos.Column, Msg: e.Msg, More: len(el) - 1}
	}
	return err
}

// Rewrite parses, type-checks, checks against the allow-list and rewrites a
// program. Errors in the input are *Error values naming the original file
// and line.
func Rewrite(files []File, opts Options) (*Result, error) {
	p, err := load(files)
	if err != nil {
		return nil, err
	}
	if opts.Name == "" {
		opts.Name = strings.TrimSuffix(filepath.Base(files[0].Name), ".go")
	}
	if opts.Library && opts.Package == "" {
		opts.Package = "program"
	}
	return rewrite(p, opts)
}
