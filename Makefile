# detgen — build, test and maintain the rule compiler.
# `make build` compiles the binary and the shipped rules (rules/ -> dist/);
# `make test` is what CI runs (.ci/run).

GO      ?= go
BIN     := bin/detgen
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
# FUZZTIME (a duration, or Nx executions) overrides fuzz-short's budgets.
# Those are execution counts, not durations: with a duration, Go 1.26's
# fuzz coordinator can report "context deadline exceeded" at the deadline
# on a loaded machine without any failing input (golang/go#75804).
FUZZTIME ?=

.PHONY: all build test lint golden dist bench fuzz fuzz-short clean

all: build

$(BIN): FORCE
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/detgen

FORCE:

## build: compile the detgen binary and build every rule into dist/
build: $(BIN)
	./$(BIN) build

## test: lint, every rule's test events on every artifact, mutation testing
## of every rule (no mutant may survive), the version
## check, then every unit, golden, corpus and CLI test
test: lint
	$(GO) run ./cmd/detgen test
	$(GO) run ./cmd/detgen -q test --mutate
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  $(GO) run ./cmd/detgen build --check-versions --out "$$tmp/dist"
	$(MAKE) --no-print-directory fuzz-short
	$(GO) test -count=1 ./...

## dist: build the rules and pack them into a reproducible archive
dist: $(BIN)
	./$(BIN) build --check-versions
	./$(BIN) package --out detgen-rules-$(VERSION).tar.gz

## lint: gofmt and go vet must be clean
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## golden: rewrite golden/ from the current output; review the diff line by line
golden:
	$(GO) test ./driver -run TestGolden -count=1 -update
	git --no-pager diff --stat -- golden

## bench: the build of 2,000 rules (DETGEN_BENCH_RULES to change), on a RAM
## file system when there is one: in memory (the old path), streamed cold
## and cached, YAML decoding of the same specs, and the CLI's seconds and
## peak memory per command, cold and cached, beside creating the same files
## and yaml.v3 decoding the specs; YAML parsing (internal/fastyaml beside
## yaml.v3); scan
## throughput against encoding/json and sigma-go on a generated 1 GiB audit
## log (DETGEN_BENCH_MB to change the size); scan's needle matcher beside a
## search per needle, and pruned JSON decoding beside encoding/json; parser
## speeds; Sigma conversion
## of SigmaHQ; and scan of aggregation rules over a 1 GiB log with the peak
## live heap per half of the log
bench:
	DETGEN_BENCH_RULES=$${DETGEN_BENCH_RULES:-2000} TMPDIR=$$(if [ -d /dev/shm ]; then echo /dev/shm; else echo $${TMPDIR:-/tmp}; fi) \
	  $(GO) test ./driver -run '^$$' -bench 'Build|DecodeSpecs|CLI' -benchtime 1x -benchmem -timeout 30m
	DETGEN_BENCH_MB=$${DETGEN_BENCH_MB:-1024} $(GO) test ./scan -run '^$$' -bench Throughput -benchtime 1x -timeout 60m
	DETGEN_BENCH_MB=100 $(GO) test ./scan -run '^$$' -bench Matcher
	$(GO) test ./record/prune -run '^$$' -bench Decode
	$(GO) test ./internal/fastyaml -run '^$$' -bench . -benchmem
	$(GO) test ./lang/aql ./lang/yaral -run '^$$' -bench ParseCorpus
	$(GO) test ./sigmain -run '^$$' -bench ConvertSigmaHQ -benchtime 5x
	DETGEN_BENCH_MB=$${DETGEN_BENCH_MB:-1024} $(GO) test ./scan -run '^$$' -bench AggregateScan -benchtime 1x -timeout 60m

## fuzz-short: a few seconds of each fuzz target (part of make test), as
## execution counts sized to about 5-10 s each on a 2-core machine
fuzz-short:
	$(GO) test ./lang/aql -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(or $(FUZZTIME),100000x)
	$(GO) test ./lang/yaral -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(or $(FUZZTIME),60000x)
	$(GO) test ./lang/yaral -run '^$$' -fuzz '^FuzzQuote$$' -fuzztime $(or $(FUZZTIME),20000x)
	$(GO) test ./lang/yaral -run '^$$' -fuzz '^FuzzPlainRegex$$' -fuzztime $(or $(FUZZTIME),100000x)
	$(GO) test ./detection -run '^$$' -fuzz '^FuzzExpand$$' -fuzztime $(or $(FUZZTIME),50000x)
	$(GO) test ./internal/hostile -run '^$$' -fuzz '^FuzzGenerators$$' -fuzztime $(or $(FUZZTIME),10000x)
	$(GO) test ./record/prune -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(or $(FUZZTIME),100000x)
	$(GO) test ./internal/fastyaml -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(or $(FUZZTIME),300000x)
	$(GO) test ./scan -run '^$$' -fuzz '^FuzzMatcher$$' -fuzztime $(or $(FUZZTIME),100000x)

## fuzz: a long run of every fuzz target (FUZZTIME=10m by default here)
fuzz:
	$(MAKE) --no-print-directory fuzz-short FUZZTIME=10m

clean:
	rm -rf bin dist detgen-rules-*.tar.gz
