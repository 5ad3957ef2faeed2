// Package live captures VRRP on a network interface as a capture.Source:
// Open with Options (extra tcpdump expression, promiscuous mode, snap
// length, buffer, read timeout); the source reports the kernel's counters
// (Source.Stats) and the interface's link type.
//
// The default build is pure Go: an AF_PACKET socket with a TPACKET_V3
// ring (package afpacket) and a filter compiled by decode/filter. Built
// with -tags pcap it uses libpcap (cgo) instead, with the same filter
// program. Either needs CAP_NET_RAW, not root; Kind says which one runs.
package live
