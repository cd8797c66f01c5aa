package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAddrKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7:5000":                    "192.0.2.7",
		"127.0.0.1:1":                       "127.0.0.0/8",
		"127.3.4.5:1":                       "127.0.0.0/8",
		"[::ffff:192.0.2.7]:80":             "192.0.2.7",
		"[2001:db8:1:2:aaaa::1]:80":         "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff:ffff:ffff:1]:9": "2001:db8:1:2::/64",
		"[2001:db8:1:3::1]:80":              "2001:db8:1:3::/64",
		"[::1]:80":                          "::/64",
	} {
		assert.Equal(t, want, addrKey(in), in)
	}
}

// dialWS opens a WebSocket with extra headers and returns the refusal's
// status and text when it is refused.
func dialWS(t *testing.T, ts *httptest.Server, h http.Header) (*websocket.Conn, int, string) {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/ws", h)
	if err == nil {
		t.Cleanup(func() { conn.Close() })
		return conn, http.StatusSwitchingProtocols, ""
	}
	require.NotNil(t, resp, "%v", err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return nil, resp.StatusCode, string(body)
}

// Connections past the limit per address are refused with 429 before the
// upgrade, past the total with 503, each with a sentence; another address
// still connects while one is at its limit.
func TestConnectionLimits(t *testing.T) {
	srv, ts := newTestServer(t, testLimits(), func(o *Options) { o.Class.ConnsPerAddr, o.Class.Conns = 3, 5 })
	for range 3 {
		_, status, _ := dialWS(t, ts, nil)
		require.Equal(t, http.StatusSwitchingProtocols, status)
	}
	_, status, why := dialWS(t, ts, nil)
	assert.Equal(t, http.StatusTooManyRequests, status)
	assert.Contains(t, why, "This address already has 3 connections open")
	v6 := onIPv6Loopback(t, srv)
	for range 2 {
		_, status, _ := dialWS(t, v6, nil)
		require.Equal(t, http.StatusSwitchingProtocols, status, "another address")
	}
	_, status, why = dialWS(t, v6, nil)
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Contains(t, why, "maximum of 5 connections")
}

// A WebSocket whose Host is not this server's (a DNS-rebinding page, whose
// Origin matches its Host) is refused; the machine's names and addresses
// and the allowed origins' hosts are not.
func TestHostCheck(t *testing.T) {
	_, ts := newTestServer(t, testLimits(), func(o *Options) { o.AllowOrigins = []string{"http://class.example:8080"} })
	port := ts.URL[strings.LastIndexByte(ts.URL, ':'):]
	for host, ok := range map[string]bool{
		"127.0.0.1" + port:        true,
		"localhost" + port:        true,
		"LOCALHOST.":              true,
		"[::1]" + port:            true,
		"class.example" + port:    true,
		"evil.example" + port:     false,
		"127.0.0.1.evil.example":  false,
		"localhost.evil.example":  false,
		"class.example.evil.test": false,
	} {
		req, err := http.NewRequest("GET", ts.URL+"/ws", nil)
		require.NoError(t, err)
		req.Host = host
		for k, v := range map[string]string{"Origin": "http://" + host, "Connection": "Upgrade", "Upgrade": "websocket",
			"Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="} {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		if ok {
			resp.Body.Close() // the upgraded connection
			assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode, host)
		} else {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, host)
			assert.Contains(t, string(body), "does not answer to the host", host)
		}
	}
}

// A Range header of many ranges is answered whole; a few ranges still work.
func TestManyRangesAreAnsweredWhole(t *testing.T) {
	file := strings.Repeat("0123456789", 1000)
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "f.js", time.Time{}, strings.NewReader(file))
	})
	_, ts := newTestServer(t, testLimits(), func(o *Options) { o.Page = page })
	get := func(ranges int) (int, int) {
		parts := make([]string, ranges)
		for i := range parts {
			parts[i] = strconv.Itoa(i*2) + "-" + strconv.Itoa(i*2)
		}
		req, _ := http.NewRequest("GET", ts.URL+"/f.js", nil)
		req.Header.Set("Range", "bytes="+strings.Join(parts, ","))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, len(b)
	}
	status, _ := get(maxRanges)
	assert.Equal(t, http.StatusPartialContent, status, "%d ranges", maxRanges)
	status, n := get(5000)
	assert.Equal(t, http.StatusOK, status, "5000 ranges")
	assert.Equal(t, len(file), n, "the file, once")
}

// Keys are matched exactly and once: encoding/json alone would take TYPE
// for type and the last of two.
func TestStrictKeys(t *testing.T) {
	_, ts := newTestServer(t, testLimits())
	c := dial(t, ts)
	for in, want := range map[string]string{
		`{"TYPE":"hello","version":3}`:                                          `unknown field "TYPE"`,
		`{"type":"hello","Version":1}`:                                          `unknown field "Version"`,
		`{"type":"hello","type":"run","version":3}`:                             `field "type" appears twice`,
		`{"type":"run","scenario":"pool","knobs":{"a":1,"a":2}}`:                `field "a" appears twice`,
		`{"type":"view","code":"ABCDEFGH","view":{"Step":1}}`:                   `unknown field "Step"`,
		`{"type":"run","scenario":"pool","interventions":[{"step":1,"RUN":1}]}`: `unknown field "RUN"`,
	} {
		c.send(in)
		m := c.expect("error")
		assert.Equal(t, "bad_field", m["code"], in)
		assert.Contains(t, m["message"], want, in)
	}
	c.send(`{"type":"hello","version":3}`)
	c.expect("hello")
}

// An error repeats no more than a short piece of what the client sent.
func TestErrorsEchoLittle(t *testing.T) {
	_, ts := newTestServer(t, testLimits())
	c := dial(t, ts)
	long := strings.Repeat("é", 15_000) // two of them fit in a message
	for _, in := range []map[string]any{
		{"type": long, "id": long},
		{"type": "run", "id": long, "scenario": long},
		{"type": "follow", "code": long},
		{"type": "run", "scenario": "pool", "knobs": map[string]any{long: 1}},
	} {
		c.send(in)
		c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, b, err := c.conn.ReadMessage()
		require.NoError(t, err)
		assert.Less(t, len(b), 1000, "%.80s", b)
		assert.Contains(t, string(b), `"error"`)
	}
}

// A text frame that is not UTF-8 fails the connection with 1007.
func TestInvalidUTF8Closes1007(t *testing.T) {
	_, ts := newTestServer(t, testLimits())
	c := dial(t, ts)
	require.NoError(t, c.conn.WriteMessage(websocket.TextMessage, []byte("{\"type\":\"hello\xff\"}")))
	assert.Equal(t, websocket.CloseInvalidFramePayloadData, c.closeCode())
}

func TestRepeatedLogLinesAreSampled(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(newSampler(slog.NewTextHandler(&buf, nil), time.Hour))
	for range 1000 {
		log.Info("client message over the read limit", "limit", 1)
	}
	log.Info("another kind")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	assert.Len(t, lines, 2, "one line per kind")

	buf.Reset()
	log = slog.New(newSampler(slog.NewTextHandler(&buf, nil), time.Nanosecond))
	log.Info("x")
	time.Sleep(time.Millisecond)
	log.Info("x")
	assert.Equal(t, 2, strings.Count(buf.String(), "msg=x"), "after the interval, the next line is written")
}

// A sampled line tells how many were left out.
func TestSampledLineCountsTheRest(t *testing.T) {
	var buf bytes.Buffer
	h := newSampler(slog.NewTextHandler(&buf, nil), time.Minute)
	now := time.Now()
	for i := range 5 {
		require.NoError(t, h.Handle(context.Background(), slog.NewRecord(now.Add(time.Duration(i)*time.Second), slog.LevelInfo, "x", 0)))
	}
	require.NoError(t, h.Handle(context.Background(), slog.NewRecord(now.Add(2*time.Minute), slog.LevelInfo, "x", 0)))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2)
	assert.Contains(t, lines[1], "repeated=4")
}

// Shutdown ends within its deadline even when a client's writes are
// blocked, and leaves nothing running (goleak, in TestMain).
func TestShutdownHasADeadline(t *testing.T) {
	o := testOptions(testLimits())
	o.Class.ShutdownTimeout = 300 * time.Millisecond
	srv := New(o)
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Listener = smallSendBuffers{ts.Listener}
	ts.Start()
	defer ts.Close()
	stalled := dialStalled(t, ts, 128<<10)
	p := present(t, ts, "pool")
	stalled.send(map[string]any{"type": "follow", "code": p.code})
	for i := range 30 {
		p.send(bigView(p.code, p.secret, i+1))
	}
	time.Sleep(100 * time.Millisecond) // the views reach the stalled client's sockets
	start := time.Now()
	srv.Close()
	took := time.Since(start)
	t.Logf("shutdown took %v", took)
	assert.Less(t, took, 3*time.Second, "well before a blocked write's 10 s")
}

// An idle keep-alive connection is closed after the idle timeout.
func TestIdleConnectionsAreClosed(t *testing.T) {
	o := testOptions(testLimits())
	o.Class.IdleTimeout = 200 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- serveOn(ctx, []net.Listener{ln}, o, func() {}) }()
	defer func() {
		cancel()
		assert.NoError(t, <-done)
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
	require.NoError(t, err)
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	require.NoError(t, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = r.ReadByte()
	assert.ErrorIs(t, err, io.EOF, "the server closed the idle connection")
	assert.False(t, errors.Is(err, context.DeadlineExceeded))
}

// A client that sends requests and never reads the replies is cut off
// once they pass the byte limit, at once rather than after a blocked
// write times out, and nobody else notices.
func TestClientThatDoesNotReadIsCutOffAlone(t *testing.T) {
	o := testOptions(testLimits())
	o.Class.QueueBytes = 32 << 10
	srv := New(o)
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Listener = smallSendBuffers{ts.Listener}
	ts.Start()
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
	})
	stalled := dialStalled(t, ts, 128<<10)
	fast := dial(t, ts)
	hello := []byte(`{"type":"hello","version":3}`)
	for range 5000 {
		if stalled.conn.WriteMessage(websocket.TextMessage, hello) != nil {
			break // the server has closed the connection
		}
	}
	fast.send(map[string]any{"type": "run", "scenario": "pool"})
	assert.Equal(t, "outcome", lastOf(fast.runToEnd())["type"], "a stalled client does not hold up another")
	sessions := func() int {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return len(srv.sessions)
	}
	// Well within the 10 s a blocked write would take.
	require.Eventually(t, func() bool { return sessions() == 1 }, 5*time.Second, 10*time.Millisecond, "the stalled client is cut off")
	stalled.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, _, err := stalled.conn.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				// 4001 if the close frame got through; if the server's
				// writes stayed blocked it closes the socket (1006), as
				// the README says.
				assert.Contains(t, []int{CloseSlowClient, websocket.CloseAbnormalClosure}, ce.Code)
			}
			break
		}
	}
}

// The read rate meters an address's messages, tiny ones as minMessageCost
// bytes each, over all its connections: a second's worth goes through at
// once, then each connection waits its share, and another address does not.
func TestReadRateMetersMessagesPerAddress(t *testing.T) {
	var c connCounter
	lim := ClassLimits{Conns: 10, ConnsPerAddr: 10, ReadRate: 64 * minMessageCost}
	relA, waitA, _, _ := c.acquire("a", lim)
	defer relA()
	relA2, waitA2, _, _ := c.acquire("a", lim)
	defer relA2()
	relB, waitB, _, _ := c.acquire("b", lim)
	defer relB()

	tests := []struct {
		name string
		wait func(int) time.Duration
		size int
		n    int
		late bool
	}{
		{"a burst within the bucket", waitA, 10, 64, false},
		{"tiny messages past it, on another connection of the address", waitA2, 10, 64, true},
		{"another address", waitB, 10, 64, false},
	}
	for _, tc := range tests {
		var last time.Duration
		for range tc.n {
			last = tc.wait(tc.size)
		}
		if tc.late {
			// 64 more messages of 10 bytes cost a second at 64 KiB a second.
			assert.Greater(t, last, 500*time.Millisecond, tc.name)
		} else {
			assert.Less(t, last, 100*time.Millisecond, tc.name)
		}
	}
}

func TestClassLimitsZeroFieldsTakeTheDefaults(t *testing.T) {
	assert.Equal(t, DefaultClassLimits, ClassLimits{}.withDefaults())
	got := ClassLimits{Conns: 3, RoomIdle: time.Minute, Guesses: -1}.withDefaults()
	want := DefaultClassLimits
	want.Conns, want.RoomIdle = 3, time.Minute // set fields stay; a negative one is a zero
	assert.Equal(t, want, got)
}
