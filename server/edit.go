package server

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/scenarios"
)

// The HTTP side of programs from the page (PROTOCOL.md, "Programs from the
// page"): POST /build builds a source and answers with its program id and
// knobs, streaming its progress; GET /build/{id} describes a built program,
// source included, for a room's viewers. A run of a built program is an
// ordinary run message whose scenario is the program's id.

// buildLine is one line of a build's reply.
type buildLine struct {
	State   string           `json:"state"`             // queued, building, ready or error
	Program string           `json:"program,omitempty"` // ready: the id to run
	Cached  bool             `json:"cached,omitempty"`  // ready: built before, not now
	Knobs   []scenarios.Knob `json:"knobs,omitempty"`   // ready: channels (kind cap) and marked constants
	Source  *string          `json:"source,omitempty"`  // GET /build/{id} only
	Error   *BuildError      `json:"error,omitempty"`   // error: why
}

// readyLine describes a built program.
func (s *Server) readyLine(p *Program, cached bool) buildLine {
	return buildLine{State: "ready", Program: p.ID, Cached: cached, Knobs: s.builder.scenario(p).Knobs}
}

// serveBuild answers POST /build: the body is a program's source, the reply
// lines of JSON (application/x-ndjson): "queued" while waiting for a slot,
// "building" while building, then "ready" or "error". A refusal before
// building is one "error" line with a 4xx status.
func (s *Server) serveBuild(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if !s.hosts.allowed(r) || !s.checkOrigin(r) {
		writeBuildError(w, &BuildError{Code: buildForbidden, status: http.StatusForbidden,
			Message: "This server does not build programs for another site's page: open the page at the address the server printed."})
		return
	}
	src, err := io.ReadAll(io.LimitReader(r.Body, int64(s.builder.limits.Source)+1))
	if err != nil {
		writeBuildError(w, &BuildError{Code: buildFailed, status: http.StatusBadRequest, Message: "The program's source could not be read: " + err.Error()})
		return
	}
	// The answer may wait for a slot and a build, past -request-timeout.
	lim := s.builder.limits
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(lim.Queue + lim.Wall + 10*time.Second))
	enc := json.NewEncoder(w)
	flusher, _ := w.(http.Flusher)
	started := false
	progress := func(st BuildState) {
		started = true
		enc.Encode(buildLine{State: string(st)})
		if flusher != nil {
			flusher.Flush()
		}
	}
	prog, cached, berr := s.builder.Build(r.Context(), s.edit, r.RemoteAddr, src, progress)
	if berr != nil {
		if berr.Code != buildCompile {
			s.log.Info("build refused", "addr", addrKey(r.RemoteAddr), "code", berr.Code)
		}
		if started {
			enc.Encode(buildLine{State: "error", Error: berr})
			return
		}
		writeBuildError(w, berr)
		return
	}
	s.builder.computeCaps(prog, func(in engine.RunInput) (*RunLog, error) {
		return s.runner.Run(r.Context(), in, func(*RunLog) {})
	})
	enc.Encode(s.readyLine(prog, cached))
}

// buildInfo is the answer to GET /build: whether this client may build,
// for the page to offer editing or say why not before anyone types.
type buildInfo struct {
	Edit      EditMode `json:"edit"`          // the server's -edit
	MayBuild  bool     `json:"mayBuild"`      // this client may build new programs
	Why       string   `json:"why,omitempty"` // if not, the sentence a build would be refused with
	MaxSource int      `json:"maxSource"`     // bytes of a source, at most
	WallMilli int64    `json:"wallMillis"`    // a build's wall-clock limit
}

// serveBuildInfo answers GET /build.
func (s *Server) serveBuildInfo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	ok, why := s.edit.mayBuild(r.RemoteAddr)
	json.NewEncoder(w).Encode(buildInfo{Edit: s.edit, MayBuild: ok, Why: why,
		MaxSource: s.builder.limits.Source, WallMilli: s.builder.limits.Wall.Milliseconds()})
}

// serveProgram answers GET /build/{id}: a built program's knobs and source,
// to anyone who may run programs (a room's viewers run their presenter's).
func (s *Server) serveProgram(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	id := r.PathValue("id")
	if s.edit == EditOff {
		_, why := s.edit.mayBuild(r.RemoteAddr)
		writeBuildError(w, &BuildError{Code: buildForbidden, Message: why, status: http.StatusForbidden})
		return
	}
	p := s.builder.program(id)
	if p == nil {
		writeBuildError(w, &BuildError{Code: buildUnknown, status: http.StatusNotFound,
			Message: fmt.Sprintf("No program %q is built on this server: send its source to POST /build.", clip(id, maxEcho))})
		return
	}
	line := s.readyLine(p, true)
	line.Source = &p.Source
	json.NewEncoder(w).Encode(line)
}

// writeBuildError answers with one error line and the error's status (200
// for a program that does not compile: the request itself went well).
func writeBuildError(w http.ResponseWriter, e *BuildError) {
	status := e.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(buildLine{State: "error", Error: e})
}

// ProgramURL is the link to a program on the server at base (e.g.
// "http://127.0.0.1:8080/"): /s/{ProgramID(src)}, the run's settings as the
// page writes them in query (nil: none), and the source itself in the
// fragment as src=, base64url (no padding) of its raw DEFLATE (RFC 1951),
// which the browser reads with DecompressionStream("deflate-raw"). The
// fragment never reaches a server, so the link works on any concviz server:
// one that has not built the program builds it from the fragment.
func ProgramURL(base string, src []byte, query url.Values) string {
	var b bytes.Buffer
	zw, _ := flate.NewWriter(&b, flate.BestCompression) // the level is valid
	zw.Write(src)
	zw.Close()
	u := strings.TrimSuffix(base, "/") + "/s/" + ProgramID(src)
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	return u + "#" + programFragment + base64.RawURLEncoding.EncodeToString(b.Bytes())
}

// programFragment starts a program link's fragment.
const programFragment = "src="

// ProgramSource reads the source back from a program link's fragment (the
// text after #), refusing one that would inflate past limit bytes.
func ProgramSource(fragment string, limit int) ([]byte, error) {
	data, ok := strings.CutPrefix(fragment, programFragment)
	if !ok {
		return nil, errors.New("the link carries no program (its fragment does not start with src=)")
	}
	z, err := base64.RawURLEncoding.DecodeString(data)
	if err != nil {
		return nil, fmt.Errorf("the link's program is not base64url: %w", err)
	}
	src, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(z)), int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("the link's program is not raw DEFLATE: %w", err)
	}
	if len(src) > limit {
		return nil, fmt.Errorf("the link's program is over %d bytes", limit)
	}
	return src, nil
}
