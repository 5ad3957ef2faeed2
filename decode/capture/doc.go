// Package capture reads frames from pcap and pcapng files and live
// interfaces, runs them through decode.Parser, and writes what it read to a
// pcap file Wireshark opens. Files and live handles are both
// gopacket.ZeroCopyPacketDataSource: one read loop serves both.
//
// Live capture needs libpcap (cgo) and CAP_NET_RAW; files do not.
package capture
