// compare: exact
// category: new: time.Local
//
// time.Now is in the local time zone: its Location is time.Local, named
// "Local" (whatever the machine's zone is).
package main

import (
	"fmt"
	"time"
)

func main() {
	now := time.Now()
	fmt.Println(now.Location(), now.Location() == time.Local)
	fmt.Println(now.UTC().Location())
}
