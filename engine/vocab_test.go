package engine

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every number the wire carries has one distinct name: a kind added without
// a name, or named twice, would reach the page as "" or as its twin.
func TestVocabNamesAreDistinct(t *testing.T) {
	v := Vocab()
	for _, tc := range []struct {
		list      string
		names     []string
		zeroEmpty bool
	}{
		{"event kinds", v.EventKinds, false},
		{"object kinds", v.ObjectKinds, true},
		{"wait reasons", v.WaitReasons, true},
		{"outcome kinds", v.OutcomeKinds, false},
	} {
		seen := map[string]bool{}
		for i, n := range tc.names {
			if i == 0 && tc.zeroEmpty {
				assert.Empty(t, n, "%s: 0 means none", tc.list)
				continue
			}
			assert.NotEmpty(t, n, "%s: number %d has no name", tc.list, i)
			assert.False(t, seen[n], "%s: %q named twice", tc.list, n)
			seen[n] = true
		}
	}
	assert.Len(t, v.EventKinds, int(kindCount))
	assert.Equal(t, "send.block", v.EventKinds[KindSendBlock], "names are indexed by kind number")
}

// A blocked goroutine's reason reads as Go prints it in a goroutine dump,
// in JSON too, and survives the trip back from JSON (the server decodes its
// child's outcome).
func TestWaitReasonText(t *testing.T) {
	for _, tc := range []struct {
		r    WaitReason
		want string
	}{
		{WaitChanReceive, "chan receive"},
		{WaitChanSendNil, "chan send (nil chan)"},
		{WaitSelectNoCases, "select (no cases)"},
		{WaitRWMutexRLock, "sync.RWMutex.RLock"},
		{WaitWaitGroupWait, "sync.WaitGroup.Wait"},
		{WaitIO, "IO wait"},
	} {
		b, err := json.Marshal(BlockedRecord{G: 1, Reason: tc.r})
		require.NoError(t, err)
		assert.JSONEq(t, `{"g":1,"name":"","reason":"`+tc.want+`"}`, string(b))
		var back BlockedRecord
		require.NoError(t, json.Unmarshal(b, &back))
		assert.Equal(t, tc.r, back.Reason)
	}
	var r WaitReason
	assert.ErrorContains(t, r.UnmarshalText([]byte("chan recv")), `unknown wait reason "chan recv"`)
}

// Every OutcomeKind constant declared in outcome.go is in the vocabulary the
// page receives, in declaration order, so a new kind cannot be left out.
func TestOutcomeKindsListsEveryConstant(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "outcome.go", nil, 0)
	require.NoError(t, err)
	var declared []string
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, sp := range gd.Specs {
			vs := sp.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); ok && id.Name == "OutcomeKind" {
				for _, v := range vs.Values {
					s, err := strconv.Unquote(v.(*ast.BasicLit).Value)
					require.NoError(t, err)
					declared = append(declared, s)
				}
			}
		}
	}
	require.NotEmpty(t, declared)
	assert.Equal(t, declared, Vocab().OutcomeKinds)
}
