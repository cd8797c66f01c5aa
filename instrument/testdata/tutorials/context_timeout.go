// compare: exact
// category: context
//
// context.WithTimeout abandons slow work; fast work finishes in time.
package main

import (
	"context"
	"errors"
	"fmt"
	"time"
)

func slowOperation(ctx context.Context, d time.Duration) (string, error) {
	select {
	case <-time.After(d):
		return fmt.Sprintf("done after %v", d), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func main() {
	for _, d := range []time.Duration{10 * time.Millisecond, 150 * time.Millisecond} {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		res, err := slowOperation(ctx, d)
		cancel()
		fmt.Println(res, err, errors.Is(err, context.DeadlineExceeded))
	}
}
