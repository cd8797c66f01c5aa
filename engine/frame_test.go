package engine

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// streamed runs main as a child streams it and returns the frames.
func streamed(t testing.TB, main func(), cfg Config) ([]byte, *Result) {
	t.Helper()
	var buf bytes.Buffer
	res, err := StreamRun(Program{Name: "test", Sites: testSites, Main: main}, cfg, NewFrameWriter(&buf))
	require.NoError(t, err)
	return buf.Bytes(), res
}

// readAll decodes frames until the end or an error.
func readAll(b []byte, sites int) (*Recording, error) {
	rec := &Recording{}
	fr := NewFrameReader(bytes.NewReader(b), rec, sites)
	for {
		if err := fr.Next(); err != nil {
			if err == io.EOF {
				err = nil
			}
			return rec, err
		}
	}
}

// A run read back from its frames is the run: every event, string,
// object and goroutine, the sites and the ending.
func TestFramesCarryTheRun(t *testing.T) {
	for _, tc := range []struct {
		name string
		main func()
		cfg  Config
	}{
		{"fan-in", simFanIn, Config{Seed: 3}},
		{"context timeout", simContextTimeout, Config{Seed: 1, Policy: PolicyFIFO}},
		{"mutex counter", simMutexCounter, Config{Seed: 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, res := streamed(t, tc.main, tc.cfg)
			rec, err := readAll(b, 0)
			require.NoError(t, err)
			require.Equal(t, res.Log.Len(), rec.Len())
			for i := range res.Log.Len() {
				require.Equal(t, res.Log.Record(i, testSites), rec.Record(i, rec.Sites), "event %d", i)
			}
			assert.Equal(t, res.Log.Objects, rec.Objects)
			assert.Equal(t, res.Log.Gs, rec.Gs)
			assert.Equal(t, testSites, rec.Sites)
			require.NotNil(t, rec.End)
			assert.Equal(t, res.Record(testSites), rec.End.Outcome)
			assert.Equal(t, res.Stdout, rec.End.Stdout)
			assert.NotEmpty(t, rec.End.Stdout)
		})
	}
}

// A stream is not trusted: anything malformed is refused as garbled,
// and a refusal carries the writer's reason.
func TestFramesRefuseGarbage(t *testing.T) {
	good, _ := streamed(t, simFanIn, Config{Seed: 1})
	event := func(e Event) []byte { return appendEventsFrame(nil, []Event{e}, make([]uint64, 1)) }
	var refusal bytes.Buffer
	fw := NewFrameWriter(&refusal)
	require.NoError(t, fw.Refuse(`no scenario "x"`))
	require.NoError(t, fw.Flush())
	for _, tc := range []struct {
		name, want string
		b          []byte
	}{
		{"truncated", "truncated frame", good[:len(good)/2]},
		{"no ending", "stream ended before the run's result", nil},
		{"unknown frame", "unknown frame type 'Z'", []byte("Z\x00")},
		{"huge frame", "frame of", []byte("E\xff\xff\xff\xff\x0f")},
		{"short events", "events frame: bad column count", []byte("E\x05hello")},
		{"unknown goroutine", "unknown goroutine 4", event(Event{Kind: KindGo, G: 4})},
		{"unknown kind", "unknown kind 0", event(Event{})},
		{"unknown position", "unknown position 500", event(Event{Kind: KindGo, Pos: 500})},
		{"unknown string", "unknown string 0", event(Event{Kind: KindGo, VK: ValString})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readAll(tc.b, len(testSites))
			require.ErrorIs(t, err, ErrGarbled)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err := readAll(refusal.Bytes(), len(testSites))
	var re *RefusedError
	require.True(t, errors.As(err, &re), "%v", err)
	assert.Equal(t, `no scenario "x"`, re.Msg)
}

// FuzzFrames: garbage never panics the reader, and it ends in an error or
// an ending.
func FuzzFrames(f *testing.F) {
	good, _ := streamed(f, simFanIn, Config{Seed: 1})
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("E\x05hello"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rec := &Recording{}
		fr := NewFrameReader(bytes.NewReader(b), rec, len(testSites))
		for range 10_000 {
			err := fr.Next()
			if err == io.EOF {
				if rec.End == nil {
					t.Fatal("EOF without an ending")
				}
				return
			}
			if err != nil {
				return
			}
		}
	})
}
