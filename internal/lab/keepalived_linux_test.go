package lab_test

import (
	"context"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/lab"
)

var vip100 = netip.MustParsePrefix("192.0.2.100/24")

// keepalivedPair starts a VRRPv2 pair, vrid 51, VIP 192.0.2.100/24, host 1
// priority 150 and host 2 priority 100, and waits for host 1 to be master
// and host 2 backup.
func keepalivedPair(t *testing.T, l *lab.Lab) (k1, k2 *lab.Daemon) {
	t.Helper()
	inst := lab.VRRPInstance{Version: 2, VRID: 51, AuthPass: "vrrpkit", VIPs: []netip.Prefix{vip100}}
	inst.Priority = 150
	k1 = l.Host(1).StartKeepalived(t, lab.KeepalivedConf(inst))
	inst.Priority = 100
	k2 = l.Host(2).StartKeepalived(t, lab.KeepalivedConf(inst))
	ctx := timeout(t, 15*time.Second)
	if _, err := k1.WaitLog(ctx, "(VI_51) "+lab.KeepalivedMaster); err != nil {
		t.Fatal(err)
	}
	if _, err := k2.WaitLog(ctx, "(VI_51) "+lab.KeepalivedBackup); err != nil {
		t.Fatal(err)
	}
	return k1, k2
}

// hasAddr reports whether h has p on eth0.
func hasAddr(t *testing.T, h *lab.Host, p netip.Prefix) bool {
	t.Helper()
	out, err := h.Run(timeout(t, 5*time.Second), "ip", "-o", "addr", "show", "dev", "eth0")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(out), " "+p.String()+" ")
}

func TestKeepalivedPair(t *testing.T) {
	t.Parallel()
	lab.Require(t, lab.NeedKeepalived, lab.NeedTcpdump)
	l := lab.New(t, lab.Config{Hosts: 2})
	k1, k2 := keepalivedPair(t, l)
	h1, h2 := l.Host(1), l.Host(2)
	if !hasAddr(t, h1, vip100) {
		t.Errorf("master host 1 lacks VIP %s", vip100)
	}
	if hasAddr(t, h2, vip100) {
		t.Errorf("backup host 2 has VIP %s", vip100)
	}

	ctx := timeout(t, 15*time.Second)
	out, err := l.Bridge().Run(ctx, "tcpdump", "-i", l.BridgeIface(), "-c", "3", "-nn", "vrrp")
	if err != nil {
		t.Fatal(err)
	}
	adverts := regexp.MustCompile(`192\.0\.2\.11 > 224\.0\.0\.18: VRRPv2, Advertisement, vrid 51, prio 150, authtype simple, intvl 1s`)
	if n := len(adverts.FindAll(out, -1)); n != 3 {
		t.Errorf("tcpdump on br0 shows %d adverts from host 1, want 3:\n%s", n, out)
	}

	if strings.Contains(k2.Log(), lab.KeepalivedMaster) {
		t.Fatalf("host 2 was master beside host 1:\n%s", k2.Log())
	}
	if err := k1.Kill(); err != nil {
		t.Fatal(err)
	}
	if _, err := k2.WaitLog(ctx, "(VI_51) "+lab.KeepalivedMaster); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(k2.Log(), "priority 0") {
		t.Errorf("killed keepalived sent priority 0:\n%s", k2.Log())
	}
	if !hasAddr(t, h2, vip100) {
		t.Errorf("new master host 2 lacks VIP %s", vip100)
	}

	// A restarted host 1 preempts host 2 again.
	k2.Mark()
	if err := k1.Restart(); err != nil {
		t.Fatal(err)
	}
	if _, err := k1.WaitLog(ctx, "(VI_51) "+lab.KeepalivedMaster); err != nil {
		t.Fatal(err)
	}
	if _, err := k2.WaitLog(ctx, "(VI_51) "+lab.KeepalivedBackup); err != nil {
		t.Fatal(err)
	}
}

func TestKeepalivedStopSendsPriorityZero(t *testing.T) {
	t.Parallel()
	lab.Require(t, lab.NeedKeepalived)
	l := lab.New(t, lab.Config{Hosts: 2})
	k1, k2 := keepalivedPair(t, l)
	if err := k1.Stop(); err != nil {
		t.Fatal(err)
	}
	ctx := timeout(t, 10*time.Second)
	if _, err := k2.WaitLog(ctx, "(VI_51) Backup received priority 0 advertisement"); err != nil {
		t.Fatal(err)
	}
	if _, err := k2.WaitLog(ctx, "(VI_51) "+lab.KeepalivedMaster); err != nil {
		t.Fatal(err)
	}
}

func TestSplitBrain(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		fw   lab.Firewall
		need lab.Need
	}{{lab.Iptables, lab.NeedIptables}, {lab.Nftables, lab.NeedNft}} {
		t.Run(c.fw.String(), func(t *testing.T) {
			t.Parallel()
			lab.Require(t, lab.NeedKeepalived, c.need)
			l := lab.New(t, lab.Config{Hosts: 2})
			k1, k2 := keepalivedPair(t, l)
			l.Host(2).DropVRRP(t, lab.Input, c.fw)
			ctx := timeout(t, 10*time.Second)
			if _, err := k2.WaitLog(ctx, "(VI_51) "+lab.KeepalivedMaster); err != nil {
				t.Fatal(err)
			}
			if strings.Count(k1.Log(), lab.KeepalivedMaster) != 1 || strings.Contains(k1.Log(), "(VI_51) "+lab.KeepalivedBackup+"\n") {
				t.Errorf("host 1 left MASTER:\n%s", k1.Log())
			}
			for _, h := range l.Hosts() {
				if !hasAddr(t, h, vip100) {
					t.Errorf("host %d lacks the VIP in split brain", h.Index())
				}
			}
		})
	}
}

func TestLinkDown(t *testing.T) {
	t.Parallel()
	lab.Require(t, lab.NeedKeepalived)
	l := lab.New(t, lab.Config{Hosts: 2})
	k1, k2 := keepalivedPair(t, l)
	l.Host(1).LinkDown(t)
	ctx := timeout(t, 10*time.Second)
	if _, err := k1.WaitLog(ctx, "(VI_51) "+lab.KeepalivedFault); err != nil {
		t.Fatal(err)
	}
	if _, err := k2.WaitLog(ctx, "(VI_51) "+lab.KeepalivedMaster); err != nil {
		t.Fatal(err)
	}
	k1.Mark()
	l.Host(1).LinkUp(t)
	if _, err := k1.WaitLog(ctx, "(VI_51) "+lab.KeepalivedMaster); err != nil {
		t.Fatal(err)
	}
}

func TestWaitLogReportsExit(t *testing.T) {
	t.Parallel()
	lab.Require(t, lab.NeedKeepalived)
	l := lab.New(t, lab.Config{Hosts: 1})
	k := l.Host(1).StartKeepalived(t, lab.KeepalivedConf(lab.VRRPInstance{VRID: 9, VIPs: []netip.Prefix{vip100}}))
	if err := k.Kill(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := k.WaitLog(context.Background(), "never logged")
	if err == nil || !strings.Contains(err.Error(), "exited") {
		t.Errorf("WaitLog after exit: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("WaitLog took %v to notice the exit", d)
	}
}
