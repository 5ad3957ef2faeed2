package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/probe"
)

func runFailover(ctx context.Context, args []string, stdout, stderr io.Writer, s sys) error {
	fs := flagSet("failover", stderr)
	iface := fs.String("i", "", "interface (required)")
	vrid := fs.Int("vrid", 0, "virtual router id of the group to drill (required)")
	six := fs.Bool("6", false, "drill the IPv6 router of the VRID (default IPv4)")
	hold := fs.Duration("hold", 10*time.Second, "how long to hold the group")
	listen := fs.Duration("listen", 0, "how long to listen to learn the group (default 3 intervals, at least 3s)")
	claim := fs.Bool("claim", false, "send gratuitous ARP / NA for the VIPs when taking over")
	auth := fs.String("auth-pass", "", "VRRPv2 password of the group (asked for if the group uses one)")
	yes := fs.Bool("yes", false, "run the drill; without it only print the plan")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if _, err := parseInterspersed(fs, args); err != nil {
		return parseErr(err)
	}
	if !flagsSet(fs)["vrid"] || *vrid < 1 || *vrid > 255 {
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
	fmt.Fprintf(stderr, "listening %s on %s for vrid %d...\n", d, ifi.Name, *vrid)
	heard, err := collect(ctx, watch, d)
	watch.Close()
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	g, err := probe.LearnGroup(uint8(*vrid), fam, heard)
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	if g.AuthType == decode.AuthSimple && *auth == "" && s.stdin != nil {
		fmt.Fprintf(stderr, "the group uses a VRRPv2 password; password: ")
		line, _ := bufio.NewReader(s.stdin).ReadString('\n')
		*auth = strings.TrimRight(line, "\r\n")
	}
	drill, err := probe.PlanDrill(g, self, *hold, *claim, *auth)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	fmt.Fprint(stdout, drill.Plan())
	if !*yes {
		fmt.Fprintln(stdout, "dry run: add --yes to run the drill")
		return nil
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
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			if jerr := enc.Encode(rep); jerr != nil {
				return &exitError{code: 2, err: jerr}
			}
		} else {
			fmt.Fprint(stdout, rep.Text())
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

// collect reads adverts from l for d.
func collect(ctx context.Context, l probe.Link, d time.Duration) ([]probe.Heard, error) {
	type res struct {
		h   probe.Heard
		ok  bool
		err error
	}
	ch := make(chan res)
	done := make(chan struct{})
	defer close(done)
	go func() {
		buf := make([]byte, 1500)
		for {
			p, err := l.ReadPacket(buf)
			var r res
			if err != nil {
				r.err = err
			} else {
				r.h, r.ok = probe.HeardFrom(time.Now(), p)
			}
			select {
			case ch <- r:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	var out []probe.Heard
	end := time.After(d)
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-end:
			return out, nil
		case r := <-ch:
			if r.err != nil {
				return nil, r.err
			}
			if r.ok {
				out = append(out, r.h)
			}
		}
	}
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
	vip := d.Group.VIPs[0]
	var ann probe.Resolver
	if s.announceWatch != nil {
		if ann, err = s.announceWatch(ifi, vip); err != nil {
			fmt.Fprintf(stderr, "vrrpprobe: not watching gratuitous ARP / NA: %v\n", err)
			ann = nil
		}
	}
	out := &lineWriter{w: stderr}
	return probe.DrillEnv{
		Watch: watch, Speak: speak, Host: host, Announce: ann,
		Resolver: func() (probe.Resolver, error) { return s.owner(ifi, vip) },
		Logf:     out.printf,
		Notify:   func(t probe.Transition) { out.printf("speaker %s -> %s: %s", t.From, t.To, t.Reason) },
	}, nil
}
