package web

// bundle_esbuild.go: the page's ES modules as one module script, made by
// esbuild in this process. The scenario page loads it: one request instead
// of a waterfall of some thirty modules, each found only when the one
// importing it has arrived (about 250 ms of a page's load). And a
// standalone page (an exported .html opened from disk) cannot import
// ./fold.js at all: a file:// page may not load modules from its
// directory, so the export carries the same script inline.

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/concviz/concviz/static"
)

// bundleFile bundles the page's modules once per process (about 20 ms,
// warm), started when a handler is made (New) so that neither the server's
// start nor the first page waits for it. A variable, so that a test can
// give the handler a bundle that fails.
var bundleFile = sync.OnceValues(func() (staticFile, error) { return bundleFileOf(static.FS) })

// bundleFileOf bundles bundleEntry and the modules it imports from fsys as
// a file to serve, with its ETag.
func bundleFileOf(fsys fs.FS) (staticFile, error) {
	data, err := bundle(fsys, bundleEntry)
	if err != nil {
		return staticFile{}, err
	}
	return newStaticFile("bundle.js", data), nil
}

// bundleEntry is the module the page loads; the bundle is it and whatever
// it imports.
const bundleEntry = "app.js"

// pageScript is the module script the scenario page loads: the bundle, or,
// when it cannot be made, the entry module, which loads the same modules
// one by one.
func pageScript() string {
	if _, err := bundleFile(); err != nil {
		return "/static/" + bundleEntry
	}
	return "/static/bundle.js"
}

// serveBundle serves /static/bundle.js as any other static file, or a 500
// that says why it could not be made: the pages still work without the
// bundle (pageScript), only the standalone export needs it.
func serveBundle(w http.ResponseWriter, r *http.Request) {
	f, err := bundleFile()
	if err != nil {
		http.Error(w, "could not bundle the page's modules: "+err.Error(), http.StatusInternalServerError)
		return
	}
	serveFile(w, r, f)
}

// bundleNamespace is esbuild's name for modules read from the bundle's
// fs.FS, so that nothing is read from the disk: the embedded files are the
// ones the binary serves.
const bundleNamespace = "static"

// bundle returns entry, read from fsys, and every module it imports as one
// ES module script. Imports must be relative paths to .js files inside
// fsys. Any esbuild error or warning fails the bundle with the file, line
// and column: a wrong bundle would only show up as a broken page on someone
// else's computer.
//
// The output is not minified: gzipped it is about a fifth larger than
// minified, and a standalone file one can read is one a user can debug.
func bundle(fsys fs.FS, entry string) ([]byte, error) {
	res := api.Build(api.BuildOptions{
		EntryPoints: []string{entry},
		Bundle:      true,
		Format:      api.FormatESModule,
		Platform:    api.PlatformBrowser,
		Target:      api.ESNext, // the page's syntax as written: browsers that run the page run it
		Charset:     api.CharsetUTF8,
		// import.meta.url would be the exported file's, not the module's:
		// marked unsupported, esbuild warns where a module uses it.
		Supported: map[string]bool{"import-meta": false},
		LogLevel:  api.LogLevelSilent,
		Outfile:   "bundle.js",
		Write:     false,
		Plugins:   []api.Plugin{fsPlugin(fsys)},
	})
	if msgs := append(res.Errors, res.Warnings...); len(msgs) > 0 {
		return nil, bundleError(msgs)
	}
	if len(res.OutputFiles) != 1 {
		return nil, fmt.Errorf("bundle %s: esbuild made %d files, want 1", entry, len(res.OutputFiles))
	}
	return res.OutputFiles[0].Contents, nil
}

// fsPlugin resolves and loads every module from fsys.
func fsPlugin(fsys fs.FS) api.Plugin {
	return api.Plugin{
		Name: "fs",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: ".*"}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
				return resolve(fsys, a)
			})
			b.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: bundleNamespace}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
				src, err := fs.ReadFile(fsys, a.Path)
				if err != nil {
					return api.OnLoadResult{}, fmt.Errorf("cannot read %s: %w", a.Path, err)
				}
				text := string(src)
				return api.OnLoadResult{Contents: &text, Loader: api.LoaderJS}, nil
			})
		},
	}
}

// resolve maps an import to a path in fsys. Only relative imports of .js
// files are taken: a package or URL import would need something the
// standalone page does not have.
func resolve(fsys fs.FS, a api.OnResolveArgs) (api.OnResolveResult, error) {
	p := a.Path
	if a.Kind != api.ResolveEntryPoint {
		if !strings.HasPrefix(p, "./") && !strings.HasPrefix(p, "../") {
			return api.OnResolveResult{}, fmt.Errorf("imports %q: only relative ./name.js modules can be bundled", p)
		}
		p = path.Join(path.Dir(a.Importer), p)
	}
	if !fs.ValidPath(p) || path.Ext(p) != ".js" {
		return api.OnResolveResult{}, fmt.Errorf("imports %q: only .js modules inside the page's directory can be bundled", a.Path)
	}
	if _, err := fs.Stat(fsys, p); err != nil {
		return api.OnResolveResult{}, fmt.Errorf("imports %s, which cannot be read: %w", p, err)
	}
	return api.OnResolveResult{Path: p, Namespace: bundleNamespace}, nil
}

// bundleError joins esbuild's messages as file:line:col: text, one a line.
func bundleError(msgs []api.Message) error {
	lines := make([]string, 0, len(msgs))
	for _, m := range msgs {
		s := m.Text
		if l := m.Location; l != nil {
			s = fmt.Sprintf("%s:%d:%d: %s", l.File, l.Line, l.Column+1, s)
		}
		lines = append(lines, s)
	}
	return errors.New(strings.Join(lines, "\n"))
}
