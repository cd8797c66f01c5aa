package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	codeRE   = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{8}$`)
	secretRE = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

// expect reads the next message and checks its type.
func (c *client) expect(typ string) msg {
	c.t.Helper()
	m := c.read()
	require.Equal(c.t, typ, m["type"], "%v", m)
	return m
}

// presented is a room as its presenter knows it.
type presented struct {
	*client
	code, secret string
}

func present(t testing.TB, ts *httptest.Server, scenario string) presented {
	t.Helper()
	c := dial(t, ts)
	c.send(map[string]any{"type": "present", "scenario": scenario})
	m := c.expect("room")
	return presented{c, m["code"].(string), m["secret"].(string)}
}

func (p presented) publish(view map[string]any) {
	p.t.Helper()
	p.send(map[string]any{"type": "view", "code": p.code, "secret": p.secret, "view": view})
}

// poolView is a view of the test pool at a step.
func poolView(step int) map[string]any {
	return map[string]any{"scenario": "pool", "seed": 3, "policy": "fifo", "knobs": map[string]any{"workers": 2},
		"caps": map[string]any{"jobs": 0}, "interventions": []any{}, "step": step, "playing": true, "speed": 8}
}

func follow(t testing.TB, ts *httptest.Server, code string) *client {
	t.Helper()
	c := dial(t, ts)
	c.send(map[string]any{"type": "follow", "code": code})
	c.expect("room")
	return c
}

// step is the step of a view message.
func step(m msg) float64 { return m["view"].(map[string]any)["step"].(float64) }

func TestPresentOpensARoom(t *testing.T) {
	tests := []struct {
		name      string
		publicURL string
		wantBase  func(ts *httptest.Server) string
	}{
		{"link from the page's host", "", func(ts *httptest.Server) string { return ts.URL + "/" }},
		{"link from the public URL", "http://192.0.2.7:8080", func(*httptest.Server) string { return "http://192.0.2.7:8080/" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, ts := newTestServer(t, testLimits(), func(o *Options) { o.PublicURL = tc.publicURL })
			c := dial(t, ts)
			c.send(map[string]any{"type": "present", "scenario": "pool"})
			m := c.expect("room")
			code := m["code"].(string)
			assert.Regexp(t, codeRE, code)
			assert.Regexp(t, secretRE, m["secret"])
			assert.Equal(t, "presenter", m["role"])
			assert.Equal(t, tc.wantBase(ts)+"r/"+code, m["url"])
			assert.Equal(t, float64(0), m["viewers"])
			assert.Equal(t, float64(DefaultClassLimits.RoomIdle.Milliseconds()), m["idleMillis"])
		})
	}
}

func TestPresentRefusesBadScenarios(t *testing.T) {
	_, ts := newTestServer(t, testLimits())
	c := dial(t, ts)
	for in, code := range map[string]string{"": "bad_field", "nope": "unknown_scenario"} {
		c.send(map[string]any{"type": "present", "scenario": in})
		m := c.expect("error")
		assert.Equal(t, code, m["code"], in)
		assert.Equal(t, "present", m["request"])
	}
}

func TestViewersFollowThePresentersView(t *testing.T) {
	_, ts := newTestServer(t, testLimits())
	p := present(t, ts, "pool")
	p.publish(poolView(1))
	// A latecomer gets the room, then the latest view.
	v := dial(t, ts)
	v.send(map[string]any{"type": "follow", "code": p.code})
	room := v.expect("room")
	assert.Equal(t, "viewer", room["role"])
	assert.Nil(t, room["secret"], "a viewer never sees the secret")
	assert.Equal(t, float64(1), room["viewers"])
	first := v.expect("view")
	assert.Equal(t, p.code, first["code"])
	assert.Equal(t, float64(1), first["seq"])
	assert.Equal(t, map[string]any{"scenario": "pool", "seed": float64(3), "policy": "fifo",
		"knobs": map[string]any{"workers": float64(2)}, "caps": map[string]any{"jobs": float64(0)},
		"interventions": []any{}, "step": float64(1), "playing": true, "speed": float64(8)}, first["view"])
	assert.Equal(t, float64(1), p.expect("viewers")["count"], "the presenter sees the class arrive")

	for s := 2; s <= 20; s++ {
		p.publish(poolView(s))
	}
	last := float64(1)
	for last < 20 {
		m := v.expect("view")
		require.Greater(t, m["seq"], last, "views arrive newest last")
		last = m["seq"].(float64)
		assert.Equal(t, last, step(m))
	}

	// The server relays its own encoding: defaults filled in, nothing of
	// the presenter's bytes.
	p.send(`{"type":"view","code":"` + strings.ToLower(p.code) + `","secret":"` + p.secret + `","view":{"scenario":"pool","step":5,"speed":1}}`)
	m := v.expect("view")
	assert.Equal(t, float64(21), m["seq"])
	assert.Equal(t, map[string]any{"scenario": "pool", "seed": float64(1), "policy": "random", "knobs": map[string]any{},
		"caps": map[string]any{}, "interventions": []any{}, "step": float64(5), "playing": false, "speed": float64(1)}, m["view"])
}

func TestRoomCodesAreReadAsPeopleTypeThem(t *testing.T) {
	srv, ts := newTestServer(t, testLimits())
	// A code with a 0 or a 1 in it, to type as O, I or L.
	var p presented
	for range 100 {
		p = present(t, ts, "pool")
		if strings.ContainsAny(p.code, "01") {
			break
		}
	}
	require.True(t, strings.ContainsAny(p.code, "01"), "no code with 0 or 1 in 100 rooms")
	c := p.code
	variants := map[string]string{
		"as given":            c,
		"lower case":          strings.ToLower(c),
		"with a dash":         c[:4] + "-" + c[4:],
		"with spaces":         " " + c[:4] + " " + c[4:] + " ",
		"O for 0 and I for 1": strings.NewReplacer("0", "O", "1", "I").Replace(c),
		"o for 0 and l for 1": strings.ToLower(strings.NewReplacer("0", "o", "1", "l").Replace(c)),
		"L for 1, dashed":     strings.NewReplacer("1", "L").Replace(c[:4]) + "-" + strings.NewReplacer("1", "L").Replace(c[4:]),
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(t *testing.T, path string) string {
		resp, err := noRedirect.Get(ts.URL + path)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
		return resp.Header.Get("Location")
	}
	for name, typed := range variants {
		t.Run(name, func(t *testing.T) {
			v := dial(t, ts)
			v.send(map[string]any{"type": "follow", "code": typed})
			assert.Equal(t, c, v.expect("room")["code"])
			assert.Equal(t, "/s/pool?follow="+c, get(t, "/r/"+strings.ReplaceAll(typed, " ", "%20")), "the landing page, which follows")
			assert.Equal(t, "/r/"+c, get(t, "/join?code="+strings.ReplaceAll(typed, " ", "+")))
		})
	}
	t.Run("an unknown code is answered as an open one; a garbled one leads to the catalog", func(t *testing.T) {
		for path, want := range map[string]string{
			"/r/ZZZZ-ZZZZ":                    "/s/pool?follow=ZZZZZZZZ",
			"/r/not%20one":                    "/?missing=not+one",
			"/join?code=":                     "/?missing=",
			"/join?code=%3Cb%3E&x=1":          "/?missing=%3Cb%3E",
			"/join?code=UUUUUUUU":             "/?missing=UUUUUUUU",
			"/r/" + strings.Repeat("x", 1000): "/?missing=" + strings.Repeat("x", maxEcho) + "%E2%80%A6",
		} {
			assert.Equal(t, want, get(t, path), path)
		}
	})
	t.Run("the link does not tell an open room from a closed one", func(t *testing.T) {
		p.publish(map[string]any{"scenario": "chatty", "step": 0, "speed": 1})
		open := get(t, "/r/"+c)
		p.send(map[string]any{"type": "close", "code": c, "secret": p.secret})
		require.Eventually(t, func() bool { return srv.rooms.lookup(c) == nil }, 5*time.Second, 10*time.Millisecond)
		assert.Equal(t, open, get(t, "/r/"+c))
	})
}

func TestNormalizeCode(t *testing.T) {
	for in, want := range map[string]string{
		"abcd-efgh": "ABCDEFGH", "IL0O 1234": "11001234", "  a b c d e f g h ": "ABCDEFGH",
		"ABCDEFG": "", "ABCDEFGHJ": "", "ABCDEFGU": "", "ABCD_EFG": "", "ÀBCDEFGH": "", "": "",
	} {
		got, ok := normalizeCode(in)
		assert.Equal(t, want, got, in)
		assert.Equal(t, want != "", ok, in)
	}
}

// Only the room's secret publishes or closes; a wrong one changes nothing
// for the presenter or the class.
func TestOnlyTheSecretDrivesTheRoom(t *testing.T) {
	_, ts := newTestServer(t, testLimits())
	p := present(t, ts, "pool")
	p.publish(poolView(1))
	v1, v2 := follow(t, ts, p.code), follow(t, ts, p.code)
	v1.expect("view")
	v2.expect("view")
	for n := 0.0; n < 2; {
		n = p.expect("viewers")["count"].(float64)
	}
	stranger := dial(t, ts)
	tests := []struct {
		name string
		from *client
		msg  map[string]any
	}{
		{"a viewer's view without a secret", v1, map[string]any{"type": "view", "code": p.code, "view": poolView(99)}},
		{"a viewer's view with a wrong secret", v1, map[string]any{"type": "view", "code": p.code, "secret": strings.Repeat("0", 32), "view": poolView(99)}},
		{"a viewer's close", v1, map[string]any{"type": "close", "code": p.code, "secret": "guess"}},
		{"a stranger's close", stranger, map[string]any{"type": "close", "code": p.code}},
		{"a stranger's claim", stranger, map[string]any{"type": "claim", "code": p.code, "secret": strings.ToUpper(p.secret)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.from.t = t
			tc.from.send(tc.msg)
			m := tc.from.expect("error")
			assert.Equal(t, "not_presenter", m["code"])
			assert.Equal(t, tc.msg["type"], m["request"])
		})
	}
	// Still the presenter's room: the next view is seq 2, counts still go
	// to the presenter, and nothing came in between.
	p.publish(poolView(2))
	for _, v := range []*client{v1, v2} {
		v.t = t
		m := v.expect("view")
		assert.Equal(t, float64(2), m["seq"])
		assert.Equal(t, float64(2), step(m))
	}
	follow(t, ts, p.code)
	assert.Equal(t, float64(3), p.expect("viewers")["count"])
}

func TestBadViewsAreRefusedAndNotRelayed(t *testing.T) {
	_, ts := newTestServer(t, testLimits())
	p := present(t, ts, "pool")
	v := follow(t, ts, p.code)
	p.expect("viewers")
	with := func(k string, val any) map[string]any {
		w := poolView(1)
		if val == nil {
			delete(w, k)
		} else {
			w[k] = val
		}
		return w
	}
	many := make([]any, maxInterventions+1)
	for i := range many {
		many[i] = map[string]any{"step": i, "run": 1}
	}
	tests := []struct {
		name string
		view any
		code string
	}{
		{"no view", nil, "bad_field"},
		{"no scenario", with("scenario", nil), "bad_field"},
		{"unknown scenario", with("scenario", "nope"), "unknown_scenario"},
		{"unknown field", with("zoom", 2), "bad_field"},
		{"mistyped step", with("step", "ten"), "bad_field"},
		{"negative step", with("step", -1), "bad_field"},
		{"step past 10^9", with("step", 1_000_000_001), "bad_field"},
		{"speed 0", with("speed", 0), "bad_field"},
		{"no speed", with("speed", nil), "bad_field"},
		{"speed past 120", with("speed", 121), "bad_field"},
		{"bad seed", with("seed", -1), "bad_field"},
		{"seed past 2^53", with("seed", uint64(1)<<53), "bad_field"},
		{"bad policy", with("policy", "lifo"), "bad_field"},
		{"knob out of range", with("knobs", map[string]any{"workers": 11}), "knob_range"},
		{"unknown knob", with("knobs", map[string]any{"zoom": 1}), "unknown_knob"},
		{"capacity out of range", with("caps", map[string]any{"jobs": 1001}), "cap_range"},
		{"bad intervention", with("interventions", []any{map[string]any{"step": 1}}), "bad_intervention"},
		{"unknown intervention field", with("interventions", []any{map[string]any{"step": 1, "run": 1, "why": "x"}}), "bad_field"},
		{"too many interventions", with("interventions", many), "too_many_interventions"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p.t = t
			m := map[string]any{"type": "view", "code": p.code, "secret": p.secret}
			if tc.view != nil {
				m["view"] = tc.view
			}
			p.send(m)
			e := p.expect("error")
			assert.Equal(t, tc.code, e["code"], "%v", e["message"])
		})
	}
	p.t = t
	p.publish(poolView(7))
	m := v.expect("view")
	assert.Equal(t, float64(1), m["seq"], "no refused view was relayed")
	assert.Equal(t, float64(7), step(m))
}

func TestClaimMovesThePresenterSeat(t *testing.T) {
	srv, ts := newTestServer(t, testLimits())
	p := present(t, ts, "pool")
	p.publish(poolView(4))
	v := follow(t, ts, p.code)
	v.expect("view")
	p.conn.Close() // a reload

	require.Eventually(t, func() bool { return seatFree(srv.rooms.lookup(p.code)) }, 5*time.Second, 5*time.Millisecond, "the seat frees when its connection ends")
	again := dial(t, ts)
	again.send(map[string]any{"type": "claim", "code": strings.ToLower(p.code), "secret": p.secret})
	m := again.expect("room")
	assert.Equal(t, "presenter", m["role"])
	assert.Equal(t, p.code, m["code"])
	assert.Equal(t, float64(1), m["viewers"], "the class is still there")

	// Counts come to the new seat, the newest of them last.
	const n = 30
	for range n {
		follow(t, ts, p.code)
	}
	var counts []float64
	for len(counts) == 0 || counts[len(counts)-1] < n+1 {
		counts = append(counts, again.expect("viewers")["count"].(float64))
	}
	assert.IsNonDecreasing(t, counts)
	assert.LessOrEqual(t, len(counts), n)

	// The room goes on: the claiming page publishes.
	again.send(map[string]any{"type": "view", "code": p.code, "secret": p.secret, "view": poolView(5)})
	assert.Equal(t, float64(2), v.expect("view")["seq"])
}

func seatFree(r *room) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.presenter == nil
}

func TestFollowingAnotherRoomLeavesTheFirst(t *testing.T) {
	_, ts := newTestServer(t, testLimits())
	a, b := present(t, ts, "pool"), present(t, ts, "pool")
	a.publish(poolView(1))
	v := follow(t, ts, a.code)
	v.expect("view")
	assert.Equal(t, float64(1), a.expect("viewers")["count"])
	v.send(map[string]any{"type": "follow", "code": b.code})
	assert.Equal(t, b.code, v.expect("room")["code"])
	assert.Equal(t, float64(0), a.expect("viewers")["count"])
	assert.Equal(t, float64(1), b.expect("viewers")["count"])
	a.publish(poolView(2))
	b.publish(poolView(3))
	m := v.expect("view")
	assert.Equal(t, b.code, m["code"], "nothing more from the first room")
	assert.Equal(t, float64(3), step(m))

	v.send(map[string]any{"type": "unfollow"})
	assert.Equal(t, float64(0), b.expect("viewers")["count"])
	v.conn.Close()
	w := follow(t, ts, b.code)
	assert.Equal(t, float64(1), b.expect("viewers")["count"])
	w.expect("view")
	w.conn.Close()
	assert.Equal(t, float64(0), b.expect("viewers")["count"], "a closed connection leaves its room")
}

func TestSlotKeepsOnlyTheLatest(t *testing.T) {
	sl := slot{ready: make(chan struct{}, 1)}
	a, b := &room{}, &room{}
	for i := range 1000 {
		sl.offer([]byte(fmt.Sprint(i)), a) // never blocks
	}
	<-sl.ready
	assert.False(t, sl.holdsOther(a))
	assert.True(t, sl.holdsOther(b), "what it holds is a's")
	assert.Equal(t, "999", string(sl.take()))
	assert.Nil(t, sl.take())
	assert.False(t, sl.holdsOther(b), "it holds nothing")
}

// A seat taken (a claim, or a presenter's new room) is followed by a
// resync of the presenter's counts, which may come after the class has
// already changed and the new count been sent: the count is not sent
// twice. A count of the former room still unsent, which may have replaced
// the new room's, is replaced by the new room's count again.
func TestSeatResyncSendsEachCountOnce(t *testing.T) {
	srv, ts := newTestServer(t, testLimits())
	r := srv.rooms.lookup(present(t, ts, "pool").code)
	former := srv.rooms.lookup(present(t, ts, "pool").code)
	require.NotNil(t, r)
	require.NotNil(t, former)
	count := func(b []byte) (code string, n int) {
		var m struct {
			Type, Code string
			Count      int
		}
		require.NoError(t, json.Unmarshal(b, &m))
		require.Equal(t, "viewers", m.Type)
		return m.Code, m.Count
	}
	bare := func(addr string) *session { return newSession(srv, nil, addr, nil, "") }

	t.Run("a count sent before the resync", func(t *testing.T) {
		s := bare("192.0.2.1")
		require.Nil(t, r.seat(s))
		require.Nil(t, r.join(bare("192.0.2.2"))) // the class grows before the resync
		code, n := count(s.counts.take())         // and the pump sends the count
		assert.Equal(t, r.code, code)
		assert.Equal(t, 1, n)
		r.resyncPresenter(s)
		assert.Nil(t, s.counts.take(), "nothing more to send")
	})
	t.Run("a count replaced by the former room's", func(t *testing.T) {
		s := bare("192.0.2.3")
		require.Nil(t, former.seat(s))
		require.Nil(t, r.seat(s))
		require.Nil(t, r.join(bare("192.0.2.4")))      // r's count...
		require.Nil(t, former.join(bare("192.0.2.5"))) // ...replaced before it is sent
		former.unseat(s)
		r.resyncPresenter(s)
		code, n := count(s.counts.take())
		assert.Equal(t, r.code, code, "the new room's count again")
		assert.Equal(t, 2, n, "its viewer and the one before's")
	})
	t.Run("the former room's count, the reply's holding", func(t *testing.T) {
		s := bare("192.0.2.6")
		require.Nil(t, former.seat(s))
		require.Nil(t, r.seat(s))
		require.Nil(t, former.join(bare("192.0.2.7")))
		former.unseat(s)
		r.resyncPresenter(s)
		assert.Nil(t, s.counts.take(), "the room reply's count holds")
	})
}

// Listening on every interface, the page is often opened on localhost;
// the join link names the address the class can reach, as Serve prints it.
func TestJoinLinkOfAServerOnEveryInterface(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ":0", testOptions(testLimits()), func(u string) { urls <- u }) }()
	shown := <-urls
	defer func() {
		cancel()
		assert.NoError(t, <-done)
	}()
	_, port, err := net.SplitHostPort(strings.TrimSuffix(strings.TrimPrefix(shown, "http://"), "/"))
	require.NoError(t, err)
	conn, _, err := websocket.DefaultDialer.Dial("ws://localhost:"+port+"/ws", nil)
	require.NoError(t, err)
	defer conn.Close()
	c := &client{t, conn}
	c.send(map[string]any{"type": "present", "scenario": "pool"})
	m := c.expect("room")
	if lanAddress() == "" {
		assert.Equal(t, "http://localhost:"+port+"/r/"+m["code"].(string), m["url"], "without a LAN address, the page's host")
		return
	}
	assert.Equal(t, shown+"r/"+m["code"].(string), m["url"])
}
