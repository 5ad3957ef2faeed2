package lab

import (
	"fmt"
	"net/netip"
	"strings"
)

// VRRPInstance describes one virtual router, for KeepalivedConf and
// FRRConf.
type VRRPInstance struct {
	Iface    string         // interface; "" means eth0 (use Host.Iface on a VLAN host)
	Version  int            // 2 or 3; 0 means 3
	VRID     int            // 1-255
	Priority int            // 1-254; 0 means 100
	AuthPass string         // VRRPv2 "auth_type PASS" password, keepalived only
	VIPs     []netip.Prefix // virtual addresses; IPv6 needs Version 3
}

func (v VRRPInstance) norm() VRRPInstance {
	if v.Iface == "" {
		v.Iface = hostIface
	}
	if v.Version == 0 {
		v.Version = 3
	}
	if v.Priority == 0 {
		v.Priority = 100
	}
	return v
}

// split returns the instance's IPv4 and IPv6 VIPs.
func (v VRRPInstance) split() (v4, v6 []netip.Prefix) {
	for _, p := range v.VIPs {
		if p.Addr().Is4() {
			v4 = append(v4, p)
		} else {
			v6 = append(v6, p)
		}
	}
	return v4, v6
}

// KeepalivedConf renders a keepalived.conf with one vrrp_instance per
// instance and address family: VI_<vrid> for IPv4, VI6_<vrid> for IPv6.
// Every instance starts in state BACKUP, so the election decides, with
// advert_int 1; VRRPv2 instances with an AuthPass use auth_type PASS.
// vrrp_version in global_defs is the first instance's version.
func KeepalivedConf(instances ...VRRPInstance) string {
	var b strings.Builder
	version := 3
	if len(instances) > 0 {
		version = instances[0].norm().Version
	}
	fmt.Fprintf(&b, "global_defs {\n    vrrp_version %d\n    vrrp_garp_master_delay 1\n}\n", version)
	for _, v := range instances {
		v = v.norm()
		v4, v6 := v.split()
		for _, fam := range []struct {
			name string
			vips []netip.Prefix
		}{{"VI", v4}, {"VI6", v6}} {
			if len(fam.vips) == 0 {
				continue
			}
			fmt.Fprintf(&b, "\nvrrp_instance %s_%d {\n", fam.name, v.VRID)
			fmt.Fprintf(&b, "    state BACKUP\n    interface %s\n    virtual_router_id %d\n", v.Iface, v.VRID)
			fmt.Fprintf(&b, "    version %d\n    priority %d\n    advert_int 1\n", v.Version, v.Priority)
			if v.AuthPass != "" {
				fmt.Fprintf(&b, "    authentication {\n        auth_type PASS\n        auth_pass %s\n    }\n", v.AuthPass)
			}
			b.WriteString("    virtual_ipaddress {\n")
			for _, p := range fam.vips {
				fmt.Fprintf(&b, "        %s\n", p)
			}
			b.WriteString("    }\n}\n")
		}
	}
	return b.String()
}

// FRRConf renders a vrrpd.conf for the instances ("interface eth0",
// " vrrp 5 version 3", " vrrp 5 priority 200", " vrrp 5 ip 192.0.2.105",
// ...). vrrpd also needs the macvlan interfaces AddFRRMacvlans creates.
func FRRConf(instances ...VRRPInstance) string {
	var b strings.Builder
	byIface := map[string][]VRRPInstance{}
	var order []string
	for _, v := range instances {
		v = v.norm()
		if _, ok := byIface[v.Iface]; !ok {
			order = append(order, v.Iface)
		}
		byIface[v.Iface] = append(byIface[v.Iface], v)
	}
	for _, iface := range order {
		fmt.Fprintf(&b, "interface %s\n", iface)
		for _, v := range byIface[iface] {
			fmt.Fprintf(&b, " vrrp %d version %d\n", v.VRID, v.Version)
			fmt.Fprintf(&b, " vrrp %d priority %d\n", v.VRID, v.Priority)
			for _, p := range v.VIPs {
				kw := "ip"
				if p.Addr().Is6() {
					kw = "ipv6"
				}
				fmt.Fprintf(&b, " vrrp %d %s %s\n", v.VRID, kw, p.Addr())
			}
		}
		b.WriteString("!\n")
	}
	return b.String()
}
