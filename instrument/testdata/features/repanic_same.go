// repanic_same panics again with the value it recovered: one line, marked
// [recovered, repanicked].
package main

func main() {
	defer func() { panic(recover()) }()
	panic("first")
}
