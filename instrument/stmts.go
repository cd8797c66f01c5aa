package instrument

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// Statements the engine takes over: select, go.

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
			vals = append(vals, r.recvText(comm.Chan)+".SelectSend("+r.text(comm.Value)+")")
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
			if st, ok := r.selectAssign(comm, rhs); ok {
				c.assign = " " + st + ";"
			}
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
	nameExpr := strconv.Quote(name)
	// A function value known only at run time: the engine names it from the
	// value, as Go's traceback does.
	dynamic := func(fv string) {
		if strings.HasSuffix(name, gowrap) {
			nameExpr = r.eng + ".FuncName(" + fv + ", " + nameExpr + ")"
		}
	}
	switch f := fun.(type) {
	case *ast.FuncLit:
	case *ast.Ident:
		switch r.p.info.Uses[f].(type) {
		case *types.Func, *types.Builtin:
		default:
			r.override[c.Fun] = tmp(r.text(c.Fun))
			dynamic(r.override[c.Fun])
			set = append(set, c.Fun)
		}
	case *ast.IndexListExpr: // generic function instantiation
	case *ast.IndexExpr:
		if !r.p.info.Types[f.Index].IsType() { // an element of a slice or map of functions
			r.override[c.Fun] = tmp(r.text(c.Fun))
			dynamic(r.override[c.Fun])
			set = append(set, c.Fun)
		}
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
			dynamic(r.override[c.Fun])
			set = append(set, c.Fun)
		}
	default:
		r.override[c.Fun] = tmp(r.text(c.Fun))
		dynamic(r.override[c.Fun])
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
	return "{ " + strings.Join(pre, "; ") + "; " + r.eng + ".Go(" + nameExpr + ", " + pos + ", func() { " + call + " }) }"
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
		switch obj := r.p.info.Uses[f].(type) {
		case *types.Func:
			return "main." + obj.Name()
		case *types.Var:
			if e := r.varFunc(obj); e != nil {
				return r.goName(ast.Unparen(e))
			}
		}
	case *ast.IndexExpr:
		if r.p.info.Types[f.Index].IsType() {
			return r.goName(f.X) + "[...]"
		}
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
	return r.curFunc() + gowrap
}

// gowrap ends the name of a goroutine whose function the rewrite cannot
// name (Go's wrapper of a go statement is main.main.gowrap1).
const gowrap = ".gowrap"

// varFunc returns the function literal or function a variable always holds:
// it is declared with it and never assigned again nor has its address
// taken (f := worker; go f(1)). Else nil.
func (r *rw) varFunc(v *types.Var) ast.Expr {
	if r.varFuncs == nil {
		r.varFuncs = map[*types.Var]ast.Expr{}
		bad := map[*types.Var]bool{}
		isFunc := func(e ast.Expr) bool {
			switch e := ast.Unparen(e).(type) {
			case *ast.FuncLit:
				return true
			case *ast.Ident:
				_, ok := r.p.info.Uses[e].(*types.Func)
				return ok
			}
			return false
		}
		note := func(id *ast.Ident, val ast.Expr) {
			if v, ok := r.p.info.Defs[id].(*types.Var); ok && val != nil && isFunc(val) {
				r.varFuncs[v] = val
			} else if v, ok := r.p.info.ObjectOf(id).(*types.Var); ok {
				bad[v] = true
			}
		}
		for _, f := range r.p.files {
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.AssignStmt:
					for i, l := range n.Lhs {
						id, ok := ast.Unparen(l).(*ast.Ident)
						if !ok {
							continue
						}
						var val ast.Expr
						if n.Tok == token.DEFINE && len(n.Lhs) == len(n.Rhs) {
							val = n.Rhs[i]
						}
						note(id, val)
					}
				case *ast.ValueSpec:
					for i, id := range n.Names {
						var val ast.Expr
						if len(n.Names) == len(n.Values) {
							val = n.Values[i]
						}
						note(id, val)
					}
				case *ast.UnaryExpr:
					if id, ok := ast.Unparen(n.X).(*ast.Ident); ok && n.Op == token.AND {
						note(id, nil)
					}
				}
				return true
			})
		}
		for v := range bad {
			delete(r.varFuncs, v)
		}
	}
	return r.varFuncs[v]
}
