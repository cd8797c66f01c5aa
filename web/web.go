// Package web serves concviz's pages: the catalog at /, one scenario at
// /s/{id}, and the page's embedded modules and styles under /static/. The
// pages are rendered with templ; the scenario page's animation is plain ES
// modules (package static) that speak PROTOCOL.md over /ws, which the server
// package serves.
package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/concviz/concviz/scenarios"
	"github.com/concviz/concviz/static"
)

// Options configure a Handler. Zero fields take defaults.
type Options struct {
	// Scenarios lists the catalog; default scenarios.All.
	Scenarios func() []*scenarios.Scenario
	// Lookup finds one scenario; default scenarios.Lookup.
	Lookup func(id string) (*scenarios.Scenario, bool)
}

// Handler serves the pages and static files for the built-in catalog.
func Handler() http.Handler { return New(Options{}) }

// New returns a page handler with the given options.
func New(opts Options) http.Handler {
	if opts.Scenarios == nil {
		opts.Scenarios = scenarios.All
	}
	if opts.Lookup == nil {
		opts.Lookup = scenarios.Lookup
	}
	h := &handler{opts: opts, files: loadStatic()}
	// The first scenario page needs the bundle: made now, beside the
	// server's start rather than in that page's request (esbuild's first
	// build, cold, took 150-200 ms there while a new browser loaded).
	warm := bundleFile
	go func() { _, _ = warm() }()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.catalog)
	mux.HandleFunc("GET /s/{id}", h.scenario)
	mux.HandleFunc("GET /static/bundle.js", serveBundle)
	mux.HandleFunc("GET /static/{file...}", h.static)
	mux.HandleFunc("GET /", h.notFound)
	return securityHeaders(mux)
}

type handler struct {
	opts  Options
	files map[string]staticFile
}

func (h *handler) catalog(w http.ResponseWriter, r *http.Request) {
	var guide, others []*scenarios.Scenario
	for _, s := range h.opts.Scenarios() {
		if s.Guide() {
			guide = append(guide, s)
		} else {
			others = append(others, s)
		}
	}
	// ?missing= is where a join link for a room that is not open lands.
	missing := r.URL.Query().Get("missing")
	if r := []rune(missing); len(r) > 40 {
		missing = string(r[:40]) + "…"
	}
	render(w, r, http.StatusOK, catalogPage(guide, others, missing))
}

func (h *handler) scenario(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s, ok := h.opts.Lookup(id)
	if !ok {
		render(w, r, http.StatusNotFound, notFoundPage(id))
		return
	}
	v := newScenarioView(s)
	v.Script = pageScript()
	render(w, r, http.StatusOK, scenarioPage(v))
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/")
	render(w, r, http.StatusNotFound, notFoundPage(id))
}

// render writes a component in full or, if it fails, a plain error: a
// half-written page is worse than an honest 500.
func render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		http.Error(w, "could not render the page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// securityHeaders keeps the page to its own origin: no inline scripts but
// the JSON data block, no framing, nothing fetched from elsewhere.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// staticFile is one embedded file, with its type and a content hash as ETag.
type staticFile struct {
	data  []byte
	ctype string
	etag  string
}

// newStaticFile serves data under name, with its content hash as ETag.
func newStaticFile(name string, data []byte) staticFile {
	sum := sha256.Sum256(data)
	return staticFile{data: data, ctype: contentType(name), etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
}

// loadStatic reads the embedded files once. Tests and their fixtures are
// not part of the page and are not served.
func loadStatic() map[string]staticFile {
	files := map[string]staticFile{}
	_ = fs.WalkDir(static.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".test.js") || strings.HasPrefix(p, "testdata/") {
			return err
		}
		data, err := fs.ReadFile(static.FS, p)
		if err != nil {
			return err
		}
		files[p] = newStaticFile(p, data)
		return nil
	})
	return files
}

func contentType(p string) string {
	switch path.Ext(p) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".json":
		return "application/json"
	}
	if t := mime.TypeByExtension(path.Ext(p)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// static serves an embedded file.
func (h *handler) static(w http.ResponseWriter, r *http.Request) {
	f, ok := h.files[r.PathValue("file")]
	if !ok {
		http.Error(w, "no such file", http.StatusNotFound)
		return
	}
	serveFile(w, r, f)
}

// serveFile serves a file made in this process. The names carry no
// version, so browsers revalidate each time (no-cache) and get a 304 while
// the ETag matches.
func serveFile(w http.ResponseWriter, r *http.Request, f staticFile) {
	w.Header().Set("Content-Type", f.ctype)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", f.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
}
