package probe

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
)

// frame is one packet the fake link or host recorded.
type frame struct {
	At   time.Duration // since the start of the synctest bubble
	Dst  netip.Addr
	Data []byte
}

// bubbleStart is where testing/synctest's clock starts.
var bubbleStart = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// fakeLink replays packets pushed into in and records what is written.
type fakeLink struct {
	in     chan Packet
	closed chan struct{}
	once   sync.Once

	mu   sync.Mutex
	sent []frame
}

func newFakeLink() *fakeLink {
	return &fakeLink{in: make(chan Packet), closed: make(chan struct{})}
}

var errClosed = errors.New("link closed")

func (l *fakeLink) ReadPacket(buf []byte) (Packet, error) {
	select {
	case p := <-l.in:
		n := copy(buf, p.Data)
		p.Data = buf[:n]
		return p, nil
	case <-l.closed:
		return Packet{}, errClosed
	}
}

func (l *fakeLink) WritePacket(msg []byte, dst netip.Addr) error {
	select {
	case <-l.closed:
		return errClosed
	default:
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent = append(l.sent, frame{time.Since(bubbleStart), dst, slices.Clone(msg)})
	return nil
}

func (l *fakeLink) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *fakeLink) isClosed() bool {
	select {
	case <-l.closed:
		return true
	default:
		return false
	}
}

func (l *fakeLink) frames() []frame {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.sent)
}

// fakeHost records announcements and keeps the set of installed addresses
// and whether packets to them are dropped.
type fakeHost struct {
	mu         sync.Mutex
	announced  []frame
	installed  map[netip.Addr]bool
	blocked    bool
	log        []string
	failInstal error
	failBlock  error
}

func newFakeHost() *fakeHost { return &fakeHost{installed: map[netip.Addr]bool{}} }

func (h *fakeHost) Announce(vips []netip.Addr) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, v := range vips {
		h.announced = append(h.announced, frame{At: time.Since(bubbleStart), Dst: v})
	}
	return nil
}

func (h *fakeHost) Install(vips []netip.Addr) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, v := range vips {
		if h.failInstal != nil && i == 1 {
			return h.failInstal
		}
		h.installed[v] = true
		h.log = append(h.log, fmt.Sprintf("+%s@%s", v, time.Since(bubbleStart)))
	}
	return nil
}

func (h *fakeHost) Remove(vips []netip.Addr) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, v := range vips {
		if h.installed[v] {
			delete(h.installed, v)
			h.log = append(h.log, fmt.Sprintf("-%s@%s", v, time.Since(bubbleStart)))
		}
	}
	return nil
}

func (h *fakeHost) Block(vrid uint8, vips []netip.Addr) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failBlock != nil {
		return h.failBlock
	}
	h.blocked = true
	h.log = append(h.log, fmt.Sprintf("block vrid %d %v@%s", vrid, vips, time.Since(bubbleStart)))
	return nil
}

func (h *fakeHost) Unblock() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.blocked {
		h.blocked = false
		h.log = append(h.log, fmt.Sprintf("unblock@%s", time.Since(bubbleStart)))
	}
	return nil
}

func (h *fakeHost) state() (installed int, log []string, announced []frame) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.installed), slices.Clone(h.log), slices.Clone(h.announced)
}

// sentAdvert decodes a recorded frame as the advert from src.
func sentAdvert(src netip.Addr, f frame) (*decode.VRRP, error) {
	v := &decode.VRRP{}
	fam := decode.IPv4
	if src.Is6() {
		fam = decode.IPv6
	}
	v.IP = decode.Carrier{Family: fam, Src: src, Dst: f.Dst, TTL: 255, Length: len(f.Data)}
	if err := v.DecodeFromBytes(f.Data, nilFeedback{}); err != nil {
		return nil, err
	}
	if !v.Valid() {
		return v, fmt.Errorf("advert has problems %v", v.Problems)
	}
	return v, nil
}

// peerAdvert is a packet from a peer router with config c and priority prio.
func peerAdvert(c Config, prio uint8) Packet {
	dst := Group4
	if c.Family() == decode.IPv6 {
		dst = Group6
	}
	b, err := AppendAdvert(nil, &c, prio, dst)
	if err != nil {
		panic(err)
	}
	return Packet{Src: c.Primary, Dst: dst, TTL: 255, Data: b}
}
