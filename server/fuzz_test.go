package server

import (
	"testing"
)

// FuzzClientMessage: whatever a client sends, parsing and validating it
// never panics, and every refusal names a code and says why.
func FuzzClientMessage(f *testing.F) {
	for _, seed := range []string{
		`{"type":"hello","version":3}`,
		`{"type":"run","id":"a","scenario":"pool","seed":3,"caps":{"jobs":0},"knobs":{"workers":2},"policy":"fifo","interventions":[{"step":4,"run":2},{"step":9,"chan":1,"cap":0}],"from":2}`,
		`{"type":"cancel"}`,
		`{"type":"run","scenario":"pool","caps":{"jobs":-1}}`,
		`[]`, `null`, `{"type":1}`, `{"type":"run","seed":1e400}`,
		`{"type":"present","scenario":"pool"}`,
		`{"type":"follow","code":"abcd-2345"}`,
		`{"type":"view","code":"ABCD2345","secret":"00112233445566778899aabbccddeeff","view":{"scenario":"pool","seed":2,"policy":"go","caps":{"jobs":1},"interventions":[{"step":3,"run":2}],"step":7,"playing":true,"speed":30}}`,
		`{"type":"view","code":"ABCD2345","view":{"scenario":"pool","step":-1,"speed":0}}`,
	} {
		f.Add([]byte(seed))
	}
	s := New(testOptions(testLimits()))
	defer s.Close()
	f.Fuzz(func(t *testing.T, b []byte) {
		m, perr := parseClient(b)
		if perr != nil {
			if perr.code == "" || perr.msg == "" {
				t.Fatalf("refusal without code or message: %+v", perr)
			}
			return
		}
		if m.Type == "run" {
			if _, _, perr := s.validate(m); perr != nil && (perr.code == "" || perr.msg == "") {
				t.Fatalf("refusal without code or message: %+v", perr)
			}
		}
		if m.Type == "view" && m.View != nil {
			if _, perr := s.validateView(m.View); perr != nil && (perr.code == "" || perr.msg == "") {
				t.Fatalf("refusal of a view without code or message: %+v", perr)
			}
		}
	})
}
