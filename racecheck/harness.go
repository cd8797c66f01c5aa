// Package racecheck holds the race detector's fidelity tests: Go's own race
// tests run on the engine, racy programs compared with `go build -race`, and
// a sweep that every other program reports no race. This file is the
// harness that turns the test functions of Go's race testdata into one
// program, so that all of them share one build.
package racecheck

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// CaseKnob is the name of the constant that selects which test function a
// run of the extracted program calls.
const CaseKnob = "testCase"

// Case is one test function of Go's race testdata as a case of the
// extracted program.
type Case struct {
	Name  string // the test function, e.g. TestRaceIntRWGlobalFuncs
	File  string // the testdata file it comes from
	Race  bool   // Go expects a race (TestRace...), else none (TestNoRace...)
	Index int    // the value of CaseKnob that runs it (-1 when skipped)
	Skip  string // why it is not run, if it is not
}

// unsupported are the selectors that keep a test function off the engine,
// with the reason. A method of t the fake lacks fails to type-check, and
// the build leaves the function out with the checker's message.
var unsupported = map[string]string{
	"unsafe.":              "uses unsafe (the engine refuses it)",
	"reflect.":             "uses reflect (the engine refuses it)",
	"runtime.GC":           "calls runtime.GC (the engine stands in for the runtime)",
	"runtime.SetFinalizer": "uses finalizers (the engine stands in for the runtime)",
	"testing.B":            "a benchmark",
	"testing.AllocsPerRun": "measures allocations",
	"os.":                  "uses os (files and processes are outside the engine)",
	"C.":                   "uses cgo",
}

// fakeTMethods are the methods of *testing.T the fake t has.
var fakeTMethods = []string{"Error", "Errorf", "Fatal", "Fatalf", "Log", "Logf", "Skip", "Skipf", "Helper", "Failed"}

// fakeTesting stands in for package testing: a test's t, whose Fatal ends
// the test's goroutine as testing's does, and testing.Short.
const fakeTesting = `
type testingT struct{ failed bool }

func (t *testingT) Error(args ...any)                 { t.failed = true; fmt.Println(append([]any{"error:"}, args...)...) }
func (t *testingT) Errorf(format string, args ...any) { t.failed = true; fmt.Printf("error: "+format+"\n", args...) }
func (t *testingT) Fatal(args ...any)                 { t.Error(args...); runtime.Goexit() }
func (t *testingT) Fatalf(format string, args ...any) { t.Errorf(format, args...); runtime.Goexit() }
func (t *testingT) Log(args ...any)                   {}
func (t *testingT) Logf(format string, args ...any)   {}
func (t *testingT) Skip(args ...any)                  { runtime.Goexit() }
func (t *testingT) Skipf(format string, args ...any)  { runtime.Goexit() }
func (t *testingT) Helper()                           {}
func (t *testingT) Failed() bool                      { return t.failed }

func testingShort() bool { return true }
`

// decl is a top-level declaration of the testdata with what it refers to.
type decl struct {
	names []string // what it declares (a method: Type.Method)
	file  string
	node  ast.Decl
	src   string          // as printed, testing replaced by the fake
	refs  map[string]bool // top-level names it mentions
	pkgs  map[string]bool // import paths it uses
	skip  string          // an unsupported use in it, if any
}

var (
	testingSel = regexp.MustCompile(`\btesting\.(T|Short)\b`)
	selector   = regexp.MustCompile(`\b([A-Za-z_]\w*)\.([A-Za-z_]\w*)`)

	// DeclAt's patterns: a grouped declaration's opening line and its
	// first name, and a declaration's first line.
	groupOpen  = regexp.MustCompile(`^(?:var|const|type) \($`)
	groupFirst = regexp.MustCompile(`^\s+(\w+)`)
	declLine   = regexp.MustCompile(`^(?:func (?:\([^)]*?\*?(\w+)(?:\[[^\]]*\])?\) )?(\w+)|type (\w+)|var (\w+)|const (\w+))`)
)

// Extract parses the files of Go's race testdata (name to source) and writes
// one program holding every test function not skipped by static checks or
// by exclude (name to reason: what the instrument refused in it), with the
// declarations they need: its main runs the test numbered CaseKnob in a
// goroutine, as testing does, and waits for it.
func Extract(files map[string][]byte, exclude map[string]string) ([]byte, []Case, error) {
	fset := token.NewFileSet()
	var decls []*decl
	byName := map[string][]*decl{}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		f, err := parser.ParseFile(fset, name, files[name], 0)
		if err != nil {
			return nil, nil, fmt.Errorf("parse %s: %w", name, err)
		}
		imports := map[string]string{}
		for _, im := range f.Imports {
			p := strings.Trim(im.Path.Value, `"`)
			local := p[strings.LastIndex(p, "/")+1:]
			if im.Name != nil {
				local = im.Name.Name
			}
			imports[local] = p
		}
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
				continue
			}
			dd, err := newDecl(fset, name, d, imports)
			if err != nil {
				return nil, nil, err
			}
			decls = append(decls, dd)
			for _, n := range dd.names {
				byName[n] = append(byName[n], dd)
			}
		}
	}
	// Methods follow their type: a type's declaration refers to them all.
	for _, d := range decls {
		for _, n := range d.names {
			if typ, _, ok := strings.Cut(n, "."); ok {
				for _, td := range byName[typ] {
					td.refs[n] = true
				}
			}
		}
	}
	var cases []Case
	var out []*decl
	included := map[*decl]bool{}
	for _, d := range decls {
		fn, ok := d.node.(*ast.FuncDecl)
		if !ok || fn.Recv != nil {
			continue
		}
		name := fn.Name.Name
		race := strings.HasPrefix(name, "TestRace")
		if !race && !strings.HasPrefix(name, "TestNoRace") {
			continue
		}
		c := Case{Name: name, File: d.file, Race: race, Index: -1}
		closure := closureOf(d, byName)
		for _, cd := range closure {
			if cd.skip != "" && c.Skip == "" {
				c.Skip = cd.skip
				if cd != d {
					c.Skip += " (in " + strings.Join(cd.names, ", ") + ")"
				}
			}
			for _, n := range cd.names {
				if why, ok := exclude[n]; ok && c.Skip == "" {
					c.Skip = why
				}
			}
		}
		if c.Skip == "" {
			c.Index = len(out)
			out = append(out, d)
			for _, cd := range closure {
				included[cd] = true
			}
		}
		cases = append(cases, c)
	}
	src, err := program(decls, included, out)
	return src, cases, err
}

func newDecl(fset *token.FileSet, file string, d ast.Decl, imports map[string]string) (*decl, error) {
	dd := &decl{file: file, node: d, refs: map[string]bool{}, pkgs: map[string]bool{}}
	switch d := d.(type) {
	case *ast.FuncDecl:
		n := d.Name.Name
		if d.Recv != nil && len(d.Recv.List) == 1 {
			n = recvType(d.Recv.List[0].Type) + "." + n
		}
		dd.names = []string{n}
	case *ast.GenDecl:
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				dd.names = append(dd.names, s.Name.Name)
			case *ast.ValueSpec:
				for _, id := range s.Names {
					dd.names = append(dd.names, id.Name)
				}
			}
		}
	}
	var b bytes.Buffer
	if err := format.Node(&b, fset, d); err != nil {
		return nil, fmt.Errorf("print %s's %v: %w", file, dd.names, err)
	}
	ast.Inspect(d, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			dd.refs[n.Name] = true
		case *ast.SelectorExpr:
			x, ok := n.X.(*ast.Ident)
			if !ok {
				return true
			}
			if p, ok := imports[x.Name]; ok {
				dd.pkgs[p] = true
				dd.noteSkip(x.Name + "." + n.Sel.Name)
			}
		}
		return true
	})
	if dd.pkgs["testing"] {
		dd.pkgs["fmt"], dd.pkgs["runtime"] = true, true
		delete(dd.pkgs, "testing")
	}
	dd.src = testingSel.ReplaceAllString(b.String(), "testing$1")
	if m := selector.FindAllStringSubmatch(dd.src, -1); m != nil {
		for _, s := range m {
			if s[1] == "testing" && dd.skip == "" {
				dd.skip = "uses testing." + s[2] + " (the fake t has " + strings.Join(fakeTMethods, ", ") + ")"
			}
		}
	}
	return dd, nil
}

// noteSkip records the first unsupported use of sel in the declaration.
func (d *decl) noteSkip(sel string) {
	if d.skip != "" {
		return
	}
	for prefix, why := range unsupported {
		if sel == prefix || (strings.HasSuffix(prefix, ".") && strings.HasPrefix(sel, prefix)) {
			d.skip = why
			return
		}
	}
}

func recvType(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return recvType(e.X)
	case *ast.IndexExpr:
		return recvType(e.X)
	case *ast.Ident:
		return e.Name
	}
	return ""
}

// closureOf is d and every declaration it needs, transitively (a name
// shadowed locally may pull in a declaration it does not need: harmless).
func closureOf(d *decl, byName map[string][]*decl) []*decl {
	seen := map[*decl]bool{d: true}
	out := []*decl{d}
	for i := 0; i < len(out); i++ {
		for _, r := range slices.Sorted(maps.Keys(out[i].refs)) {
			for _, dep := range byName[r] {
				if !seen[dep] {
					seen[dep] = true
					out = append(out, dep)
				}
			}
		}
	}
	return out
}

// program writes package main: the imports the included declarations use,
// the fake testing, the declarations in their files' order, and main.
func program(decls []*decl, included map[*decl]bool, tests []*decl) ([]byte, error) {
	pkgs := map[string]bool{"fmt": true, "runtime": true}
	for d := range included {
		for p := range d.pkgs {
			pkgs[p] = true
		}
	}
	var b bytes.Buffer
	b.WriteString("// Code generated by racecheck from Go's runtime/race/testdata; DO NOT EDIT.\n\npackage main\n\nimport (\n")
	for _, p := range slices.Sorted(maps.Keys(pkgs)) {
		fmt.Fprintf(&b, "\t%q\n", p)
	}
	b.WriteString(")\n" + fakeTesting)
	fmt.Fprintf(&b, "\nconst %s = 0 // knob: 0..%d\n", CaseKnob, max(len(tests)-1, 0))
	b.WriteString("\nfunc main() {\n\tt := &testingT{}\n\tdone := make(chan bool)\n\tgo func() {\n\t\tdefer close(done)\n\t\tswitch " + CaseKnob + " {\n")
	for i, d := range tests {
		fmt.Fprintf(&b, "\t\tcase %d:\n\t\t\t%s(t)\n", i, d.names[0])
	}
	b.WriteString("\t\t}\n\t}()\n\t<-done\n}\n")
	for _, d := range decls {
		if included[d] {
			fmt.Fprintf(&b, "\n%s\n", d.src)
		}
	}
	return b.Bytes(), nil
}

// DeclAt names the declaration of the extracted program src at line (1-based):
// a build error there excludes the test functions that need it.
func DeclAt(src []byte, line int) string {
	lines := strings.Split(string(src), "\n")
	for i := min(line, len(lines)) - 1; i >= 0; i-- {
		if groupOpen.MatchString(lines[i]) && i+1 < len(lines) {
			if m := groupFirst.FindStringSubmatch(lines[i+1]); m != nil {
				return m[1]
			}
		}
		m := declLine.FindStringSubmatch(lines[i])
		switch {
		case m == nil:
			continue
		case m[1] != "":
			return m[1] + "." + m[2]
		}
		for _, s := range m[2:] {
			if s != "" {
				return s
			}
		}
	}
	return ""
}

// sortCases orders cases by file, then name, for the table.
func sortCases(cs []Case) {
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].File != cs[j].File {
			return cs[i].File < cs[j].File
		}
		return cs[i].Name < cs[j].Name
	})
}
