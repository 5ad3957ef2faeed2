package probe

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
)

// Link carries VRRP packets on one interface: a raw IP socket of protocol
// 112 on Linux (OpenLink), an in-memory recorder in tests.
type Link interface {
	// ReadPacket blocks until a packet arrives or the link is closed.
	// Packet.Data may alias buf.
	ReadPacket(buf []byte) (Packet, error)
	// WritePacket sends one VRRP message from the primary address to dst
	// with TTL / hop limit 255.
	WritePacket(msg []byte, dst netip.Addr) error
	Close() error
}

// Host is what a master does to the host beyond sending adverts.
type Host interface {
	// Announce sends a gratuitous ARP (IPv4) or an unsolicited neighbour
	// advertisement (IPv6) for each address.
	Announce(vips []netip.Addr) error
	// Install adds the addresses to the interface; Remove deletes those
	// Install added. Both are called only when the speaker was asked to
	// install the VIPs.
	Install(vips []netip.Addr) error
	Remove(vips []netip.Addr) error
	// Block makes the host drop packets addressed to the addresses of
	// virtual router vrid (RFC 5798 6.4.3: a master that is neither the
	// owner nor in Accept_Mode must not accept them); Unblock removes what
	// Block installed. Both are called only when the speaker installs the
	// VIPs and Config.AcceptsVIPs is false.
	Block(vrid uint8, vips []netip.Addr) error
	Unblock() error
}

// SpeakerConfig configures a Speaker.
type SpeakerConfig struct {
	Config
	// Peers are keepalived-style unicast peers; empty for multicast.
	Peers []netip.Addr
	// InstallVIPs makes the speaker add the VIPs to the interface as master
	// and remove them when it stops being master. Unless Config.AcceptsVIPs,
	// the host also drops packets addressed to them (Host.Block) from start
	// to stop: in Backup the addresses are not on the host, in Master the
	// rule keeps it from accepting packets for them.
	InstallVIPs bool
	// NoAnnounce suppresses the gratuitous ARP / unsolicited NA on becoming
	// master (the failover drill without --claim).
	NoAnnounce bool
	// KeepOnMismatch keeps the speaker running when an advert of its VRID
	// is discarded for a mismatch (version, authentication, interval; see
	// DiscardError.Mismatch). By default the speaker stops with a
	// *MismatchError instead: it cannot hear that router, and going on
	// would make it a second master.
	KeepOnMismatch bool
	// MaxRate caps the packets sent per second (adverts and announcements);
	// 0 means 10 + 2 per advertisement interval.
	MaxRate float64
}

// Transition is a state change the speaker reports.
type Transition struct {
	At       time.Time
	From, To State
	Reason   string
}

func (t Transition) String() string {
	return fmt.Sprintf("%s %s -> %s: %s", t.At.Format("15:04:05.000000"), t.From, t.To, t.Reason)
}

// Speaker runs a Machine over a Link.
type Speaker struct {
	cfg    SpeakerConfig
	m      *Machine
	link   Link
	host   Host
	notify func(Transition)
	logf   func(format string, a ...any)

	timer     *time.Timer
	state     State // the state last reported by notify
	installed bool
	blocked   bool
	buf       []byte
	limit     limiter
	scratch   decode.VRRP
	// Dropped counts packets the rate limit refused.
	Dropped int
}

// NewSpeaker returns a speaker over link and host. notify (may be nil) is
// called on every state change; logf (may be nil) gets discarded adverts and
// send errors.
func NewSpeaker(cfg SpeakerConfig, link Link, host Host, notify func(Transition), logf func(string, ...any)) (*Speaker, error) {
	m, err := NewMachine(cfg.Config)
	if err != nil {
		return nil, err
	}
	for _, p := range cfg.Peers {
		if p.Is4() != (cfg.Family() == decode.IPv4) {
			return nil, &ConfigError{"unicast-peer", p.String() + " is not of the family of the VIPs"}
		}
	}
	if notify == nil {
		notify = func(Transition) {}
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	rate := cfg.MaxRate
	if rate <= 0 {
		rate = 10 + 2*float64(time.Second)/float64(cfg.Interval)
	}
	return &Speaker{cfg: cfg, m: m, link: link, host: host, notify: notify, logf: logf,
		limit: limiter{rate: rate, burst: 10 + float64(len(cfg.VIPs)), tokens: 10 + float64(len(cfg.VIPs))}}, nil
}

// Machine returns the speaker's state machine, for inspection after Run.
func (s *Speaker) Machine() *Machine { return s.m }

type received struct {
	p   Packet
	err error
}

// Run starts the router and runs it until ctx ends; then it shuts the router
// down (priority 0 if master), removes what it installed and closes the link.
// It returns nil after a clean shutdown, or the error that stopped it.
func (s *Speaker) Run(ctx context.Context) (err error) {
	in := make(chan received)
	done := make(chan struct{})
	go s.read(in, done)
	s.timer = time.NewTimer(time.Hour)
	s.timer.Stop()
	defer func() {
		close(done)
		s.timer.Stop()
		if s.m.State() != Initialize {
			s.do(s.m.Handle(time.Now(), Event{Kind: EvShutdown}))
		}
		if s.installed { // belt and braces: whatever happened, give the addresses back
			if rerr := s.host.Remove(s.cfg.VIPs); rerr != nil && err == nil {
				err = rerr
			}
			s.installed = false
		}
		if s.blocked { // after the addresses are gone, so they never accept
			if uerr := s.host.Unblock(); uerr != nil && err == nil {
				err = fmt.Errorf("vrrp speaker: %w", uerr)
			}
			s.blocked = false
		}
		if cerr := s.link.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if s.cfg.InstallVIPs && !s.cfg.AcceptsVIPs() {
		if err := s.host.Block(s.cfg.VRID, s.cfg.VIPs); err != nil {
			return fmt.Errorf("vrrp speaker: not in Accept_Mode, but cannot drop packets to the VIPs (or pass --accept): %w", err)
		}
		s.blocked = true
	}
	if err := s.do(s.m.Handle(time.Now(), Event{Kind: EvStartup})); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.timer.C:
			if err := s.do(s.m.Handle(time.Now(), Event{Kind: EvTimer})); err != nil {
				return err
			}
		case r := <-in:
			if r.err != nil {
				return fmt.Errorf("vrrp speaker: reading: %w", r.err)
			}
			ev, err := CheckAdvert(&s.cfg.Config, r.p, &s.scratch)
			if errors.Is(err, errOtherVRID) {
				continue
			}
			var de *DiscardError
			if errors.As(err, &de) && de.Mismatch && !s.cfg.KeepOnMismatch && de.Src != s.cfg.Primary {
				return &MismatchError{What: []string{fmt.Sprintf("%s speaks for vrid %d and we cannot hear it (%s): stopping before we become a second master", de.Src, s.cfg.VRID, de.Reason)},
					Fix: "match the group (vrrpprobe speak takes version, interval and authentication from the wire when the flags are left out)"}
			}
			if err != nil {
				s.logf("%v", err)
				continue
			}
			if ev.Src == s.cfg.Primary {
				continue // our own advert looped back
			}
			if err := s.do(s.m.Handle(time.Now(), ev)); err != nil {
				return err
			}
		}
	}
}

func (s *Speaker) read(out chan<- received, done <-chan struct{}) {
	buf := make([]byte, 1500)
	for {
		p, err := s.link.ReadPacket(buf)
		if err == nil {
			p.Data = append([]byte(nil), p.Data...)
		}
		select {
		case out <- received{p, err}:
		case <-done:
			return
		}
		if err != nil {
			return
		}
	}
}

// do performs actions. Send and announce failures are logged (a router
// keeps running through a lost packet); install failures stop the speaker.
func (s *Speaker) do(acts []Action) error {
	for _, a := range acts {
		switch a.Kind {
		case ActSend:
			s.send(a.Priority)
		case ActSetTimer:
			s.timer.Reset(time.Until(a.At))
		case ActCancelTimer:
			s.timer.Stop()
		case ActInstallVIPs:
			if s.cfg.InstallVIPs && !s.installed {
				if err := s.host.Install(s.cfg.VIPs); err != nil {
					_ = s.host.Remove(s.cfg.VIPs)
					return fmt.Errorf("vrrp speaker: installing the VIPs: %w", err)
				}
				s.installed = true
			}
		case ActRemoveVIPs:
			if s.installed {
				s.installed = false
				if err := s.host.Remove(s.cfg.VIPs); err != nil {
					return fmt.Errorf("vrrp speaker: removing the VIPs: %w", err)
				}
			}
		case ActAnnounce:
			if s.cfg.NoAnnounce {
				continue
			}
			if !s.limit.allow(time.Now(), float64(len(s.cfg.VIPs))) {
				s.Dropped += len(s.cfg.VIPs)
				s.logf("rate limit: announcement of %d addresses not sent", len(s.cfg.VIPs))
				continue
			}
			if err := s.host.Announce(s.cfg.VIPs); err != nil {
				s.logf("announcing the VIPs: %v", err)
			}
		case ActState:
			s.notify(Transition{At: time.Now(), From: s.state, To: a.State, Reason: a.Reason})
			s.state = a.State
		}
	}
	return nil
}

func (s *Speaker) send(prio uint8) {
	dsts := s.cfg.Peers
	if len(dsts) == 0 {
		g := Group4
		if s.cfg.Family() == decode.IPv6 {
			g = Group6
		}
		dsts = []netip.Addr{g}
	}
	for _, dst := range dsts {
		if !s.limit.allow(time.Now(), 1) {
			s.Dropped++
			s.logf("rate limit: advert to %s not sent", dst)
			continue
		}
		var err error
		s.buf, err = AppendAdvert(s.buf[:0], &s.cfg.Config, prio, dst)
		if err == nil {
			err = s.link.WritePacket(s.buf, dst)
		}
		if err != nil {
			s.logf("sending advert to %s: %v", dst, err)
		}
	}
}

// limiter is a token bucket.
type limiter struct {
	rate, burst, tokens float64
	last                time.Time
}

func (l *limiter) allow(now time.Time, n float64) bool {
	if !l.last.IsZero() {
		l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	}
	l.last = now
	if l.tokens < n {
		return false
	}
	l.tokens -= n
	return true
}

// HostCloser is a Host holding sockets.
type HostCloser interface {
	Host
	Close() error
}
