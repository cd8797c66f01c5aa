package instrument

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ConstKnob is a package-level integer or time.Duration constant marked in
// the source with a trailing `// knob: LO..HI` comment, e.g.
//
//	const workers = 3 // knob: 1..8
//	const deadline = 1500 * time.Millisecond // knob: 100ms..3s
//
// The rewriter turns it into a variable initialised inside the run with
// engine.Knob(Name, Default), so engine.Config.Knobs can change it per run.
// Used where Go requires a constant (an array length, another constant's
// value), it no longer compiles.
type ConstKnob struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"` // "int" or "duration" (nanoseconds)
	Default int64  `json:"default"`
	Min     int64  `json:"min"`
	Max     int64  `json:"max"`
	Range   string `json:"range"` // as written, e.g. "100ms..3s"
	File    string `json:"file"`
	Line    int    `json:"line"`
}

var knobMarker = regexp.MustCompile(`^//\s*knob:\s*(\S+?)\s*\.\.\s*(\S+)\s*$`)

// knobComment returns the knob marker of a const spec, if any.
func knobComment(vs *ast.ValueSpec) (lo, hi string, ok bool) {
	for _, cg := range []*ast.CommentGroup{vs.Comment, vs.Doc} {
		if cg == nil {
			continue
		}
		for _, c := range cg.List {
			if m := knobMarker.FindStringSubmatch(c.Text); m != nil {
				return m[1], m[2], true
			}
			if strings.HasPrefix(strings.TrimSpace(strings.TrimPrefix(c.Text, "//")), "knob:") {
				return "", "", true // malformed: reported by the caller
			}
		}
	}
	return "", "", false
}

// constDecl renders a package-level const declaration, removing the marked
// knob constants (declared as variables at the end of the file and set in
// the init function).
func (r *rw) constDecl(d *ast.GenDecl) string {
	removed := 0
	for i, s := range d.Specs {
		vs := s.(*ast.ValueSpec)
		lo, hi, ok := knobComment(vs)
		if !ok {
			continue
		}
		if len(vs.Values) == 0 || len(vs.Names) != 1 {
			r.fail(vs.Pos(), "a knob constant must be declared alone with its value (name = value // knob: LO..HI)")
			return ""
		}
		if i+1 < len(d.Specs) {
			if next := d.Specs[i+1].(*ast.ValueSpec); len(next.Values) == 0 {
				r.fail(next.Pos(), "this constant repeats the knob constant %s's expression: give it its own value", vs.Names[0].Name)
				return ""
			}
		}
		if !r.constKnob(vs, lo, hi) {
			return ""
		}
		orig := string(r.src[r.off(vs.Pos()):r.off(vs.End())])
		r.override[vs] = strings.Repeat("\n", strings.Count(orig, "\n"))
		removed++
	}
	if removed == 0 {
		return r.text(d)
	}
	if !d.Lparen.IsValid() {
		// "const x = 1 // knob" alone: the whole declaration goes.
		return strings.Repeat("\n", strings.Count(string(r.src[r.off(d.Pos()):r.off(d.End())]), "\n"))
	}
	return r.splice(d)
}

// constKnob records a knob constant and generates its variable and
// initialisation.
func (r *rw) constKnob(vs *ast.ValueSpec, lo, hi string) bool {
	id := vs.Names[0]
	c, _ := r.p.info.Defs[id].(*types.Const)
	if c == nil {
		return false
	}
	ps := r.p.fset.Position(id.Pos())
	k := ConstKnob{Name: id.Name, Kind: "int", Range: lo + ".." + hi, File: ps.Filename, Line: ps.Line}
	t := c.Type()
	typ := ""
	if b, ok := t.(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
		if b.Kind() != types.UntypedInt && b.Kind() != types.UntypedRune {
			r.fail(id.Pos(), "knob constant %s must be an integer or a time.Duration", id.Name)
			return false
		}
		typ = "int"
	} else {
		if n, ok := types.Unalias(t).(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "time" && n.Obj().Name() == "Duration" {
			k.Kind = "duration"
		} else if t.Underlying().(*types.Basic).Info()&types.IsInteger == 0 {
			r.fail(id.Pos(), "knob constant %s must be an integer or a time.Duration", id.Name)
			return false
		}
		var err error
		if typ, err = r.typeText(t); err != nil {
			r.fail(id.Pos(), "%v", err)
			return false
		}
	}
	v, exact := constant.Int64Val(constant.ToInt(c.Val()))
	if !exact {
		r.fail(id.Pos(), "knob constant %s does not fit in an int64", id.Name)
		return false
	}
	k.Default = v
	parse := func(s string) (int64, error) {
		if k.Kind == "duration" {
			d, err := time.ParseDuration(s)
			return int64(d), err
		}
		return strconv.ParseInt(s, 0, 64)
	}
	var err1, err2 error
	k.Min, err1 = parse(lo)
	k.Max, err2 = parse(hi)
	if lo == "" || err1 != nil || err2 != nil || k.Min > k.Max {
		want := "LO..HI with integers, e.g. // knob: 1..8"
		if k.Kind == "duration" {
			want = "LO..HI with durations, e.g. // knob: 100ms..3s"
		}
		r.fail(vs.Pos(), "knob %s: the marker must read %s", id.Name, want)
		return false
	}
	if k.Default < k.Min || k.Default > k.Max {
		r.fail(vs.Pos(), "knob %s: its value %s is outside its range %s", id.Name, c.Val(), k.Range)
		return false
	}
	r.constKnobs = append(r.constKnobs, k)
	fn := "_cvz_knob" + strconv.Itoa(len(r.constKnobs)-1)
	r.knobInits = append(r.knobInits, fn)
	r.fileInit = append(r.fileInit, fmt.Sprintf("var %s %s\n\nfunc %s() { %s = %s(%s.Knob(%q, %d)) }\n",
		id.Name, typ, fn, id.Name, typ, r.eng, id.Name, v))
	return true
}

// findUntypedKnobs marks the untyped integer constants with a knob marker:
// they become int variables, converted at each use where the constant took
// another type (e.g. n * time.Millisecond).
func (r *rw) findUntypedKnobs() {
	r.untypedKnobs = map[*types.Const]bool{}
	for _, f := range r.p.files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, s := range gd.Specs {
				vs := s.(*ast.ValueSpec)
				if _, _, ok := knobComment(vs); !ok || len(vs.Names) != 1 {
					continue
				}
				if c, ok := r.p.info.Defs[vs.Names[0]].(*types.Const); ok {
					if b, ok := c.Type().(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
						r.untypedKnobs[c] = true
					}
				}
			}
		}
	}
}
