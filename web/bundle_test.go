package web

import (
	"flag"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
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

// A module set that uses every form the bundler takes, and the lexer's hard
// cases: regular expressions, templates with braces in ${ }, and the words
// import and export in strings and comments.
var okModules = mods(
	"main.js", `// main.js: prints what it imports.
import { double, Counter, LIMIT as max, later, OBJ } from "./lib.js";
import {
  greet,
  shout as loud, // a comment in the list
} from "./sub/words.js";

const secret = "main's own"; // lib.js has a secret too: scopes are apart
const re = /import \{ x \} from "y"/;
console.log(double(21), new Counter().add(2).n, max, greet("bundle"), loud("hi"), later(), OBJ[1], secret, re.test('import { x } from "y"'));
`,
	"lib.js", `/* lib.js: the export default forms
   are described here, and export * too. */
export function double(x) {
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
export let mode = "ok";
const secret = "lib's";
export const OBJ = {
  1: "one",
  2: `+"`two ${ {a: \"}\"}.a }`"+`,
};

function helper() {
  const half = 10 / 2 / 1;
  return "later:" + mode + half;
}

export {
  helper as later,
  secret as libSecret,
};
`,
	"sub/words.js", `export const greet = (n) => `+"`hello ${n}`"+`;
export function shout(s) { return s.toUpperCase() + "!"; }
export async function quiet() { return "import(x)"; }
export function* count() { yield 1; }
`,
)

func TestBundleRewritesImportsAndExports(t *testing.T) {
	out, err := bundle(okModules, "main.js")
	require.NoError(t, err)
	js := string(out)
	for _, want := range []string{
		"const { double, Counter, LIMIT: max, later, OBJ } = __m_lib;",
		"const { greet, shout: loud } = __m_sub_words;",
		"return { double, Counter, LIMIT, mode, OBJ, later: helper, libSecret: secret };",
		"return { greet, shout, quiet, count };",
		"\nfunction double(x) {",
		"\nclass Counter {",
		"\nasync function quiet()",
		"\nfunction* count()",
	} {
		assert.Contains(t, js, want)
	}
	assert.Less(t, strings.Index(js, "const __m_lib ="), strings.Index(js, "const __m_main ="), "dependencies first")
	assert.Less(t, strings.Index(js, "const __m_sub_words ="), strings.Index(js, "const __m_main ="))
	assert.NotRegexp(t, regexp.MustCompile(`(?m)^\s*(import|export)\b`), js, "no import or export statement is left")
	assert.Contains(t, js, "are described here, and export * too. */", "comments are kept as they are")
	assert.Contains(t, js, `const re = /import \{ x \} from "y"/;`, "regular expressions are kept as they are")
}

func TestBundleKeepsLineNumbers(t *testing.T) {
	out, err := bundle(okModules, "main.js")
	require.NoError(t, err)
	js := string(out)
	start := strings.Index(js, "const __m_main = (() => {\n") + len("const __m_main = (() => {\n")
	body := strings.Split(js[start:], "\n")
	src := strings.Split(string(okModules["main.js"].Data), "\n")
	assert.Equal(t, src[7], body[7], "line 8 of main.js is line 8 of its part of the bundle")
}

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

func TestBundleRunsInNode(t *testing.T) {
	out, err := bundle(okModules, "main.js")
	require.NoError(t, err)
	assert.Equal(t, "42 2 10 hello bundle HI! later:ok5 one main's own true\n", runNode(t, out))
}

func TestBundleRefuses(t *testing.T) {
	lib := "export const a = 1;\nexport function f() {}\n"
	for _, tc := range []struct {
		name string
		main string
		want string // in the error
	}{
		{"default export", "export default function f() {}\n", "main.js:1: export default"},
		{"default import", "import a from \"./lib.js\";\n", "main.js:1: default imports"},
		{"default in a list", "import { default as a } from \"./lib.js\";\n", "main.js:1: default imports"},
		{"export star", "export * from \"./lib.js\";\n", "main.js:1: export *"},
		{"re-export", "\nexport { a } from \"./lib.js\";\n", "main.js:2: re-exports"},
		{"namespace import", "import * as lib from \"./lib.js\";\n", "main.js:1: namespace imports"},
		{"side-effect import", "import \"./lib.js\";\n", "main.js:1: side-effect imports"},
		{"dynamic import", "const m = await import(\"./lib.js\");\n", "main.js:1: dynamic import()"},
		{"dynamic import at a line's start", "import(\"./lib.js\").then(() => {});\n", "main.js:1: dynamic import()"},
		{"import.meta", "console.log(1);\nconst u = new URL(\"x\", import.meta.url);\n", "main.js:2: import.meta"},
		{"package import", "import { readFileSync } from \"node:fs\";\n", `main.js:1: imports "node:fs"`},
		{"bare import", "import { x } from \"lib\";\n", `main.js:1: imports "lib"`},
		{"parent import", "import { x } from \"../lib.js\";\n", `main.js:1: imports "../lib.js"`},
		{"missing module", "\n\nimport { x } from \"./nope.js\";\n", "main.js:3: imports nope.js, which cannot be read"},
		{"missing name", "import { a, b } from \"./lib.js\";\n", "main.js:1: imports b from lib.js, which does not export it"},
		{"cycle", "import { c } from \"./cyc.js\";\n", "cyc.js:1: import cycle main.js → cyc.js → main.js"},
		{"export var", "export var v = 1;\n", "main.js:1: an export this bundler does not understand"},
		{"destructuring export", "export const { a, b } = {};\n", "main.js:1: export of a destructuring declaration"},
		{"reassigned let", "export let n = 0;\nfunction inc() {\n  n += 1;\n}\n", "main.js:3: the exported n is assigned here"},
		{"reassigned with ++", "export let n = 0;\nfunction inc() { n++; }\n", "main.js:2: the exported n is assigned here"},
		{"reassigned function", "export function f() {}\nf = null;\n", "main.js:2: the exported f is assigned here"},
		{"exported twice", "const a = 1;\nexport { a, a };\n", "main.js:2: a is exported twice"},
		{"import in a block", "if (x) {\n  import { a } from \"./lib.js\";\n}\n", "main.js:2: import inside a block"},
		{"import after code", "const x = 1; import { a } from \"./lib.js\";\n", "main.js:1: import in the middle of a line"},
		{"import with code after it", "import { a } from \"./lib.js\"; console.log(a);\n", "main.js:1: an import this bundler does not understand"},
		{"unclosed template", "const t = `abc\n", "main.js:1: the file ends inside a template literal that starts on line 1"},
		{"unclosed brace", "function f() {\n", "main.js:1: the file ends with this top-level { never closed"},
		{"stray brace", "}\n", "main.js:1: a } closes a brace"},
		{"regex across lines", "const x = a\n/ 2;\nconst y = /x\n", "main.js:3: the regular expression that starts on line 3 does not end on its line"},
		{"not .js", "import { a } from \"./lib\";\n", `main.js:1: imports "./lib"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := mods("main.js", tc.main, "lib.js", lib, "cyc.js", "import { m } from \"./main.js\";\nexport const c = 1;\n")
			_, err := bundle(fsys, "main.js")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestBundleRefusesTwoModulesWithOneName(t *testing.T) {
	fsys := mods("main.js", "import { a } from \"./a-b.js\";\nimport { b } from \"./a_b.js\";\n",
		"a-b.js", "export const a = 1;\n", "a_b.js", "export const b = 1;\n")
	_, err := bundle(fsys, "main.js")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "a_b.js: its bundle name __m_a_b is taken by a-b.js")
}

// The page's real modules bundle, and the bundle is valid JavaScript.
func TestBundleStaticApp(t *testing.T) {
	out, err := bundle(static.FS, "app.js")
	require.NoError(t, err)
	js := string(out)
	for _, m := range []string{"fold", "narrate", "graph", "timeline", "code", "app"} {
		assert.Contains(t, js, "const __m_"+m+" = (() => {", m)
	}
	assert.True(t, strings.HasSuffix(js, "})();\n"))
	runNode(t, out, "--check")
}

// Modules without a DOM run from the bundle as they run from their files.
func TestBundleStaticModulesRunInNode(t *testing.T) {
	out, err := bundle(static.FS, "export.js")
	require.NoError(t, err)
	script := string(out) + `
const { recordingOf, logFromRecording, traceOf, validateTrace } = __m_export;
const { newLog, addEvents, names } = __m_fold;
const log = newLog({ type: "run", id: "1", sites: [{ line: 0, func: "" }] });
addEvents(log, { from: 0, events: [[0, 1, 1, 0, 2, "", 0, 0, 0], [0, 2, 2, 0, 0, "", 0, 0, 0], [5, 1, 2, 0, 0, "", 0, 0, 0]],
  goroutines: [{ ID: 1, Name: "main.main", Parent: 0, Pos: 0 }, { ID: 2, Name: "main.worker", Parent: 1, Pos: 0 }] });
log.outcome = { type: "outcome", id: "1", outcome: "ok", events: 3 };
const rec = recordingOf(log, { id: "t", title: "T" }, { seed: 1, policy: "random", knobs: {}, caps: {}, interventions: [] });
const back = logFromRecording(JSON.parse(JSON.stringify(rec)));
console.log(back.events.length, validateTrace(traceOf(back, names(back), { title: "T" })).length);
`
	assert.Equal(t, "3 0\n", runNode(t, []byte(script)))
}

func TestStaticBundleIsServed(t *testing.T) {
	h := testHandler()
	res, body := get(t, h, "/static/bundle.js")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Equal(t, "text/javascript; charset=utf-8", res.Header.Get("Content-Type"))
	assert.Equal(t, "no-cache", res.Header.Get("Cache-Control"))
	assert.Contains(t, body, "const __m_fold = (() => {")
	etag := res.Header.Get("ETag")
	require.NotEmpty(t, etag)
	res, _ = get(t, h, "/static/bundle.js", "If-None-Match", etag)
	assert.Equal(t, http.StatusNotModified, res.StatusCode)
}

// A module the bundler refuses costs the standalone export, not the page.
func TestStaticBundleFailureKeepsThePage(t *testing.T) {
	old := bundleSource
	t.Cleanup(func() { bundleSource = old })
	bundleSource = mods("app.js", "export default 1;\n")
	h := testHandler()
	res, body := get(t, h, "/static/bundle.js")
	assert.Equal(t, http.StatusInternalServerError, res.StatusCode)
	assert.Contains(t, body, "app.js:1: export default")
	res, _ = get(t, h, "/s/pool")
	assert.Equal(t, http.StatusOK, res.StatusCode)
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
	assert.Contains(t, want, `<script type="module" src="/static/app.js">`)
}
