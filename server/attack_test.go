package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// attackServerEnv makes the test binary a server with the default class
// limits on 127.0.0.1 and [::1] (see TestMain), so that its memory is
// measured alone.
const attackServerEnv = "CONCVIZ_ATTACK_SERVER"

// attackServer serves until stdin closes. It prints its two base URLs.
func attackServer() int {
	o := testOptions(testLimits())
	o.Class = ClassLimits{} // the defaults, as `concviz serve` has them
	// The normal client runs a new seed each time, and the run cache keeps
	// every log up to its own budget (-cache, 256 MiB): a small cache keeps
	// that growth, bounded separately, out of what the attacks are charged.
	o.CacheBytes = 1 << 20
	var lns []net.Listener
	for _, a := range []string{"127.0.0.1:0", "[::1]:0"} {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		lns = append(lns, ln)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	err := serveOn(ctx, lns, o, func() {
		fmt.Printf("http://%s http://%s\n", lns[0].Addr(), lns[1].Addr())
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// target is the attacked server: v4 is the attackers' address, v6 the
// normal client's.
type target struct {
	v4, v6 string
	pid    int
}

// rss is the server's resident memory, in bytes.
func (tg target) rss(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(tg.pid) + "/status")
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

func startAttackServer(t *testing.T) target {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), attackServerEnv+"=1", "GORACE=atexit_sleep_ms=0")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		stdin.Close() // the server shuts down
		assert.NoError(t, cmd.Wait(), "the server shut down cleanly")
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	urls := strings.Fields(line)
	require.Len(t, urls, 2)
	return target{v4: urls[0], v6: urls[1], pid: cmd.Process.Pid}
}

func wsURL(base string) string { return "ws" + strings.TrimPrefix(base, "http") + "/ws" }

// normalClient runs the pool with a new seed again and again from the
// normal client's address until stop, and returns each run's time from
// request to outcome.
func normalClient(t *testing.T, base string, stop <-chan struct{}) []time.Duration {
	conn, _, err := websocket.DefaultDialer.Dial(wsURL(base), nil)
	if err != nil {
		t.Errorf("the normal client cannot connect: %v", err)
		return nil
	}
	defer conn.Close()
	var out []time.Duration
	for seed := rand.Uint64N(1 << 40); !stopped(stop); seed++ {
		start := time.Now()
		if err := conn.WriteJSON(map[string]any{"type": "run", "scenario": "pool", "seed": seed}); err != nil {
			t.Errorf("the normal client: %v", err)
			return out
		}
		for {
			var m msg
			conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			if err := conn.ReadJSON(&m); err != nil {
				t.Errorf("the normal client: %v", err)
				return out
			}
			if m["type"] == "error" {
				t.Errorf("the normal client's run failed: %v", m)
				return out
			}
			if m["type"] == "outcome" {
				break
			}
		}
		out = append(out, time.Since(start))
		time.Sleep(60 * time.Millisecond) // within the runs a second a connection may start
	}
	return out
}

// stopped reports whether stop is closed, for an attack's loop to end.
func stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// during runs attack for d while the normal client runs, and returns the
// normal client's run times, sorted.
func during(t *testing.T, tg target, d time.Duration, attack func(stop <-chan struct{})) []time.Duration {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { attack(stop) })
	var times []time.Duration
	wg.Go(func() { times = normalClient(t, tg.v6, stop) })
	time.Sleep(d)
	close(stop)
	wg.Wait()
	slices.Sort(times)
	return times
}

func pct(d []time.Duration, p float64) time.Duration { return d[min(len(d)-1, int(float64(len(d))*p))] }

// TestAttacks reproduces issue 17's attacks against a real server (its
// own process, default limits) on 127.0.0.1, with a normal client on
// [::1], and shows each limit holding. It takes about a minute: run it
// with CONCVIZ_LOAD=1 go test -run Attacks -v ./server/.
func TestAttacks(t *testing.T) {
	if testing.Short() || os.Getenv("CONCVIZ_LOAD") == "" {
		t.Skip("the attack load test runs with CONCVIZ_LOAD=1 (about a minute)")
	}
	tg := startAttackServer(t)
	def := DefaultClassLimits
	report := func(name string, times []time.Duration) {
		require.NotEmpty(t, times)
		t.Logf("%s: normal client's runs: %d, p50 %v, p99 %v, max %v", name, len(times), pct(times, 0.5), pct(times, 0.99), pct(times, 1))
		assert.LessOrEqual(t, pct(times, 0.99), 250*time.Millisecond, "%s: p99 of a normal client's run", name)
	}
	report("quiet", during(t, tg, 3*time.Second, func(<-chan struct{}) {}))

	t.Run("25 flooding clients that never read", func(t *testing.T) {
		base := tg.rss(t)
		var peak atomic.Int64
		var dropped, refused atomic.Int64
		junk := []byte(`{"type":"` + strings.Repeat("x", maxMessage-20) + `"}`)
		times := during(t, tg, 15*time.Second, func(stop <-chan struct{}) {
			var wg sync.WaitGroup
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					case <-time.After(100 * time.Millisecond):
						if r := tg.rss(t); r > peak.Load() {
							peak.Store(r)
						}
					}
				}
			})
			for range 25 {
				wg.Go(func() {
					for {
						conn, _, err := websocket.DefaultDialer.Dial(wsURL(tg.v4), nil)
						if err != nil {
							refused.Add(1)
							select {
							case <-stop:
								return
							case <-time.After(100 * time.Millisecond):
								continue
							}
						}
						for err == nil {
							select {
							case <-stop:
								conn.Close()
								return
							case <-time.After(10 * time.Millisecond):
							}
							err = conn.WriteMessage(websocket.TextMessage, junk)
						}
						dropped.Add(1)
						conn.Close()
					}
				})
			}
			wg.Wait()
		})
		grew := peak.Load() - base
		t.Logf("RSS %d MiB before, peak %d MiB: %.1f MiB over the baseline; connections dropped %d, refused %d",
			base>>20, peak.Load()>>20, float64(grew)/(1<<20), dropped.Load(), refused.Load())
		assert.Less(t, grew, int64(64<<20), "25 flooding clients cost under 64 MB")
		report("flood", times)
	})

	// A room on the normal client's address, for the attackers to look for.
	p, _, err := websocket.DefaultDialer.Dial(wsURL(tg.v6), nil)
	require.NoError(t, err)
	defer p.Close()
	require.NoError(t, p.WriteJSON(map[string]any{"type": "present", "scenario": "pool"}))
	var room msg
	require.NoError(t, p.ReadJSON(&room))
	require.Equal(t, "room", room["type"])
	code := room["code"].(string)

	t.Run("filling rooms and seats from one address", func(t *testing.T) {
		var rooms, seats, busy, refused atomic.Int64
		times := during(t, tg, 5*time.Second, func(stop <-chan struct{}) {
			var wg sync.WaitGroup
			for i := range 51 { // 127.0.0.1 to 127.0.0.51: one machine
				wg.Go(func() {
					d := websocket.Dialer{NetDialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(1+i))}}).DialContext}
					var held []*websocket.Conn
					defer func() {
						<-stop
						for _, c := range held {
							c.Close()
						}
					}()
					for range 40 {
						if stopped(stop) {
							return
						}
						conn, _, err := d.Dial(wsURL(tg.v4), nil)
						if err != nil {
							refused.Add(1)
							continue
						}
						held = append(held, conn)
						for _, req := range []map[string]any{{"type": "present", "scenario": "pool"}, {"type": "follow", "code": code}} {
							conn.WriteJSON(req)
							var m msg
							if conn.ReadJSON(&m) != nil {
								break
							}
							switch {
							case m["type"] == "room" && m["role"] == "presenter":
								rooms.Add(1)
							case m["type"] == "room":
								seats.Add(1)
							case m["code"] == "busy":
								busy.Add(1)
							}
						}
					}
				})
			}
			wg.Wait()
		})
		t.Logf("from 51 loopback addresses: %d rooms opened, %d seats taken, %d refused busy, %d connections refused", rooms.Load(), seats.Load(), busy.Load(), refused.Load())
		assert.LessOrEqual(t, rooms.Load(), int64(def.RoomsPerAddr))
		assert.LessOrEqual(t, seats.Load(), int64(def.SeatsPerAddr))
		report("filling", times)
	})

	t.Run("guessing codes on many connections and links", func(t *testing.T) {
		var checked, limited, refused atomic.Int64
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		start := time.Now()
		times := during(t, tg, 5*time.Second, func(stop <-chan struct{}) {
			var wg sync.WaitGroup
			for range 40 { // a new connection every 5 guesses
				wg.Go(func() {
					for !stopped(stop) {
						conn, _, err := websocket.DefaultDialer.Dial(wsURL(tg.v4), nil)
						if err != nil {
							refused.Add(1)
							time.Sleep(10 * time.Millisecond)
							continue
						}
						for range 5 {
							conn.WriteJSON(map[string]any{"type": "follow", "code": fmt.Sprintf("%08d", rand.IntN(1e8))})
							var m msg
							if conn.ReadJSON(&m) != nil {
								break
							}
							switch m["code"] {
							case "unknown_room":
								checked.Add(1)
							case "rate_limited":
								limited.Add(1)
							}
						}
						conn.Close()
					}
				})
			}
			for range 4 {
				wg.Go(func() {
					for !stopped(stop) {
						resp, err := noRedirect.Get(tg.v4 + "/r/" + fmt.Sprintf("%08d", rand.IntN(1e8)))
						if err != nil {
							continue
						}
						resp.Body.Close()
						if resp.StatusCode == http.StatusSeeOther {
							checked.Add(1)
						} else {
							limited.Add(1)
						}
					}
				})
			}
			wg.Wait()
		})
		el := time.Since(start)
		t.Logf("in %v: %d lookups answered, %d refused as rate_limited, %d connections refused", el.Round(time.Millisecond), checked.Load(), limited.Load(), refused.Load())
		assert.LessOrEqual(t, checked.Load(), int64(def.Guesses), "one address, any number of connections: at most %d lookups a minute", def.Guesses)
		assert.Positive(t, limited.Load())
		// The normal client's address still finds the room.
		v, _, err := websocket.DefaultDialer.Dial(wsURL(tg.v6), nil)
		require.NoError(t, err)
		defer v.Close()
		require.NoError(t, v.WriteJSON(map[string]any{"type": "follow", "code": code}))
		var m msg
		require.NoError(t, v.ReadJSON(&m))
		assert.Equal(t, "room", m["type"], "%v", m)
		report("guessing", times)
	})

	t.Run("DNS rebinding", func(t *testing.T) {
		_, resp, err := websocket.DefaultDialer.Dial(wsURL(tg.v4), http.Header{"Host": {"evil.example"}, "Origin": {"http://evil.example"}})
		require.Error(t, err)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	})
}
