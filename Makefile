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

# Every fuzz target in turn, FUZZTIME each (the decoder's, the pcap
# reader's, the repeat tagging and the tracker's paths, which must agree).
FUZZTIME ?= 1m
fuzz:
	@set -e; for t in $$(grep -rl '^func Fuzz' --include='*_test.go' . | xargs grep -ho '^func Fuzz[A-Za-z]*' | sed 's/func //' | sort -u); do \
		dir=$$(dirname $$(grep -rl "^func $$t(" --include='*_test.go' .)); \
		echo "== $$t ($$dir, $(FUZZTIME))"; \
		$(GO) test -run XXX -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10s -timeout 0 $$dir; \
	done

bench:
	$(GO) test -run XXX -bench . -benchmem ./decode/... ./track/

compare: build
	bench/compare.sh
