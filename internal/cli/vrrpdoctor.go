package cli

// VRRPDoctor is vrrpdoctor's command line (cmd/vrrpdoctor reads it).
var VRRPDoctor = &Command{
	Name:     "vrrpdoctor",
	Summary:  "Check this host for what breaks VRRP; print each finding with the evidence read and the exact fix.",
	Synopsis: []string{"[-i IFACE]... [--config FILE] [--listen D] [--openstack] [--json] [-v]"},
	Doc: `
Firewalls dropping IP protocol 112, sysctls, multicast membership,
keepalived.conf mistakes, split brain on the wire, Neutron port filtering.
It never changes the host.

Reading iptables, nftables and netlink needs CAP_NET_ADMIN; --listen needs
CAP_NET_RAW. Instead of root:
  sudo setcap cap_net_admin,cap_net_raw+ep ./vrrpdoctor

Examples:
  vrrpdoctor                                  # interfaces from /etc/keepalived/keepalived.conf
  vrrpdoctor -i eth0 --listen 5s              # also watch the wire for 5 s
  vrrpdoctor --openstack --json | jq '.checks[] | select(.status=="fail")'
  ip netns exec lab1 vrrpdoctor -i eth0       # a host inside a network namespace

Colour is off with NO_COLOR or when stdout is not a terminal.`,
	Problem:   "a check failed",
	RunsAlone: true,
	Flags: []Flag{
		{Name: "i", Kind: String, Hint: "IFACE", Complete: CompleteInterface, Repeat: true,
			Usage: "VRRP interface to check (default: the interfaces in the config)"},
		{Name: "config", Kind: String, Hint: "FILE", Complete: CompleteFile, Default: "/etc/keepalived/keepalived.conf",
			Usage: "keepalived configuration"},
		{Name: "listen", Kind: Duration, Hint: "D", Usage: "capture VRRP for D and cross-check the wire"},
		{Name: "openstack", Kind: Bool, Usage: "check the Neutron ports of this host (OS_* variables or clouds.yaml)"},
		{Name: "json", Kind: Bool, Usage: `print {"checks": [...]} instead of the report`},
		{Name: "v", Kind: Bool, Usage: "print evidence for passing checks too"},
	},
}
