// compare: exact
// category: issue 16 point 2
//
// Requests Go rejects without the network, and a refused connection on
// loopback. The native binary must send nothing off this machine, so an
// unknown host (a DNS query to the machine's resolver) is not asked here:
// engine/http_test.go checks that text against what Go printed offline.
package main

import (
	"fmt"
	"net/http"
)

func main() {
	for _, url := range []string{"a", "ftp://example.com/file", "http://127.0.0.1:1/path"} {
		resp, err := http.Get(url)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(url, resp.Status)
	}
}
