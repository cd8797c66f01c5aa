// Maps whose keys and values are stored through interfaces and named types,
// and a multi-assignment indexing with the variable it assigns.
package main

import "fmt"

type Key string

func main() {
	m := map[any]any{}
	n := map[Key]int{}
	go func() { _, _ = m, n }()
	x := 3
	var k Key = "k"
	s := "s"
	m[x] = x
	m[s] = 1.5
	v, ok := m[x]
	m[x], m[s] = m[s], m[x]
	n[k]++
	n["lit"] += x
	delete(m, x)
	i, a := 0, []int{7, 8}
	go func() { _ = i }()
	i, a[i] = 1, 9
	fmt.Println(len(m), m[s], v, ok, n, i, a)
}
