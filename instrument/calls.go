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
