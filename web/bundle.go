package web

// bundle.go: a small bundler for the page's ES modules. A standalone page
// (an exported .html opened from disk) cannot import ./fold.js: a file://
// page may not load modules from its directory. So the export carries the
// page's modules inline, as one module script made here and served at
// /static/bundle.js.
//
// It understands exactly the module syntax the static directory uses and
// refuses everything else with the file and line: a wrong bundle would only
// show up as a broken page on someone else's computer.
//
//   - import { a, b as c } from "./x.js";   (one line or several)
//   - export function|async function|function*|class|const|let NAME
//   - export { a, b as c };                  (one line or several)
//
// Refused: default exports and imports, export * and re-exports, namespace
// and side-effect imports, dynamic import(), import.meta, specifiers that do
// not start with ./, import cycles, exported bindings the module reassigns
// (a copied binding would not follow the change), and import or export
// anywhere but at the start of a top-level line.

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strings"

	"github.com/concviz/concviz/static"
)

// bundleSource is what /static/bundle.js is made of: the page's modules.
var bundleSource fs.FS = static.FS

// addBundle bundles the page's modules from app.js and adds the result to
// the served files as bundle.js. On failure the files stay as they are and
// the error is returned for /static/bundle.js to report: the pages work
// without the bundle, only the standalone export needs it.
func addBundle(files map[string]staticFile, fsys fs.FS) error {
	data, err := bundle(fsys, "app.js")
	if err != nil {
		return err
	}
	files["bundle.js"] = newStaticFile("bundle.js", data)
	return nil
}

// serveBundle serves /static/bundle.js as any other static file, or a 500
// that says why it could not be made.
func (h *handler) serveBundle(w http.ResponseWriter, r *http.Request) {
	if h.bundleErr != nil {
		http.Error(w, "could not bundle the page's modules: "+h.bundleErr.Error(), http.StatusInternalServerError)
		return
	}
	r.SetPathValue("file", "bundle.js")
	h.static(w, r)
}

// module is one parsed ES module.
type module struct {
	name    string    // its path in the file system, e.g. "fold.js"
	ident   string    // the constant that holds its exports, e.g. "__m_fold"
	lines   []string  // its source, with imports and exports rewritten
	imports []imports // what it imports, in order
	exports []binding // what it exports
}

// imports is one import statement.
type imports struct {
	line  int       // 1-based, for errors
	path  string    // the imported module's path in the file system
	names []binding // {name: exported name, local: name in the importer}
}

// binding pairs a name as another module sees it with the local name.
type binding struct{ name, local string }

var (
	ident         = `[A-Za-z_$][\w$]*`
	identRE       = regexp.MustCompile(`^` + ident + `$`)
	importHead    = regexp.MustCompile(`(?s)^\s*import\s*\{([^}]*)\}\s*from\b`)
	specRE        = regexp.MustCompile(`^\s*["']([^"'\n]*)["']`)
	onlySemicolon = regexp.MustCompile(`^\s*;?\s*$`)
	exportListR   = regexp.MustCompile(`(?s)^\s*export\s*\{([^}]*)\}\s*;?\s*$`)
	exportDecl    = regexp.MustCompile(`^(\s*)export\s+((?:async\s+function\b\s*\*?|function\b\s*\*?|class\b|const\b|let\b)\s*)(` + ident + `)`)
	keywordAt     = regexp.MustCompile(`(^|[^.\w$])(import|export)\b`)
)

// bundle reads entry and every module it imports and returns one module
// script: each module in its own function scope, dependencies first.
func bundle(fsys fs.FS, entry string) ([]byte, error) {
	b := &bundler{fsys: fsys, mods: map[string]*module{}, idents: map[string]string{}, state: map[string]int{}}
	if err := b.visit(entry, nil); err != nil {
		return nil, err
	}
	return b.emit(entry), nil
}

type bundler struct {
	fsys   fs.FS
	mods   map[string]*module
	order  []*module         // dependencies before their importers
	idents map[string]string // ident -> module path, to refuse two modules with one name
	state  map[string]int    // 1 while visiting, 2 when done
	stack  []string          // the chain of imports being visited, for cycles
}

// visit parses a module and, first, everything it imports. from says who
// imports it, for errors.
func (b *bundler) visit(name string, from *importSite) error {
	switch b.state[name] {
	case 2:
		return nil
	case 1:
		chain := append(b.stack[indexOf(b.stack, name):], name)
		return fmt.Errorf("%s:%d: import cycle %s: the bundle needs each module's imports to run before it", from.file, from.line, strings.Join(chain, " → "))
	}
	b.state[name] = 1
	b.stack = append(b.stack, name)
	src, err := fs.ReadFile(b.fsys, name)
	if err != nil {
		if from == nil {
			return fmt.Errorf("bundle: cannot read %s: %w", name, err)
		}
		return fmt.Errorf("%s:%d: imports %s, which cannot be read: %w", from.file, from.line, name, err)
	}
	m, err := parseModule(name, string(src))
	if err != nil {
		return err
	}
	if other, ok := b.idents[m.ident]; ok {
		return fmt.Errorf("%s: its bundle name %s is taken by %s; rename one of them", name, m.ident, other)
	}
	b.idents[m.ident] = name
	for _, im := range m.imports {
		if err := b.visit(im.path, &importSite{name, im.line}); err != nil {
			return err
		}
		if err := checkImported(m, im, b.mods[im.path]); err != nil {
			return err
		}
	}
	b.stack = b.stack[:len(b.stack)-1]
	b.state[name] = 2
	b.mods[name] = m
	b.order = append(b.order, m)
	return nil
}

type importSite struct {
	file string
	line int
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return 0
}

// checkImported makes sure every imported name is exported: destructuring a
// name that is not there would quietly give undefined.
func checkImported(m *module, im imports, dep *module) error {
	for _, n := range im.names {
		if !hasExport(dep, n.name) {
			return fmt.Errorf("%s:%d: imports %s from %s, which does not export it", m.name, im.line, n.name, dep.name)
		}
	}
	return nil
}

func hasExport(m *module, name string) bool {
	for _, e := range m.exports {
		if e.name == name {
			return true
		}
	}
	return false
}

// emit writes the modules in order, each as a constant holding its exports.
func (b *bundler) emit(entry string) []byte {
	var out bytes.Buffer
	fmt.Fprintf(&out, "// bundle.js: %s and the modules it imports, as one module script (made by web/bundle.go).\n", entry)
	out.WriteString("// Each module runs in its own function scope, after the modules it imports.\n")
	for _, m := range b.order {
		fmt.Fprintf(&out, "\n// ---- %s\nconst %s = (() => {\n", m.name, m.ident)
		out.WriteString(strings.Join(m.lines, "\n"))
		out.WriteString("\nreturn { ")
		for i, e := range m.exports {
			if i > 0 {
				out.WriteString(", ")
			}
			if e.name == e.local {
				out.WriteString(e.name)
			} else {
				fmt.Fprintf(&out, "%s: %s", e.name, e.local)
			}
		}
		out.WriteString(" };\n})();\n")
	}
	return out.Bytes()
}

// moduleIdent names the constant for a module: "fold.js" is __m_fold.
func moduleIdent(name string) string {
	stem := strings.TrimSuffix(name, ".js")
	var sb strings.Builder
	sb.WriteString("__m_")
	for _, r := range stem {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			sb.WriteRune(r)
		} else {
			sb.WriteByte('_')
		}
	}
	return sb.String()
}

// parseModule rewrites a module's imports and exports and lists them.
func parseModule(name, src string) (*module, error) {
	code, top, err := blank(src)
	if err != nil {
		return nil, fmt.Errorf("%s:%w", name, err)
	}
	m := &module{name: name, ident: moduleIdent(name), lines: strings.Split(src, "\n")}
	codeLines := strings.Split(code, "\n")
	handled := map[int]bool{} // lines whose import or export keyword was understood
	for i := 0; i < len(m.lines); i++ {
		word := firstWord(codeLines[i])
		if word != "import" && word != "export" {
			continue
		}
		if !top[i] {
			return nil, fmt.Errorf("%s:%d: %s inside a block, string or comment: the bundler reads them only at the start of a top-level line", name, i+1, word)
		}
		var n int
		if word == "import" {
			n, err = m.importAt(i, codeLines)
		} else {
			n, err = m.exportAt(i, codeLines)
		}
		if err != nil {
			return nil, err
		}
		handled[i] = true
		i += n - 1
	}
	if err := stray(name, codeLines, handled); err != nil {
		return nil, err
	}
	return m, m.checkExports(code)
}

// firstWord returns a line's first identifier-like word.
func firstWord(line string) string {
	s := strings.TrimLeft(line, " \t")
	end := 0
	for end < len(s) && (s[end] == '_' || s[end] == '$' || s[end] >= 'a' && s[end] <= 'z' || s[end] >= 'A' && s[end] <= 'Z' || s[end] >= '0' && s[end] <= '9') {
		end++
	}
	return s[:end]
}

// stray refuses import and export keywords the statement parser did not
// consume, e.g. import() or import.meta in the middle of a line.
func stray(name string, codeLines []string, handled map[int]bool) error {
	for i, l := range codeLines {
		if !strings.Contains(l, "import") && !strings.Contains(l, "export") {
			continue // most lines; the regexp is slow
		}
		for _, loc := range keywordAt.FindAllStringSubmatchIndex(l, -1) {
			if handled[i] && strings.TrimSpace(l[:loc[4]]) == "" {
				continue // the statement's own keyword
			}
			word, rest := l[loc[4]:loc[5]], strings.TrimLeft(l[loc[5]:], " \t")
			switch {
			case word == "import" && strings.HasPrefix(rest, "("):
				return fmt.Errorf("%s:%d: dynamic import() cannot be bundled", name, i+1)
			case word == "import" && strings.HasPrefix(rest, "."):
				return fmt.Errorf("%s:%d: import.meta cannot be bundled: the bundle runs at another URL", name, i+1)
			}
			return fmt.Errorf("%s:%d: %s in the middle of a line: the bundler reads it only at the start of a top-level line", name, i+1, word)
		}
	}
	return nil
}

// statement joins the lines of a statement that starts at line i and ends
// at the first line holding a "}" (an import or export list). It returns
// the text and how many lines it spans.
func statement(lines []string, i int) (string, int) {
	for j := i; j < len(lines) && j < i+200; j++ {
		if strings.Contains(lines[j], "}") {
			return strings.Join(lines[i:j+1], "\n"), j - i + 1
		}
	}
	return lines[i], 1
}

// replace puts text in place of the n lines at i, keeping the line count so
// that line numbers in the bundle's modules stay the source's.
func (m *module) replace(i, n int, text string) {
	m.lines[i] = text
	for k := 1; k < n; k++ {
		m.lines[i+k] = ""
	}
}

// importAt rewrites the import statement at line i. It reads the names
// from the blanked code (so comments in the list do not count) and the
// specifier from the source at the same offsets.
func (m *module) importAt(i int, codeLines []string) (int, error) {
	rest := strings.TrimLeft(strings.TrimLeft(codeLines[i], " \t")[len("import"):], " \t")
	orig := strings.TrimLeft(strings.TrimLeft(m.lines[i], " \t")[len("import"):], " \t")
	where := fmt.Sprintf("%s:%d", m.name, i+1)
	switch {
	case strings.HasPrefix(rest, "("):
		return 0, fmt.Errorf("%s: dynamic import() cannot be bundled", where)
	case strings.HasPrefix(rest, "."):
		return 0, fmt.Errorf("%s: import.meta cannot be bundled: the bundle runs at another URL", where)
	case strings.HasPrefix(rest, "*"):
		return 0, fmt.Errorf("%s: namespace imports (import * as) are not supported; import names", where)
	case strings.HasPrefix(orig, `"`) || strings.HasPrefix(orig, "'"):
		return 0, fmt.Errorf("%s: side-effect imports (import \"x\") are not supported; import a name", where)
	case !strings.HasPrefix(rest, "{"):
		return 0, fmt.Errorf("%s: default imports are not supported; import { names }", where)
	}
	code, n := statement(codeLines, i)
	src := strings.Join(m.lines[i:i+n], "\n")
	head := importHead.FindStringSubmatchIndex(code)
	var spec []string
	if head != nil {
		spec = specRE.FindStringSubmatch(src[head[1]:])
	}
	if spec == nil || !onlySemicolon.MatchString(code[head[1]+len(spec[0]):]) {
		return 0, fmt.Errorf("%s: an import this bundler does not understand (write import { a, b as c } from \"./x.js\"; on lines of its own)", where)
	}
	if !strings.HasPrefix(spec[1], "./") || !strings.HasSuffix(spec[1], ".js") {
		return 0, fmt.Errorf("%s: imports %q: only ./name.js modules beside the importer can be bundled", where, spec[1])
	}
	names, err := bindingList(code[head[2]:head[3]], where, "import")
	if err != nil {
		return 0, err
	}
	target := path.Join(path.Dir(m.name), spec[1])
	m.imports = append(m.imports, imports{line: i + 1, path: target, names: names})
	parts := make([]string, len(names))
	for k, b := range names {
		parts[k] = b.name
		if b.local != b.name {
			parts[k] += ": " + b.local
		}
	}
	m.replace(i, n, fmt.Sprintf("const { %s } = %s;", strings.Join(parts, ", "), moduleIdent(target)))
	return n, nil
}

// bindingList reads "a, b as c," into bindings. For an import, name is the
// exported name and local the importer's; for an export list, the reverse
// of how it is written: export { local as name }.
func bindingList(list, where, what string) ([]binding, error) {
	var out []binding
	for _, part := range strings.Split(list, ",") {
		f := strings.Fields(part)
		switch {
		case len(f) == 0:
			continue
		case len(f) == 1 && identRE.MatchString(f[0]):
			out = append(out, binding{f[0], f[0]})
		case len(f) == 3 && f[1] == "as" && identRE.MatchString(f[0]) && identRE.MatchString(f[2]):
			if what == "import" {
				out = append(out, binding{name: f[0], local: f[2]})
			} else {
				out = append(out, binding{name: f[2], local: f[0]})
			}
		default:
			return nil, fmt.Errorf("%s: %q in an %s list is not a name or \"name as other\"", where, strings.TrimSpace(part), what)
		}
		if b := out[len(out)-1]; b.name == "default" || b.local == "default" {
			return nil, fmt.Errorf("%s: default %ss are not supported", where, what)
		}
	}
	return out, nil
}

// exportAt rewrites the export statement at line i.
func (m *module) exportAt(i int, codeLines []string) (int, error) {
	where := fmt.Sprintf("%s:%d", m.name, i+1)
	rest := strings.TrimLeft(strings.TrimLeft(codeLines[i], " \t")[len("export"):], " \t")
	switch {
	case strings.HasPrefix(rest, "default"):
		return 0, fmt.Errorf("%s: export default is not supported; export a name", where)
	case strings.HasPrefix(rest, "*"):
		return 0, fmt.Errorf("%s: export * is not supported; import the names and export them", where)
	case strings.HasPrefix(rest, "{"):
		return m.exportList(i, codeLines, where)
	}
	sm := exportDecl.FindStringSubmatchIndex(m.lines[i])
	if sm == nil {
		if c := strings.TrimSpace(m.lines[i][strings.Index(m.lines[i], "export")+len("export"):]); strings.HasPrefix(c, "const") || strings.HasPrefix(c, "let") {
			return 0, fmt.Errorf("%s: export of a destructuring declaration is not supported; declare, then export { names }", where)
		}
		return 0, fmt.Errorf("%s: an export this bundler does not understand (it takes export function|class|const|let NAME and export { names })", where)
	}
	line := m.lines[i]
	name := line[sm[6]:sm[7]]
	if err := m.addExport(binding{name, name}, where); err != nil {
		return 0, err
	}
	m.lines[i] = line[:sm[3]] + line[sm[4]:]
	return 1, nil
}

// exportList reads export { a, b as c }; and removes it: the names go into
// the module's return value.
func (m *module) exportList(i int, codeLines []string, where string) (int, error) {
	text, n := statement(codeLines, i)
	sm := exportListR.FindStringSubmatch(text)
	if sm == nil {
		if strings.Contains(text[strings.Index(text, "}"):], "from") {
			return 0, fmt.Errorf("%s: re-exports (export { } from) are not supported; import the names and export them", where)
		}
		return 0, fmt.Errorf("%s: an export list this bundler does not understand (write export { a, b as c }; on lines of its own)", where)
	}
	list, err := bindingList(sm[1], where, "export")
	if err != nil {
		return 0, err
	}
	for _, b := range list {
		if err := m.addExport(b, where); err != nil {
			return 0, err
		}
	}
	m.replace(i, n, "")
	return n, nil
}

func (m *module) addExport(b binding, where string) error {
	if hasExport(m, b.name) {
		return fmt.Errorf("%s: %s is exported twice", where, b.name)
	}
	m.exports = append(m.exports, b)
	return nil
}

// checkExports refuses exported bindings the module assigns to after their
// declaration: importers get a copy taken when the module has run, where an
// ES import would follow the change. It walks the identifiers of the
// blanked code once.
func (m *module) checkExports(code string) error {
	exported := map[string]bool{}
	for _, e := range m.exports {
		exported[e.local] = true
	}
	line := 1
	for i := 0; i < len(code); {
		switch c := code[i]; {
		case c == '\n':
			line++
			i++
		case !isIdentByte(c):
			i++
		default:
			j := i
			for j < len(code) && isIdentByte(code[j]) {
				j++
			}
			name := code[i:j]
			if exported[name] && (i == 0 || code[i-1] != '.') && assigns(code[:i], code[j:]) {
				return fmt.Errorf("%s:%d: the exported %s is assigned here; a bundle copies exports once, so importers would not see the change", m.name, line, name)
			}
			i = j
		}
	}
	return nil
}

// assignOps are the assignment operators, longest first; "=" is checked
// apart so that == and => are not taken for it.
var assignOps = []string{">>>=", "<<=", ">>=", "**=", "&&=", "||=", "??=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "++", "--"}

// assigns reports whether a name between before and after is assigned to:
// followed by an assignment operator or preceded by ++ or --, and not
// declared there (const, let, function, class NAME).
func assigns(before, after string) bool {
	before = strings.TrimRight(before, " \t")
	after = strings.TrimLeft(after, " \t")
	if strings.HasSuffix(before, "++") || strings.HasSuffix(before, "--") {
		return true
	}
	if declares(before) {
		return false
	}
	if strings.HasPrefix(after, "=") && !strings.HasPrefix(after, "==") && !strings.HasPrefix(after, "=>") {
		return true
	}
	for _, op := range assignOps {
		if strings.HasPrefix(after, op) {
			return true
		}
	}
	return false
}

// declares reports whether text (what precedes a name) ends in a keyword
// that declares it.
func declares(before string) bool {
	for _, kw := range []string{"const", "let", "var", "function", "function*", "class"} {
		if strings.HasSuffix(before, kw) {
			rest := strings.TrimSuffix(before, kw)
			if rest == "" || !isIdentByte(rest[len(rest)-1]) {
				return true
			}
		}
	}
	return strings.HasSuffix(before, "*") && strings.HasSuffix(strings.TrimRight(strings.TrimSuffix(before, "*"), " \t"), "function")
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// blank returns src with every comment, string, template text and regular
// expression replaced by spaces (newlines kept, so offsets and lines stay
// the same), and for each line whether it starts at the top level: in code,
// outside any brace. What is left is what the statement parser may read.
func blank(src string) (string, []bool, error) {
	l := &lexer{src: src, out: []byte(src), stack: []int{0}}
	l.top = append(l.top, true)
	for l.i < len(src) {
		if err := l.step(); err != nil {
			return "", nil, err
		}
	}
	switch {
	case l.mode != inCode && l.mode != inLineComment:
		return "", nil, fmt.Errorf("%d: the file ends inside a %s that starts on line %d", l.startLine, modeName[l.mode], l.startLine)
	case len(l.stack) > 1:
		return "", nil, fmt.Errorf("%d: the file ends inside a template literal's ${ } that starts on line %d", l.startLine, l.startLine)
	case l.stack[0] > 0:
		return "", nil, fmt.Errorf("%d: the file ends with this top-level { never closed", l.openLine)
	}
	return string(l.out), l.top, nil
}

// Lexer modes.
const (
	inCode = iota
	inLineComment
	inBlockComment
	inString
	inTemplate
	inRegex
	inRegexClass
)

var modeName = map[int]string{inBlockComment: "comment", inString: "string", inTemplate: "template literal", inRegex: "regular expression", inRegexClass: "regular expression"}

// lexer tracks just enough of JavaScript to tell code from text. stack
// holds the brace depth of each code context: the file, then one per
// template substitution ${ … } open.
type lexer struct {
	src       string
	out       []byte
	i         int
	mode      int
	quote     byte
	stack     []int
	prev      string // the last significant token in code: a punctuator byte or a word
	line      int    // newlines passed: i is on line line+1
	startLine int    // where the current string, comment or regex began
	openLine  int    // where the open top-level { began
	top       []bool // per line: starts at the top level
}

var errUnbalanced = errors.New("a } closes a brace that was never opened")

func (l *lexer) step() error {
	c := l.src[l.i]
	if c == '\n' {
		return l.newline()
	}
	switch l.mode {
	case inCode:
		return l.code(c)
	case inLineComment:
		l.blankOne()
	case inBlockComment:
		if strings.HasPrefix(l.src[l.i:], "*/") {
			l.blankN(2)
			l.mode = inCode
			return nil
		}
		l.blankOne()
	case inString:
		return l.text(c, l.quote)
	case inTemplate:
		if strings.HasPrefix(l.src[l.i:], "${") {
			l.blankN(2)
			l.stack = append(l.stack, 0)
			l.mode, l.prev = inCode, "{"
			return nil
		}
		return l.text(c, '`')
	case inRegex, inRegexClass:
		l.regex(c)
	}
	return nil
}

// newline ends a line comment. In a string or a regular expression it is
// an error: JavaScript allows neither to span lines (a string's \ line
// continuation is skipped by text), so the lexer lost track, most likely
// taking a division for a regular expression.
func (l *lexer) newline() error {
	switch l.mode {
	case inLineComment:
		l.mode = inCode
	case inString, inRegex, inRegexClass:
		return fmt.Errorf("%d: the %s that starts on line %d does not end on its line", l.line+1, modeName[l.mode], l.startLine)
	}
	l.i++
	l.line++
	l.top = append(l.top, l.mode == inCode && len(l.stack) == 1 && l.stack[0] == 0)
	return nil
}

func (l *lexer) code(c byte) error {
	next := byte(0)
	if l.i+1 < len(l.src) {
		next = l.src[l.i+1]
	}
	switch {
	case c == '/' && next == '/':
		l.mode = inLineComment
		l.blankN(2)
		return nil
	case c == '/' && next == '*':
		l.mode, l.startLine = inBlockComment, l.line+1
		l.blankN(2)
		return nil
	case c == '/' && l.regexAllowed():
		l.mode, l.startLine = inRegex, l.line+1
		l.blankOne()
		return nil
	case c == '"' || c == '\'' || c == '`':
		l.quote, l.startLine = c, l.line+1
		l.mode = inString
		if c == '`' {
			l.mode = inTemplate
		}
		l.blankOne()
		return nil
	case c == '{':
		if len(l.stack) == 1 && l.stack[0] == 0 {
			l.openLine = l.line + 1
		}
		l.stack[len(l.stack)-1]++
	case c == '}':
		top := len(l.stack) - 1
		if l.stack[top] == 0 {
			if top == 0 {
				return fmt.Errorf("%d: %w", l.line+1, errUnbalanced)
			}
			l.stack = l.stack[:top]
			l.mode = inTemplate
			l.blankOne()
			return nil
		}
		l.stack[top]--
	}
	l.token(c)
	return nil
}

// token remembers the last significant token, for telling a regular
// expression from a division.
func (l *lexer) token(c byte) {
	switch {
	case c == ' ' || c == '\t' || c == '\r':
	case isIdentByte(c):
		start := l.i
		for l.i < len(l.src) && isIdentByte(l.src[l.i]) {
			l.i++
		}
		l.prev = l.src[start:l.i]
		return
	default:
		l.prev = string(c)
	}
	l.i++
}

// regexAllowed says whether a / here starts a regular expression: after an
// operator, an opening bracket or a keyword like return, not after a value.
func (l *lexer) regexAllowed() bool {
	if l.prev == "" {
		return true
	}
	if isIdentByte(l.prev[0]) {
		switch l.prev {
		case "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await":
			return true
		}
		return false
	}
	return !strings.Contains(")]", l.prev)
}

// text moves through a string or a template's text, which ends at quote.
func (l *lexer) text(c, quote byte) error {
	switch c {
	case '\\':
		l.blankOne()
		if l.i < len(l.src) {
			if l.src[l.i] == '\n' {
				l.i++
				l.line++
				l.top = append(l.top, false)
				return nil
			}
			l.blankOne()
		}
		return nil
	case quote:
		l.blankOne()
		l.mode, l.prev = inCode, "x" // a string is a value: a / after it divides
		return nil
	}
	l.blankOne()
	return nil
}

func (l *lexer) regex(c byte) {
	switch {
	case c == '\\':
		l.blankOne()
		if l.i < len(l.src) && l.src[l.i] != '\n' {
			l.blankOne()
		}
		return
	case c == '[':
		l.mode = inRegexClass
	case c == ']' && l.mode == inRegexClass:
		l.mode = inRegex
	case c == '/' && l.mode == inRegex:
		l.blankOne()
		l.mode, l.prev = inCode, "x"
		return
	}
	l.blankOne()
}

func (l *lexer) blankOne() {
	l.out[l.i] = ' '
	l.i++
}

func (l *lexer) blankN(n int) {
	for k := 0; k < n; k++ {
		l.blankOne()
	}
}
