// Package afpacket captures frames on Linux without libpcap: an AF_PACKET
// socket with a memory-mapped TPACKET_V3 receive ring, a classic BPF
// filter attached before the socket is bound (so no unfiltered frame is
// ever read), promiscuous mode as a socket membership (released when the
// socket closes), "any" as Linux cooked (SLL) frames, 802.1Q tags the
// kernel took out put back into the frame, and the kernel's drop
// counters (PACKET_STATISTICS). Needs CAP_NET_RAW.
package afpacket
