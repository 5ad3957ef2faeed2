// Package decode reads and writes VRRP advertisements: VRRPv2 (RFC 3768) and
// VRRPv3 (RFC 5798) over IPv4 and IPv6, bare or wrapped in IPsec AH (RFC 2402
// authentication as keepalived still offers it), behind Ethernet, 802.1Q/QinQ
// or Linux cooked capture headers.
//
// The package works on bytes only: it opens no sockets or files, so it builds,
// tests and fuzzes without libpcap. Live capture and pcap files live in the
// sub-package decode/capture.
//
// Two entry points:
//
//   - VRRP is a gopacket DecodingLayer and SerializableLayer. Its CanDecode
//     answers layers.LayerTypeVRRP, so gopacket's own IPv4 and IPv6 layers hand
//     it IP protocol 112 inside a gopacket.DecodingLayerParser.
//   - Parser decodes whole frames (link layer to advert, ARP and IPv6 neighbour
//     messages) with zero allocations per packet and tells a caller whether an
//     advert is valid, decoded but suspicious (Problems), or undecodable (error).
package decode
