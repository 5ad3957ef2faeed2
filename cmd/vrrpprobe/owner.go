package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/internal/cli"
	"github.com/vrrpkit/vrrpkit/probe"
)

func runOwner(ctx context.Context, p *cli.Parsed, stdout, stderr io.Writer, s sys) error {
	iface := ref(p.String("i"))
	count := ref(p.Int("c"))
	timeout := ref(p.Duration("timeout"))
	asJSON := ref(p.Bool("json"))
	pos := p.Args
	if len(pos) != 1 {
		return usageError("owner: give exactly one virtual address")
	}
	vip, err := netip.ParseAddr(pos[0])
	if err != nil {
		return usageError("owner: %q is not an IP address: write it as 192.0.2.100 or 2001:db8::100", pos[0])
	}
	if *count < 1 || *count > 100 {
		return usageError("owner: -c must be 1-100")
	}
	ifi, err := interfaceOf(s, *iface)
	if err != nil {
		return err
	}
	res, err := s.owner(ifi, vip)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	fam := decode.IPv4
	if vip.Is6() {
		fam = decode.IPv6
	}
	// A VRRP listener to name the master; the lookup works without it.
	var adverts probe.Link
	if primary, err := s.primary(ifi, fam); err == nil {
		if adverts, err = s.openLink(ifi, fam, primary); err != nil {
			fmt.Fprintf(stderr, "vrrpprobe: not listening for VRRP adverts: %v\n", err)
			adverts = nil
		}
	}
	q := probe.OwnerQuery{VIP: vip, Count: *count, Listen: *timeout}
	r, err := probe.LookupOwner(ctx, q, res, adverts)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	var text strings.Builder
	printOwner(&text, ifi.Name, r)
	out := newOutput(stdout, stderr, *asJSON)
	out.result(text.String(), struct {
		*probe.OwnerResult
		Verdict string `json:"verdict"`
	}{r, r.Verdict()})
	if err := out.Err(); err != nil {
		return &exitError{code: 2, err: err}
	}
	if r.Err() != nil {
		return &exitError{code: 1}
	}
	return nil
}

func printOwner(w io.Writer, ifname string, r *probe.OwnerResult) {
	fmt.Fprintf(w, "owner of %s on %s: %d requests\n", r.VIP, ifname, r.Sent)
	for _, o := range r.Owners {
		rtts := make([]string, len(o.RTTs))
		for i, d := range o.RTTs {
			rtts[i] = fmt.Sprintf("%.3fms", float64(d)/float64(time.Millisecond))
		}
		extra := ""
		if o.Virtual {
			extra = fmt.Sprintf(" (VRRP virtual MAC, vrid %d)", o.VRID)
		}
		fmt.Fprintf(w, "  %s%s: %d replies, %s\n", o.MAC, extra, o.Replies, strings.Join(rtts, " "))
	}
	for _, m := range r.Masters {
		fmt.Fprintf(w, "  VRRP master %s: vrid %d priority %d %s interval %s (%d adverts)\n",
			m.Src, m.VRID, m.Priority, m.Version, m.Interval, m.Adverts)
	}
	fmt.Fprintln(w, r.Verdict())
}
