package instrument

import (
	"bytes"
	"context"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/concviz/concviz/internal/progen"
)

func FuzzRewrite(f *testing.F) {
	for _, seed := range [][]byte{
		{}, {0}, {3, 0, 1, 2, 1}, {4, 3, 3, 1, 0, 2, 7}, {16, 3, 1}, {13, 4, 21, 19, 20, 2},
		{6, 12, 15, 7, 0, 1, 0, 3, 2, 1, 0, 1}, {14, 17, 18, 11, 10, 9, 8, 5, 1},
		[]byte("\x03\x01\x02\x03\x00\x04\x03\x00\x01\x00\x02\x03"),
	} {
		f.Add(seed)
	}
	paths, _ := filepath.Glob("testdata/*/*.go")
	for _, p := range paths {
		if src, err := os.ReadFile(p); err == nil {
			f.Add(src)
		}
	}
	f.Add([]byte("package main\n\nfunc main() { select {} }\n"))
	f.Add([]byte("package main\n\nfunc main() { c := make(chan int); go func() { c <- 1 }(); <-c }\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		src := string(data)
		if !bytes.HasPrefix(data, []byte("package ")) {
			src = progen.Program(data)
		}
		res, err := Rewrite([]File{{Name: "fuzz.go", Src: []byte(src)}}, Options{})
		if err != nil {
			var e *Error
			if errors.As(err, &e) {
				require.NotContains(t, err.Error(), "\n")
			}
			if !bytes.HasPrefix(data, []byte("package ")) {
				t.Fatalf("a generated program was refused: %v\n%s", err, src)
			}
			return
		}
		require.NoError(t, typecheckResult(res), "accepted but does not compile:\n%s\n---\n%s", src, res.Files[0].Src)
		out := userText(res)
		require.Equal(t, strings.Count(src, "\n")+1+boolInt(!strings.HasSuffix(src, "\n")), strings.Count(out, "\n"),
			"the rewritten file keeps the original lines")
		// A real build is ~0.5 s: sample it.
		if crc32.ChecksumIEEE(data)%64 == 0 && !testing.Short() {
			_, err := Build(context.Background(), []File{{Name: "fuzz.go", Src: []byte(src)}}, Options{})
			require.NoError(t, err, "accepted but go build fails:\n%s", src)
		}
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
