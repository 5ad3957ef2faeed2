// Package capture is the capture engine: it reads frames from a Source (a
// file, package pcapfile; a live interface, package live), runs them
// through decode.Parser, and hands them over in order, optionally writing
// every frame to a pcap file. One read loop serves every source; Source.Info
// says whether to read ahead (a file) or hand each frame over as it arrives
// (a live interface).
//
// The engine and pcapfile are pure Go; only live capture needs cgo
// (libpcap) and CAP_NET_RAW.
package capture
