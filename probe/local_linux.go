package probe

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A failover drill run on a router of the group tests nothing and breaks
// something: on the master the host's own daemon fights the drill for its
// VIPs; on a backup its daemon reacts to the drill's adverts and the same
// source address speaks for two routers. Participation finds the reasons
// this host takes part in group g; the drill refuses to run when there is
// any.

// Participation returns why this host takes part in g, each reason in
// words; none when it does not, as far as it can tell. doubts are what it
// cannot tell (see LocalDaemons).
func Participation(g *Group) (why, doubts []string) {
	local := localAddrs()
	for _, v := range g.VIPs {
		if ifname, ok := local[v]; ok && !(v.Is6() && v.IsLinkLocalUnicast()) {
			why = append(why, fmt.Sprintf("VIP %s is an address of this host (on %s): this host is the group's master", v, ifname))
		}
	}
	for _, s := range g.Speakers {
		if ifname, ok := local[s]; ok {
			why = append(why, fmt.Sprintf("%s, an address of this host (on %s), advertises for vrid %d: a router of the group runs here", s, ifname, g.VRID))
		}
	}
	d, doubts := LocalDaemons(g.VRID)
	return append(why, d...), doubts
}

// localAddrs maps every address of the host to its interface.
func localAddrs() map[netip.Addr]string {
	m := map[netip.Addr]string{}
	ifs, err := net.Interfaces()
	if err != nil {
		return m
	}
	for _, ifi := range ifs {
		as, err := ifi.Addrs()
		if err != nil {
			continue
		}
		for _, a := range as {
			if p, ok := a.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(p.IP); ok {
					m[ip.Unmap()] = ifi.Name
				}
			}
		}
	}
	return m
}

// daemonConf says where a VRRP daemon reads its configuration and how a
// VRID appears in it.
var daemonConfs = map[string]struct {
	flags    []string // flags naming the config file, "-f" or "--use-file="
	defaults []string
	vrid     func(n uint8) *regexp.Regexp
}{
	"keepalived": {[]string{"-f", "--use-file"}, []string{"/etc/keepalived/keepalived.conf"},
		func(n uint8) *regexp.Regexp {
			return regexp.MustCompile(`(?m)^\s*virtual_router_id\s+` + strconv.Itoa(int(n)) + `\b`)
		}},
	"vrrpd": {[]string{"-f", "--config_file"}, []string{"/etc/frr/frr.conf", "/etc/frr/vrrpd.conf"},
		func(n uint8) *regexp.Regexp {
			return regexp.MustCompile(`(?m)^\s*vrrp\s+` + strconv.Itoa(int(n)) + `\b`)
		}},
}

// LocalDaemons finds keepalived and FRR vrrpd processes in this network
// namespace whose configuration names vrid, or cannot be read (then they
// may): why says so, one reason per daemon and configuration. doubts
// names the daemons whose network namespace cannot be read (not root): it
// cannot tell whether they run here. A keepalived checking a configuration
// (-t) is not running VRRP and is left out.
func LocalDaemons(vrid uint8) (why, doubts []string) {
	self, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		return nil, []string{"cannot read this process's network namespace: " + err.Error()}
	}
	pids, _ := filepath.Glob("/proc/[0-9]*")
	type key struct{ name, conf, what string }
	found := map[key][]string{}
	var order []key
	unknown := map[string][]string{}
	var unknownOrder []string
	for _, p := range pids {
		comm, err := os.ReadFile(p + "/comm")
		if err != nil {
			continue
		}
		name := strings.TrimSpace(string(comm))
		dc, ok := daemonConfs[name]
		if !ok {
			continue
		}
		cmd, _ := os.ReadFile(p + "/cmdline")
		args := strings.Split(strings.TrimRight(string(cmd), "\x00"), "\x00")
		if slices.Contains(args, "-t") || slices.Contains(args, "--config-test") || slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--config-test=") }) {
			continue
		}
		pid := filepath.Base(p)
		ns, err := os.Readlink(p + "/ns/net")
		if err != nil {
			if len(unknown[name]) == 0 {
				unknownOrder = append(unknownOrder, name)
			}
			unknown[name] = append(unknown[name], pid)
			continue
		}
		if ns != self {
			continue
		}
		conf := daemonConfig(p, dc.flags, dc.defaults)
		b, err := os.ReadFile(conf)
		var what string
		switch {
		case err != nil:
			what = fmt.Sprintf("runs here; its configuration %s cannot be read (%v): it may run vrid %d", conf, err, vrid)
		case dc.vrid(vrid).Match(b):
			what = fmt.Sprintf("runs here with vrid %d in %s: it takes part in the group", vrid, conf)
		case hasInclude(b):
			what = fmt.Sprintf("runs here; %s includes other files: it may run vrid %d", conf, vrid)
		default:
			continue
		}
		k := key{name, conf, what}
		if len(found[k]) == 0 {
			order = append(order, k)
		}
		found[k] = append(found[k], pid)
	}
	for _, k := range order {
		why = append(why, fmt.Sprintf("%s (pid %s) %s", k.name, strings.Join(found[k], ", "), k.what))
	}
	for _, n := range unknownOrder {
		doubts = append(doubts, fmt.Sprintf("cannot tell whether %s (pid %s) runs in this network namespace (its namespace is not readable: run as root to check); if it runs vrid %d here, stop", n, strings.Join(unknown[n], ", "), vrid))
	}
	return why, doubts
}

// daemonConfig finds the configuration file in /proc/PID/cmdline, or the
// first default that exists.
func daemonConfig(proc string, flags, defaults []string) string {
	b, _ := os.ReadFile(proc + "/cmdline")
	args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	for i, a := range args {
		for _, f := range flags {
			if v, ok := strings.CutPrefix(a, f+"="); ok {
				return v
			}
			if a == f && i+1 < len(args) {
				return args[i+1]
			}
		}
	}
	for _, d := range defaults {
		if _, err := os.Stat(d); err == nil {
			return d
		}
	}
	return defaults[0]
}

func hasInclude(b []byte) bool {
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 0 && slices.Contains([]string{"include", "@include"}, f[0]) {
			return true
		}
	}
	return false
}
