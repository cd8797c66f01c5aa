package main

import (
	"fmt"
	"net/http"
	"time"
)

func fetchURL(url string, ch chan<- string) {
	resp, err := http.Get(url)
	if err != nil {
		ch <- fmt.Sprintf("Error fetching %s: %v", url, err)
		return
	}
	defer resp.Body.Close()
	ch <- fmt.Sprintf("Fetched %s: Status %d", url, resp.StatusCode)
}

func main() {
	urls := []string{
		"https://api.github.com",
		"https://jsonplaceholder.typicode.com/posts",
	}
	ch := make(chan string, len(urls))

	for _, url := range urls {
		go fetchURL(url, ch)
	}

	for range urls {
		fmt.Println(<-ch)
	}
}
