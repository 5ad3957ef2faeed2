package capture

// vrrpFilter keeps what vrrpkit reads: VRRP over IPv4 and IPv6, IPsec AH
// (keepalived's auth_type AH), ARP, IPv6 neighbour solicitations and
// advertisements, and ICMP protocol-unreachable errors (a peer whose VRRP
// daemon is down answering unicast adverts).
const vrrpFilter = "ip proto 112 or ip6 proto 112 or ip proto 51 or arp" +
	" or (icmp6 and (ip6[40] == 135 or ip6[40] == 136))" +
	" or (icmp and icmp[0] == 3 and icmp[1] == 2)"

// Filter returns the BPF expression for a live capture: vrrpFilter on
// untagged, 802.1Q and QinQ frames, narrowed by the user's extra
// expression (as tcpdump takes it) when there is one.
func Filter(extra string) string {
	f := "(" + vrrpFilter + ") or (vlan and (" + vrrpFilter + ")) or (vlan and vlan and (" + vrrpFilter + "))"
	if extra != "" {
		f = "(" + f + ") and (" + extra + ")"
	}
	return f
}
