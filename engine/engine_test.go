package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain proves that no run leaves a goroutine behind, whatever its outcome.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Positions used by test programs: P(n) is line n of prog.go in main.main,
// W(n) line n in main.worker.
var testSites = func() []Site {
	s := []Site{{}}
	for line := 1; line <= 50; line++ {
		s = append(s, Site{File: "prog.go", Line: line, Func: "main.main"})
	}
	for line := 1; line <= 50; line++ {
		s = append(s, Site{File: "prog.go", Line: 100 + line, Func: "main.worker"})
	}
	return s
}()

func P(line int) Pos { return Pos(line) }
func W(line int) Pos { return Pos(50 + line) }

// run executes main under cfg with the test site table.
func run(main func(), cfg Config) *Result {
	return Run(Program{Name: "test", Sites: testSites, Main: main}, cfg)
}

// seeds runs main under every policy and n seeds, calling check on each result.
func seeds(t *testing.T, n int, main func(), check func(t *testing.T, r *Result)) {
	t.Helper()
	for _, pol := range []Policy{PolicyRandom, PolicyGo, PolicyFIFO} {
		for seed := range uint64(n) {
			r := run(main, Config{Seed: seed, Policy: pol})
			check(t, r)
			if t.Failed() {
				t.Fatalf("failed at policy %s seed %d; stdout %q; stderr %q", pol, seed, r.Stdout, r.Stderr)
			}
		}
	}
}

// rule is one rule of the spec or the memory model, as a program and what
// it must do under every policy and seed.
type rule struct {
	rule   string
	main   func()
	stdout string // the whole output, or its start when prefix is set
	prefix bool   // the rest of the output depends on the schedule
	kind   OutcomeKind
}

// checkRules runs each rule over n seeds under every policy.
func checkRules(t *testing.T, n int, rules []rule) {
	for _, tc := range rules {
		t.Run(tc.rule, func(t *testing.T) {
			seeds(t, n, tc.main, func(t *testing.T, r *Result) {
				assert.Equal(t, tc.kind, r.Outcome.Kind, r.Outcome.Message)
				if tc.prefix {
					assert.True(t, strings.HasPrefix(r.Stdout, tc.stdout), "stdout %q does not start with %q", r.Stdout, tc.stdout)
				} else {
					assert.Equal(t, tc.stdout, r.Stdout)
				}
			})
		})
	}
}

// logHash fingerprints a log byte for byte (every field of every event,
// the interned strings, the objects and goroutines).
func logHash(r *Result) string {
	h := sha256.New()
	var sb strings.Builder
	for i := range r.Log.Len() {
		rec := r.Log.Record(i, testSites)
		sb.Reset()
		sb.WriteString(rec.Kind)
		h.Write([]byte(sb.String()))
		e := r.Log.At(i)
		var b [40]byte
		put := func(off int, v uint64, n int) {
			for k := range n {
				b[off+k] = byte(v >> (8 * k))
			}
		}
		put(0, uint64(e.Time), 8)
		put(8, e.Val, 8)
		put(16, uint64(e.G), 4)
		put(20, uint64(e.Obj), 4)
		put(24, uint64(e.Peer), 4)
		put(28, uint64(e.Pos), 4)
		b[32], b[33], b[34] = byte(e.Kind), byte(e.VK), e.Flag
		h.Write(b[:])
	}
	for _, s := range r.Log.Strings() {
		h.Write([]byte(s + "\x00"))
	}
	for _, o := range r.Log.Objects {
		h.Write([]byte(o.Kind.String() + o.Name + o.Elem + "\x00"))
	}
	for _, g := range r.Log.Gs {
		h.Write([]byte(g.Name + "\x00"))
	}
	h.Write([]byte(r.Stdout + "\x00" + r.Stderr + "\x00" + string(r.Outcome.Kind)))
	return hex.EncodeToString(h.Sum(nil))
}

// TestEngineImportsStdlibOnly: the engine must build with the standard
// library alone, so pasted programs compile offline against it.
func TestEngineImportsStdlibOnly(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain on PATH")
	}
	out, err := exec.Command(gobin, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	require.NoError(t, err)
	var nonStd []string
	for _, p := range strings.Fields(string(out)) {
		if p != enginePkg {
			nonStd = append(nonStd, p)
		}
	}
	assert.Empty(t, nonStd, "engine depends on packages outside the standard library")
}
