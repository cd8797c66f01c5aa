package main

import (
	"fmt"
	"sync"
	"time"
)

type WebhookEvent struct {
	ID     int
	Source string
}

func processEvent(event WebhookEvent, wg *sync.WaitGroup) {
	defer wg.Done()
	fmt.Printf("Processing event %d from %s\n", event.ID, event.Source)
	time.Sleep(time.Second) // Simulate processing
	fmt.Printf("Finished event %d\n", event.ID)
}

func main() {
	events := []WebhookEvent{
		{ID: 1, Source: "Stripe"},
		{ID: 2, Source: "PayPal"},
	}
	var wg sync.WaitGroup

	for _, event := range events {
		wg.Add(1)
		go processEvent(event, &wg)
	}

	wg.Wait()
	fmt.Println("All events processed")
}
