package engine

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHTTPGetFailsAsGoDoes: every error text below is what go1.26's http.Get
// printed for the same URL, built with go build and run on this machine
// without a network (its DNS failures with GODEBUG=netdns=cgo, the form
// that names no DNS server; see README "Commands").
func TestHTTPGetFailsAsGoDoes(t *testing.T) {
	in := &Internet{Routes: map[string]Reply{"https://known.example/": {Status: 200}}}
	tests := []struct {
		url, want, op string
	}{
		{"a", `Get "a": unsupported protocol scheme ""`, "Get"},
		{"", `Get "": unsupported protocol scheme ""`, "Get"},
		{"/path", `Get "/path": unsupported protocol scheme ""`, "Get"},
		{"//x/y", `Get "//x/y": unsupported protocol scheme ""`, "Get"},
		{"ftp://x", `Get "ftp://x": unsupported protocol scheme "ftp"`, "Get"},
		{"mailto:x@y", `Get "mailto:x@y": unsupported protocol scheme "mailto"`, "Get"},
		{"http://", `Get "http:": http: no Host in request URL`, "Get"},
		{"http:///path", `Get "http:///path": http: no Host in request URL`, "Get"},
		{"://x", `parse "://x": missing protocol scheme`, "parse"},
		{"http://[::1", `parse "http://[::1": missing ']' in host`, "parse"},
		{"http://a b", `parse "http://a b": invalid character " " in host name`, "parse"},
		{"http://x:port/", `parse "http://x:port/": invalid port ":port" after host`, "parse"},
		{"http://a%zz/", `parse "http://a%zz/": invalid URL escape "%zz"`, "parse"},
		{" http://x", `parse " http://x": first path segment in URL cannot contain colon`, "parse"},
		{"http://x\n", `parse "http://x\n": net/url: invalid control character in URL`, "parse"},
		{"http://example.invalid/", `Get "http://example.invalid/": dial tcp: lookup example.invalid: no such host`, "Get"},
		{"HTTP://example.invalid/", `Get "http://example.invalid/": dial tcp: lookup example.invalid: no such host`, "Get"},
		{"https://Example.Invalid", `Get "https://Example.Invalid": dial tcp: lookup Example.Invalid: no such host`, "Get"},
		{"http://example.invalid:80/a?b=c#frag", `Get "http://example.invalid:80/a?b=c#frag": dial tcp: lookup example.invalid: no such host`, "Get"},
		{"https://u:secret@known.example/", `Get "https://u:***@known.example/": dial tcp: lookup known.example: no such host`, "Get"},
		{"http://localhost:1/", `Get "http://localhost:1/": dial tcp 127.0.0.1:1: connect: connection refused`, "Get"},
		{"http://127.0.0.1:1/", `Get "http://127.0.0.1:1/": dial tcp 127.0.0.1:1: connect: connection refused`, "Get"},
		{"https://[::1]/", `Get "https://[::1]/": dial tcp [::1]:443: connect: connection refused`, "Get"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			var err error
			var resp *http.Response
			r := run(func() { resp, err = HTTPGet(tt.url, P(1)) }, Config{Internet: in})
			require.Equal(t, OutcomeOK, r.Outcome.Kind)
			assert.Nil(t, resp)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			var ue *url.Error
			require.True(t, errors.As(err, &ue), "a *url.Error, as net/http returns")
			assert.Equal(t, tt.op, ue.Op)
			assert.Equal(t, int64(0), r.Log.At(r.Log.Len()-1).Time, "refused without waiting")
		})
	}
}

// TestHTTPOfflineErrorsUnwrapAsGos: a program may test the cause as it would
// under go run.
func TestHTTPOfflineErrorsUnwrapAsGos(t *testing.T) {
	var dnsErr, refused error
	run(func() {
		_, dnsErr = HTTPGet("https://nowhere.example/", P(1))
		_, refused = HTTPGet("http://localhost:8080/", P(2))
	}, Config{})
	var de *net.DNSError
	require.True(t, errors.As(dnsErr, &de))
	assert.True(t, de.IsNotFound)
	assert.Equal(t, "nowhere.example", de.Name)
	assert.True(t, errors.Is(refused, syscall.ECONNREFUSED))
}

// TestHTTPTable: the table answers its URLs (as written or as net/url writes
// them) after their latency in virtual time, with a body a program reads as
// from net/http; a table with a default answers every other URL.
func TestHTTPTable(t *testing.T) {
	routes := map[string]Reply{
		"https://api.example/lines": {Latency: 2 * time.Second, Body: "line one\nline two\n"},
		"https://api.example/gone":  {Latency: 10 * time.Millisecond, Status: 404, Body: "no"},
		"https://api.example/odd":   {Status: 299},
		"https://down.example":      {Latency: time.Second, Err: "dial tcp: lookup down.example: no such host"},
	}
	r := run(func() {
		resp, err := HTTPGet("HTTPS://api.example/lines", P(1))
		Println(P(2), resp.Status, resp.StatusCode, err, Since(Epoch), resp.ContentLength, resp.Header.Get("Content-Type"), resp.Request.URL)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			Println(P(3), "got", sc.Text())
		}
		Println(P(4), resp.Body.Close())
		_, err = resp.Body.Read(make([]byte, 4))
		Println(P(5), err)
		resp, _ = HTTPGet("https://api.example/gone", P(6))
		b, err := io.ReadAll(resp.Body)
		Println(P(7), resp.Status, string(b), err)
		resp, _ = HTTPGet("https://api.example/odd", P(8))
		Println(P(9), resp.Status)
		_, err = HTTPGet("https://down.example", P(10))
		Println(P(11), err, Since(Epoch))
		_, err = HTTPGet("https://other.example", P(12))
		Println(P(13), err)
	}, Config{Internet: &Internet{Routes: routes}})
	require.Equal(t, OutcomeOK, r.Outcome.Kind)
	assert.Equal(t, "200 OK 200 <nil> 2s 18 text/plain; charset=utf-8 https://api.example/lines\n"+
		"got line one\ngot line two\n<nil>\nhttp: read on closed response body\n"+
		"404 Not Found no <nil>\n299 status code 299\n"+
		"Get \"https://down.example\": dial tcp: lookup down.example: no such host 3.01s\n"+
		"Get \"https://other.example\": dial tcp: lookup other.example: no such host\n", r.Stdout)

	r = run(func() {
		resp, err := HTTPGet("https://other.example", P(1))
		Println(P(2), resp.Status, err, Since(Epoch))
	}, Config{Internet: &Internet{Routes: routes, Default: &Reply{Latency: 100 * time.Millisecond, Status: 503}}})
	assert.Equal(t, "503 Service Unavailable <nil> 100ms\n", r.Stdout)
}

// TestParseInternet: the JSON table a user writes, with latencies in either
// form, and the mistakes it refuses.
func TestParseInternet(t *testing.T) {
	in, err := ParseInternet([]byte(`{"routes": {"https://a.example/": {"latency": "300ms", "status": 201, "body": "hi"},
		"https://b.example/": {"Latency": 5000, "Err": "boom"}}, "default": {"latency": "1s"}}`))
	require.NoError(t, err)
	assert.Equal(t, Reply{Latency: 300 * time.Millisecond, Status: 201, Body: "hi"}, in.Routes["https://a.example/"])
	assert.Equal(t, Reply{Latency: 5 * time.Microsecond, Err: "boom"}, in.Routes["https://b.example/"])
	assert.Equal(t, &Reply{Latency: time.Second}, in.Default)

	bad := []struct{ json, want string }{
		{`{"routes": {"a": {}}}`, `route "a": http.Get fails before reaching the network: Get "a": unsupported protocol scheme ""`},
		{`{"routes": {"https://a.example/": {"latency": "soon"}}}`, `latency: time: invalid duration "soon"`},
		{`{"routes": {"https://a.example/": {"latency": true}}}`, `latency true: want nanoseconds or a duration such as "300ms"`},
		{`{"routes": {"https://a.example/": {"latency": "-1s"}}}`, `route "https://a.example/": latency -1s is negative`},
		{`{"routes": {"https://a.example/": {"status": 42}}}`, `route "https://a.example/": status 42 is not an HTTP status code (100..999)`},
		{`{"routes": {"https://a.example/": {"bdy": "x"}}}`, `json: unknown field "bdy"`},
		{`{"rutes": {}}`, `json: unknown field "rutes"`},
		{`{"default": {"status": 1000}}`, `default: status 1000 is not an HTTP status code (100..999)`},
	}
	for _, b := range bad {
		_, err := ParseInternet([]byte(b.json))
		require.Error(t, err, b.json)
		assert.Equal(t, b.want, err.Error(), b.json)
	}
}
