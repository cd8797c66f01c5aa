// Package static holds the page's ES modules and style sheet, embedded into
// the binary so the visualizer works offline with no front-end build step.
// The web package serves them under /static/.
package static

import "embed"

// FS holds the modules (*.js) and styles (*.css). Tests (*.test.js) and
// their fixtures are embedded too but not served.
//
//go:embed *.js *.css *.svg
var FS embed.FS
