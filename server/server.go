// Package server serves concviz: the page, and a WebSocket over which runs
// of the built-in scenarios stream from supervised child processes. The
// protocol is described in PROTOCOL.md at the repository's root.
package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/concviz/concviz/engine"
	"github.com/concviz/concviz/scenarios"
)

const maxCap = scenarios.MaxCap

// DefaultCacheBytes is the run cache's budget when Options leaves it zero.
const DefaultCacheBytes = 256 << 20

// Options configure a Server. Zero fields take defaults.
type Options struct {
	Limits       Limits
	Class        ClassLimits // what the network may take; zero fields from DefaultClassLimits
	CacheBytes   int64       // budget of the run cache; default DefaultCacheBytes
	AllowOrigins []string    // origins allowed besides the page's own (e.g. "http://lab.example:8080"); "*" allows any
	Logger       *slog.Logger
	// ChildCommand starts a run's child process; by default the running
	// binary re-executes itself, and its main must call ChildMain when
	// ChildEnv is set.
	ChildCommand func(ctx context.Context) *exec.Cmd
	// Page serves everything but the WebSocket; nil serves a plain index.
	Page http.Handler
	// RunRate is how many runs a second one connection may start (with
	// bursts of twice that); default 20.
	RunRate float64
	// Scenarios looks up the scenario a run names; by default the built-in
	// catalog. The child's Resolver must know the same ids.
	Scenarios func(id string) (*scenarios.Scenario, bool)
	// Landing is the scenario whose page a join link opens before the
	// room's first view leads on; default the catalog's first.
	Landing string
	// Edit says who may build programs of their own (default
	// DefaultEditMode); Builds bounds the builds, and Builder, if not nil,
	// is the builder to use (e.g. one the page's handler shares).
	Edit    EditMode
	Builds  BuildLimits
	Builder *Builder
	// PublicURL is where people reach the server (e.g.
	// "http://192.168.1.5:8080/"), for rooms' join links; empty uses the host
	// each page was loaded from. Serve sets it to the LAN address when
	// listening on every interface, since the presenter's page is then
	// often loaded from localhost, which would be no use to the class.
	PublicURL string
}

// Server is concviz's HTTP server. Create it with New.
type Server struct {
	log       *slog.Logger
	runner    *Runner
	lookup    func(id string) (*scenarios.Scenario, bool)
	class     ClassLimits
	runRate   float64
	origins   []string
	hosts     hostCheck
	page      http.Handler
	upgrader  websocket.Upgrader
	rooms     *roomRegistry
	guesses   *guessLimiter
	conns     connCounter
	preruns   connCounter // prefetched runs going, in total and per address (prefetch)
	landing   string
	publicURL string // ends with "/", or empty
	builder   *Builder
	edit      EditMode
	explored  *resultCache // explorations' results (POST /explore)

	mu       sync.Mutex
	sessions map[*session]struct{}
	wg       sync.WaitGroup
	ctx      context.Context
	cancel   context.CancelFunc
}

// New returns a server with the given options.
func New(opts Options) *Server {
	lim := opts.Limits
	def := DefaultLimits
	if lim.Wall <= 0 {
		lim.Wall = def.Wall
	}
	if lim.Memory <= 0 {
		lim.Memory = def.Memory
	}
	if lim.Events <= 0 {
		lim.Events = def.Events
	}
	if lim.Concurrent <= 0 {
		lim.Concurrent = def.Concurrent
	}
	if lim.Queue <= 0 {
		lim.Queue = def.Queue
	}
	if lim.Explore <= 0 {
		lim.Explore = def.Explore
	}
	if opts.CacheBytes <= 0 {
		opts.CacheBytes = DefaultCacheBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if opts.ChildCommand == nil {
		opts.ChildCommand = selfCommand
	}
	if opts.RunRate <= 0 {
		opts.RunRate = 20
	}
	if opts.Scenarios == nil {
		opts.Scenarios = scenarios.Lookup
	}
	if opts.Builder == nil {
		opts.Builder = NewBuilder(opts.Builds, opts.ChildCommand, "")
	}
	opts.Edit = cmp.Or(opts.Edit, DefaultEditMode)
	opts.Scenarios = withPrograms(opts.Builder, opts.Scenarios)
	if opts.Landing == "" {
		if all := scenarios.All(); len(all) > 0 {
			opts.Landing = all[0].ID
		}
	}
	if opts.PublicURL != "" && !strings.HasSuffix(opts.PublicURL, "/") {
		opts.PublicURL += "/"
	}
	class := opts.Class.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		log:       slog.New(newSampler(opts.Logger.Handler(), class.LogEvery)),
		lookup:    opts.Scenarios,
		class:     class,
		runRate:   opts.RunRate,
		origins:   opts.AllowOrigins,
		hosts:     newHostCheck(opts.AllowOrigins),
		page:      opts.Page,
		rooms:     newRoomRegistry(class),
		guesses:   newGuessLimiter(class.Guesses),
		landing:   opts.Landing,
		publicURL: opts.PublicURL,
		builder:   opts.Builder,
		edit:      opts.Edit,
		explored:  newResultCache(exploreCacheSize),
		sessions:  map[*session]struct{}{},
		ctx:       ctx,
		cancel:    cancel,
		runner: &Runner{
			Command: opts.ChildCommand,
			Limits:  lim,
			Cache:   NewCache(opts.CacheBytes),
			Sites: func(id string) int {
				if sc, ok := opts.Scenarios(id); ok {
					return len(sc.Program.Sites)
				}
				return 0
			},
			Binary: opts.Builder.Binary,
		},
	}
	s.upgrader = websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 16384, CheckOrigin: s.checkOrigin}
	if s.page == nil {
		s.page = http.HandlerFunc(indexPage)
	}
	return s
}

// selfCommand re-executes the running binary as a run's child.
func selfCommand(ctx context.Context) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	return exec.CommandContext(ctx, exe)
}

// Handler returns the server's routes: /ws for the protocol, /r/CODE and
// /join for rooms' join links, the page for the rest. A scenario's page
// (/s/{id}) first starts the run its URL asks for, which the page's
// WebSocket then joins or finds cached.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws", s.serveWS)
	mux.HandleFunc("GET /s/{id}", s.servePage)
	mux.HandleFunc("GET /r/{code}", s.serveRoomLink)
	mux.HandleFunc("GET /join", s.serveJoin)
	mux.HandleFunc("GET /build", s.serveBuildInfo)
	mux.HandleFunc("POST /build", s.serveBuild)
	mux.HandleFunc("GET /build/{id}", s.serveProgram)
	mux.HandleFunc("POST /explore", s.serveExplore)
	mux.Handle("/", s.page)
	return limitRanges(mux)
}

// checkOrigin admits the page's own origin and the configured ones, so a
// page on another site cannot drive the server from a visitor's browser.
func (s *Server) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	return slices.Contains(s.origins, "*") || slices.ContainsFunc(s.origins, func(o string) bool {
		return strings.EqualFold(strings.TrimSuffix(o, "/"), origin)
	})
}

// serveWS refuses, before the upgrade and with a sentence, a Host that does
// not name this server (403) and a connection past the limits per address
// (429) or in total (503); then it serves the session.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if !s.hosts.allowed(r) {
		s.log.Info("WebSocket refused: Host is not this server", "host", clip(r.Host, maxEcho))
		http.Error(w, "This server does not answer to the host "+strconv.Quote(clip(r.Host, maxEcho))+
			": open the page at the address the server printed, or start it with -allow-origin.", http.StatusForbidden)
		return
	}
	addr := addrKey(r.RemoteAddr)
	release, readWait, status, why := s.conns.acquire(addr, s.class)
	if release == nil {
		s.log.Info("WebSocket refused: too many connections", "addr", addr, "status", status)
		w.Header().Set("Retry-After", "10")
		http.Error(w, why, status)
		return
	}
	defer release()
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered with an HTTP error
	}
	joinBase := s.publicURL
	if joinBase == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		joinBase = scheme + "://" + r.Host + "/"
	}
	sess := newSession(s, conn, addr, readWait, joinBase)
	s.mu.Lock()
	if s.ctx.Err() != nil {
		s.mu.Unlock()
		conn.Close()
		return
	}
	s.sessions[sess] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.sessions, sess)
		s.mu.Unlock()
		s.wg.Done()
	}()
	sess.serve(s.ctx)
}

// Close ends every room (its viewers and presenter get room.closed with
// the reason shutdown), then every session with a close frame, cancelling
// their runs (and killing the children), and waits for them to finish;
// then it ends the runs left in flight (prefetched ones) and waits for
// their children.
// It takes at most the shutdown time and a little more: connections whose
// close frame cannot be written by then are closed under their writers.
func (s *Server) Close() {
	deadline := time.Now().Add(s.class.ShutdownTimeout)
	// Rooms first: the sessions' write pumps send what the rooms leave in
	// their slots before the close frame.
	s.rooms.closeAll("shutdown")
	s.mu.Lock()
	s.cancel()
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Until(deadline)):
		s.mu.Lock()
		for sess := range s.sessions {
			sess.conn.UnderlyingConn().Close()
		}
		s.mu.Unlock()
		<-done
	}
	s.runner.Close() // the prefetched runs, and any a request other than a session's left
}

// inputLimits are the server's bounds on a run's inputs, beyond the engine's.
var inputLimits = engine.InputLimits{MaxCap: maxCap, MaxSeed: maxSeed, MaxInterventions: maxInterventions}

// validate checks a run message and turns it into a request.
func (s *Server) validate(m *clientMessage) (engine.RunInput, []engine.Site, *protoError) {
	if m.Scenario == "" {
		return engine.RunInput{}, nil, badf(codeBadField, "run needs a \"scenario\"")
	}
	req := m.input()
	req.MaxEvents = s.runner.Limits.Events
	sites, perr := s.check(&req)
	if perr != nil {
		return engine.RunInput{}, nil, perr
	}
	if m.From < 0 {
		return engine.RunInput{}, nil, badf(codeBadField, "from must be 0 or more")
	}
	return req, sites, nil
}

// check validates a run's inputs, from a run message or a room's view, as
// the engine and the scenario see them, and puts its policy in the form
// the protocol sends it. It returns the program's sites.
func (s *Server) check(req *engine.RunInput) ([]engine.Site, *protoError) {
	sc, ok := s.lookup(req.Program)
	if !ok || sc.Program.Main == nil {
		return nil, badf(codeUnknownScenario, "no scenario %q", clip(req.Program, maxEcho))
	}
	req.Program = sc.ID
	if err := req.Validate(inputLimits); err != nil {
		return nil, inputError(err)
	}
	if _, err := sc.Config(scenarios.Settings{Knobs: req.Knobs, Caps: req.Caps}); err != nil {
		var ke *scenarios.KnobError
		if errors.As(err, &ke) {
			return nil, badf(ke.Code(), "%s", ke.Error())
		}
		return nil, badf(codeBadKnob, "%v", err)
	}
	p, _ := engine.ParsePolicy(req.Policy) // valid: checked above
	req.Policy = p.String()
	return sc.Program.Sites, nil
}

// inputError is the protocol's error for inputs RunInput.Validate refuses.
func inputError(err error) *protoError {
	var ie *engine.InputError
	errors.As(err, &ie)
	switch {
	case ie == nil:
		return badf(codeBadField, "%v", err)
	case ie.Field == engine.FieldCaps:
		return badf(codeCapRange, "%s", ie.Msg)
	case ie.Field == engine.FieldInterventions && ie.Bound:
		return badf(codeTooManyInterventions, "%s", ie.Msg)
	case ie.Field == engine.FieldInterventions:
		return badf(codeBadIntervention, "%s", ie.Msg)
	}
	return badf(codeBadField, "%s", ie.Msg)
}

// Resolve is the child's Resolver for the built-in scenarios.
func Resolve(req engine.RunInput) (engine.Program, engine.Config, error) {
	return ResolveWith(scenarios.Lookup)(req)
}

// ResolveWith returns a Resolver for the scenarios lookup knows.
func ResolveWith(lookup func(id string) (*scenarios.Scenario, bool)) Resolver {
	return func(req engine.RunInput) (engine.Program, engine.Config, error) { return resolve(lookup, req) }
}

func resolve(lookup func(id string) (*scenarios.Scenario, bool), req engine.RunInput) (engine.Program, engine.Config, error) {
	sc, ok := lookup(req.Program)
	if !ok || sc.Program.Main == nil {
		return engine.Program{}, engine.Config{}, fmt.Errorf("no scenario %q", req.Program)
	}
	cfg, err := sc.RunConfig(req)
	if err != nil {
		return engine.Program{}, engine.Config{}, err
	}
	return sc.Program, cfg, nil
}

// Serve listens on addr and serves until ctx ends, then shuts down
// gracefully: sessions get a close frame, runs are cancelled and their
// children killed. ready, if not nil, is called with the URL once listening.
func Serve(ctx context.Context, addr string, opts Options, ready func(url string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	if a := ln.Addr().(*net.TCPAddr); opts.PublicURL == "" && a.IP.IsUnspecified() && lanAddress() != "" {
		opts.PublicURL = displayURL(a)
	}
	return serveOn(ctx, []net.Listener{ln}, opts, func() {
		if ready != nil {
			ready(displayURL(ln.Addr().(*net.TCPAddr)))
		}
	})
}

// serveOn serves on every listener until ctx ends, then shuts down within
// the shutdown time.
func serveOn(ctx context.Context, lns []net.Listener, opts Options, ready func()) error {
	s := New(opts)
	hs := s.httpServer()
	errc := make(chan error, len(lns))
	for _, ln := range lns {
		go func() { errc <- hs.Serve(ln) }()
	}
	ready()
	select {
	case err := <-errc:
		hs.Close()
		s.Close()
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), s.class.ShutdownTimeout)
	defer cancel()
	s.Close()
	if err := hs.Shutdown(shutdown); err != nil {
		hs.Close()
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// httpServer is the HTTP server for s's handler, with its timeouts. The
// read and write timeouts apply to pages and files: the WebSocket upgrade
// clears them, and the session keeps its own deadlines.
func (s *Server) httpServer() *http.Server {
	return &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: s.class.HeaderTimeout,
		ReadTimeout:       s.class.RequestTimeout,
		WriteTimeout:      s.class.RequestTimeout,
		IdleTimeout:       s.class.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelInfo),
	}
}

// displayURL is the address a person should open: loopback stays as it
// is; a wildcard listener is shown with the machine's LAN address.
func displayURL(a *net.TCPAddr) string {
	host := a.IP.String()
	if a.IP.IsUnspecified() {
		host = "localhost"
		if ip := lanAddress(); ip != "" {
			host = ip
		}
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(a.Port)) + "/"
}

func lanAddress() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && !ipn.IP.IsLoopback() {
			return ipn.IP.String()
		}
	}
	return ""
}

// indexPage is the plain page served until the visualizer's page exists:
// the catalog, and where the protocol lives.
func indexPage(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, "<!doctype html><title>concviz</title><h1>concviz</h1><p>Runs stream over the WebSocket at <code>/ws</code> (see PROTOCOL.md).</p><ul>")
	for _, sc := range scenarios.All() {
		fmt.Fprintf(w, "<li><code>%s</code> %s</li>", sc.ID, htmlEscape(sc.Title))
	}
	fmt.Fprint(w, "</ul>")
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
