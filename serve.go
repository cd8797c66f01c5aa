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

// serveCmd starts the visualizer's server and serves until SIGINT or SIGTERM.
func serveCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", defaultAddr(), "address to listen on (PORT is honoured when -addr is not given)")
	open := fs.Bool("open", false, "open the page in the default browser")
	var origins stringList
	fs.Var(&origins, "allow-origin", "an origin allowed to use the WebSocket besides the page's own (repeatable; * for any)")
	lim := server.DefaultLimits
	fs.DurationVar(&lim.Wall, "run-timeout", lim.Wall, "wall-clock limit of one run")
	mem := fs.Int64("run-memory", lim.Memory>>20, "memory limit of one run's process, in MiB")
	fs.IntVar(&lim.Events, "run-events", lim.Events, "event limit of one run")
	fs.IntVar(&lim.Concurrent, "runs", lim.Concurrent, "runs at once; more wait in a queue")
	fs.DurationVar(&lim.Queue, "run-queue", lim.Queue, "how long a run waits for a free slot before it is refused")
	cache := fs.Int64("cache", 256, "run cache size, in MiB")
	roomIdle := fs.Duration("room-idle", 2*time.Hour, "how long a presenter's room stays open without a message from the presenter")
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
	lim.Memory = *mem << 20
	if lim.Wall <= 0 || lim.Memory <= 0 || lim.Events <= 0 || lim.Concurrent <= 0 || *cache <= 0 || *roomIdle <= 0 {
		fmt.Fprintln(stderr, "concviz serve: limits must be positive")
		return exitUsageErr
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := server.Options{Limits: lim, CacheBytes: *cache << 20, AllowOrigins: origins, Logger: logger, Page: page(), RoomIdle: *roomIdle}
	err := server.Serve(ctx, *addr, opts, func(url string) {
		fmt.Fprintf(stdout, "concviz: serving on %s\n", url)
		logger.Info("listening", "addr", *addr, "url", url)
		if *open {
			openBrowser(url, logger)
		}
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
