package web

import (
	"strings"

	"github.com/alecthomas/chroma/v2"

	"github.com/concviz/concviz/web/internal/golexer"
)

// Span is a run of source text with a highlight class (chroma's short
// class names, e.g. "k" for a keyword; "" for plain text).
type Span struct {
	Class string
	Text  string
}

// Line is one source line, numbered from 1.
type Line struct {
	N     int
	Spans []Span
}

// highlight splits Go source into lines of classed spans. Every line of the
// source is one Line, so the page can give each its own element; tokens
// that span lines (raw strings, block comments) are split at the newlines.
func highlight(src string) []Line {
	src = strings.TrimSuffix(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	var tokens []chroma.Token
	if it, err := chroma.Coalesce(golexer.Go()).Tokenise(nil, src); err == nil {
		tokens = it.Tokens()
	}
	if tokens == nil {
		tokens = []chroma.Token{{Type: chroma.Text, Value: src}}
	}
	lines := []Line{{N: 1}}
	for _, t := range tokens {
		class := chroma.StandardTypes[t.Type]
		if t.Type == chroma.Text || t.Type == chroma.TextWhitespace {
			class = ""
		}
		parts := strings.Split(t.Value, "\n")
		for i, p := range parts {
			if i > 0 {
				lines = append(lines, Line{N: len(lines) + 1})
			}
			if p != "" {
				cur := &lines[len(lines)-1]
				cur.Spans = append(cur.Spans, Span{Class: class, Text: p})
			}
		}
	}
	// A source that ends without text on its last line(s) still has them.
	if want := strings.Count(src, "\n") + 1; len(lines) > want {
		lines = lines[:want]
	}
	return lines
}
