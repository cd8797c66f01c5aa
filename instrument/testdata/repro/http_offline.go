// compare: check=http-offline
// category: issue 16 point 2
//
// Requests Go rejects without the network, and an unknown host on an offline
// machine. The resolver's address in the DNS error depends on the machine,
// so it is left out of the comparison.
package main

import (
	"fmt"
	"net/http"
)

func main() {
	for _, url := range []string{"a", "ftp://example.com/file", "http://no-such-host.invalid/path"} {
		resp, err := http.Get(url)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(url, resp.Status)
	}
}
