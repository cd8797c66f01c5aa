package instrument

import (
	"fmt"
	"go/types"
	"strconv"
	"strings"
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
		var fs []string
		for i := 0; i < t.NumFields(); i++ {
			f := t.Field(i)
			ft, err := r.typeText(f.Type())
			if err != nil {
				return "", err
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
		return "struct{" + strings.Join(fs, "; ") + "}", nil
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
	tuple := func(t *types.Tuple, variadic bool) ([]string, error) {
		var out []string
		for i := 0; i < t.Len(); i++ {
			v := t.At(i)
			if variadic && i == t.Len()-1 {
				e, err := r.typeText(v.Type().(*types.Slice).Elem())
				if err != nil {
					return nil, err
				}
				out = append(out, "..."+e)
				continue
			}
			e, err := r.typeText(v.Type())
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		return out, nil
	}
	ps, err := tuple(s.Params(), s.Variadic())
	if err != nil {
		return "", err
	}
	rs, err := tuple(s.Results(), false)
	if err != nil {
		return "", err
	}
	out := prefix + "(" + strings.Join(ps, ", ") + ")"
	switch len(rs) {
	case 0:
	case 1:
		out += " " + rs[0]
	default:
		out += " (" + strings.Join(rs, ", ") + ")"
	}
	return out, nil
}

func isUntyped(t types.Type) bool {
	b, ok := t.(*types.Basic)
	return ok && b.Info()&types.IsUntyped != 0
}
