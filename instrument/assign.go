package instrument

import (
	"go/ast"
	"go/types"
)

// Implicit conversions the rewrite must spell out. Where a value is assigned
// (a call argument, a variable, a composite literal element, a send, a
// return), Go converts it implicitly; after the rewrite two such conversions
// need help:
//   - a channel of a named channel type with methods (a struct wrapping the
//     channel, see wrapped) assigned to an unnamed channel type, and back;
//   - a value of the program's own type with Lock and Unlock methods
//     assigned to sync.Locker, whose engine version takes positions.

// adaptation is the text put around an expression to convert it.
type adaptation struct{ pre, post string }

// findAdaptations records, for every assigned expression that needs one,
// the conversion to spell out.
func (r *rw) findAdaptations() {
	r.adapt = map[ast.Expr]adaptation{}
	to := func(e ast.Expr, target types.Type) {
		if e == nil || target == nil {
			return
		}
		if a, ok := r.adaptation(e, target); ok {
			r.adapt[e] = a
		}
	}
	var sigs []*types.Signature // enclosing functions, innermost last
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncDecl:
			if obj, ok := r.p.info.Defs[n.Name].(*types.Func); ok && n.Body != nil {
				sigs = append(sigs, obj.Type().(*types.Signature))
				ast.Inspect(n.Body, visit)
				sigs = sigs[:len(sigs)-1]
			}
			return false
		case *ast.FuncLit:
			if sig, ok := r.typeOf(n).(*types.Signature); ok {
				sigs = append(sigs, sig)
				ast.Inspect(n.Body, visit)
				sigs = sigs[:len(sigs)-1]
			}
			return false
		case *ast.ReturnStmt:
			if len(sigs) > 0 && sigs[len(sigs)-1].Results().Len() == len(n.Results) {
				for i, e := range n.Results {
					to(e, sigs[len(sigs)-1].Results().At(i).Type())
				}
			}
		case *ast.CallExpr:
			if tv, ok := r.p.info.Types[n.Fun]; ok && !tv.IsType() && !tv.IsBuiltin() {
				if sig, ok := tv.Type.Underlying().(*types.Signature); ok && !n.Ellipsis.IsValid() {
					for i, a := range n.Args {
						switch {
						case sig.Variadic() && i >= sig.Params().Len()-1:
							to(a, sig.Params().At(sig.Params().Len()-1).Type().(*types.Slice).Elem())
						case i < sig.Params().Len():
							to(a, sig.Params().At(i).Type())
						}
					}
				}
			}
		case *ast.AssignStmt:
			if len(n.Lhs) == len(n.Rhs) {
				for i, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); !ok || id.Name != "_" {
						to(n.Rhs[i], r.typeOf(l))
					}
				}
			}
		case *ast.ValueSpec:
			if n.Type != nil && len(n.Names) == len(n.Values) {
				for _, v := range n.Values {
					to(v, r.typeOf(n.Type))
				}
			}
		case *ast.SendStmt:
			if c, ok := isChan(r.typeOf(n.Chan)); ok {
				to(n.Value, c.Elem())
			}
		case *ast.CompositeLit:
			r.compositeAdaptations(n, to)
		}
		return true
	}
	for _, f := range r.p.files {
		ast.Inspect(f, visit)
	}
}

func (r *rw) compositeAdaptations(n *ast.CompositeLit, to func(ast.Expr, types.Type)) {
	t := r.typeOf(n)
	if t == nil {
		return
	}
	var elem types.Type
	switch u := t.Underlying().(type) {
	case *types.Slice:
		elem = u.Elem()
	case *types.Array:
		elem = u.Elem()
	case *types.Map:
		elem = u.Elem()
	case *types.Struct:
		for i, e := range n.Elts {
			if kv, ok := e.(*ast.KeyValueExpr); ok {
				if id, ok := kv.Key.(*ast.Ident); ok {
					if f, ok := r.p.info.Uses[id].(*types.Var); ok {
						to(kv.Value, f.Type())
					}
				}
			} else if i < u.NumFields() {
				to(e, u.Field(i).Type())
			}
		}
		return
	default:
		return
	}
	for _, e := range n.Elts {
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			e = kv.Value
		}
		to(e, elem)
	}
}

// adaptation returns the conversion that assigning e to a target of type
// target needs after the rewrite.
func (r *rw) adaptation(e ast.Expr, target types.Type) (adaptation, bool) {
	tv, ok := r.p.info.Types[e]
	if !ok || tv.IsNil() || tv.Type == nil {
		return adaptation{}, false
	}
	src := tv.Type
	if types.Identical(src, target) {
		return adaptation{}, false
	}
	if isSyncLocker(target) && !types.IsInterface(src) && !r.engineLocker(src) {
		return adaptation{pre: r.eng + ".AdaptLocker(", post: ")"}, true
	}
	if _, ok := isChan(target); ok {
		if r.wrapped(src) && !r.wrapped(target) {
			return adaptation{pre: "(", post: ")._cvz_c"}, true
		}
		if _, ok := isChan(src); ok && r.wrapped(target) && !r.wrapped(src) {
			tt, err := r.typeText(target)
			if err != nil {
				return adaptation{}, false
			}
			return adaptation{pre: tt + "{", post: "}"}, true
		}
	}
	return adaptation{}, false
}

func isSyncLocker(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "sync" && n.Obj().Name() == "Locker"
}

// engineLocker reports whether t's Lock method is one the engine replaces
// (a *sync.Mutex, *sync.RWMutex, or a type embedding one).
func (r *rw) engineLocker(t types.Type) bool {
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, "Lock")
	fn, ok := obj.(*types.Func)
	return ok && engineMethod(fn)
}

// chanOperand renders x unwrapped or converted to *Chan[T] where its type
// needs it, and reports whether it did.
func (r *rw) chanOperand(x ast.Expr) (string, bool) {
	s := r.text(x)
	if r.wrapped(r.typeOf(x)) {
		return parenIfNeeded(x, s) + "._cvz_c", true
	}
	if conv, ok := r.chanConv(x); ok {
		return "(" + conv + ")(" + s + ")", true
	}
	return s, false
}
