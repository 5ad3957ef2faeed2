# vrrpkit. `make demo` and `make test` are the README's two commands: demo
# needs only Go (no apt, no root); test installs what the tests need first
# (scripts/setup.sh, Debian packages). `make dist` builds the release.
GO        ?= go
BIN       := bin
CAPTURE   ?= testdata/pcaps/split-brain.pcap
TESTFLAGS ?= -count=1 -timeout 30m

.PHONY: setup build build-pcap demo dist test test-unit load lab fuzz bench compare

setup:
	@scripts/setup.sh

# The default build: pure Go, static (CGO_ENABLED=0), live capture on
# AF_PACKET. build-pcap: the libpcap build (cgo, libpcap-dev).
build:
	CGO_ENABLED=0 $(GO) build -o $(BIN)/ ./cmd/...

build-pcap: setup
	CGO_ENABLED=1 $(GO) build -tags pcap -o $(BIN)/pcap/ ./cmd/...

# The main job on a bundled capture: a real keepalived split-brain. Needs
# only Go: no apt-get, no root.
demo: build
	$(BIN)/vrrpdump -r $(CAPTURE) --summary || test $$? -eq 1

# Release artifacts in dist/ (scripts/dist.sh): static binaries for
# linux/amd64 and arm64, .deb and .rpm, the OCI image, the DaemonSet,
# SHA256SUMS. VERSION=x.y.z make dist.
dist:
	scripts/dist.sh

# Every test: the unit tests (golden, fuzz seeds; -short starts no lab)
# under the race detector, then everything again with the namespace lab of
# real keepalived and FRR (root; skipped without it, failing under CI=true).
# The load tests are not in it: make load. Then the libpcap build (-tags
# pcap): vet, and the packages it changes (the lab runs both builds live:
# dump's TestLabLiveFilterAsTcpdump); then packaging/ (its own module:
# make dist's artifacts installed with dpkg, the static build in an empty
# root, the DaemonSet).
test: setup
	$(GO) vet ./...
	$(GO) test -race -short -count=1 ./...
	$(GO) test $(TESTFLAGS) -p 1 ./...
	$(GO) vet -tags pcap ./...
	$(GO) test $(TESTFLAGS) -tags pcap ./decode/capture/... ./internal/cli/
	cd packaging && $(GO) vet ./... && $(GO) test $(TESTFLAGS) ./...

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
