package live

import (
	"encoding/binary"
	"hash/maphash"
	"time"
)

// dedup drops the second copy of a frame that "any" sees once per
// interface it crosses (a bridge port and the bridge, eth0 and eth0.10):
// the same network-layer bytes, from another interface, within window.
// tcpdump -i any shows every copy; the tracker would count each advert
// twice and halve the measured interval. A frame repeated on the same
// interface (keepalived's back-to-back gratuitous ARPs) is kept.
type dedup struct {
	seed   maphash.Seed
	recent [32]seen
	next   int
}

type seen struct {
	sum     uint64
	ifindex int
	at      time.Time
}

// dedupWindow: copies of one frame reach AF_PACKET microseconds apart;
// two adverts of one router are at least 10 ms apart (RFC 5798's
// smallest interval).
const dedupWindow = 2 * time.Millisecond

func newDedup() *dedup { return &dedup{seed: maphash.MakeSeed()} }

// dup reports whether the cooked frame data (a 16-byte Linux cooked
// header, maybe a tag, then the network header) was just seen on another
// interface, and remembers it otherwise.
func (d *dedup) dup(data []byte, ifindex int, at time.Time) bool {
	l3 := 16
	if len(data) >= 20 && binary.BigEndian.Uint16(data[14:]) == 0x8100 {
		l3 = 20 // a tag one interface shows and the VLAN interface does not
	}
	if len(data) < l3 {
		return false
	}
	sum := maphash.Bytes(d.seed, data[l3:])
	for i := range d.recent {
		s := &d.recent[i]
		if s.sum == sum && s.ifindex != ifindex && at.Sub(s.at) < dedupWindow && at.Sub(s.at) > -dedupWindow {
			return true
		}
	}
	d.recent[d.next] = seen{sum, ifindex, at}
	d.next = (d.next + 1) % len(d.recent)
	return false
}
