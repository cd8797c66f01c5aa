package golexer

import (
	"testing"

	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/scenarios"
	"github.com/concviz/concviz/web/internal/loadtest"
)

// TestGoLexerIsChromas keeps this package's copy of chroma's Go lexer what
// chroma's own lexes: the same tokens for every scenario the pages show,
// the browser benchmark's program, and code that tries every rule. Only a
// raw string differs on purpose (one token here, a template in chroma's).
func TestGoLexerIsChromas(t *testing.T) {
	srcs := map[string]string{
		"every rule": "package main\n\nimport \"fmt\"\n\n//go:build x\n// a comment\n/* a\nblock */\n" +
			"type T struct{ a any; b chan<- int }\nconst c = iota\nvar x, y = 1.5e-3, 0x1F\n" +
			"func f(s []string) (int, error) {\n\tdefer close(make(chan int))\n\tfor i := range 10 { _ = i &^ 3 }\n" +
			"\tselect { default: }\n\tgo func() {}()\n\tr := 'x' + '\\n'\n\treturn len(s) + 0o7 + 0b1, nil\n}\n",
		"bench": loadtest.BigSource,
	}
	for _, sc := range scenarios.All() {
		srcs[sc.ID] = sc.Source
	}
	tokens := func(l chroma.Lexer, src string) []chroma.Token {
		it, err := chroma.Coalesce(l).Tokenise(nil, src)
		require.NoError(t, err)
		return it.Tokens()
	}
	for name, src := range srcs {
		t.Run(name, func(t *testing.T) {
			require.NotEmpty(t, src)
			assert.Equal(t, tokens(lexers.Get("go"), src), tokens(Go(), src))
		})
	}
	// The one difference: a raw string is one token.
	raw := "var s = `{{.X}} a`\n"
	assert.Contains(t, tokens(Go(), raw), chroma.Token{Type: chroma.LiteralString, Value: "`{{.X}} a`"})
}
