// compare: exact
// category: context
//
// Request-scoped values travel down a call chain in a context; an unexported
// key type keeps packages from colliding.
package main

import (
	"context"
	"fmt"
)

type ctxKey string

const requestIDKey ctxKey = "requestID"

func handle(ctx context.Context) {
	if id, ok := ctx.Value(requestIDKey).(string); ok {
		fmt.Println("handling request", id)
	}
	fmt.Println("user:", ctx.Value(ctxKey("user")))
	fmt.Println("missing:", ctx.Value("requestID"))
}

func main() {
	ctx := context.WithValue(context.Background(), requestIDKey, "req-42")
	ctx = context.WithValue(ctx, ctxKey("user"), "gopher")
	done := make(chan struct{})
	go func() {
		defer close(done)
		handle(ctx)
	}()
	<-done
}
