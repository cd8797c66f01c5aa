package instrument

import (
	"go/ast"
	"go/types"
	"path/filepath"
	"strconv"
	"strings"
)

// Calls, builtins, make(chan) and selectors: where the standard library's concurrency API meets
// the engine.

// callText renders call c with its function replaced by fun, pre inserted
// before its arguments and post after them, keeping the original text
// between the arguments (line breaks, comments, a trailing comma).
func (r *rw) callText(c *ast.CallExpr, fun string, pre, post []string) string {
	if len(pre)+len(post) > 0 {
		if s, ok := r.spreadCall(c, fun, pre, post); ok {
			return s
		}
	}
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

// spreadCall renders f(g()), g returning several values, where pre or post
// must join them: Go spreads a multi-value call only as a call's sole
// argument, so a function literal with f's parameters receives them, as in
// func(a ...any) (int, error) { return fun(pre, a..., post) }(g()).
func (r *rw) spreadCall(c *ast.CallExpr, fun string, pre, post []string) (string, bool) {
	if len(c.Args) != 1 {
		return "", false
	}
	if _, ok := r.typeOf(c.Args[0]).(*types.Tuple); !ok {
		return "", false
	}
	sig, ok := r.typeOf(c.Fun).(*types.Signature)
	if !ok {
		return "", false
	}
	ps, err := tupleTexts(sig.Params(), sig.Variadic(), r.typeText)
	if err != nil {
		return "", false
	}
	rs, err := tupleTexts(sig.Results(), false, r.typeText)
	if err != nil {
		return "", false
	}
	args := append([]string(nil), pre...)
	for i, t := range ps {
		name := r.temp("a")
		ps[i] = name + " " + t
		if strings.HasPrefix(t, "...") {
			name += "..."
		}
		args = append(args, name)
	}
	body := fun + "(" + strings.Join(append(args, post...), ", ") + ")"
	if len(rs) > 0 {
		body = "return " + body
	}
	return "func(" + strings.Join(ps, ", ") + ")" + resultsText(rs) + " { " + body + " }(" + r.text(c.Args[0]) + ")", true
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
		f := r.eng + "." + m.engineExpr()
		switch m.pos {
		case posPre:
			return r.callText(c, f, []string{r.site(c.Lparen, "")}, nil), true
		case posPost:
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
		name := r.curFunc() + gowrap
		if len(c.Args) == 1 {
			name = r.goName(ast.Unparen(c.Args[0]))
		}
		post = []string{strconv.Quote(name), pos}
	}
	return r.callText(c, r.text(c.Fun), nil, post), true
}

func (r *rw) builtin(c *ast.CallExpr, name string) (string, bool) {
	if s, ok := r.mapBuiltin(c, name); ok {
		return s, true
	}
	switch name {
	case "make":
		if ch, ok := isChan(r.typeOf(c.Args[0])); ok {
			return r.makeChan(c, ch), true
		}
	case "close":
		return r.recvText(c.Args[0]) + ".Close(" + r.site(c.Lparen, r.orig(c.Args[0])) + ")", true
	case "len", "cap":
		if _, ok := isChan(r.typeOf(c.Args[0])); ok {
			m := ".Len()"
			if name == "cap" {
				m = ".Cap()"
			}
			return r.recvText(c.Args[0]) + m, true
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
	n, p := operandOf(c, r.parent)
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
		if m, ok := pkgFuncs[key]; ok {
			r.consumed[sel] = true
			return r.funcValue(sel, m), true
		}
		return "", false
	}
	if s, ok := r.writerMethod(sel); ok {
		return s, true
	}
	s := r.p.info.Selections[sel]
	if s == nil || s.Kind() != types.MethodVal {
		if s != nil && s.Kind() == types.MethodExpr {
			if fn, ok := s.Obj().(*types.Func); ok && engineMethod(fn) {
				return r.methodExpr(sel, fn), true
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
	recv := r.text(sel.X)
	_, recvPtr := fn.Type().(*types.Signature).Recv().Type().(*types.Pointer)
	_, xPtr := r.typeOf(sel.X).Underlying().(*types.Pointer)
	if recvPtr && !xPtr && addressable(sel.X) {
		recv = "&" + parenIfNeeded(sel.X, recv)
	}
	sig, _ := r.typeOf(sel).(*types.Signature)
	if sig == nil {
		return "", false
	}
	w, err := r.wrapper(sig, func(args []string) string { return "_cvz_r." + r.methodCall(sel, fn, args, r.orig(sel.X)) })
	if err != nil {
		r.fail(sel.Pos(), "%v", err)
		return "", false
	}
	return "func() " + w.typ + " { _cvz_r := " + recv + "; return " + w.lit + " }()", true
}
