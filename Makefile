# vrrpkit. `make demo` and `make test` are the README's two commands; both
# install what they need first (scripts/setup.sh, Debian packages).
GO        ?= go
BIN       := bin
CAPTURE   ?= testdata/pcaps/split-brain.pcap
TESTFLAGS ?= -count=1 -timeout 30m

.PHONY: setup build demo test test-unit load lab fuzz bench compare

setup:
	@scripts/setup.sh

build: setup
	$(GO) build -o $(BIN)/ ./cmd/...

# The main job on a bundled capture: a real keepalived split-brain.
demo: build
	$(BIN)/vrrpdump -r $(CAPTURE) --summary || test $$? -eq 1

# Every test: the unit tests (golden, fuzz seeds; -short starts no lab)
# under the race detector, then everything again with the namespace lab of
# real keepalived and FRR (root; skipped without it, failing under CI=true).
# The load tests are not in it: make load.
test: setup
	$(GO) vet ./...
	$(GO) test -race -short -count=1 ./...
	$(GO) test $(TESTFLAGS) -p 1 ./...

# The unit tests alone: no network namespace is created, even as root.
test-unit:
	$(GO) test -count=1 -short ./...

# The load tests (internal/lab.Load): vrrpdump live at 50,000 adverts/s
# with no drop, the screen at 100,000/s, the exporter's cost. Each loads
# both cores for up to a minute and needs an otherwise idle machine (root).
load: setup
	VRRPKIT_LOAD=1 $(GO) test -count=1 -p 1 -v -run 'TestLiveKeepsUpWithBusyTrunk|TestLabTUILoad|TestLabExporterCost' ./dump/ ./tui/ ./metrics/

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
