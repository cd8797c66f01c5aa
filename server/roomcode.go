package server

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
)

// codeAlphabet is Crockford's base32: without I, L, O and U, a code read
// off a projector or said aloud survives.
const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// codeLen characters of 5 bits: 40 random bits per code.
const codeLen = 8

// newCode returns a random room code.
func newCode() (string, error) {
	var b [5]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("room code: %w", err)
	}
	v := uint64(b[0])<<32 | uint64(b[1])<<24 | uint64(b[2])<<16 | uint64(b[3])<<8 | uint64(b[4])
	out := make([]byte, codeLen)
	for i := codeLen - 1; i >= 0; i-- {
		out[i] = codeAlphabet[v&31]
		v >>= 5
	}
	return string(out), nil
}

// newSecret returns 128 random bits in hex: what proves a message comes
// from a room's presenter.
func newSecret() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("room secret: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// normalizeCode reads a code as a person types it: any case, with dashes
// and spaces, I and L for 1, O for 0. It reports false for anything that
// is not then 8 characters of the alphabet.
func normalizeCode(s string) (string, bool) {
	if len(s) > 4*codeLen {
		return "", false
	}
	out := make([]byte, 0, codeLen)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-' || c == ' ':
			continue
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		}
		switch c {
		case 'I', 'L':
			c = '1'
		case 'O':
			c = '0'
		}
		if strings.IndexByte(codeAlphabet, c) < 0 {
			return "", false
		}
		out = append(out, c)
	}
	if len(out) != codeLen {
		return "", false
	}
	return string(out), true
}
