package server

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"
)

// ClassLimits bound what the network may take from the server: in class
// mode every device on the network reaches it, and one misbehaving laptop
// must not take the class down. Zero fields take DefaultClassLimits'.
type ClassLimits struct {
	Conns        int // WebSocket connections at once, in total
	ConnsPerAddr int // WebSocket connections at once from one address
	QueueBytes   int // bytes of replies waiting for one client before it is cut off
	ReadRate     int // bytes a second one address's WebSockets are read at, at most (bursts of a message)

	Rooms        int           // presenter rooms open at once
	RoomsPerAddr int           // rooms open at once, opened from one address
	Viewers      int           // viewers of one room
	SeatsPerAddr int           // viewers of one room from one address
	Guesses      int           // failed room lookups (and /r/, /join visits) per address per minute
	RoomIdle     time.Duration // a room closes this long after its presenter's last message
	RoomGrace    time.Duration // a room without a presenter's connection closes after this

	HeaderTimeout   time.Duration // to read a request's headers
	RequestTimeout  time.Duration // to read a whole request, and to write its answer
	IdleTimeout     time.Duration // a keep-alive connection idle this long is closed
	ShutdownTimeout time.Duration // shutting down takes at most this long
	LogEvery        time.Duration // a repeated log line is written once per this, with a count
}

// DefaultClassLimits are the limits of a server started without flags.
//
// RoomGrace is 10 minutes: a reload, a laptop waking up or a Wi-Fi drop
// gives the presenter's page its room back within seconds to minutes, while
// a room nobody presents any more frees its place (and its address's share
// of rooms) well within a lesson. RoomIdle stays long: a presenter whose page
// is open but paused through a discussion keeps the room.
var DefaultClassLimits = ClassLimits{
	Conns: 1000, ConnsPerAddr: 32, QueueBytes: 256 << 10, ReadRate: 1 << 20,
	Rooms: 1000, RoomsPerAddr: 10, Viewers: 2000, SeatsPerAddr: 10, Guesses: 10,
	RoomIdle: 2 * time.Hour, RoomGrace: 10 * time.Minute,
	HeaderTimeout: 10 * time.Second, RequestTimeout: 60 * time.Second, IdleTimeout: 60 * time.Second,
	ShutdownTimeout: 5 * time.Second, LogEvery: 10 * time.Second,
}

// withDefaults fills the zero (or negative) fields from DefaultClassLimits.
// Every field is a count or a duration, so one loop covers them all and a
// new field cannot be forgotten here.
func (l ClassLimits) withDefaults() ClassLimits {
	v, d := reflect.ValueOf(&l).Elem(), reflect.ValueOf(DefaultClassLimits)
	for i := range v.NumField() {
		if v.Field(i).Int() <= 0 {
			v.Field(i).Set(d.Field(i))
		}
	}
	return l
}

// Fixed limits, not worth a flag.
const (
	// guessWindow is the window of ClassLimits.Guesses.
	guessWindow = time.Minute
	// maxRanges is the most ranges a Range header may ask for; a request
	// with more is answered whole, as if it had none (RFC 9110 allows it).
	maxRanges = 8
	// maxHeaderBytes bounds a request's line and headers.
	maxHeaderBytes = 32 << 10
	// maxEcho is the most bytes of a client's own input an error repeats.
	maxEcho = 64
	// maxErrorText is the most bytes of an error message's text.
	maxErrorText = 400
	// closeWait bounds the writing of a close frame: a client that does not
	// read is not waited for.
	closeWait = time.Second
)

// addrKey is whom a per-address limit counts against: an IPv4 address, an
// IPv6 /64 (what one machine or one home network gets, so a machine
// cannot make itself many addresses), or every loopback IPv4 address as
// one (127/8 is all this machine).
func addrKey(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	switch {
	case ip == nil:
		return host
	case ip.To4() != nil && ip.IsLoopback():
		return "127.0.0.0/8"
	case ip.To4() != nil:
		return ip.To4().String()
	default:
		return (&net.IPNet{IP: ip.Mask(net.CIDRMask(64, 128)), Mask: net.CIDRMask(64, 128)}).String()
	}
}

// connCounter counts open connections, in total and per address, and
// meters what each address sends.
type connCounter struct {
	mu     sync.Mutex
	total  int
	byAddr map[string]*addrState
}

// addrState is one address's connections and its share of the read rate.
type addrState struct {
	conns int
	meter tokenBucket // in bytes
}

// acquire takes a place for a connection from key, or answers why not
// with an HTTP status and a sentence. wait, called with each message's
// size, returns how long to wait before reading on: a client sending
// faster than the read rate is slowed by TCP itself, whatever its number
// of connections, and costs no memory.
func (c *connCounter) acquire(key string, lim ClassLimits) (release func(), wait func(n int) time.Duration, status int, why string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.total >= lim.Conns {
		return nil, nil, http.StatusServiceUnavailable, fmt.Sprintf("The server already has its maximum of %d connections: try again in a moment.", lim.Conns)
	}
	st := c.byAddr[key]
	if st != nil && st.conns >= lim.ConnsPerAddr {
		return nil, nil, http.StatusTooManyRequests, fmt.Sprintf("This address already has %d connections open: close some tabs of this page.", lim.ConnsPerAddr)
	}
	if c.byAddr == nil {
		c.byAddr = map[string]*addrState{}
	}
	if st == nil {
		rate := float64(lim.ReadRate)
		st = &addrState{meter: tokenBucket{capacity: max(rate, maxMessage), perSecond: rate}}
		c.byAddr[key] = st
	}
	c.total++
	st.conns++
	var once sync.Once
	release = func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.total--
			if st.conns--; st.conns <= 0 {
				delete(c.byAddr, key)
			}
		})
	}
	wait = func(n int) time.Duration {
		c.mu.Lock()
		defer c.mu.Unlock()
		return st.meter.debt(time.Now(), float64(max(n, minMessageCost)))
	}
	return release, wait, 0, ""
}

// minMessageCost is what the read rate charges a message at least: every
// message is parsed and answered, so a flood of tiny ones (guesses, each
// answered with an error) is slowed like bytes are, at 1024 messages a
// second per address with the default -read-rate.
const minMessageCost = 1 << 10

// guessLimiter counts, per address, the room lookups that could tell a
// guessed code: failed follows, wrong secrets, and every /r/ and /join
// visit. Past the limit in a window, every lookup from the address is
// refused, a right code too, or the refusal itself would tell a guess.
type guessLimiter struct {
	limit int
	mu    sync.Mutex
	times map[string][]time.Time // per address, oldest first, at most limit
}

func newGuessLimiter(limit int) *guessLimiter {
	return &guessLimiter{limit: limit, times: map[string][]time.Time{}}
}

// prune drops what is older than the window, and the address once empty,
// so the map holds only addresses that failed in the last minute.
func (g *guessLimiter) prune(key string, now time.Time) []time.Time {
	ts := g.times[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= guessWindow {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(g.times, key)
	} else {
		g.times[key] = ts
	}
	return ts
}

// limited reports whether key must wait before naming rooms again.
func (g *guessLimiter) limited(key string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.prune(key, now)) >= g.limit
}

// add counts one lookup from key.
func (g *guessLimiter) add(key string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if ts := g.prune(key, now); len(ts) < g.limit {
		g.times[key] = append(ts, now)
	}
}

// refusal is the error for a limited address.
func (g *guessLimiter) refusal() *protoError {
	return badf(codeRateLimited, "more than %d unknown rooms or wrong secrets in a minute from this address: wait", g.limit)
}

// clip shortens s to at most n bytes, on a character boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// limitRanges answers a request asking for more than maxRanges ranges
// whole: a header of thousands of one-byte ranges costs the server far
// more than the file.
func limitRanges(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rg := r.Header.Get("Range"); strings.Count(rg, ",") >= maxRanges {
			r.Header.Del("Range")
		}
		next.ServeHTTP(w, r)
	})
}

// BuildLimits bound what building programs from the page may take: a
// program from a browser is untrusted input, and compiling it costs the
// machine about a second of CPU. Zero fields take DefaultBuildLimits'.
type BuildLimits struct {
	Source     int           // bytes of a program's source
	Wall       time.Duration // wall-clock time of one build, type-checking and go build included
	Memory     int64         // resident memory of one build's processes together (the compiler and linker too), in bytes
	Concurrent int           // builds at once
	PerAddr    int           // builds queued or under way from one address
	Queue      time.Duration // how long a build waits for a free slot before it is refused
	CacheBytes int64         // disk the built programs take; the least recently used are removed beyond it
	Programs   int           // built programs the server remembers (their sources and knobs), least recently used forgotten
}

// DefaultBuildLimits are the build limits of a server started without flags.
//
// Two builds at once keep one core free for runs on a two-core laptop; a
// build takes about a second, so a queue of 20 s serves a class pressing Run
// together, and one build at a time per address leaves the queue to the
// others. 64 KiB of source is a long program (the catalog's longest is
// under 4 KiB) and the WebSocket's message limit. A built program takes
// about 4.5 MiB on disk, so 1 GiB keeps about 200.
var DefaultBuildLimits = BuildLimits{
	Source: 64 << 10, Wall: 30 * time.Second, Memory: 1 << 30, Concurrent: 2, PerAddr: 1, Queue: 20 * time.Second,
	CacheBytes: 1 << 30, Programs: 500,
}

// withDefaults fills the zero (or negative) fields from DefaultBuildLimits.
func (l BuildLimits) withDefaults() BuildLimits {
	v, d := reflect.ValueOf(&l).Elem(), reflect.ValueOf(DefaultBuildLimits)
	for i := range v.NumField() {
		if v.Field(i).Int() <= 0 {
			v.Field(i).Set(d.Field(i))
		}
	}
	return l
}

// EditMode says who may build and run programs of their own: nobody, the
// browsers on the server's own machine, or everyone who reaches the server.
type EditMode string

// Edit modes, the -edit flag's values.
const (
	EditOff   EditMode = "off"   // only the catalog runs
	EditLocal EditMode = "local" // connections from a loopback address build; everyone runs what they built
	EditAll   EditMode = "all"   // everyone builds
)

// DefaultEditMode is local whatever the address: on a LAN the teacher edits
// and presents, and the class runs what the teacher built, but thirty
// laptops cannot make the server compile thirty programs a second; on a
// loopback address local is everyone who can connect anyway.
const DefaultEditMode = EditLocal

// ParseEditMode reads an -edit value.
func ParseEditMode(s string) (EditMode, error) {
	switch m := EditMode(s); m {
	case EditOff, EditLocal, EditAll:
		return m, nil
	}
	return "", errors.New("want off, local or all")
}

// mayBuild says whether a request from remote may build a new program under
// mode, and if not, why, as a sentence.
func (m EditMode) mayBuild(remote string) (bool, string) {
	switch m {
	case EditAll:
		return true, ""
	case EditLocal:
		host, _, err := net.SplitHostPort(remote)
		if err != nil {
			host = remote
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			return true, ""
		}
		return false, "This server builds programs only for browsers on its own machine (concviz serve -edit=local): run the catalog's programs, or ask whoever started it for -edit=all."
	}
	return false, "This server runs only the catalog's programs (concviz serve -edit=off): start it with -edit=local or -edit=all to run your own."
}
