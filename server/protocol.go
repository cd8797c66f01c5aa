package server

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"

	"github.com/concviz/concviz/engine"
)

// ProtocolVersion is the version of the WebSocket protocol (PROTOCOL.md).
const ProtocolVersion = 3

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
	Binary  bool   `json:"binary,omitempty"`  // hello: send events as binary messages (PROTOCOL.md)
	ID      string `json:"id,omitempty"`      // run, cancel: the client's name for the request

	runFields     // run; present names Scenario
	From      int `json:"from,omitempty"` // run: send events from this sequence number on

	// Rooms (PROTOCOL.md, "Rooms"): claim, view and close name a room and
	// carry its secret; follow names a room.
	Code   string `json:"code,omitempty"`
	Secret string `json:"secret,omitempty"`
	View   *view  `json:"view,omitempty"`
}

// runFields are a run's inputs as the protocol spells them, in a run
// message and in a room's view: declared once, and made an engine.RunInput
// by input, where a missing seed is 1 and a missing policy random.
type runFields struct {
	Scenario      string                    `json:"scenario"`
	Seed          *uint64                   `json:"seed"`
	Policy        string                    `json:"policy"`
	Knobs         map[string]int64          `json:"knobs"`
	Caps          map[string]int            `json:"caps"`
	Interventions []engine.InterventionSpec `json:"interventions"`
}

// input returns the run's inputs as the engine takes them.
func (f runFields) input() engine.RunInput {
	in := engine.RunInput{Program: f.Scenario, Seed: 1, Policy: cmp.Or(f.Policy, engine.PolicyRandom.String()),
		Knobs: f.Knobs, Caps: f.Caps, Interventions: f.Interventions}
	if f.Seed != nil {
		in.Seed = *f.Seed
	}
	return in
}

// view is a presenter's view: the inputs of a run, plus what the
// presenter's page shows. As sent it is decoded as strictly as the message
// around it; as relayed (validateView) every field is present and checked,
// so viewers never see the presenter's bytes nor guess a default.
type view struct {
	runFields
	Step    int64 `json:"step"`
	Playing bool  `json:"playing"`
	Speed   int   `json:"speed"`
}

// Server to client messages.
type (
	helloMessage struct {
		Type    string      `json:"type"` // "hello"
		Version int         `json:"version"`
		Limits  limitsField `json:"limits"`
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
		Events     [][11]any          `json:"events"`
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
		Type string `json:"type"` // "view"
		Code string `json:"code"`
		Seq  int64  `json:"seq"`
		View view   `json:"view"`
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
// object, peer, value, flag, site, value kind, wait reason, effects] with
// the value as text.
func eventRow(l *RunLog, e engine.Event) [11]any {
	return [11]any{e.Time, e.G, uint8(e.Kind), e.Obj, e.Peer, l.Value(e), e.Flag, int32(e.Pos), uint8(e.VK), uint8(e.Reason), uint8(e.Fx)}
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
// mistyped values with a message that names them. encoding/json matches
// keys case-insensitively and takes the last of duplicate keys, so the
// keys are checked first, exactly, against the message's own names; the
// decoder then never meets an unknown field.
func parseClient(b []byte) (*clientMessage, *protoError) {
	if perr := checkKeys(b, reflect.TypeFor[clientMessage]()); perr != nil {
		return nil, perr
	}
	var m clientMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field == "" {
			return nil, badf(codeBadJSON, "a message must be a JSON object, not a JSON %s", te.Value)
		}
		if errors.As(err, &te) {
			return nil, badf(codeBadField, "field %q must be a %s, not a JSON %s", clip(te.Field, maxEcho), te.Type, te.Value)
		}
		return nil, badf(codeBadJSON, "message is not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, badf(codeBadJSON, "one JSON object per message")
	}
	if m.Type == "" {
		return nil, badf(codeBadField, "message has no \"type\"")
	}
	return &m, nil
}

// checkKeys walks the JSON in b beside the Go type it will decode into and
// refuses a key that is not exactly one of a struct's JSON names, and a key
// that appears twice in one object. Malformed JSON is left to the decoder.
func checkKeys(b []byte, t reflect.Type) *protoError {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	perr, _ := walkKeys(dec, t)
	return perr
}

// walkKeys checks the next value of dec against t; false means the JSON is
// malformed, for the decoder to say so.
func walkKeys(dec *json.Decoder, t reflect.Type) (*protoError, bool) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, false
	}
	switch tok {
	case json.Delim('{'):
		var fields map[string]reflect.Type
		var elem reflect.Type
		switch {
		case t != nil && t.Kind() == reflect.Struct:
			fields = jsonFields(t)
		case t != nil && t.Kind() == reflect.Map:
			elem = t.Elem()
		}
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return nil, false
			}
			key, _ := tok.(string)
			if seen[key] {
				return badf(codeBadField, "field %q appears twice", clip(key, maxEcho)), true
			}
			seen[key] = true
			next := elem
			if fields != nil {
				ft, ok := fields[key]
				if !ok {
					return badf(codeBadField, "unknown field %q", clip(key, maxEcho)), true
				}
				next = ft
			}
			if perr, ok := walkKeys(dec, next); perr != nil || !ok {
				return perr, ok
			}
		}
		_, err := dec.Token()
		return nil, err == nil
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for dec.More() {
			if perr, ok := walkKeys(dec, elem); perr != nil || !ok {
				return perr, ok
			}
		}
		_, err := dec.Token()
		return nil, err == nil
	}
	return nil, true
}

// jsonFields are the names encoding/json gives t's fields, with their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() && !(f.Anonymous && f.Type.Kind() == reflect.Struct) {
			continue // encoding/json promotes an embedded struct's fields, exported or not
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				maps.Copy(out, jsonFields(f.Type))
				continue
			}
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}
