package instrument

import (
	"go/ast"
	"go/types"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func engineScope(t *testing.T) *types.Package {
	t.Helper()
	pkg, err := engineImporter{}.Import(EnginePath)
	require.NoError(t, err)
	return pkg
}

func stdImport(t *testing.T, path string) *types.Package {
	t.Helper()
	pkg, err := lockedImporter{}.Import(path)
	require.NoError(t, err, "import %s", path)
	return pkg
}

// lastIsPos reports whether the last parameter of sig is engine.Pos.
func lastIsPos(sig *types.Signature) bool {
	ps := sig.Params()
	return ps.Len() > 0 && types.TypeString(ps.At(ps.Len()-1).Type(), nil) == EnginePath+".Pos"
}

// TestStdlibTableMatchesEngine: every identifier the table maps names an
// engine function, method or type that exists and takes the position where
// the rewriter puts it, and every function and method it maps exists in the
// standard library with as many parameters.
func TestStdlibTableMatchesEngine(t *testing.T) {
	eng := engineScope(t)
	for path, p := range stdPkgs {
		if p.status == refusedPkg {
			continue
		}
		std := stdImport(t, path)
		for _, id := range p.ids {
			key := path + "." + id.name
			t.Run(key, func(t *testing.T) {
				obj := std.Scope().Lookup(id.name)
				require.NotNil(t, obj, "%s does not exist in the standard library", key)
				switch id.kind {
				case idFunc:
					gosig := obj.Type().(*types.Signature)
					ef, ok := eng.Scope().Lookup(id.engine).(*types.Func)
					require.True(t, ok, "engine.%s (for %s) is not a function of the engine", id.engine, key)
					esig := ef.Type().(*types.Signature)
					want := gosig.Params().Len()
					switch id.pos {
					case posPre:
						want++
						assert.Equal(t, EnginePath+".Pos", types.TypeString(esig.Params().At(0).Type(), nil), "engine.%s takes the position first", id.engine)
					case posPost:
						want++
						assert.True(t, lastIsPos(esig), "engine.%s takes the position last", id.engine)
					}
					assert.Equal(t, want, esig.Params().Len(), "parameters of engine.%s against %s", id.engine, key)
					assert.Equal(t, gosig.Variadic(), esig.Variadic(), "engine.%s variadic as %s", id.engine, key)
					assert.Equal(t, gosig.Results().Len(), esig.Results().Len(), "results of engine.%s against %s", id.engine, key)
					if gosig.TypeParams().Len() > 0 {
						// Explicit instantiations (sync.OnceValue[int]) keep their type arguments.
						assert.Equal(t, gosig.TypeParams().Len(), esig.TypeParams().Len(), "type parameters of engine.%s against %s", id.engine, key)
					}
				case idSeeded:
					acc, ok := eng.Scope().Lookup(id.engine).(*types.Func)
					require.True(t, ok, "engine.%s (for %s) is not a function of the engine", id.engine, key)
					gen := acc.Type().(*types.Signature).Results().At(0).Type()
					m, _, _ := types.LookupFieldOrMethod(gen, true, nil, id.name)
					require.NotNil(t, m, "engine.%s() has no method %s", id.engine, id.name)
					msig := m.Type().(*types.Signature)
					gosig := obj.Type().(*types.Signature)
					assert.True(t, types.Identical(types.NewSignatureType(nil, nil, nil, gosig.Params(), gosig.Results(), gosig.Variadic()),
						types.NewSignatureType(nil, nil, nil, msig.Params(), msig.Results(), msig.Variadic())),
						"%s is %s but engine.%s().%s is %s", key, gosig, id.engine, id.name, msig)
				case idType:
					name, _, _ := strings.Cut(id.engine, "[")
					et, ok := eng.Scope().Lookup(name).(*types.TypeName)
					require.True(t, ok, "engine.%s (for %s) is not a type of the engine", name, key)
					gms := methodNames(obj.Type())
					for _, m := range gms {
						em, _, _ := types.LookupFieldOrMethod(et.Type(), true, eng, m)
						require.NotNil(t, em, "engine.%s has no method %s (%s has)", name, m, key)
						listed := slices.Contains(id.methods, m)
						assert.Equal(t, listed, lastIsPos(em.Type().(*types.Signature)),
							"%s.%s: listed as taking a position %v, engine's takes one %v", key, m, listed, !listed)
					}
					for _, m := range id.methods {
						assert.Contains(t, gms, m, "%s lists method %s that Go's type lacks", key, m)
					}
				case idVar:
					name := id.engine + "At"
					f, ok := eng.Scope().Lookup(name).(*types.Func)
					require.True(t, ok, "engine.%s (for %s) is not a function of the engine", name, key)
					w := f.Type().(*types.Signature).Results().At(0).Type()
					for _, m := range id.methods {
						gm, _, _ := types.LookupFieldOrMethod(obj.Type(), true, nil, m)
						assert.NotNil(t, gm, "%s has no method %s", key, m)
						em, _, _ := types.LookupFieldOrMethod(w, true, eng, m)
						_, rendered := writerMethods[m]
						assert.True(t, em != nil || rendered, "engine.%s's writer has no method %s and writerMethods does not render it", name, m)
					}
					for m := range writerMethods {
						assert.Contains(t, id.methods, m, "writerMethods renders %s, which %s does not list", m, key)
					}
				}
			})
		}
	}
}

// TestStdlibMappingsTypeCheck: a program taking every mapped function as a
// value of its Go type, rewritten, type-checks against the engine: each
// engine function has the Go signature plus the position, parameter for
// parameter.
func TestStdlibMappingsTypeCheck(t *testing.T) {
	var decls []string
	alias := map[string]string{}
	qual := func(p *types.Package) string {
		if _, ok := alias[p.Path()]; !ok {
			alias[p.Path()] = "p" + strconv.Itoa(len(alias))
		}
		return alias[p.Path()]
	}
	keys := slices.Sorted(maps.Keys(pkgFuncs))
	for _, key := range keys {
		id := pkgFuncs[key]
		path := strings.TrimSuffix(key, "."+id.name)
		std := stdImport(t, path)
		f := std.Scope().Lookup(id.name).(*types.Func)
		sig := f.Type().(*types.Signature)
		inst := ""
		if tps := sig.TypeParams(); tps.Len() > 0 {
			var targs []types.Type
			for range tps.Len() {
				targs = append(targs, types.Typ[types.Int])
			}
			it, err := types.Instantiate(nil, sig, targs, true)
			require.NoError(t, err, key)
			sig = it.(*types.Signature)
			inst = "[" + strings.Repeat("int, ", tps.Len()-1) + "int]"
		}
		decls = append(decls, "var v"+strconv.Itoa(len(decls))+" "+types.TypeString(sig, qual)+" = "+qual(std)+"."+id.name+inst)
	}
	var imports []string
	for path, a := range alias {
		imports = append(imports, a+" "+strconv.Quote(path))
	}
	slices.Sort(imports)
	src := "package main\n\nimport (\n\t" + strings.Join(imports, "\n\t") + "\n)\n\n" + strings.Join(decls, "\n") + "\n\nfunc main() {}\n"
	mustRewrite(t, src)
}

// methodNames lists the exported methods of *T for a named type T, or of T
// for an interface.
func methodNames(t types.Type) []string {
	ms := types.NewMethodSet(types.NewPointer(t))
	if types.IsInterface(t) {
		ms = types.NewMethodSet(t)
	}
	var names []string
	for i := range ms.Len() {
		if n := ms.At(i).Obj().Name(); ast.IsExported(n) {
			names = append(names, n)
		}
	}
	return names
}

// TestStdlibSeededComplete: every top-level function of math/rand and
// math/rand/v2 that draws from the global generator is mapped onto the run's
// seeded one; only the constructors of a program's own generators are not.
func TestStdlibSeededComplete(t *testing.T) {
	for _, path := range []string{"math/rand", "math/rand/v2"} {
		std := stdImport(t, path)
		for _, n := range std.Scope().Names() {
			if _, ok := std.Scope().Lookup(n).(*types.Func); !ok || !ast.IsExported(n) || strings.HasPrefix(n, "New") {
				continue
			}
			_, ok := pkgFuncs[path+"."+n]
			assert.True(t, ok, "%s.%s draws from the global generator but is not mapped: its numbers would not follow the run's seed", path, n)
		}
	}
}

// TestStdlibTableWellFormed: every refusal says why; a restricted package
// says what its list is for; a package is declared once; each path is a
// real standard-library package.
func TestStdlibTableWellFormed(t *testing.T) {
	for _, p := range purePkgs {
		_, dup := stdPkgs[p]
		assert.False(t, dup, "%s is both in purePkgs and stdPkgs", p)
		assert.Equal(t, 1, strings.Count(" "+strings.Join(purePkgs, " ")+" ", " "+p+" "), "%s listed twice", p)
		stdImport(t, p)
	}
	for path, p := range stdPkgs {
		switch p.status {
		case refusedPkg:
			assert.NotEmpty(t, p.why, "refused package %s has no reason", path)
			assert.Empty(t, p.ids, "refused package %s lists identifiers", path)
		case restricted:
			assert.NotEmpty(t, p.why, "restricted package %s has no note", path)
		}
		seen := map[string]bool{}
		for _, id := range p.ids {
			assert.False(t, seen[id.name], "%s.%s listed twice", path, id.name)
			seen[id.name] = true
			if id.kind == idRefused {
				assert.NotEmpty(t, id.why, "%s.%s is refused without a reason", path, id.name)
			}
		}
	}
}

// TestStdlibRefusals: a refusal is one sentence naming the identifier, its
// line, and what is supported instead.
func TestStdlibRefusals(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"filepath.Walk", "import \"path/filepath\"\n\nfunc main() {\n\tfilepath.Walk(\".\", nil)\n}\n",
			`prog.go:6:2: filepath.Walk is not allowed: it reads directories: filepath.Join, Split, Base, Dir, Ext, Clean, Rel and Match work on names without touching files`},
		{"filepath.Glob as a value", "import \"path/filepath\"\n\nfunc main() { _ = filepath.Glob }\n",
			`prog.go:5:19: filepath.Glob is not allowed: it reads directories`},
		{"filepath.Abs", "import \"path/filepath\"\n\nfunc main() { filepath.Abs(\"x\") }\n", `prog.go:5:15: filepath.Abs is not allowed: it reads the working directory`},
		{"crypto/rand", "import \"crypto/rand\"\n\nfunc main() { rand.Text() }\n",
			`prog.go:3:8: import "crypto/rand" is not allowed: it reads the operating system's randomness: use math/rand/v2, which concviz seeds from the run's seed`},
		{"log", "import \"log\"\n\nfunc main() { log.Println(1) }\n", `prog.go:3:8: import "log" is not allowed: log stamps lines with the machine's clock`},
		{"text/template", "import \"text/template\"\n\nfunc main() { template.New(\"x\") }\n", `import "text/template" is not allowed: templates read files`},
		{"unlisted standard package", "import \"debug/elf\"\n\nfunc main() { elf.Open(\"x\") }\n", `prog.go:3:8: import "debug/elf" is not allowed: it reaches the operating system or files`},
		{"runtime outside its list", "import \"runtime\"\n\nfunc main() { runtime.Stack(nil, true) }\n",
			`prog.go:5:15: runtime.Stack is not allowed: only runtime.Gosched, runtime.NumGoroutine, runtime.GOMAXPROCS, runtime.Goexit, runtime.GC, runtime.NumCPU`},
		{"net/http outside its list", "import \"net/http\"\n\nfunc main() { http.Post(\"u\", \"t\", nil) }\n",
			`prog.go:5:15: http.Post is not allowed: only http.Get, http.Response, http.Header, http.StatusText, http.Status* and http.Method* are available: http.Get runs on the engine's simulated internet`},
		{"sync/atomic pointers", "import \"sync/atomic\"\n\nfunc main() { var p *int; atomic.LoadPointer(nil); _ = p }\n",
			`atomic.LoadPointer is not allowed: only atomic.Int32, `},
		{"dot import of a mapped package", "import . \"time\"\n\nfunc main() { Sleep(Second) }\n",
			`prog.go:3:8: import . "time" is not supported: import it by name (time.Sleep) so concviz can map its calls onto the engine`},
		{"os.Stdout.Close", "import \"os\"\n\nfunc main() { os.Stdout.Close() }\n",
			`prog.go:5:15: os.Stdout.Close is not supported: write with os.Stdout.Write, os.Stdout.WriteString or fmt.Fprint(os.Stdout, ...)`},
		{"zip.OpenReader", "import \"archive/zip\"\n\nfunc main() { zip.OpenReader(\"x\") }\n", `zip.OpenReader is not allowed: it opens a file: zip.NewReader reads an archive from memory`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Rewrite([]File{{Name: "prog.go", Src: []byte(prog(tt.src))}}, Options{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "\n", "one line")
		})
	}
}

// TestStdlibAllows: what the table allows rewrites without complaint.
func TestStdlibAllows(t *testing.T) {
	for _, src := range []string{
		"import \"path/filepath\"\n\nfunc main() { _ = filepath.Join(\"a\", filepath.Base(\"b/c\")) }\n",
		"import (\n\t\"fmt\"\n\t\"net/http\"\n)\n\nfunc main() { fmt.Println(http.StatusOK, http.MethodGet, http.StatusText(404)) }\n",
		"import \"fmt\"\n\nfunc main() { p := fmt.Println; defer p(1) }\n",
		"import \"sync\"\n\nfunc main() { var wg sync.WaitGroup; f := wg.Go; f(func() {}); wg.Wait() }\n",
		"import \"sync\"\n\nfunc main() { var l sync.Locker = &sync.Mutex{}; lock := sync.Locker.Lock; lock(l) }\n",
		"import \"sync\"\n\nfunc main() { f := sync.OnceValue[int]; _ = f(func() int { return 1 })() }\n",
		"import \"encoding/csv\"\n\nfunc main() { _ = csv.NewWriter }\n",
	} {
		mustRewrite(t, prog(src))
	}
}
