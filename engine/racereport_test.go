package engine

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Reports: the text and exit status of a run with races, as a binary built
// with -race prints them, and the facts the run records.

// racyProgram is go.dev/ref/mem's shape of a race: a goroutine writes x
// while main reads it, with nothing between; then it ends as end says.
func racyProgram(end func()) func() {
	return func() {
		var x int
		Go("main.main.func1", P(12), func() { Write(&x, 1, W(1)) })
		Sleep(10, P(13))
		Println(P(14), Read(&x, P(15)))
		end()
	}
}

// wantBlock is the report a -race binary of racyProgram prints (checked
// against go build -race of the same program, its goroutine number and
// address apart): the engine knows one frame per stack.
const wantBlock = `==================
WARNING: DATA RACE
Read at 0x00c000010008 by main goroutine:
  main.main()
      prog.go:15 +0x0

Previous write at 0x00c000010008 by goroutine 2:
  main.worker()
      prog.go:101 +0x0

Goroutine 2 (finished) created at:
  main.main()
      prog.go:12 +0x0
==================
`

func TestRaceReport(t *testing.T) {
	tests := []struct {
		name   string
		end    func()
		kind   OutcomeKind
		code   int // under Config.Race
		plain  int // without it
		found  bool
		suffix string // the end of stderr after the race block
	}{
		{"main returns", func() {}, OutcomeOK, ExitCodeRace, 0, true, "Found 1 data race(s)\n"},
		{"os.Exit(0)", func() { Exit(0, P(16)) }, OutcomeExit, ExitCodeRace, 0, true, "Found 1 data race(s)\n"},
		{"os.Exit(3)", func() { Exit(3, P(16)) }, OutcomeExit, 3, 3, false, ""},
		{"panic", func() { panic("boom") }, OutcomePanic, 2, 2, false, "panic: boom\n"},
		{"deadlock", func() { MakeChan[int]("c", 0, P(16)).Recv(P(17)) }, OutcomeDeadlock, 2, 2, false, "fatal error: all goroutines are asleep - deadlock!\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var live bytes.Buffer
			r := run(racyProgram(tc.end), Config{Race: true, Stderr: &live})
			require.Equal(t, tc.kind, r.Outcome.Kind, r.Outcome.Message)
			assert.Equal(t, tc.code, r.Outcome.ExitCode)
			assert.Equal(t, "1\n", r.Stdout)
			require.True(t, strings.HasPrefix(r.Stderr, wantBlock), "stderr:\n%s", r.Stderr)
			assert.Contains(t, r.Stderr[len(wantBlock):], tc.suffix)
			assert.Equal(t, tc.found, strings.Contains(r.Stderr, "Found 1 data race(s)"))
			assert.Equal(t, r.Stderr, live.String(), "stderr is written as the program runs")

			plain := run(racyProgram(tc.end), Config{})
			assert.Equal(t, tc.plain, plain.Outcome.ExitCode)
			assert.NotContains(t, plain.Stderr, "DATA RACE", "without Race the run behaves as go run")
			require.Len(t, plain.Outcome.Races, 1, "races are in the outcome either way")
			assert.True(t, strings.HasPrefix(plain.Outcome.RaceReport, wantBlock))
		})
	}
}

func TestRaceReportInterleavesWithOutput(t *testing.T) {
	// Go writes a report when it finds the race, between the lines the
	// program prints before and after.
	var out bytes.Buffer
	w := &out
	prog := func() {
		var x int
		Go("main.main.func1", P(1), func() { Write(&x, 1, W(1)) })
		Sleep(10, P(2))
		Println(P(3), "before")
		Read(&x, P(4))
		Println(P(5), "after")
	}
	r := run(prog, Config{Race: true, Stdout: w, Stderr: w})
	text := out.String()
	before, race, after := strings.Index(text, "before"), strings.Index(text, "WARNING: DATA RACE"), strings.Index(text, "after")
	require.True(t, before >= 0 && race >= 0 && after >= 0, text)
	assert.True(t, before < race && race < after, text)
	assert.Equal(t, ExitCodeRace, r.Outcome.ExitCode)
}

func TestRaceOncePerPairOfLines(t *testing.T) {
	// A hundred racy increments from ten goroutines: Go reports each pair
	// of lines once, whichever goroutines meet there.
	prog := func() {
		var n int
		var wg WaitGroup
		for range 10 {
			wg.Add(1, P(1))
			Go("main.worker", P(2), func() {
				defer wg.Done(W(3))
				for range 10 {
					Update(&n, func(v int) int { return v + 1 }, W(1))
				}
			})
		}
		wg.Wait(P(3))
		Println(P(4), Read(&n, P(5)) > 0)
	}
	seeds(t, 5, prog, func(t *testing.T, r *Result) {
		seen := map[[2]Pos]bool{}
		for _, rc := range r.Outcome.Races {
			key := [2]Pos{min(rc.Access.Pos, rc.Previous.Pos), max(rc.Access.Pos, rc.Previous.Pos)}
			assert.False(t, seen[key], "pair %v reported twice", key)
			seen[key] = true
			assert.True(t, rc.Access.Write || rc.Previous.Write)
			assert.NotEqual(t, rc.Access.G, rc.Previous.G)
		}
		assert.NotEmpty(t, r.Outcome.Races)
		assert.Equal(t, len(r.Outcome.Races), strings.Count(r.Outcome.RaceReport, "WARNING: DATA RACE"))
	})
}

func TestRaceEvent(t *testing.T) {
	// The race event names both accesses: G and Peer, the other access's
	// step in Val, and which of them wrote in Flag.
	r := run(racyProgram(func() {}), Config{})
	var races []Event
	for i := range r.Log.Len() {
		if e := r.Log.At(i); e.Kind == KindRace {
			races = append(races, e)
			prev := r.Log.At(i - 1)
			assert.Equal(t, KindRead, prev.Kind, "recorded right after the racing access")
			assert.Equal(t, prev.G, e.G)
		}
	}
	require.Len(t, races, 1)
	e := races[0]
	other := r.Log.At(int(e.Val))
	assert.Equal(t, KindWrite, other.Kind)
	assert.Equal(t, e.Peer, other.G)
	assert.Equal(t, int32(1), e.G)
	assert.Equal(t, uint8(2), e.Flag, "a read racing with an earlier write")
	assert.Equal(t, e.Obj, other.Obj)
}

// TestRaceFieldsDocumented: the outcome's race fields, as JSON names them,
// are the ones PROTOCOL.md and EXPORT.md describe.
func TestRaceFieldsDocumented(t *testing.T) {
	rec := (&Result{Outcome: Outcome{Races: []Race{{}}, RaceReport: "x"}, Log: &Log{}}).Record(nil)
	b, err := json.Marshal(rec)
	require.NoError(t, err)
	var fields map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &fields))
	var race map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(fields["races"][1:len(fields["races"])-1], &race))
	for _, doc := range []string{"PROTOCOL.md", "EXPORT.md"} {
		text, err := os.ReadFile(filepath.Join("..", doc))
		require.NoError(t, err)
		for _, name := range []string{"races", "raceReport"} {
			require.Contains(t, fields, name)
			assert.Contains(t, string(text), "`"+name+"`", "%s names the outcome's %s", doc, name)
		}
	}
	proto, err := os.ReadFile(filepath.Join("..", "PROTOCOL.md"))
	require.NoError(t, err)
	for name := range race {
		assert.Contains(t, string(proto), "`"+name+"`", "PROTOCOL.md names a race's %s", name)
	}
}

func TestRaceObjectsAsMemory(t *testing.T) {
	checkEdges(t, []edge{{
		sentence: "A Mutex's Lock and Unlock are atomic operations on its state: overwriting a mutex not ordered with them races (whichever comes first).",
		synced: func() {
			var mu Mutex
			Write(&mu, Mutex{}, P(1))
			Go("main.worker", P(2), func() { mu.Lock(W(1)); mu.Unlock(W(2)) })
			Sleep(10, P(3))
		},
		racy: func() {
			var mu Mutex
			Go("main.worker", P(2), func() { Write(&mu, Mutex{}, W(3)) })
			mu.Lock(P(4))
			Sleep(10, P(3))
			mu.Unlock(P(5))
		},
	}, {
		sentence: "sync.WaitGroup: calls with a positive delta that occur when the counter is zero must happen before a Wait (package sync reads and writes the group's semaphore to say so).",
		synced: func() {
			var wg WaitGroup
			wg.Add(1, P(1))
			Go("main.worker", P(2), func() { Sleep(10, W(1)); wg.Done(W(2)) })
			wg.Wait(P(3))
		},
		racy: func() {
			var wg WaitGroup
			Go("main.worker", P(2), func() { wg.Add(1, W(3)); Sleep(10, W(1)); wg.Done(W(2)) })
			Sleep(5, P(4))
			wg.Wait(P(3))
		},
	}, {
		sentence: "Go's runtime reads a channel to send on it and writes it to close it: a send and a close that are not ordered race.",
		synced: func() {
			c := MakeChan[int]("c", 1, P(1))
			done := MakeChan[bool]("done", 0, P(2))
			Go("main.worker", P(3), func() { c.Send(1, W(1)); done.Send(true, W(2)) })
			done.Recv(P(4))
			c.Close(P(5))
		},
		racy: func() {
			c := MakeChan[int]("c", 1, P(1))
			Go("main.worker", P(3), func() { c.Send(1, W(1)) })
			Sleep(10, P(4))
			c.Close(P(5))
		},
	}})
}

func TestRaceDetectionStopsPastGoroutineCap(t *testing.T) {
	// Clocks grow with the goroutines a run creates: past Go's own limit of
	// live goroutines under -race, detection stops for the rest of the run.
	prog := func(extra int) func() {
		return func() {
			for range extra {
				Go("main.idle", P(1), func() {})
			}
			var x int
			Go("main.worker", P(2), func() { Write(&x, 1, W(1)) })
			Sleep(10, P(3))
			Read(&x, P(4))
		}
	}
	for _, tc := range []struct {
		extra int
		races int
	}{{raceMaxGoroutines - 3, 1}, {raceMaxGoroutines, 0}} {
		r := run(prog(tc.extra), Config{Policy: PolicyFIFO})
		assert.Len(t, r.Outcome.Races, tc.races, "%d goroutines before the race", tc.extra)
	}
}

func TestRaceManyUnorderedReaders(t *testing.T) {
	// A hundred goroutines read x with nothing ordering them, then main
	// writes it: ordered after every read (Wait), no race; ordered after
	// none, a race with a read, as a -race binary reports one. The shadow
	// keeps maxReads of the reads, so each read costs the same however many
	// goroutines read before it.
	const readers = 100
	prog := func(synced bool) func() {
		return func() {
			var x int
			var wg WaitGroup
			for range readers {
				wg.Add(1, P(1))
				Go("main.reader", P(2), func() { Read(&x, W(1)); wg.Done(W(2)) })
			}
			if synced {
				wg.Wait(P(3))
			} else {
				Sleep(10, P(4))
			}
			Write(&x, 1, P(5))
		}
	}
	for _, synced := range []bool{true, false} {
		for _, p := range []Policy{PolicyRandom, PolicyGo, PolicyFIFO} {
			r := run(prog(synced), Config{Policy: p, Seed: 3})
			if synced {
				assert.Empty(t, r.Outcome.Races, "write after Wait, %v", p)
				continue
			}
			require.Len(t, r.Outcome.Races, 1, "write after a sleep, %v", p)
			race := r.Outcome.Races[0]
			assert.True(t, race.Access.Write, "the write is the racing access")
			assert.False(t, race.Previous.Write, "the previous access is a read")
			assert.Equal(t, P(5), race.Access.Pos, "main's write")
		}
	}
}
