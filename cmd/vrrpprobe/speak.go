package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/internal/cli"
	"github.com/vrrpkit/vrrpkit/probe"
)

func runSpeak(ctx context.Context, p *cli.Parsed, stdout, stderr io.Writer, s sys) error {
	iface := ref(p.String("i"))
	vrid := ref(p.Int("vrid"))
	prio := ref(p.Int("priority"))
	vips, err := addrFlag(p, "vip")
	if err != nil {
		return err
	}
	peers, err := addrFlag(p, "unicast-peer")
	if err != nil {
		return err
	}
	six := ref(p.Bool("6"))
	version := ref(p.Int("version"))
	interval := ref(p.Duration("interval"))
	secret := secretOf(p)
	listen := ref(p.Duration("listen"))
	force := ref(p.Bool("force"))
	nopreempt := ref(p.Bool("nopreempt"))
	accept := ref(p.Bool("accept"))
	install := ref(p.Bool("install-vips"))
	vmac := ref(p.Bool("vmac"))
	asJSON := ref(p.Bool("json"))
	yes := ref(p.Bool("yes"))
	for _, a := range p.Args {
		if err := vips.Set(a); err != nil {
			return usageError("speak: %q is neither a flag nor an address", a)
		}
	}
	switch {
	case *vrid < 1 || *vrid > 255:
		return usageError("speak: --vrid 1-255 is required: the speaker uses no VRID you did not name")
	case *prio < 1 || *prio > 255:
		return usageError("speak: --priority 1-255 is required: the speaker uses no priority you did not name")
	case *version != 0 && *version != 2 && *version != 3:
		return usageError("speak: --version %d: use 2 or 3", *version)
	case *interval < 0 || *listen < 0:
		return usageError("speak: --interval and --listen must be positive")
	}
	fam := decode.IPv4
	if len(vips) > 0 && vips[0].Is6() || len(vips) == 0 && *six {
		fam = decode.IPv6
	}
	if *version == 2 && fam == decode.IPv6 {
		return usageError("speak: VRRPv2 is IPv4 only (RFC 3768): use --version 3 for IPv6")
	}
	ifi, err := interfaceOf(s, *iface)
	if err != nil {
		return err
	}
	out := newOutput(stdout, stderr, *asJSON)
	primary, err := s.primary(ifi, fam)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	pass, given, err := secret.resolve(s, out)
	if err != nil {
		return err
	}

	// Listen first: the group on the wire decides what we speak.
	req := probe.JoinRequest{VRID: uint8(*vrid), Family: fam, Priority: uint8(*prio), Version: decode.Version(*version),
		Interval: *interval, VIPs: vips, AuthPass: pass, AuthGiven: given, Force: *force}
	guess := *interval
	if guess == 0 {
		guess = time.Second
	}
	guessV := decode.Version(*version)
	if guessV == 0 {
		guessV = decode.V3
	}
	window := listenWindow(*listen, guess, guessV, uint8(*prio))
	watch, err := s.openLink(ifi, fam, primary)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	out.event("listen", fmt.Sprintf("listening up to %s on %s for %s vrid %d before speaking", window, ifi.Name, fam, *vrid),
		map[string]any{"interface": ifi.Name, "vrid": *vrid, "family": fam.String(), "window_ns": window})
	heard, err := collect(ctx, watch, window, *listen == 0, uint8(*vrid), fam)
	if cerr := watch.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			out.event("stopped", "stopped while listening: nothing was sent", nil)
			return out.Err()
		}
		return &exitError{code: 2, err: err}
	}
	plan, err := probe.PlanJoin(req, heard)
	if errors.Is(err, probe.ErrAuthNeeded) {
		var ok bool
		if req.AuthPass, ok, err = secret.ask(s, "the group uses a VRRPv2 password; password"); ok {
			req.AuthGiven = true
			plan, err = probe.PlanJoin(req, heard)
		} else if err == nil {
			err = probe.ErrAuthNeeded
		}
	}
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("speak: %w", err)}
	}
	reportGroup(out, plan, window)
	// A VRRP daemon of this VRID here: the speaker would be a second router
	// on the same host. (The VIPs being local is no reason: the address
	// owner has them, and so has a killed speaker until cleaned up.)
	why, doubts := s.localDaemons(uint8(*vrid))
	for _, d := range doubts {
		out.event("warning", "warning: "+d, nil)
	}
	if len(why) > 0 {
		if !*force {
			return &exitError{code: 2, err: fmt.Errorf("speak: this host takes part in vrid %d already: %s; speak from another host, or --force", *vrid, strings.Join(why, "; "))}
		}
		for _, w := range why {
			out.event("warning", "warning: --force: "+w, nil)
		}
	}

	cfg := probe.SpeakerConfig{
		Config: probe.Config{
			VRID: uint8(*vrid), Priority: uint8(*prio), Version: plan.Version,
			Interval: plan.Interval, VIPs: plan.VIPs, Primary: primary,
			Preempt: !*nopreempt, Accept: *accept, AuthPass: plan.AuthPass, Checksum: plan.Checksum,
		},
		Peers:          peers,
		InstallVIPs:    *install,
		KeepOnMismatch: *force,
	}
	if err := cfg.Validate(); err != nil {
		return usageError("speak: %w", err)
	}
	outcome := plan.Outcome(cfg.Priority, cfg.Preempt, primary)
	if !*yes {
		dryRun(out, ifi, &cfg, *vmac, outcome)
		return out.Err()
	}
	out.event("plan", "will "+outcome, map[string]any{"outcome": outcome})

	// The state file lists what the speaker changes on the host before it
	// changes it, so that "vrrpprobe cleanup" can undo it after a crash.
	claim, err := s.claimState(ifi, fam, cfg.VRID)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("speak: %w", err)}
	}
	for _, c := range claim.Cleaned {
		out.event("cleaned", "removed what a dead speaker left: "+c, nil)
	}
	for _, o := range claim.Others {
		out.printf("note: a dead speaker left %s; vrrpprobe cleanup -i %s removes it", o, ifi.Name)
	}
	defer func() {
		if err := claim.File.Remove(); err != nil {
			out.printf("%v", err)
		}
	}()

	sendIfi := ifi
	if *vmac {
		v, cleanup, err := s.vmac(ifi, fam, cfg.VRID, claim.File)
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		defer func() {
			if err := cleanup(); err != nil {
				out.printf("removing %s: %v", v.Name, err)
			}
		}()
		out.event("vmac", fmt.Sprintf("virtual MAC %s on %s", v.HardwareAddr, v.Name), map[string]any{"mac": v.HardwareAddr.String(), "interface": v.Name})
		sendIfi = v
		if fam == decode.IPv6 { // v6 adverts come from the macvlan's own link-local
			if cfg.Primary, err = s.primary(v, fam); err != nil {
				return &exitError{code: 2, err: err}
			}
		}
	}
	out.event("start", fmt.Sprintf("speaker live: %s vrid %d priority %d interval %s on %s from %s, VIPs %s",
		cfg.Version, cfg.VRID, cfg.Priority, cfg.Interval, sendIfi.Name, cfg.Primary, addrs(cfg.VIPs)), speakerFields(&cfg))
	link, err := s.openLink(sendIfi, fam, cfg.Primary)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	host, err := s.openHost(sendIfi)
	if err != nil {
		link.Close()
		return &exitError{code: 2, err: err}
	}
	defer host.Close()
	if lh, ok := host.(*probe.LinuxHost); ok {
		lh.Logf, lh.State = out.printf, claim.File
	}
	sp, err := probe.NewSpeaker(cfg, link, host, func(t probe.Transition) {
		out.event("state", fmt.Sprintf("%s -> %s: %s", t.From, t.To, t.Reason),
			map[string]any{"from": t.From.String(), "to": t.To.String(), "reason": t.Reason})
	}, out.printf)
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
	out.event("stopped", "stopped", nil)
	return out.Err()
}

// reportGroup says what listening found.
func reportGroup(out *output, p *probe.JoinPlan, window time.Duration) {
	g := p.Group
	if g == nil {
		out.event("group", fmt.Sprintf("no router of the group heard in %s: speaking %s interval %s", window, p.Version, p.Interval),
			map[string]any{"heard": false, "version": int(p.Version), "interval_ns": p.Interval})
	} else {
		auth := g.AuthType.String()
		if g.AuthType == decode.AuthSimple {
			auth += " (password matches)"
		}
		msg := fmt.Sprintf("group heard: %s %s vrid %d, master %s priority %d, interval %s, VIPs %s, auth %s",
			g.Family, g.Version, g.VRID, g.Master, g.Priority, g.Interval, addrs(g.VIPs), auth)
		if g.Checksum == decode.FlavourMessageOnly && g.Version == decode.V3 {
			msg += ", checksum without the IPv4 pseudo-header"
		}
		out.event("group", msg, map[string]any{"heard": true, "group": g, "checksum": g.Checksum.String()})
	}
	for _, w := range p.Warnings {
		out.event("warning", "warning: "+w, nil)
	}
}

func speakerFields(c *probe.SpeakerConfig) map[string]any {
	return map[string]any{"version": int(c.Version), "vrid": c.VRID, "priority": c.Priority, "interval_ns": c.Interval,
		"primary": c.Primary, "vips": c.VIPs, "install_vips": c.InstallVIPs, "accept": c.AcceptsVIPs()}
}

// dryRun prints what the speaker would do in the group it heard, and ends.
func dryRun(out *output, ifi *net.Interface, c *probe.SpeakerConfig, vmac bool, outcome string) {
	out.event("plan", "dry run (add --yes to send): would "+outcome, map[string]any{"dry_run": true, "outcome": outcome})
	if vmac {
		out.event("would", fmt.Sprintf("would create macvlan %s with the virtual MAC %s", probe.VMACName(c.Family(), c.VRID), probe.VirtualMAC(c.Family(), c.VRID)), nil)
	}
	dst := []netip.Addr{probe.Group4}
	if c.Family() == decode.IPv6 {
		dst = []netip.Addr{probe.Group6}
	}
	if len(c.Peers) > 0 {
		dst = c.Peers
	}
	auth := ""
	if c.AuthPass != "" {
		auth = " with the group's password"
	}
	if c.Checksum == decode.FlavourMessageOnly && c.Version == decode.V3 {
		auth += " checksummed without the IPv4 pseudo-header, as the group"
	}
	out.event("would", fmt.Sprintf("would send %s adverts%s vrid %d priority %d every %s from %s to %s, as master", c.Version, auth, c.VRID, c.Priority, c.Interval, c.Primary, addrs(dst)), speakerFields(c))
	announce := "gratuitous ARP"
	if c.Family() == decode.IPv6 {
		announce = "unsolicited neighbour advertisements"
	}
	out.event("would", fmt.Sprintf("would send %s for %s on becoming master", announce, addrs(c.VIPs)), nil)
	if c.InstallVIPs {
		name := ifi.Name
		if vmac {
			name = probe.VMACName(c.Family(), c.VRID)
		}
		out.event("would", fmt.Sprintf("would add %s to %s while master", addrs(c.VIPs), name), nil)
		if !c.AcceptsVIPs() {
			out.event("would", fmt.Sprintf("would drop packets to %s with nft table inet %s (not Accept_Mode: --accept to accept them)",
				addrs(c.VIPs), probe.FilterName(name, ifi.Index, c.Family(), c.VRID)), nil)
		}
	}
	out.event("would", "on exit would resign with priority 0 and remove all it added", nil)
}

// addrs joins addresses with commas.
func addrs(as []netip.Addr) string {
	l := addrList(as)
	return l.String()
}
