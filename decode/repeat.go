package decode

import "encoding/binary"

// Repeats finds, in the frames of one link read in order, those that repeat
// the previous advert of their flow: the same link header fields, IP
// addresses, TTL and VRRP message (everything PeekHead reads) as the last
// frame from the same source for the same VLAN, family and VRID. Nearly
// all VRRP traffic is such repeats: a master saying the same thing every
// interval. A reader tags frames with it on one goroutine, and the tracker
// (track.Tracker.ObserveTagged) counts the repeats without decoding them
// or reading their bytes on another: what crosses between the two is a
// short Tag per frame.
//
// Flows are numbered from 0 in the order they first appear. A Repeats
// remembers up to MaxFlows of them; frames of further flows get flow -1,
// as do frames PeekHead does not take.
type Repeats struct {
	last []Head // per flow: its last frame, which also holds its key
	// slots is an open-addressing index of last by flow key (VLAN,
	// family, VRID, source): flow+1, 0 for free. Its length is a power of
	// two at least twice the number of flows.
	slots []int32
}

// MaxFlows bounds the flows a Repeats remembers (about 6 MB of them).
const MaxFlows = 1 << 16

// Tag is a frame as Repeats saw it, with its capture time.
type Tag struct {
	Time   int64 // Unix nanoseconds
	Flow   int32 // -1: not a flow's advert
	Repeat bool  // the frame repeats its flow's previous one (see Repeats)
}

// NewRepeats returns an empty Repeats.
func NewRepeats() *Repeats { return &Repeats{slots: make([]int32, 64)} }

// See reads one frame and tells its flow and whether it repeats the flow's
// previous frame (everything PeekHead would copy is equal). It does not
// allocate once a flow is known, and copies a frame's headers only when
// it is not a repeat.
func (r *Repeats) See(data []byte) (flow int32, repeat bool) {
	var w walked
	if !walk(data, &w) || len(w.payload) < 8 || len(w.payload) > len(Head{}.Payload) {
		return -1, false
	}
	vlan := (&Link{VLANs: w.vlans, NumVLANs: w.nvlans}).VLANKey()
	vrid := w.payload[1]
	mask := uint32(len(r.slots) - 1)
	i := flowHash(vlan, vrid, w.src) & mask
	for {
		f := r.slots[i] - 1
		if f < 0 {
			break
		}
		l := &r.last[f]
		if l.VLAN == vlan && l.Family == w.family && l.Payload[1] == vrid && string(l.Src[:len(w.src)]) == string(w.src) {
			if l.TTL == w.ttl && int(l.Len) == len(w.payload) && l.SrcMAC == [6]byte(data[6:12]) &&
				string(l.Dst[:len(w.dst)]) == string(w.dst) && string(l.Payload[:l.Len]) == string(w.payload) {
				return f, true
			}
			l.set(data, &w, vlan)
			return f, false
		}
		i = (i + 1) & mask
	}
	if len(r.last) >= MaxFlows {
		return -1, false
	}
	f := int32(len(r.last))
	r.last = append(r.last, Head{})
	r.last[f].set(data, &w, vlan)
	r.slots[i] = f + 1
	if 2*len(r.last) > len(r.slots) {
		r.grow()
	}
	return f, false
}

// set makes h the Head of the walked frame, as PeekHead does.
func (h *Head) set(data []byte, w *walked, vlan uint32) {
	*h = Head{VLAN: vlan, Family: w.family, TTL: w.ttl, SrcMAC: [6]byte(data[6:12])}
	copy(h.Src[:], w.src)
	copy(h.Dst[:], w.dst)
	h.Len = uint8(copy(h.Payload[:], w.payload))
}

// grow doubles the index.
func (r *Repeats) grow() {
	r.slots = make([]int32, 2*len(r.slots))
	mask := uint32(len(r.slots) - 1)
	for f := range r.last {
		l := &r.last[f]
		n := 4
		if l.Family == IPv6 {
			n = 16
		}
		i := flowHash(l.VLAN, l.Payload[1], l.Src[:n]) & mask
		for r.slots[i] != 0 {
			i = (i + 1) & mask
		}
		r.slots[i] = int32(f) + 1
	}
}

// flowHash mixes a flow's key; the family is left out (an IPv6 source
// rarely shares its last four bytes with an IPv4 one).
func flowHash(vlan uint32, vrid uint8, src []byte) uint32 {
	a := binary.BigEndian.Uint32(src[len(src)-4:])
	h := (a ^ vlan<<8 ^ uint32(vrid)) * 0x9e3779b1
	return h ^ h>>15
}
