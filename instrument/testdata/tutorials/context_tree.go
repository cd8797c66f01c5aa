// compare: exact
// category: context
//
// Cancelling a parent cancels its children but not its parent; a cause
// explains why; WithoutCancel detaches.
package main

import (
	"context"
	"errors"
	"fmt"
	"time"
)

func main() {
	root, cancelRoot := context.WithCancel(context.Background())
	defer cancelRoot()
	parent, cancelParent := context.WithCancelCause(root)
	child, cancelChild := context.WithTimeout(parent, time.Hour)
	defer cancelChild()
	detached := context.WithoutCancel(parent)

	waited := make(chan string)
	go func() {
		<-child.Done()
		waited <- "child saw: " + child.Err().Error()
	}()
	cancelParent(errors.New("shutting down"))
	fmt.Println(<-waited)
	fmt.Println("parent:", parent.Err(), "/ cause:", context.Cause(parent))
	fmt.Println("child cause:", context.Cause(child))
	fmt.Println("root:", root.Err())
	fmt.Println("detached:", detached.Err())
	_, hasDeadline := child.Deadline()
	fmt.Println("child has a deadline:", hasDeadline)
}
