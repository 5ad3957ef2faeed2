package doctor

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
)

// osPorts finds the Neutron ports of this host's VRRP interfaces by MAC.
func (e *Env) osPorts(ctx context.Context) ([]Port, []Result) {
	if e.OpenStack == nil {
		return nil, []Result{{Status: Skip, Message: "needs --openstack (credentials from OS_* or clouds.yaml)"}}
	}
	var macs []string
	for _, i := range e.VRRPInterfaces(ctx) {
		if l := e.Link(ctx, i); l != nil && l.MAC != "" {
			macs = append(macs, strings.ToLower(l.MAC))
		}
	}
	if len(macs) == 0 {
		return nil, []Result{{Status: Skip, Message: "no VRRP interface with a MAC: give -i IFACE or --config"}}
	}
	ps, err := e.OpenStack.PortsByMAC(ctx, macs)
	if err != nil {
		return nil, []Result{{Status: Warn, Message: "could not read Neutron ports: " + err.Error()}}
	}
	if len(ps) == 0 {
		return nil, []Result{{Status: Skip, Message: fmt.Sprintf("no Neutron port has MAC %s: this host is not an instance of this cloud", strings.Join(macs, ", "))}}
	}
	return ps, nil
}

func portName(p Port) string {
	if p.Name != "" {
		return p.Name + " (" + p.ID + ")"
	}
	return p.ID
}

var checkOpenStackPortSecurity = Check{
	ID:   "openstack-port-security",
	Area: AreaOpenStack,
	Doc: `With --openstack, finds the Neutron ports whose MACs are this host's VRRP interfaces and
reads port_security_enabled. With port security off Neutron neither applies security
groups nor anti-spoofing, so VRRP passes, but so does everything else, and
allowed_address_pairs cannot be set; a later "openstack port set
--enable-port-security" then silently drops the VIP traffic. Fix: enable port security
with the VIPs in allowed_address_pairs and a security group rule for protocol 112.`,
	Run: func(ctx context.Context, env *Env) []Result {
		ps, rs := env.osPorts(ctx)
		if ps == nil {
			return rs
		}
		var out []Result
		for _, p := range ps {
			ev := []string{fmt.Sprintf("port %s mac %s port_security_enabled %t", portName(p), p.MAC, p.PortSecurity)}
			if !p.PortSecurity {
				out = append(out, Result{Status: Warn, Subject: portName(p),
					Message:  "port security is off: VRRP passes unfiltered, and so does any spoofed traffic",
					Evidence: ev,
					Fix:      "openstack port set --enable-port-security " + p.ID + "   (after adding the VIPs as allowed address pairs and a protocol 112 rule)"})
				continue
			}
			out = append(out, Result{Status: Pass, Subject: portName(p), Message: "port security on", Evidence: ev})
		}
		return out
	},
}

var checkOpenStackAddressPairs = Check{
	ID:   "openstack-allowed-address-pairs",
	Area: AreaOpenStack,
	Doc: `With --openstack, compares each VIP of the instances on a port's interface with the
port's allowed_address_pairs (an address or a CIDR containing it; with use_vmac the pair
must carry the virtual MAC 00:00:5e:00:01:VRID, IPv6 00:00:5e:00:02:VRID). Neutron's
anti-spoofing drops traffic from and ARP replies for an address that is neither a fixed
IP nor an allowed pair: the VIP moves but answers nothing. Fix: openstack port set
--allowed-address ip-address=VIP[,mac-address=VMAC] PORT.`,
	Run: func(ctx context.Context, env *Env) []Result {
		ps, rs := env.osPorts(ctx)
		if ps == nil {
			return rs
		}
		c, rs := keepalivedOrSkip(env)
		if c == nil {
			return rs
		}
		var out []Result
		for _, p := range ps {
			if !p.PortSecurity {
				out = append(out, Result{Status: Skip, Subject: portName(p), Message: "port security is off: allowed address pairs do not apply"})
				continue
			}
			for _, in := range c.Instances {
				if l := env.Link(ctx, in.Interface); l == nil || !strings.EqualFold(l.MAC, p.MAC) {
					continue
				}
				for _, v := range in.VIPs {
					vip := v.Prefix.Addr()
					wantMAC := ""
					if in.UseVMAC {
						wantMAC = fmt.Sprintf("00:00:5e:00:0%d:%02x", map[bool]int{true: 2, false: 1}[vip.Is6()], in.VRID)
					}
					var pairs []string
					ok := false
					for _, ap := range p.AllowedPairs {
						pairs = append(pairs, ap.IP+" "+ap.MAC)
						if pairCovers(ap.IP, vip) && (wantMAC == "" && (ap.MAC == "" || ap.MAC == p.MAC) || ap.MAC == wantMAC) {
							ok = true
						}
					}
					ev := []string{fmt.Sprintf("port %s allowed_address_pairs %v", portName(p), pairs),
						fmt.Sprintf("%s: VIP %s of %s", v.Pos, vip, in.Name)}
					if ok {
						out = append(out, Result{Status: Pass, Subject: vip.String(), Message: "allowed on port " + portName(p), Evidence: ev})
						continue
					}
					fix := "openstack port set --allowed-address ip-address=" + vip.String()
					msg := fmt.Sprintf("VIP %s is not in the allowed_address_pairs of port %s", vip, portName(p))
					if wantMAC != "" {
						fix += ",mac-address=" + wantMAC
						msg = fmt.Sprintf("VIP %s with virtual MAC %s (use_vmac) is not in the allowed_address_pairs of port %s", vip, wantMAC, portName(p))
					}
					out = append(out, Result{Status: Fail, Subject: vip.String(), Message: msg, Evidence: ev, Fix: fix + " " + p.ID})
				}
			}
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Skip, Message: "no VIPs on the interfaces of the ports found"})
		}
		return out
	},
}

func pairCovers(spec string, ip netip.Addr) bool {
	if pre, err := netip.ParsePrefix(spec); err == nil {
		return pre.Contains(ip)
	}
	a, err := netip.ParseAddr(spec)
	return err == nil && a == ip
}

var checkOpenStackSecurityGroups = Check{
	ID:   "openstack-security-group-vrrp",
	Area: AreaOpenStack,
	Doc: `With --openstack, reads the security groups of each port and looks for an ingress rule
of the VRRP family allowing IP protocol 112 (given as "112" or "vrrp", or any protocol)
from every unicast peer (or from anywhere, or a remote group). Security groups drop
what no rule allows, so without it the backup never hears the master and both hold the
VIP. Fix: openstack security group rule create --ingress --ethertype IPv4 --protocol
112 [--remote-ip PEER/32] GROUP.`,
	Run: func(ctx context.Context, env *Env) []Result {
		ps, rs := env.osPorts(ctx)
		if ps == nil {
			return rs
		}
		fams := map[string]bool{}
		var peers []netip.Addr
		if c, err := env.Keepalived(); err == nil {
			for _, in := range c.Instances {
				fams[map[bool]string{true: "IPv6", false: "IPv4"}[in.Family == 6]] = true
				peers = append(peers, in.UnicastPeers...)
			}
		}
		if len(fams) == 0 {
			fams["IPv4"] = true
		}
		var out []Result
		for _, p := range ps {
			if !p.PortSecurity {
				out = append(out, Result{Status: Skip, Subject: portName(p), Message: "port security is off: security groups do not apply"})
				continue
			}
			var rules []SecurityGroupRule
			var ev []string
			for _, id := range p.SecurityGroupIDs {
				sg, err := env.OpenStack.SecurityGroup(ctx, id)
				if err != nil {
					out = append(out, Result{Status: Warn, Subject: portName(p), Message: err.Error()})
					continue
				}
				for _, r := range sg.Rules {
					rules = append(rules, r)
					if r.Direction == "ingress" {
						remote := r.RemoteIPPrefix + r.RemoteGroupID
						if remote == "" {
							remote = "any"
						}
						ev = append(ev, fmt.Sprintf("group %s (%s): ingress %s protocol %q from %s", sg.Name, sg.ID, r.EtherType, r.Protocol, remote))
					}
				}
			}
			for _, fam := range []string{"IPv4", "IPv6"} {
				if !fams[fam] {
					continue
				}
				var srcs []netip.Addr
				for _, pe := range peers {
					if pe.Is6() == (fam == "IPv6") {
						srcs = append(srcs, pe)
					}
				}
				missing := []string{}
				if len(srcs) == 0 {
					if !sgAllows(rules, fam, netip.Addr{}) {
						missing = append(missing, "")
					}
				}
				for _, s := range srcs {
					if !sgAllows(rules, fam, s) {
						missing = append(missing, s.String())
					}
				}
				if len(missing) == 0 {
					out = append(out, Result{Status: Pass, Subject: portName(p), Message: fam + " protocol 112 allowed inbound", Evidence: ev})
					continue
				}
				sg := "GROUP"
				if len(p.SecurityGroupIDs) > 0 {
					sg = p.SecurityGroupIDs[0]
				}
				var fixes []string
				for _, m := range missing {
					f := "openstack security group rule create --ingress --ethertype " + fam + " --protocol 112"
					if m != "" {
						bits := 32
						if fam == "IPv6" {
							bits = 128
						}
						f += fmt.Sprintf(" --remote-ip %s/%d", m, bits)
					}
					fixes = append(fixes, f+" "+sg)
				}
				msg := fmt.Sprintf("no ingress rule allows %s protocol 112 (VRRP) on port %s", fam, portName(p))
				if missing[0] != "" {
					msg = fmt.Sprintf("no ingress rule allows %s protocol 112 from %s on port %s", fam, strings.Join(missing, ", "), portName(p))
				}
				out = append(out, Result{Status: Fail, Subject: portName(p), Message: msg, Evidence: ev, Fix: strings.Join(fixes, "\n")})
			}
		}
		return out
	},
}

// sgAllows reports whether an ingress rule lets VRRP of family fam in from
// src (unknown src: only a rule from anywhere counts).
func sgAllows(rules []SecurityGroupRule, fam string, src netip.Addr) bool {
	for _, r := range rules {
		if r.Direction != "ingress" || (r.EtherType != "" && r.EtherType != fam) {
			continue
		}
		switch strings.ToLower(r.Protocol) {
		case "", "any", "112", "vrrp":
		default:
			continue
		}
		if r.RemoteGroupID != "" {
			return true // the peers' ports are in that group, as remote-group rules are meant
		}
		if r.RemoteIPPrefix == "" {
			return true
		}
		if src.IsValid() && pairCovers(r.RemoteIPPrefix, src) {
			return true
		}
		if pre, err := netip.ParsePrefix(r.RemoteIPPrefix); err == nil && pre.Bits() == 0 {
			return true
		}
	}
	return false
}
