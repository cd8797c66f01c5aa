package instrument

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/concviz/concviz/engine"
)

// Builds live under os.UserCacheDir()/concviz (CacheDir overrides it):
//
//	engine-<hash>/          go.mod + engine/*.go and *.s, written from engine.Source
//	prog-<hash>/            go.mod, the rewritten files, the binary "prog" and "meta.json" (its knobs)
//
// Directories are keyed by content and never change once complete, so the Go
// build cache makes a rebuild cheap, and a program built before is not
// rebuilt at all.

// CacheDir, if set, is where builds are kept instead of the user cache dir.
var CacheDir string

func cacheRoot() (string, error) {
	if CacheDir != "" {
		return CacheDir, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "concviz-cache"), nil
	}
	return filepath.Join(d, "concviz"), nil
}

var (
	engineOnce sync.Once
	engineDir  string
	engineHash string
	engineErr  error
)

// EngineDir writes the embedded engine source as a module
// github.com/concviz/concviz (go.mod plus engine/) and returns its directory.
func EngineDir() (string, error) {
	engineOnce.Do(func() {
		root, err := cacheRoot()
		if err != nil {
			engineErr = err
			return
		}
		h := sha256.New()
		var names []string
		files := map[string][]byte{}
		err = fs.WalkDir(engine.Source, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".go") || strings.HasSuffix(p, ".s")) || strings.HasSuffix(p, "_test.go") {
				return err
			}
			b, err := engine.Source.ReadFile(p)
			if err != nil {
				return err
			}
			names = append(names, p)
			files[p] = b
			return nil
		})
		if err != nil {
			engineErr = err
			return
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(h, "%s\x00%d\x00", n, len(files[n]))
			h.Write(files[n])
		}
		engineHash = hex.EncodeToString(h.Sum(nil))[:16]
		dir := filepath.Join(root, "engine-"+engineHash)
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			now := time.Now()
			os.Chtimes(dir, now, now) // keeps it from being pruned
			engineDir = dir
			return
		}
		engineErr = writeDirAtomic(dir, func(tmp string) error {
			if err := os.MkdirAll(filepath.Join(tmp, "engine"), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(tmp, "go.mod"), []byte("module github.com/concviz/concviz\n\ngo 1.26\n"), 0o644); err != nil {
				return err
			}
			for _, n := range names {
				if err := os.WriteFile(filepath.Join(tmp, "engine", n), files[n], 0o644); err != nil {
					return err
				}
			}
			return nil
		})
		engineDir = dir
	})
	return engineDir, engineErr
}

// writeDirAtomic fills a fresh temporary directory and renames it to dir; if
// another process got there first, its directory wins.
func writeDirAtomic(dir string, fill func(tmp string) error) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".tmp-")
	if err != nil {
		return err
	}
	if err := fill(tmp); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if _, serr := os.Stat(dir); serr == nil {
			return nil
		}
		return err
	}
	return nil
}

// Binary is a compiled program.
type Binary struct {
	Path       string // the executable
	Knobs      []Knob
	ConstKnobs []ConstKnob
	Sites      []engine.Site // the site table compiled into the program, for a reader of its frames
	Cached     bool          // true if it was built before and reused as is
}

// meta is what a build directory records beside the binary.
type meta struct {
	Knobs      []Knob        `json:"knobs"`
	ConstKnobs []ConstKnob   `json:"constKnobs"`
	Sites      []engine.Site `json:"sites"`
}

// selfKey identifies the running rewriter, so that a changed concviz binary
// does not reuse programs rewritten by an older one.
var selfKey = sync.OnceValue(func() string {
	exe, err := os.Executable()
	if err != nil {
		return "unknown"
	}
	st, err := os.Stat(exe)
	if err != nil {
		return exe
	}
	return fmt.Sprintf("%s|%d|%d", exe, st.Size(), st.ModTime().UnixNano())
})

// programKey hashes the inputs of a build: the original sources and names,
// the options, the engine and the rewriter.
func programKey(files []File, opts Options) string {
	h := sha256.New()
	eh := engineHash
	fmt.Fprintf(h, "concviz-build-v2\x00%s\x00%s\x00%+v\x00", eh, selfKey(), opts)
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%d\x00", f.Name, len(f.Src))
		h.Write(f.Src)
	}
	return hex.EncodeToString(h.Sum(nil))[:24]
}

// ensureGoEnv gives the go command (run by Build and by the type checker's
// importer) a build cache when the process has no home directory, e.g. under
// a service account: it sets GOCACHE and GOPATH beside concviz's cache.
var ensureGoEnv = sync.OnceFunc(func() {
	if _, err := os.UserCacheDir(); err == nil {
		return
	}
	root, _ := cacheRoot()
	if os.Getenv("GOCACHE") == "" {
		os.Setenv("GOCACHE", filepath.Join(root, "gocache"))
	}
	if os.Getenv("GOPATH") == "" && os.Getenv("GOMODCACHE") == "" {
		os.Setenv("GOPATH", filepath.Join(root, "gopath"))
	}
})

// goTool finds the go command.
func goTool() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	p := filepath.Join(goruntimeGOROOT(), "bin", "go")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	return "", errors.New("the go command was not found: concviz compiles programs with the local Go toolchain")
}

// Build rewrites and compiles a program, reusing an earlier build of the same
// sources. Problems with the program are *Error values.
func Build(ctx context.Context, files []File, opts Options) (*Binary, error) {
	if _, err := EngineDir(); err != nil {
		return nil, fmt.Errorf("preparing the engine source: %w", err)
	}
	root, err := cacheRoot()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(root, "prog-"+programKey(files, opts))
	bin := filepath.Join(dir, "prog")
	if b, err := os.ReadFile(filepath.Join(dir, "meta.json")); err == nil {
		if _, err := os.Stat(bin); err == nil {
			var m meta
			if json.Unmarshal(b, &m) == nil {
				now := time.Now()
				os.Chtimes(dir, now, now) // keeps it from being pruned
				return &Binary{Path: bin, Knobs: m.Knobs, ConstKnobs: m.ConstKnobs, Sites: m.Sites, Cached: true}, nil
			}
		}
	}
	res, err := Rewrite(files, opts)
	if err != nil {
		return nil, err
	}
	if err := compile(ctx, dir, res); err != nil {
		return nil, err
	}
	prune(root)
	return &Binary{Path: bin, Knobs: res.Knobs, ConstKnobs: res.ConstKnobs, Sites: res.Sites}, nil
}

// pruneAge is how long an unused build stays in the cache.
const pruneAge = 7 * 24 * time.Hour

// prune removes builds and engine copies unused for pruneAge.
func prune(root string) {
	ents, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range ents {
		n := e.Name()
		if !e.IsDir() || !(strings.HasPrefix(n, "prog-") || strings.HasPrefix(n, "engine-") || strings.HasPrefix(n, ".tmp-")) {
			continue
		}
		if filepath.Join(root, n) == engineDir {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > pruneAge {
			os.RemoveAll(filepath.Join(root, n))
		}
	}
}

// TrimCache removes the least recently used builds in dir (empty: the
// cache Build uses) until those left take at most maxBytes on disk, and
// reports how many it removed; a build is used when Build makes or reuses
// it. Copies of the engine are not counted: every build needs one. It also
// removes what builds killed midway left, once older than stale.
func TrimCache(dir string, maxBytes int64, stale time.Duration) (int, error) {
	root, err := cacheRoot()
	if err != nil {
		return 0, err
	}
	if dir != "" {
		root = dir
	}
	ents, err := os.ReadDir(root)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return 0, nil
		}
		return 0, fmt.Errorf("trim the build cache: %w", err)
	}
	type build struct {
		dir  string
		used time.Time
		size int64
	}
	var builds []build
	var total int64
	for _, e := range ents {
		info, err := e.Info()
		if err != nil || !e.IsDir() {
			continue
		}
		if strings.HasPrefix(e.Name(), ".tmp-") && time.Since(info.ModTime()) > stale {
			os.RemoveAll(filepath.Join(root, e.Name()))
			continue
		}
		if !strings.HasPrefix(e.Name(), "prog-") {
			continue
		}
		b := build{dir: filepath.Join(root, e.Name()), used: info.ModTime()}
		filepath.WalkDir(b.dir, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if fi, err := d.Info(); err == nil {
					b.size += fi.Size()
				}
			}
			return nil
		})
		total += b.size
		builds = append(builds, b)
	}
	sort.Slice(builds, func(i, j int) bool { return builds[i].used.Before(builds[j].used) })
	removed := 0
	for _, b := range builds {
		if total <= maxBytes {
			break
		}
		if err := os.RemoveAll(b.dir); err != nil {
			return removed, fmt.Errorf("trim the build cache: %w", err)
		}
		total -= b.size
		removed++
	}
	return removed, nil
}

// compile writes res as a module in dir and builds dir/prog.
func compile(ctx context.Context, dir string, res *Result) error {
	edir, err := EngineDir()
	if err != nil {
		return err
	}
	goCmd, err := goTool()
	if err != nil {
		return err
	}
	ensureGoEnv()
	return writeDirAtomic(dir, func(tmp string) error {
		mod := fmt.Sprintf("module concvizprog\n\ngo 1.26\n\nrequire github.com/concviz/concviz v0.0.0\n\nreplace github.com/concviz/concviz => %s\n", edir)
		if err := os.WriteFile(filepath.Join(tmp, "go.mod"), []byte(mod), 0o644); err != nil {
			return err
		}
		for _, f := range res.Files {
			if err := os.WriteFile(filepath.Join(tmp, f.Name), f.Src, 0o644); err != nil {
				return err
			}
		}
		cmd := exec.CommandContext(ctx, goCmd, "build", "-ldflags=-s -w", "-o", "prog", ".")
		cmd.Dir = tmp
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local", "GOPROXY=off", "CGO_ENABLED=0")

		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return compileError(out.String(), err, tmp, res.Inputs)
		}
		m, _ := json.Marshal(meta{Knobs: res.Knobs, ConstKnobs: res.ConstKnobs, Sites: res.Sites})
		return os.WriteFile(filepath.Join(tmp, "meta.json"), m, 0o644)
	})
}

var errLine = regexp.MustCompile(`^(.+?\.go):(\d+)(?::(\d+))?: (.*)$`)

// compileError turns the go command's output into one error at the first
// position it names (the //line directives make those the original ones).
func compileError(out string, runErr error, dir string, inputs []string) error {
	var msgs []string
	for _, l := range strings.Split(out, "\n") {
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "\t") {
			continue
		}
		msgs = append(msgs, l)
	}
	if len(msgs) == 0 {
		return fmt.Errorf("compile: %v", runErr)
	}
	if m := errLine.FindStringSubmatch(msgs[0]); m != nil {
		e := &Error{File: m[1], Msg: m[4], More: len(msgs) - 1}
		// go build shows paths relative to the build directory.
		if !filepath.IsAbs(e.File) {
			abs := filepath.Clean(filepath.Join(dir, e.File))
			for _, in := range inputs {
				if filepath.Clean(in) == abs {
					e.File = in
				}
			}
		}
		fmt.Sscan(m[2], &e.Line)
		if m[3] != "" {
			fmt.Sscan(m[3], &e.Col)
		}
		if strings.HasSuffix(e.Msg, "too many errors") {
			e.More--
		}
		return e
	}
	return fmt.Errorf("compile: %s", msgs[0])
}

func goruntimeGOROOT() string {
	if g := os.Getenv("GOROOT"); g != "" {
		return g
	}
	return "/usr/local/go"
}
