package path

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/google/gopacket/layers"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/probe"
)

// Wire is a packet socket on one interface: every frame that reaches or
// leaves it, before the host's firewall.
type Wire interface {
	// ReadFrame blocks until a frame arrives or the socket is closed;
	// outgoing is set for a frame this host sent.
	ReadFrame(buf []byte) (n int, outgoing bool, err error)
	// WriteFrame sends a whole Ethernet frame.
	WriteFrame(frame []byte) error
	Close() error
}

// Sockets are what a run uses on one interface. The caller opens them and
// closes them after the run.
type Sockets struct {
	Wire Wire // watches the interface (sender and listener)
	Tx   Wire // sends the built frames (sender); a socket of its own, since a packet socket does not see what it sent
	// IP4 and IP6 are raw IP sockets of protocol 112 joined to the group,
	// sending with TTL / hop limit 255 from the family's primary address;
	// nil when the family is not tested.
	IP4, IP6 probe.Link
	// Unicast6 sends the IPv6 unicast advert from Endpoint.UnicastSrc; nil
	// to use IP6.
	Unicast6 probe.Link
}

// readFrames reads w until it is closed, calling fn for each frame.
func readFrames(w Wire, fn func(frame []byte, outgoing bool)) error {
	buf := make([]byte, 9216)
	for {
		n, out, err := w.ReadFrame(buf)
		if err != nil {
			return err
		}
		fn(buf[:n], out)
	}
}

// Survey watches w for d and returns the VRIDs heard, so a run can pick one
// nobody uses. d should span a few advert intervals of the slowest router
// (1 s by default in keepalived and FRR).
func Survey(ctx context.Context, w Wire, d time.Duration) (*VRIDs, error) {
	var (
		mu   sync.Mutex
		used VRIDs
	)
	p, err := decode.NewParser(layers.LinkTypeEthernet)
	if err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() {
		done <- readFrames(w, func(b []byte, out bool) {
			if out {
				return
			}
			mu.Lock()
			used.Observe(p, b)
			mu.Unlock()
		})
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err := <-done:
		return nil, fmt.Errorf("watching the link for vrids in use: %w", err)
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
	}
	mu.Lock()
	defer mu.Unlock()
	u := used
	return &u, nil
}

// Sent is one frame of a run as the sender saw it.
type Sent struct {
	ID
	Src    netip.Addr `json:"src"`
	Dst    netip.Addr `json:"dst"`
	SrcMAC string     `json:"src_mac"` // for kernel-sent frames, the interface's MAC
	Err    string     `json:"error,omitempty"`
	// Refused: the host's firewall refused the frame at the socket
	// (EPERM from an output chain's drop): it never left.
	Refused bool `json:"refused,omitempty"`
	// Left: the frame was seen leaving the interface (only when
	// SendLog.Watched).
	Left bool `json:"left"`
	// Reflected counts copies of the frame that came back in.
	Reflected int `json:"reflected,omitempty"`
}

// SendLog is what a sender did.
type SendLog struct {
	VRID  uint8  `json:"vrid"`
	Iface string `json:"iface"`
	MAC   string `json:"mac"`
	Sends Sends  `json:"sends"`
	// Watched: the sender watched its interface, so Sent.Left and
	// Sent.Reflected mean something.
	Watched bool   `json:"watched"`
	Frames  []Sent `json:"frames"`
}

// SendConfig says how to send a plan.
type SendConfig struct {
	Iface  string
	MAC    net.HardwareAddr
	Sends  Sends
	Frames []Frame
	// Interval between two frames; 0 means 200 ms (5 frames a second).
	Interval time.Duration
	// Linger is how long to keep watching for the last frame leaving and
	// for reflections after it was sent; 0 means 500 ms.
	Linger time.Duration
}

// Send sends the frames one by one, Interval apart, and watches s.Wire to
// see each leave the interface and whether any comes back.
func Send(ctx context.Context, c SendConfig, s Sockets) (*SendLog, error) {
	if c.Interval == 0 {
		c.Interval = 200 * time.Millisecond
	}
	if c.Linger == 0 {
		c.Linger = 500 * time.Millisecond
	}
	log := &SendLog{Iface: c.Iface, MAC: c.MAC.String(), Sends: c.Sends, Watched: s.Wire != nil}
	index := map[ID]int{}
	for i, f := range c.Frames {
		log.VRID = f.VRID
		index[f.ID] = i
		log.Frames = append(log.Frames, Sent{ID: f.ID, Src: f.Src, Dst: f.Dst, SrcMAC: f.SrcMAC.String()})
	}
	var mu sync.Mutex
	watchDone := make(chan error, 1)
	// A router that advertises the test VRID after all (one the survey
	// missed) stops the run: the test is harmless only on an unused VRID.
	inUse := make(chan netip.Addr, 1)
	if s.Wire != nil {
		r := NewRecognizer()
		go func() {
			watchDone <- readFrames(s.Wire, func(b []byte, out bool) {
				seen, ok := r.Frame(b)
				if !ok {
					if src, other := r.OtherAdvert(log.VRID); other && !out {
						select {
						case inUse <- src:
						default:
						}
					}
					return
				}
				mu.Lock()
				defer mu.Unlock()
				i, ok := index[seen.ID]
				if !ok {
					return
				}
				if out {
					log.Frames[i].Left = true
				} else {
					log.Frames[i].Reflected++
				}
			})
		}()
	}
	// snapshot copies the log; the watcher may still be writing to it.
	snapshot := func() *SendLog {
		mu.Lock()
		defer mu.Unlock()
		out := *log
		out.Frames = append([]Sent(nil), log.Frames...)
		return &out
	}
	tick := time.NewTicker(c.Interval)
	defer tick.Stop()
	for i, f := range c.Frames {
		if i > 0 {
			select {
			case <-ctx.Done():
				return snapshot(), ctx.Err()
			case src := <-inUse:
				return snapshot(), fmt.Errorf("%w: %s advertises vrid %d: stopped after %d of %d frames; run again to pick a free vrid",
					ErrVRIDInUse, src, log.VRID, i, len(c.Frames))
			case <-tick.C:
			}
		}
		if err := send(s, f); err != nil {
			mu.Lock()
			log.Frames[i].Err = err.Error()
			log.Frames[i].Refused = errors.Is(err, syscall.EPERM)
			mu.Unlock()
		}
	}
	t := time.NewTimer(c.Linger)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case err := <-watchDone:
		if err != nil && !closed(err) {
			return log, fmt.Errorf("watching %s: %w", c.Iface, err)
		}
	}
	return snapshot(), nil
}

// send hands one frame to its socket.
func send(s Sockets, f Frame) error {
	if !f.Kind.Kernel() {
		if s.Tx == nil {
			return errors.New("no packet socket to send on")
		}
		return s.Tx.WriteFrame(f.Data)
	}
	l := s.IP4
	if f.Family == decode.IPv6 {
		l = s.IP6
		if f.Kind == KindUnicast && s.Unicast6 != nil {
			l = s.Unicast6
		}
	}
	if l == nil {
		return fmt.Errorf("no %s raw socket to send on", f.Family)
	}
	return l.WritePacket(f.Data, f.Dst)
}

// Heard is one test frame as the listener received it.
type Heard struct {
	ID
	// Wire counts copies on the packet socket (the interface); Socket on
	// the raw IP socket (what a daemon gets, after the firewall).
	Wire   int `json:"wire"`
	Socket int `json:"socket"`
	// TTL / hop limit on the wire (and on the socket) of the first copy.
	TTL       uint8      `json:"ttl"`
	SocketTTL uint8      `json:"socket_ttl,omitempty"`
	SrcMAC    string     `json:"src_mac,omitempty"` // Ethernet source as received
	Src       netip.Addr `json:"src"`
}

// ListenLog is what a listener heard of one run.
type ListenLog struct {
	Iface string  `json:"iface"`
	MAC   string  `json:"mac"`
	VRID  uint8   `json:"vrid"`  // the run's VRID; 0 when nothing arrived
	Sends Sends   `json:"sends"` // what the run said it sends; 0 when no frame said
	Heard []Heard `json:"heard"`
	// OtherRuns lists VRIDs of test frames of other runs, ignored.
	OtherRuns []uint8 `json:"other_runs,omitempty"`
}

// ListenConfig says what to listen for.
type ListenConfig struct {
	Iface string
	MAC   net.HardwareAddr
	// VRID is the run to listen for; 0 takes the first run heard.
	VRID uint8
	// Quiet ends the listening this long after the last test frame, once
	// one arrived; 0 listens until ctx ends.
	Quiet time.Duration
	// OnHeard, when set, is called for every test frame as it arrives
	// (wire: on the packet socket), outside the listener's lock, from the
	// socket readers: several calls may run at once.
	OnHeard func(s Seen, wire bool)
}

// Listen records the test frames arriving on s.Wire, s.IP4 and s.IP6 until
// ctx ends or the run has been quiet for c.Quiet. It does not send.
func Listen(ctx context.Context, c ListenConfig, s Sockets) (*ListenLog, error) {
	log := &ListenLog{Iface: c.Iface, MAC: c.MAC.String(), VRID: c.VRID}
	var mu sync.Mutex
	heard := map[ID]*Heard{}
	others := map[uint8]bool{}
	got := make(chan struct{}, 1)
	errc := make(chan error, 3)
	record := func(seen Seen, wire bool) {
		mu.Lock()
		if log.VRID == 0 {
			log.VRID = seen.VRID
		}
		if seen.VRID != log.VRID {
			others[seen.VRID] = true
			mu.Unlock()
			return
		}
		log.Sends |= seen.Sends
		h := heard[seen.ID]
		if h == nil {
			h = &Heard{ID: seen.ID, Src: seen.Src}
			heard[seen.ID] = h
		}
		if wire {
			if h.Wire == 0 {
				h.TTL, h.SrcMAC = seen.TTL, seen.SrcMAC.String()
			}
			h.Wire++
		} else {
			if h.Socket == 0 {
				h.SocketTTL = seen.TTL
			}
			h.Socket++
		}
		mu.Unlock()
		select {
		case got <- struct{}{}:
		default:
		}
		if c.OnHeard != nil {
			c.OnHeard(seen, wire)
		}
	}
	var readers sync.WaitGroup
	if s.Wire != nil {
		readers.Add(1)
		go func() {
			defer readers.Done()
			r := NewRecognizer()
			errc <- readFrames(s.Wire, func(b []byte, out bool) {
				if out {
					return
				}
				if seen, ok := r.Frame(b); ok {
					record(seen, true)
				}
			})
		}()
	}
	for _, l := range []probe.Link{s.IP4, s.IP6} {
		if l == nil {
			continue
		}
		readers.Add(1)
		go func() {
			defer readers.Done()
			r := NewRecognizer()
			buf := make([]byte, 9216)
			for {
				p, err := l.ReadPacket(buf)
				if err != nil {
					errc <- err
					return
				}
				if seen, ok := r.Packet(p); ok {
					record(seen, false)
				}
			}
		}()
	}
	var quiet <-chan time.Time
	var qt *time.Timer
	defer func() {
		if qt != nil {
			qt.Stop()
		}
	}()
	var err error
wait:
	for {
		select {
		case <-ctx.Done():
			break wait
		case e := <-errc:
			if !closed(e) {
				err = fmt.Errorf("listening on %s: %w", c.Iface, e)
			}
			break wait
		case <-got:
			if c.Quiet > 0 {
				if qt == nil {
					qt = time.NewTimer(c.Quiet)
					quiet = qt.C
				} else {
					qt.Reset(c.Quiet)
				}
			}
		case <-quiet:
			break wait
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, h := range heard {
		log.Heard = append(log.Heard, *h)
	}
	sort.Slice(log.Heard, func(i, j int) bool { return lessID(log.Heard[i].ID, log.Heard[j].ID) })
	for v := range others {
		log.OtherRuns = append(log.OtherRuns, v)
	}
	sort.Slice(log.OtherRuns, func(i, j int) bool { return log.OtherRuns[i] < log.OtherRuns[j] })
	out := *log
	return &out, err
}

// closed reports whether err says a socket was closed: the end of a read
// loop, not a failure.
func closed(err error) bool { return errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrClosed) }

func lessID(a, b ID) bool {
	if a.Family != b.Family {
		return a.Family < b.Family
	}
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	return a.Seq < b.Seq
}
