package server

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/concviz/concviz/engine"
)

// ProtocolVersion is the version of the WebSocket protocol (PROTOCOL.md).
const ProtocolVersion = 1

// Limits on client input, beyond the read limit.
const (
	maxMessage       = 64 << 10 // bytes in one client message
	maxInterventions = 1000
	maxSeed          = 1<<53 - 1 // seeds survive a round trip through a JavaScript number
)

// clientMessage is any message a browser sends; Type says which fields apply.
type clientMessage struct {
	Type    string `json:"type"`
	Version int    `json:"version,omitempty"` // hello
	ID      string `json:"id,omitempty"`      // run, cancel: the client's name for the request

	Scenario      string                    `json:"scenario,omitempty"`
	Knobs         map[string]int64          `json:"knobs,omitempty"`
	Caps          map[string]int            `json:"caps,omitempty"`
	Seed          *uint64                   `json:"seed,omitempty"`
	Policy        string                    `json:"policy,omitempty"`
	Interventions []engine.InterventionSpec `json:"interventions,omitempty"`
	From          int                       `json:"from,omitempty"` // run: send events from this sequence number on

	// Rooms (PROTOCOL.md, "Rooms"): present names Scenario; claim, view
	// and close name a room and carry its secret; follow names a room.
	Code   string     `json:"code,omitempty"`
	Secret string     `json:"secret,omitempty"`
	View   *viewInput `json:"view,omitempty"`
}

// viewInput is a presenter's view as sent: the inputs of a run, as in a run
// message, plus what the presenter's page shows. It is decoded as strictly
// as the message around it.
type viewInput struct {
	Scenario      string                    `json:"scenario"`
	Seed          *uint64                   `json:"seed"`
	Policy        string                    `json:"policy"`
	Knobs         map[string]int64          `json:"knobs"`
	Caps          map[string]int            `json:"caps"`
	Interventions []engine.InterventionSpec `json:"interventions"`
	Step          int64                     `json:"step"`
	Playing       bool                      `json:"playing"`
	Speed         int                       `json:"speed"`
}

// viewField is a view as the server relays it: checked, with defaults
// filled in and every field present, so viewers never see the presenter's
// bytes.
type viewField struct {
	Scenario      string                    `json:"scenario"`
	Seed          uint64                    `json:"seed"`
	Policy        string                    `json:"policy"`
	Knobs         map[string]int64          `json:"knobs"`
	Caps          map[string]int            `json:"caps"`
	Interventions []engine.InterventionSpec `json:"interventions"`
	Step          int64                     `json:"step"`
	Playing       bool                      `json:"playing"`
	Speed         int                       `json:"speed"`
}

// Server to client messages.
type (
	helloMessage struct {
		Type    string      `json:"type"` // "hello"
		Version int         `json:"version"`
		Limits  limitsField `json:"limits"`
		Kinds   []string    `json:"kinds"` // event kind names by number, as events carry them
	}
	limitsField struct {
		MaxEvents        int   `json:"maxEvents"`
		MaxCap           int   `json:"maxCap"`
		MaxInterventions int   `json:"maxInterventions"`
		MaxMessage       int   `json:"maxMessage"`
		WallMillis       int64 `json:"wallMillis"`
	}
	runMessage struct {
		Type     string      `json:"type"` // "run"
		ID       string      `json:"id"`
		Run      string      `json:"run"` // the run's key: equal inputs, equal key
		Scenario string      `json:"scenario"`
		Seed     uint64      `json:"seed"`
		Policy   string      `json:"policy"`
		Sites    []siteField `json:"sites"` // positions events refer to by index
		Cached   bool        `json:"cached"`
	}
	siteField struct {
		Line int    `json:"line"`
		Func string `json:"func,omitempty"`
	}
	eventsMessage struct {
		Type       string             `json:"type"` // "events"
		ID         string             `json:"id"`
		From       int                `json:"from"` // sequence number of the first event
		Events     [][9]any           `json:"events"`
		Objects    []engine.Object    `json:"objects,omitempty"`    // declared since the last batch
		Goroutines []engine.Goroutine `json:"goroutines,omitempty"` // started since the last batch
	}
	outcomeMessage struct {
		Type string `json:"type"` // "outcome"
		ID   string `json:"id"`
		engine.OutcomeRecord
		Report string `json:"report,omitempty"`
		Stdout string `json:"stdout"`
		Stderr string `json:"stderr"`
	}
	roomMessage struct {
		Type       string `json:"type"` // "room"
		Code       string `json:"code"`
		Role       string `json:"role"`             // "presenter" or "viewer"
		Secret     string `json:"secret,omitempty"` // to the presenter only
		URL        string `json:"url"`              // the join link
		Viewers    int    `json:"viewers"`
		IdleMillis int64  `json:"idleMillis"`
	}
	viewMessage struct {
		Type string    `json:"type"` // "view"
		Code string    `json:"code"`
		Seq  int64     `json:"seq"`
		View viewField `json:"view"`
	}
	viewersMessage struct {
		Type  string `json:"type"` // "viewers"
		Code  string `json:"code"`
		Count int    `json:"count"`
	}
	roomClosedMessage struct {
		Type   string `json:"type"` // "room.closed"
		Code   string `json:"code"`
		Reason string `json:"reason"` // "closed", "expired" or "shutdown"
	}
	errorMessage struct {
		Type    string `json:"type"` // "error"
		Code    string `json:"code"`
		Message string `json:"message"`
		ID      string `json:"id,omitempty"`      // the request it refers to
		Request string `json:"request,omitempty"` // the type of message it refers to
	}
)

// eventRow is an event as the protocol sends it: [time, goroutine, kind,
// object, peer, value, flag, site, value kind] with the value as text.
func eventRow(l *RunLog, e engine.Event) [9]any {
	return [9]any{e.Time, e.G, uint8(e.Kind), e.Obj, e.Peer, l.Value(e), e.Flag, int32(e.Pos), uint8(e.VK)}
}

func kindNames() []string {
	var out []string
	for k := engine.KindNone; ; k++ {
		n := k.String()
		if strings.HasPrefix(n, "kind(") {
			return out
		}
		out = append(out, n)
	}
}

// protoError is a problem with a client's message, answered with an error
// message; the connection stays open.
type protoError struct {
	code, msg string
}

func (e *protoError) Error() string { return e.code + ": " + e.msg }

func badf(code, format string, a ...any) *protoError {
	return &protoError{code, fmt.Sprintf(format, a...)}
}

// parseClient decodes one client message, refusing unknown fields and
// mistyped values with a message that names them.
func parseClient(b []byte) (*clientMessage, *protoError) {
	var m clientMessage
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		var te *json.UnmarshalTypeError
		if ok := asTypeError(err, &te); ok && te.Field == "" {
			return nil, badf("bad_json", "a message must be a JSON object, not a JSON %s", te.Value)
		}
		if ok := asTypeError(err, &te); ok {
			return nil, badf("bad_field", "field %q must be a %s, not a JSON %s", te.Field, te.Type, te.Value)
		}
		if strings.HasPrefix(err.Error(), "json: unknown field") {
			return nil, badf("bad_field", "%s", strings.TrimPrefix(err.Error(), "json: "))
		}
		return nil, badf("bad_json", "message is not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, badf("bad_json", "one JSON object per message")
	}
	if m.Type == "" {
		return nil, badf("bad_field", "message has no \"type\"")
	}
	return &m, nil
}

func asTypeError(err error, target **json.UnmarshalTypeError) bool {
	te, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*target = te
	}
	return ok
}
