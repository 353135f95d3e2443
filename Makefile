# Rumbo — the two commands a newcomer needs are `make run` and `make test`.
GO       ?= go
BIN      := bin/rumbo
VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)

.PHONY: run build test vet lint bench htmx clean

## run: build, start the embedded PostgreSQL, migrate, load the demo data and serve at http://127.0.0.1:8080
run: build
	@./scripts/ensure-deps.sh
	./$(BIN) serve --demo

## build: the single binary (templates, assets and migrations embedded)
build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

## test: install what the tests need (PostgreSQL server, Chromium), then vet and run every test
test:
	@./scripts/ensure-deps.sh --browser
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt would change:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 12m ./...

vet:
	$(GO) vet ./...

## lint: gofmt, go vet and staticcheck
lint: vet
	@test -z "$$(gofmt -l .)" || { gofmt -l .; exit 1; }
	$(GO) run honnef.co/go/tools/cmd/staticcheck@2025.1.1 ./...

## bench: load the large profile into a private database and measure the fragments (writes docs/BENCHMARKS.md)
bench: build
	@./scripts/ensure-deps.sh --browser --bench
	$(GO) run ./bench -rumbo ./$(BIN) -out docs/BENCHMARKS.md $(BENCHFLAGS)

## htmx: refresh the pinned htmx from npm (package.json) into static/
htmx:
	npm ci --no-audit --no-fund
	cp node_modules/htmx.org/dist/htmx.min.js static/htmx-2.0.11.min.js
	cp node_modules/htmx.org/LICENSE static/htmx-LICENSE.txt

clean:
	rm -rf bin
