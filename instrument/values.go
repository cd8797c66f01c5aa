package instrument

import (
	"fmt"
	"go/ast"
	"go/types"
	"strconv"
	"strings"
)

// Functions and methods the engine takes over, used as values: p :=
// fmt.Println, f := wg.Add, (*sync.Mutex).Lock. The engine's versions take
// a position their Go originals do not, so such a value becomes a func
// literal with the Go signature that calls the engine with the position of
// the place the value was taken.

// funcLit is a wrapper: its type and the literal.
type funcLit struct{ typ, lit string }

// wrapper writes a func literal of signature sig whose body returns call
// applied to its parameters' names (the last spread when sig is variadic).
func (r *rw) wrapper(sig *types.Signature, call func(args []string) string) (funcLit, error) {
	if sig.TypeParams().Len() > 0 {
		return funcLit{}, fmt.Errorf("a generic function the engine takes over cannot be used as a value")
	}
	ps, err := tupleTexts(sig.Params(), sig.Variadic(), r.typeText)
	if err != nil {
		return funcLit{}, err
	}
	rs, err := tupleTexts(sig.Results(), false, r.typeText)
	if err != nil {
		return funcLit{}, err
	}
	var decls, args []string
	for i, p := range ps {
		n := "_cvz_a" + strconv.Itoa(i)
		decls = append(decls, n+" "+p)
		if strings.HasPrefix(p, "...") {
			n += "..."
		}
		args = append(args, n)
	}
	typ := "func(" + strings.Join(ps, ", ") + ")" + resultsText(rs)
	head := "func(" + strings.Join(decls, ", ") + ")" + resultsText(rs)
	ret := ""
	if sig.Results().Len() > 0 {
		ret = "return "
	}
	return funcLit{typ: typ, lit: head + " { " + ret + call(args) + " }"}, nil
}

// funcValue renders a package function the engine maps, used as a value.
func (r *rw) funcValue(sel *ast.SelectorExpr, m stdID) string {
	f := r.eng + "." + m.engineExpr()
	if m.pos == posNone {
		return f
	}
	sig, ok := r.typeOf(sel).(*types.Signature)
	if !ok {
		r.fail(sel.Pos(), "%s used as a value is not supported: call it inside a func literal", r.orig(sel))
		return f
	}
	pos := r.site(sel.Pos(), r.orig(sel))
	w, err := r.wrapper(sig, func(args []string) string {
		if m.pos == posPre {
			return f + "(" + strings.Join(append([]string{r.site(sel.Pos(), "")}, args...), ", ") + ")"
		}
		return f + "(" + strings.Join(append(args, pos), ", ") + ")"
	})
	if err != nil {
		r.fail(sel.Pos(), "%s used as a value: %v", r.orig(sel), err)
	}
	return w.lit
}

// methodExpr renders a method expression of a type the engine replaces,
// (*sync.Mutex).Lock, as a func literal taking the receiver first.
func (r *rw) methodExpr(sel *ast.SelectorExpr, fn *types.Func) string {
	sig, ok := r.typeOf(sel).(*types.Signature)
	if !ok {
		r.fail(sel.Pos(), "method expression %s is not supported: call the method inside a func literal", r.orig(sel))
		return ""
	}
	// The receiver type is not rendered: its package selectors are used no more.
	ast.Inspect(sel.X, func(n ast.Node) bool {
		if s, ok := n.(*ast.SelectorExpr); ok {
			if pn, _ := r.pkgSel(s); pn != nil {
				r.consumed[s] = true
			}
		}
		return true
	})
	w, err := r.wrapper(sig, func(args []string) string { return args[0] + "." + r.methodCall(sel, fn, args[1:], "") })
	if err != nil {
		r.fail(sel.Pos(), "method expression %s: %v", r.orig(sel), err)
	}
	return w.lit
}

// methodCall renders the call of engine method fn with args and the position
// of sel, naming the receiver expr in the site.
func (r *rw) methodCall(sel *ast.SelectorExpr, fn *types.Func, args []string, expr string) string {
	post := []string{r.site(sel.Sel.Pos(), expr)}
	if fn.Name() == "Go" && fn.Pkg().Path() == "sync" {
		post = append([]string{strconv.Quote(r.curFunc() + gowrap)}, post...)
	}
	return fn.Name() + "(" + strings.Join(append(args, post...), ", ") + ")"
}

// writerMethods render the methods of *os.File a program may call on
// os.Stdout and os.Stderr besides Write, which the engine's writer has: each
// a func literal of the method's signature over the writer (%s). A run's
// output is not a file, so Sync has nothing to flush.
var writerMethods = map[string]string{
	"WriteString": "func(s string) (int, error) { return %s.Write([]byte(s)) }",
	"Sync":        "func() error { _ = %s; return nil }",
}

// writerMethod renders os.Stdout.WriteString and its siblings.
func (r *rw) writerMethod(sel *ast.SelectorExpr) (string, bool) {
	inner, ok := sel.X.(*ast.SelectorExpr)
	if !ok {
		return "", false
	}
	if pn, key := r.pkgSel(inner); pn == nil || enginePkgVars[key] == "" {
		return "", false
	}
	lit, ok := writerMethods[sel.Sel.Name]
	if !ok {
		return "", false
	}
	return fmt.Sprintf(lit, r.text(inner)), true
}
