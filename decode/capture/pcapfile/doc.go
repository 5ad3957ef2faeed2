// Package pcapfile reads classic pcap and pcapng files (tcpdump -w, tshark
// -w, vrrpdump -w) as capture.Sources, and writes classic pcap files that
// Wireshark opens. Pure Go: a big classic pcap file is mapped and read in
// place (Linux), everything else through a large buffer; pcapng through
// gopacket's pcapgo.
package pcapfile
