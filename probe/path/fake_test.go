package path

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/probe"
)

// hub is a fake segment between one sender and one listener: what the
// sender writes reaches the sender's own watch socket as outgoing, and the
// listener's sockets as fate says.
type hub struct {
	mu   sync.Mutex
	r    *Recognizer
	fate func(id ID) (wire, socket, reflect int)

	senderWire, listenWire *fakeWire
	listen4, listen6       *fakeIP
}

type wireFrame struct {
	b   []byte
	out bool
}

type fakeWire struct {
	h      *hub
	in     chan wireFrame
	closed chan struct{}
	once   sync.Once
}

func newFakeWire(h *hub) *fakeWire {
	return &fakeWire{h: h, in: make(chan wireFrame, 1024), closed: make(chan struct{})}
}

func (w *fakeWire) ReadFrame(buf []byte) (int, bool, error) {
	select {
	case f := <-w.in:
		return copy(buf, f.b), f.out, nil
	case <-w.closed:
		return 0, false, net.ErrClosed
	}
}

func (w *fakeWire) WriteFrame(b []byte) error { w.h.deliver(append([]byte(nil), b...)); return nil }
func (w *fakeWire) Close() error              { w.once.Do(func() { close(w.closed) }); return nil }

type fakeIP struct {
	h      *hub
	fam    decode.Family
	src    netip.Addr
	in     chan probe.Packet
	closed chan struct{}
	once   sync.Once
}

func newFakeIP(h *hub, fam decode.Family, src netip.Addr) *fakeIP {
	return &fakeIP{h: h, fam: fam, src: src, in: make(chan probe.Packet, 1024), closed: make(chan struct{})}
}

func (l *fakeIP) ReadPacket(buf []byte) (probe.Packet, error) {
	select {
	case p := <-l.in:
		p.Data = buf[:copy(buf, p.Data)]
		return p, nil
	case <-l.closed:
		return probe.Packet{}, net.ErrClosed
	}
}

// WritePacket wraps msg as the kernel would and delivers the frame.
func (l *fakeIP) WritePacket(msg []byte, dst netip.Addr) error {
	f := Frame{ID: ID{Family: l.fam}, Src: l.src, Dst: dst, SrcMAC: macA, DstMAC: macB}
	if dst.IsMulticast() {
		f.DstMAC = groupMAC(l.fam)
	}
	b, err := ipFrame(f, layers.IPProtocol(112), gopacket.Payload(msg))
	if err != nil {
		return err
	}
	l.h.deliver(b)
	return nil
}

func (l *fakeIP) Close() error { l.once.Do(func() { close(l.closed) }); return nil }

func (h *hub) deliver(b []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.senderWire.in <- wireFrame{b, true}
	s, ok := h.r.Frame(b)
	if !ok {
		return
	}
	wire, socket, reflect := h.fate(s.ID)
	for range wire {
		h.listenWire.in <- wireFrame{b: b}
	}
	for range reflect {
		h.senderWire.in <- wireFrame{b: b}
	}
	if !s.Kind.Advert() {
		return
	}
	l := h.listen4
	off := 14 + 20
	if s.Family == decode.IPv6 {
		l, off = h.listen6, 14+40
	}
	for range socket {
		l.in <- probe.Packet{Src: s.Src, Dst: s.Dst, TTL: s.TTL, Data: b[off:]}
	}
}

// TestSendListen runs a sender and a listener over a fake segment, in
// synctest time: the sender sees its frames leave and come back, the
// listener records both sockets and ends after Quiet, and Judge names
// what the segment did.
func TestSendListen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &hub{r: NewRecognizer()}
		h.senderWire, h.listenWire = newFakeWire(h), newFakeWire(h)
		h.listen4, h.listen6 = newFakeIP(h, decode.IPv4, netip.Addr{}), newFakeIP(h, decode.IPv6, netip.Addr{})
		// IPv4 multicast is dropped on the way; IPv6 adverts reach the
		// interface but not the socket; the ARP probes come back to the
		// sender.
		h.fate = func(id ID) (int, int, int) {
			switch {
			case id.Family == decode.IPv4 && (id.Kind == KindGroup || id.Kind == KindGroupVMAC || id.Kind == KindV2):
				return 0, 0, 0
			case id.Family == decode.IPv6 && id.Kind.Advert():
				return 1, 0, 0
			case id.Kind == KindProbe && id.Family == decode.IPv4:
				return 1, 0, 1
			}
			return 1, 1, 0
		}
		c := testPlan(t, 2)
		frames, err := Plan(c)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		lc := make(chan *ListenLog, 1)
		var (
			heardMu    sync.Mutex
			heardLines []string
		)
		go func() {
			l, err := Listen(context.Background(), ListenConfig{Iface: "eth0", MAC: macB, Quiet: 2 * time.Second,
				OnHeard: func(s Seen, wire bool) {
					var b strings.Builder
					_ = WriteHeard(&b, s, wire)
					heardMu.Lock()
					heardLines = append(heardLines, b.String())
					heardMu.Unlock()
				}},
				Sockets{Wire: h.listenWire, IP4: h.listen4, IP6: h.listen6})
			if err != nil {
				t.Error(err)
			}
			lc <- l
		}()
		s4 := newFakeIP(h, decode.IPv4, c.IPv4.Primary)
		s6 := newFakeIP(h, decode.IPv6, c.IPv6.Primary)
		u6 := newFakeIP(h, decode.IPv6, c.IPv6.UnicastSrc)
		tx := newFakeWire(h)
		sent, err := Send(context.Background(), SendConfig{Iface: "eth0", MAC: macA, Sends: c.Sends(), Frames: frames},
			Sockets{Wire: h.senderWire, Tx: tx, IP4: s4, IP6: s6, Unicast6: u6})
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != time.Duration(len(frames)-1)*200*time.Millisecond+500*time.Millisecond {
			t.Errorf("sending %d frames took %s, want one every 200ms and 500ms of lingering", len(frames), d)
		}
		l := <-lc
		if d := time.Since(start); d != time.Duration(len(frames)-1)*200*time.Millisecond+2*time.Second {
			t.Errorf("listener ended after %s, want 2s after the last frame", d)
		}
		for _, c := range []*fakeWire{h.senderWire, h.listenWire, tx} {
			c.Close()
		}
		for _, c := range []*fakeIP{h.listen4, h.listen6, s4, s6, u6} {
			c.Close()
		}
		for _, f := range sent.Frames {
			if !f.Left {
				t.Errorf("%s not seen leaving", f.ID)
			}
			if want := boolInt(f.Kind == KindProbe && f.Family == decode.IPv4); f.Reflected != want {
				t.Errorf("%s reflected %d times, want %d", f.ID, f.Reflected, want)
			}
		}
		if l.VRID != c.VRID || l.Sends != c.Sends() {
			t.Errorf("listener: vrid %d sends %b, want %d %b", l.VRID, l.Sends, c.VRID, c.Sends())
		}
		heardMu.Lock()
		all := strings.Join(heardLines, "")
		for _, want := range []string{
			"wire   ipv4 arp-probe #1 vrid 200 0.0.0.0 > 203.0.113.1 from 00:00:5e:00:01:c8\n",
			"socket ipv4 unicast #2 vrid 200 192.0.2.11 > 192.0.2.12 ttl 255\n",
			"wire   ipv6 dad-ns #2 vrid 200 :: > ff02::1:ff76:7270 ttl 255 from 00:00:5e:00:02:c8\n",
		} {
			if !strings.Contains(all, want) {
				t.Errorf("no heard line %q in\n%s", want, all)
			}
		}
		heardMu.Unlock()
		v := Judge("A", "B", sent, l)
		want := []string{"ipv4 multicast-dropped", "ipv4 reflected", "ipv6 receiver-firewall"}
		if got := ids(v.Findings); !slices.Equal(got, want) {
			var b strings.Builder
			_ = WriteVerdict(&b, v)
			t.Errorf("findings %q, want %q\n%s", got, want, b.String())
		}
		// The listener alone comes to the same findings, but for the
		// reflections only the sender sees.
		alone := Judge("A", "B", Expect(l), l)
		if got := ids(alone.Findings); !slices.Equal(got, []string{"ipv4 multicast-dropped", "ipv6 receiver-firewall"}) {
			t.Errorf("listener alone: findings %q", got)
		}
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestSendStopsOnVRIDInUse: an advert of the test VRID from a router ends
// the run at the next frame.
func TestSendStopsOnVRIDInUse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &hub{r: NewRecognizer(), fate: func(ID) (int, int, int) { return 0, 0, 0 }}
		h.senderWire, h.listenWire = newFakeWire(h), newFakeWire(h)
		c := testPlan(t, 2)
		c.IPv6 = nil
		frames, err := Plan(c)
		if err != nil {
			t.Fatal(err)
		}
		cfg := &probe.Config{VRID: c.VRID, Priority: 100, Version: decode.V3, Interval: time.Second,
			VIPs: []netip.Addr{netip.MustParseAddr("192.0.2.100")}, Primary: netip.MustParseAddr("192.0.2.13")}
		msg, err := probe.AppendAdvert(nil, cfg, 100, probe.Group4)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ipFrame(Frame{ID: ID{Family: decode.IPv4}, Src: cfg.Primary, Dst: probe.Group4,
			SrcMAC: net.HardwareAddr{2, 0, 0, 0, 1, 3}, DstMAC: groupMAC(decode.IPv4)}, layers.IPProtocol(112), gopacket.Payload(msg))
		if err != nil {
			t.Fatal(err)
		}
		h.senderWire.in <- wireFrame{b: b}
		s4 := newFakeIP(h, decode.IPv4, c.IPv4.Primary)
		sent, err := Send(context.Background(), SendConfig{Iface: "eth0", MAC: macA, Sends: c.Sends(), Frames: frames},
			Sockets{Wire: h.senderWire, Tx: newFakeWire(h), IP4: s4})
		h.senderWire.Close()
		if !errors.Is(err, ErrVRIDInUse) || !strings.Contains(err.Error(), "192.0.2.13 advertises vrid 200: stopped after 1 of 10 frames") {
			t.Fatalf("err %v, want the run stopped at the second frame", err)
		}
		if sent == nil || len(sent.Frames) != len(frames) {
			t.Errorf("log %+v", sent)
		}
	})
}
