package instrument

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"io/fs"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/engine"
)

// engineImporter type-checks rewritten programs without the go command: the
// engine package comes from its embedded source, the standard library from
// export data. It is far cheaper than a build, which is what the fuzz target
// needs.
type engineImporter struct {
	fset *token.FileSet
}

var (
	enginePkgOnce sync.Once
	enginePkg     *types.Package
	enginePkgErr  error
)

func (im engineImporter) Import(path string) (*types.Package, error) {
	if path != EnginePath {
		return lockedImporter{}.Import(path)
	}
	enginePkgOnce.Do(func() {
		fset := token.NewFileSet()
		var files []*ast.File
		// The files the go command would build here: an architecture's own
		// (vclock_amd64.go) or the others' (vclock_other.go), not both.
		bc := build.Default
		bc.OpenFile = func(p string) (io.ReadCloser, error) { return engine.Source.Open(p) }
		enginePkgErr = fs.WalkDir(engine.Source, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return err
			}
			if ok, err := bc.MatchFile(".", p); err != nil || !ok {
				return err
			}
			src, err := engine.Source.ReadFile(p)
			if err != nil {
				return err
			}
			f, err := parser.ParseFile(fset, p, src, 0)
			if err != nil {
				return err
			}
			files = append(files, f)
			return nil
		})
		if enginePkgErr != nil {
			return
		}
		conf := types.Config{Importer: lockedImporter{}}
		enginePkg, enginePkgErr = conf.Check(EnginePath, fset, files, nil)
	})
	return enginePkg, enginePkgErr
}

// typecheckResult type-checks a rewritten program as the compiler would.
func typecheckResult(res *Result) error {
	fset := token.NewFileSet()
	var files []*ast.File
	for _, f := range res.Files {
		af, err := parser.ParseFile(fset, f.Name, f.Src, parser.ParseComments)
		if err != nil {
			return err
		}
		files = append(files, af)
	}
	conf := types.Config{Importer: engineImporter{fset: fset}, GoVersion: "go1.26"}
	_, err := conf.Check("main", fset, files, nil)
	return err
}

// mustRewrite rewrites one file of source and type-checks the result.
func mustRewrite(t testing.TB, src string) *Result {
	t.Helper()
	res, err := Rewrite([]File{{Name: "prog.go", Src: []byte(src)}}, Options{})
	require.NoError(t, err)
	require.NoError(t, typecheckResult(res), "rewritten:\n%s", res.Files[0].Src)
	return res
}
