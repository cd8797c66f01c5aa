package instrument

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/engine"
)

func prog(body string) string { return "package main\n\n" + body }

// userText is the rewritten user file, without the generated tail.
func userText(res *Result) string {
	s := string(res.Files[0].Src)
	s, _, _ = strings.Cut(s, "\n//line "+GenFile)
	_, s, _ = strings.Cut(s, "\n") // the "Code generated" line
	return s
}

func TestRewriteMapsConstructs(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // substrings of the rewritten user file
		not  []string // must not appear
	}{
		{
			name: "send, receive, comma-ok, range, close, len, cap",
			src: prog(`import "fmt"

func main() {
	ch := make(chan int, 2)
	ch <- 1
	v := <-ch
	ch <- v
	w, ok := <-ch
	close(ch)
	for x := range ch { fmt.Println(x, len(ch), cap(ch)) }
	for range ch {}
	fmt.Println(w, ok)
}
`),
			want: []string{
				`ch := engine.MakeChan[int]("ch", 2, `, `ch.Send(1, `, `v := ch.Recv1(`, `w, ok := ch.Recv(`,
				`ch.Close(`, `for x := range ch.Range(`, `ch.Len(), ch.Cap()`, `for range ch.Range(`, `engine.Println(`,
			},
			not: []string{"<-"},
		},
		{
			name: "go statement evaluates function and arguments first",
			src: prog(`func worker(id int, c chan<- int) { c <- id }

type T struct{ c chan int }

func (t *T) run(n int) { t.c <- n }

func main() {
	c := make(chan int)
	t := T{c: c}
	for i := 0; i < 2; i++ {
		go worker(i, c)
		go t.run(i + 1)
		go func(n int) { c <- n }(i)
		go func() { c <- 9 }()
	}
	f := worker
	go f(3, c)
	<-c
}
`),
			want: []string{
				`{ _cvz_g0 := i; _cvz_g1 := c; engine.Go("main.worker", `, `func() { worker(_cvz_g0, _cvz_g1) }) }`,
				`_cvz_g2 := &t; _cvz_g3 := i + 1; engine.Go("main.(*T).run", `, `_cvz_g2.run(_cvz_g3)`,
				`engine.Go("main.main.func1", `, `engine.Go("main.main.func2", `, `); c.Send(9, `,
				`_cvz_g5 := f; _cvz_g6 := c; engine.Go("main.worker", `,
				`func worker(id int, c *engine.Chan[int])`, `type T struct{ c *engine.Chan[int] }`, `c: c}`,
			},
		},
		{
			name: "select with send, receive, comma-ok, default and index assignment",
			src: prog(`func main() {
	in, out := make(chan int, 1), make(chan int, 1)
	x := 2
	a := []int{0}
	select {
	case v, ok := <-in:
		_, _ = v, ok
	case out <- x * 2:
	case a[0] = <-in:
	default:
	}
	for {
		select {
		case <-in:
			return
		}
	}
}
`),
			want: []string{
				`switch _cvz_s0_0, _cvz_s0_1, _cvz_s0_2 := engine.Recv(in), out.SelectSend(x * 2), engine.Recv(in); engine.Select(`,
				`, true, _cvz_s0_0, _cvz_s0_1, _cvz_s0_2) {`,
				`case 0: v, ok := _cvz_s0_0.V, _cvz_s0_0.OK;`, `case 1:`, `case 2: a[0] = _cvz_s0_2.V;`, `default:`,
				// a select without default: its last case is the switch's default, so it stays terminating
				`switch _cvz_s1_0 := engine.Recv(in); engine.Select(`, `false, _cvz_s1_0) {`,
			},
		},
		{
			name: "select {} and receive chains",
			src: prog(`func main() {
	cc := make(chan chan int, 1)
	c := make(chan int, 1)
	cc <- c
	<-cc <- 2
	go func() { select {} }()
	println(<-c)
}
`),
			want: []string{`cc.Recv1(`, `).Send(2, `, `for { engine.Select(`, `, false) }`, `engine.PrintlnBuiltin(`},
		},
		{
			name: "sync, atomic, promoted methods and method values",
			src: prog(`import (
	"sync"
	"sync/atomic"
)

type C struct {
	sync.Mutex
	n atomic.Int64
	p atomic.Pointer[int]
}

var total int64

func main() {
	var c C
	c.Lock()
	c.Unlock()
	c.n.Add(1)
	c.p.Store(nil)
	atomic.AddInt64(&total, 2)
	var wg sync.WaitGroup
	var once sync.Once
	rw := &sync.RWMutex{}
	rw.RLock()
	rw.RUnlock()
	wg.Add(1)
	done := wg.Done
	done()
	wg.Go(func() { once.Do(func() {}) })
	wg.Wait()
	cond := sync.NewCond(&c)
	_ = cond
}
`),
			want: []string{
				`engine.Mutex`, `n engine.AtomicInt[int64]`, `p engine.AtomicPointer[int]`, `c.Lock(`, `c.Unlock(`,
				`c.n.Add(1, `, `engine.AtomicAdd(&total, 2, `, `var wg engine.WaitGroup`, `rw := &engine.RWMutex{}`,
				`rw.RLock(`, `wg.Add(1, `, `done := func() func() { _cvz_r := &wg; return func() { _cvz_r.Done(`,
				`wg.Go(func() { engine.Compute(`, `); once.Do(func() { engine.Compute(`, `}, "main.main.func1", `, `engine.NewCond(&c)`, `_ "sync/atomic"`,
			},
			not: []string{"\t\"sync\"\n"},
		},
		{
			name: "time, context, os, runtime, http",
			src: prog(`import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"time"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	t := time.NewTimer(time.Millisecond)
	t.Stop()
	var tk *time.Ticker = time.NewTicker(time.Second)
	tk.Stop()
	time.Sleep(10 * time.Millisecond)
	start := time.Now()
	fmt.Fprintln(os.Stderr, time.Since(start), runtime.NumGoroutine())
	runtime.Gosched()
	resp, err := http.Get("http://x")
	fmt.Println(resp, err, ctx)
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
	}
	os.Exit(1)
}
`),
			want: []string{
				`engine.WithTimeout(engine.Background(), time.Second, `, `engine.NewTimer(time.Millisecond, `, `t.Stop(`,
				`var tk *engine.Ticker = engine.NewTicker(time.Second, `, `engine.Sleep(10 * time.Millisecond, `,
				`engine.Now()`, `fmt.Fprintln(engine.StderrAt(7), engine.Since(start), engine.NumGoroutine())`,
				`engine.Gosched(`, `engine.HTTPGet("http://x", `, `engine.Recv(engine.After(time.Second, `, `engine.Exit(1, `,
				`_ "context"`, `_ "net/http"`, `_ "runtime"`,
			},
		},
		{
			name: "package-level initialisers run inside the run",
			src: prog(`import "time"

var (
	c    = make(chan int, 1)
	tick = time.Tick(time.Second)
	a, b = 1, "x"
	n    int
)

var f = func() int { return <-c }

func init() { c <- 1 }

func main() { _, _, _, _ = tick, a, b, n; f() }
`),
			want: []string{
				`c *engine.Chan[int]`, `tick *engine.Chan[time.Time]`, `a int; b string`, `var ( f func() int)`,
				`func _cvz_init0() { engine.Compute(`, `); c.Send(1, `, `func main() {if !_cvz_running {`,
			},
			not: []string{`= make(`},
		},
		{
			name: "named channel types with and without methods",
			src: prog(`type X chan int

func (x X) Put(v int) { x <- v }

type Y chan int

func main() {
	x := make(X, 1)
	x.Put(1)
	y := Y(make(chan int, 1))
	y <- <-x
	_ = (chan int)(x)
	close(y)
}
`),
			want: []string{`type X struct{ _cvz_c *engine.Chan[int] }`, `x._cvz_c.Send(v, `, `X{engine.MakeChan[int]("x", 1, `,
				`type Y *engine.Chan[int]`, `(*engine.Chan[int])(y).Send(x._cvz_c.Recv1(`, `(*engine.Chan[int])(x._cvz_c)`},
		},
		{
			name: "recover stays a direct call",
			src: prog(`func main() {
	defer func() { _ = recover() }()
	panic("x")
}
`),
			want: []string{`_ = engine.Recover(recover())`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustRewrite(t, tt.src)
			out := userText(res)
			for _, w := range tt.want {
				assert.Contains(t, string(res.Files[0].Src), w)
			}
			for _, n := range tt.not {
				assert.NotContains(t, out, n)
			}
			assert.Equal(t, strings.Count(tt.src, "\n")+1, strings.Count(out, "\n"),
				"the rewritten file keeps the original lines (plus the //line header)")
		})
	}
}

func TestRewriteKnobs(t *testing.T) {
	res := mustRewrite(t, prog(`type pool struct{ jobs chan int }

func mk() chan int { return make(chan int) }

func main() {
	results := make(chan int, 3)
	var done = make(chan bool)
	p := &pool{}
	p.jobs = make(chan int, len("ab"))
	q := pool{jobs: make(chan int, 1)}
	_, _, _, _, _ = results, done, p, q, mk()
}
`))
	var got []string
	for _, k := range res.Knobs {
		got = append(got, k.Name+"="+k.Default+"@"+filepath.Base(k.File)+":"+strconv.Itoa(k.Line))
	}
	assert.Equal(t, []string{"prog.go:5=0@prog.go:5", "results=3@prog.go:8", "done=0@prog.go:9", `p.jobs=len("ab")@prog.go:11`, "jobs=1@prog.go:12"}, got)
	assert.Equal(t, []string{"done", "jobs", "p.jobs", "prog.go:5", "results"}, res.KnobNames())
}

func TestRewriteSites(t *testing.T) {
	res := mustRewrite(t, prog(`import "sync"

type Counter struct {
	mu sync.Mutex
	n  int
}

func (c *Counter) Inc() {
	c.mu.Lock()
	c.mu.Unlock()
}

func main() {
	c := &Counter{}
	go func() {
		go func() {
			c.Inc()
		}()
	}()
	func() { c.mu.Lock() }()
}
`))
	find := func(line int) []engine.Site {
		var out []engine.Site
		for _, s := range res.Sites {
			if s.Line == line {
				out = append(out, s)
			}
		}
		return out
	}
	assert.Equal(t, []engine.Site{{File: "prog.go", Line: 11, Func: "main.(*Counter).Inc", Expr: "c.mu"}}, find(11))
	assert.Equal(t, "main.main", find(17)[0].Func)
	assert.Equal(t, "main.main.func1", find(18)[0].Func)
	assert.Contains(t, string(res.Files[0].Src), `engine.Go("main.main.func1.1", `, "a closure in a closure")
	assert.Equal(t, "main.main.func2", find(22)[0].Func, "closures are numbered in source order")
	assert.Equal(t, "c.mu", find(22)[0].Expr)
	assert.Equal(t, engine.Site{}, res.Sites[0])
}

func TestRewriteRefuses(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"os/exec", prog("import \"os/exec\"\n\nfunc main() { exec.Command(\"ls\") }\n"), `prog.go:3:8: import "os/exec" is not allowed: it runs other programs`},
		{"net", prog("import \"net\"\n\nfunc main() { net.Dial(\"tcp\", \"x\") }\n"), `prog.go:3:8: import "net" is not allowed`},
		{"unsafe", prog("import \"unsafe\"\n\nfunc main() { _ = unsafe.Sizeof(1) }\n"), `prog.go:3:8: import "unsafe" is not allowed`},
		{"reflect", prog("import \"reflect\"\n\nfunc main() { _ = reflect.TypeOf(1) }\n"), `prog.go:3:8: import "reflect" is not allowed`},
		{"syscall", prog("import \"syscall\"\n\nfunc main() { syscall.Getpid() }\n"), `import "syscall" is not allowed`},
		{"plugin", prog("import \"plugin\"\n\nfunc main() { plugin.Open(\"x\") }\n"), `import "plugin" is not allowed`},
		{"cgo", prog("import \"C\"\n\nfunc main() {}\n"), `prog.go:3:8: import "C" is not allowed: cgo is not supported`},
		{"ioutil", prog("import \"io/ioutil\"\n\nfunc main() { ioutil.ReadFile(\"x\") }\n"), `import "io/ioutil" is not allowed`},
		{"net/http beyond Get", prog("import \"net/http\"\n\nfunc main() { http.Post(\"u\", \"t\", nil) }\n"), `prog.go:5:15: http.Post is not allowed: only http.Get, `},
		{"os file I/O", prog("import \"os\"\n\nfunc main() {\n\tos.ReadFile(\"x\")\n}\n"), `prog.go:6:2: os.ReadFile is not allowed: only os.Exit, os.Args`},
		{"os env", prog("import \"os\"\n\nfunc main() { _ = os.Getenv(\"x\") }\n"), `os.Getenv is not allowed`},
		{"stdin", prog("import \"fmt\"\n\nfunc main() { var x int; fmt.Scan(&x) }\n"), `fmt.Scan is not allowed: it reads standard input`},
		{"log", prog("import \"log\"\n\nfunc main() { log.Println(1) }\n"), `import "log" is not allowed`},
		{"module", prog("import \"github.com/x/y\"\n\nfunc main() { y.Z() }\n"), `only the standard library is available`},
		{"os.Stdout methods", prog("import \"os\"\n\nfunc main() { os.Stdout.Close() }\n"), `prog.go:5:15: os.Stdout.Close is not supported: write with os.Stdout.Write, os.Stdout.WriteString or fmt.Fprint(os.Stdout, ...)`},
		{"not package main", "package foo\n\nfunc main() {}\n", `prog.go:1:9: package foo is not package main`},
		{"no main", prog("func f() {}\n"), `function main is undeclared`},
		{"type error", prog("func main() {\n\tx := 1\n}\n"), `prog.go:4:2: declared and not used: x`},
		{"syntax error", prog("func main() {\n\tx := \n}\n"), `prog.go:5:1: expected operand`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Rewrite([]File{{Name: "prog.go", Src: []byte(tt.src)}}, Options{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "\n", "one line")
		})
	}
}

// TestRewriteKeepsLineStructure: every rewritten user file has exactly the
// original's lines after its //line header, for every test program.
func TestRewriteKeepsLineStructure(t *testing.T) {
	paths, _ := filepath.Glob("testdata/*/*.go")
	more, _ := filepath.Glob("testdata/*.go")
	paths = append(paths, more...)
	require.NotEmpty(t, paths)
	for _, p := range paths {
		if strings.HasSuffix(p, "s1.go") {
			continue // the guide's §1 does not compile (unused import)
		}
		t.Run(p, func(t *testing.T) {
			src, err := os.ReadFile(p)
			require.NoError(t, err)
			res, err := Rewrite([]File{{Name: p, Src: src}}, Options{})
			if refusalHeader.Match(src) { // a program concviz refuses on purpose
				var ierr *Error
				require.ErrorAs(t, err, &ierr)
				assert.NotZero(t, ierr.Line, "a refusal names the line")
				return
			}
			require.NoError(t, err)
			require.NoError(t, typecheckResult(res))
			out := userText(res)
			require.True(t, strings.HasPrefix(out, "//line "+p+":1\n"))
			out = strings.TrimPrefix(out, "//line "+p+":1\n")
			assert.Equal(t, strings.Count(string(src), "\n"), strings.Count(out, "\n"))
		})
	}
}

func TestRewriteDirectoryAndLibrary(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.go"), []byte(prog("import \"fmt\"\n\nvar c = make(chan string, 1)\n\nfunc main() { send(); fmt.Println(<-c) }\n")), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.go"), []byte(prog("func send() { c <- \"hi\" }\n")), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b_test.go"), []byte("package main\n"), 0o644))
	files, err := ReadProgram(dir)
	require.NoError(t, err)
	require.Len(t, files, 2)
	res, err := Rewrite(files, Options{Library: true, Package: "scn", Name: "demo"})
	require.NoError(t, err)
	require.Len(t, res.Files, 3)
	gen := string(res.Files[2].Src)
	assert.Contains(t, gen, "package scn")
	assert.Contains(t, gen, `var Program = engine.Program{Name: "demo", Sites: _cvz_sites, Main: main}`)
	assert.Contains(t, string(res.Files[0].Src), "package scn;")
	assert.NotContains(t, string(res.Files[0].Src), "_cvz_running")

	_, err = ReadProgram(filepath.Join(dir, "nope.go"))
	assert.EqualError(t, err, filepath.Join(dir, "nope.go")+": no such file or directory")
}

func TestConstKnobs(t *testing.T) {
	src, err := os.ReadFile("testdata/features/knobs.go")
	require.NoError(t, err)
	res, err := Rewrite([]File{{Name: "knobs.go", Src: src}}, Options{})
	require.NoError(t, err)
	require.NoError(t, typecheckResult(res))
	assert.Equal(t, []ConstKnob{
		{Name: "workers", Kind: "int", Default: 3, Min: 1, Max: 8, Range: "1..8", File: "knobs.go", Line: 10},
		{Name: "delay", Kind: "duration", Default: int64(100 * time.Millisecond), Min: int64(time.Millisecond), Max: int64(time.Second), Range: "1ms..1s", File: "knobs.go", Line: 11},
		{Name: "single", Kind: "int", Default: 2, Min: 0, Max: 4, Range: "0..4", File: "knobs.go", Line: 15},
	}, res.ConstKnobs)
	out := string(res.Files[0].Src)
	assert.Contains(t, out, `label   = "w"`)
	assert.Contains(t, out, `func _cvz_knob1() { delay = time.Duration(engine.Knob("delay", 100000000)) }`)
	assert.Equal(t, strings.Count(string(src), "\n")+1, strings.Count(userText(res), "\n"))

	for _, tt := range []struct{ src, want string }{
		{prog("const x = 1.5 // knob: 1..2\n\nfunc main() { _ = x }\n"), "prog.go:3:7: knob constant x must be an integer or a time.Duration"},
		{prog("const x = 5 // knob: 1..2\n\nfunc main() { _ = x }\n"), "prog.go:3:7: knob x: its value 5 is outside its range 1..2"},
		{prog("const x = 1 // knob: 1ms..2\n\nfunc main() { _ = x }\n"), "knob x: the marker must read LO..HI with integers"},
		{prog("const (\n\tx = iota // knob: 0..9\n\ty\n)\n\nfunc main() { _, _ = x, y }\n"), "prog.go:5:2: this constant repeats the knob constant x's expression"},
	} {
		_, err := Rewrite([]File{{Name: "prog.go", Src: []byte(tt.src)}}, Options{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), tt.want)
	}
}

func TestRewriteBOMAndCRLF(t *testing.T) {
	src := "\uFEFFpackage main\r\n\r\nfunc main() {\r\n\tc := make(chan int, 1)\r\n\tc <- 1\r\n\t<-c\r\n}\r\n"
	res := mustRewrite(t, src)
	assert.Contains(t, userText(res), "c.Send(1, ")
	assert.NotContains(t, string(res.Files[0].Src), "\uFEFF")
	assert.Equal(t, 5, res.Sites[2].Line)
}
