package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/probe"
)

func runSpeak(ctx context.Context, args []string, stdout, stderr io.Writer, s sys) error {
	fs := flagSet("speak", stderr)
	iface := fs.String("i", "", "interface to speak on (required)")
	vrid := fs.Int("vrid", 0, "virtual router id 1-255 (required)")
	prio := fs.Int("priority", 0, "priority 1-255; 255 claims to own the addresses (required)")
	var vips, peers addrList
	fs.Var(&vips, "vip", "virtual address (repeat, or a,b); all of one family")
	version := fs.Int("version", 3, "VRRP version: 2 (RFC 3768, IPv4) or 3 (RFC 5798)")
	interval := fs.Duration("interval", time.Second, "advertisement interval")
	auth := fs.String("auth-pass", "", "VRRPv2 simple password (auth_type PASS), at most 8 bytes")
	fs.Var(&peers, "unicast-peer", "send to this peer instead of the multicast group (repeat), keepalived's unicast_peer")
	nopreempt := fs.Bool("nopreempt", false, "do not take over from a master of lower priority")
	accept := fs.Bool("accept", false, "Accept_Mode: as master, accept packets to the VIPs; without it --install-vips has nft (or iptables) drop them, unless priority is 255")
	install := fs.Bool("install-vips", false, "add the VIPs to the interface while master (needs cap_net_admin)")
	vmac := fs.Bool("vmac", false, "speak from a macvlan with the virtual MAC 00:00:5e:00:0{1,2}:VRID (needs cap_net_admin)")
	yes := fs.Bool("yes", false, "really send; without it only print what would be sent")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return parseErr(err)
	}
	for _, p := range pos {
		if err := vips.Set(p); err != nil {
			return usageError("speak: %q is neither a flag nor an address", p)
		}
	}
	set := flagsSet(fs)
	switch {
	case !set["vrid"] || *vrid < 1 || *vrid > 255:
		return usageError("speak: --vrid 1-255 is required: the speaker uses no VRID you did not name")
	case !set["priority"] || *prio < 1 || *prio > 255:
		return usageError("speak: --priority 1-255 is required: the speaker uses no priority you did not name")
	case len(vips) == 0:
		return usageError("speak: at least one --vip is required")
	}
	ifi, err := interfaceOf(s, *iface)
	if err != nil {
		return err
	}
	fam := decode.IPv4
	if vips[0].Is6() {
		fam = decode.IPv6
	}
	primary, err := s.primary(ifi, fam)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	cfg := probe.SpeakerConfig{
		Config: probe.Config{
			VRID: uint8(*vrid), Priority: uint8(*prio), Version: decode.Version(*version),
			Interval: *interval, VIPs: vips, Primary: primary,
			Preempt: !*nopreempt, Accept: *accept, AuthPass: *auth,
		},
		Peers:       peers,
		InstallVIPs: *install,
	}
	if err := cfg.Validate(); err != nil {
		return usageError("speak: %w", err)
	}
	out := &lineWriter{w: stdout}
	mode := "live"
	if !*yes {
		mode = "dry run (add --yes to send)"
	}

	sendIfi := ifi
	if *vmac && *yes {
		v, cleanup, err := s.vmac(ifi, fam, cfg.VRID)
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		defer func() {
			if err := cleanup(); err != nil {
				out.printf("removing %s: %v", v.Name, err)
			}
		}()
		out.printf("virtual MAC %s on %s", v.HardwareAddr, v.Name)
		sendIfi = v
		if fam == decode.IPv6 { // v6 adverts come from the macvlan's own link-local
			if cfg.Primary, err = s.primary(v, fam); err != nil {
				return &exitError{code: 2, err: err}
			}
		}
	}
	out.printf("speaker %s: %s vrid %d priority %d interval %s on %s from %s, VIPs %s",
		mode, cfg.Version, cfg.VRID, cfg.Priority, cfg.Interval, sendIfi.Name, cfg.Primary, vips.String())
	link, err := s.openLink(sendIfi, fam, cfg.Primary)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	var host probe.HostCloser
	if *yes {
		if host, err = s.openHost(sendIfi); err != nil {
			link.Close()
			return &exitError{code: 2, err: err}
		}
		defer host.Close()
		if lh, ok := host.(*probe.LinuxHost); ok {
			lh.Logf = out.printf
		}
	} else {
		link = &dryLink{Link: link, out: out, cfg: &cfg.Config}
		host = &dryHost{out: out, ifi: sendIfi}
		if *vmac {
			out.printf("would create a macvlan with the virtual MAC of vrid %d", cfg.VRID)
		}
	}
	sp, err := probe.NewSpeaker(cfg, link, host, func(t probe.Transition) {
		out.printf("%s -> %s: %s", t.From, t.To, t.Reason)
	}, func(format string, a ...any) { out.printf(format, a...) })
	if err != nil {
		link.Close()
		return usageError("speak: %w", err)
	}
	err = sp.Run(ctx)
	if sp.Dropped > 0 {
		out.printf("rate limit refused %d packets", sp.Dropped)
	}
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	out.printf("stopped")
	return nil
}

// lineWriter prints timestamped lines from several goroutines.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineWriter) printf(format string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "%s %s\n", time.Now().Format("15:04:05.000000"), fmt.Sprintf(format, a...))
}

// dryLink listens on the real link but prints adverts instead of sending them.
type dryLink struct {
	probe.Link
	out *lineWriter
	cfg *probe.Config
}

func (d *dryLink) WritePacket(msg []byte, dst netip.Addr) error {
	prio := -1
	if len(msg) > 2 {
		prio = int(msg[2])
	}
	d.out.printf("would send %s advert vrid %d priority %d to %s (%d bytes)", d.cfg.Version, d.cfg.VRID, prio, dst, len(msg))
	return nil
}

// dryHost prints announcements, address and firewall changes instead of
// making them.
type dryHost struct {
	out *lineWriter
	ifi *net.Interface
}

func (d *dryHost) Announce(vips []netip.Addr) error {
	for _, v := range vips {
		what := "gratuitous ARP"
		if v.Is6() {
			what = "unsolicited neighbour advertisement"
		}
		d.out.printf("would send %s for %s", what, v)
	}
	return nil
}

func (d *dryHost) Install(vips []netip.Addr) error {
	d.out.printf("would add %v to the interface", vips)
	return nil
}

func (d *dryHost) Remove(vips []netip.Addr) error {
	d.out.printf("would remove %v from the interface", vips)
	return nil
}

func (d *dryHost) Block(vrid uint8, vips []netip.Addr) error {
	fam := decode.IPv4
	if len(vips) > 0 && vips[0].Is6() {
		fam = decode.IPv6
	}
	d.out.printf("would drop packets to %v with nft table inet %s (not Accept_Mode: --accept to accept them)",
		vips, probe.FilterName(d.ifi.Name, d.ifi.Index, fam, vrid))
	return nil
}

func (d *dryHost) Unblock() error {
	d.out.printf("would remove the drop rule")
	return nil
}

func (d *dryHost) Close() error { return nil }
