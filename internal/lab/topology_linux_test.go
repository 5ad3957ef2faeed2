package lab_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/lab"
)

func timeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestPing(t *testing.T) {
	t.Parallel()
	l := lab.New(t, lab.Config{Hosts: 2})
	h1, h2 := l.Host(1), l.Host(2)
	ctx := timeout(t, 10*time.Second)
	for _, c := range []struct {
		from *lab.Host
		to   netip.Addr
	}{
		{h1, h2.IPv4().Addr()},
		{h2, h1.IPv4().Addr()},
		{h1, h2.IPv6().Addr()},
		{h2, h1.IPv6().Addr()},
		{h1, h2.LinkLocal().WithZone("eth0")},
	} {
		if err := c.from.Ping(ctx, c.to); err != nil {
			t.Errorf("host %d: %v", c.from.Index(), err)
		}
	}
}

func TestAddressing(t *testing.T) {
	t.Parallel()
	l := lab.New(t, lab.Config{Hosts: 12})
	h := l.Host(12)
	for _, c := range []struct{ name, got, want string }{
		{"namespace", h.Name(), "vk-" + l.Name() + "-h12"},
		{"bridge namespace", l.Bridge().Name(), "vk-" + l.Name() + "-br"},
		{"bridge", l.BridgeIface(), "br0"},
		{"port", h.Port(), "vh12"},
		{"iface", h.Iface(), "eth0"},
		{"mac", h.MAC().String(), "02:00:00:00:01:0c"},
		{"ipv4", h.IPv4().String(), "192.0.2.22/24"},
		{"ipv6", h.IPv6().String(), "2001:db8:1::22/64"},
		{"link-local", h.LinkLocal().String(), "fe80::ff:fe00:10c"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	// What the kernel has must match what the lab says.
	ctx := timeout(t, 10*time.Second)
	out, err := h.Run(ctx, "ip", "-o", "addr", "show", "dev", "eth0")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{h.IPv4().String(), h.IPv6().String(), h.LinkLocal().String() + "/64"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("eth0 of host 12 lacks %s:\n%s", want, out)
		}
	}
	out, err = h.Run(ctx, "ip", "link", "show", "dev", "eth0")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), h.MAC().String()) {
		t.Errorf("eth0 of host 12 lacks MAC %s:\n%s", h.MAC(), out)
	}
	out, err = l.Bridge().Run(ctx, "ip", "-d", "link", "show", "dev", "br0")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "mcast_snooping 0") {
		t.Errorf("br0 snoops multicast:\n%s", out)
	}
}

func TestLockRefusesSecondLab(t *testing.T) {
	t.Parallel()
	l := lab.New(t, lab.Config{Hosts: 1})
	_, err := lab.Open(lab.Config{Name: l.Name(), Hosts: 1})
	if !errors.Is(err, lab.ErrBusy) {
		t.Fatalf("second lab named %q: err = %v, want ErrBusy", l.Name(), err)
	}
	if !strings.Contains(err.Error(), "/run/vrrpkit-lab/"+l.Name()+".lock") {
		t.Errorf("error does not name the lock file: %v", err)
	}
	// The first lab is untouched.
	if err := l.Host(1).Ping(timeout(t, 5*time.Second), l.Host(1).IPv4().Addr()); err != nil {
		t.Error(err)
	}
}

func TestOpenValidates(t *testing.T) {
	for _, cfg := range []lab.Config{
		{Name: ""},
		{Name: "Upper"},
		{Name: "-dash"},
		{Name: "way-too-long-for-a-lab-name"},
		{Name: "ok", Hosts: 100},
		{Name: "ok", Hosts: 2, VLAN: map[int]int{3: 10}},
		{Name: "ok", Hosts: 2, VLAN: map[int]int{1: 4095}},
	} {
		if _, err := lab.Open(cfg); err == nil {
			t.Errorf("Open(%+v) succeeded", cfg)
		}
	}
}

// TestScale builds a 42-host lab with 21 keepalived VRRP groups of two.
func TestScale(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	t.Parallel()
	lab.Require(t, lab.NeedKeepalived)
	start := time.Now()
	l := lab.New(t, lab.Config{Hosts: 42})
	t.Logf("42 hosts: set up in %v (New: %v)", l.SetupTime(), time.Since(start))
	var masters []*lab.Daemon
	for g := 1; g <= 21; g++ {
		inst := lab.VRRPInstance{
			VRID: g,
			VIPs: []netip.Prefix{netip.MustParsePrefix(fmt.Sprintf("192.0.2.%d/24", 150+g))},
		}
		inst.Priority = 200
		masters = append(masters, l.Host(2*g-1).StartKeepalived(t, lab.KeepalivedConf(inst)))
		inst.Priority = 100
		l.Host(2*g).StartKeepalived(t, lab.KeepalivedConf(inst))
	}
	t.Logf("42 keepalived started after %v", time.Since(start))
	ctx := timeout(t, 30*time.Second)
	for _, d := range masters {
		if _, err := d.WaitLog(ctx, lab.KeepalivedMaster); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("21 masters after %v", time.Since(start))
}

func TestVLAN(t *testing.T) {
	t.Parallel()
	lab.Require(t, lab.NeedVLAN, lab.NeedTcpdump)
	l := lab.New(t, lab.Config{Hosts: 3, VLAN: map[int]int{1: 10, 2: 10}})
	h1, h2, h3 := l.Host(1), l.Host(2), l.Host(3)
	if h1.Iface() != "eth0.10" || h1.VLAN() != 10 {
		t.Errorf("host 1: iface %q VLAN %d, want eth0.10 and 10", h1.Iface(), h1.VLAN())
	}
	ctx := timeout(t, 15*time.Second)
	if err := h1.Ping(ctx, h2.IPv4().Addr()); err != nil {
		t.Fatal(err)
	}
	// Host 3 is untagged and must not reach VLAN 10.
	short, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := h3.Ping(short, h1.IPv4().Addr()); err == nil {
		t.Error("untagged host 3 reached host 1 on VLAN 10")
	}
	cap := l.Bridge().Start(t, "tcpdump", "-i", l.BridgeIface(), "-c", "1", "-nn", "-e", "vlan 10 and icmp")
	for {
		if err := h1.Ping(ctx, h2.IPv4().Addr()); err != nil {
			t.Fatal(err)
		}
		select {
		case <-cap.Done():
		case <-time.After(100 * time.Millisecond):
			continue
		}
		break
	}
	if log := cap.Log(); !strings.Contains(log, "802.1Q") || !strings.Contains(log, "vlan 10") {
		t.Errorf("capture on br0 shows no 802.1Q tag:\n%s", log)
	}
}

func TestNetem(t *testing.T) {
	t.Parallel()
	lab.Require(t, lab.NeedTC, lab.NeedNetem)
	l := lab.New(t, lab.Config{Hosts: 2})
	l.Host(1).Netem(t, "loss", "100%")
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := l.Host(1).Ping(ctx, l.Host(2).IPv4().Addr()); err == nil {
		t.Error("ping got through 100% loss")
	}
}

// A lab that waits gets the name once the holder closes.
func TestLockWaits(t *testing.T) {
	t.Parallel()
	first := lab.New(t, lab.Config{Hosts: 1})
	name := first.Name()
	go func() {
		time.Sleep(500 * time.Millisecond)
		first.Close()
	}()
	start := time.Now()
	second, err := lab.Open(lab.Config{Name: name, Hosts: 1, Wait: 30 * time.Second})
	if err != nil {
		t.Fatalf("waiting for %q: %v", name, err)
	}
	defer second.Close()
	if waited := time.Since(start); waited < 400*time.Millisecond {
		t.Errorf("got the name after %s, while the first lab held it for 500 ms", waited)
	}
}

// TestLinkLocalUsableAtOnce binds to every host's link-local address as soon
// as New returns: the kernel adds it only after link watch reports carrier
// and keeps it tentative until its DAD work has run, and a listener that
// binds before then fails ("cannot assign requested address").
func TestLinkLocalUsableAtOnce(t *testing.T) {
	t.Parallel()
	l := lab.New(t, lab.Config{Hosts: 4})
	for i := 1; i <= 4; i++ {
		h := l.Host(i)
		err := lab.Do(h.Name(), func() error {
			ifi, err := net.InterfaceByName(h.Iface())
			if err != nil {
				return err
			}
			// A numeric zone: Go caches zone names process-wide, and every
			// host's interface is called eth0.
			c, err := net.ListenPacket("udp6", "["+h.LinkLocal().String()+"%"+strconv.Itoa(ifi.Index)+"]:0")
			if err != nil {
				return err
			}
			return c.Close()
		})
		if err != nil {
			t.Errorf("host %d (%s): bind to its link-local address right after New: %v", i, h.Iface(), err)
		}
	}
}
