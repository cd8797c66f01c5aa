package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/concviz/concviz/server"
)

// serveConfig is what serve's flags set.
type serveConfig struct {
	addr     string
	open     bool
	origins  stringList
	run      server.Limits
	class    server.ClassLimits
	memMiB   int64
	cache    int64 // MiB
	edit     editFlag
	build    server.BuildLimits
	buildMiB int64 // the build cache, in MiB
	buildMem int64 // a build's memory, in MiB
}

// editFlag is -edit: off, local or all.
type editFlag server.EditMode

func (e *editFlag) String() string { return string(*e) }
func (e *editFlag) Set(v string) error {
	m, err := server.ParseEditMode(v)
	*e = editFlag(m)
	return err
}

// serveFlags declares serve's flags, each defaulting to the server's own
// default, so a default is written once.
func serveFlags(stderr io.Writer) (*flag.FlagSet, *serveConfig) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &serveConfig{run: server.DefaultLimits, class: server.DefaultClassLimits,
		edit: editFlag(server.DefaultEditMode), build: server.DefaultBuildLimits}
	fs.StringVar(&c.addr, "addr", defaultAddr(), "address to listen on (PORT is honoured when -addr is not given)")
	fs.BoolVar(&c.open, "open", false, "open the page in the default browser")
	fs.Var(&c.origins, "allow-origin", "an origin allowed to use the WebSocket besides the page's own, whose host the server also answers to (repeatable; * for any)")
	lim, cl := &c.run, &c.class
	fs.DurationVar(&lim.Wall, "run-timeout", lim.Wall, "wall-clock limit of one run")
	fs.Int64Var(&c.memMiB, "run-memory", lim.Memory>>20, "memory limit of one run's process, in MiB")
	fs.IntVar(&lim.Events, "run-events", lim.Events, "event limit of one run")
	fs.IntVar(&lim.Concurrent, "runs", lim.Concurrent, "runs at once; more wait in a queue")
	fs.DurationVar(&lim.Queue, "run-queue", lim.Queue, "how long a run waits for a free slot before it is refused")
	fs.DurationVar(&lim.Explore, "explore-timeout", lim.Explore, "wall-clock limit of one exploration of a program's schedules (the page's What can happen?)")
	fs.Int64Var(&c.cache, "cache", server.DefaultCacheBytes>>20, "run cache size, in MiB")
	fs.IntVar(&cl.Conns, "conns", cl.Conns, "WebSocket connections at once, in total")
	fs.IntVar(&cl.ConnsPerAddr, "conns-per-addr", cl.ConnsPerAddr, "WebSocket connections at once from one address (an IPv6 /64 is one address)")
	fs.IntVar(&cl.ReadRate, "read-rate", cl.ReadRate, "bytes a second the WebSockets of one address are read at, at most; a faster sender is slowed down")
	fs.IntVar(&cl.QueueBytes, "client-queue", cl.QueueBytes, "bytes of unread replies after which a client is cut off")
	fs.IntVar(&cl.Rooms, "rooms", cl.Rooms, "presenter rooms open at once")
	fs.IntVar(&cl.RoomsPerAddr, "rooms-per-addr", cl.RoomsPerAddr, "rooms open at once from one address")
	fs.IntVar(&cl.Viewers, "room-viewers", cl.Viewers, "viewers of one room")
	fs.IntVar(&cl.SeatsPerAddr, "seats-per-addr", cl.SeatsPerAddr, "viewers of one room from one address")
	fs.IntVar(&cl.Guesses, "room-guesses", cl.Guesses, "unknown room codes, wrong secrets and join links per address per minute")
	fs.DurationVar(&cl.RoomIdle, "room-idle", cl.RoomIdle, "how long a room stays open without a message from its presenter")
	fs.DurationVar(&cl.RoomGrace, "room-grace", cl.RoomGrace, "how long a room stays open once no connection presents it")
	fs.DurationVar(&cl.HeaderTimeout, "header-timeout", cl.HeaderTimeout, "time to read a request's headers")
	fs.DurationVar(&cl.RequestTimeout, "request-timeout", cl.RequestTimeout, "time to read a whole request, and to write its answer (not the WebSocket)")
	fs.DurationVar(&cl.IdleTimeout, "idle-timeout", cl.IdleTimeout, "an idle keep-alive connection is closed after this")
	fs.DurationVar(&cl.ShutdownTimeout, "shutdown-timeout", cl.ShutdownTimeout, "shutting down takes at most this long")
	fs.DurationVar(&cl.LogEvery, "log-every", cl.LogEvery, "a repeated log line is written once per this, with a count")
	b := &c.build
	fs.Var(&c.edit, "edit", "who may build and run programs of their own: off (nobody), local (browsers on this machine; everyone runs what they built) or all")
	fs.IntVar(&b.Source, "build-source", b.Source, "bytes of a program's source, at most")
	fs.DurationVar(&b.Wall, "build-timeout", b.Wall, "wall-clock limit of one build")
	fs.Int64Var(&c.buildMem, "build-memory", b.Memory>>20, "memory limit of one build's processes together (the compiler and linker too), in MiB")
	fs.IntVar(&b.Concurrent, "builds", b.Concurrent, "builds at once; more wait in a queue")
	fs.IntVar(&b.PerAddr, "builds-per-addr", b.PerAddr, "builds queued or under way from one address")
	fs.DurationVar(&b.Queue, "build-queue", b.Queue, "how long a build waits for a free slot before it is refused")
	fs.Int64Var(&c.buildMiB, "build-cache", b.CacheBytes>>20, "disk the built programs take, in MiB; the least recently used are removed beyond it")
	fs.IntVar(&b.Programs, "build-programs", b.Programs, "built programs the server remembers; the least recently used are forgotten")
	return fs, c
}

// serveCmd starts the visualizer's server and serves until SIGINT or SIGTERM.
func serveCmd(args []string, stdout, stderr io.Writer) int {
	fs, c := serveFlags(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsageErr
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "concviz serve: unexpected argument %q\n", fs.Arg(0))
		return exitUsageErr
	}
	if !c.check(fs) {
		fmt.Fprintln(stderr, "concviz serve: limits must be positive")
		return exitUsageErr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return c.serve(ctx, stdout, stderr, func(url string) {
		if c.open {
			openBrowser(url, slog.New(slog.NewTextHandler(stderr, nil)))
		}
	})
}

// check completes the configuration once its flags are parsed, and reports
// whether every limit set is positive.
func (c *serveConfig) check(fs *flag.FlagSet) bool {
	c.run.Memory = c.memMiB << 20
	c.build.CacheBytes = c.buildMiB << 20
	c.build.Memory = c.buildMem << 20
	positive := true
	fs.Visit(func(f *flag.Flag) {
		if g, ok := f.Value.(flag.Getter); ok {
			switch v := g.Get().(type) {
			case int:
				positive = positive && v > 0
			case int64:
				positive = positive && v > 0
			case time.Duration:
				positive = positive && v > 0
			}
		}
	})
	return positive && c.run.Memory > 0 && c.cache > 0 && c.build.CacheBytes > 0 && c.build.Memory > 0
}

// serve serves until ctx ends, calling ready with the URL once listening,
// and returns the exit code.
func (c *serveConfig) serve(ctx context.Context, stdout, stderr io.Writer, ready func(url string)) int {
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	builder := server.NewBuilder(c.build, nil, "")
	opts := server.Options{Limits: c.run, Class: c.class, CacheBytes: c.cache << 20, AllowOrigins: c.origins, Logger: logger,
		Edit: server.EditMode(c.edit), Builder: builder, Page: page(builder.Lookup)}
	err := server.Serve(ctx, c.addr, opts, func(url string) {
		fmt.Fprintf(stdout, "concviz: serving on %s\n", url)
		logger.Info("listening", "addr", c.addr, "url", url)
		if opts.Edit != server.EditOff {
			// The first build after installing compiles the engine, about
			// 20 s: better now than when someone presses Run.
			go func() {
				if err := builder.Warm(ctx); err != nil && ctx.Err() == nil {
					logger.Warn("programs from the page will not build", "err", err)
				}
			}()
		}
		ready(url)
	})
	if err != nil {
		fmt.Fprintf(stderr, "concviz serve: %v\n", err)
		return exitFailure
	}
	logger.Info("shut down")
	return exitOK
}

func defaultAddr() string {
	if p := os.Getenv("PORT"); p != "" {
		return "127.0.0.1:" + p
	}
	return "127.0.0.1:8080"
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func openBrowser(url string, logger *slog.Logger) {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		logger.Warn("could not open a browser", "err", err)
		return
	}
	go func() {
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(time.Minute):
		}
	}()
}
