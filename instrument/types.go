package instrument

import (
	"errors"
	"fmt"
	"go/ast"
	"go/constant"
	"go/types"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Types: channel, sync, atomic, time and context types written as the engine's.

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
		fs, err := fieldTexts(t, r.typeText)
		return "struct{" + strings.Join(fs, "; ") + "}", err
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
	tail, err := sigTail(s, r.typeText)
	return prefix + tail, err
}

// fieldTexts spells t's fields as Go source does, each field's type by
// elem: the rewrite's spelling and reflect's differ only in how they spell
// types and in the braces around the list.
func fieldTexts(t *types.Struct, elem func(types.Type) (string, error)) ([]string, error) {
	var fs []string
	for i := 0; i < t.NumFields(); i++ {
		f := t.Field(i)
		ft, err := elem(f.Type())
		if err != nil {
			return nil, err
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
	return fs, nil
}

// sigTail spells s after "func" or a method's name, "(int, ...string)
// (bool, error)", each type by elem.
func sigTail(s *types.Signature, elem func(types.Type) (string, error)) (string, error) {
	ps, err := tupleTexts(s.Params(), s.Variadic(), elem)
	if err != nil {
		return "", err
	}
	rs, err := tupleTexts(s.Results(), false, elem)
	return "(" + strings.Join(ps, ", ") + ")" + resultsText(rs), err
}

// tupleTexts spells the types of a parameter or result list by elem, the
// last as ...T when variadic.
func tupleTexts(t *types.Tuple, variadic bool, elem func(types.Type) (string, error)) ([]string, error) {
	var out []string
	for i := 0; i < t.Len(); i++ {
		vt, prefix := t.At(i).Type(), ""
		if variadic && i == t.Len()-1 {
			vt, prefix = vt.(*types.Slice).Elem(), "..."
		}
		e, err := elem(vt)
		if err != nil {
			return nil, err
		}
		out = append(out, prefix+e)
	}
	return out, nil
}

// resultsText spells a signature's results after its parameters: nothing,
// " T" or " (T, U)".
func resultsText(rs []string) string {
	switch len(rs) {
	case 0:
		return ""
	case 1:
		return " " + rs[0]
	}
	return " (" + strings.Join(rs, ", ") + ")"
}

func isUntyped(t types.Type) bool {
	b, ok := t.(*types.Basic)
	return ok && b.Info()&types.IsUntyped != 0
}

// Format verbs. fmt prints %T from the value's dynamic type and %p from its
// pointer before asking a Formatter, so a channel (a *engine.Chan[T] after
// the rewrite) and the engine's sync, time and atomic types would print under
// the engine's names. Where a format is a constant and the argument's static
// type is not an interface, the rewrite prints Go's type name for %T, and
// %p of a channel becomes %P, which engine.Chan formats as Go's %p.

// fmtFormatArg gives the fmt functions taking a format the index of their
// format argument.
var fmtFormatArg = map[string]int{"Printf": 0, "Sprintf": 0, "Errorf": 0, "Fprintf": 1, "Appendf": 1}

// fmtVerb is a verb of a format: its byte offset, the verb, the index of the
// argument it prints and whether it has the # flag.
type fmtVerb struct {
	off   int
	verb  rune
	arg   int
	sharp bool
}

// scanVerbs parses a format as fmt does. It reports false for formats with
// explicit argument indexes ("%[2]d"), which it leaves alone.
func scanVerbs(f string) ([]fmtVerb, bool) {
	var out []fmtVerb
	arg := 0
	digits := func(i int) int {
		for i < len(f) && f[i] >= '0' && f[i] <= '9' {
			i++
		}
		return i
	}
	for i := 0; i < len(f); {
		if f[i] != '%' {
			i++
			continue
		}
		i++
		sharp := false
		for i < len(f) && strings.IndexByte("#0+- ", f[i]) >= 0 {
			sharp = sharp || f[i] == '#'
			i++
		}
		if i < len(f) && f[i] == '[' {
			return nil, false
		}
		if i < len(f) && f[i] == '*' {
			arg++
			i++
		} else {
			i = digits(i)
		}
		if i < len(f) && f[i] == '.' {
			i++
			if i < len(f) && f[i] == '[' {
				return nil, false
			}
			if i < len(f) && f[i] == '*' {
				arg++
				i++
			} else {
				i = digits(i)
			}
		}
		if i >= len(f) {
			break
		}
		v, size := utf8.DecodeRuneInString(f[i:])
		if v != '%' {
			out = append(out, fmtVerb{off: i, verb: v, arg: arg, sharp: sharp})
			arg++
		}
		i += size
	}
	return out, true
}

// fmtVerbs prepares the rendering of a call to a fmt function with a
// constant format: it overrides the format and the arguments of %T and %p
// verbs whose Go spelling the engine cannot know. undo removes the overrides.
func (r *rw) fmtVerbs(c *ast.CallExpr) (undo func()) {
	undo = func() {}
	sel, ok := ast.Unparen(c.Fun).(*ast.SelectorExpr)
	if !ok || c.Ellipsis.IsValid() {
		return
	}
	pn, key := r.pkgSel(sel)
	if pn == nil || pn.Imported().Path() != "fmt" {
		return
	}
	fi, ok := fmtFormatArg[strings.TrimPrefix(key, "fmt.")]
	if !ok || len(c.Args) <= fi {
		return
	}
	fa := c.Args[fi]
	tv := r.p.info.Types[fa]
	if tv.Value == nil || tv.Value.Kind() != constant.String || strings.Contains(string(r.src[r.off(fa.Pos()):r.off(fa.End())]), "\n") {
		return
	}
	format := constant.StringVal(tv.Value)
	verbs, ok := scanVerbs(format)
	if !ok {
		return
	}
	var done []ast.Node
	var b strings.Builder
	cur := 0
	for _, v := range verbs {
		ai := fi + 1 + v.arg
		if ai >= len(c.Args) || (v.verb != 'T' && v.verb != 'p') {
			continue
		}
		a := c.Args[ai]
		t := r.typeOf(a)
		if t == nil || !r.engineSpelled(t) {
			continue
		}
		switch {
		case v.verb == 'T':
			name, ok := r.goTypeName(t)
			if !ok {
				continue
			}
			b.WriteString(format[cur:v.off] + "s")
			r.override[a] = "func(any) string { return " + strconv.Quote(name) + " }(" + r.text(a) + ")"
		case v.verb == 'p' && !r.wrapped(t):
			if _, ok := isChan(t); !ok {
				continue
			}
			// fmt formats %p itself; engine.Chan formats %P as Go's %p.
			b.WriteString(format[cur:v.off] + "P")
		default:
			continue
		}
		cur = v.off + 1
		done = append(done, a)
	}
	if len(done) == 0 {
		return
	}
	b.WriteString(format[cur:])
	r.override[fa] = strconv.Quote(b.String())
	done = append(done, fa)
	return func() {
		for _, n := range done {
			delete(r.override, n)
		}
	}
}

// engineSpelled reports whether values of static type t reach fmt under a
// type the rewrite changed: a channel, or one of the standard library types
// the engine replaces, outside any named type of the program. Interfaces
// print their dynamic type, which the rewrite does not know.
func (r *rw) engineSpelled(t types.Type) bool {
	switch t := types.Unalias(t).(type) {
	case *types.Chan:
		return true
	case *types.Named:
		if _, ok := t.Underlying().(*types.Interface); ok || t.Obj().Pkg() == nil {
			return false
		}
		if _, ok := engineTypes[t.Obj().Pkg().Path()+"."+t.Obj().Name()]; ok {
			return true
		}
		for i := 0; i < t.TypeArgs().Len(); i++ {
			if r.engineSpelled(t.TypeArgs().At(i)) {
				return true
			}
		}
		return false
	case *types.Pointer:
		return r.engineSpelled(t.Elem())
	case *types.Slice:
		return r.engineSpelled(t.Elem())
	case *types.Array:
		return r.engineSpelled(t.Elem())
	case *types.Map:
		return r.engineSpelled(t.Key()) || r.engineSpelled(t.Elem())
	case *types.Struct:
		for i := 0; i < t.NumFields(); i++ {
			if r.engineSpelled(t.Field(i).Type()) {
				return true
			}
		}
	case *types.Signature:
		for _, tu := range []*types.Tuple{t.Params(), t.Results()} {
			for i := 0; i < tu.Len(); i++ {
				if r.engineSpelled(tu.At(i).Type()) {
					return true
				}
			}
		}
	}
	return false
}

// goTypeName spells t as Go's reflect (and so %T) does: "struct { a int }",
// "[]uint8", "<-chan int", "main.Box[net/url.URL]". It reports false for
// types it cannot spell (interfaces, type parameters).
func (r *rw) goTypeName(t types.Type) (string, bool) {
	if types.IsInterface(t) {
		return "", false
	}
	return reflectName(t, false)
}

// errUnspelled stops fieldTexts and sigTail at a type reflectName cannot spell.
var errUnspelled = errors.New("no reflect name")

func reflectName(t types.Type, inArgs bool) (string, bool) {
	spell := func(t types.Type) (string, error) {
		s, ok := reflectName(t, inArgs)
		if !ok {
			return "", errUnspelled
		}
		return s, nil
	}
	switch t := types.Unalias(t).(type) {
	case *types.Basic:
		if t.Info()&types.IsUntyped != 0 {
			return reflectName(types.Default(t), inArgs)
		}
		return types.Typ[t.Kind()].Name(), true
	case *types.Named:
		obj := t.Obj()
		if obj.Pkg() == nil {
			return obj.Name(), true
		}
		q := obj.Pkg().Name()
		if inArgs {
			q = obj.Pkg().Path()
		}
		s := q + "." + obj.Name()
		if t.TypeArgs().Len() > 0 {
			var args []string
			for i := 0; i < t.TypeArgs().Len(); i++ {
				a, ok := reflectName(t.TypeArgs().At(i), true)
				if !ok {
					return "", false
				}
				args = append(args, a)
			}
			s += "[" + strings.Join(args, ",") + "]"
		}
		return s, true
	case *types.Pointer:
		e, ok := reflectName(t.Elem(), inArgs)
		return "*" + e, ok
	case *types.Slice:
		e, ok := reflectName(t.Elem(), inArgs)
		return "[]" + e, ok
	case *types.Array:
		e, ok := reflectName(t.Elem(), inArgs)
		return "[" + strconv.FormatInt(t.Len(), 10) + "]" + e, ok
	case *types.Map:
		k, ok1 := reflectName(t.Key(), inArgs)
		e, ok2 := reflectName(t.Elem(), inArgs)
		return "map[" + k + "]" + e, ok1 && ok2
	case *types.Chan:
		e, ok := reflectName(t.Elem(), inArgs)
		switch t.Dir() {
		case types.RecvOnly:
			return "<-chan " + e, ok
		case types.SendOnly:
			return "chan<- " + e, ok
		}
		if c, isC := types.Unalias(t.Elem()).(*types.Chan); isC && c.Dir() == types.RecvOnly {
			e = "(" + e + ")"
		}
		return "chan " + e, ok
	case *types.Struct:
		if t.NumFields() == 0 {
			return "struct {}", true
		}
		fs, err := fieldTexts(t, spell)
		return "struct { " + strings.Join(fs, "; ") + " }", err == nil
	case *types.Signature:
		tail, err := sigTail(t, spell)
		return "func" + tail, err == nil
	case *types.Interface:
		if t.Empty() {
			return "interface {}", true
		}
	}
	return "", false
}
