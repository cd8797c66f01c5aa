package server

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// hostCheck knows the names this server answers to, so a page on another
// site whose name the attacker points at this machine (DNS rebinding) is
// refused before the WebSocket opens, even though its Origin then matches
// its Host.
type hostCheck struct {
	any   bool     // -allow-origin * : every host
	names []string // lower case, without port
}

// newHostCheck allows loopback names, this machine's names, and the hosts
// of the allowed origins. IP literals are checked per request.
func newHostCheck(origins []string) hostCheck {
	h := hostCheck{names: []string{"localhost"}}
	if name, err := os.Hostname(); err == nil && name != "" {
		name = strings.ToLower(name)
		h.names = append(h.names, name, name+".local")
	}
	for _, o := range origins {
		if o == "*" {
			h.any = true
			continue
		}
		if u, err := url.Parse(o); err == nil && u.Hostname() != "" {
			h.names = append(h.names, strings.ToLower(u.Hostname()))
		}
	}
	return h
}

// allowed reports whether r's Host names this server: a name above, a
// loopback address, the address the connection came in on, or one of
// this machine's addresses (a server listening on every interface is
// reached on any of them).
func (h hostCheck) allowed(r *http.Request) bool {
	if h.any {
		return true
	}
	host := r.Host
	if hn, _, err := net.SplitHostPort(host); err == nil {
		host = hn
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if slices.Contains(h.names, host) || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	if ip.IsLoopback() {
		return true
	}
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if ta, ok := la.(*net.TCPAddr); ok && ta.IP.Equal(ip) {
			return true
		}
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	return slices.ContainsFunc(addrs, func(a net.Addr) bool {
		ipn, ok := a.(*net.IPNet)
		return ok && ipn.IP.Equal(ip)
	})
}

// sampler is a slog.Handler that writes a repeated line once per interval:
// the first of each kind (its message), then, once the interval has passed,
// the next one with how many were left out. A client repeating a mistake
// thousands of times a second costs a line every few seconds.
type sampler struct {
	next  slog.Handler
	every time.Duration
	state *samplerState
}

type samplerState struct {
	mu    sync.Mutex
	kinds map[string]*sampled // by message: the code's own constant strings
}

type sampled struct {
	last    time.Time
	skipped int
}

func newSampler(next slog.Handler, every time.Duration) *sampler {
	return &sampler{next: next, every: every, state: &samplerState{kinds: map[string]*sampled{}}}
}

// Enabled defers to the wrapped handler.
func (h *sampler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle writes r unless a line of its kind was written less than an
// interval ago; then it only counts it.
func (h *sampler) Handle(ctx context.Context, r slog.Record) error {
	h.state.mu.Lock()
	k := h.state.kinds[r.Message]
	if k == nil {
		k = &sampled{}
		h.state.kinds[r.Message] = k
	}
	if !k.last.IsZero() && r.Time.Sub(k.last) < h.every {
		k.skipped++
		h.state.mu.Unlock()
		return nil
	}
	skipped := k.skipped
	k.last, k.skipped = r.Time, 0
	h.state.mu.Unlock()
	if skipped > 0 {
		r = r.Clone()
		r.AddAttrs(slog.Int("repeated", skipped))
	}
	return h.next.Handle(ctx, r)
}

// WithAttrs keeps sampling across the derived handler.
func (h *sampler) WithAttrs(as []slog.Attr) slog.Handler {
	return &sampler{next: h.next.WithAttrs(as), every: h.every, state: h.state}
}

// WithGroup keeps sampling across the derived handler.
func (h *sampler) WithGroup(name string) slog.Handler {
	return &sampler{next: h.next.WithGroup(name), every: h.every, state: h.state}
}
