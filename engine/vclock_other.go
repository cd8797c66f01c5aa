//go:build !amd64

package engine

// maxInto makes dst the pointwise maximum of dst and src (len(dst) >= len(src)).
func maxInto(dst, src []uint32) { maxIntoGo(dst, src) }
