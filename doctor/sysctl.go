package doctor

import (
	"fmt"
	"strings"
)

// confValue is one per-interface sysctl with the "all" value the kernel
// combines it with.
type confValue struct {
	Key         string // e.g. rp_filter
	Iface       string
	All, Iface_ int
	Effective   int
	Evidence    []string
}

// ipv4Conf reads net.ipv4.conf.{all,IFACE}.KEY and combines them with
// max(), as the kernel does for rp_filter, arp_ignore and arp_announce.
// For an interface that does not exist yet (keepalived's vmac before it is
// created), the "default" value stands in.
func (e *Env) ipv4Conf(key, iface string) (confValue, error) {
	return e.conf("ipv4", key, iface)
}

func (e *Env) conf(fam, key, iface string) (confValue, error) {
	v := confValue{Key: key, Iface: iface}
	all, err := e.Sysctl("net."+fam+".conf.all", key)
	if err != nil {
		return v, &NotApplicableError{Reason: "cannot read net." + fam + ".conf.all." + key, Err: err}
	}
	name := iface
	ifv, err := e.Sysctl("net."+fam+".conf", iface, key)
	if err != nil {
		name = "default"
		if ifv, err = e.Sysctl("net."+fam+".conf.default", key); err != nil {
			return v, &NotApplicableError{Reason: "cannot read net." + fam + ".conf." + iface + "." + key, Err: err}
		}
	}
	v.All, v.Iface_, v.Effective = all, ifv, max(all, ifv)
	v.Evidence = []string{
		fmt.Sprintf("net.%s.conf.all.%s = %d", fam, key, all),
		fmt.Sprintf("net.%s.conf.%s.%s = %d", fam, sysctlName(name), key, ifv),
	}
	if name == "default" {
		v.Evidence[1] += " (" + iface + " does not exist yet; it will start from default)"
	}
	return v, nil
}

// sysctlName writes an interface name as sysctl(8) wants it: dots become
// slashes (vrrp.51 -> vrrp/51).
func sysctlName(iface string) string { return strings.ReplaceAll(iface, ".", "/") }
