// Package decode reads and writes VRRP advertisements: VRRPv2 (RFC 3768) and
// VRRPv3 (RFC 5798) over IPv4 and IPv6, bare or wrapped in IPsec AH (RFC 2402
// authentication as keepalived still offers it), behind Ethernet, 802.1Q/QinQ,
// 802.1ah PBB, Linux cooked capture v1/v2, raw IP, BSD null/loopback or
// Frame Relay headers. It tells CARP (OpenBSD's carp(4), the same IP
// protocol) apart from VRRP, and judges every advert by the receive rules
// of RFC 3768 7.1 and RFC 5798 5 and 7.1 (see Problems and PROBLEMS.md).
//
// The package works on bytes only: it opens no sockets or files, so it builds,
// tests and fuzzes without libpcap. The capture engine is decode/capture,
// pcap files decode/capture/pcapfile, live capture decode/capture/live.
//
// Two entry points:
//
//   - VRRP is a gopacket DecodingLayer and SerializableLayer. Its CanDecode
//     answers layers.LayerTypeVRRP, so gopacket's own IPv4 and IPv6 layers hand
//     it IP protocol 112 inside a gopacket.DecodingLayerParser.
//   - Parser decodes whole frames (link layer to advert, ARP and IPv6 neighbour
//     messages, CARP) with zero allocations per packet and tells a caller
//     whether an advert is valid, decoded but breaking a rule (Problems), or
//     undecodable (error).
package decode
