package path_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/internal/lab"
	"github.com/vrrpkit/vrrpkit/probe"
	"github.com/vrrpkit/vrrpkit/probe/path"
)

func TestMain(m *testing.M) {
	code := m.Run()
	lab.RemoveBinaries()
	os.Exit(code)
}

// end is one node of a path test: an interface in a lab namespace.
type end struct {
	ns             string
	ifi            *net.Interface
	v4, ll, global netip.Addr
}

func endOf(t *testing.T, ns string) *end {
	t.Helper()
	e := &end{ns: ns}
	err := lab.Do(ns, func() error {
		var err error
		if e.ifi, err = net.InterfaceByName("eth0"); err != nil {
			return err
		}
		addrs, err := e.ifi.Addrs()
		for _, a := range addrs {
			ip, _ := netip.AddrFromSlice(a.(*net.IPNet).IP)
			ip = ip.Unmap()
			switch {
			case ip.Is4():
				e.v4 = ip
			case ip.IsLinkLocalUnicast():
				e.ll = ip
			default:
				e.global = ip
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *end) label() string { return e.v4.String() }

// open opens the sockets of one side in its namespace; they stay there.
func (e *end) open(t *testing.T, send bool, unicast6 netip.Addr) (path.Sockets, func()) {
	t.Helper()
	var s path.Sockets
	var closers []func() error
	closeAll := func() {
		for _, c := range closers {
			_ = c()
		}
	}
	err := lab.Do(e.ns, func() error {
		w, err := path.OpenWire(e.ifi, !send)
		if err != nil {
			return err
		}
		closers = append(closers, w.Close)
		s.Wire = w
		if send {
			if s.Tx, err = path.OpenWire(e.ifi, false); err != nil {
				return err
			}
			closers = append(closers, s.Tx.Close)
		}
		if s.IP4, err = probe.OpenLink(e.ifi, decode.IPv4, e.v4); err != nil {
			return err
		}
		closers = append(closers, s.IP4.Close)
		if s.IP6, err = probe.OpenLink(e.ifi, decode.IPv6, e.ll); err != nil {
			return err
		}
		closers = append(closers, s.IP6.Close)
		if send && unicast6.IsValid() {
			if s.Unicast6, err = probe.OpenLink(e.ifi, decode.IPv6, unicast6); err != nil {
				return err
			}
			closers = append(closers, s.Unicast6.Close)
		}
		return nil
	})
	if err != nil {
		closeAll()
		t.Fatal(err)
	}
	return s, closeAll
}

// direction runs one direction of the test, a to b, with vrid.
func direction(t *testing.T, a, b *end, vrid uint8) *path.Verdict {
	t.Helper()
	peer4, peer6 := b.v4, b.global
	ls, closeL := b.open(t, false, netip.Addr{})
	defer closeL()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lctx, stop := context.WithCancel(ctx)
	type result struct {
		h   *path.ListenLog
		err error
	}
	lc := make(chan result, 1)
	go func() {
		h, err := path.Listen(lctx, path.ListenConfig{Iface: "eth0", MAC: b.ifi.HardwareAddr, VRID: vrid}, ls)
		lc <- result{h, err}
	}()
	c := path.PlanConfig{VRID: vrid, Count: 2, MAC: a.ifi.HardwareAddr,
		IPv4: &path.Endpoint{Primary: a.v4, UnicastSrc: a.v4, Peer: peer4},
		IPv6: &path.Endpoint{Primary: a.ll, UnicastSrc: a.global, Peer: peer6}}
	frames, err := path.Plan(c)
	if err != nil {
		t.Fatal(err)
	}
	ss, closeS := a.open(t, true, a.global)
	// Send inside a's namespace: the kernel resolves the IPv6 zone "eth0"
	// by name on the sending thread.
	var sent *path.SendLog
	err = lab.Do(a.ns, func() error {
		var err error
		sent, err = path.Send(ctx, path.SendConfig{Iface: "eth0", MAC: a.ifi.HardwareAddr, Sends: c.Sends(), Frames: frames,
			Interval: 20 * time.Millisecond, Linger: 300 * time.Millisecond}, ss)
		return err
	})
	closeS()
	stop()
	r := <-lc
	if err != nil {
		t.Fatal(err)
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	for _, f := range sent.Frames {
		if f.Err != "" && !f.Refused { // refused: the sender's own firewall, a verdict
			t.Fatalf("sending %s: %s", f.ID, f.Err)
		}
	}
	return path.Judge(a.label(), b.label(), sent, r.h)
}

// expect checks a verdict's findings (family and id, in order).
func expect(t *testing.T, v *path.Verdict, want ...string) {
	t.Helper()
	var got []string
	for _, f := range v.Findings {
		got = append(got, f.Family.String()+" "+f.ID)
	}
	var b strings.Builder
	_ = path.WriteVerdict(&b, v)
	if !slices.Equal(got, want) {
		t.Errorf("%s -> %s: findings %q, want %q\n%s", v.From, v.To, got, want, b.String())
	} else {
		t.Logf("\n%s", b.String())
	}
}

// bridgeRule installs an nft bridge-family rule in the lab's bridge
// namespace for the rest of t.
func bridgeRule(t *testing.T, l *lab.Lab, rules ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	script := "add table bridge vkpath; add chain bridge vkpath filter { type filter hook forward priority 0; policy accept; }; "
	for _, r := range rules {
		script += "add rule bridge vkpath filter " + r + "; "
	}
	if out, err := l.Bridge().Run(ctx, "nft", script); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := l.Bridge().Run(ctx, "nft", "delete table bridge vkpath"); err != nil {
			t.Errorf("remove bridge rule: %v", err)
		}
	})
}

// TestPathLab plants each drop in turn on one lab and asserts the verdict
// of both directions, while a keepalived pair on the same segment keeps
// its master and logs nothing about the test.
//
// Hosts 1 and 2 are the two nodes tested; 3 and 4 run keepalived (vrid
// 51, IPv4 and IPv6); 5 routes to a second segment whose host 1 is the far
// node of the TTL case.
func TestPathLab(t *testing.T) {
	lab.Require(t, lab.NeedKeepalived, lab.NeedNft, lab.NeedIptables)
	l := lab.New(t, lab.Config{Name: "pathlab", Hosts: 5})
	farLab := lab.New(t, lab.Config{Name: "pathfar", Hosts: 1})
	h1, h2, h3, h4, h5 := l.Host(1), l.Host(2), l.Host(3), l.Host(4), l.Host(5)
	routed := h5.RouteTo(t, farLab, h1)

	vips := []netip.Prefix{netip.MustParsePrefix("192.0.2.100/24"), netip.MustParsePrefix("2001:db8:1::100/64")}
	k3 := h3.StartKeepalived(t, lab.KeepalivedConf(lab.VRRPInstance{VRID: 51, Priority: 150, VIPs: vips}))
	k4 := h4.StartKeepalived(t, lab.KeepalivedConf(lab.VRRPInstance{VRID: 51, Priority: 100, VIPs: vips}))
	k3.Await(t, "(VI_51) "+lab.KeepalivedMaster, 15*time.Second)
	k3.Await(t, "(VI6_51) "+lab.KeepalivedMaster, 15*time.Second)
	k4.Await(t, "(VI_51) "+lab.KeepalivedBackup, 15*time.Second)
	k4.Await(t, "(VI6_51) "+lab.KeepalivedBackup, 15*time.Second)
	logs := map[*lab.Daemon]int{k3: len(k3.Log()), k4: len(k4.Log())}
	// The master repeats its gratuitous ARPs and NAs a second later
	// (vrrp_garp_master_delay 1); those lines are no complaint.
	routine := regexp.MustCompile(`Sending/queueing gratuitous ARPs|Sending gratuitous ARP on|Sending/queueing Unsolicited Neighbour Adverts|Sending unsolicited Neighbour Advert on`)

	a, b := endOf(t, h1.Name()), endOf(t, h2.Name())

	// The survey hears keepalived's vrid 51 and picks another.
	var vrid uint8
	if err := lab.Do(h1.Name(), func() error {
		w, err := path.OpenWire(a.ifi, false)
		if err != nil {
			return err
		}
		defer w.Close()
		used, err := path.Survey(context.Background(), w, 2500*time.Millisecond)
		if err != nil {
			return err
		}
		if !slices.Contains(used.List(), 51) {
			return errors.New("the survey did not hear keepalived's vrid 51")
		}
		if _, err := path.PickVRID(used, 51); !errors.Is(err, path.ErrVRIDInUse) {
			return errors.New("vrid 51 in use, but PickVRID accepts it")
		}
		vrid, err = path.PickVRID(used, 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}

	t.Run("clean", func(t *testing.T) {
		expect(t, direction(t, a, b, vrid))
		expect(t, direction(t, b, a, vrid))
	})
	t.Run("nft drops protocol 112 on B", func(t *testing.T) {
		h2.DropVRRP(t, lab.Input, lab.Nftables)
		expect(t, direction(t, a, b, vrid), "ipv4 receiver-firewall", "ipv6 receiver-firewall")
		expect(t, direction(t, b, a, vrid))
	})
	t.Run("iptables drops protocol 112 on A", func(t *testing.T) {
		h1.DropVRRP(t, lab.Input, lab.Iptables)
		expect(t, direction(t, a, b, vrid))
		v := direction(t, b, a, vrid)
		expect(t, v, "ipv4 receiver-firewall", "ipv6 receiver-firewall")
	})
	t.Run("A's own firewall drops protocol 112 on output", func(t *testing.T) {
		h1.DropVRRP(t, lab.Output, lab.Nftables)
		expect(t, direction(t, a, b, vrid), "ipv4 sender-firewall", "ipv6 sender-firewall")
		expect(t, direction(t, b, a, vrid))
	})
	t.Run("multicast to the group dropped", func(t *testing.T) {
		// As IGMP snooping without a querier would: only the VRRP group,
		// only towards the two nodes tested.
		bridgeRule(t, l,
			`oifname { "vh1", "vh2" } ip daddr 224.0.0.18 counter drop`,
			`oifname { "vh1", "vh2" } ip6 daddr ff02::12 counter drop`)
		expect(t, direction(t, a, b, vrid), "ipv4 multicast-dropped", "ipv6 multicast-dropped")
		expect(t, direction(t, b, a, vrid), "ipv4 multicast-dropped", "ipv6 multicast-dropped")
	})
	t.Run("virtual MAC sources dropped", func(t *testing.T) {
		// As port security or a forged-transmit filter would.
		bridgeRule(t, l,
			`iifname { "vh1", "vh2" } ether saddr & ff:ff:ff:ff:ff:00 == { 00:00:5e:00:01:00, 00:00:5e:00:02:00 } counter drop`)
		expect(t, direction(t, a, b, vrid), "ipv4 vmac-dropped", "ipv6 vmac-dropped")
		expect(t, direction(t, b, a, vrid), "ipv4 vmac-dropped", "ipv6 vmac-dropped")
	})
	t.Run("routed hop", func(t *testing.T) {
		c := endOf(t, farLab.Host(1).Name())
		if c.v4 != routed.FarIPv4(farLab.Host(1)).Addr() {
			t.Fatalf("far host has %s, want %s", c.v4, routed.FarIPv4(farLab.Host(1)))
		}
		for _, v := range []*path.Verdict{direction(t, a, c, vrid), direction(t, c, a, vrid)} {
			expect(t, v, "ipv4 not-one-segment", "ipv6 not-one-segment")
			for _, r := range v.Rows {
				if r.Kind == path.KindUnicast && (r.Status != path.StatusTTL || !slices.Equal(r.TTLs, []uint8{254})) {
					t.Errorf("%s %s unicast: %s ttl %v, want ttl 254", v.From, r.Family, r.Status, r.TTLs)
				}
			}
		}
	})
	t.Run("command line, both directions over --remote", func(t *testing.T) {
		bin := lab.Binary(t, "../../cmd/vrrpprobe")
		h2.DropVRRP(t, lab.Input, lab.Nftables)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		out, err := h1.Run(ctx, bin, "path", "send", "-i", "eth0", b.v4.String(), b.global.String(),
			"--remote", "ip netns exec "+h2.Name(), "--remote-vrrpprobe", bin,
			"--survey", "1500ms", "--count", "2", "--rate", "40", "--yes")
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Fatalf("exit %v, want status 1 (something dropped):\n%s", err, out)
		}
		t.Logf("vrrpprobe path send ... --remote:\n%s", out)
		for _, want := range []string{"receiver-firewall", "one-way: ipv4 loss one way only", "one-way: ipv6 loss one way only", "in use on eth0: [51]"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("output lacks %q", want)
			}
		}
	})

	t.Run("command line, the listener alone", func(t *testing.T) {
		bin := lab.Binary(t, "../../cmd/vrrpprobe")
		bridgeRule(t, l,
			`oifname "vh2" ip daddr 224.0.0.18 counter drop`,
			`oifname "vh2" ip6 daddr ff02::12 counter drop`)
		listener := h2.Start(t, bin, "path", "listen", "-i", "eth0", "--quiet", "1s", "--duration", "50s")
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(listener.Log(), "listening on eth0"); {
			if time.Now().After(deadline) {
				t.Fatalf("the listener did not start:\n%s", listener.Log())
			}
			time.Sleep(20 * time.Millisecond) // polling the listener's log
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		out, err := h1.Run(ctx, bin, "path", "send", "-i", "eth0", b.v4.String(), b.global.String(),
			"--survey", "1500ms", "--count", "2", "--rate", "40", "--yes", "--json")
		if err != nil {
			t.Fatalf("sender: %v\n%s", err, out)
		}
		var sent struct{ Sent *path.SendLog }
		if err := json.Unmarshal(out, &sent); err != nil || sent.Sent == nil || len(sent.Sent.Frames) != 18 || !sent.Sent.Watched {
			t.Errorf("sender --json: %v\n%s", err, out)
		}
		select {
		case <-listener.Done():
		case <-ctx.Done():
			t.Fatalf("the listener did not end 1s after the last frame:\n%s", listener.Log())
		}
		var ee *exec.ExitError
		if err := listener.Wait(); !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Errorf("listener exit %v, want status 1:\n%s", err, listener.Log())
		}
		log := listener.Log()
		t.Logf("sender:\n%s\nlistener:\n%s", out, log)
		for _, want := range []string{"judged by the listener", "! multicast-dropped: multicast VRRP from 192.0.2.11", "wire   ipv4 unicast #2"} {
			if !strings.Contains(log, want) {
				t.Errorf("listener output lacks %q", want)
			}
		}
	})

	// keepalived kept its master and logged nothing while the test ran.
	for k, n := range logs {
		var extra []string
		for _, line := range strings.Split(k.Log()[n:], "\n") {
			if strings.TrimSpace(line) != "" && !routine.MatchString(line) {
				extra = append(extra, line)
			}
		}
		if len(extra) > 0 {
			t.Errorf("keepalived on %s logged during the path test:\n%s", k.Host().Name(), strings.Join(extra, "\n"))
		}
	}
}
