package engine

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Reply is how the simulated internet answers a request.
type Reply struct {
	Latency time.Duration // virtual time the request takes
	Status  int           // HTTP status code (when Err is empty)
	Body    string
	Err     string // if set, the request fails with this error, e.g. "dial tcp: lookup x: no such host"
}

// Internet is the simulated internet behind HTTPGet: a table of URL to
// reply, with a default for every other URL.
type Internet struct {
	Routes  map[string]Reply
	Default Reply
}

// DefaultInternet answers every URL with 200 OK after 100ms.
func DefaultInternet() *Internet {
	return &Internet{Default: Reply{Latency: 100 * time.Millisecond, Status: http.StatusOK}}
}

func (in *Internet) reply(u string) Reply {
	if r, ok := in.Routes[u]; ok {
		return r
	}
	return in.Default
}

// HTTPGet is http.Get on the simulated internet: the goroutine waits the
// reply's latency on the virtual clock, then gets its status and body or its
// error, wrapped as net/http wraps it (Get "url": ...).
func HTTPGet(u string, pos Pos) (*http.Response, error) {
	rt, gg := enter(pos)
	in := rt.cfg.Internet
	if in == nil {
		in = DefaultInternet()
	}
	r := in.reply(u)
	recordVal(rt, Event{Kind: KindHTTP, G: gg.id, Pos: pos}, u)
	if r.Latency > 0 {
		gg.sleep.kind = timerSleep
		rt.schedule(&gg.sleep, r.Latency)
		rt.block(gg, "IO wait", 0)
	}
	if r.Err != "" {
		recordVal(rt, Event{Kind: KindHTTPDone, G: gg.id, Pos: gg.pos}, r.Err)
		return nil, &url.Error{Op: "Get", URL: u, Err: errors.New(r.Err)}
	}
	recordVal(rt, Event{Kind: KindHTTPDone, G: gg.id, Pos: gg.pos}, r.Status)
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return &http.Response{
		Status:        strconv.Itoa(r.Status) + " " + http.StatusText(r.Status),
		StatusCode:    r.Status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"text/plain; charset=utf-8"}},
		Body:          io.NopCloser(strings.NewReader(r.Body)),
		ContentLength: int64(len(r.Body)),
		Request:       req,
	}, nil
}
