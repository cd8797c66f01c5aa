package web

import (
	"flag"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/static"
)

// mods builds a file system of modules from name, source pairs.
func mods(kv ...string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for i := 0; i+1 < len(kv); i += 2 {
		fsys[kv[i]] = &fstest.MapFile{Data: []byte(kv[i+1])}
	}
	return fsys
}

// A module set that uses the module forms a page might: named imports
// with aliases, a subdirectory, a default export, a namespace import, an
// exported binding its module changes later, and one top-level name in two
// modules.
var okModules = mods(
	"main.js", `import { double, Counter, LIMIT as max, later, count, bump } from "./lib.js";
import greet, { shout as loud } from "./sub/words.js";
import * as words from "./sub/words.js";

const secret = "main's own"; // lib.js has a secret too: scopes are apart
bump();
console.log(double(21), new Counter().add(2).n, max, greet("bundle"), loud("hi"), words.shout("ns"), later(), count, secret);
`,
	"lib.js", `export function double(x) {
  return 2 * x;
}

export class Counter {
  n = 0;
  add(d) {
    this.n += d;
    return this;
  }
}

export const LIMIT = 10;
export let count = 0;
export function bump() { count++; }
const secret = "lib's";

function helper() {
  return "later:" + secret;
}

export { helper as later };
`,
	"sub/words.js", `export default (n) => `+"`hello ${n}`"+`;
export function shout(s) { return s.toUpperCase() + "!"; }
`,
)

// node returns the node binary, skipping without one (failing under CI).
func node(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node is required under CI: %v", err)
		}
		t.Skipf("node is not installed: %v", err)
	}
	return bin
}

// runNode runs a module script with node and returns what it printed.
func runNode(t *testing.T, script []byte, args ...string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "bundle.mjs")
	require.NoError(t, os.WriteFile(file, script, 0o644))
	out, err := exec.Command(node(t), append(args, file)...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	return string(out)
}

// leftImport finds an import statement in a bundle: one a file:// page
// could not follow.
var leftImport = regexp.MustCompile(`(?m)^\s*import\b`)

// hasModule reports whether a bundle holds a module's code: esbuild heads it
// with a comment naming it.
func hasModule(bundle []byte, name string) bool {
	return regexp.MustCompile(`(?m)^// ` + bundleNamespace + `:` + regexp.QuoteMeta(name) + `$`).Match(bundle)
}

// The bundle runs as its modules would, imports resolved from the given
// file system and none left for a file:// page to fetch.
func TestBundleRunsAsTheModulesWould(t *testing.T) {
	out, err := bundle(okModules, "main.js")
	require.NoError(t, err)
	assert.False(t, leftImport.Match(out), "no import is left: %s", out)
	assert.Equal(t, "42 2 10 hello bundle HI! NS! later:lib's 1 main's own\n", runNode(t, out))
}

func TestBundleRefuses(t *testing.T) {
	lib := "export const a = 1;\nexport function f() {}\n"
	for _, tc := range []struct {
		name string
		main string
		want string // in the error
	}{
		{"missing module", "\n\nimport { x } from \"./nope.js\";\n", "main.js:3:19: imports nope.js, which cannot be read"},
		{"missing name", "import { a, b } from \"./lib.js\";\nconsole.log(a, b);\n", `main.js:1:13: No matching export in "static:lib.js" for import "b"`},
		{"package import", "import { readFileSync } from \"node:fs\";\n", `main.js:1:30: imports "node:fs": only relative ./name.js modules`},
		{"bare import", "import { x } from \"lib\";\n", `main.js:1:19: imports "lib": only relative`},
		{"URL import", "import { x } from \"https://example.org/x.js\";\n", `imports "https://example.org/x.js": only relative`},
		{"outside the directory", "import { x } from \"../lib.js\";\n", `main.js:1:19: imports "../lib.js": only .js modules inside`},
		{"not .js", "import { a } from \"./lib\";\n", `main.js:1:19: imports "./lib": only .js modules`},
		{"syntax error", "const x = ;\n", `main.js:1:11: Unexpected ";"`},
		{"warning", "if (typeof a === \"undefinded\") {}\n", `main.js:1:18: The "typeof" operator will never evaluate to "undefinded"`},
		{"import.meta", "console.log(1);\nconst u = new URL(\"x\", import.meta.url);\n", "main.js:2:24: \"import.meta\" is not available"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := bundle(mods("main.js", tc.main, "lib.js", lib), "main.js")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// The page's real modules bundle without a warning, into a script that
// parses.
func TestBundleStaticApp(t *testing.T) {
	f, err := bundleFile()
	require.NoError(t, err)
	out := f.data
	assert.True(t, hasModule(out, bundleEntry), "the entry module is in the bundle")
	assert.False(t, leftImport.Match(out), "no import is left")
	runNode(t, out, "--check")
}

func TestStaticBundleIsServed(t *testing.T) {
	h := testHandler()
	res, body := get(t, h, "/static/bundle.js")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Equal(t, "text/javascript; charset=utf-8", res.Header.Get("Content-Type"))
	assert.Equal(t, "no-cache", res.Header.Get("Cache-Control"))
	assert.True(t, hasModule([]byte(body), "fold.js"), "the modules app.js imports are in the bundle")
	etag := res.Header.Get("ETag")
	require.NotEmpty(t, etag)
	res, _ = get(t, h, "/static/bundle.js", "If-None-Match", etag)
	assert.Equal(t, http.StatusNotModified, res.StatusCode)
}

// A module the bundler refuses costs the standalone export, not the page.
func TestStaticBundleFailureKeepsThePage(t *testing.T) {
	old := bundleFile
	t.Cleanup(func() { bundleFile = old })
	bundleFile = func() (staticFile, error) { return bundleFileOf(mods("app.js", "import { x } from \"./nope.js\";\n")) }
	h := testHandler()
	res, body := get(t, h, "/static/bundle.js")
	assert.Equal(t, http.StatusInternalServerError, res.StatusCode)
	assert.Contains(t, body, "app.js:1:19: imports nope.js, which cannot be read")
	res, page := get(t, h, "/s/pool")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, page, `<script type="module" src="/static/`+bundleEntry+`">`, "the page loads the modules one by one")
	res, _ = get(t, h, "/static/app.js")
	assert.Equal(t, http.StatusOK, res.StatusCode)
}

var updatePage = flag.Bool("update-page", false, "rewrite static/testdata/page.html from the scenario page")

// staticRefs lists a page's tags that load something from /static/, and its
// charset meta, which standaloneHTML puts its marker after.
var staticRefs = regexp.MustCompile(`<(?:meta charset[^>]*|[^>]*/static/[^>]*)>`)

// static/testdata/page.html is the scenario page as the handler renders it,
// for export.test.js to make standalone. It need not be byte for byte the
// page of today, but it must load the same things from /static/: those are
// what standaloneHTML replaces. go test -run StaticStandalone -update-page
// ./web rewrites it.
func TestStaticStandalonePageFixture(t *testing.T) {
	_, page := get(t, testHandler(), "/s/pool")
	const file = "../static/testdata/page.html"
	if *updatePage {
		require.NoError(t, os.WriteFile(file, []byte(page), 0o644))
	}
	fixture, err := os.ReadFile(file)
	require.NoError(t, err, "go test -run StaticStandalone -update-page ./web writes it")
	want := staticRefs.FindAllString(page, -1)
	got := staticRefs.FindAllString(string(fixture), -1)
	slices.Sort(want)
	slices.Sort(got)
	assert.Equal(t, want, got, "%s loads other things from /static/ than the page: go test -run StaticStandalone -update-page ./web", file)
	assert.Contains(t, want, `<script type="module" src="/static/bundle.js">`)
}

// BenchmarkBundlePage is what the first handler costs the server's start:
// esbuild bundling the embedded modules.
func BenchmarkBundlePage(b *testing.B) {
	for b.Loop() {
		if _, err := bundle(static.FS, bundleEntry); err != nil {
			b.Fatal(err)
		}
	}
}
