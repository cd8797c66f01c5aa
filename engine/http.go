package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Reply is how the simulated internet answers a request to one URL. In JSON
// the latency is nanoseconds or a duration as Go writes it ("300ms").
type Reply struct {
	Latency time.Duration `json:"latency,omitempty"` // virtual time the request takes
	Status  int           `json:"status,omitempty"`  // HTTP status code when Err is empty; 0 means 200
	Body    string        `json:"body,omitempty"`    // what a program reads from resp.Body
	Err     string        `json:"err,omitempty"`     // if set, the request fails with this error, e.g. "dial tcp: lookup x: no such host"
}

// UnmarshalJSON reads a Reply, its latency as nanoseconds or a duration
// string, refusing fields it does not know (a misspelt "body" would otherwise
// answer with an empty one).
func (r *Reply) UnmarshalJSON(b []byte) error {
	type plain Reply
	var v struct {
		plain
		Latency json.RawMessage `json:"latency"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	*r = Reply(v.plain)
	r.Latency = 0
	if len(v.Latency) == 0 || string(v.Latency) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(v.Latency, &s); err == nil {
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("latency: %w", err)
		}
		r.Latency = d
		return nil
	}
	var n int64
	if err := json.Unmarshal(v.Latency, &n); err != nil {
		return fmt.Errorf("latency %s: want nanoseconds or a duration such as \"300ms\"", v.Latency)
	}
	r.Latency = time.Duration(n)
	return nil
}

// Internet is the simulated internet behind HTTPGet: a table of URL to
// reply, and optionally a reply for every other URL. Without one, other URLs
// fail as they do under go run on a machine without a network.
type Internet struct {
	Routes  map[string]Reply `json:"routes,omitempty"`
	Default *Reply           `json:"default,omitempty"`
}

// ParseInternet reads an internet table from JSON, {"routes": {URL: reply},
// "default": reply}, and checks it.
func ParseInternet(b []byte) (*Internet, error) {
	var in Internet
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return &in, nil
}

// Validate refuses a table that could never answer as written: a URL that Go
// rejects before reaching the network, a negative latency, a status code
// outside 100..999.
func (in *Internet) Validate() error {
	check := func(what string, r Reply) error {
		if r.Latency < 0 {
			return fmt.Errorf("%s: latency %v is negative", what, r.Latency)
		}
		if r.Status != 0 && (r.Status < 100 || r.Status > 999) {
			return fmt.Errorf("%s: status %d is not an HTTP status code (100..999)", what, r.Status)
		}
		return nil
	}
	for u, r := range in.Routes {
		if _, err := requestURL(u); err != nil {
			return fmt.Errorf("route %q: http.Get fails before reaching the network: %w", u, err)
		}
		if err := check(fmt.Sprintf("route %q", u), r); err != nil {
			return err
		}
	}
	if in.Default != nil {
		return check("default", *in.Default)
	}
	return nil
}

// reply returns the table's reply for the request to u (as written, or as
// net/url writes it back), else the default.
func (in *Internet) reply(u string, req *url.URL) (Reply, bool) {
	if in == nil {
		return Reply{}, false
	}
	if r, ok := in.Routes[u]; ok {
		return r, true
	}
	if r, ok := in.Routes[req.String()]; ok {
		return r, true
	}
	if in.Default != nil {
		return *in.Default, true
	}
	return Reply{}, false
}

// requestURL parses u and applies the checks net/http makes before it touches
// the network, returning Go's own errors: a *url.Error from net/url for a
// malformed URL, "unsupported protocol scheme", "http: no Host in request URL".
func requestURL(u string) (*url.URL, error) {
	req, err := url.Parse(u)
	if err != nil {
		return nil, err // already a *url.Error{Op: "parse"}, as http.NewRequest returns it
	}
	// net/http drops an empty port (RFC 3986 6.2.3) when it makes the request.
	if strings.LastIndex(req.Host, ":") > strings.LastIndex(req.Host, "]") {
		req.Host = strings.TrimSuffix(req.Host, ":")
	}
	if req.Scheme != "http" && req.Scheme != "https" {
		return req, getError(req, fmt.Errorf("unsupported protocol scheme %q", req.Scheme))
	}
	if req.Host == "" {
		return req, getError(req, errors.New("http: no Host in request URL"))
	}
	return req, nil
}

// getError wraps err as http.Client wraps a failed GET: Get "URL": err, with
// the URL as net/url writes it and any password masked.
func getError(req *url.URL, err error) error {
	s := req.String()
	if _, ok := req.User.Password(); ok {
		s = strings.Replace(s, req.User.String()+"@", req.User.Username()+":***@", 1)
	}
	return &url.Error{Op: "Get", URL: s, Err: err}
}

// offline is the error go run gives for a URL the table does not answer, as on
// a machine with no network: a host name is not found (the form Go prints with
// the system's resolver, which names no DNS server), and nothing listens on
// an address.
func offline(req *url.URL) error {
	host := req.Hostname()
	ip := net.ParseIP(host)
	if host == "localhost" {
		ip = net.IPv4(127, 0, 0, 1)
	}
	if ip == nil {
		return &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
	}
	port, err := strconv.Atoi(req.Port())
	if err != nil {
		port = 80
		if req.Scheme == "https" {
			port = 443
		}
	}
	return &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: ip, Port: port},
		Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
}

// HTTPGet is http.Get on the simulated internet. A URL Go would refuse fails
// at once with Go's error; one the run's table answers costs the goroutine
// the reply's latency on the virtual clock, then returns its status and body
// or its error; any other fails as it does offline.
func HTTPGet(u string, pos Pos) (*http.Response, error) {
	rt, gg := enter(pos)
	start := Event{Kind: KindHTTP, G: gg.id, Pos: pos}
	start.VK, start.Val = encode(rt.log, u)
	req, err := requestURL(u)
	if err != nil {
		rt.record(start)
		recordVal(rt, Event{Kind: KindHTTPDone, G: gg.id, Pos: gg.pos}, err.Error())
		return nil, err
	}
	r, ok := rt.cfg.Internet.reply(u, req)
	if !ok {
		rt.record(start)
		err := getError(req, offline(req))
		recordVal(rt, Event{Kind: KindHTTPDone, G: gg.id, Pos: gg.pos}, err.Error())
		return nil, err
	}
	if r.Latency > 0 {
		gg.sleep.kind = timerSleep
		rt.schedule(&gg.sleep, r.Latency)
		rt.park(gg, start, WaitIO, 0)
	} else {
		rt.record(start)
	}
	if r.Err != "" {
		err := getError(req, errors.New(r.Err))
		recordVal(rt, Event{Kind: KindHTTPDone, G: gg.id, Pos: gg.pos}, err.Error())
		return nil, err
	}
	status := r.Status
	if status == 0 {
		status = http.StatusOK
	}
	recordVal(rt, Event{Kind: KindHTTPDone, G: gg.id, Pos: gg.pos}, status)
	text := http.StatusText(status)
	if text == "" {
		text = "status code " + strconv.Itoa(status) // what net/http's server sends for a code it has no name for
	}
	return &http.Response{
		Status:     strconv.Itoa(status) + " " + text,
		StatusCode: status,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header: http.Header{
			"Content-Length": {strconv.Itoa(len(r.Body))},
			"Content-Type":   {"text/plain; charset=utf-8"},
		},
		Body:          &body{r: strings.NewReader(r.Body)},
		ContentLength: int64(len(r.Body)),
		Request:       &http.Request{Method: http.MethodGet, URL: req, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{}, Host: req.Host},
	}, nil
}

// body is a response body: reading it after Close fails as net/http's does.
type body struct {
	r      *strings.Reader
	closed bool
}

var errReadOnClosedBody = errors.New("http: read on closed response body")

// Read reads the reply's body.
func (b *body) Read(p []byte) (int, error) {
	if b.closed {
		return 0, errReadOnClosedBody
	}
	return b.r.Read(p)
}

// Close closes the body; it never fails.
func (b *body) Close() error {
	b.closed = true
	return nil
}

var _ io.ReadCloser = (*body)(nil)
