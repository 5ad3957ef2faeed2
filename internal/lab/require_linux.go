package lab

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vishvananda/netlink"
)

// Need names a tool or kernel feature a test needs; see Require.
type Need string

// Needs Require can check.
const (
	NeedIP         Need = "ip"         // iproute2 ip (always checked)
	NeedKeepalived Need = "keepalived" // keepalived in PATH
	NeedFRR        Need = "frr"        // FRR zebra, vrrpd (/usr/lib/frr or /usr/libexec/frr) and vtysh
	NeedIptables   Need = "iptables"   // iptables and ip6tables
	NeedNft        Need = "nft"        // nftables nft
	NeedTC         Need = "tc"         // iproute2 tc
	NeedTcpdump    Need = "tcpdump"    // tcpdump in PATH
	NeedUcarp      Need = "ucarp"      // ucarp (a CARP speaker, as OpenBSD's carp(4)) in PATH
	NeedVLAN       Need = "vlan"       // kernel 802.1Q (CONFIG_VLAN_8021Q), for Config.VLAN
	NeedNetem      Need = "netem"      // kernel netem qdisc (CONFIG_NET_SCH_NETEM), for Host.Netem
)

// defaultNeeds is what Require checks when given no needs.
var defaultNeeds = []Need{NeedIP, NeedKeepalived, NeedFRR, NeedIptables, NeedNft, NeedTC}

// Require skips t under -short (testing.Short, also as root: `make
// test-unit` starts no namespace), and unless the test runs as root and
// every need is met; with
// no needs it checks ip, keepalived, FRR, iptables, nft and tc. When the
// environment variable CI is non-empty, missing root or a missing tool fails
// the test instead, so a CI runner cannot silently skip the lab. A missing
// kernel feature (NeedVLAN, NeedNetem) always skips: it belongs to the
// runner's kernel (some VM kernels have neither), not to its setup.
//
// New and the Host methods that use a tool call Require themselves; call it
// first anyway, to skip before building a lab.
func Require(t testing.TB, needs ...Need) {
	t.Helper()
	if testing.Short() {
		t.Skip("lab: not under -short")
	}
	if len(needs) == 0 {
		needs = defaultNeeds
	}
	var missing, kernel []string
	if uid := os.Geteuid(); uid != 0 {
		missing = append(missing, fmt.Sprintf("root (running as uid %d; try sudo -E go test)", uid))
	} else {
		for _, n := range append([]Need{NeedIP}, needs...) {
			if err := n.check(); err != nil {
				if n.isKernel() {
					kernel = append(kernel, err.Error())
				} else {
					missing = append(missing, err.Error())
				}
			}
		}
	}
	if len(missing) > 0 {
		msg := "lab: missing " + strings.Join(missing, "; ")
		if os.Getenv("CI") != "" {
			t.Fatalf("%s (CI is set, so this fails instead of skipping)", msg)
		}
		t.Skip(msg)
	}
	if len(kernel) > 0 {
		t.Skip("lab: missing " + strings.Join(kernel, "; "))
	}
}

// isKernel reports whether n is a kernel feature rather than a tool.
func (n Need) isKernel() bool { return n == NeedVLAN || n == NeedNetem }

var checks = struct {
	sync.Mutex
	done map[Need]error
}{done: map[Need]error{}}

// check reports why n is not met, once per process.
func (n Need) check() error {
	checks.Lock()
	defer checks.Unlock()
	if err, ok := checks.done[n]; ok {
		return err
	}
	err := n.probe()
	checks.done[n] = err
	return err
}

func (n Need) probe() error {
	switch n {
	case NeedIP:
		return lookPath("ip", "iproute2")
	case NeedKeepalived:
		return lookPath("keepalived", "keepalived")
	case NeedFRR:
		if _, err := frrDir(); err != nil {
			return err
		}
		return lookPath("vtysh", "frr")
	case NeedIptables:
		return errors.Join(lookPath("iptables", "iptables"), lookPath("ip6tables", "iptables"))
	case NeedNft:
		return lookPath("nft", "nftables")
	case NeedTC:
		return lookPath("tc", "iproute2")
	case NeedTcpdump:
		return lookPath("tcpdump", "tcpdump")
	case NeedUcarp:
		return lookPath("ucarp", "ucarp")
	case NeedVLAN:
		return probeVLAN()
	case NeedNetem:
		return probeNetem()
	}
	return fmt.Errorf("unknown need %q", string(n))
}

func lookPath(bin, pkg string) error {
	if _, err := exec.LookPath(bin); err != nil {
		return fmt.Errorf("%s (not in PATH; install package %s)", bin, pkg)
	}
	return nil
}

// frrDirs are where distributions put the FRR daemons.
var frrDirs = []string{"/usr/lib/frr", "/usr/libexec/frr"}

// frrDir returns the directory holding zebra and vrrpd.
func frrDir() (string, error) {
	for _, d := range frrDirs {
		if isExec(filepath.Join(d, "zebra")) && isExec(filepath.Join(d, "vrrpd")) {
			return d, nil
		}
	}
	return "", fmt.Errorf("FRR zebra and vrrpd (not in %s; install package frr)", strings.Join(frrDirs, " or "))
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// probeVLAN creates an 802.1Q link on a veth in a throwaway namespace.
func probeVLAN() error {
	err := withAnonNS(func(nl *netlink.Handle) error {
		if err := nl.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "p0"}, PeerName: "p1"}); err != nil {
			return err
		}
		p0, err := nl.LinkByName("p0")
		if err != nil {
			return err
		}
		return nl.LinkAdd(&netlink.Vlan{LinkAttrs: netlink.LinkAttrs{Name: "p0.10", ParentIndex: p0.Attrs().Index}, VlanId: 10})
	})
	if err != nil {
		return fmt.Errorf("kernel 802.1Q VLAN support (%v; needs CONFIG_VLAN_8021Q, modprobe 8021q)", err)
	}
	return nil
}

// probeNetem adds a netem qdisc to lo in a throwaway namespace.
func probeNetem() error {
	err := withAnonNS(func(nl *netlink.Handle) error {
		lo, err := nl.LinkByName("lo")
		if err != nil {
			return err
		}
		q := netlink.NewNetem(netlink.QdiscAttrs{LinkIndex: lo.Attrs().Index, Handle: netlink.MakeHandle(1, 0), Parent: netlink.HANDLE_ROOT}, netlink.NetemQdiscAttrs{Loss: 1})
		return nl.QdiscAdd(q)
	})
	if err != nil {
		return fmt.Errorf("kernel netem qdisc (%v; needs CONFIG_NET_SCH_NETEM, modprobe sch_netem)", err)
	}
	return nil
}

// LoadEnv, set to 1, runs the load tests (make load): measurements that
// load both cores of a small machine for up to a minute and fail when the
// machine is too busy to reach the rate they need. They are not in the
// default suite.
const LoadEnv = "VRRPKIT_LOAD"

// Load skips t, a load test, unless LoadEnv is set; then it is a lab test
// (Require).
func Load(t testing.TB, needs ...Need) {
	t.Helper()
	if os.Getenv(LoadEnv) == "" {
		t.Skipf("a load test: run it with %s=1 (make load)", LoadEnv)
	}
	Require(t, needs...)
}
