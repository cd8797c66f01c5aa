// compare: check=chan-format
// category: issue 16 point 8
//
// %T of a channel names its type; %v and %p print its address.
package main

import "fmt"

func main() {
	c := make(chan int)
	var recv <-chan string = make(chan string)
	fmt.Printf("%T\n", c)
	fmt.Printf("%T\n", recv)
	fmt.Printf("%v\n", c)
	fmt.Printf("%p\n", c)
	fmt.Println(fmt.Sprint(c) == fmt.Sprintf("%p", c))
	var nilc chan int
	fmt.Println(nilc, nilc == nil)
}
