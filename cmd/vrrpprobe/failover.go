package main

import (
	"context"
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

func runFailover(ctx context.Context, p *cli.Parsed, stdout, stderr io.Writer, s sys) error {
	iface := ref(p.String("i"))
	vrid := ref(p.Int("vrid"))
	six := ref(p.Bool("6"))
	hold := ref(p.Duration("hold"))
	listen := ref(p.Duration("listen"))
	claim := ref(p.Bool("claim"))
	secret := secretOf(p)
	yes := ref(p.Bool("yes"))
	asJSON := ref(p.Bool("json"))
	if *vrid < 1 || *vrid > 255 {
		return usageError("failover: --vrid 1-255 is required")
	}
	ifi, err := interfaceOf(s, *iface)
	if err != nil {
		return err
	}
	fam := decode.IPv4
	if *six {
		fam = decode.IPv6
	}
	self, err := s.primary(ifi, fam)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	watch, err := s.openLink(ifi, fam, self)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	d := *listen
	if d <= 0 {
		d = 3 * time.Second
	}
	out := newOutput(stdout, stderr, *asJSON)
	fmt.Fprintf(stderr, "listening %s on %s for vrid %d...\n", d, ifi.Name, *vrid)
	heard, err := collect(ctx, watch, d, false, uint8(*vrid), fam)
	if err == nil && *listen <= 0 {
		// Three of the group's own intervals: a slow group gets them.
		if g, lerr := probe.LearnGroup(uint8(*vrid), fam, heard); lerr == nil && 3*g.Interval > d {
			more := min(3*g.Interval, 3*time.Minute) - d
			fmt.Fprintf(stderr, "the group advertises every %s: listening %s more...\n", g.Interval, more)
			var h []probe.Heard
			h, err = collect(ctx, watch, more, false, uint8(*vrid), fam)
			heard = append(heard, h...)
		}
	}
	watch.Close()
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	g, err := probe.LearnGroup(uint8(*vrid), fam, heard)
	if err != nil {
		// A host does not hear its own adverts: silence on a router of
		// the group is its own mastership.
		if why, _ := s.participation(&probe.Group{VRID: uint8(*vrid), Family: fam}); len(why) > 0 {
			return &exitError{code: 2, err: fmt.Errorf("failover: %w on %s, and this host takes part in the group (a host does not hear its own adverts: it may be the master): %s; run the drill from another host on the link",
				err, ifi.Name, strings.Join(why, "; "))}
		}
		return &exitError{code: 1, err: fmt.Errorf("%w on %s in %s: is the VRID right, and the group on this link?", err, ifi.Name, d)}
	}
	why, doubts := s.participation(g)
	for _, d := range doubts {
		fmt.Fprintf(stderr, "vrrpprobe: warning: %s\n", d)
	}
	if len(why) > 0 {
		return &exitError{code: 2, err: fmt.Errorf("failover: refusing to drill vrid %d from a host that takes part in the group: %s; run the drill from another host on the link",
			g.VRID, strings.Join(why, "; "))}
	}
	auth, _, err := secret.resolve(s, out)
	if err != nil {
		return err
	}
	if g.AuthType == decode.AuthSimple && auth == "" {
		if auth, _, err = secret.ask(s, "the group uses a VRRPv2 password; password"); err != nil {
			return &exitError{code: 2, err: err}
		}
	}
	drill, err := probe.PlanDrill(g, self, *hold, *claim, auth)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	if !*yes {
		out.result(drill.Plan()+"dry run: add --yes to run the drill\n", struct {
			DryRun bool         `json:"dry_run"`
			Drill  *probe.Drill `json:"drill"`
		}{true, drill})
		return out.Err()
	}
	if *asJSON {
		fmt.Fprint(stderr, drill.Plan())
	} else {
		fmt.Fprint(stdout, drill.Plan())
	}
	env, err := drillEnv(s, ifi, drill, stderr)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	if c, ok := env.Host.(io.Closer); ok {
		defer c.Close()
	}
	rep, err := probe.RunDrill(ctx, drill, env)
	if rep != nil {
		out.result(rep.Text(), rep)
		if oerr := out.Err(); oerr != nil && err == nil {
			err = oerr
		}
	}
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	if !rep.OK {
		return &exitError{code: 1}
	}
	return nil
}

func drillEnv(s sys, ifi *net.Interface, d *probe.Drill, stderr io.Writer) (probe.DrillEnv, error) {
	fam := d.Group.Family
	watch, err := s.openLink(ifi, fam, d.Self)
	if err != nil {
		return probe.DrillEnv{}, err
	}
	speak, err := s.openLink(ifi, fam, d.Self)
	if err != nil {
		watch.Close()
		return probe.DrillEnv{}, err
	}
	host, err := s.openHost(ifi)
	if err != nil {
		watch.Close()
		speak.Close()
		return probe.DrillEnv{}, err
	}
	frames, err := s.frames(ifi)
	if err != nil {
		watch.Close()
		speak.Close()
		host.Close()
		return probe.DrillEnv{}, err
	}
	vip := d.Group.VIPs[0]
	var ann probe.Resolver
	if s.announceWatch != nil {
		if ann, err = s.announceWatch(ifi, vip); err != nil {
			fmt.Fprintf(stderr, "vrrpprobe: not watching gratuitous ARP / NA: %v\n", err)
			ann = nil
		}
	}
	out := newOutput(stderr, stderr, false)
	return probe.DrillEnv{
		Watch: watch, Speak: speak, Host: host, Announce: ann, Frames: frames, Link: ifi.Name,
		Resolver: func(vip netip.Addr) (probe.Resolver, error) { return s.owner(ifi, vip) },
		Logf:     out.printf,
		Notify:   func(t probe.Transition) { out.printf("speaker %s -> %s: %s", t.From, t.To, t.Reason) },
	}, nil
}
