package instrument

import (
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// Shared memory accesses rewritten onto the engine (engine.Read, Write,
// Update, MapRead, MapRead2, MapAll, MapWrite, MapUpdate, MapDelete); loops
// and engine.Compute are in loops.go. Which accesses: the package doc,
// decided in shared.go.

// instrumenting reports whether accesses here become engine operations:
// inside a function or a package initialiser moved into the run, not in a
// constant expression nor an initialiser Go runs before the run.
func (r *rw) instrumenting() bool { return r.plain == 0 && len(r.funcs) > 0 }

// memNode renders n where it accesses shared memory; called by text for
// the nodes it renders from their children.
func (r *rw) memNode(n ast.Node) (string, bool) {
	switch n := n.(type) {
	case ast.Expr:
		return r.memExpr(n)
	case *ast.AssignStmt:
		if len(n.Lhs) == 2 && len(n.Rhs) == 1 {
			defer r.commaOKMap(n.Rhs[0])()
		}
		if s, ok := r.assign(n); ok {
			return s, true
		}
		return r.splice(n), true
	case *ast.ValueSpec:
		if len(n.Names) == 2 && len(n.Values) == 1 {
			defer r.commaOKMap(n.Values[0])()
			return r.splice(n), true
		}
	case *ast.RangeStmt:
		defer r.rangeMap(n)()
		if s, ok := r.rangeAssign(n); ok {
			return s, true
		}
		if s, ok := r.rangeElems(n); ok {
			return s, true
		}
		return r.splice(n), true
	case *ast.IncDecStmt:
		return r.incDec(n)
	case *ast.BlockStmt:
		return r.computeBody(n)
	}
	return "", false
}

// memExpr renders e as an engine read where it reads a shared location.
func (r *rw) memExpr(e ast.Expr) (string, bool) {
	if !r.instrumenting() {
		return "", false
	}
	if tv, ok := r.p.info.Types[e]; ok && tv.Value != nil {
		r.plain++
		defer func() { r.plain-- }()
		return r.text(e), true
	}
	switch e.(type) {
	case *ast.Ident, *ast.SelectorExpr, *ast.IndexExpr, *ast.StarExpr:
	default:
		return "", false
	}
	k := r.locOf(e)
	if k == locNone || r.ctxOf(e) != ctxRead {
		return "", false
	}
	if k == locMap {
		ix := e.(*ast.IndexExpr)
		return r.eng + ".MapRead(" + r.text(ix.X) + ", " + r.mapKey(ix.X, ix.Index) + ", " + r.site(ix.Pos(), r.orig(ix.X)) + ")", true
	}
	return r.eng + ".Read(" + r.addrText(e) + ", " + r.site(e.Pos(), r.orig(e)) + ")", true
}

// addrText renders the address of location e: &e, or p for *p.
func (r *rw) addrText(e ast.Expr) string {
	if st, ok := ast.Unparen(e).(*ast.StarExpr); ok {
		return r.text(st.X)
	}
	return "&" + r.splice(e)
}

// commaOKMap renders v, ok := m[k] (or =, or var) on a shared map as
// MapRead2; the returned function undoes it.
func (r *rw) commaOKMap(rhs ast.Expr) func() {
	ix, ok := ast.Unparen(rhs).(*ast.IndexExpr)
	if !ok || !r.instrumenting() || r.locKindOf(ix) != locMap {
		return func() {}
	}
	r.override[rhs] = r.eng + ".MapRead2(" + r.text(ix.X) + ", " + r.mapKey(ix.X, ix.Index) + ", " + r.site(ix.Pos(), r.orig(ix.X)) + ")"
	return func() { delete(r.override, rhs) }
}

// mapBuiltin renders len, delete and clear on a shared map.
func (r *rw) mapBuiltin(c *ast.CallExpr, name string) (string, bool) {
	if len(c.Args) == 0 || !r.instrumenting() || r.privateBase(c.Args[0]) {
		return "", false
	}
	if tv, ok := r.p.info.Types[c]; ok && tv.Value != nil {
		return "", false
	}
	t := r.typeOf(c.Args[0])
	if t == nil {
		return "", false
	}
	if _, ok := t.Underlying().(*types.Map); !ok {
		return "", false
	}
	m := c.Args[0]
	pos := r.site(c.Lparen, r.orig(m))
	switch name {
	case "len":
		return "len(" + r.eng + ".MapAll(" + r.text(m) + ", " + pos + "))", true
	case "clear":
		return r.eng + ".MapClear(" + r.text(m) + ", " + pos + ")", true
	case "delete":
		if len(c.Args) == 2 {
			return r.eng + ".MapDelete(" + r.text(m) + ", " + r.mapKey(m, c.Args[1]) + ", " + pos + ")", true
		}
	}
	return "", false
}

// selectAssign renders a select case's v, ok = <-ch storing to shared
// locations, the received values being rhs.
func (r *rw) selectAssign(comm *ast.AssignStmt, rhs string) (string, bool) {
	if comm.Tok != token.ASSIGN {
		return "", false
	}
	r.override[comm.Rhs[0]] = rhs
	defer delete(r.override, comm.Rhs[0])
	return r.assign(comm)
}

// mapKey renders key k of map m as the map's key type, so the engine's
// generic map functions infer their type arguments from the map alone.
func (r *rw) mapKey(m, k ast.Expr) string {
	s := r.text(k)
	mt, ok := r.typeOf(m).Underlying().(*types.Map)
	if !ok {
		return s
	}
	if c, ok := r.convTo(s, r.typeOf(k), mt.Key()); ok {
		return c
	}
	return s
}

// convTo renders val (of type from) as a value of type to where Go would
// convert it implicitly, so the engine's generic functions infer to.
func (r *rw) convTo(val string, from, to types.Type) (string, bool) {
	if from == nil || to == nil || types.Identical(from, to) {
		return val, true
	}
	if b, ok := from.(*types.Basic); ok && b.Info()&types.IsUntyped != 0 && b.Kind() != types.UntypedNil {
		from = types.Default(from)
		if types.Identical(from, to) {
			return val, true
		}
	}
	tt, err := r.typeText(to)
	if err != nil {
		return "", false
	}
	return "(" + tt + ")(" + val + ")", true
}

func (r *rw) temp(prefix string) string {
	n := "_cvz_" + prefix + strconv.Itoa(r.tmp)
	r.tmp++
	return n
}

// opFunc renders func(v T) T { return v op y } (y "" for ++ and --).
func (r *rw) opFunc(t types.Type, op token.Token, y string) (string, bool) {
	tt, err := r.typeText(t)
	if err != nil {
		return "", false
	}
	var body string
	switch op {
	case token.INC, token.DEC:
		body = "_cvz_v" + op.String() + "; return _cvz_v"
	default:
		body = "return _cvz_v " + strings.TrimSuffix(op.String(), "=") + " " + y
	}
	return "func(_cvz_v " + tt + ") " + tt + " { " + body + " }", true
}

// incDec renders x++ and x-- on a shared location as engine.Update.
func (r *rw) incDec(n *ast.IncDecStmt) (string, bool) {
	if !r.instrumenting() {
		return "", false
	}
	k := r.locOf(n.X)
	if k == locNone {
		return "", false
	}
	fn, ok := r.opFunc(r.typeOf(n.X), n.Tok, "")
	if !ok {
		return "", false
	}
	return r.update(n.X, k, fn, n.TokPos), true
}

// update renders engine.Update (or MapUpdate) of location x with op fn.
func (r *rw) update(x ast.Expr, k locKind, fn string, pos token.Pos) string {
	if k == locMap {
		ix := ast.Unparen(x).(*ast.IndexExpr)
		return r.eng + ".MapUpdate(" + r.text(ix.X) + ", " + r.mapKey(ix.X, ix.Index) + ", " + fn + ", " + r.site(pos, r.orig(ix.X)) + ")"
	}
	return r.eng + ".Update(" + r.addrText(x) + ", " + fn + ", " + r.site(pos, r.orig(x)) + ")"
}

// hasCall reports whether evaluating e may run code: a call or a receive.
func (r *rw) hasCall(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if tv, ok := r.p.info.Types[n.Fun]; !ok || !tv.IsType() {
				found = true
			}
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				found = true
			}
		}
		return !found
	})
	return found
}

// callsRecover reports whether n calls recover outside a function literal.
func (r *rw) callsRecover(n ast.Node) bool {
	found := false
	ast.Inspect(n, func(c ast.Node) bool {
		switch c := c.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			found = found || builtinName(r, c) == "recover"
		}
		return !found
	})
	return found
}

// opAssign renders x op= y on a shared location as engine.Update. y is
// evaluated before x is read when it calls a function, as gc orders it.
func (r *rw) opAssign(n *ast.AssignStmt) (string, bool) {
	x, y := n.Lhs[0], n.Rhs[0]
	k := r.locOf(x)
	if k == locNone {
		return "", false
	}
	xt := r.typeOf(x)
	if !r.hasCall(y) {
		fn, ok := r.opFunc(xt, n.Tok, "("+r.text(y)+")")
		if !ok {
			return "", false
		}
		return r.update(x, k, fn, n.TokPos), true
	}
	if r.callsRecover(y) {
		return "", false // recover must stay called by the deferred function itself
	}
	yv := r.temp("y")
	fn, ok := r.opFunc(xt, n.Tok, yv)
	if !ok {
		return "", false
	}
	var pre []string
	var call string
	if k == locMap {
		ix := ast.Unparen(x).(*ast.IndexExpr)
		mv, kv := r.temp("m"), r.mapKey(ix.X, ix.Index)
		pre = append(pre, mv+" := "+r.text(ix.X))
		if tv := r.p.info.Types[ix.Index]; tv.Value == nil {
			kt := r.temp("k")
			pre = append(pre, kt+" := "+kv)
			kv = kt
		}
		call = r.eng + ".MapUpdate(" + mv + ", " + kv + ", " + fn + ", " + r.site(n.TokPos, r.orig(ix.X)) + ")"
	} else {
		pv := r.temp("p")
		pre = append(pre, pv+" := "+r.addrText(x))
		call = r.eng + ".Update(" + pv + ", " + fn + ", " + r.site(n.TokPos, r.orig(x)) + ")"
	}
	pre = append(pre, yv+" := "+r.text(y))
	return "func() { " + strings.Join(pre, "; ") + "; " + call + " }()", true
}

// store is one left-hand side of an assignment.
type store struct {
	lhs  ast.Expr
	kind locKind
}

// assign renders an assignment storing to shared locations: engine.Write
// and MapWrite, keeping Go's order (the left side's operands and all right
// sides first, then the stores left to right). It reports false, leaving
// the assignment plain, where it cannot.
func (r *rw) assign(n *ast.AssignStmt) (string, bool) {
	if !r.instrumenting() {
		return "", false
	}
	if n.Tok != token.ASSIGN && n.Tok != token.DEFINE {
		if len(n.Lhs) == 1 && len(n.Rhs) == 1 {
			return r.opAssign(n)
		}
		return "", false
	}
	stores := make([]store, len(n.Lhs))
	any := false
	for i, l := range n.Lhs {
		stores[i] = store{lhs: l}
		if id, ok := l.(*ast.Ident); ok && (id.Name == "_" || n.Tok == token.DEFINE && r.p.info.Defs[id] != nil) {
			continue
		}
		stores[i].kind = r.locOf(l)
		any = any || stores[i].kind != locNone
	}
	if !any {
		return "", false
	}
	rhsType := func(i int) types.Type {
		if len(n.Rhs) == len(n.Lhs) {
			return r.typeOf(n.Rhs[i])
		}
		if tup, ok := r.typeOf(n.Rhs[0]).(*types.Tuple); ok && i < tup.Len() {
			return tup.At(i).Type()
		}
		return nil
	}
	// Check every conversion can be written before rendering anything.
	for i, s := range stores {
		if s.kind != locNone {
			if _, ok := r.convTo("", rhsType(i), r.typeOf(s.lhs)); !ok {
				return "", false
			}
		}
	}
	if n.Tok == token.ASSIGN && len(n.Lhs) == 1 {
		v, _ := r.convTo(r.text(n.Rhs[0]), rhsType(0), r.typeOf(n.Lhs[0]))
		return r.write(stores[0], "", v, n.TokPos), true
	}
	if n.Tok == token.DEFINE {
		return r.redeclare(n, stores, rhsType)
	}
	// a, b = x, y: a closure keeps the temporaries out of the enclosing
	// scope, where a goto might jump over them.
	if r.callsRecover(n) {
		return "", false // recover must stay called by the deferred function itself
	}
	var pre, post []string
	vals := make([]string, len(stores))
	isMapIndex := func(e ast.Expr) bool {
		ix, ok := ast.Unparen(e).(*ast.IndexExpr)
		if !ok {
			return false
		}
		_, ok = r.typeOf(ix.X).Underlying().(*types.Map)
		return ok
	}
	for i, s := range stores {
		// A plain location's operands are evaluated before any store too
		// (x, a[x] = 1, 2 indexes with the old x).
		_, ident := ast.Unparen(s.lhs).(*ast.Ident)
		switch {
		case s.kind == locNone && ident:
		case s.kind == locMap || s.kind == locNone && isMapIndex(s.lhs):
			ix := ast.Unparen(s.lhs).(*ast.IndexExpr)
			mv := r.temp("m")
			pre = append(pre, mv+" := "+r.text(ix.X))
			kv := r.mapKey(ix.X, ix.Index)
			if tv := r.p.info.Types[ix.Index]; tv.Value == nil {
				kt := r.temp("k")
				pre = append(pre, kt+" := "+kv)
				kv = kt
			}
			vals[i] = mv + "\x00" + kv
		default:
			pv := r.temp("p")
			pre = append(pre, pv+" := "+r.addrText(s.lhs))
			vals[i] = pv
		}
	}
	tmps := make([]string, len(stores))
	for i := range stores {
		tmps[i] = r.temp("v")
	}
	if len(n.Rhs) == len(n.Lhs) {
		for i, e := range n.Rhs {
			if tv := r.p.info.Types[e]; tv.Value != nil || tv.IsNil() {
				tmps[i] = r.text(e) // a constant: nothing to evaluate, and its type comes from the left
				continue
			}
			pre = append(pre, tmps[i]+" := "+r.text(e))
		}
	} else {
		pre = append(pre, strings.Join(tmps, ", ")+" := "+r.text(n.Rhs[0]))
	}
	for i, s := range stores {
		switch {
		case s.kind == locNone && isBlank(n.Lhs[i]):
			post = append(post, "_ = "+tmps[i])
		case s.kind == locNone && vals[i] == "":
			post = append(post, r.text(n.Lhs[i])+" = "+tmps[i])
		case s.kind == locNone:
			if m, k, ok := strings.Cut(vals[i], "\x00"); ok {
				post = append(post, m+"["+k+"] = "+tmps[i])
			} else {
				post = append(post, "*"+vals[i]+" = "+tmps[i])
			}
		default:
			v, _ := r.convTo(tmps[i], rhsType(i), r.typeOf(n.Lhs[i]))
			post = append(post, r.write(store{lhs: n.Lhs[i], kind: s.kind}, vals[i], v, n.TokPos))
		}
	}
	return "func() { " + strings.Join(append(pre, post...), "; ") + " }()", true
}

func isBlank(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "_"
}

// write renders the store of v to s; at is the location's address (or map
// and key, joined by NUL) already evaluated, or "" to evaluate it here.
func (r *rw) write(s store, at, v string, pos token.Pos) string {
	if s.kind == locMap {
		ix := ast.Unparen(s.lhs).(*ast.IndexExpr)
		site := r.site(pos, r.orig(ix.X))
		if at != "" {
			m, k, _ := strings.Cut(at, "\x00")
			return r.eng + ".MapWrite(" + m + ", " + k + ", " + v + ", " + site + ")"
		}
		return r.eng + ".MapWrite(" + r.text(ix.X) + ", " + r.mapKey(ix.X, ix.Index) + ", " + v + ", " + site + ")"
	}
	site := r.site(pos, r.orig(s.lhs))
	if at == "" {
		at = r.addrText(s.lhs)
	}
	return r.eng + ".Write(" + at + ", " + v + ", " + site + ")"
}

// redeclare renders x, err := f() where err is a shared variable declared
// before: the new variables stay declared here, each shared one gets a
// temporary, stored after the declaration.
func (r *rw) redeclare(n *ast.AssignStmt, stores []store, rhsType func(int) types.Type) (string, bool) {
	switch r.parent[n].(type) {
	case *ast.BlockStmt, *ast.CaseClause, *ast.CommClause:
	default:
		return "", false
	}
	for _, s := range stores {
		if s.kind == locMap {
			return "", false // a map element cannot be redeclared
		}
	}
	lhs := make([]string, len(stores))
	var post []string
	for i, s := range stores {
		if s.kind == locNone {
			lhs[i] = r.text(s.lhs)
			continue
		}
		lhs[i] = r.temp("v")
		v, _ := r.convTo(lhs[i], rhsType(i), r.typeOf(s.lhs))
		post = append(post, r.write(s, "", v, n.TokPos))
	}
	rhs := r.spliceRange(n.Rhs[0].Pos(), n.Rhs[len(n.Rhs)-1].End(), exprNodes(n.Rhs))
	return strings.Join(lhs, ", ") + " := " + rhs + "; " + strings.Join(post, "; "), true
}

func exprNodes(es []ast.Expr) []ast.Node {
	ns := make([]ast.Node, len(es))
	for i, e := range es {
		ns[i] = e
	}
	return ns
}
