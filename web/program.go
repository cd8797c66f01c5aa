package web

import "strings"

// programPrefix starts the id of a program built from a page's source
// (server.ProgramID; TestProgramIDsAreTheServers holds the two together).
const programPrefix = "p-"

// isProgramID says whether id names a program built from a source rather
// than a catalog scenario: the page of one this server has not built can
// build it from its link (static/rebuild.js).
func isProgramID(id string) bool { return strings.HasPrefix(id, programPrefix) }
