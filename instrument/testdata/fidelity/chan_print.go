package main

import "fmt"

type S struct {
	C chan int
	d chan string
}

func main() {
	c := make(chan int)
	var nc chan int
	fmt.Println(c, nc, []chan int{c, nil}, S{c, nil}, &S{c, nil})
	fmt.Printf("%v|%10v|%-10v|%#v|%#v|%d|%x|%s|%v\n", nc, nc, nc, nc, c, nc, nc, c, map[string]chan int{"a": nil})
	fmt.Printf("%p|%#p|%T|%T\n", nc, nc, c, S{})
	fmt.Printf("%+v %#v\n", S{}, S{}.C)
	fmt.Printf("%p %v\n", c, fmt.Sprint(c) == fmt.Sprintf("%p", c))
	println(nc)
	cc := make(chan chan int)
	fmt.Printf("%#v\n", cc == nil)
}
