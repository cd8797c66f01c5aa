package instrument

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/build/constraint"
	"go/token"
	"go/types"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// Declarations and files: functions, package variables moved into the engine's start-up, and the
// rendering of each source file and the generated glue file.

func (r *rw) funcDecl(d *ast.FuncDecl) string {
	name := funcDeclName(d)
	if d.Recv == nil && d.Name.Name == "init" {
		n := "_cvz_init" + strconv.Itoa(len(r.inits))
		r.inits = append(r.inits, n)
		r.override[d.Name] = n
		name = "main.init." + strconv.Itoa(len(r.inits)-1)
	}
	if d.Recv == nil && d.Name.Name == "main" && d.Body != nil {
		guard := "_cvz_init(); "
		if !r.opts.Library {
			guard = "if !_cvz_running { _cvz_running = true; " + r.eng + ".Main(_cvz_program()); return }; " + guard
		}
		r.funcs = append(r.funcs, name)
		defer func() { r.funcs = r.funcs[:len(r.funcs)-1] }()
		var kids []ast.Node
		for _, k := range []ast.Node{d.Recv, d.Name, d.Type.TypeParams, d.Type.Params, d.Type.Results} {
			if k != nil && !isNilNode(k) {
				kids = append(kids, k)
			}
		}
		head := r.spliceRange(d.Pos(), d.Body.Lbrace+1, kids)
		body := r.spliceRange(d.Body.Lbrace+1, d.End(), children(d.Body))
		return head + guard + r.eng + ".Compute(" + r.site(d.Body.Lbrace, "") + "); " + body
	}
	r.funcs = append(r.funcs, name)
	defer func() { r.funcs = r.funcs[:len(r.funcs)-1] }()
	var kids []ast.Node
	for _, k := range []ast.Node{d.Recv, d.Name, d.Type.TypeParams, d.Type.Params, d.Type.Results, d.Body} {
		if k != nil && !isNilNode(k) {
			kids = append(kids, k)
		}
	}
	return r.spliceRange(d.Pos(), d.End(), kids)
}

func isNilNode(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.FieldList:
		return n == nil
	case *ast.BlockStmt:
		return n == nil
	case *ast.Ident:
		return n == nil
	}
	return false
}

// pkgVarDecl renders a package-level var declaration: initialisers move into
// the generated init function (they must run inside a run, every run), the
// variables stay here, typed.
func (r *rw) pkgVarDecl(d *ast.GenDecl) string {
	anyMoved := false
	for _, s := range d.Specs {
		vs := s.(*ast.ValueSpec)
		if len(vs.Values) == 0 {
			continue
		}
		txt, ok := r.movedSpec(vs)
		if !ok {
			continue
		}
		r.override[vs] = txt
		anyMoved = true
	}
	// What stays here runs at Go's initialisation, outside any run.
	r.plain++
	defer func() { r.plain-- }()
	if !anyMoved {
		return r.splice(d)
	}
	s := r.splice(d)
	if !d.Lparen.IsValid() {
		// "var a, b = 1, 2" becomes "var (a int; b int)": several specs need parentheses.
		kw := r.off(d.TokPos) - r.off(d.Pos())
		s = s[:kw] + "var (" + strings.TrimPrefix(s[kw:], "var") + ")"
	}
	return s
}

// movedSpec renders the declarations of vs's variables without initialisers,
// and the initialisers for the generated init function. It reports false
// (keep the initialiser in place) when a type cannot be written down here.
func (r *rw) movedSpec(vs *ast.ValueSpec) (string, bool) {
	var decls []string
	var vars []*types.Var
	for _, id := range vs.Names {
		v, _ := r.p.info.Defs[id].(*types.Var)
		if v == nil {
			continue
		}
		vars = append(vars, v)
		if id.Name == "_" {
			continue
		}
		var tt string
		if vs.Type != nil {
			tt = r.text(vs.Type)
		} else {
			var err error
			tt, err = r.typeText(v.Type())
			if err != nil {
				return "", false
			}
		}
		decls = append(decls, id.Name+" "+tt)
	}
	r.funcs = append(r.funcs, "main.init")
	for i, v := range vs.Values {
		fn := "_cvz_var" + strconv.Itoa(r.tmp)
		r.tmp++
		var lhs []string
		if len(vs.Values) == len(vs.Names) {
			lhs = []string{vs.Names[i].Name}
		} else {
			for _, id := range vs.Names {
				lhs = append(lhs, id.Name)
			}
		}
		ps := r.p.fset.Position(v.Pos())
		r.fileInit = append(r.fileInit, fmt.Sprintf("func %s() { %s = /*line %s:%d:%d*/%s }\n//line %s:1\n",
			fn, strings.Join(lhs, ", "), ps.Filename, ps.Line, ps.Column, r.text(v), GenFile))
		r.movedRHS[v] = fn
	}
	r.funcs = r.funcs[:len(r.funcs)-1]
	for _, v := range vars {
		r.moved[v] = true
	}
	out := strings.Join(decls, "; ")
	orig := string(r.src[r.off(vs.Pos()):r.off(vs.End())])
	if n := strings.Count(orig, "\n"); n > 0 {
		out += strings.Repeat("\n", n)
	}
	return out, true
}

// Files.

func (r *rw) renderFile(fi int) string {
	f := r.p.files[fi]
	r.fi, r.src = fi, r.p.srcs[fi]
	r.base = r.p.fset.File(f.Pos()).Base()
	r.parent = map[ast.Node]ast.Node{}
	r.fileInit = nil
	r.pkgUsed = map[string]bool{}
	var stack []ast.Node
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		if len(stack) > 0 {
			r.parent[n] = stack[len(stack)-1]
		}
		stack = append(stack, n)
		return true
	})
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			if d.Tok == token.VAR {
				r.memo[d] = r.pkgVarDecl(d)
			} else if d.Tok == token.CONST {
				r.memo[d] = r.constDecl(d)
			} else if d.Tok != token.IMPORT {
				r.memo[d] = r.text(d)
			}
		case *ast.FuncDecl:
			r.memo[d] = r.text(d)
		}
	}
	// Imports whose every use was mapped onto the engine become blank imports.
	uses := map[*types.PkgName]int{}
	for id, obj := range r.p.info.Uses {
		if pn, ok := obj.(*types.PkgName); ok && r.p.fset.File(id.Pos()) == r.p.fset.File(f.Pos()) {
			uses[pn]++
		}
	}
	for sel := range r.consumed {
		if pn, ok := r.p.info.Uses[sel.X.(*ast.Ident)].(*types.PkgName); ok {
			uses[pn]--
		}
	}
	for _, is := range f.Imports {
		var pn *types.PkgName
		if is.Name != nil {
			pn, _ = r.p.info.Defs[is.Name].(*types.PkgName)
		} else {
			pn, _ = r.p.info.Implicits[is].(*types.PkgName)
		}
		if pn != nil && uses[pn] <= 0 && !r.pkgUsed[pn.Imported().Path()] && (is.Name == nil || is.Name.Name != "_") {
			r.override[is] = " _ " + is.Path.Value
		}
	}
	pkgName := "main"
	if r.opts.Library {
		pkgName = r.opts.Package
	}
	r.override[f.Name] = pkgName + "; import " + r.eng + " " + strconv.Quote(EnginePath)
	body := r.splice(f)
	// The file's tail: comments after the last declaration.
	body += string(r.src[r.off(f.End()):])
	var b strings.Builder
	fmt.Fprintf(&b, "// Code generated by concviz instrument from %s. DO NOT EDIT.\n", filepath.Base(r.p.names[fi]))
	fmt.Fprintf(&b, "//line %s:1\n", r.p.names[fi])
	// Whatever precedes the package clause (comments), without a byte order
	// mark, which may only start a file.
	b.WriteString(strings.TrimPrefix(r.header(f), "\uFEFF"))
	b.WriteString(body)
	if !strings.HasSuffix(body, "\n") {
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\n//line %s:1\nvar _ %s.Pos\n", GenFile, r.eng)
	for _, f := range r.fileInit {
		b.WriteString(f)
	}
	return b.String()
}

// header is the text before f's package clause with its build constraints
// neutralised: go run compiles every file it is given whatever they say, and
// a directory's files were chosen by them already (ReadProgram). A minimum Go
// version stays, as it sets the file's language version (a //go:build go1.21
// file has per-loop loop variables). Each line stays a line, so positions
// below keep their numbers.
func (r *rw) header(f *ast.File) string {
	var b strings.Builder
	cur := 0
	for _, g := range f.Comments {
		if g.End() > f.Package {
			break
		}
		for _, c := range g.List {
			var repl string
			switch {
			case constraint.IsGoBuild(c.Text):
				repl = "//"
				if f.GoVersion != "" {
					repl = "//go:build " + f.GoVersion
				}
			case constraint.IsPlusBuild(c.Text):
				repl = "//"
			default:
				continue
			}
			b.Write(r.src[cur:r.off(c.Pos())])
			b.WriteString(repl)
			cur = r.off(c.End())
		}
	}
	b.Write(r.src[cur:r.off(f.Package)])
	return b.String()
}

// buildName is the name under which the rewritten file src (originally
// base) is written, such that go build in its directory compiles it: go
// build skips names starting with "_" or ".", test files and files for
// another system (x_windows.go), which go run compiles when named.
func buildName(base string, src string) string {
	ctx := build.Default
	ctx.CgoEnabled = false
	ctx.OpenFile = func(string) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(src)), nil }
	if ok, err := ctx.MatchFile(".", base); ok && err == nil && !strings.HasSuffix(base, "_test.go") {
		return base
	}
	return "zz_concviz_" + strings.TrimLeft(strings.TrimSuffix(base, ".go"), "_.") + "_.go"
}

// genFile renders the generated declarations: the site table, the init
// function running the moved initialisers and user init functions, and the
// entry point.
func (r *rw) genFile() string {
	var b strings.Builder
	pkgName := "main"
	if r.opts.Library {
		pkgName = r.opts.Package
	}
	fmt.Fprintf(&b, "// Code generated by concviz instrument. DO NOT EDIT.\n\npackage %s\n\nimport %s %q\n\n", pkgName, r.eng, EnginePath)
	b.WriteString("var _cvz_sites = []" + r.eng + ".Site{\n\t{},\n")
	for _, s := range r.sites[1:] {
		fmt.Fprintf(&b, "\t{File: %q, Line: %d, Func: %q, Expr: %q},\n", s.File, s.Line, s.Func, s.Expr)
	}
	b.WriteString("}\n\n")
	b.WriteString("func _cvz_init() {\n")
	for _, fn := range r.knobInits {
		fmt.Fprintf(&b, "\t%s()\n", fn)
	}
	for _, in := range r.p.info.InitOrder {
		if fn, ok := r.movedRHS[in.Rhs]; ok {
			fmt.Fprintf(&b, "\t%s()\n", fn)
		}
	}
	for _, n := range r.inits {
		fmt.Fprintf(&b, "\t%s()\n", n)
	}
	b.WriteString("}\n\n")
	prog := fmt.Sprintf("%s.Program{Name: %q, Sites: _cvz_sites, Main: main}", r.eng, r.opts.Name)
	if r.opts.Library {
		fmt.Fprintf(&b, "// Program is the rewritten program, ready for engine.Run.\nvar Program = %s\n", prog)
	} else {
		fmt.Fprintf(&b, "var _cvz_running bool\n\nfunc _cvz_program() %s.Program { return %s }\n", r.eng, prog)
	}
	return b.String()
}
