package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/concviz/concviz/server"
)

// openUsage is the synopsis of "concviz open".
const openUsage = `open FILE.go [serve's flags]`

// openCmd is "concviz open FILE.go" (and "concviz FILE.go"): it builds the
// program on the server at -addr, starting one in this process when none
// listens there, and opens the browser on the program's page. A server it
// started serves until SIGINT or SIGTERM, as serve does.
func openCmd(args []string, stdout, stderr io.Writer) int {
	fs, c := serveFlags(stderr)
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return exitOK
			}
			return exitUsageErr
		}
		if fs.NArg() == 0 {
			break
		}
		files, args = append(files, fs.Arg(0)), fs.Args()[1:]
	}
	if len(files) != 1 || !strings.HasSuffix(files[0], ".go") {
		fmt.Fprintf(stderr, "concviz open: want one FILE.go, got %q (usage: concviz %s)\n", files, openUsage)
		return exitUsageErr
	}
	if !c.check(fs) {
		fmt.Fprintln(stderr, "concviz open: limits must be positive")
		return exitUsageErr
	}
	file := files[0]
	src, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(stderr, "concviz open: %v\n", err)
		return exitFailure
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	base, err := localBase(c.addr)
	if err != nil {
		fmt.Fprintf(stderr, "concviz open: -addr %s: %v\n", c.addr, err)
		return exitUsageErr
	}
	served := make(chan int, 1)
	started := !listening(c.addr)
	if started {
		ready := make(chan struct{})
		go func() { served <- c.serve(ctx, stdout, stderr, func(string) { close(ready) }) }()
		select {
		case <-ready:
		case code := <-served:
			return code
		}
	}
	// The server runs until the signal when this process started it, else
	// the command is done once the browser is on its way.
	finish := func(code int) int {
		if !started {
			return code
		}
		if code != exitOK {
			stop()
		}
		if served := <-served; code == exitOK {
			return served
		}
		return code
	}
	fmt.Fprintf(stderr, "concviz: building %s\n", file)
	if err := buildOn(ctx, base, src, file, stderr); err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return finish(exitFailure)
	}
	url := server.ProgramURL(base, src, nil)
	fmt.Fprintf(stdout, "concviz: opening %s\n", url)
	browse(url, slog.New(slog.NewTextHandler(stderr, nil)))
	return finish(exitOK)
}

// browse opens a page in the browser; tests replace it.
var browse = openBrowser

// localBase is the URL this machine reaches the server on addr at: loopback
// when addr listens on every interface, so that the build counts as local.
func localBase(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/", nil
}

// listening reports whether something accepts connections on addr.
func listening(addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "" {
		host = "127.0.0.1"
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(host, port), time.Second)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// buildOn builds src on the server at base (POST /build), saying what it
// waits for on the way; a program that does not compile is an error in Go's
// words, at file's line.
func buildOn(ctx context.Context, base string, src []byte, file string, stderr io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"build", strings.NewReader(string(src)))
	if err != nil {
		return fmt.Errorf("concviz open: %w", err)
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("concviz open: %w", err)
	}
	defer resp.Body.Close()
	type line struct {
		State string `json:"state"`
		Error *struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	sc := bufio.NewScanner(resp.Body)
	var last line
	for sc.Scan() {
		if err := json.Unmarshal(sc.Bytes(), &last); err != nil || last.State == "" {
			return fmt.Errorf("concviz open: %s answers, but not as a concviz server that builds programs does (%s): choose another -addr", base, resp.Status)
		}
		if last.State == "queued" {
			fmt.Fprintln(stderr, "concviz: waiting for a build slot")
		}
	}
	switch {
	case last.State == "ready":
		return nil
	case last.Error != nil:
		// The server names the program main.go; the user knows it by its path.
		msg, ok := strings.CutPrefix(last.Error.Message, "main.go:")
		if ok {
			return errors.New(file + ":" + msg)
		}
		return errors.New("concviz open: " + last.Error.Message)
	}
	return fmt.Errorf("concviz open: %s did not finish the build (%s)", base, resp.Status)
}
