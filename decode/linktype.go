package decode

import "strconv"

// LinkTypeInt is any integer type a pcap link type comes in: gopacket's
// layers.LinkType (8 bits), a pcap header's uint32, a plain int.
type LinkTypeInt interface {
	~uint8 | ~uint16 | ~uint32 | ~int
}

// Link types the Parser reads that gopacket has no constant for.
const (
	// LinkTypeLinuxSLL2 is Linux cooked capture v2 (LINKTYPE_LINUX_SLL2):
	// what "tcpdump -i any" writes with libpcap 1.10 and later.
	// gopacket's layers.LinkType is 8 bits wide and cannot hold it, so
	// NewParser takes any integer type.
	LinkTypeLinuxSLL2 = 276
	// DLT_RAW as OpenBSD (12) and BSD/OS (14) number it.
	linkTypeRawOpenBSD = 12
	linkTypeRawBSDOS   = 14
)

// linkTypeNames names link types as libpcap (tcpdump's "link-type NAME
// (description)") and Wireshark (capinfos' "File encapsulation") do, so
// that a link type vrrpdump cannot read is named the way the user's other
// tools name it.
var linkTypeNames = map[uint32][3]string{
	0:   {"NULL", "BSD loopback", "NULL/Loopback"},
	1:   {"EN10MB", "Ethernet", "Ethernet"},
	3:   {"AX25", "Amateur Radio AX.25", "Amateur Radio AX.25"},
	6:   {"IEEE802", "Token ring", "Token Ring"},
	7:   {"ARCNET", "BSD ARCNET", "ARCNET"},
	8:   {"SLIP", "SLIP", "SLIP"},
	9:   {"PPP", "PPP", "PPP"},
	10:  {"FDDI", "FDDI", "FDDI with bit-swapped MAC addresses"},
	12:  {"RAW", "Raw IP", "Raw IP"},
	14:  {"RAW", "Raw IP", "Raw IP"},
	50:  {"PPP_SERIAL", "PPP over serial", "PPP"},
	51:  {"PPP_ETHER", "PPPoE", "PPP-over-Ethernet session"},
	100: {"ATM_RFC1483", "RFC 1483 LLC-encapsulated ATM", "RFC 1483 ATM"},
	101: {"RAW", "Raw IP", "Raw IP"},
	104: {"C_HDLC", "Cisco HDLC", "Cisco HDLC"},
	105: {"IEEE802_11", "802.11", "IEEE 802.11 Wireless LAN"},
	107: {"FRELAY", "Frame Relay", "Frame Relay"},
	108: {"LOOP", "OpenBSD loopback", "OpenBSD loopback"},
	113: {"LINUX_SLL", "Linux cooked v1", "Linux cooked-mode capture v1"},
	117: {"PFLOG", "OpenBSD pflog file", "OpenBSD PF Firewall logs"},
	119: {"PRISM_HEADER", "802.11 plus Prism header", "IEEE 802.11 plus Prism II monitor mode radio header"},
	122: {"IP_OVER_FC", "RFC 2625 IP-over-Fibre Channel", "RFC 2625 IP-over-Fibre Channel"},
	123: {"SUNATM", "Sun raw ATM", "ATM PDUs"},
	127: {"IEEE802_11_RADIO", "802.11 plus radiotap header", "IEEE 802.11 plus radiotap radio header"},
	129: {"ARCNET_LINUX", "Linux ARCNET", "Linux ARCNET"},
	138: {"APPLE_IP_OVER_IEEE1394", "Apple IP-over-IEEE 1394", "Apple IP-over-IEEE 1394"},
	143: {"DOCSIS", "DOCSIS", "Data Over Cable Service Interface Specification"},
	163: {"IEEE802_11_RADIO_AVS", "802.11 plus AVS radio information header", "IEEE 802.11 plus AVS radio header"},
	192: {"PPI", "Per-Packet Information", "Per-Packet Information header"},
	195: {"IEEE802_15_4", "IEEE 802.15.4 with FCS", "IEEE 802.15.4 Wireless PAN"},
	197: {"ERF", "Endace ERF header", "Extensible Record Format"},
	201: {"BLUETOOTH_HCI_H4_WITH_PHDR", "Bluetooth HCI UART transport layer plus pseudo-header", "Bluetooth H4 with linux header"},
	220: {"USB_LINUX_MMAPPED", "USB with padded Linux header", "USB packets with Linux header and padding"},
	227: {"CAN_SOCKETCAN", "CAN-bus with SocketCAN headers", "SocketCAN"},
	228: {"IPV4", "Raw IPv4", "Raw IPv4"},
	229: {"IPV6", "Raw IPv6", "Raw IPv6"},
	239: {"NFLOG", "Linux netfilter log messages", "NFLOG"},
	276: {"LINUX_SLL2", "Linux cooked v2", "Linux cooked-mode capture v2"},
}

// LinkTypeName names a pcap link type as tcpdump and tshark do, e.g.
// `FRELAY (107, tcpdump "Frame Relay", tshark "Frame Relay")`; an unknown
// one is `LINKTYPE 147 (see https://www.tcpdump.org/linktypes.html)`.
func LinkTypeName[T LinkTypeInt](lt T) string {
	n, ok := linkTypeNames[uint32(lt)]
	if !ok {
		return "LINKTYPE " + strconv.Itoa(int(lt)) + " (see https://www.tcpdump.org/linktypes.html)"
	}
	return n[0] + " (" + strconv.Itoa(int(lt)) + `, tcpdump "` + n[1] + `", tshark "` + n[2] + `")`
}
