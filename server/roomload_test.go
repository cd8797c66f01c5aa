package server

import (
	"encoding/json"
	"math/rand/v2"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fanout is one measured classroom: a presenter stepping through a run,
// viewers following it, and some viewers that never read.
type fanout struct {
	viewers, stalled int
	duration         time.Duration // how long the presenter keeps publishing
}

// fanoutResult is what the viewers saw.
type fanoutResult struct {
	published int             // views the presenter published
	received  int             // distinct views the reading viewers received, all told
	delays    []time.Duration // presenter's send to a viewer's receipt, per view and viewer
}

// receipt is a view a viewer received, and when.
type receipt struct {
	step int64
	at   time.Time
}

// run plays the classroom against ts and returns once every reading
// viewer has received the presenter's final view; it fails the test if
// one never does, and never on timing.
func (f fanout) run(tb testing.TB, ts *httptest.Server) fanoutResult {
	tb.Helper()
	p := present(tb, ts, "pool")
	for range f.stalled {
		c := dialStalled(tb, ts, 128<<10)
		c.send(map[string]any{"type": "follow", "code": p.code})
	}
	var (
		final    atomic.Int64 // the step of the last view, once it is sent
		wg       sync.WaitGroup
		receipts = make([][]receipt, f.viewers)
		failures = make(chan error, f.viewers)
	)
	for i := range f.viewers {
		v := follow(tb, ts, p.code)
		wg.Go(func() {
			defer v.conn.Close()
			for {
				v.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
				_, b, err := v.conn.ReadMessage()
				at := time.Now()
				if err != nil {
					failures <- err
					return
				}
				var m struct {
					Type string
					View struct{ Step int64 }
				}
				if err := json.Unmarshal(b, &m); err != nil {
					failures <- err
					return
				}
				if m.Type != "view" {
					continue
				}
				receipts[i] = append(receipts[i], receipt{m.View.Step, at})
				if f := final.Load(); f != 0 && m.View.Step == f {
					return
				}
			}
		})
	}
	// Everyone is in before the presenter starts.
	for n := 0.0; n < float64(f.viewers+f.stalled); {
		n = p.expect("viewers")["count"].(float64)
	}

	view := poolView(0)
	msg := map[string]any{"type": "view", "code": p.code, "secret": p.secret, "view": view}
	var sent []time.Time // sent[s-1]: when the view of step s was sent
	for start := time.Now(); ; {
		step := int64(len(sent) + 1)
		last := time.Since(start) >= f.duration
		if last {
			final.Store(step)
		}
		view["step"] = step
		sent = append(sent, time.Now())
		p.send(msg)
		if last {
			break
		}
		time.Sleep(100*time.Millisecond + rand.N(100*time.Millisecond))
	}
	wg.Wait()
	close(failures)
	for err := range failures {
		require.NoError(tb, err, "a viewer stopped before the final view")
	}

	res := fanoutResult{published: len(sent)}
	for _, rs := range receipts {
		require.NotEmpty(tb, rs)
		require.Equal(tb, int64(len(sent)), rs[len(rs)-1].step, "every viewer ends on the final view")
		seen := map[int64]bool{}
		for _, r := range rs {
			if r.step < 1 || r.step > int64(len(sent)) {
				tb.Fatalf("a viewer received step %d, which was never published", r.step)
			}
			if !seen[r.step] {
				seen[r.step] = true
				res.delays = append(res.delays, r.at.Sub(sent[r.step-1]))
			}
		}
		res.received += len(seen)
	}
	slices.Sort(res.delays)
	return res
}

// delivered is the fraction of (view, reading viewer) pairs delivered.
func (r fanoutResult) delivered(viewers int) float64 {
	return float64(r.received) / float64(r.published*viewers)
}

func (r fanoutResult) percentile(p float64) time.Duration {
	return r.delays[min(len(r.delays)-1, int(float64(len(r.delays))*p))]
}

// A class follows a presenter through a run while some viewers never read:
// every reading viewer ends on the presenter's final view.
func TestRoomFanout(t *testing.T) {
	_, ts := newTestServer(t, testLimits())
	f := fanout{viewers: 50, stalled: 3, duration: 2 * time.Second}
	res := f.run(t, ts)
	t.Logf("%d views to %d viewers: p50 %v, p99 %v, max %v, delivered %.3f", res.published, f.viewers,
		res.percentile(0.5), res.percentile(0.99), res.percentile(1), res.delivered(f.viewers))
}

// BenchmarkRoomFanout measures, over loopback, a presenter publishing a
// step change every 100 to 200 ms for 10 s to 500 viewers, plus 5 that
// never read: the delay from the presenter's send to each viewer's
// receipt (p50, p99, max; target p99 <= 250 ms) and the fraction of views
// delivered (skipping is allowed, but should be rare at this rate). One
// iteration is one classroom; run it with -benchtime=1x.
func BenchmarkRoomFanout(b *testing.B) {
	_, ts := newTestServer(b, testLimits())
	f := fanout{viewers: 500, stalled: 5, duration: 10 * time.Second}
	var all fanoutResult
	for b.Loop() {
		res := f.run(b, ts)
		all.published += res.published
		all.received += res.received
		all.delays = append(all.delays, res.delays...)
	}
	slices.Sort(all.delays)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(all.percentile(0.5)), "p50-ms")
	b.ReportMetric(ms(all.percentile(0.99)), "p99-ms")
	b.ReportMetric(ms(all.percentile(1)), "max-ms")
	b.ReportMetric(all.delivered(f.viewers), "delivered")
	b.ReportMetric(float64(all.published)/float64(b.N), "views/op")
}
