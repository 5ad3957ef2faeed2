package doctor

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/vrrpkit/vrrpkit/daemons"
	"github.com/vrrpkit/vrrpkit/decode"
)

var checkDaemonFRR = Check{
	ID:   "daemon-frr-vrrp",
	Area: AreaDaemon,
	Doc: `Asks FRR's vrrpd for its virtual routers (vtysh -c 'show vrrp json', through vrrpd's own
--vty_socket) and reads its macvlan interfaces (ip -j -d link show). vrrpd needs one
macvlan per virtual router and family, with the virtual MAC, on the VRRP interface: in
mode bridge (any other mode hides the host's own traffic from it, or the VIP from the
host), with addrgenmode random for IPv6 (else every router's macvlan derives the same
link-local address from the virtual MAC and adverts share a source), and with protodown
matching the state (vrrpd sets protodown on a backup's macvlan; a master's must be up,
a backup's without protodown answers for the VIP). With --listen, the peers' VRRPv3
IPv4 checksum flavour is compared with this vrrpd's checksum-with-ipv4-pseudoheader
setting: routers that disagree drop each other's adverts. Fix: the printed ip link or
vtysh command.`,
	Run: func(ctx context.Context, env *Env) []Result {
		f, err := env.FRRState(ctx)
		if err != nil {
			return []Result{skipped(err, "")}
		}
		if f == nil {
			return []Result{{Status: Skip, Message: "no FRR vrrpd runs in this network namespace"}}
		}
		head := fmt.Sprintf("vrrpd pid %d (%s)", f.PID, f.NetNS)
		if f.VtySocket != "" {
			head += ", vty socket " + f.VtySocket
		}
		if f.Err != "" {
			return []Result{{Status: Warn, Message: "could not ask vrrpd for its state", Evidence: []string{head, f.Err},
				Fix: "run vrrpdoctor as root (vtysh needs the frrvty group): vtysh -c 'show vrrp json'"}}
		}
		if len(f.Routers) == 0 {
			return []Result{{Status: Skip, Message: "vrrpd runs no virtual router", Evidence: []string{head}}}
		}
		var out []Result
		for _, r := range f.Routers {
			for _, fam := range []struct {
				n int
				f *daemons.FRRFamily
			}{{4, r.V4}, {6, r.V6}} {
				if fam.f == nil || len(fam.f.Addresses) == 0 {
					continue
				}
				out = append(out, frrFamily(ctx, env, f, r, fam.n, fam.f, head))
			}
		}
		return out
	},
}

func frrFamily(ctx context.Context, env *Env, f *daemons.FRR, r daemons.FRRRouter, n int, fam *daemons.FRRFamily, head string) Result {
	subj := fmt.Sprintf("%s VRID %d IPv%d", r.Interface, r.VRID, n)
	ev := []string{head, fmt.Sprintf("VRRPv%d VRID %d on %s: %s, priority %d, macvlan %q, VIPs %v, adverts tx %d rx %d",
		r.Version, r.VRID, r.Interface, fam.Status, fam.Effective, fam.Interface, fam.Addresses, fam.AdverTx, fam.AdverRx)}
	var bad, fixes []string
	want := fmt.Sprintf("vrrp%d-%d", n, r.VRID)
	mac := fmt.Sprintf("00:00:5e:00:%02x:%02x", map[int]int{4: 1, 6: 2}[n], r.VRID)
	add := fmt.Sprintf("ip link add %s link %s addrgenmode random type macvlan mode bridge; ip link set dev %s address %s; ip addr add VIP dev %s; ip link set dev %s up", want, r.Interface, want, mac, want, want)
	m := fam.Macvlan
	switch {
	case r.Shutdown:
		return Result{Status: Warn, Subject: subj, Message: "shut down in vrrpd's configuration", Evidence: ev,
			Fix: fmt.Sprintf("vtysh -c 'configure' -c 'interface %s' -c 'no vrrp %d shutdown'", r.Interface, r.VRID)}
	case fam.Interface == "" || m == nil:
		bad = append(bad, fmt.Sprintf("no macvlan with the virtual MAC %s on %s: vrrpd cannot run IPv%d", mac, r.Interface, n))
		fixes = append(fixes, add)
	default:
		ev = append(ev, fmt.Sprintf("%s: %s mode %q on %s, MAC %s, addrgenmode %q, protodown %t, up %t", m.Name, m.Kind, m.Mode, m.Parent, m.MAC, m.AddrGenMode, m.ProtoDown, m.Up))
		if m.Kind == "macvlan" && m.Mode != "bridge" {
			bad = append(bad, fmt.Sprintf("macvlan %s is in mode %s, not bridge: this host cannot reach the VIP on it and vrrpd's adverts and ARP replies miss the host's own stack", m.Name, m.Mode))
			fixes = append(fixes, fmt.Sprintf("ip link set dev %s type macvlan mode bridge", m.Name))
		}
		if n == 6 && m.AddrGenMode != "" && m.AddrGenMode != "random" {
			bad = append(bad, fmt.Sprintf("macvlan %s has addrgenmode %s, not random: its link-local address derives from the virtual MAC and is the same on every router", m.Name, m.AddrGenMode))
			fixes = append(fixes, fmt.Sprintf("ip link set dev %s addrgenmode random; ip link set dev %s down; ip link set dev %s up", m.Name, m.Name, m.Name))
		}
		switch {
		case fam.Status == "Master" && m.ProtoDown:
			bad = append(bad, fmt.Sprintf("vrrpd is Master but %s is protodown: the VIP is unreachable", m.Name))
			fixes = append(fixes, fmt.Sprintf("ip link set dev %s protodown off   (and find what set it: vrrpd clears it when it becomes Master)", m.Name))
		case fam.Status == "Backup" && !m.ProtoDown && m.Up:
			bad = append(bad, fmt.Sprintf("vrrpd is Backup but %s is up without protodown: the backup answers ARP/ND for the VIP too", m.Name))
			fixes = append(fixes, fmt.Sprintf("ip link set dev %s protodown on   (vrrpd sets it on backups; something cleared it)", m.Name))
		}
	}
	if r.Version == 3 && n == 4 && env.Wire != nil {
		pseudo := !slices.Contains(f.NoPseudoHeader, r.VRID)
		for _, a := range env.Wire.senders(r.Interface, r.VRID) {
			if _, local := env.LocalAddr(ctx, a.Src); local || a.Version != 3 || a.Flavour == decode.FlavourNone {
				continue
			}
			ev = append(ev, fmt.Sprintf("%s on the wire: checksum flavour %s", a.Src, a.Flavour))
			if pseudo && a.Flavour == decode.FlavourMessageOnly {
				bad = append(bad, fmt.Sprintf("%s checksums VRRPv3 IPv4 adverts over the message only while this vrrpd uses the pseudo-header: they drop each other's adverts", a.Src))
				fixes = append(fixes, fmt.Sprintf("vtysh -c 'configure' -c 'interface %s' -c 'no vrrp %d checksum-with-ipv4-pseudoheader'   (FRR 8.5 or later; or switch the peer to the RFC 5798 pseudo-header)", r.Interface, r.VRID))
			} else if !pseudo && a.Flavour == decode.FlavourRFC5798 {
				bad = append(bad, fmt.Sprintf("%s checksums with the RFC 5798 pseudo-header while this vrrpd is set to the message only", a.Src))
				fixes = append(fixes, fmt.Sprintf("vtysh -c 'configure' -c 'interface %s' -c 'vrrp %d checksum-with-ipv4-pseudoheader'", r.Interface, r.VRID))
			}
		}
	}
	if len(bad) == 0 {
		return Result{Status: Pass, Subject: subj, Message: fmt.Sprintf("%s, priority %d, macvlan %s in mode bridge", fam.Status, fam.Effective, fam.Interface), Evidence: ev}
	}
	msg := bad[0]
	if len(bad) > 1 {
		msg += fmt.Sprintf(" (and %d more)", len(bad)-1)
	}
	return Result{Status: Fail, Subject: subj, Message: msg, Evidence: append(ev, bad[1:]...), Fix: strings.Join(fixes, "\n")}
}
