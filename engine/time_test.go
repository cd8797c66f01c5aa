package engine

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVirtualTime(t *testing.T) {
	tests := []struct {
		name   string
		main   func()
		stdout string
	}{
		{
			name: "Sleep advances the virtual clock by exactly its duration",
			main: func() {
				start := Now()
				Sleep(time.Hour, P(1))
				Println(P(2), Since(start))
			},
			stdout: "1h0m0s\n",
		},
		{
			name: "sleepers wake in order of their deadlines",
			main: func() {
				var wg WaitGroup
				for _, d := range []int{3, 1, 2} {
					wg.Go(func() { Sleep(time.Duration(d)*time.Second, W(1)); Println(W(2), d) }, "main.main.func1", P(1))
				}
				wg.Wait(P(2))
			},
			stdout: "1\n2\n3\n",
		},
		{
			name: "After delivers the time after the duration",
			main: func() {
				start := Now()
				at := After(1500*time.Millisecond, P(1)).Recv1(P(1))
				Println(P(2), at.Sub(start), Since(start))
			},
			stdout: "1.5s 1.5s\n",
		},
		{
			name: "a Ticker ticks every period",
			main: func() {
				start := Now()
				tk := NewTicker(time.Second, P(1))
				for range 3 {
					tk.C.Recv1(P(2))
					Print(P(3), Since(start), " ")
				}
				tk.Stop(P(4))
			},
			stdout: "1s 2s 3s ",
		},
		{
			name: "Timer.Stop before firing: no value is ever received (Go 1.23 semantics)",
			main: func() {
				tm := NewTimer(time.Second, P(1))
				Println(P(2), tm.Stop(P(2)))
				Sleep(2*time.Second, P(3))
				Println(P(4), Select(P(4), true, Recv(tm.C)))
			},
			stdout: "true\n-1\n",
		},
		{
			name: "Timer.Reset after firing drops the stale value",
			main: func() {
				start := Now()
				tm := NewTimer(time.Second, P(1))
				Sleep(2*time.Second, P(2)) // fired, value not received
				tm.Reset(time.Second, P(3))
				tm.C.Recv1(P(4))
				Println(P(5), Since(start))
			},
			stdout: "3s\n",
		},
		{
			name: "AfterFunc runs its function in its own goroutine",
			main: func() {
				done := MakeChan[string]("done", 0, P(1))
				AfterFunc(time.Minute, func() { done.Send("fired", W(1)) }, P(2))
				Println(P(3), done.Recv1(P(3)), Since(Epoch))
			},
			stdout: "fired 1m0s\n",
		},
		{
			name: "WithTimeout cancels with DeadlineExceeded at the deadline",
			main: func() {
				ctx, cancel := WithTimeout(Background(), 1500*time.Millisecond, P(1))
				defer cancel()
				r := Recv(ctx.Done())
				switch Select(P(2), false, r, Recv(After(time.Second, P(2)))) {
				case 0:
					Println(P(3), "cancelled")
				case 1:
					Println(P(3), "work done at", Since(Epoch), ctx.Err())
				}
				ctx.Done().Recv1(P(4))
				Println(P(5), ctx.Err(), errors.Is(ctx.Err(), context.DeadlineExceeded), Since(Epoch))
			},
			stdout: "work done at 1s <nil>\ncontext deadline exceeded true 1.5s\n",
		},
		{
			name: "cancelling a parent cancels its children, with the cause",
			main: func() {
				parent, cancel := WithCancelCause(Background(), P(1))
				child, cancelChild := WithCancel(parent, P(2))
				defer cancelChild()
				cancel(errors.New("shutting down"))
				child.Done().Recv1(P(3))
				Println(P(4), child.Err(), "|", Cause(child))
			},
			stdout: "context canceled | shutting down\n",
		},
		{
			name: "WithValue carries values through cancellable contexts",
			main: func() {
				type key struct{}
				ctx, cancel := WithCancel(WithValue(Background(), key{}, "v"), P(1))
				defer cancel()
				Println(P(2), ctx.Value(key{}))
			},
			stdout: "v\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wall := time.Now()
			seeds(t, 10, tc.main, func(t *testing.T, r *Result) {
				assert.Equal(t, OutcomeOK, r.Outcome.Kind, r.Outcome.Message)
				assert.Equal(t, tc.stdout, r.Stdout)
			})
			// Thirty runs of up to an hour of virtual time each: no wall
			// time is spent waiting (a loose bound; not a performance test).
			assert.Less(t, time.Since(wall), 10*time.Second)
		})
	}
}

func TestVirtualTimeCap(t *testing.T) {
	r := run(func() { Sleep(48*time.Hour, P(1)) }, Config{})
	require.Equal(t, OutcomeLimit, r.Outcome.Kind)
	assert.Equal(t, "concviz: limit: virtual time cap reached: 24h0m0s", r.Outcome.Message)
	assert.Equal(t, ExitCodeLimit, r.Outcome.ExitCode)
}

func TestSimulatedHTTP(t *testing.T) {
	in := &Internet{
		Routes: map[string]Reply{
			"https://slow.example": {Latency: 2 * time.Second, Status: 200, Body: "hello"},
			"https://down.example": {Latency: time.Second, Err: "dial tcp: lookup down.example: no such host"},
		},
		Default: &Reply{Latency: 100 * time.Millisecond, Status: 404},
	}
	r := run(func() {
		resp, err := HTTPGet("https://slow.example", P(1))
		Println(P(2), resp.Status, resp.StatusCode, err, Since(Epoch))
		_, err = HTTPGet("https://down.example", P(3))
		Println(P(4), err)
		resp, _ = HTTPGet("https://other.example", P(5))
		Println(P(6), resp.StatusCode)
	}, Config{Internet: in})
	assert.Equal(t, OutcomeOK, r.Outcome.Kind)
	assert.Equal(t, "200 OK 200 <nil> 2s\nGet \"https://down.example\": dial tcp: lookup down.example: no such host\n404\n", r.Stdout)
}
