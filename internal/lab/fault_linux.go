package lab

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
)

// Direction says which packets a firewall fault hits.
type Direction int

// Directions for DropVRRP.
const (
	Input  Direction = iota + 1 // packets to the host (INPUT, hook input)
	Output                      // packets from the host (OUTPUT, hook output)
)

func (d Direction) String() string {
	switch d {
	case Input:
		return "input"
	case Output:
		return "output"
	}
	return fmt.Sprintf("Direction(%d)", int(d))
}

// Firewall is the tool a firewall fault is installed with, as different
// hosts in the field use different ones.
type Firewall int

// Firewalls for DropVRRP.
const (
	Iptables Firewall = iota + 1 // iptables and ip6tables rules with comment "vklab"
	Nftables                     // nft chains in table "inet vklab"
)

func (f Firewall) String() string {
	switch f {
	case Iptables:
		return "iptables"
	case Nftables:
		return "nftables"
	}
	return fmt.Sprintf("Firewall(%d)", int(f))
}

// faultTimeout bounds each command that installs or removes a fault.
const faultTimeout = 10 * time.Second

// DropVRRP makes h's firewall drop VRRP (IP protocol 112), IPv4 and IPv6,
// in one direction: Input to make h deaf to its peers (it turns master
// beside the real one), Output to make it mute. The rule goes away when t
// ends.
func (h *Host) DropVRRP(t testing.TB, dir Direction, fw Firewall) {
	t.Helper()
	if dir != Input && dir != Output {
		t.Fatalf("lab: DropVRRP: bad direction %v", dir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), faultTimeout)
	defer cancel()
	switch fw {
	case Iptables:
		Require(t, NeedIptables)
		chain := strings.ToUpper(dir.String())
		// -w: the xtables lock is one file for all namespaces.
		rule := []string{"-w", "5", "-p", "112", "-m", "comment", "--comment", "vklab", "-j", "DROP"}
		for _, bin := range []string{"iptables", "ip6tables"} {
			if _, err := h.Run(ctx, bin, append([]string{"-I", chain}, rule...)...); err != nil {
				t.Fatalf("lab: %v", err)
			}
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), faultTimeout)
				defer cancel()
				if _, err := h.Run(ctx, bin, append([]string{"-D", chain}, rule...)...); err != nil {
					t.Errorf("lab: remove fault: %v", err)
				}
			})
		}
	case Nftables:
		Require(t, NeedNft)
		h.faultMu.Lock()
		h.nftSeq++
		h.nftLive++
		chain := fmt.Sprintf("drop_vrrp_%s_%d", dir, h.nftSeq)
		h.faultMu.Unlock()
		script := fmt.Sprintf("add table inet vklab; "+
			"add chain inet vklab %s { type filter hook %s priority -10; policy accept; }; "+
			"add rule inet vklab %s meta l4proto 112 counter drop", chain, dir, chain)
		if _, err := h.Run(ctx, "nft", script); err != nil {
			t.Fatalf("lab: %v", err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), faultTimeout)
			defer cancel()
			h.faultMu.Lock()
			h.nftLive--
			last := h.nftLive == 0
			h.faultMu.Unlock()
			cmd := "delete chain inet vklab " + chain
			if last {
				cmd = "delete table inet vklab"
			}
			if _, err := h.Run(ctx, "nft", cmd); err != nil {
				t.Errorf("lab: remove fault: %v", err)
			}
		})
	default:
		t.Fatalf("lab: DropVRRP: bad firewall %v", fw)
	}
}

// LinkDown takes h's port on the bridge down, as a pulled cable would: h's
// eth0 stays administratively up but loses carrier (NO-CARRIER). The port
// comes back up when t ends.
func (h *Host) LinkDown(t testing.TB) {
	t.Helper()
	if err := h.setPort(false); err != nil {
		t.Fatalf("lab: %v", err)
	}
	t.Cleanup(func() { _ = h.setPort(true) })
}

// LinkUp brings h's port on the bridge back up after LinkDown.
func (h *Host) LinkUp(t testing.TB) {
	t.Helper()
	if err := h.setPort(true); err != nil {
		t.Fatalf("lab: %v", err)
	}
}

func (h *Host) setPort(up bool) error {
	return h.lab.bridge.withNetlink(func(nl *netlink.Handle) error {
		l, err := nl.LinkByName(h.port)
		if err != nil {
			return fmt.Errorf("%s: find %s: %w", h.lab.bridge.name, h.port, err)
		}
		if up {
			err = nl.LinkSetUp(l)
		} else {
			err = nl.LinkSetDown(l)
		}
		if err != nil {
			return fmt.Errorf("%s: set %s up=%v: %w", h.lab.bridge.name, h.port, up, err)
		}
		return nil
	})
}

// Netem puts a netem qdisc on h's eth0 egress, "tc qdisc replace dev eth0
// root netem <args>": for example Netem(t, "loss", "30%") or Netem(t,
// "delay", "200ms", "50ms"). It is removed when t ends. The test is
// skipped (or fails under CI) when the kernel has no netem.
func (h *Host) Netem(t testing.TB, args ...string) {
	t.Helper()
	Require(t, NeedTC, NeedNetem)
	ctx, cancel := context.WithTimeout(context.Background(), faultTimeout)
	defer cancel()
	if _, err := h.Run(ctx, "tc", append([]string{"qdisc", "replace", "dev", hostIface, "root", "netem"}, args...)...); err != nil {
		t.Fatalf("lab: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), faultTimeout)
		defer cancel()
		_, _ = h.Run(ctx, "tc", "qdisc", "del", "dev", hostIface, "root")
	})
}
