// Package live captures VRRP on a network interface as a capture.Source:
// Open with Options (extra BPF expression, promiscuous mode, snap length,
// buffer, read timeout); the source reports the kernel's counters
// (Source.Stats) and the interface's link type.
//
// It uses libpcap (cgo) and needs CAP_NET_RAW (and CAP_NET_ADMIN for
// promiscuous mode), not root.
package live
