// compare: exact
// category: new: context String
//
// Contexts print the chain that made them, as Go's context package writes
// it.
package main

import (
	"context"
	"fmt"
)

type key string

func main() {
	ctx := context.Background()
	fmt.Println(ctx)
	withCancel, cancel := context.WithCancel(ctx)
	defer cancel()
	fmt.Println(withCancel)
	fmt.Println(context.WithValue(ctx, key("user"), "gopher"))
	fmt.Println(context.WithValue(withCancel, key("n"), 42))
	fmt.Println(context.TODO())
}
