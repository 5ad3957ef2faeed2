# vrrpkit. `make demo` and `make test` are the README's two commands; both
# install what they need first (scripts/setup.sh, Debian packages).
GO        ?= go
BIN       := bin
CAPTURE   ?= testdata/pcaps/split-brain.pcap
TESTFLAGS ?= -count=1 -timeout 30m

.PHONY: setup build demo test test-unit lab fuzz bench compare

setup:
	@scripts/setup.sh

build: setup
	$(GO) build -o $(BIN)/ ./cmd/...

# The main job on a bundled capture: a real keepalived split-brain.
demo: build
	$(BIN)/vrrpdump -r $(CAPTURE) --summary || test $$? -eq 1

# Every test: unit, golden, fuzz seeds, and the namespace lab with real
# keepalived and FRR (root; skipped without it, failing under CI=true).
test: setup
	$(GO) vet ./...
	$(GO) test $(TESTFLAGS) -p 1 ./...

test-unit:
	$(GO) test -count=1 -short ./...

fuzz:
	cd decode && $(GO) test -run XXX -fuzz FuzzParser -fuzztime 10m -fuzzminimizetime 10s -timeout 0 .

bench:
	$(GO) test -run XXX -bench . -benchmem ./decode/ ./track/

compare: build
	bench/compare.sh
