package instrument

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// Loops: ranges whose iteration reads or stores shared memory, and the
// engine.Compute that starts every loop's and function's body.

// rangeMap renders range over a shared map as a read of the whole map.
func (r *rw) rangeMap(n *ast.RangeStmt) func() {
	t := r.typeOf(n.X)
	if _, over := r.override[n.X]; over || t == nil || !r.instrumenting() || r.privateBase(n.X) {
		return func() {}
	}
	if _, ok := t.Underlying().(*types.Map); !ok {
		return func() {}
	}
	r.override[n.X] = r.eng + ".MapAll(" + r.text(n.X) + ", " + r.site(n.X.Pos(), r.orig(n.X)) + ")"
	return func() { delete(r.override, n.X) }
}

// rangeElems renders for k, v := range s over a slice (or a pointer to an
// array) whose elements are shared as the loop Go runs: s evaluated once,
// and each iteration reading its element through engine.Read.
func (r *rw) rangeElems(n *ast.RangeStmt) (string, bool) {
	if n.Tok != token.DEFINE || n.Value == nil || isBlank(n.Value) || !r.instrumenting() || r.privateBase(n.X) || r.freshValue(n.X) {
		return "", false
	}
	t := r.typeOf(n.X)
	if t == nil {
		return "", false
	}
	if _, ok := types.Unalias(t).(*types.TypeParam); ok {
		return "", false
	}
	var elem types.Type
	switch u := t.Underlying().(type) {
	case *types.Slice:
		elem = u.Elem()
	case *types.Pointer:
		if a, ok := u.Elem().Underlying().(*types.Array); ok {
			elem = a.Elem()
		}
	}
	if elem == nil || r.engineValue(elem) {
		return "", false
	}
	i, sv := r.temp("i"), r.temp("s")
	key := "i"
	if n.Key != nil && !isBlank(n.Key) {
		key = n.Key.(*ast.Ident).Name
	}
	read := r.eng + ".Read(&" + sv + "[" + i + "], " + r.site(n.Value.Pos(), r.orig(n.X)+"["+key+"]") + ")"
	decl := r.text(n.Value) + " := " + read
	if n.Key != nil && !isBlank(n.Key) {
		decl = r.text(n.Key) + ", " + r.text(n.Value) + " := " + i + ", " + read
	}
	head := "for " + i + ", " + sv + " := 0, " + r.text(n.X) + "; " + i + " < len(" + sv + "); " + i + "++ "
	// The body keeps its own block: it may redeclare v (v := v).
	return head + "{ " + r.eng + ".Compute(" + r.site(n.Body.Lbrace, "") + "); " + decl + "; " + r.splice(n.Body) + " }", true
}

// rangeAssign renders for k, v = range x where k or v is a shared
// location: the loop declares temporaries instead, and its body starts by
// storing them, as each iteration's assignment does.
func (r *rw) rangeAssign(n *ast.RangeStmt) (string, bool) {
	if n.Tok != token.ASSIGN || !r.instrumenting() {
		return "", false
	}
	var lhs []ast.Expr
	for _, e := range []ast.Expr{n.Key, n.Value} {
		if e != nil {
			lhs = append(lhs, e)
		}
	}
	if len(lhs) == 2 && !isBlank(lhs[0]) && !isBlank(lhs[1]) {
		for _, e := range lhs {
			if _, ok := ast.Unparen(e).(*ast.Ident); !ok {
				// for i, a[i] = range: a[i] indexes with the old i, an order
				// the stores at the body's start would not keep.
				return "", false
			}
		}
	}
	kinds := make([]locKind, len(lhs))
	shared := false
	for i, e := range lhs {
		if !isBlank(e) {
			kinds[i] = r.locOf(e)
		}
		if kinds[i] != locNone {
			if _, err := r.typeText(r.typeOf(e)); err != nil {
				return "", false
			}
			shared = true
		}
	}
	if !shared {
		return "", false
	}
	var stores []string
	kids := make([]ast.Node, len(lhs))
	for i, e := range lhs {
		kids[i] = e
		if isBlank(e) {
			continue
		}
		tmp := r.temp("r")
		// Assignability implies convertibility: spell out the conversion
		// the range's = did implicitly.
		tt, _ := r.typeText(r.typeOf(e))
		if kinds[i] == locNone {
			stores = append(stores, r.text(e)+" = "+tmp)
		} else {
			stores = append(stores, r.write(store{lhs: e, kind: kinds[i]}, "", "("+tt+")("+tmp+")", n.TokPos))
		}
		r.override[e] = tmp
		defer delete(r.override, e)
	}
	head := r.spliceRange(n.For, n.TokPos, kids) + ":=" + r.spliceRange(n.TokPos+1, n.Body.Lbrace, []ast.Node{n.X})
	body := r.splice(n.Body)
	return head + "{ " + r.eng + ".Compute(" + r.site(n.Body.Lbrace, "") + "); " + strings.Join(stores, "; ") + ";" + body[1:], true
}

// computeBody starts a function's or a loop's body with engine.Compute.
func (r *rw) computeBody(b *ast.BlockStmt) (string, bool) {
	switch r.parent[b].(type) {
	case *ast.FuncDecl, *ast.FuncLit, *ast.ForStmt, *ast.RangeStmt:
	default:
		return "", false
	}
	// Outside a run (a literal called by a package initialiser Go runs)
	// engine.Compute does nothing.
	s := r.splice(b)
	return "{ " + r.eng + ".Compute(" + r.site(b.Lbrace, "") + ");" + s[1:], true
}
