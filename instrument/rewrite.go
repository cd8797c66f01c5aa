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
	mem      *memInfo // which variables are shared, see analyseMemory
	plain    int      // > 0 in a constant expression or an initialiser Go runs: no engine operations

	consumed map[*ast.SelectorExpr]bool // package selectors replaced by engine ones
	movedRHS map[ast.Expr]string        // moved package-level initialisers: the function running each
	fileInit []string                   // the current file's initialiser functions
	pkgUsed  map[string]bool            // import paths the current file needs for generated type names
	moved    map[*types.Var]bool
	inits    []string // renamed user init functions, in order

	constKnobs   []ConstKnob
	untypedKnobs map[*types.Const]bool   // untyped integer knob constants, now int variables
	knobInits    []string                // functions setting the knob constants' variables
	varFuncs     map[*types.Var]ast.Expr // see varFunc
	adapt        map[ast.Expr]adaptation // implicit conversions to spell out, see findAdaptations
	adapting     map[ast.Expr]bool
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
	if err := r.checkWrappedTypeArgs(); err != nil {
		return nil, err
	}
	r.nameClosures()
	r.findUntypedKnobs()
	r.findAdaptations()
	r.analyseMemory()
	r.adapting = map[ast.Expr]bool{}
	res := &Result{}
	for fi := range p.files {
		out := r.renderFile(fi)
		if r.err != nil {
			return nil, r.err
		}
		res.Files = append(res.Files, File{Name: buildName(filepath.Base(p.names[fi]), out), Src: []byte(out)})
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

// isChan reports whether t is a channel type, or a type parameter whose
// every type is a channel of one element type (func f[C ~chan int](c C)).
func isChan(t types.Type) (*types.Chan, bool) {
	if t == nil {
		return nil, false
	}
	if tp, ok := types.Unalias(t).(*types.TypeParam); ok {
		c := termsChan(tp.Constraint())
		return c, c != nil
	}
	c, ok := t.Underlying().(*types.Chan)
	return c, ok
}

// termsChan returns a channel type of the type set of constraint t when all
// its terms are channels with identical element types, else nil.
func termsChan(t types.Type) *types.Chan {
	var found *types.Chan
	var visit func(t types.Type) bool
	visit = func(t types.Type) bool {
		switch u := t.Underlying().(type) {
		case *types.Interface:
			for i := 0; i < u.NumEmbeddeds(); i++ {
				if !visit(u.EmbeddedType(i)) {
					return false
				}
			}
			return true
		case *types.Union:
			for i := 0; i < u.Len(); i++ {
				if !visit(u.Term(i).Type()) {
					return false
				}
			}
			return true
		case *types.Chan:
			if found != nil && !types.Identical(found.Elem(), u.Elem()) {
				return false
			}
			if found == nil {
				found = u
			}
			return true
		}
		return false
	}
	if !visit(t) {
		return nil
	}
	return found
}

func isRecv(e ast.Expr) (*ast.UnaryExpr, bool) {
	u, ok := ast.Unparen(e).(*ast.UnaryExpr)
	return u, ok && u.Op == token.ARROW
}

// text renders n.
func (r *rw) text(n ast.Node) string {
	if e, ok := n.(ast.Expr); ok && !r.adapting[e] {
		if a, ok := r.adapt[e]; ok {
			if _, over := r.override[e]; !over {
				r.adapting[e] = true
				s := r.text(e)
				delete(r.adapting, e)
				return a.pre + s + a.post
			}
		}
	}
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
		return r.recvText(n.Chan) + ".Send(" + r.text(n.Value) + ", " + r.site(n.Arrow, r.orig(n.Chan)) + ")"
	case *ast.UnaryExpr:
		if n.Op == token.ARROW {
			return r.recvText(n.X) + ".Recv1(" + r.site(n.OpPos, r.orig(n.X)) + ")"
		}
	case *ast.AssignStmt:
		if len(n.Lhs) == 2 && len(n.Rhs) == 1 {
			if u, ok := isRecv(n.Rhs[0]); ok {
				r.override[n.Rhs[0]] = r.recvText(u.X) + ".Recv(" + r.site(u.OpPos, r.orig(u.X)) + ")"
				defer delete(r.override, n.Rhs[0])
			}
		}
	case *ast.ValueSpec:
		if len(n.Names) == 2 && len(n.Values) == 1 {
			if u, ok := isRecv(n.Values[0]); ok {
				r.override[n.Values[0]] = r.recvText(u.X) + ".Recv(" + r.site(u.OpPos, r.orig(u.X)) + ")"
				defer delete(r.override, n.Values[0])
			}
		}
	case *ast.RangeStmt:
		if _, ok := isChan(r.typeOf(n.X)); ok {
			r.override[n.X] = r.recvText(n.X) + ".Range(" + r.site(n.For, r.orig(n.X)) + ")"
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
	case *ast.TypeAssertExpr:
		r.refuseDirection(n.Type)
	case *ast.TypeSwitchStmt:
		for _, st := range n.Body.List {
			for _, e := range st.(*ast.CaseClause).List {
				r.refuseDirection(e)
			}
		}
	case *ast.SelectStmt:
		return r.selectStmt(n)
	case *ast.GoStmt:
		return r.goStmt(n)
	case *ast.CallExpr:
		defer r.fmtVerbs(n)()
		if s, ok := r.call(n); ok {
			return s
		}
	case *ast.SelectorExpr:
		if s, ok := r.selector(n); ok {
			return s
		}
	}
	if s, ok := r.memNode(n); ok {
		return s
	}
	return r.splice(n)
}

// recvText renders a channel operand so that a method can be called on it:
// parenthesised where needed, converted to *Chan[T] where its type is a
// named channel type (whose method set is empty), unwrapped where that type
// has methods (see wrapped).
func (r *rw) recvText(x ast.Expr) string {
	s, converted := r.chanOperand(x)
	if converted {
		return s
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

// chanArg renders a channel operand passed as a *Chan[T] argument.
func (r *rw) chanArg(x ast.Expr) string {
	s, _ := r.chanOperand(x)
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

// checkWrappedTypeArgs refuses a wrapped type as the type argument of a type
// parameter whose constraint allows channels (~chan E): the constraint
// becomes ~*engine.Chan[E], which a struct wrapping the channel does not
// satisfy, and the program would fail to compile after the rewrite.
func (r *rw) checkWrappedTypeArgs() error {
	var first *Error
	var firstPos token.Pos
	for id, inst := range r.p.info.Instances {
		var tparams *types.TypeParamList
		switch obj := r.p.info.Uses[id].(type) {
		case *types.Func:
			tparams = obj.Origin().Type().(*types.Signature).TypeParams()
		case *types.TypeName:
			if n, ok := obj.Type().(*types.Named); ok {
				tparams = n.Origin().TypeParams()
			}
		}
		for i := 0; tparams != nil && i < inst.TypeArgs.Len() && i < tparams.Len(); i++ {
			arg := inst.TypeArgs.At(i)
			if !r.wrapped(arg) || !allowsChan(tparams.At(i).Constraint()) || (first != nil && id.Pos() > firstPos) {
				continue
			}
			pos := r.p.fset.Position(id.Pos())
			first, firstPos = &Error{File: pos.Filename, Line: pos.Line, Col: pos.Column,
				Msg: fmt.Sprintf("%s (a channel type with methods) as the type argument of %s is not supported: pass it as a plain channel, (%s)(x)",
					types.TypeString(arg, types.RelativeTo(r.p.pkg)), tparams.At(i).Obj().Name(),
					types.TypeString(arg.Underlying(), types.RelativeTo(r.p.pkg)))}, id.Pos()
		}
	}
	if first == nil {
		return nil
	}
	return first
}

// allowsChan reports whether a constraint's type set has channel terms.
func allowsChan(c types.Type) bool {
	iface, ok := c.Underlying().(*types.Interface)
	if !ok {
		return false
	}
	for i := 0; i < iface.NumEmbeddeds(); i++ {
		e := iface.EmbeddedType(i)
		if u, ok := e.(*types.Union); ok {
			for j := 0; j < u.Len(); j++ {
				if _, ok := u.Term(j).Type().Underlying().(*types.Chan); ok {
					return true
				}
			}
			continue
		}
		if _, ok := e.Underlying().(*types.Chan); ok {
			return true
		}
		if allowsChan(e) {
			return true
		}
	}
	return false
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
		fun := r.text(c.Fun)
		if _, paren := c.Fun.(*ast.ParenExpr); !paren {
			fun = "(" + fun + ")" // chan int(q) becomes (*engine.Chan[int])(q), not *engine.Chan[int](q)
		}
		return r.callText(c, fun, nil, nil), true
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

// refuseDirection refuses a type assertion or type switch case to a
// directional channel type: every channel is a *engine.Chan[T] at run time,
// so the assertion could not tell the directions apart as Go does.
func (r *rw) refuseDirection(te ast.Expr) {
	if te == nil {
		return
	}
	if c, ok := types.Unalias(r.typeOf(te)).(*types.Chan); ok && c.Dir() != types.SendRecv {
		r.fail(te.Pos(), "type assertion to %s is not supported: concviz does not keep a channel's direction at run time", r.orig(te))
	}
}
