package main

import (
	"net/http"

	"github.com/concviz/concviz/web"
)

// page is the handler for everything the server serves besides the
// WebSocket: the catalog, the scenario pages and the static files.
func page() http.Handler { return web.Handler() }
