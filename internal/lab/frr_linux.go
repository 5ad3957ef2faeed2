package lab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Log lines FRR 8.4 vrrpd prints on VRRP state changes, per address
// family: "[VRID 5] [IPv4] Backup -> Master". The first change is
// "Initialize -> Backup"; a master that hears a better advertisement logs
// "Master -> Backup".
const (
	FRRMaster = "-> Master"
	FRRBackup = "-> Backup"
)

// FRRState returns a regexp for the vrrpd log line of virtual router vrid,
// address family 4 or 6, entering state ("Master", "Backup" or
// "Initialize") from any state, as in "[VRID 5] [IPv6] Backup -> Master";
// use it with Daemon.WaitLogRegexp.
func FRRState(vrid, family int, state string) *regexp.Regexp {
	return regexp.MustCompile(fmt.Sprintf(`\[VRID %d\] \[IPv%d\] \w+ -> %s\b`, vrid, family, regexp.QuoteMeta(state)))
}

// FRR is FRR's zebra and vrrpd running on a host.
type FRR struct {
	*Daemon
}

// StartFRR runs FRR zebra and vrrpd on h with vrrpdConf, each with its own
// config file, pid file, log file, zserv socket and vty socket directory
// under a temporary directory, so FRR instances on different hosts (and a
// system FRR) never meet. The daemons run as root. Create the macvlan
// interfaces first (AddFRRMacvlans): vrrpd does not create them.
//
// Daemon.Log and WaitLog read vrrpd's log (FRRMaster, FRRState); zebra's log
// is attached to a failed test's output too.
func (h *Host) StartFRR(t testing.TB, vrrpdConf string) *FRR {
	t.Helper()
	Require(t, NeedFRR)
	bin, err := frrDir()
	if err != nil {
		t.Fatalf("lab: %v", err)
	}
	dir := t.TempDir()
	// Config files are written per run, as they name the run's log file.
	writeConf := func(name, logPath, body string) error {
		head := fmt.Sprintf("hostname %s\nlog file %s debugging\nlog timestamp precision 3\n!\n", h.name, logPath)
		return os.WriteFile(filepath.Join(dir, name+".conf"), []byte(head+body), 0o644)
	}
	zserv := filepath.Join(dir, "zserv.api")
	var mu sync.Mutex
	var pids []int
	run := 0
	daemonArgs := func(name string) []string {
		return []string{
			"-f", filepath.Join(dir, name+".conf"),
			"-i", filepath.Join(dir, name+".pid"),
			"--vty_socket", dir,
			"-z", zserv,
			// Root is not in the frrvty group, and FRR refuses a user
			// outside the vty group; -g frrvty passes that check and,
			// since the uid does not change, changes no group either.
			"-u", "root", "-g", vtyGroup(),
		}
	}
	launch := func() ([]*Proc, string, error) {
		run++
		suffix := ".log"
		if run > 1 {
			suffix = fmt.Sprintf(".%d.log", run)
		}
		// Each daemon logs to the file its stdout and stderr go to.
		zlog, vlog := filepath.Join(dir, "zebra"+suffix), filepath.Join(dir, "vrrpd"+suffix)
		if err := errors.Join(writeConf("zebra", zlog, ""), writeConf("vrrpd", vlog, vrrpdConf)); err != nil {
			return nil, "", err
		}
		_ = os.Remove(zserv)
		zebra, err := h.startLog(zlog, filepath.Join(bin, "zebra"), daemonArgs("zebra")...)
		if err != nil {
			return nil, zlog, err
		}
		mu.Lock()
		pids = append(pids, zebra.Pid())
		mu.Unlock()
		if err := waitSocket(zebra, zserv, 10*time.Second); err != nil {
			return []*Proc{zebra}, zlog, err
		}
		vrrpd, err := h.startLog(vlog, filepath.Join(bin, "vrrpd"), daemonArgs("vrrpd")...)
		if err != nil {
			return []*Proc{zebra}, zlog, err
		}
		mu.Lock()
		pids = append(pids, vrrpd.Pid())
		mu.Unlock()
		return []*Proc{zebra, vrrpd}, vlog, nil
	}
	// FRR keeps crash state in /var/tmp/frr/<daemon>.<pid> and removes
	// it only on a clean exit.
	after := func() {
		mu.Lock()
		defer mu.Unlock()
		for _, pid := range pids {
			for _, d := range []string{"zebra", "vrrpd"} {
				_ = os.RemoveAll(fmt.Sprintf("/var/tmp/frr/%s.%d", d, pid))
			}
		}
	}
	return &FRR{startDaemon(t, &Daemon{host: h, kind: "frr", dir: dir, launch: launch, after: after})}
}

// vtyGroup is the group FRR daemons are told to run as.
func vtyGroup() string {
	if _, err := user.LookupGroup("frrvty"); err == nil {
		return "frrvty"
	}
	return "root"
}

// waitSocket waits until zebra has created its zserv socket.
func waitSocket(p *Proc, path string, d time.Duration) error {
	deadline := time.After(d)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		if fi, err := os.Stat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited (%v) before creating %s:\n%s", p, p.Wait(), path, tail(p.Log(), 4<<10))
		case <-deadline:
			return fmt.Errorf("%s did not create %s within %v", p, path, d)
		case <-tick.C:
		}
	}
}

// Vtysh runs vtysh against this FRR's daemons, one -c per command (for
// example "show vrrp"), and returns its output.
func (f *FRR) Vtysh(ctx context.Context, cmds ...string) (string, error) {
	args := []string{"--vty_socket", f.dir}
	for _, c := range cmds {
		args = append(args, "-c", c)
	}
	out, err := f.host.Run(ctx, "vtysh", args...)
	return string(out), err
}

// AddFRRMacvlans creates the macvlan interfaces FRR vrrpd needs for
// virtual router vrid on h.Iface(), as FRR's "VRRP and macvlan" docs
// describe: vrrp4-<vrid> with MAC 00:00:5e:00:01:<vrid> holding the IPv4
// VIPs and vrrp6-<vrid> with MAC 00:00:5e:00:02:<vrid> holding the IPv6
// VIPs, each in mode bridge with addrgenmode random (so its link-local
// address differs between routers) and up. Only the families present in
// vips get an interface. Call it before StartFRR; the interfaces are
// deleted when t ends.
func (h *Host) AddFRRMacvlans(t testing.TB, vrid int, vips ...netip.Prefix) {
	t.Helper()
	if vrid < 1 || vrid > 255 {
		t.Fatalf("lab: VRID %d, want 1 to 255", vrid)
	}
	var v4, v6 []netip.Prefix
	for _, p := range vips {
		if p.Addr().Is4() {
			v4 = append(v4, p)
		} else {
			v6 = append(v6, p)
		}
	}
	for _, fam := range []struct {
		n    int
		kind byte // RFC 5798 section 7.3: 00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID} for IPv6
		vips []netip.Prefix
	}{{4, 1, v4}, {6, 2, v6}} {
		if len(fam.vips) == 0 {
			continue
		}
		name := fmt.Sprintf("vrrp%d-%d", fam.n, vrid)
		mac := net.HardwareAddr{0x00, 0x00, 0x5e, 0x00, fam.kind, byte(vrid)}
		if err := h.addMacvlan(name, mac, fam.vips); err != nil {
			t.Fatalf("lab: %s: %v", h.name, err)
		}
		t.Cleanup(func() { _ = h.withNetlink(func(nl *netlink.Handle) error { return delLink(nl, name) }) })
	}
}

func (h *Host) addMacvlan(name string, mac net.HardwareAddr, vips []netip.Prefix) error {
	return h.withNetlink(func(nl *netlink.Handle) error {
		parent, err := nl.LinkByName(h.iface)
		if err != nil {
			return fmt.Errorf("find %s: %w", h.iface, err)
		}
		mv := &netlink.Macvlan{
			LinkAttrs: netlink.LinkAttrs{Name: name, ParentIndex: parent.Attrs().Index, HardwareAddr: mac},
			Mode:      netlink.MACVLAN_MODE_BRIDGE,
		}
		if err := nl.LinkAdd(mv); err != nil {
			return fmt.Errorf("add macvlan %s on %s: %w", name, h.iface, err)
		}
		link, err := nl.LinkByName(name)
		if err != nil {
			return err
		}
		// Not possible at creation (the kernel rejects it there).
		if err := nl.LinkSetIP6AddrGenMode(link, in6AddrGenModeRandom); err != nil {
			return fmt.Errorf("set %s addrgenmode random: %w", name, err)
		}
		for _, p := range vips {
			if err := addAddr(nl, link, p); err != nil {
				return err
			}
		}
		if err := nl.LinkSetUp(link); err != nil {
			return fmt.Errorf("set %s up: %w", name, err)
		}
		return nil
	})
}

// withNetlink runs fn with a netlink handle in the node's namespace.
func (n *Node) withNetlink(fn func(nl *netlink.Handle) error) error {
	ns, err := netns.GetFromName(n.name)
	if err != nil {
		return fmt.Errorf("open network namespace %s: %w", n.name, err)
	}
	defer ns.Close()
	nl, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink in %s: %w", n.name, err)
	}
	defer nl.Close()
	return fn(nl)
}

func delLink(nl *netlink.Handle, name string) error {
	l, err := nl.LinkByName(name)
	if err != nil {
		return err
	}
	return nl.LinkDel(l)
}

// in6AddrGenModeRandom is IN6_ADDR_GEN_MODE_RANDOM from linux/if_link.h.
const in6AddrGenModeRandom = 3
