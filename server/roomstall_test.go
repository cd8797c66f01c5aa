package server

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seqRE finds a view message's seq near its start, so a test need not
// decode a large view to know which it is.
var seqRE = regexp.MustCompile(`^\{"type":"view","code":"[0-9A-Z]{8}","seq":(\d+),`)

// readSeq reads up to the next view message and returns its seq.
func (c *client) readSeq() int64 {
	c.t.Helper()
	for {
		c.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, b, err := c.conn.ReadMessage()
		require.NoError(c.t, err)
		if m := seqRE.FindSubmatch(b[:min(len(b), 64)]); m != nil {
			n, err := strconv.ParseInt(string(m[1]), 10, 64)
			require.NoError(c.t, err)
			return n
		}
	}
}

// dialStalled connects a client with a receive buffer of readBuffer bytes
// that reads only when told, so the server's writes to it stall once the
// sockets' buffers are full. Keep readBuffer above loopback's 64 KiB
// segments: below them the sender falls back on window probes, seconds apart.
func dialStalled(t testing.TB, ts *httptest.Server, readBuffer int) *client {
	t.Helper()
	d := websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			conn.(*net.TCPConn).SetReadBuffer(readBuffer)
		}
		return conn, err
	}}
	conn, _, err := d.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/ws", nil)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return &client{t, conn}
}

// smallSendBuffers gives the server's side of each connection a small
// socket send buffer.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		c.(*net.TCPConn).SetWriteBuffer(128 << 10)
	}
	return c, err
}

// bigView is a view message near the message limit (many annotated
// interventions), formatted directly: the test is about the server's cost.
func bigView(code, secret string, step int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"type":"view","code":%q,"secret":%q,"view":{"scenario":"pool","speed":8,"step":%d,"interventions":[`, code, secret, step)
	for i := range 400 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"step":%d,"run":1,"note":"%s"}`, 1000+i, strings.Repeat("n", 100))
	}
	b.WriteString("]}}")
	return b.String()
}

// A viewer that stops reading holds up nobody, is not cut off for the
// room's traffic, and, when it reads again, skips to the newest view.
func TestStalledViewerDelaysNobody(t *testing.T) {
	// The server's sockets buffer little too, so a stall shows after a
	// few views rather than megabytes of them.
	srv := New(testOptions(testLimits()))
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Listener = smallSendBuffers{ts.Listener}
	ts.Start()
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
	})
	p := present(t, ts, "pool")
	var stalled []*client
	for range 3 {
		c := dialStalled(t, ts, 128<<10)
		c.send(map[string]any{"type": "follow", "code": p.code})
		stalled = append(stalled, c)
	}
	viewers := make([]*client, 8)
	for i := range viewers {
		viewers[i] = follow(t, ts, p.code)
	}
	// About 2 MB for each viewer: many times what a stalled one's sockets
	// hold (256 KiB to receive, as much to send).
	const views = 40
	start := time.Now()
	for i := 1; i <= views; i++ {
		p.send(bigView(p.code, p.secret, i))
	}
	var wg sync.WaitGroup
	for _, v := range viewers {
		wg.Go(func() {
			for v.readSeq() < views {
			}
		})
	}
	wg.Wait()
	t.Logf("%d viewers had the last of %d views of %d KiB after %v", len(viewers), views, len(bigView(p.code, p.secret, 1))>>10, time.Since(start))
	// The presenter was not held up either: it is answered at once.
	p.send(map[string]any{"type": "hello", "version": ProtocolVersion})
	for p.read()["type"] != "hello" {
	}
	srv.mu.Lock()
	for sess := range srv.sessions {
		select {
		case <-sess.overflow:
			t.Error("a session was cut off as too slow")
		default:
		}
	}
	srv.mu.Unlock()
	// The stalled viewers read again (within the 10 s write deadline):
	// views in order, skipping to the last, and no close frame.
	for _, s := range stalled {
		wg.Go(func() {
			seen, last := 0, int64(0)
			for last < views {
				seq := s.readSeq()
				assert.Greater(t, seq, last)
				last = seq
				seen++
			}
			t.Logf("a stalled viewer received %d of %d views", seen, views)
			assert.Less(t, seen, views, "a stalled viewer skips views")
		})
	}
	wg.Wait()
}
