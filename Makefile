# detgen — build, test and maintain the rule compiler.
# `make build` compiles the binary and the shipped rules (rules/ -> dist/);
# `make test` is what CI runs (.ci/run).

GO      ?= go
BIN     := bin/detgen
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
FUZZTIME ?= 10s

.PHONY: all build test lint golden fuzz-short fuzz clean

all: build

$(BIN): FORCE
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/detgen

FORCE:

## build: compile the detgen binary and build every rule into dist/
build: $(BIN)
	./$(BIN) build

## test: lint, then every unit, golden, corpus and CLI test
test: lint
	$(GO) test -count=1 ./...

## lint: gofmt and go vet must be clean
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## golden: rewrite golden/ from the current output; review the diff line by line
golden:
	$(GO) test ./driver -run TestGolden -count=1 -update
	git --no-pager diff --stat -- golden

clean:
	rm -rf bin dist
