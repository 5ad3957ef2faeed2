package decode

import (
	"net"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// maxVLANs is how many stacked 802.1Q tags a Link records (QinQ).
const maxVLANs = 2

// Link is what the link layer said about a frame.
type Link struct {
	SrcMAC net.HardwareAddr // aliases the packet; nil if the link type has none
	DstMAC net.HardwareAddr // nil for Linux cooked captures
	// VLANs holds up to two 802.1Q/802.1ad tags, outer first; NumVLANs is
	// how many the frame carried (may exceed maxVLANs).
	VLANs    [maxVLANs]uint16
	NumVLANs int
}

// VLAN returns the innermost recorded VLAN id, 0 for an untagged frame.
func (l *Link) VLAN() uint16 {
	if l.NumVLANs == 0 {
		return 0
	}
	return l.VLANs[min(l.NumVLANs, maxVLANs)-1]
}

// VLANKey packs the recorded tags into one number for map keys: the inner
// tag in the low 16 bits, the outer one above it for QinQ.
func (l *Link) VLANKey() uint32 { return vlanKey(&l.VLANs, l.NumVLANs) }

func vlanKey(vlans *[maxVLANs]uint16, n int) uint32 {
	switch n {
	case 0:
		return 0
	case 1:
		return uint32(vlans[0])
	}
	return uint32(vlans[0])<<16 | uint32(vlans[1])
}

// dot1qLayer records every tag of a stack into the parser's Link.
type dot1qLayer struct {
	layers.Dot1Q
	l *Link
}

func (d *dot1qLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if err := d.Dot1Q.DecodeFromBytes(data, df); err != nil {
		return err
	}
	if d.l.NumVLANs < maxVLANs {
		d.l.VLANs[d.l.NumVLANs] = d.VLANIdentifier
	}
	d.l.NumVLANs++
	return nil
}
