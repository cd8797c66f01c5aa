package server

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/engine"
)

// The committed static/vocab.js is what `go generate` writes today: a name
// or number changed in Go and not regenerated fails here, not in a browser.
func TestVocabJSIsFresh(t *testing.T) {
	want, err := VocabJS()
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join("..", VocabJSPath))
	require.NoError(t, err)
	require.Equal(t, string(want), string(got), "static/vocab.js is stale: run go generate ./server/")
}

// Every code the server puts in an error message is declared in errorCodes
// (so the page's generated list knows it) and written by its constant, not
// as a literal, and every declared code is sent somewhere (so none is
// stale). The codes are read from the source: the
// first argument of badf and of a RunError literal, and a literal
// errorMessage's Code, wherever in the package they are written.
func TestErrorCodesAreDeclared(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	var parsed []*ast.File
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		require.NoError(t, err)
		parsed = append(parsed, file)
	}
	consts := map[string]string{} // the package's string constants
	for _, file := range parsed {
		ast.Inspect(file, func(n ast.Node) bool {
			if x, ok := n.(*ast.ValueSpec); ok {
				for i, name := range x.Names {
					if i < len(x.Values) {
						if s, ok := stringLit(x.Values[i]); ok {
							consts[name.Name] = s
						}
					}
				}
			}
			return true
		})
	}
	used := map[string]string{} // code -> where it is sent
	var literals []string       // where a code is spelled out
	noteCode := func(e ast.Expr, at string) {
		if s, ok := stringLit(e); ok {
			used[s] = at
			literals = append(literals, at+": "+strconv.Quote(s))
		} else if id, ok := e.(*ast.Ident); ok && consts[id.Name] != "" {
			used[consts[id.Name]] = at
		}
	}
	for _, file := range parsed {
		ast.Inspect(file, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "badf" && len(x.Args) > 0 {
					noteCode(x.Args[0], fset.Position(x.Pos()).String())
				}
			case *ast.CompositeLit:
				switch typeName(x.Type) {
				case "RunError":
					if len(x.Elts) > 0 {
						noteCode(x.Elts[0], fset.Position(x.Pos()).String())
					}
				case "errorMessage":
					for _, el := range x.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok && typeName(kv.Key) == "Code" {
							noteCode(kv.Value, fset.Position(x.Pos()).String())
						}
					}
				}
			}
			return true
		})
	}
	require.NotEmpty(t, used)
	assert.Empty(t, literals, "error codes written as literals: use the constants in vocab.go")
	for code, at := range used {
		assert.Contains(t, errorCodes, code, "%s sends the code %q, which errorCodes does not declare", at, code)
	}
	// The scenario catalog names its knob errors' codes; badf passes them on.
	used[codeUnknownKnob], used[codeKnobRange] = "scenarios", "scenarios"
	for _, c := range errorCodes {
		assert.Contains(t, used, c, "errorCodes declares %q, and nothing sends it", c)
	}
	assert.Len(t, byJSName(errorCodes), len(errorCodes), "two codes share a JavaScript name")
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

func typeName(e ast.Expr) string {
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// The page writes codes and wait reasons by their JavaScript names: each
// must name one thing, and read as the words do.
func TestJSNames(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"rate_limited", "rateLimited"},
		{"bad_json", "badJson"},
		{"chan receive (nil chan)", "chanReceiveNilChan"},
		{"sync.RWMutex.RLock", "syncRWMutexRLock"},
		{"IO wait", "ioWait"},
		{"select (no cases)", "selectNoCases"},
	} {
		assert.Equal(t, tc.want, jsName(tc.in), tc.in)
	}
	reasons := engine.Vocab().WaitReasons[1:]
	assert.Len(t, byJSName(reasons), len(reasons), "two wait reasons share a JavaScript name")
}
