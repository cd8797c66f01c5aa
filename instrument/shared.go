package instrument

import (
	"go/ast"
	"go/token"
	"go/types"
)

// Which variables more than one goroutine can reach, and which locations'
// accesses become engine operations: the rule in the package doc (section
// "Shared memory"). access.go renders them.

// memInfo is the result of the analysis, for the whole program.
type memInfo struct {
	// shared: variables whose own accesses (and those of their fields and
	// elements) are engine operations.
	shared map[*types.Var]bool
	// private: local pointer, slice and map variables whose value never
	// leaves the function, so what they point to is reached by one goroutine.
	private map[*types.Var]bool
	// forVars: variables declared in a for clause, with their loop.
	forVars map[*types.Var]*ast.ForStmt
}

// varInfo is what the analysis gathers about one variable.
type varInfo struct {
	written, captured, addr bool
	leaks                   bool // its value may leave the function (see privateUse)
	fresh                   bool // declared with make, new, a composite literal, &T{} or no value
}

// analyseMemory computes r.mem.
func (r *rw) analyseMemory() {
	m := &memInfo{shared: map[*types.Var]bool{}, private: map[*types.Var]bool{}, forVars: map[*types.Var]*ast.ForStmt{}}
	r.mem = m
	info := map[*types.Var]*varInfo{}
	get := func(v *types.Var) *varInfo {
		if info[v] == nil {
			info[v] = &varInfo{}
		}
		return info[v]
	}
	parent := map[ast.Node]ast.Node{}
	var lits []*ast.FuncLit // enclosing function literals, innermost last
	var stack []ast.Node
	visit := func(n ast.Node) bool {
		if n == nil {
			if _, ok := stack[len(stack)-1].(*ast.FuncLit); ok {
				lits = lits[:len(lits)-1]
			}
			stack = stack[:len(stack)-1]
			return true
		}
		if len(stack) > 0 {
			parent[n] = stack[len(stack)-1]
		}
		stack = append(stack, n)
		switch n := n.(type) {
		case *ast.FuncLit:
			lits = append(lits, n)
		case *ast.Ident:
			if v := r.localVar(n, r.p.info.Uses); v != nil && len(lits) > 0 {
				if lit := lits[len(lits)-1]; v.Pos() < lit.Pos() || v.Pos() >= lit.End() {
					get(v).captured = true
				}
			}
		case *ast.ForStmt:
			if as, ok := n.Init.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
				for _, l := range as.Lhs {
					if v := r.localVar(l, r.p.info.Defs); v != nil {
						m.forVars[v] = n
					}
				}
			}
		case *ast.AssignStmt:
			for i, l := range n.Lhs {
				if n.Tok == token.DEFINE {
					if v := r.localVar(l, r.p.info.Defs); v != nil && len(n.Lhs) == len(n.Rhs) {
						get(v).fresh = r.freshValue(n.Rhs[i])
					}
				}
				if v := r.rootVar(l); v != nil && !r.forPost(v, parent, n) {
					get(v).written = true
				}
			}
		case *ast.ValueSpec:
			for i, id := range n.Names {
				if v := r.localVar(id, r.p.info.Defs); v != nil {
					get(v).fresh = len(n.Values) == 0 || len(n.Values) == len(n.Names) && r.freshValue(n.Values[i])
				}
			}
		case *ast.IncDecStmt:
			if v := r.rootVar(n.X); v != nil && !r.forPost(v, parent, n) {
				get(v).written = true
			}
		case *ast.RangeStmt:
			if n.Tok == token.ASSIGN {
				for _, l := range []ast.Expr{n.Key, n.Value} {
					if v := r.rootVar(l); v != nil {
						get(v).written = true
					}
				}
			}
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				r.addrOf(n.X, get)
			}
		case *ast.SliceExpr:
			if isArray(r.typeOf(n.X)) {
				r.addrOf(n.X, get)
			}
		case *ast.SelectorExpr:
			if sel := r.p.info.Selections[n]; sel != nil && sel.Kind() == types.MethodVal && ptrMethodOnValue(sel, r.typeOf(n.X)) {
				r.addrOf(n.X, get)
			}
		}
		return true
	}
	for _, f := range r.p.files {
		ast.Inspect(f, visit)
	}
	// A second pass: each use of a variable, in its context (needs parent).
	for _, f := range r.p.files {
		ast.Inspect(f, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok {
				if v := r.localVar(id, r.p.info.Uses); v != nil && !r.privateUse(id, v, parent) {
					get(v).leaks = true
				}
			}
			return true
		})
	}
	for v, vi := range info {
		pkgLevel := v.Parent() == r.p.pkg.Scope()
		if (pkgLevel || vi.captured || vi.addr) && vi.written {
			m.shared[v] = true
		}
		if !pkgLevel && vi.fresh && !vi.captured && !vi.addr && !vi.leaks {
			m.private[v] = true
		}
	}
	// Package-level variables never seen in the walk of a body are written
	// by nothing but their declaration: not shared, nothing to record.
}

// localVar returns the variable of this package that id denotes in uses
// (Defs or Uses), excluding fields; nil otherwise.
func (r *rw) localVar(e ast.Expr, uses map[*ast.Ident]types.Object) *types.Var {
	id, ok := e.(*ast.Ident)
	if !ok {
		return nil
	}
	v, ok := uses[id].(*types.Var)
	if !ok || v.IsField() || v.Pkg() != r.p.pkg {
		return nil
	}
	return v
}

// rootVar returns the variable whose own memory location e is: v, v.f of a
// struct value, v[i] of an array, in parentheses.
func (r *rw) rootVar(e ast.Expr) *types.Var {
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.Ident:
			return r.localVar(x, r.p.info.Uses)
		case *ast.SelectorExpr:
			sel := r.p.info.Selections[x]
			if sel == nil || sel.Kind() != types.FieldVal || sel.Indirect() {
				return nil
			}
			e = x.X
		case *ast.IndexExpr:
			if !isArray(r.typeOf(x.X)) {
				return nil
			}
			e = x.X
		default:
			return nil
		}
	}
}

// addrOf records that the address of location e (or of part of it) is
// taken: its variable is written through it, at any time, by anyone.
func (r *rw) addrOf(e ast.Expr, get func(*types.Var) *varInfo) {
	if v := r.rootVar(e); v != nil {
		vi := get(v)
		vi.addr, vi.written = true, true
	}
}

// forPost reports whether statement s is the post statement of the for
// clause declaring v: a per-iteration variable's increment is not a write
// another goroutine can see (Go 1.22).
func (r *rw) forPost(v *types.Var, parent map[ast.Node]ast.Node, s ast.Stmt) bool {
	fs := r.mem.forVars[v]
	return fs != nil && fs.Post == s
}

// inForClause reports whether id, a use of a for-clause variable, is in
// the clause itself, where it stays plain.
func (r *rw) inForClause(id *ast.Ident, v *types.Var) bool {
	fs := r.mem.forVars[v]
	return fs != nil && id.Pos() >= fs.For && id.Pos() < fs.Body.Lbrace
}

// freshValue reports whether e makes new memory nobody else refers to yet.
func (r *rw) freshValue(e ast.Expr) bool {
	switch x := ast.Unparen(e).(type) {
	case *ast.CompositeLit:
		return true
	case *ast.UnaryExpr:
		_, ok := ast.Unparen(x.X).(*ast.CompositeLit)
		return x.Op == token.AND && ok
	case *ast.CallExpr:
		name := builtinName(r, x)
		return name == "make" || name == "new"
	}
	return false
}

// operandOf returns n with the parentheses around it and the node it is an
// operand of: what a use of n means depends on that node, not on the
// parentheses.
func operandOf(n ast.Node, parent map[ast.Node]ast.Node) (ast.Node, ast.Node) {
	p := parent[n]
	for {
		pe, ok := p.(*ast.ParenExpr)
		if !ok {
			return n, p
		}
		n, p = pe, parent[pe]
	}
}

// privateUse reports whether a use of local variable v keeps what v points
// to private: v only indexed, selected, dereferenced, len'd, ranged over,
// deleted from, appended to itself or assigned fresh memory, with no
// address taken inside what it points to.
func (r *rw) privateUse(id *ast.Ident, v *types.Var, parent map[ast.Node]ast.Node) bool {
	n, p := operandOf(id, parent)
	switch p := p.(type) {
	case *ast.IndexExpr:
		return p.X == n && r.locationStaysPrivate(p, parent)
	case *ast.StarExpr:
		return r.locationStaysPrivate(p, parent)
	case *ast.SelectorExpr:
		sel := r.p.info.Selections[p]
		return sel != nil && sel.Kind() == types.FieldVal && r.locationStaysPrivate(p, parent)
	case *ast.RangeStmt:
		return p.X == n
	case *ast.CallExpr:
		name := builtinName(r, p)
		switch name {
		case "len", "cap", "delete", "clear":
			return true
		case "append":
			if len(p.Args) == 0 || p.Args[0] != n {
				return false
			}
			as, ok := parent[p].(*ast.AssignStmt)
			return ok && len(as.Lhs) == 1 && len(as.Rhs) == 1 && as.Rhs[0] == p && r.localVar(ast.Unparen(as.Lhs[0]), r.p.info.Uses) == v
		}
	case *ast.AssignStmt:
		for i, l := range p.Lhs {
			if l == n && p.Tok == token.ASSIGN && len(p.Lhs) == len(p.Rhs) {
				rhs := p.Rhs[i]
				if c, ok := ast.Unparen(rhs).(*ast.CallExpr); ok && builtinName(r, c) == "append" {
					return true // the append itself is checked at its first argument
				}
				return r.freshValue(rhs)
			}
		}
	}
	return false
}

// locationStaysPrivate reports whether location l (one step into what a
// private candidate points to), and the locations within it, are only read
// or stored: never have their address taken nor are sliced.
func (r *rw) locationStaysPrivate(l ast.Expr, parent map[ast.Node]ast.Node) bool {
	var n ast.Node = l
	for {
		switch p := parent[n].(type) {
		case *ast.ParenExpr:
			n = p
			continue
		case *ast.SelectorExpr:
			sel := r.p.info.Selections[p]
			if sel == nil {
				return true
			}
			if sel.Kind() == types.MethodVal {
				fn, _ := sel.Obj().(*types.Func)
				return !ptrMethodOnValue(sel, r.typeOf(p.X)) || fn != nil && engineMethod(fn)
			}
			if sel.Indirect() || isPointer(r.typeOf(p.X)) {
				return true
			}
			n = p
			continue
		case *ast.IndexExpr:
			if p.X == n && isArray(r.typeOf(p.X)) {
				n = p
				continue
			}
		case *ast.UnaryExpr:
			return p.Op != token.AND
		case *ast.SliceExpr:
			return p.X != n || !isArray(r.typeOf(p.X))
		}
		return true
	}
}

// builtinName is the name of the builtin c calls, or "".
func builtinName(r *rw, c *ast.CallExpr) string {
	if id, ok := ast.Unparen(c.Fun).(*ast.Ident); ok {
		if b, ok := r.p.info.Uses[id].(*types.Builtin); ok {
			return b.Name()
		}
	}
	return ""
}

// ptrMethodOnValue reports whether sel calls a pointer method on a value of
// type xt, taking its address.
func ptrMethodOnValue(sel *types.Selection, xt types.Type) bool {
	fn, ok := sel.Obj().(*types.Func)
	if !ok {
		return false
	}
	recv := fn.Type().(*types.Signature).Recv()
	if recv == nil {
		return false
	}
	_, ptrRecv := recv.Type().(*types.Pointer)
	return ptrRecv && !isPointer(xt)
}

func isArray(t types.Type) bool {
	if t == nil {
		return false
	}
	_, ok := t.Underlying().(*types.Array)
	return ok
}

func isPointer(t types.Type) bool {
	if t == nil {
		return false
	}
	_, ok := t.Underlying().(*types.Pointer)
	return ok
}

// engineValue reports whether values of type t are (or contain) objects
// the engine represents itself (channels, sync and sync/atomic types,
// timers, contexts, functions): their accesses are not instrumented.
func (r *rw) engineValue(t types.Type) bool {
	if t == nil {
		return true
	}
	if _, ok := isChan(t); ok {
		return true
	}
	if n, ok := types.Unalias(t).(*types.Named); ok && n.Obj().Pkg() != nil {
		if _, ok := engineTypes[n.Obj().Pkg().Path()+"."+n.Obj().Name()]; ok {
			return true
		}
	}
	switch u := t.Underlying().(type) {
	case *types.Signature:
		return true
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if r.engineValue(u.Field(i).Type()) {
				return true
			}
		}
	case *types.Array:
		return r.engineValue(u.Elem())
	case *types.Interface:
		_, isParam := types.Unalias(t).(*types.TypeParam)
		return isParam && allowsChan(u)
	}
	return false
}

// locKind classifies a memory location.
type locKind int

const (
	locNone     locKind = iota // not a location, or one only its goroutine reaches
	locVar                     // a shared variable, or a field or element of one
	locIndirect                // reached through a pointer or a slice
	locMap                     // a map element
)

// locOf classifies the location e denotes.
func (r *rw) locOf(e ast.Expr) locKind {
	k := r.locKindOf(e)
	if k != locNone && r.engineValue(r.typeOf(e)) {
		return locNone
	}
	return k
}

func (r *rw) locKindOf(e ast.Expr) locKind {
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		v := r.localVar(x, r.p.info.Uses)
		if v == nil || !r.mem.shared[v] || r.inForClause(x, v) {
			return locNone
		}
		return locVar
	case *ast.SelectorExpr:
		sel := r.p.info.Selections[x]
		if sel == nil || sel.Kind() != types.FieldVal {
			return locNone
		}
		if sel.Indirect() {
			if r.privateBase(x.X) {
				return locNone
			}
			return locIndirect
		}
		if k := r.locKindOf(x.X); k != locMap {
			return k
		}
	case *ast.IndexExpr:
		if tv, ok := r.p.info.Types[x.Index]; ok && tv.IsType() {
			return locNone
		}
		t := r.typeOf(x.X)
		if t == nil {
			return locNone
		}
		if _, ok := types.Unalias(t).(*types.TypeParam); ok {
			return locNone
		}
		switch u := t.Underlying().(type) {
		case *types.Array:
			if k := r.locKindOf(x.X); k != locMap {
				return k
			}
		case *types.Pointer:
			if isArray(u.Elem()) && !r.privateBase(x.X) {
				return locIndirect
			}
		case *types.Slice:
			if !r.privateBase(x.X) {
				return locIndirect
			}
		case *types.Map:
			if !r.privateBase(x.X) {
				return locMap
			}
		}
	case *ast.StarExpr:
		if tv, ok := r.p.info.Types[x]; ok && !tv.IsType() && !r.privateBase(x.X) {
			return locIndirect
		}
	}
	return locNone
}

// privateBase reports whether x, a pointer, slice or map dereferenced, is a
// variable whose value never leaves its function.
func (r *rw) privateBase(x ast.Expr) bool {
	v := r.localVar(ast.Unparen(x), r.p.info.Uses)
	return v != nil && r.mem.private[v]
}

// memCtx is how an expression is used.
type memCtx int

const (
	ctxRead  memCtx = iota // its value is read
	ctxStore               // it is assigned to
	ctxLoc                 // it is part of a larger location (v in v.f, a in a[i])
	ctxAddr                // only its address is used (&v, v.M() with a pointer receiver, a[:], len(a))
)

func (r *rw) ctxOf(e ast.Expr) memCtx {
	n, p := operandOf(e, r.parent)
	switch p := p.(type) {
	case *ast.UnaryExpr:
		if p.Op == token.AND {
			return ctxAddr
		}
	case *ast.AssignStmt:
		for _, l := range p.Lhs {
			if l == n {
				return ctxStore
			}
		}
	case *ast.IncDecStmt:
		return ctxStore
	case *ast.RangeStmt:
		if n == p.Key || n == p.Value {
			return ctxStore
		}
		if n == p.X && p.Value == nil && (isArray(r.typeOf(p.X)) || isPtrArray(r.typeOf(p.X))) {
			return ctxAddr // range over an array's indices does not evaluate it
		}
	case *ast.SelectorExpr:
		sel := r.p.info.Selections[p]
		if sel == nil || p.X != n {
			break
		}
		switch {
		case sel.Kind() == types.FieldVal && !isPointer(r.typeOf(p.X)):
			return ctxLoc
		case sel.Kind() == types.MethodVal && ptrMethodOnValue(sel, r.typeOf(p.X)):
			return ctxAddr
		}
	case *ast.IndexExpr:
		if p.X == n && isArray(r.typeOf(p.X)) {
			return ctxLoc
		}
	case *ast.SliceExpr:
		if p.X == n && isArray(r.typeOf(p.X)) {
			return ctxAddr
		}
	case *ast.CallExpr:
		if name := builtinName(r, p); (name == "len" || name == "cap") && (isArray(r.typeOf(e)) || isPtrArray(r.typeOf(e))) {
			return ctxAddr
		}
	}
	return ctxRead
}

func isPtrArray(t types.Type) bool {
	if t == nil {
		return false
	}
	p, ok := t.Underlying().(*types.Pointer)
	return ok && isArray(p.Elem())
}
