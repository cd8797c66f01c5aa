// Package golexer is chroma's lexer for Go, made here rather than taken
// from chroma's lexers package. That package builds every lexer it has (about
// 280, most parsed from embedded XML) as the program starts: 15 ms and
// 2.7 MB in every process of concviz's binary, each run's child included
// (GODEBUG=inittrace=1), for the one lexer the pages use.
//
// The rules are those of chroma v2.27.0's lexers/go.go (MIT licence,
// Copyright (C) 2017 Alec Thomas), less one thing: chroma highlights a raw
// string's text as a Go template; here a raw string is one string token.
// TestGoLexerIsChromas checks that they tokenise the scenarios alike.
package golexer

import (
	"slices"
	"sync"

	"github.com/alecthomas/chroma/v2"
)

// Go is chroma's Go lexer (see the package's doc), made when first used.
var Go = sync.OnceValue(func() chroma.Lexer {
	return chroma.MustNewLexer(&chroma.Config{
		Name:      "Go",
		Aliases:   []string{"go", "golang"},
		Filenames: []string{"*.go"},
		MimeTypes: []string{"text/x-gosrc"},
	}, goRules)
})

func goRules() chroma.Rules {
	rule := func(pattern string, emit chroma.Emitter) chroma.Rule {
		return chroma.Rule{Pattern: pattern, Type: emit}
	}
	// The predeclared types, named as builtins when called (a conversion)
	// and as types otherwise; chroma's lists differ only in any.
	types := []string{`uint`, `uint8`, `uint16`, `uint32`, `uint64`, `int`, `int8`, `int16`, `int32`, `int64`, `float`, `float32`, `float64`, `complex64`, `complex128`, `byte`, `rune`, `string`, `bool`, `error`, `uintptr`}
	builtins := append(slices.Clone(types), `print`, `println`, `panic`, `recover`, `close`, `complex`, `real`, `imag`, `len`, `cap`, `append`, `copy`, `delete`, `new`, `make`, `clear`, `min`, `max`)
	return chroma.Rules{
		"root": {
			rule(`\n`, chroma.TextWhitespace),
			rule(`\s+`, chroma.TextWhitespace),
			rule(`//[^\s\n\r][^\n\r]*`, chroma.CommentPreproc),
			rule(`//[^\n\r]*`, chroma.CommentSingle),
			rule(`/(\\\n)?[*](.|\n)*?[*](\\\n)?/`, chroma.CommentMultiline),
			rule(`(import|package)\b`, chroma.KeywordNamespace),
			rule(`(var|func|struct|map|chan|type|interface|const)\b`, chroma.KeywordDeclaration),
			rule(chroma.Words(``, `\b`, `break`, `default`, `select`, `case`, `defer`, `go`, `else`, `goto`, `switch`, `fallthrough`, `if`, `range`, `continue`, `for`, `return`), chroma.Keyword),
			rule(`(true|false|iota|nil)\b`, chroma.KeywordConstant),
			rule(chroma.Words(``, `\b(\()`, builtins...), chroma.ByGroups(chroma.NameBuiltin, chroma.Punctuation)),
			rule(chroma.Words(``, `\b`, append(types, `any`)...), chroma.KeywordType),
			rule(`\d+i`, chroma.LiteralNumber),
			rule(`\d+\.\d*([Ee][-+]\d+)?i`, chroma.LiteralNumber),
			rule(`\.\d+([Ee][-+]\d+)?i`, chroma.LiteralNumber),
			rule(`\d+[Ee][-+]\d+i`, chroma.LiteralNumber),
			rule(`\d+(\.\d+[eE][+\-]?\d+|\.\d*|[eE][+\-]?\d+)`, chroma.LiteralNumberFloat),
			rule(`\.\d+([eE][+\-]?\d+)?`, chroma.LiteralNumberFloat),
			rule(`0[0-7]+`, chroma.LiteralNumberOct),
			rule(`0[xX][0-9a-fA-F_]+`, chroma.LiteralNumberHex),
			rule(`0b[01_]+`, chroma.LiteralNumberBin),
			rule(`(0|[1-9][0-9_]*)`, chroma.LiteralNumberInteger),
			rule(`'(\\['"\\abfnrtv]|\\x[0-9a-fA-F]{2}|\\[0-7]{1,3}|\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}|[^\\])'`, chroma.LiteralStringChar),
			rule("`[^`]*`", chroma.LiteralString),
			rule(`"(\\\\|\\"|[^"])*"`, chroma.LiteralString),
			rule(`(<<=|>>=|<<|>>|<=|>=|&\^=|&\^|\+=|-=|\*=|/=|%=|&=|\|=|&&|\|\||<-|\+\+|--|==|!=|:=|\.\.\.|[+\-*/%&])`, chroma.Operator),
			rule(`([a-zA-Z_]\w*)(\s*)(\()`, chroma.ByGroups(chroma.NameFunction, chroma.UsingSelf("root"), chroma.Punctuation)),
			rule(`[|^<>=!()\[\]{}.,;:~]`, chroma.Punctuation),
			rule(`[^\W\d]\w*`, chroma.NameOther),
		},
	}
}
