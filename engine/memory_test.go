package engine

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// counter is §4's counter without its mutex: n workers each do count++ on a
// shared variable, main waits for them and prints the count. With gate, the
// workers wait until main has started them all.
func counter(n int, gate bool) func() {
	return func() {
		count := 0
		var wg WaitGroup
		start := MakeChan[struct{}]("start", 0, P(5))
		for range n {
			wg.Add(1, P(1))
			Go("main.worker", P(2), func() {
				defer wg.Done(W(3))
				if gate {
					start.Recv1(W(1))
				}
				Update(&count, func(c int) int { return c + 1 }, W(2))
			})
		}
		start.Close(P(6))
		wg.Wait(P(3))
		Println(P(4), Read(&count, P(4)))
	}
}

// lostWrites counts the writes flagged as losing an update.
func lostWrites(l *Log) int {
	n := 0
	for i := range l.Len() {
		if e := l.At(i); e.Kind == KindWrite && e.Flag == 1 {
			n++
		}
	}
	return n
}

// Counting with x++ in several goroutines loses updates when the scheduler
// switches between the read and the write: at some seeds under the random
// policy, never under go, which switches only when a goroutine blocks. A run
// ends below n exactly when some write is flagged as having lost an update.
// The fifo policy rotates at every operation: workers started one by one
// each finish before the next starts, workers released together interleave
// their reads and writes.
func TestCounterLosesUpdates(t *testing.T) {
	const n = 10
	tests := []struct {
		policy   Policy
		gate     bool
		someLost bool // some seed ends below n
	}{
		{PolicyRandom, false, true},
		{PolicyGo, false, false},
		{PolicyGo, true, false},
		{PolicyFIFO, false, false},
		{PolicyFIFO, true, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s gate=%v", tt.policy, tt.gate), func(t *testing.T) {
			lost := 0
			for seed := range uint64(20) {
				r := run(counter(n, tt.gate), Config{Seed: seed, Policy: tt.policy})
				require.Equal(t, OutcomeOK, r.Outcome.Kind, r.Outcome.Message)
				final, err := strconv.Atoi(strings.TrimSpace(r.Stdout))
				require.NoError(t, err)
				require.True(t, final >= 1 && final <= n, "count %d", final)
				assert.Equal(t, final < n, lostWrites(r.Log) > 0, "seed %d: count %d but %d writes flagged", seed, final, lostWrites(r.Log))
				if final < n {
					lost++
				}
			}
			assert.Equal(t, tt.someLost, lost > 0, "%d of 20 seeds lost updates", lost)
		})
	}
}

// accesses returns the run's reads and writes of shared memory, as
// "G kind value peer flag" lines.
func accesses(l *Log) []string {
	var out []string
	for i := range l.Len() {
		e := l.At(i)
		if e.Kind == KindRead || e.Kind == KindWrite {
			out = append(out, strings.Join([]string{strconv.Itoa(int(e.G)), e.Kind.String(), l.Value(e),
				strconv.Itoa(int(e.Peer)), strconv.Itoa(int(e.Flag))}, " "))
		}
	}
	return out
}

// stepAfter returns the log length just after goroutine g's first event of
// kind k: an intervention at that step applies at g's next operation.
func stepAfter(t *testing.T, l *Log, g int32, k Kind) int64 {
	for i := range l.Len() {
		if e := l.At(i); e.G == g && e.Kind == k {
			return int64(i + 1)
		}
	}
	t.Fatalf("goroutine %d has no %s event", g, k)
	return 0
}

// A lost update, step by step. Under the go policy two workers doing x++
// run one after the other (the last started first): 3 reads 0 and writes 1,
// then 2 reads 1 and writes 2 over 3's value. Running 2 between 3's read and
// its write makes 3's write overwrite 2's with the value 2 had already
// written: 3's increment of a stale 0 loses 2's update.
func TestLostUpdateStepByStep(t *testing.T) {
	prog := counter(2, false)
	plain := run(prog, Config{Policy: PolicyGo})
	require.Equal(t, "2\n", plain.Stdout)
	assert.Equal(t, []string{
		"3 read 0 0 0", "3 write 1 0 0",
		"2 read 1 0 0", "2 write 2 3 0", // Peer: the writer of the value overwritten
		"1 read 2 0 0",
	}, accesses(plain.Log))

	step := stepAfter(t, plain.Log, 3, KindRead)
	lost := run(prog, Config{Policy: PolicyGo, Interventions: []Intervention{{Step: step, Kind: RunNext, G: 2}}})
	require.Equal(t, "1\n", lost.Stdout)
	assert.Equal(t, []string{
		"3 read 0 0 0",
		"2 read 0 0 0", "2 write 1 0 0",
		"3 write 1 2 1", // over 2's 1, having read 0: one increment lost
		"1 read 1 0 0",
	}, accesses(lost.Log))
}

// Only a write whose goroutine last read an older value is flagged: a blind
// write, a write after one's own write, and a read-then-write with nobody
// in between are not. A map's entries are told apart: a write to another
// key in between loses nothing, and overwrote no value of this entry.
func TestLostUpdateFlag(t *testing.T) {
	x := 0
	tests := []struct {
		name string
		main func()
		want []string
	}{
		{"blind write over another's", func() {
			Write(&x, 1, P(1))
			Go("main.worker", P(2), func() { Write(&x, 2, W(1)) })
			Gosched(P(3))
		}, []string{"1 write 1 0 0", "2 write 2 1 0"}},
		{"stale read, then own write, then write", func() {
			Read(&x, P(1))
			Go("main.worker", P(2), func() { Write(&x, 5, W(1)) })
			Gosched(P(3))
			Write(&x, 6, P(4)) // lost: read 0, overwrites 2's 5
			Write(&x, 7, P(5)) // its own latest access is a write
		}, []string{"1 read 0 0 0", "2 write 5 0 0", "1 write 6 2 1", "1 write 7 1 0"}},
		{"read another's write, then write", func() {
			Go("main.worker", P(2), func() { Write(&x, 5, W(1)) })
			Gosched(P(3))
			Write(&x, Read(&x, P(4))+1, P(4))
		}, []string{"2 write 5 0 0", "1 read 5 0 0", "1 write 6 2 0"}},
		{"stale read, three other variables read, then write (x = x + a + b + c)", func() {
			var a, b, c int
			old := Read(&x, P(1))
			Go("main.worker", P(2), func() { Write(&x, 5, W(1)) })
			Gosched(P(3))
			Write(&x, old+Read(&a, P(4))+Read(&b, P(4))+Read(&c, P(4))+6, P(4))
		}, []string{"1 read 0 0 0", "2 write 5 0 0", "1 read 0 0 0", "1 read 0 0 0", "1 read 0 0 0", "1 write 6 2 1"}},
		{"a map entry read, written by another, written", func() {
			m := map[string]int{}
			MapRead(m, "a", P(1))
			Go("main.worker", P(2), func() { MapWrite(m, "a", 5, W(1)) })
			Gosched(P(3))
			MapWrite(m, "a", 1, P(4))
		}, []string{"1 read 0 0 0", "2 write 5 0 0", "1 write 1 2 1"}},
		{"a map entry read, another entry written, the first written", func() {
			m := map[string]int{}
			MapRead(m, "a", P(1))
			Go("main.worker", P(2), func() { MapWrite(m, "b", 5, W(1)) })
			Gosched(P(3))
			MapWrite(m, "a", 1, P(4))
		}, []string{"1 read 0 0 0", "2 write 5 0 0", "1 write 1 0 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x = 0
			r := run(tt.main, Config{Policy: PolicyGo})
			require.Equal(t, OutcomeOK, r.Outcome.Kind, r.Outcome.Message)
			assert.Equal(t, tt.want, accesses(r.Log))
		})
	}
}

// A shared variable is an object named after the expression of its first
// access, declared when first touched.
func TestSharedVariableIsNamedObject(t *testing.T) {
	sites := []Site{{}, {File: "prog.go", Line: 1, Func: "main.main", Expr: "count"}, {File: "prog.go", Line: 2, Func: "main.main", Expr: "seen"}}
	r := Run(Program{Sites: sites, Main: func() {
		count, seen := 0, map[string]bool{}
		Update(&count, func(c int) int { return c + 1 }, 1)
		MapWrite(seen, "a", true, 2)
		Read(&count, 1)
	}}, Config{})
	require.Equal(t, OutcomeOK, r.Outcome.Kind)
	require.Len(t, r.Log.Objects, 2, "one object per variable, however often it is touched")
	assert.Equal(t, Object{ID: 1, Kind: ObjVar, Name: "count", Pos: 1}, r.Log.Objects[0])
	assert.Equal(t, Object{ID: 2, Kind: ObjMap, Name: "seen", Pos: 2}, r.Log.Objects[1])
}

// mapMain starts a worker that does its map operation, then main does its
// own; under the go policy the worker runs first, wholly, unless an
// intervention runs main in the middle of the worker's write.
func mapMain(worker, main func(m map[int]int)) func() {
	return func() {
		m := map[int]int{}
		done := MakeChan[bool]("done", 1, P(1))
		Go("main.worker", P(2), func() { worker(m); done.Send(true, W(9)) })
		Gosched(P(3)) // let the worker start; main stays runnable
		main(m)
		done.Recv1(P(5))
		Println(P(6), "ok")
	}
}

// A map write spans a scheduling point, as the runtime's does: another
// goroutine that writes, or reads, the map there meets Go's fatal error,
// which recover cannot stop (exit status 2).
func TestConcurrentMapAccessIsFatal(t *testing.T) {
	write := func(m map[int]int) { MapWrite(m, 1, 1, W(1)) }
	tests := []struct {
		name   string
		worker func(m map[int]int)
		main   func(m map[int]int)
		fatal  string // "" when the run ends ok
	}{
		{"write during write", write, func(m map[int]int) { MapWrite(m, 2, 2, P(4)) }, "concurrent map writes"},
		{"delete during write", write, func(m map[int]int) { MapDelete(m, 1, P(4)) }, "concurrent map writes"},
		{"write during delete", func(m map[int]int) { MapDelete(m, 1, W(1)) }, func(m map[int]int) { MapWrite(m, 2, 2, P(4)) }, "concurrent map writes"},
		{"clear during write", write, func(m map[int]int) { MapClear(m, P(4)) }, "concurrent map writes"},
		{"update during write", write, func(m map[int]int) { MapUpdate(m, 1, func(v int) int { return v + 1 }, P(4)) }, "concurrent map writes"},
		{"read during write", write, func(m map[int]int) { MapRead(m, 1, P(4)) }, "concurrent map read and map write"},
		{"comma-ok read during write", write, func(m map[int]int) { MapRead2(m, 1, P(4)) }, "concurrent map read and map write"},
		{"len during write", write, func(m map[int]int) { MapAll(m, P(4)) }, "concurrent map read and map write"},
		{"read after a read", func(m map[int]int) { MapRead(m, 1, W(1)) }, func(m map[int]int) { MapRead(m, 1, P(4)) }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prog := mapMain(tt.worker, tt.main)
			plain := run(prog, Config{Policy: PolicyGo})
			require.Equal(t, OutcomeOK, plain.Outcome.Kind, "one after the other: %s", plain.Outcome.Message)
			// Switch to main right after the worker's access is recorded: in
			// the middle of its write.
			step := int64(0)
			for i := range plain.Log.Len() {
				if e := plain.Log.At(i); e.G == 2 && (e.Kind == KindWrite || e.Kind == KindRead) {
					step = int64(i + 1)
				}
			}
			require.NotZero(t, step)
			r := run(prog, Config{Policy: PolicyGo, Interventions: []Intervention{{Step: step, Kind: RunNext, G: 1}}})
			if tt.fatal == "" {
				assert.Equal(t, OutcomeOK, r.Outcome.Kind, r.Outcome.Message)
				return
			}
			require.Equal(t, OutcomePanic, r.Outcome.Kind)
			assert.True(t, r.Outcome.Fatal)
			assert.Equal(t, 2, r.Outcome.ExitCode)
			assert.Equal(t, int32(1), r.Outcome.G, "main meets the worker's write")
			assert.Equal(t, "fatal error: "+tt.fatal+"\n\ngoroutine 1 [running]:\nmain.main()\n\tprog.go:4\n", r.Stderr)
			assert.Empty(t, r.Stdout)
			// A -race binary reports the race it meets, then throws.
			rr := run(prog, Config{Policy: PolicyGo, Race: true, Interventions: []Intervention{{Step: step, Kind: RunNext, G: 1}}})
			require.Len(t, rr.Outcome.Races, 1)
			assert.True(t, strings.HasPrefix(rr.Stderr, "==================\nWARNING: DATA RACE\n"), rr.Stderr)
			assert.True(t, strings.HasSuffix(rr.Stderr, r.Stderr), "the fatal error follows the race report: %s", rr.Stderr)
			assert.Equal(t, 2, rr.Outcome.ExitCode)
		})
	}
}

// Random scheduling meets the fatal error by itself at some seeds, as a
// real run on several CPUs does; under the go policy one CPU never does.
func TestMapWritersMeetAtSomeSeeds(t *testing.T) {
	prog := func() {
		m := map[int]int{}
		var wg WaitGroup
		for w := range 4 {
			wg.Add(1, P(1))
			Go("main.worker", P(2), func() {
				defer wg.Done(W(2))
				for i := range 5 {
					MapWrite(m, w*10+i, i, W(1))
				}
			})
		}
		wg.Wait(P(3))
		Println(P(4), len(m))
	}
	fatal := 0
	for seed := range uint64(10) {
		r := run(prog, Config{Seed: seed})
		if r.Outcome.Kind == OutcomePanic {
			assert.Equal(t, "fatal error: concurrent map writes", r.Outcome.Message)
			fatal++
		} else {
			assert.Equal(t, "20\n", r.Stdout)
		}
		g := run(prog, Config{Seed: seed, Policy: PolicyGo})
		assert.Equal(t, "20\n", g.Stdout, g.Outcome.Message)
	}
	assert.Positive(t, fatal, "no seed of 10 met the concurrent writes")
}

// nativeMapProgram races on a map until the runtime notices: "writes" with
// two writers, "read" with a writer and a reader.
const nativeMapProgram = `package main

import "os"

func main() {
	m := map[int]int{}
	go func() {
		for i := 0; ; i++ {
			m[i%100] = i
		}
	}()
	for i := 0; ; i++ {
		if os.Args[1] == "writes" {
			m[i%100] = i
		} else {
			_ = m[i%100]
		}
	}
}
`

// The fatal errors' text and exit status are Go's own: a real binary that
// races on a map prints the same first line and exits 2.
func TestMapFatalErrorsAreGos(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program")
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(nativeMapProgram), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module racy\n\ngo 1.22\n"), 0o644))
	build := exec.Command("go", "build", "-o", "racy", ".")
	build.Dir = dir
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	var wg sync.WaitGroup
	for _, tt := range []struct{ arg, msg string }{{"writes", msgMapWrites}, {"read", msgMapReadWrite}} {
		wg.Add(1)
		t.Run(tt.arg, func(t *testing.T) {
			defer wg.Done()
			cmd := exec.Command(filepath.Join(dir, "racy"), tt.arg)
			cmd.Env = append(os.Environ(), "GOMAXPROCS=2")
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee)
			assert.Equal(t, 2, ee.ExitCode())
			first, _, _ := strings.Cut(stderr.String(), "\n")
			assert.Equal(t, "fatal error: "+tt.msg, first)
		})
	}
	wg.Wait()
}

// The digest shows a shared variable's latest value, as its event's value
// reads, and its latest writer; a map's likewise.
func TestDigestShowsSharedMemory(t *testing.T) {
	tests := []struct {
		name string
		main func()
		want []ODigest
	}{
		{"written by a worker, read by main", func() {
			s := ""
			Go("main.worker", P(1), func() { Write(&s, "hi", W(1)) })
			Sleep(1, P(2))
			Read(&s, P(3))
		}, []ODigest{{ID: 1, Value: "hi", Writer: 2}}},
		{"read only", func() {
			n := 7
			Read(&n, P(1))
		}, []ODigest{{ID: 1, Value: "7"}}},
		{"a map's entry written then deleted", func() {
			m := map[string]int{}
			MapWrite(m, "a", 3, P(1))
			MapDelete(m, "a", P(2))
		}, []ODigest{{ID: 1, Writer: 1}}},
		{"a map's length read", func() {
			m := map[string]int{"a": 1, "b": 2}
			MapAll(m, P(1))
		}, []ODigest{{ID: 1, Value: "2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var last Digest
			r := run(tt.main, Config{Policy: PolicyGo, Digest: func(d Digest) { last = d }})
			require.Equal(t, OutcomeOK, r.Outcome.Kind, r.Outcome.Message)
			assert.Equal(t, tt.want, last.Objs)
		})
	}
}

// labelled is a value with its own String method that reads shared memory,
// as a program's Stringer may.
type labelled struct{ n int }

func (l *labelled) String() string { return "#" + strconv.Itoa(Read(&l.n, W(9))) }

// The engine formats an event's value with the program's own String method
// (a *labelled sent on a channel), in the middle of the send. Go would not
// call it there, so its read is no event of the program and no scheduling
// point: under the random policy a switch there would interleave another
// goroutine halfway through the send.
func TestStringerReadsAreNotTheProgramsEvents(t *testing.T) {
	main := func() {
		v := &labelled{n: 7}
		ch := MakeChan[*labelled]("ch", 1, P(1))
		Go("main.worker", P(2), func() { Write(&v.n, 8, W(1)) })
		ch.Send(v, P(3))
		Println(P(4), ch.Recv1(P(4)).n)
	}
	for seed := range uint64(30) {
		res := run(main, Config{Seed: seed})
		require.Equal(t, OutcomeOK, res.Outcome.Kind, "seed %d", seed)
		for i := range res.Log.Len() {
			e := res.Log.At(i)
			assert.False(t, e.Kind == KindRead && e.Pos == W(9), "seed %d: the engine's formatting recorded the String method's read as step %d", seed, i)
		}
	}
}

// A value holding a pointer shows an address in its event; a real one
// changes from run to run, and a run's log must not: two runs of one program
// record the same text, with addresses numbered in order of appearance.
func TestValuesWithPointersAreTheSameEveryRun(t *testing.T) {
	type node struct{ next *int }
	main := func() {
		var shared node
		for range 3 {
			n := 1
			Write(&shared, node{next: &n}, P(1))
		}
		Write(&shared, node{next: shared.next}, P(2))
	}
	texts := func() []string {
		var out []string
		l := run(main, Config{}).Log
		for i := range l.Len() {
			if e := l.At(i); e.Kind == KindWrite {
				out = append(out, l.String(e.Val))
			}
		}
		return out
	}
	first := texts()
	require.Len(t, first, 4)
	assert.Equal(t, first, texts(), "a second run records other text")
	assert.NotEqual(t, first[0], first[1], "two pointers share an address")
	assert.Equal(t, first[2], first[3], "one pointer shows two addresses")
}
