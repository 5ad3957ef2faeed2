package doctor

import (
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// firewalldZone is the part of `firewall-cmd --zone=Z --list-all` that
// decides about VRRP.
type firewalldZone struct {
	Name      string
	Target    string
	Services  []string
	Protocols []string
	RichRules []string
}

// parseFirewalldZone reads `firewall-cmd --zone=Z --list-all`.
func parseFirewalldZone(b []byte) firewalldZone {
	var z firewalldZone
	inRich := false
	for i, line := range strings.Split(string(b), "\n") {
		if i == 0 {
			z.Name = strings.Fields(line + " ")[0]
			continue
		}
		t := strings.TrimSpace(line)
		if inRich && strings.HasPrefix(line, "\t") && t != "" {
			z.RichRules = append(z.RichRules, t)
			continue
		}
		inRich = false
		k, v, ok := strings.Cut(t, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "target":
			z.Target = v
		case "services":
			z.Services = strings.Fields(v)
		case "protocols":
			z.Protocols = strings.Fields(v)
		case "rich rules":
			inRich = true
			if v != "" {
				z.RichRules = append(z.RichRules, v)
			}
		}
	}
	return z
}

var richVRRP = regexp.MustCompile(`protocol value="?(vrrp|112)"?`)
var richSource = regexp.MustCompile(`source( NOT)? address="?([0-9a-fA-F:./]+)"?`)

// allows says whether the zone lets VRRP in from src (invalid: unknown) and
// which setting decides.
func (z firewalldZone) allows(src netip.Addr) (bool, string) {
	switch strings.ToUpper(z.Target) {
	case "ACCEPT":
		return true, "zone " + z.Name + " target ACCEPT"
	}
	for _, p := range z.Protocols {
		if p == "vrrp" || p == "112" {
			return true, "zone " + z.Name + " protocols: " + p
		}
	}
	for _, s := range z.Services {
		if s == "vrrp" {
			return true, "zone " + z.Name + " services: vrrp"
		}
	}
	for _, r := range z.RichRules {
		if !richVRRP.MatchString(r) {
			continue
		}
		verdict := strings.Contains(r, " accept")
		if m := richSource.FindStringSubmatch(r); m != nil {
			covers := pairCovers(m[2], src)
			if m[1] != "" {
				covers = !covers
			}
			if !src.IsValid() || !covers {
				continue
			}
		}
		return verdict, "zone " + z.Name + " rich rule: " + r
	}
	return false, fmt.Sprintf("zone %s (target %s) has no vrrp protocol, service or rich rule", z.Name, z.Target)
}

func firewalldFix(zone string, p Probe) string {
	fam := "ipv4"
	if p.v6() {
		fam = "ipv6"
	}
	src := ""
	if p.Src.IsValid() && p.Dir == In {
		src = fmt.Sprintf(" source address=\"%s\"", p.Src)
	}
	return fmt.Sprintf("firewall-cmd --permanent --zone=%s --add-rich-rule='rule family=\"%s\"%s protocol value=\"vrrp\" accept' && firewall-cmd --reload", zone, fam, src)
}

var checkFirewalld = Check{
	ID:   "firewall-firewalld",
	Area: AreaFirewall,
	Doc: `When firewalld runs (firewall-cmd --state), reads the zone of each VRRP interface
(--get-active-zones, else --get-default-zone), the zone's target, protocols, services
and rich rules (--zone=Z --list-all) and the direct rules (--direct --get-all-rules).
firewalld rewrites its nftables table on every reload, so a hand-made nft or iptables
accept does not last; VRRP must be allowed in the zone. A zone without target ACCEPT, the
vrrp protocol/service or a rich rule for it rejects adverts. Fix: firewall-cmd
--permanent --zone=Z --add-rich-rule='rule protocol value="vrrp" accept' (or
--add-protocol=vrrp), then firewall-cmd --reload.`,
	Run: func(ctx context.Context, env *Env) []Result {
		st, err := env.output(ctx, "firewall-cmd", "--state")
		if err != nil || strings.TrimSpace(string(st)) != "running" {
			return []Result{{Status: Skip, Message: "firewalld is not running"}}
		}
		ifaces := env.VRRPInterfaces(ctx)
		if len(ifaces) == 0 {
			return []Result{{Status: Skip, Message: "no VRRP interface: give -i IFACE or --config"}}
		}
		zoneOf := map[string]string{}
		if b, err := env.output(ctx, "firewall-cmd", "--get-active-zones"); err == nil {
			zone := ""
			for _, line := range strings.Split(string(b), "\n") {
				if line != "" && !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "\t") {
					zone = strings.Fields(line)[0]
					continue
				}
				if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && k == "interfaces" {
					for _, i := range strings.Fields(v) {
						zoneOf[i] = zone
					}
				}
			}
		}
		def := ""
		if b, err := env.output(ctx, "firewall-cmd", "--get-default-zone"); err == nil {
			def = strings.TrimSpace(string(b))
		}
		var direct []string
		if b, err := env.output(ctx, "firewall-cmd", "--direct", "--get-all-rules"); err == nil {
			for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				if strings.TrimSpace(l) != "" {
					direct = append(direct, strings.TrimSpace(l))
				}
			}
		}
		var out []Result
		for _, iface := range ifaces {
			zone, how := zoneOf[iface], "interface bound to it"
			if zone == "" {
				zone, how = def, "default zone"
			}
			if zone == "" {
				out = append(out, Result{Status: Warn, Subject: iface, Message: "cannot tell the firewalld zone of " + iface})
				continue
			}
			zb, err := env.output(ctx, "firewall-cmd", "--zone="+zone, "--list-all")
			if err != nil {
				out = append(out, skipped(err, iface))
				continue
			}
			z := parseFirewalldZone(zb)
			for _, p := range env.vrrpProbes(ctx, iface, In) {
				ev := []string{fmt.Sprintf("%s is in zone %s (%s)", iface, zone, how)}
				ok, why := z.allows(p.Src)
				// Direct rules sit before the zones.
				for _, d := range direct {
					f := strings.Fields(d) // ipv4 filter INPUT 0 -i eth0 -p vrrp -j ACCEPT
					if len(f) < 5 || f[1] != "filter" || f[2] != "INPUT" || (f[0] == "ipv6") != p.v6() {
						continue
					}
					r, _, err := parseIPTRule("-A INPUT " + strings.Join(f[4:], " "))
					if err != nil || r.match(p) != yes {
						continue
					}
					switch r.target {
					case "ACCEPT":
						ok, why = true, "direct rule: "+d
					case "DROP", "REJECT":
						ok, why = false, "direct rule: "+d
					default:
						continue
					}
					break
				}
				ev = append(ev, why)
				if ok {
					out = append(out, Result{Status: Pass, Subject: iface, Message: fmt.Sprintf("firewalld allows %s", p), Evidence: ev})
					continue
				}
				out = append(out, Result{Status: Fail, Subject: iface,
					Message:  fmt.Sprintf("firewalld zone %s rejects %s", zone, p),
					Evidence: ev, Fix: firewalldFix(zone, p)})
			}
		}
		return out
	},
}
