// compare: exact
// category: channels
//
// A buffered channel accepts values without a receiver, up to its capacity.
package main

import "fmt"

func main() {
	ch := make(chan string, 3)
	ch <- "buffered"
	ch <- "channel"
	fmt.Println(len(ch), cap(ch))
	fmt.Println(<-ch)
	fmt.Println(<-ch)
	ch <- "again"
	fmt.Println(len(ch), <-ch, len(ch))
}
