// compare: exact
// category: new: panic value
//
// A panic with a value of a type print cannot show (a struct) is reported
// as its type and an address, as Go's runtime prints it.
package main

type T struct{ a int }

func main() {
	panic(T{1})
}
