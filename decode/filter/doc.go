// Package filter compiles the tcpdump filter expressions people use with
// VRRP, and vrrpkit's own capture filter, to classic BPF without libpcap:
// one program for the kernel (a live AF_PACKET socket) and for the Go VM
// that filters frames read from a file.
//
// Unlike libpcap, the expression applies to the IP packet whether or not
// the frame carries 802.1Q/802.1ad tags (up to two, inline or stripped by
// the kernel into the packet's metadata): `host 192.0.2.11` matches the
// advert on VLAN 10 and the untagged one alike, and `vlan 10` anywhere in
// the expression tests the frame's tags without shifting what follows.
// See pcap-filter(7) for the language; Parse lists what is covered.
package filter
