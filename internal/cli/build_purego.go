//go:build !pcap

package cli

// buildKind: the default build captures with AF_PACKET in pure Go.
const buildKind = "pure Go (AF_PACKET live capture)"
