package decode

import "encoding/binary"

// Repeats finds, in the frames of one link read in order, those that repeat
// the previous advert of their flow: the same link header fields, IP
// addresses, TTL and VRRP message (everything a head holds) as the last
// frame from the same source for the same VLAN, family and VRID. Nearly
// all VRRP traffic is such repeats: a master saying the same thing every
// interval. A reader tags frames with it on one goroutine, and the tracker
// (track.Tracker.Read) counts the repeats without decoding them
// or reading their bytes on another: what crosses between the two is a
// short Tag per frame.
//
// Flows are numbered from 0 in the order they first appear. A Repeats
// remembers up to MaxFlows of them; frames of further flows get flow -1,
// as do frames Peek does not take and adverts too long for a head.
type Repeats struct {
	last []head // per flow: its last frame, which also holds its key
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
// previous frame (their heads are equal). It does not allocate once a flow
// is known, and copies a frame's headers only when it is not a repeat.
func (r *Repeats) See(data []byte) (flow int32, repeat bool) {
	var w walked
	if !walk(data, &w) || len(w.payload) < 8 || len(w.payload) > len(head{}.payload) || IsCARP(w.payload, len(w.payload)) {
		return -1, false
	}
	// The flow's key, as its head holds it.
	vlan, vrid := vlanKey(&w.vlans, w.nvlans), w.payload[1]
	var src [16]byte
	if w.family == IPv4 {
		*(*[4]byte)(src[:4]) = [4]byte(w.src)
	} else {
		src = [16]byte(w.src)
	}
	mask := uint32(len(r.slots) - 1)
	i := flowHash(vlan, vrid, &src) & mask
	for {
		f := r.slots[i] - 1
		if f < 0 {
			break
		}
		l := &r.last[f]
		if l.src == src && l.vlan == vlan && l.payload[1] == vrid && l.family == w.family {
			// Compared in place: a repeat is neither copied nor zeroed.
			if l.ttl == w.ttl && int(l.n) == len(w.payload) && l.srcMAC == [6]byte(data[6:12]) &&
				l.sameDst(w.dst) && string(l.payload[:l.n]) == string(w.payload) {
				return f, true
			}
			l.set(data, &w)
			return f, false
		}
		i = (i + 1) & mask
	}
	if len(r.last) >= MaxFlows {
		return -1, false
	}
	f := int32(len(r.last))
	r.last = append(r.last, head{})
	r.last[f].set(data, &w)
	r.slots[i] = f + 1
	if 2*len(r.last) > len(r.slots) {
		r.grow()
	}
	return f, false
}

// sameDst compares h's destination with a walked one (4 or 16 bytes).
func (h *head) sameDst(dst []byte) bool {
	if len(dst) == 4 {
		return [4]byte(h.dst[:4]) == [4]byte(dst)
	}
	return h.dst == [16]byte(dst)
}

// grow doubles the index.
func (r *Repeats) grow() {
	r.slots = make([]int32, 2*len(r.slots))
	mask := uint32(len(r.slots) - 1)
	for f := range r.last {
		l := &r.last[f]
		i := flowHash(l.vlan, l.payload[1], &l.src) & mask
		for r.slots[i] != 0 {
			i = (i + 1) & mask
		}
		r.slots[i] = int32(f) + 1
	}
}

// flowHash mixes a flow's key: VLAN, VRID and source (the family is left
// out: an IPv6 source rarely ends as an IPv4 one does).
func flowHash(vlan uint32, vrid uint8, src *[16]byte) uint32 {
	a := binary.LittleEndian.Uint64(src[:8]) ^ binary.LittleEndian.Uint64(src[8:])
	x := (a ^ uint64(vlan)<<40 ^ uint64(vrid)<<32) * 0x9e3779b97f4a7c15
	return uint32(x >> 32)
}

// head is what identifies a frame's advert as a repeat of an earlier one:
// the fields of Peeked without pointers, the IP payload copied in, zero
// beyond what is used, so that two frames that decode the same have equal
// heads.
type head struct {
	vlan     uint32 // Link.VLANKey
	family   Family
	ttl      uint8
	n        uint8 // bytes of payload used
	srcMAC   [6]byte
	src, dst [16]byte // IPv4 addresses in the first 4 bytes
	payload  [48]byte // the IP payload: a VRRP message of up to 9 IPv4 or 2 IPv6 addresses
}

// set makes h the head of a walked frame whose payload fits, with copies
// of known sizes where it can.
func (h *head) set(data []byte, w *walked) {
	*h = head{vlan: vlanKey(&w.vlans, w.nvlans), family: w.family, ttl: w.ttl, srcMAC: [6]byte(data[6:12])}
	if w.family == IPv4 {
		*(*[4]byte)(h.src[:4]) = [4]byte(w.src)
		*(*[4]byte)(h.dst[:4]) = [4]byte(w.dst)
	} else {
		h.src, h.dst = [16]byte(w.src), [16]byte(w.dst)
	}
	h.n = uint8(copy(h.payload[:], w.payload))
}
