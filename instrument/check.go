package instrument

import (
	"fmt"
	"go/ast"
	"go/types"
	"slices"
	"strconv"
	"strings"
)

// The import allow-list: what a program may import and name is derived from
// the table in stdlib.go. Anything that reaches the outside world is refused
// before compiling, with a sentence naming it, its line and what to use
// instead.

// checkImports refuses imports outside the allow-list, naming the import and
// its line.
func checkImports(p *program) error {
	for _, f := range p.files {
		for _, is := range f.Imports {
			path, err := strconv.Unquote(is.Path.Value)
			if err != nil {
				continue
			}
			pkg, known := stdPackage(path)
			if known && pkg.status != refusedPkg && is.Name != nil && is.Name.Name == "." && len(pkg.ids) > 0 {
				// The checks and the rewriter find a package's identifiers by its name.
				pos := p.fset.Position(is.Pos())
				return &Error{File: pos.Filename, Line: pos.Line, Col: pos.Column,
					Msg: fmt.Sprintf("import . %q is not supported: import it by name (%s.%s) so concviz can map its calls onto the engine", path, pathName(path), pkg.ids[0].name)}
			}
			if known && pkg.status != refusedPkg {
				continue
			}
			why := pkg.why
			switch {
			case known:
			case strings.Contains(strings.SplitN(path, "/", 2)[0], "."):
				why = "only the standard library is available (no modules)"
			default:
				why = unlistedWhy(path)
			}
			pos := p.fset.Position(is.Pos())
			return &Error{File: pos.Filename, Line: pos.Line, Col: pos.Column,
				Msg: fmt.Sprintf("import %q is not allowed: %s", path, why)}
		}
	}
	return nil
}

// checkUses refuses identifiers refused by name and identifiers of
// restricted packages outside their list.
func checkUses(p *program) error {
	var first error
	for _, f := range p.files {
		parents := map[ast.Node]ast.Node{}
		var stack []ast.Node
		ast.Inspect(f, func(n ast.Node) bool {
			if first != nil {
				return false
			}
			if n == nil {
				stack = stack[:len(stack)-1]
				return true
			}
			if len(stack) > 0 {
				parents[n] = stack[len(stack)-1]
			}
			stack = append(stack, n)
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			x, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			pn, ok := p.info.Uses[x].(*types.PkgName)
			if !ok {
				return true
			}
			path := pn.Imported().Path()
			name := sel.Sel.Name
			pos := p.fset.Position(sel.Pos())
			pkg, _ := stdPackage(path)
			id, listed := stdIDs[path+"."+name]
			fail := func(format string, args ...any) {
				first = &Error{File: pos.Filename, Line: pos.Line, Col: pos.Column, Msg: fmt.Sprintf(format, args...)}
			}
			switch {
			case listed && id.kind == idRefused:
				fail("%s.%s is not allowed: %s", pn.Name(), name, id.why)
				return false
			case pkg.status == restricted && !pkg.allows(name):
				fail("%s.%s is not allowed: %s", pn.Name(), name, pkg.available(pn.Name()))
				return false
			case listed && id.kind == idVar:
				if outer, ok := parents[sel].(*ast.SelectorExpr); ok && outer.X == sel && !slices.Contains(id.methods, outer.Sel.Name) {
					fail("%s.%s.%s is not supported: write with %s.%s.Write, %s.%s.WriteString or fmt.Fprint(%s.%s, ...)", pn.Name(), name, outer.Sel.Name, pn.Name(), name, pn.Name(), name, pn.Name(), name)
					return false
				}
			}
			return true
		})
		if first != nil {
			return first
		}
	}
	return nil
}

// pathName is the name a standard-library package is declared with.
func pathName(path string) string {
	if path == "math/rand/v2" {
		return "rand"
	}
	return path[strings.LastIndex(path, "/")+1:]
}
