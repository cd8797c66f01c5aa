package server

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// onIPv6Loopback serves srv's routes on [::1] too, a second address for the
// per-address limits (127/8 counts as one); it skips without IPv6.
func onIPv6Loopback(t testing.TB, srv *Server) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
	return ts
}

// A limited address is refused on every connection, and for /r/ and /join
// visits too; another address is not.
func TestRoomGuessesAreLimitedPerAddress(t *testing.T) {
	const guesses = 4
	tests := []struct {
		name string
		fail func(t *testing.T, ts *httptest.Server, p presented)
	}{
		{"unknown codes", func(t *testing.T, ts *httptest.Server, _ presented) {
			c := dial(t, ts)
			c.send(map[string]any{"type": "follow", "code": "ZZZZZZZZ"})
			assert.Equal(t, "unknown_room", c.expect("error")["code"])
		}},
		{"wrong secrets", func(t *testing.T, ts *httptest.Server, p presented) {
			c := dial(t, ts)
			c.send(map[string]any{"type": "claim", "code": p.code, "secret": "0123"})
			assert.Equal(t, "not_presenter", c.expect("error")["code"])
		}},
		{"garbled codes", func(t *testing.T, ts *httptest.Server, _ presented) {
			c := dial(t, ts)
			c.send(map[string]any{"type": "follow", "code": "?"})
			assert.Equal(t, "unknown_room", c.expect("error")["code"])
		}},
		{"join links", func(t *testing.T, ts *httptest.Server, _ presented) {
			resp, err := noRedirect.Get(ts.URL + "/r/ZZZZZZZZ")
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
		}},
		{"the join form", func(t *testing.T, ts *httptest.Server, _ presented) {
			resp, err := noRedirect.Get(ts.URL + "/join?code=ZZZZ-ZZZZ")
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, ts := newTestServer(t, testLimits(), func(o *Options) { o.Class.Guesses = guesses })
			p := present(t, ts, "pool")
			for range guesses {
				tc.fail(t, ts, p) // each on a new connection
			}
			// Now every lookup from this address is refused, a right code
			// too, or the refusal would tell a guess.
			c := dial(t, ts)
			c.send(map[string]any{"type": "follow", "code": p.code})
			e := c.expect("error")
			assert.Equal(t, "rate_limited", e["code"])
			assert.Contains(t, e["message"], "from this address")
			resp, err := noRedirect.Get(ts.URL + "/r/" + p.code)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
			// Another address is not affected.
			v6 := onIPv6Loopback(t, srv)
			follow(t, v6, p.code)
		})
	}
}

// The answers for a code that never was and for a room that has closed
// are the same, word for word.
func TestUnknownAndClosedRoomsLookAlike(t *testing.T) {
	_, ts := newTestServer(t, testLimits())
	p := present(t, ts, "pool")
	code := p.code
	p.send(map[string]any{"type": "close", "code": code, "secret": p.secret})
	p.expect("room.closed")
	c := dial(t, ts)
	c.send(map[string]any{"type": "follow", "code": code})
	closed := c.expect("error")
	c.send(map[string]any{"type": "follow", "code": "ZZZZZZZZ"})
	unknown := c.expect("error")
	assert.Equal(t, "unknown_room", closed["code"])
	assert.Equal(t, closed["code"], unknown["code"])
	assert.Equal(t, closed["message"], strings.ReplaceAll(unknown["message"].(string), "ZZZZZZZZ", code))
}

func TestFullServerAndFullRoomAnswerBusy(t *testing.T) {
	_, ts := newTestServer(t, testLimits(), func(o *Options) { o.Class.Rooms, o.Class.Viewers = 2, 2 })
	p := present(t, ts, "pool")
	present(t, ts, "pool")
	c := dial(t, ts)
	c.send(map[string]any{"type": "present", "scenario": "pool"})
	assert.Equal(t, "busy", c.expect("error")["code"], "a third room")

	v1 := follow(t, ts, p.code)
	follow(t, ts, p.code)
	c.send(map[string]any{"type": "follow", "code": p.code})
	assert.Equal(t, "busy", c.expect("error")["code"], "a third viewer")
	v1.send(map[string]any{"type": "unfollow"})
	require.Eventually(t, func() bool {
		c.send(map[string]any{"type": "follow", "code": p.code})
		return c.read()["type"] == "room"
	}, 5*time.Second, 20*time.Millisecond, "a place freed by unfollow is taken")
}

// One address opens a few rooms and takes a few seats of a room, on any
// number of connections; another address still can.
func TestOneAddressCannotTakeEveryRoomOrSeat(t *testing.T) {
	const rooms, seats = 3, 4
	srv, ts := newTestServer(t, testLimits(), func(o *Options) { o.Class.RoomsPerAddr, o.Class.SeatsPerAddr = rooms, seats })
	var last presented
	for range rooms {
		last = present(t, ts, "pool")
	}
	other := dial(t, ts)
	other.send(map[string]any{"type": "present", "scenario": "pool"})
	e := other.expect("error")
	assert.Equal(t, "busy", e["code"], "one room too many from this address, on any connection")
	assert.Contains(t, e["message"], "stop presenting one first")
	v6 := onIPv6Loopback(t, srv)
	present(t, v6, "pool")

	for range seats {
		follow(t, ts, last.code)
	}
	other.send(map[string]any{"type": "follow", "code": last.code})
	e = other.expect("error")
	assert.Equal(t, "busy", e["code"], "one seat too many from this address")
	assert.Contains(t, e["message"], "from this address")
	follow(t, v6, last.code)

	last.send(map[string]any{"type": "close", "code": last.code, "secret": last.secret})
	require.Eventually(t, func() bool {
		other.send(map[string]any{"type": "present", "scenario": "pool"})
		return other.read()["type"] == "room"
	}, 5*time.Second, 20*time.Millisecond, "a closed room frees its place")
}

// A room whose presenter's connection has gone closes after the grace
// time, long before the idle time; a claim within it keeps the room.
func TestRoomWithoutPresenterIsReclaimed(t *testing.T) {
	const grace = 300 * time.Millisecond
	srv, ts := newTestServer(t, testLimits(), func(o *Options) { o.Class.RoomGrace = grace })
	p := present(t, ts, "pool")
	v := follow(t, ts, p.code)
	p.conn.Close()
	require.Eventually(t, func() bool { return seatFree(srv.rooms.lookup(p.code)) }, 5*time.Second, 5*time.Millisecond)
	again := dial(t, ts)
	again.send(map[string]any{"type": "claim", "code": p.code, "secret": p.secret})
	again.expect("room")
	time.Sleep(2 * grace)
	require.NotNil(t, srv.rooms.lookup(p.code), "a claimed room stays")
	again.conn.Close()
	assert.Equal(t, msg{"type": "room.closed", "code": p.code, "reason": "expired"}, v.expect("room.closed"))
	require.Eventually(t, func() bool { return srv.rooms.count() == 0 }, 5*time.Second, 5*time.Millisecond, "the room has gone")
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func TestRoomsEnd(t *testing.T) {
	const idle = 500 * time.Millisecond
	tests := []struct {
		name   string
		end    func(s *Server, p presented)
		reason string
	}{
		{"after idling", func(s *Server, p presented) {
			// Views keep it open past the idle time...
			for i := range 6 {
				p.publish(poolView(i))
				time.Sleep(idle / 5)
			}
			require.NotNil(t, s.rooms.lookup(p.code), "a presenter's views keep the room open")
			// ...and then it is left alone.
		}, "expired"},
		{"when the presenter closes it", func(_ *Server, p presented) {
			p.send(map[string]any{"type": "close", "code": p.code, "secret": p.secret})
		}, "closed"},
		{"when the server shuts down", func(s *Server, _ presented) { s.Close() }, "shutdown"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ts := newTestServer(t, testLimits(), func(o *Options) {
				if tc.reason == "expired" {
					o.Class.RoomIdle = idle
				}
			})
			p := present(t, ts, "pool")
			v := follow(t, ts, p.code)
			tc.end(s, p)
			for {
				m := v.read()
				if m["type"] == "view" {
					continue
				}
				assert.Equal(t, msg{"type": "room.closed", "code": p.code, "reason": tc.reason}, m)
				break
			}
			for m := p.read(); m["type"] != "room.closed"; m = p.read() {
			}
			assert.Zero(t, s.rooms.count())
			if tc.reason == "shutdown" {
				assert.Equal(t, websocket.CloseGoingAway, v.closeCode())
				return
			}
			v.send(map[string]any{"type": "follow", "code": p.code})
			assert.Equal(t, "unknown_room", v.expect("error")["code"])
			p.publish(poolView(1))
			assert.Equal(t, "unknown_room", p.expect("error")["code"])
		})
	}
}
