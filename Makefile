# concviz developer targets. `make` alone runs lint and test.
#
#   make run       start the visualizer (go run .)
#   make test      go vet, every Go test with -race, and the JS tests in static/ if any
#   make bench     every benchmark, no tests
#   make lint      gofmt, go vet, staticcheck, the 600-line rule
#   make generate  go generate and templ generate

SHELL := /bin/bash

.PHONY: all run test bench lint linelimit generate

all: lint test

run:
	go run .

# The JS tests run only when static/ holds *_test.js or *.test.js files. node
# --test is given the files themselves: a directory argument works on Node 20
# (Debian's) but Node 22+ reads its arguments as globs.
test:
	go vet ./...
	go test -race -count=1 ./...
	@files="$$(find static -type f \( -name '*_test.js' -o -name '*.test.js' \) 2>/dev/null | sort)"; \
	if [ -n "$$files" ]; then \
		echo "node --test" $$files; \
		node --test $$files; \
	else \
		echo "no *_test.js or *.test.js under static/: skipping node --test"; \
	fi

bench:
	go test -run '^$$' -bench . -benchmem ./...

# scenarios/gen holds programs rewritten line for line onto the engine: gofmt
# would move their lines and break the //line mapping, so it skips them.
lint:
	@unformatted="$$(find . -name '*.go' -not -path './scenarios/gen/*' -not -path './.git/*' -print0 | xargs -0 gofmt -l)"; \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt: these files need formatting (run gofmt -w):"; \
		echo "$$unformatted"; \
		exit 1; \
	fi
	go vet ./...
	go tool staticcheck ./...
	@$(MAKE) --no-print-directory linelimit

# No hand-written Go or JS file over $(MAXLINES) lines: split it on its seams.
# Generated files (a "Code generated ... DO NOT EDIT." line in their first
# three lines, as Go's convention says) are exempt.
MAXLINES := 600
linelimit:
	@over="$$(git ls-files -co --exclude-standard -- '*.go' '*.js' | while read -r f; do \
		[ -f "$$f" ] || continue; \
		head -3 "$$f" | grep -qE '^// Code generated .* DO NOT EDIT\.$$' && continue; \
		n=$$(wc -l < "$$f"); [ "$$n" -gt $(MAXLINES) ] && echo "  $$f: $$n lines"; \
	done)"; \
	if [ -n "$$over" ]; then \
		echo "linelimit: hand-written files over $(MAXLINES) lines (split them on their seams):"; \
		echo "$$over"; \
		exit 1; \
	fi

generate:
	go generate ./...
	@if [ -n "$$(find . -name '*.templ' -not -path './.git/*' -print -quit)" ]; then \
		echo "go tool templ generate"; \
		go tool templ generate; \
	else \
		echo "no .templ files: skipping templ generate"; \
	fi
