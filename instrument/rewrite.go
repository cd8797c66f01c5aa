package instrument

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/concviz/concviz/engine"
)

// rw is one rewrite in progress. Each node is rendered from its original
// text with its rewritten children substituted (text), so the output keeps
// the original line structure: generated glue never contains a newline.
type rw struct {
	p    *program
	opts Options
	eng  string // the engine's import name in rewritten files

	sites   []engine.Site
	siteIdx map[engine.Site]int
	knobs   []Knob

	// the file being rendered
	fi     int
	src    []byte
	base   int
	parent map[ast.Node]ast.Node

	override map[ast.Node]string
	memo     map[ast.Node]string
	funcs    []string // enclosing function names, innermost last
	litNames map[*ast.FuncLit]string
	tmp      int

	consumed map[*ast.SelectorExpr]bool // package selectors replaced by engine ones
	movedRHS map[ast.Expr]string        // moved package-level initialisers: the function running each
	fileInit []string                   // the current file's initialiser functions
	pkgUsed  map[string]bool            // import paths the current file needs for generated type names
	moved    map[*types.Var]bool
	inits    []string // renamed user init functions, in order

	constKnobs   []ConstKnob
	untypedKnobs map[*types.Const]bool // untyped integer knob constants, now int variables
	knobInits    []string              // functions setting the knob constants' variables
	err          error
}

func rewrite(p *program, opts Options) (*Result, error) {
	r := &rw{
		p: p, opts: opts, eng: "engine",
		sites:    []engine.Site{{}},
		siteIdx:  map[engine.Site]int{},
		override: map[ast.Node]string{},
		memo:     map[ast.Node]string{},
		litNames: map[*ast.FuncLit]string{},
		consumed: map[*ast.SelectorExpr]bool{},
		movedRHS: map[ast.Expr]string{},
		moved:    map[*types.Var]bool{},
	}
	for id := range p.info.Defs {
		if id.Name == "engine" {
			r.eng = "concviz_engine"
		}
	}
	if opts.Library {
		for id, obj := range p.info.Defs {
			if obj != nil && obj.Parent() == p.pkg.Scope() && id.Name == "Program" {
				pos := p.fset.Position(id.Pos())
				return nil, &Error{File: pos.Filename, Line: pos.Line, Msg: "a package-level Program clashes with the generated scenario variable"}
			}
		}
	}
	r.nameClosures()
	r.findUntypedKnobs()
	res := &Result{}
	for fi := range p.files {
		out := r.renderFile(fi)
		if r.err != nil {
			return nil, r.err
		}
		res.Files = append(res.Files, File{Name: filepath.Base(p.names[fi]), Src: []byte(out)})
	}
	res.Files = append(res.Files, File{Name: GenFile, Src: []byte(r.genFile())})
	res.Knobs = r.knobs
	res.ConstKnobs = r.constKnobs
	res.Sites = r.sites
	res.Inputs = p.names
	// Two input files with the same base name (a directory is flat, so only
	// when given explicitly) would collide.
	seen := map[string]bool{}
	for _, f := range res.Files {
		if seen[f.Name] {
			return nil, &Error{File: f.Name, Msg: "two files with the same name"}
		}
		seen[f.Name] = true
	}
	return res, nil
}

func (r *rw) fail(pos token.Pos, format string, args ...any) {
	if r.err == nil {
		ps := r.p.fset.Position(pos)
		r.err = &Error{File: ps.Filename, Line: ps.Line, Col: ps.Column, Msg: fmt.Sprintf(format, args...)}
	}
}

// ---- naming ----------------------------------------------------------------

// funcDeclName is the name Go gives a function in stack traces.
func funcDeclName(d *ast.FuncDecl) string {
	name := d.Name.Name
	if d.Type.TypeParams != nil {
		name += "[...]"
	}
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return "main." + name
	}
	t := d.Recv.List[0].Type
	ptr := false
	if st, ok := t.(*ast.StarExpr); ok {
		ptr, t = true, st.X
	}
	generic := false
	switch x := t.(type) {
	case *ast.IndexExpr:
		t, generic = x.X, true
	case *ast.IndexListExpr:
		t, generic = x.X, true
	}
	tn := "?"
	if id, ok := t.(*ast.Ident); ok {
		tn = id.Name
	}
	if generic {
		tn += "[...]"
	}
	if ptr {
		return "main.(*" + tn + ")." + d.Name.Name
	}
	return "main." + tn + "." + d.Name.Name
}

// nameClosures names every function literal as Go does: F.func1, F.func2 in
// a function F, and F.func1.1 inside a literal; literals in package-level
// initialisers belong to main.init.
func (r *rw) nameClosures() {
	initCount := 0
	var walk func(n ast.Node, outer string, top bool, count *int)
	walk = func(n ast.Node, outer string, top bool, count *int) {
		ast.Inspect(n, func(c ast.Node) bool {
			lit, ok := c.(*ast.FuncLit)
			if !ok {
				return true
			}
			*count++
			var name string
			if top {
				name = outer + ".func" + strconv.Itoa(*count)
			} else {
				name = outer + "." + strconv.Itoa(*count)
			}
			r.litNames[lit] = name
			inner := 0
			walk(lit.Body, name, false, &inner)
			return false
		})
	}
	for _, f := range r.p.files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Body != nil {
					n := 0
					walk(d.Body, funcDeclName(d), true, &n)
				}
			case *ast.GenDecl:
				walk(d, "main.init", true, &initCount)
			}
		}
	}
}

func (r *rw) curFunc() string {
	if len(r.funcs) == 0 {
		return "main.init"
	}
	return r.funcs[len(r.funcs)-1]
}

// site allocates (or reuses) the site of an operation at pos on expr and
// returns its Pos as Go source.
func (r *rw) site(pos token.Pos, expr string) string {
	ps := r.p.fset.Position(pos)
	s := engine.Site{File: ps.Filename, Line: ps.Line, Func: r.curFunc(), Expr: expr}
	if i, ok := r.siteIdx[s]; ok {
		return strconv.Itoa(i)
	}
	r.sites = append(r.sites, s)
	r.siteIdx[s] = len(r.sites) - 1
	return strconv.Itoa(len(r.sites) - 1)
}

// ---- text ------------------------------------------------------------------

func (r *rw) off(p token.Pos) int { return int(p) - r.base }

// orig is the original source text of n, on one line.
func (r *rw) orig(n ast.Node) string {
	return strings.Join(strings.Fields(string(r.src[r.off(n.Pos()):r.off(n.End())])), " ")
}

func children(n ast.Node) []ast.Node {
	var kids []ast.Node
	ast.Inspect(n, func(c ast.Node) bool {
		if c == n {
			return true
		}
		if c != nil && c.Pos().IsValid() && c.End() > c.Pos() {
			kids = append(kids, c)
		}
		return false
	})
	sort.SliceStable(kids, func(i, j int) bool { return kids[i].Pos() < kids[j].Pos() })
	return kids
}

func (r *rw) splice(n ast.Node) string { return r.spliceRange(n.Pos(), n.End(), children(n)) }

// spliceRange renders the original text from start to end with each of kids
// (sorted, inside the range, not overlapping) replaced by its rendering.
func (r *rw) spliceRange(start, end token.Pos, kids []ast.Node) string {
	var b strings.Builder
	cur := start
	for _, k := range kids {
		if k.Pos() < cur || k.End() > end {
			continue
		}
		b.Write(r.src[r.off(cur):r.off(k.Pos())])
		b.WriteString(r.text(k))
		cur = k.End()
	}
	b.Write(r.src[r.off(cur):r.off(end)])
	return b.String()
}

func (r *rw) typeOf(e ast.Expr) types.Type {
	if tv, ok := r.p.info.Types[e]; ok {
		return tv.Type
	}
	if id, ok := e.(*ast.Ident); ok {
		if obj := r.p.info.Uses[id]; obj != nil {
			return obj.Type()
		}
		if obj := r.p.info.Defs[id]; obj != nil {
			return obj.Type()
		}
	}
	return nil
}

func isChan(t types.Type) (*types.Chan, bool) {
	if t == nil {
		return nil, false
	}
	c, ok := t.Underlying().(*types.Chan)
	return c, ok
}

func isRecv(e ast.Expr) (*ast.UnaryExpr, bool) {
	u, ok := ast.Unparen(e).(*ast.UnaryExpr)
	return u, ok && u.Op == token.ARROW
}

// text renders n.
func (r *rw) text(n ast.Node) string {
	if s, ok := r.override[n]; ok {
		return s
	}
	if s, ok := r.memo[n]; ok {
		return s
	}
	switch n := n.(type) {
	case *ast.FuncDecl:
		return r.funcDecl(n)
	case *ast.FuncLit:
		r.funcs = append(r.funcs, r.litNames[n])
		s := r.splice(n)
		r.funcs = r.funcs[:len(r.funcs)-1]
		return s
	case *ast.ChanType:
		return "*" + r.eng + ".Chan[" + r.text(n.Value) + "]"
	case *ast.SendStmt:
		return r.chanRecv(n.Chan) + ".Send(" + r.text(n.Value) + ", " + r.site(n.Arrow, r.orig(n.Chan)) + ")"
	case *ast.UnaryExpr:
		if n.Op == token.ARROW {
			return r.chanRecv(n.X) + ".Recv1(" + r.site(n.OpPos, r.orig(n.X)) + ")"
		}
	case *ast.AssignStmt:
		if len(n.Lhs) == 2 && len(n.Rhs) == 1 {
			if u, ok := isRecv(n.Rhs[0]); ok {
				r.override[n.Rhs[0]] = r.chanRecv(u.X) + ".Recv(" + r.site(u.OpPos, r.orig(u.X)) + ")"
				defer delete(r.override, n.Rhs[0])
			}
		}
	case *ast.ValueSpec:
		if len(n.Names) == 2 && len(n.Values) == 1 {
			if u, ok := isRecv(n.Values[0]); ok {
				r.override[n.Values[0]] = r.chanRecv(u.X) + ".Recv(" + r.site(u.OpPos, r.orig(u.X)) + ")"
				defer delete(r.override, n.Values[0])
			}
		}
	case *ast.RangeStmt:
		if _, ok := isChan(r.typeOf(n.X)); ok {
			r.override[n.X] = r.chanRecv(n.X) + ".Range(" + r.site(n.For, r.orig(n.X)) + ")"
			defer delete(r.override, n.X)
		}
	case *ast.Ident:
		if c, ok := r.p.info.Uses[n].(*types.Const); ok && r.untypedKnobs[c] {
			// The constant is an int variable now: convert it where the
			// untyped constant took another type.
			if tv, ok := r.p.info.Types[n]; ok && !types.Identical(tv.Type, types.Typ[types.Int]) && !isUntyped(tv.Type) {
				if tt, err := r.typeText(tv.Type); err == nil {
					return tt + "(" + n.Name + ")"
				}
			}
		}
	case *ast.TypeSpec:
		if obj, ok := r.p.info.Defs[n.Name].(*types.TypeName); ok && n.Assign == token.NoPos && r.wrapped(obj.Type()) {
			r.override[n.Type] = "struct{ _cvz_c " + r.text(n.Type) + " }"
			defer delete(r.override, n.Type)
		}
	case *ast.SelectStmt:
		return r.selectStmt(n)
	case *ast.GoStmt:
		return r.goStmt(n)
	case *ast.CallExpr:
		if s, ok := r.call(n); ok {
			return s
		}
	case *ast.SelectorExpr:
		if s, ok := r.selector(n); ok {
			return s
		}
	}
	return r.splice(n)
}

// recvText renders a channel operand so that a method can be called on it:
// parenthesised where needed, converted to *Chan[T] where its type is a
// named channel type (whose method set is empty), unwrapped where that type
// has methods (see wrapped).
func (r *rw) recvText(x ast.Expr) string {
	s := r.text(x)
	if r.wrapped(r.typeOf(x)) {
		return parenIfNeeded(x, s) + "._cvz_c"
	}
	if conv, ok := r.chanConv(x); ok {
		return "(" + conv + ")(" + s + ")"
	}
	switch u := ast.Unparen(x).(type) {
	case *ast.Ident, *ast.SelectorExpr, *ast.CallExpr, *ast.IndexExpr, *ast.IndexListExpr, *ast.ParenExpr:
		return s
	case *ast.UnaryExpr:
		if u.Op == token.ARROW {
			return s
		}
	}
	return "(" + s + ")"
}

func (r *rw) chanRecv(x ast.Expr) string { return r.recvText(x) }

// chanArg renders a channel operand passed as a *Chan[T] argument.
func (r *rw) chanArg(x ast.Expr) string {
	if r.wrapped(r.typeOf(x)) {
		return parenIfNeeded(x, r.text(x)) + "._cvz_c"
	}
	s := r.text(x)
	if conv, ok := r.chanConv(x); ok {
		return "(" + conv + ")(" + s + ")"
	}
	return s
}

// wrapped reports whether t is a named channel type with methods. *Chan[T]
// is a pointer type, and a named pointer type cannot have methods, so such a
// type becomes a struct wrapping the channel in field _cvz_c: conversions
// to and from it are rewritten; implicit assignment of an unnamed channel to
// it is not supported.
func (r *rw) wrapped(t types.Type) bool {
	if t == nil {
		return false
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() != r.p.pkg || n.NumMethods() == 0 {
		return false
	}
	_, ok = isChan(n)
	return ok
}

// conversion renders conversions between channel types when one side is a
// wrapped type.
func (r *rw) conversion(c *ast.CallExpr) (string, bool) {
	tv, ok := r.p.info.Types[c.Fun]
	if !ok || !tv.IsType() || len(c.Args) != 1 {
		return "", false
	}
	if _, ok := isChan(tv.Type); !ok {
		return "", false
	}
	arg := c.Args[0]
	at := r.typeOf(arg)
	if r.wrapped(tv.Type) {
		if types.Identical(at, tv.Type) {
			return r.text(arg), true
		}
		return r.text(c.Fun) + "{" + r.chanArg(arg) + "}", true
	}
	if r.wrapped(at) {
		r.override[arg] = r.chanArg(arg)
		defer delete(r.override, arg)
		return r.callText(c, r.text(c.Fun), nil, nil), true
	}
	return "", false
}

// chanConv returns the *Chan[T] type to convert x to, when x's type is a
// named channel type.
func (r *rw) chanConv(x ast.Expr) (string, bool) {
	t := r.typeOf(x)
	if t == nil {
		return "", false
	}
	switch types.Unalias(t).(type) {
	case *types.Named, *types.TypeParam:
		if c, ok := isChan(t); ok {
			el, err := r.typeText(c.Elem())
			if err != nil {
				r.fail(x.Pos(), "%v", err)
				return "", false
			}
			return "*" + r.eng + ".Chan[" + el + "]", true
		}
	}
	return "", false
}

// ---- declarations ------------------------------------------------------------

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
		return head + guard + body
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

// ---- files -----------------------------------------------------------------

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
	// Whatever precedes the package clause (comments, build constraints),
	// without a byte order mark, which may only start a file.
	b.WriteString(strings.TrimPrefix(string(r.src[:r.off(f.Pos())]), "\uFEFF"))
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

// ---- statements ------------------------------------------------------------

// selectStmt renders a select as a switch over engine.Select, whose init
// statement evaluates every case's channel and value once, in source order.
func (r *rw) selectStmt(s *ast.SelectStmt) string {
	pos := r.site(s.Select, "")
	id := strconv.Itoa(r.tmp)
	r.tmp++
	var names, vals []string
	hasDefault := false
	type clause struct {
		cl     *ast.CommClause
		label  string
		assign string
	}
	var cls []clause
	n := 0
	var nonDefault int
	for _, st := range s.Body.List {
		if st.(*ast.CommClause).Comm != nil {
			nonDefault++
		}
	}
	for _, st := range s.Body.List {
		cl := st.(*ast.CommClause)
		c := clause{cl: cl}
		name := "_cvz_s" + id + "_" + strconv.Itoa(n)
		switch comm := cl.Comm.(type) {
		case nil:
			hasDefault = true
			c.label = "default:"
			cls = append(cls, c)
			continue
		case *ast.SendStmt:
			vals = append(vals, r.eng+".Send("+r.chanArg(comm.Chan)+", "+r.text(comm.Value)+")")
		case *ast.ExprStmt:
			u, _ := isRecv(comm.X)
			if u == nil {
				r.fail(comm.Pos(), "unexpected select case")
				return ""
			}
			vals = append(vals, r.eng+".Recv("+r.chanArg(u.X)+")")
		case *ast.AssignStmt:
			u, _ := isRecv(comm.Rhs[0])
			if u == nil {
				r.fail(comm.Pos(), "unexpected select case")
				return ""
			}
			vals = append(vals, r.eng+".Recv("+r.chanArg(u.X)+")")
			var lhs []string
			for _, l := range comm.Lhs {
				lhs = append(lhs, r.text(l))
			}
			rhs := name + ".V"
			if len(comm.Lhs) == 2 {
				rhs += ", " + name + ".OK"
			}
			c.assign = " " + strings.Join(lhs, ", ") + " " + comm.Tok.String() + " " + rhs + ";"
		}
		names = append(names, name)
		if n == nonDefault-1 && !hasDefaultIn(s) {
			c.label = "default:" // keeps a terminating select terminating
		} else {
			c.label = "case " + strconv.Itoa(n) + ":"
		}
		n++
		cls = append(cls, c)
	}
	var b strings.Builder
	if len(names) == 0 && !hasDefault {
		// select {} blocks forever; a bare for keeps it a terminating statement.
		return "for { " + r.eng + ".Select(" + pos + ", false) }"
	}
	b.WriteString("switch ")
	if len(names) > 0 {
		b.WriteString(strings.Join(names, ", ") + " := " + strings.Join(vals, ", ") + "; ")
	}
	args := append([]string{pos, strconv.FormatBool(hasDefault)}, names...)
	b.WriteString(r.eng + ".Select(" + strings.Join(args, ", ") + ") {")
	resync := strings.Contains(b.String(), "\n")
	cur := s.Body.Lbrace + 1
	for _, c := range cls {
		b.Write(r.src[r.off(cur):r.off(c.cl.Case)])
		if resync {
			ps := r.p.fset.Position(c.cl.Case)
			fmt.Fprintf(&b, "/*line %s:%d:%d*/", ps.Filename, ps.Line, ps.Column)
		}
		b.WriteString(c.label + c.assign)
		var kids []ast.Node
		for _, st := range c.cl.Body {
			kids = append(kids, st)
		}
		b.WriteString(r.spliceRange(c.cl.Colon+1, c.cl.End(), kids))
		cur = c.cl.End()
	}
	b.Write(r.src[r.off(cur) : r.off(s.Body.Rbrace)+1])
	return b.String()
}

func hasDefaultIn(s *ast.SelectStmt) bool {
	for _, st := range s.Body.List {
		if st.(*ast.CommClause).Comm == nil {
			return true
		}
	}
	return false
}

// goStmt renders go f(a, b) as engine.Go(name, pos, func() { f(a0, b0) }),
// with the function value, receiver and arguments evaluated first, as the
// go statement does.
func (r *rw) goStmt(g *ast.GoStmt) string {
	c := g.Call
	fun := ast.Unparen(c.Fun)
	name := r.goName(fun)
	expr := r.orig(c.Fun)
	if _, ok := fun.(*ast.FuncLit); ok {
		expr = ""
	}
	pos := r.site(g.Go, expr)
	if lit, ok := fun.(*ast.FuncLit); ok && len(c.Args) == 0 {
		return r.eng + ".Go(" + strconv.Quote(name) + ", " + pos + ", " + r.text(lit) + ")"
	}
	var pre []string
	var set []ast.Node
	tmp := func(val string) string {
		n := "_cvz_g" + strconv.Itoa(r.tmp)
		r.tmp++
		pre = append(pre, n+" := "+val)
		return n
	}
	switch f := fun.(type) {
	case *ast.FuncLit:
	case *ast.Ident:
		switch r.p.info.Uses[f].(type) {
		case *types.Func, *types.Builtin:
		default:
			r.override[c.Fun] = tmp(r.text(c.Fun))
			set = append(set, c.Fun)
		}
	case *ast.IndexExpr, *ast.IndexListExpr: // generic function instantiation
	case *ast.SelectorExpr:
		if id, ok := f.X.(*ast.Ident); ok {
			if _, ok := r.p.info.Uses[id].(*types.PkgName); ok {
				break
			}
		}
		sel := r.p.info.Selections[f]
		if sel != nil && sel.Kind() == types.MethodVal {
			recv := r.text(f.X)
			fn := sel.Obj().(*types.Func)
			_, recvPtr := fn.Type().(*types.Signature).Recv().Type().(*types.Pointer)
			_, xPtr := r.typeOf(f.X).Underlying().(*types.Pointer)
			if recvPtr && !xPtr && addressable(f.X) {
				recv = "&" + parenIfNeeded(f.X, recv)
			}
			r.override[f.X] = tmp(recv)
			set = append(set, f.X)
		} else {
			r.override[c.Fun] = tmp(r.text(c.Fun))
			set = append(set, c.Fun)
		}
	default:
		r.override[c.Fun] = tmp(r.text(c.Fun))
		set = append(set, c.Fun)
	}
	for _, a := range c.Args {
		if tv, ok := r.p.info.Types[a]; ok && (tv.Value != nil || tv.IsNil() || tv.IsType()) {
			continue
		}
		r.override[a] = tmp(r.text(a))
		set = append(set, a)
	}
	call := r.text(c)
	for _, n := range set {
		delete(r.override, n)
	}
	return "{ " + strings.Join(pre, "; ") + "; " + r.eng + ".Go(" + strconv.Quote(name) + ", " + pos + ", func() { " + call + " }) }"
}

func addressable(x ast.Expr) bool {
	switch ast.Unparen(x).(type) {
	case *ast.Ident, *ast.IndexExpr:
		return true
	case *ast.SelectorExpr:
		return true
	case *ast.StarExpr:
		return true
	}
	return false
}

func parenIfNeeded(x ast.Expr, s string) string {
	switch ast.Unparen(x).(type) {
	case *ast.Ident, *ast.SelectorExpr, *ast.IndexExpr:
		return s
	}
	return "(" + s + ")"
}

// goName is the name of the function a go statement starts, as Go's
// traceback shows it.
func (r *rw) goName(fun ast.Expr) string {
	switch f := fun.(type) {
	case *ast.FuncLit:
		return r.litNames[f]
	case *ast.Ident:
		if fn, ok := r.p.info.Uses[f].(*types.Func); ok {
			return "main." + fn.Name()
		}
	case *ast.IndexExpr:
		return r.goName(f.X) + "[...]"
	case *ast.IndexListExpr:
		return r.goName(f.X) + "[...]"
	case *ast.SelectorExpr:
		if id, ok := f.X.(*ast.Ident); ok {
			if pn, ok := r.p.info.Uses[id].(*types.PkgName); ok {
				return pn.Imported().Path() + "." + f.Sel.Name
			}
		}
		if sel := r.p.info.Selections[f]; sel != nil && sel.Kind() == types.MethodVal {
			fn := sel.Obj().(*types.Func)
			rt := fn.Type().(*types.Signature).Recv().Type()
			ptr := false
			if p, ok := rt.(*types.Pointer); ok {
				rt, ptr = p.Elem(), true
			}
			pkg := "main"
			if fn.Pkg() != nil {
				pkg = fn.Pkg().Path()
			}
			tn := "?"
			if n, ok := types.Unalias(rt).(*types.Named); ok {
				tn = n.Obj().Name()
				if n.TypeArgs().Len() > 0 {
					tn += "[...]"
				}
			}
			if ptr {
				return pkg + ".(*" + tn + ")." + fn.Name()
			}
			return pkg + "." + tn + "." + fn.Name()
		}
	}
	return r.curFunc() + ".gowrap"
}

// ---- calls -----------------------------------------------------------------

// callText renders call c with its function replaced by fun, pre inserted
// before its arguments and post after them, keeping the original text
// between the arguments (line breaks, comments, a trailing comma).
func (r *rw) callText(c *ast.CallExpr, fun string, pre, post []string) string {
	var b strings.Builder
	b.WriteString(fun)
	b.Write(r.src[r.off(c.Fun.End()) : r.off(c.Lparen)+1])
	if len(c.Args) == 0 {
		b.WriteString(strings.Join(append(pre, post...), ", "))
		b.Write(r.src[r.off(c.Lparen)+1 : r.off(c.Rparen)+1])
		return b.String()
	}
	if len(pre) > 0 {
		b.WriteString(strings.Join(pre, ", ") + ", ")
	}
	last := c.Args[len(c.Args)-1]
	kids := make([]ast.Node, len(c.Args))
	for i, a := range c.Args {
		kids[i] = a
	}
	b.WriteString(r.spliceRange(c.Lparen+1, last.End(), kids))
	if len(post) > 0 {
		b.WriteString(", " + strings.Join(post, ", "))
	}
	b.Write(r.src[r.off(last.End()) : r.off(c.Rparen)+1])
	return b.String()
}

// pkgFuncs maps package functions onto the engine: the engine function and
// where its position argument goes ("pre", "post", "" for none).
var pkgFuncs = map[string][2]string{
	"fmt.Println": {"Println", "pre"}, "fmt.Printf": {"Printf", "pre"}, "fmt.Print": {"Print", "pre"},
	"time.Sleep": {"Sleep", "post"}, "time.Now": {"Now", ""}, "time.Since": {"Since", ""}, "time.Until": {"Until", ""},
	"time.After": {"After", "post"}, "time.Tick": {"Tick", "post"}, "time.NewTimer": {"NewTimer", "post"},
	"time.NewTicker": {"NewTicker", "post"}, "time.AfterFunc": {"AfterFunc", "post"},
	"context.Background": {"Background", ""}, "context.TODO": {"TODO", ""},
	"context.WithCancel": {"WithCancel", "post"}, "context.WithTimeout": {"WithTimeout", "post"},
	"context.WithDeadline": {"WithDeadline", "post"}, "context.WithCancelCause": {"WithCancelCause", "post"},
	"context.WithTimeoutCause": {"WithTimeoutCause", "post"}, "context.WithDeadlineCause": {"WithDeadlineCause", "post"},
	"context.WithValue": {"WithValue", ""}, "context.WithoutCancel": {"WithoutCancel", ""}, "context.Cause": {"Cause", ""},
	"sync.NewCond": {"NewCond", ""}, "sync.OnceFunc": {"OnceFunc", ""}, "sync.OnceValue": {"OnceValue", ""},
	"sync.OnceValues": {"OnceValues", ""},
	"net/http.Get":    {"HTTPGet", "post"}, "os.Exit": {"Exit", "post"},
	"runtime.Gosched": {"Gosched", "post"}, "runtime.NumGoroutine": {"NumGoroutine", ""},
	"runtime.GOMAXPROCS": {"GOMAXPROCS", ""}, "runtime.Goexit": {"Goexit", "post"},
}

func init() {
	for _, op := range []string{"Add", "Load", "Store", "Swap", "CompareAndSwap"} {
		for _, t := range []string{"Int32", "Int64", "Uint32", "Uint64", "Uintptr"} {
			pkgFuncs["sync/atomic."+op+t] = [2]string{"Atomic" + op, "post"}
		}
	}
}

// engineTypes maps the standard library's types onto the engine's.
var engineTypes = map[string]string{
	"sync.Mutex": "Mutex", "sync.RWMutex": "RWMutex", "sync.WaitGroup": "WaitGroup", "sync.Once": "Once",
	"sync.Cond": "Cond", "sync.Locker": "Locker",
	"sync/atomic.Int32": "AtomicInt[int32]", "sync/atomic.Int64": "AtomicInt[int64]",
	"sync/atomic.Uint32": "AtomicInt[uint32]", "sync/atomic.Uint64": "AtomicInt[uint64]",
	"sync/atomic.Uintptr": "AtomicInt[uintptr]", "sync/atomic.Bool": "AtomicBool",
	"sync/atomic.Value": "AtomicValue", "sync/atomic.Pointer": "AtomicPointer",
	"time.Timer": "Timer", "time.Ticker": "Ticker", "context.Context": "Context",
}

// enginePkgVars maps package variables.
var enginePkgVars = map[string]string{"os.Stdout": "Stdout", "os.Stderr": "Stderr"}

// engineMethod reports whether fn is a method of a type the engine replaces
// whose engine version takes a position.
func engineMethod(fn *types.Func) bool {
	if fn.Pkg() == nil {
		return false
	}
	sig := fn.Type().(*types.Signature)
	if sig.Recv() == nil {
		return false
	}
	rt := sig.Recv().Type()
	if p, ok := rt.(*types.Pointer); ok {
		rt = p.Elem()
	}
	n, ok := types.Unalias(rt).(*types.Named)
	if !ok {
		return false
	}
	key := fn.Pkg().Path() + "." + n.Obj().Name()
	if _, ok := engineTypes[key]; !ok || key == "context.Context" {
		return false
	}
	switch fn.Pkg().Path() {
	case "time":
		return fn.Name() == "Stop" || fn.Name() == "Reset"
	case "sync":
		return fn.Name() != "RLocker"
	}
	return true
}

func (r *rw) pkgSel(sel *ast.SelectorExpr) (*types.PkgName, string) {
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return nil, ""
	}
	pn, ok := r.p.info.Uses[id].(*types.PkgName)
	if !ok {
		return nil, ""
	}
	return pn, pn.Imported().Path() + "." + sel.Sel.Name
}

// call renders calls that map onto the engine.
func (r *rw) call(c *ast.CallExpr) (string, bool) {
	if s, ok := r.conversion(c); ok {
		return s, true
	}
	fun := ast.Unparen(c.Fun)
	if id, ok := fun.(*ast.Ident); ok {
		if b, ok := r.p.info.Uses[id].(*types.Builtin); ok {
			return r.builtin(c, b.Name())
		}
	}
	sel, ok := fun.(*ast.SelectorExpr)
	if !ok {
		return "", false
	}
	if pn, key := r.pkgSel(sel); pn != nil {
		m, ok := pkgFuncs[key]
		if !ok {
			return "", false
		}
		r.consumed[sel] = true
		f := r.eng + "." + m[0]
		switch m[1] {
		case "pre":
			return r.callText(c, f, []string{r.site(c.Lparen, "")}, nil), true
		case "post":
			return r.callText(c, f, nil, []string{r.site(c.Lparen, r.orig(sel))}), true
		}
		return r.callText(c, f, nil, nil), true
	}
	s := r.p.info.Selections[sel]
	if s == nil || s.Kind() != types.MethodVal {
		return "", false
	}
	fn := s.Obj().(*types.Func)
	if !engineMethod(fn) {
		return "", false
	}
	pos := r.site(sel.Sel.Pos(), r.orig(sel.X))
	post := []string{pos}
	if fn.Name() == "Go" && fn.Pkg().Path() == "sync" {
		name := r.curFunc() + ".gowrap"
		if len(c.Args) == 1 {
			name = r.goName(ast.Unparen(c.Args[0]))
		}
		post = []string{strconv.Quote(name), pos}
	}
	return r.callText(c, r.text(c.Fun), nil, post), true
}

func (r *rw) builtin(c *ast.CallExpr, name string) (string, bool) {
	switch name {
	case "make":
		if ch, ok := isChan(r.typeOf(c.Args[0])); ok {
			return r.makeChan(c, ch), true
		}
	case "close":
		return r.chanRecv(c.Args[0]) + ".Close(" + r.site(c.Lparen, r.orig(c.Args[0])) + ")", true
	case "len", "cap":
		if _, ok := isChan(r.typeOf(c.Args[0])); ok {
			m := ".Len()"
			if name == "cap" {
				m = ".Cap()"
			}
			return r.chanRecv(c.Args[0]) + m, true
		}
	case "println":
		return r.callText(c, r.eng+".PrintlnBuiltin", []string{r.site(c.Lparen, "")}, nil), true
	case "print":
		return r.callText(c, r.eng+".PrintBuiltin", []string{r.site(c.Lparen, "")}, nil), true
	case "recover":
		return r.eng + ".Recover(" + r.splice(c) + ")", true
	}
	return "", false
}

// makeChan renders make(chan T, n) as engine.MakeChan[T](knob, n, pos) and
// records the knob.
func (r *rw) makeChan(c *ast.CallExpr, ch *types.Chan) string {
	knob := r.knobName(c)
	ps := r.p.fset.Position(c.Pos())
	def := "0"
	size := "0"
	if len(c.Args) > 1 {
		def = r.orig(c.Args[1])
		size = r.text(c.Args[1])
		if tv := r.p.info.Types[c.Args[1]]; tv.Value == nil && !types.Identical(tv.Type, types.Typ[types.Int]) {
			size = "int(" + size + ")"
		}
	}
	r.knobs = append(r.knobs, Knob{Name: knob, Default: def, File: ps.Filename, Line: ps.Line})
	var elem string
	conv := ""
	if ct, ok := ast.Unparen(c.Args[0]).(*ast.ChanType); ok {
		elem = r.text(ct.Value)
	} else {
		var err error
		elem, err = r.typeText(ch.Elem())
		if err != nil {
			r.fail(c.Pos(), "%v", err)
		}
		conv = r.text(c.Args[0])
	}
	s := r.eng + ".MakeChan[" + elem + "](" + strconv.Quote(knob) + ", " + size + ", " + r.site(c.Lparen, knob) + ")"
	if conv != "" {
		if r.wrapped(r.typeOf(c.Args[0])) {
			return conv + "{" + s + "}"
		}
		s = "(" + conv + ")(" + s + ")"
	}
	return s
}

// knobName names a make(chan) site after what it is assigned to, else
// file:line.
func (r *rw) knobName(c *ast.CallExpr) string {
	var n ast.Node = c
	p := r.parent[n]
	for {
		if pe, ok := p.(*ast.ParenExpr); ok {
			n, p = pe, r.parent[pe]
			continue
		}
		break
	}
	switch p := p.(type) {
	case *ast.AssignStmt:
		if len(p.Lhs) == len(p.Rhs) {
			for i, e := range p.Rhs {
				if e == n && r.orig(p.Lhs[i]) != "_" {
					return r.orig(p.Lhs[i])
				}
			}
		}
	case *ast.ValueSpec:
		if len(p.Names) == len(p.Values) {
			for i, e := range p.Values {
				if e == n && p.Names[i].Name != "_" {
					return p.Names[i].Name
				}
			}
		}
	case *ast.KeyValueExpr:
		if p.Value == n {
			if id, ok := p.Key.(*ast.Ident); ok {
				return id.Name
			}
		}
	}
	ps := r.p.fset.Position(c.Pos())
	return filepath.Base(ps.Filename) + ":" + strconv.Itoa(ps.Line)
}

// selector renders package selectors that map onto the engine (types,
// os.Stdout) and method values of engine types.
func (r *rw) selector(sel *ast.SelectorExpr) (string, bool) {
	if pn, key := r.pkgSel(sel); pn != nil {
		if t, ok := engineTypes[key]; ok {
			if _, isType := r.p.info.Uses[sel.Sel].(*types.TypeName); isType {
				r.consumed[sel] = true
				return r.eng + "." + t, true
			}
		}
		if v, ok := enginePkgVars[key]; ok {
			r.consumed[sel] = true
			// A positioned writer: its prints point at this line.
			return r.eng + "." + v + "At(" + r.site(sel.Pos(), "") + ")", true
		}
		return "", false
	}
	s := r.p.info.Selections[sel]
	if s == nil || s.Kind() != types.MethodVal {
		if s != nil && s.Kind() == types.MethodExpr {
			if fn, ok := s.Obj().(*types.Func); ok && engineMethod(fn) {
				r.fail(sel.Pos(), "method expression %s is not supported: call the method inside a func literal", r.orig(sel))
			}
		}
		return "", false
	}
	fn := s.Obj().(*types.Func)
	if !engineMethod(fn) {
		return "", false
	}
	if c, ok := r.parent[sel].(*ast.CallExpr); ok && ast.Unparen(c.Fun) == sel {
		return "", false
	}
	if pe, ok := r.parent[sel].(*ast.ParenExpr); ok {
		if c, ok := r.parent[pe].(*ast.CallExpr); ok && c.Fun == pe {
			return "", false
		}
	}
	// A method value: bind the receiver now, call with a position later.
	sig := fn.Type().(*types.Signature)
	if sig.Params().Len() != 0 {
		r.fail(sel.Pos(), "method value %s is not supported: call the method inside a func literal", r.orig(sel))
		return "", false
	}
	res := ""
	ret := ""
	if sig.Results().Len() == 1 {
		t, err := r.typeText(sig.Results().At(0).Type())
		if err != nil {
			r.fail(sel.Pos(), "%v", err)
		}
		res, ret = " "+t, "return "
	}
	recv := r.text(sel.X)
	_, recvPtr := sig.Recv().Type().(*types.Pointer)
	_, xPtr := r.typeOf(sel.X).Underlying().(*types.Pointer)
	if recvPtr && !xPtr && addressable(sel.X) {
		recv = "&" + parenIfNeeded(sel.X, recv)
	}
	pos := r.site(sel.Sel.Pos(), r.orig(sel.X))
	return "func() func()" + res + " { _cvz_r := " + recv + "; return func()" + res + " { " + ret + "_cvz_r." + fn.Name() + "(" + pos + ") } }()", true
}

// ---- types -----------------------------------------------------------------

// typeText writes t as Go source in the rewritten program: channel types
// become *engine.Chan[T], the standard library's sync, atomic, time and
// context types become the engine's, other packages' types are qualified with
// their import name in the current file.
func (r *rw) typeText(t types.Type) (string, error) {
	switch t := t.(type) {
	case *types.Basic:
		switch t.Kind() {
		case types.UnsafePointer, types.Invalid:
			return "", fmt.Errorf("cannot write type %s", t)
		case types.UntypedNil:
			return "", fmt.Errorf("untyped nil has no type")
		}
		if t.Info()&types.IsUntyped != 0 {
			return r.typeText(types.Default(t))
		}
		return t.Name(), nil
	case *types.Pointer:
		e, err := r.typeText(t.Elem())
		return "*" + e, err
	case *types.Slice:
		e, err := r.typeText(t.Elem())
		return "[]" + e, err
	case *types.Array:
		e, err := r.typeText(t.Elem())
		return "[" + strconv.FormatInt(t.Len(), 10) + "]" + e, err
	case *types.Map:
		k, err := r.typeText(t.Key())
		if err != nil {
			return "", err
		}
		v, err := r.typeText(t.Elem())
		return "map[" + k + "]" + v, err
	case *types.Chan:
		e, err := r.typeText(t.Elem())
		return "*" + r.eng + ".Chan[" + e + "]", err
	case *types.Signature:
		return r.sigText(t, "func")
	case *types.Struct:
		var fs []string
		for i := 0; i < t.NumFields(); i++ {
			f := t.Field(i)
			ft, err := r.typeText(f.Type())
			if err != nil {
				return "", err
			}
			s := ft
			if !f.Embedded() {
				s = f.Name() + " " + ft
			}
			if tag := t.Tag(i); tag != "" {
				s += " " + strconv.Quote(tag)
			}
			fs = append(fs, s)
		}
		return "struct{" + strings.Join(fs, "; ") + "}", nil
	case *types.Interface:
		if t.Empty() {
			return "any", nil
		}
		var ms []string
		for i := 0; i < t.NumEmbeddeds(); i++ {
			e, err := r.typeText(t.EmbeddedType(i))
			if err != nil {
				return "", err
			}
			ms = append(ms, e)
		}
		for i := 0; i < t.NumExplicitMethods(); i++ {
			m := t.ExplicitMethod(i)
			s, err := r.sigText(m.Type().(*types.Signature), m.Name())
			if err != nil {
				return "", err
			}
			ms = append(ms, s)
		}
		return "interface{" + strings.Join(ms, "; ") + "}", nil
	case *types.Union:
		var ts []string
		for i := 0; i < t.Len(); i++ {
			s, err := r.typeText(t.Term(i).Type())
			if err != nil {
				return "", err
			}
			if t.Term(i).Tilde() {
				s = "~" + s
			}
			ts = append(ts, s)
		}
		return strings.Join(ts, " | "), nil
	case *types.TypeParam:
		return t.Obj().Name(), nil
	case *types.Alias:
		return r.namedText(t.Obj(), t.TypeArgs())
	case *types.Named:
		return r.namedText(t.Obj(), t.TypeArgs())
	}
	return "", fmt.Errorf("cannot write type %s", t)
}

func (r *rw) namedText(obj *types.TypeName, targs *types.TypeList) (string, error) {
	var args []string
	for i := 0; i < targs.Len(); i++ {
		a, err := r.typeText(targs.At(i))
		if err != nil {
			return "", err
		}
		args = append(args, a)
	}
	suffix := ""
	if len(args) > 0 {
		suffix = "[" + strings.Join(args, ", ") + "]"
	}
	if obj.Pkg() == nil { // error, any, comparable
		return obj.Name() + suffix, nil
	}
	if obj.Pkg() == r.p.pkg {
		if obj.Parent() != nil && obj.Parent() != r.p.pkg.Scope() {
			// A type local to a function can be named only inside it.
			if len(r.funcs) == 0 || r.curFunc() == "main.init" {
				return "", fmt.Errorf("cannot name local type %s here", obj.Name())
			}
		}
		return obj.Name() + suffix, nil
	}
	key := obj.Pkg().Path() + "." + obj.Name()
	if e, ok := engineTypes[key]; ok {
		return r.eng + "." + e + suffix, nil
	}
	// The package's name in the current file.
	for _, is := range r.p.files[r.fi].Imports {
		path, _ := strconv.Unquote(is.Path.Value)
		if path != obj.Pkg().Path() {
			continue
		}
		if is.Name != nil {
			if is.Name.Name == "_" || is.Name.Name == "." {
				continue
			}
			r.pkgUsed[path] = true
			return is.Name.Name + "." + obj.Name() + suffix, nil
		}
		r.pkgUsed[path] = true
		return obj.Pkg().Name() + "." + obj.Name() + suffix, nil
	}
	return "", fmt.Errorf("cannot name type %s: package %s is not imported in this file", obj.Name(), obj.Pkg().Path())
}

func (r *rw) sigText(s *types.Signature, prefix string) (string, error) {
	tuple := func(t *types.Tuple, variadic bool) ([]string, error) {
		var out []string
		for i := 0; i < t.Len(); i++ {
			v := t.At(i)
			if variadic && i == t.Len()-1 {
				e, err := r.typeText(v.Type().(*types.Slice).Elem())
				if err != nil {
					return nil, err
				}
				out = append(out, "..."+e)
				continue
			}
			e, err := r.typeText(v.Type())
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		return out, nil
	}
	ps, err := tuple(s.Params(), s.Variadic())
	if err != nil {
		return "", err
	}
	rs, err := tuple(s.Results(), false)
	if err != nil {
		return "", err
	}
	out := prefix + "(" + strings.Join(ps, ", ") + ")"
	switch len(rs) {
	case 0:
	case 1:
		out += " " + rs[0]
	default:
		out += " (" + strings.Join(rs, ", ") + ")"
	}
	return out, nil
}

func isUntyped(t types.Type) bool {
	b, ok := t.(*types.Basic)
	return ok && b.Info()&types.IsUntyped != 0
}
