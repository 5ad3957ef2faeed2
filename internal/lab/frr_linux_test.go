package lab_test

import (
	"context"
	"net/netip"
	"regexp"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/lab"
)

// TestFRRInterop runs FRR vrrpd (priority 200) on host 1 against
// keepalived (priority 100) on host 2, VRRPv3 for IPv4 and IPv6, vrid 5.
func TestFRRInterop(t *testing.T) {
	t.Parallel()
	lab.Require(t, lab.NeedFRR, lab.NeedKeepalived)
	l := lab.New(t, lab.Config{Hosts: 2})
	h1, h2 := l.Host(1), l.Host(2)
	vip4 := netip.MustParsePrefix("192.0.2.105/24")
	vip6 := netip.MustParsePrefix("2001:db8:1::105/64")
	inst := lab.VRRPInstance{VRID: 5, VIPs: []netip.Prefix{vip4, vip6}}

	h1.AddFRRMacvlans(t, 5, vip4, vip6)
	inst.Priority = 200
	f := h1.StartFRR(t, lab.FRRConf(inst))
	ctx := timeout(t, 30*time.Second)
	for _, fam := range []int{4, 6} {
		if _, err := f.WaitLogRegexp(ctx, lab.FRRState(5, fam, "Master")); err != nil {
			t.Fatal(err)
		}
	}
	out, err := f.Vtysh(ctx, "show vrrp")
	if err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{`Status \(v4\)\s+Master`, `Status \(v6\)\s+Master`, `Priority\s+200`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("show vrrp does not match %s:\n%s", re, out)
		}
	}

	// keepalived joins once FRR is master: FRR 8.4 sends its first IPv6
	// advert about a second after turning master, so a keepalived started
	// alongside would briefly be IPv6 master too.
	inst.Priority = 100
	k := h2.StartKeepalived(t, lab.KeepalivedConf(inst))
	kStart := time.Now()
	for _, inst := range []string{"(VI_5) ", "(VI6_5) "} {
		if _, err := k.WaitLog(ctx, inst+lab.KeepalivedBackup); err != nil {
			t.Fatal(err)
		}
	}
	// keepalived stays backup only if it accepts FRR's adverts; without
	// them it turns master after its master-down interval, 3.61s.
	quiet, cancel := context.WithDeadline(ctx, kStart.Add(5*time.Second))
	defer cancel()
	if line, err := k.WaitLog(quiet, lab.KeepalivedMaster); err == nil {
		t.Fatalf("keepalived became master beside FRR: %s\n%s", line, k.Log())
	}

	// And the other way round: once FRR crashes, keepalived takes over.
	if err := f.Kill(); err != nil {
		t.Fatal(err)
	}
	for _, inst := range []string{"(VI_5) ", "(VI6_5) "} {
		if _, err := k.WaitLog(ctx, inst+lab.KeepalivedMaster); err != nil {
			t.Fatal(err)
		}
	}
}
