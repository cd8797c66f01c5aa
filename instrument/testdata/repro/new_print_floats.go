// compare: exact
// category: new: print's floats
//
// Since Go 1.26 the print builtins write a float as the shortest text that
// reads back as the same value (1.5, 1e+21), not +1.500000e+000.
package main

import "math"

type celsius float64

func main() {
	var third float32 = 1.0 / 3
	println(1.5, 1e21, 1e-7, 100.0, third, math.Inf(-1), math.NaN(), math.Copysign(0, -1))
	println(3+4i, complex64(1.5+2i), 123456789.0, 1e6, 100000.0)
	panic(celsius(36.6))
}
