package doctor

import (
	"context"
	"fmt"
	"io/fs"
	"net/netip"
	"slices"
	"strings"
)

var checkMulticastInterface = Check{
	ID:   "multicast-interface",
	Area: AreaMulticast,
	Doc: `Reads ip -j -d addr for each VRRP interface: it must exist, be UP with a carrier and,
for multicast VRRP, have the MULTICAST flag. Without MULTICAST the kernel refuses to
join 224.0.0.18 / ff02::12 and sends no adverts; without carrier the node hears nobody
and becomes master. Fix: ip link set dev IFACE multicast on / up, or check the cable,
VLAN or virtual switch port.`,
	Run: func(ctx context.Context, env *Env) []Result {
		ifaces := env.VRRPInterfaces(ctx)
		if len(ifaces) == 0 {
			return []Result{{Status: Skip, Message: "no VRRP interface: give -i IFACE or --config"}}
		}
		if _, err := env.Links(ctx); err != nil {
			return []Result{skipped(err, "")}
		}
		var out []Result
		for _, i := range ifaces {
			l := env.Link(ctx, i)
			if l == nil {
				out = append(out, Result{Status: Fail, Subject: i, Message: "no such interface",
					Evidence: []string{"ip -j -d addr show lists no " + i}, Fix: "create " + i + " or correct the interface name in the configuration"})
				continue
			}
			ev := []string{fmt.Sprintf("%s flags %s, operstate %s", i, strings.Join(l.Flags, ","), l.OperState)}
			switch {
			case !l.Has("UP"):
				out = append(out, Result{Status: Fail, Subject: i, Message: "interface is down", Evidence: ev, Fix: "ip link set dev " + i + " up"})
			case !l.Has("MULTICAST"):
				out = append(out, Result{Status: Fail, Subject: i, Message: "interface has no MULTICAST flag: it cannot join the VRRP group",
					Evidence: ev, Fix: "ip link set dev " + i + " multicast on"})
			case l.Has("NO-CARRIER") || l.OperState == "DOWN" || l.OperState == "LOWERLAYERDOWN":
				out = append(out, Result{Status: Fail, Subject: i, Message: "interface has no carrier: this node hears no peer",
					Evidence: ev, Fix: "check the link of " + i + " (cable, switch port, veth peer, VLAN)"})
			default:
				out = append(out, Result{Status: Pass, Subject: i, Message: "up, multicast", Evidence: ev})
			}
		}
		return out
	},
}

var checkMulticastMembership = Check{
	ID:   "multicast-membership",
	Area: AreaMulticast,
	Doc: `Reads /proc/net/igmp and /proc/net/igmp6 when a VRRP daemon runs. keepalived and FRR
join 224.0.0.18 (IPv4) and ff02::12 (IPv6) on the interface they listen on; without
that membership, NICs with multicast filters and snooping switches do not deliver
adverts, and the node becomes master. (With use_vmac the join may sit on the base
interface or the macvlan; either counts.) Fix: restart the daemon after the interface is
up; check that nothing (a container runtime, a firewall manager) flushed the membership.`,
	Run: func(ctx context.Context, env *Env) []Result {
		c, rs := keepalivedOrSkip(env)
		if c == nil {
			return rs
		}
		if len(env.Daemons(ctx)) == 0 {
			return []Result{{Status: Skip, Message: "no VRRP daemon runs: nothing has to have joined yet"}}
		}
		joined, err := env.groupsJoined()
		if err != nil {
			return []Result{skipped(&NotApplicableError{Reason: "cannot read /proc/net/igmp", Err: err}, "")}
		}
		var out []Result
		for _, in := range c.Instances {
			if len(in.UnicastPeers) > 0 {
				continue
			}
			group := "224.0.0.18"
			if in.Family == 6 {
				group = "ff02::12"
			}
			cands := []string{in.Interface}
			if in.UseVMAC {
				cands = append(cands, in.VMACInterface())
			}
			ok := false
			var ev []string
			for _, i := range cands {
				ok = ok || slices.Contains(joined[i], group)
				ev = append(ev, fmt.Sprintf("%s joined %v", i, joined[i]))
			}
			if ok {
				out = append(out, Result{Status: Pass, Subject: in.Name, Message: "joined " + group + " on " + strings.Join(cands, "/"), Evidence: ev})
				continue
			}
			out = append(out, Result{Status: Fail, Subject: in.Name, Message: fmt.Sprintf("%s is not joined on %s while the daemon runs", group, in.Interface),
				Evidence: ev, Fix: "systemctl restart keepalived   (with " + in.Interface + " up and MULTICAST on)"})
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Skip, Message: "no multicast instance"})
		}
		return out
	},
}

var checkMulticastBridge = Check{
	ID:   "multicast-bridge-snooping",
	Area: AreaMulticast,
	Doc: `Reads /sys/class/net/IFACE/bridge (the interface is a bridge) or its master's
bridge directory (it is a bridge port): multicast_snooping and multicast_querier. The
bridge always floods 224.0.0.0/24, so IPv4 VRRP passes; ff02::12 is forwarded by
snooping state, which depends on MLD reports that nobody queries for when there is no
querier, so VRRPv3/IPv6 adverts can stop reaching a node. Fix: echo 1 >
/sys/class/net/BRIDGE/bridge/multicast_querier, or echo 0 > .../multicast_snooping.`,
	Run: func(ctx context.Context, env *Env) []Result {
		ifaces := env.VRRPInterfaces(ctx)
		if len(ifaces) == 0 {
			return []Result{{Status: Skip, Message: "no VRRP interface: give -i IFACE or --config"}}
		}
		v6 := false
		if c, err := env.Keepalived(); err == nil {
			for _, in := range c.Instances {
				v6 = v6 || (in.Family == 6 && len(in.UnicastPeers) == 0)
			}
		}
		var out []Result
		for _, i := range ifaces {
			br := i
			if _, err := fs.Stat(env.FS, "sys/class/net/"+i+"/bridge"); err != nil {
				l := env.Link(ctx, i)
				if l == nil || l.Master == "" {
					out = append(out, Result{Status: Skip, Subject: i, Message: "not a Linux bridge or bridge port on this host (a bridge elsewhere on the path is not visible from here)"})
					continue
				}
				br = l.Master
			}
			snoop, err1 := readInt(env.FS, "sys/class/net/"+br+"/bridge/multicast_snooping")
			querier, _ := readInt(env.FS, "sys/class/net/"+br+"/bridge/multicast_querier")
			if err1 != nil {
				out = append(out, Result{Status: Skip, Subject: i, Message: "cannot read the snooping setting of bridge " + br})
				continue
			}
			ev := []string{fmt.Sprintf("bridge %s: multicast_snooping %d, multicast_querier %d", br, snoop, querier)}
			if snoop == 1 && querier == 0 && v6 {
				out = append(out, Result{Status: Warn, Subject: i,
					Message:  "bridge " + br + " snoops multicast with no querier: ff02::12 delivery depends on unsolicited MLD reports",
					Evidence: ev,
					Fix:      "echo 1 > /sys/class/net/" + br + "/bridge/multicast_querier   (or ip link set dev " + br + " type bridge mcast_snooping 0)"})
				continue
			}
			out = append(out, Result{Status: Pass, Subject: i, Message: "bridge " + br + " forwards VRRP multicast", Evidence: ev})
		}
		return out
	},
}

var checkMulticastMacvlan = Check{
	ID:   "multicast-macvlan-mode",
	Area: AreaMulticast,
	Doc: `Reads the macvlan interfaces carrying a VRRP virtual MAC (00:00:5e:00:01:VRID IPv4,
00:00:5e:00:02:VRID IPv6) and their mode. keepalived's use_vmac creates them in private
mode (the base interface must not see its own macvlan's traffic); FRR needs bridge mode,
so vrrpd's macvlan and zebra's base interface reach each other. A macvlan in the other
mode makes adverts or ARP loop back or vanish. Fix: recreate it in the right mode (ip
link add link BASE name NAME type macvlan mode private|bridge).`,
	Run: func(ctx context.Context, env *Env) []Result {
		ls, err := env.Links(ctx)
		if err != nil {
			return []Result{skipped(err, "")}
		}
		want := ""
		for _, d := range env.Daemons(ctx) {
			if d.Kind == "frr" {
				want = "bridge"
			} else if want == "" {
				want = "private"
			}
		}
		if want == "" {
			if c, err := env.Keepalived(); err == nil && len(c.Instances) > 0 {
				want = "private"
			}
		}
		var out []Result
		for _, l := range ls {
			mac := strings.ToLower(l.MAC)
			if l.Kind != "macvlan" || !(strings.HasPrefix(mac, "00:00:5e:00:01:") || strings.HasPrefix(mac, "00:00:5e:00:02:")) {
				continue
			}
			ev := []string{fmt.Sprintf("%s: macvlan on %s, mode %s, MAC %s", l.Name, l.Parent, l.MacvlanMode, mac)}
			if want == "" {
				out = append(out, Result{Status: Skip, Subject: l.Name, Message: "no VRRP daemon to say which mode it needs", Evidence: ev})
				continue
			}
			if l.MacvlanMode != want {
				daemon := "keepalived (use_vmac)"
				if want == "bridge" {
					daemon = "FRR vrrpd"
				}
				out = append(out, Result{Status: Fail, Subject: l.Name,
					Message:  fmt.Sprintf("macvlan mode %s, but %s needs %s", l.MacvlanMode, daemon, want),
					Evidence: ev,
					Fix:      fmt.Sprintf("ip link del %s && ip link add link %s name %s address %s type macvlan mode %s   (then restart the daemon)", l.Name, l.Parent, l.Name, mac, want)})
				continue
			}
			out = append(out, Result{Status: Pass, Subject: l.Name, Message: "macvlan mode " + want, Evidence: ev})
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Skip, Message: "no VRRP macvlan (use_vmac) interfaces"})
		}
		return out
	},
}

var checkMulticastIPv6DAD = Check{
	ID:   "multicast-ipv6-dad",
	Area: AreaMulticast,
	Doc: `Reads ip -j addr for IPv6 addresses on the VRRP interfaces (and their macvlans) that
are "tentative" or "dadfailed". A tentative VIP cannot be used as a source; a dadfailed
one never becomes usable: another node answers for the address (split brain, or a
duplicate), and VRRPv3 over IPv6 needs a usable link-local source. Fix: remove the
duplicate, then ip addr del ADDR dev IFACE && ip addr add ADDR dev IFACE nodad.`,
	Run: func(ctx context.Context, env *Env) []Result {
		ls, err := env.Links(ctx)
		if err != nil {
			return []Result{skipped(err, "")}
		}
		ifaces := env.VRRPInterfaces(ctx)
		vips := map[netip.Addr]bool{}
		if c, err := env.Keepalived(); err == nil {
			for _, in := range c.Instances {
				for _, v := range in.VIPs {
					vips[v.Prefix.Addr()] = true
				}
			}
		}
		var out []Result
		for _, l := range ls {
			if !slices.Contains(ifaces, l.Name) && !(l.Kind == "macvlan" && slices.Contains(ifaces, l.Parent)) {
				continue
			}
			for _, a := range l.Addrs {
				// Tentative is normal for a second after an address is added;
				// it matters for VIPs, which must work at once.
				if !a.DADFailed && !(a.Tentative && vips[a.Prefix.Addr()]) {
					continue
				}
				st, what := Warn, "tentative"
				if a.DADFailed {
					st, what = Fail, "dadfailed"
				}
				out = append(out, Result{Status: st, Subject: l.Name,
					Message:  fmt.Sprintf("%s is %s", a.Prefix, what),
					Evidence: []string{fmt.Sprintf("ip -j addr: %s on %s flags %s", a.Prefix, l.Name, what)},
					Fix:      fmt.Sprintf("ip addr del %s dev %s && ip addr add %s dev %s nodad   (after finding the other holder: ip -6 neigh show %s)", a.Prefix, l.Name, a.Prefix, l.Name, a.Prefix.Addr())})
			}
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Pass, Message: "no tentative or dadfailed IPv6 address on the VRRP interfaces"})
		}
		return out
	},
}
