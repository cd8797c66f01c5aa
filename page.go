package main

import (
	"net/http"

	"github.com/concviz/concviz/scenarios"
	"github.com/concviz/concviz/web"
)

// page is the handler for everything the server serves besides the
// WebSocket: the catalog, the scenario pages and the static files. programs
// finds the programs built from the page's sources, whose pages
// (/s/{id}) are drawn as a scenario's.
func page(programs func(id string) (*scenarios.Scenario, bool)) http.Handler {
	return web.New(web.Options{Lookup: func(id string) (*scenarios.Scenario, bool) {
		if sc, ok := programs(id); ok {
			return sc, true
		}
		return scenarios.Lookup(id)
	}})
}
