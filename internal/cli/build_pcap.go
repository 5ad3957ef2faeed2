//go:build pcap

package cli

// buildKind: -tags pcap captures with libpcap.
const buildKind = "libpcap live capture (-tags pcap)"
