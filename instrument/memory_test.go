package instrument

import (
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memOp matches a call of one of the engine's memory functions.
var memOp = regexp.MustCompile(`engine\.(Read|Write|Update|MapRead2|MapRead|MapAll|MapWrite|MapUpdate|MapDelete|MapClear|Compute)\(`)

// memOps counts the engine memory calls in a rewritten program's user file.
func memOps(res *Result) map[string]int {
	ops := map[string]int{}
	for _, m := range memOp.FindAllStringSubmatch(userText(res), -1) {
		if m[1] != "Compute" {
			ops[m[1]]++
		}
	}
	return ops
}

// siteExprs lists the distinct expressions the sites name, sorted.
func siteExprs(res *Result) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range res.Sites {
		if s.Expr != "" && !seen[s.Expr] {
			seen[s.Expr] = true
			out = append(out, s.Expr)
		}
	}
	sort.Strings(out)
	return out
}

func TestRewriteSharedMemory(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		ops   map[string]int // engine memory calls in the rewritten program
		exprs []string       // the expressions its sites name
		want  []string       // regular expressions the rewritten program matches
	}{
		{
			name: "a package-level counter updated by goroutines: an update, then a read",
			src: prog(`import "fmt"

var count int

func main() {
	for i := 0; i < 3; i++ {
		go func() { count++ }()
	}
	fmt.Println(count)
}
`),
			ops:   map[string]int{"Update": 1, "Read": 1},
			exprs: []string{"count"},
		},
		{
			name: "a local never shared stays plain",
			src: prog(`import "fmt"

func main() {
	n := 0
	for i := 0; i < 3; i++ {
		n += i
	}
	fmt.Println(n)
}
`),
			ops: map[string]int{},
		},
		{
			name: "a for-clause loop variable captured by a goroutine is per iteration, not shared",
			src: prog(`import "fmt"

func main() {
	for i := 0; i < 3; i++ {
		go func() { fmt.Println(i) }()
	}
}
`),
			ops: map[string]int{},
		},
		{
			name: "a package-level variable written only by its declaration cannot race",
			src: prog(`import "fmt"

var limit = 3

func main() {
	go func() { fmt.Println(limit) }()
	fmt.Println(limit)
}
`),
			ops: map[string]int{},
		},
		{
			name: "a map that never leaves main stays plain",
			src: prog(`import "fmt"

func main() {
	m := map[string]int{}
	m["a"]++
	m["b"] = 2
	delete(m, "a")
	for k := range m {
		_ = k
	}
	v, ok := m["b"]
	fmt.Println(len(m), v, ok)
}
`),
			ops: map[string]int{},
		},
		{
			name: "every operation on a map a goroutine reaches",
			src: prog(`import "fmt"

func main() {
	m := map[int]int{}
	go func() { m[1] = 2 }()
	v, ok := m[1]
	m[2] += 3
	delete(m, 1)
	for k := range m {
		fmt.Println(k, m[k])
	}
	fmt.Println(len(m), v, ok)
	clear(m)
}
`),
			ops:   map[string]int{"MapWrite": 1, "MapRead2": 1, "MapUpdate": 1, "MapDelete": 1, "MapAll": 2, "MapRead": 1, "MapClear": 1},
			exprs: []string{"m"},
		},
		{
			name: "a field through a pointer is an access, the mutex beside it is not",
			src: prog(`import "sync"

type C struct {
	mu sync.Mutex
	n  int
}

func (c *C) inc() {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
}

func main() { (&C{}).inc() }
`),
			ops:   map[string]int{"Update": 1},
			exprs: []string{"c.mu", "c.n"},
			want:  []string{regexp.QuoteMeta("engine.Update(&c.n, func(_cvz_v int) int { _cvz_v++; return _cvz_v }, ")},
		},
		{
			name: "a field of a shared struct variable is an access at its address; locking it is not a read",
			src: prog(`import "sync"

var c struct {
	mu sync.Mutex
	n  int
}

func main() {
	c.mu.Lock()
	c.n = c.n + 1
	c.mu.Unlock()
}
`),
			ops:   map[string]int{"Read": 1, "Write": 1},
			exprs: []string{"c.mu", "c.n"},
			want:  []string{regexp.QuoteMeta("engine.Write(&c.n, engine.Read(&c.n, ")},
		},
		{
			name: "taking an address shares the variable; the pointer's target is an access",
			src: prog(`import "fmt"

func main() {
	x := 0
	p := &x
	*p = 3
	fmt.Println(x)
}
`),
			ops:   map[string]int{"Write": 1, "Read": 1},
			exprs: []string{"*p", "x"},
			want:  []string{regexp.QuoteMeta("engine.Write(p, 3, ")},
		},
		{
			name: "a swap reads both sides before it stores either",
			src: prog(`var a, b = 1, 2

func main() { a, b = b, a }
`),
			ops: map[string]int{"Read": 2, "Write": 2},
			want: []string{`func\(\) \{ (_cvz_p\d+) := &a; (_cvz_p\d+) := &b; (_cvz_v\d+) := engine\.Read\(&b, \d+\); (_cvz_v\d+) := engine\.Read\(&a, \d+\); ` +
				`engine\.Write\(_cvz_p\d+, _cvz_v\d+, \d+\); engine\.Write\(_cvz_p\d+, _cvz_v\d+, \d+\) \}\(\)`},
		},
		{
			name: "x op= f() calls f before it reads x, once",
			src: prog(`var x int

func f() int { x = 10; return 1 }

func main() { x += f() }
`),
			ops:  map[string]int{"Write": 1, "Update": 1},
			want: []string{`(_cvz_p\d+) := &x; (_cvz_y\d+) := f\(\); engine\.Update\(_cvz_p\d+, func\(_cvz_v int\) int \{ return _cvz_v \+ _cvz_y\d+ \}, `},
		},
		{
			name: "an index evaluated once in an update of a slice's element",
			src: prog(`var s = make([]int, 3)
var i int

func next() int { i++; return i }

func main() { s[next()]++ }
`),
			ops:  map[string]int{"Update": 2, "Read": 1},
			want: []string{`engine\.Update\(&s\[next\(\)\], `}, // s itself is written only by its declaration
		},
		{
			name: "a redeclared shared variable is stored after the call, the new one declared",
			src: prog(`import "errors"

var err error

func f() (int, error) { return 1, errors.New("x") }

func main() {
	var err error
	go func() { _ = err }()
	n, err := f()
	_ = n
}
`),
			ops:  map[string]int{"Read": 1, "Write": 1},
			want: []string{`n, (_cvz_v\d+) := f\(\); engine\.Write\(&err, _cvz_v\d+, \d+\)`},
		},
		{
			name: "a range with = into a shared variable stores each iteration's value",
			src: prog(`var v int

func main() {
	for _, v = range []int{1, 2} {
	}
}
`),
			ops:  map[string]int{"Write": 1},
			want: []string{`for _, (_cvz_r\d+) := range \[\]int\{1, 2\} \{ engine\.Compute\(\d+\); engine\.Write\(&v, \(int\)\(_cvz_r\d+\), \d+\);`},
		},
		{
			name: "a select case's assignment to a shared variable is a store",
			src: prog(`var last int

func main() {
	ch := make(chan int, 1)
	ch <- 1
	select {
	case last = <-ch:
	}
}
`),
			ops:  map[string]int{"Write": 1},
			want: []string{`default: engine\.Write\(&last, _cvz_s\d+_0\.V, \d+\);`},
		},
		{
			name: "a range over a shared slice reads each element at its iteration; over a private one or a literal, none",
			src: prog(`import "fmt"

func main() {
	s := []int{1, 2}
	go func() { _ = s }()
	for i, v := range s {
		fmt.Println(i, v)
	}
	p := []int{3}
	for _, v := range p {
		fmt.Println(v)
	}
	for _, v := range []int{4, 5} {
		fmt.Println(v)
	}
}
`),
			ops:   map[string]int{"Read": 1},
			exprs: []string{"s[i]"},
			want:  []string{`for (_cvz_i\d+), (_cvz_s\d+) := 0, s; _cvz_i\d+ < len\(_cvz_s\d+\); _cvz_i\d+\+\+ \{ engine\.Compute\(\d+\); i, v := _cvz_i\d+, engine\.Read\(&_cvz_s\d+\[_cvz_i\d+\], \d+\); \{`},
		},
		{
			name: "constant expressions and an array's length are not reads",
			src: prog(`var arr [4]int

func main() {
	arr[1] = 2
	n := len(arr)
	for i := range arr {
		_ = i
	}
	_ = n
}
`),
			ops:   map[string]int{"Write": 1},
			exprs: []string{"arr[1]"},
		},
		{
			name: "channels, functions and sync values are not instrumented",
			src: prog(`import "sync"

var ch = make(chan int, 1)
var f func()
var mu sync.Mutex

func main() {
	ch = make(chan int, 1)
	f = func() {}
	f()
	mu.Lock()
	ch <- 1
}
`),
			ops: map[string]int{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := mustRewrite(t, tc.src)
			assert.Equal(t, tc.ops, memOps(res), userText(res))
			if tc.exprs != nil {
				assert.Equal(t, tc.exprs, siteExprs(res))
			}
			for _, w := range tc.want {
				assert.Regexp(t, w, userText(res))
			}
		})
	}
}

// TestRewriteComputeAtBackEdgesAndCalls: every loop body and function body
// starts with engine.Compute on the line of its brace, so lines are kept.
func TestRewriteComputeAtBackEdgesAndCalls(t *testing.T) {
	src := prog(`func f() {}

func main() {
	for i := 0; i < 2; i++ {
		f()
	}
	for range 3 {
	}
	g := func() {
		for {
			break
		}
	}
	g()
}
`)
	res := mustRewrite(t, src)
	text := userText(res)
	assert.Equal(t, 6, strings.Count(text, "engine.Compute("), text) // f, main, g and three loops
	assert.Equal(t, strings.Count(src, "\n")+1, strings.Count(text, "\n"), "lines kept, after the //line directive")
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, "engine.Compute(") {
			assert.Regexp(t, `\{ ?.*engine\.Compute\(\d+\);`, l)
		}
	}
}

// TestMemoryFidelity: programs sharing memory (testdata/memory) print the
// same under concviz as built by go build, a spinning goroutine included.
func TestMemoryFidelity(t *testing.T) {
	goCmd(t)
	if testing.Short() {
		t.Skip("-short: builds each program twice")
	}
	paths, err := filepath.Glob("testdata/memory/*.go")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(paths), 5)
	sameAsGoBuild(t, paths)
}
