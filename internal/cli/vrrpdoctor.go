package cli

// VRRPDoctor is vrrpdoctor's command line (cmd/vrrpdoctor reads it).
var VRRPDoctor = &Command{
	Name:    "vrrpdoctor",
	Summary: "Check this host for what breaks VRRP; print each finding with the evidence read and the exact fix.",
	Synopsis: []string{"[-i IFACE]... [--config FILE] [--id ID] [--listen D] [--peer-config FILE] [--no-signal] [--openstack] [--json] [-v]",
		"--lint --config [NAME=]FILE... [--json] [-v]",
		"bundle [-o FILE] [--capture D] [-i IFACE]... [--since D] [--config FILE]"},
	Doc: `
Firewalls dropping IP protocol 112, sysctls, multicast membership,
keepalived.conf mistakes, split brain on the wire, Neutron port filtering,
and the daemons' own state: keepalived's instance states, effective
priorities, discard counters and unicast peers, FRR vrrpd's routers and
macvlans. It never changes the host's configuration.

keepalived writes its state only when signalled: vrrpdoctor sends the
signals keepalived --signum=JSON, DATA and STATS name, and keepalived
writes /tmp/keepalived.json, .data and .stats in its own /tmp (read
through /proc/PID/root, so systemd's PrivateTmp does not hide them). Those
three files are the only thing that changes; --no-signal reads the ones
already there. FRR is asked with vtysh -c 'show vrrp json'.

Reading iptables, nftables and netlink needs CAP_NET_ADMIN; --listen needs
CAP_NET_RAW. Instead of root:
  sudo setcap cap_net_admin,cap_net_raw+ep ./vrrpdoctor

Examples:
  vrrpdoctor                                  # interfaces from /etc/keepalived/keepalived.conf
  vrrpdoctor -i eth0 --listen 5s              # also watch the wire for 5 s
  vrrpdoctor --peer-config peer.conf          # what-if of track weights against the peer's priority
  vrrpdoctor --openstack --json | jq '.checks[] | select(.status=="fail")'
  ip netns exec lab1 vrrpdoctor -i eth0       # a host inside a network namespace
  vrrpdoctor --lint --config keepalived.conf  # the file alone, as keepalived reads it (no root)
  vrrpdoctor --lint --config h1=h1.conf --config h2=h2.conf   # two nodes side by side

Colour is off with NO_COLOR or when stdout is not a terminal.`,
	Problem:   "a check failed",
	RunsAlone: true,
	Modes:     []Mode{{"text", "the text report"}, {"json", "--json"}},
	Commands:  []*Command{DoctorBundle},
	Flags: []Flag{
		{Name: "i", Kind: String, Hint: "IFACE", Complete: CompleteInterface, Repeat: true,
			Usage: "VRRP interface to check (default: the interfaces in the config)"},
		{Name: "config", Kind: String, Hint: "[NAME=]FILE", Complete: CompleteFile, Repeat: true,
			Usage: "keepalived configuration (default /etc/keepalived/keepalived.conf); NAME=FILE is node NAME's, read with config id NAME: give one per node to compare them"},
		{Name: "id", Kind: String, Hint: "ID", Usage: "read the configuration as node ID does (keepalived -i: \"@ID\" lines; default the host name)"},
		{Name: "lint", Kind: Bool, Usage: "check only the configuration files, not this host (no root needed)"},
		{Name: "listen", Kind: Duration, Hint: "D", Usage: "capture VRRP for D and cross-check the wire"},
		{Name: "peer-config", Kind: String, Hint: "FILE", Complete: CompleteFile,
			Usage: "the other node's keepalived.conf, for its priorities when --listen does not show them"},
		{Name: "no-signal", Kind: Bool, Usage: "do not signal keepalived for its state dumps; read those already in its /tmp"},
		{Name: "openstack", Kind: Bool, Usage: "check the Neutron ports of this host (OS_* variables or clouds.yaml)"},
		{Name: "json", Kind: Bool, Usage: `print {"checks": [...]} instead of the report`},
		{Name: "v", Kind: Bool, Usage: "print evidence for passing checks too (--json always has it)", Modes: []string{"text"}},
	},
}

// DoctorBundle is "vrrpdoctor bundle".
var DoctorBundle = &Command{
	Name:     "bundle",
	Summary:  "Gather what a VRRP support case needs from this host into one .tar.gz with a manifest, secrets masked.",
	Synopsis: []string{"[-o FILE] [--capture D] [-i IFACE]... [--since D] [--config FILE]"},
	Doc: `
One .tar.gz with manifest.json and MANIFEST.txt first: vrrpdoctor's
report (text and JSON), keepalived.conf and the files it includes, the
daemons' state, ip -d -j link/addr/route/rule/neigh and multicast groups,
the nft and iptables rulesets, the sysctls VRRP depends on, the keepalived
and FRR journal, and with --capture a capture with vrrpdump's summary and
HTML report.

It changes nothing on the host: it reads files and runs commands that only
show state (it does not signal keepalived for a state dump). Secrets are
masked as ******** before anything is written: auth_pass (PASS and AH),
passwords, tokens and application credential secrets (OS_PASSWORD=...,
clouds.yaml), SNMP communities, and VRRPv2 passwords in the capture.

Examples:
  sudo vrrpdoctor bundle                                  # vrrp-bundle-HOST-TIME.tar.gz here
  sudo vrrpdoctor bundle -o /tmp/case.tar.gz --capture 30s -i eth0`,
	Flags: []Flag{
		{Name: "o", Kind: String, Hint: "FILE", Complete: CompleteFile,
			Usage: "write the bundle to FILE (default vrrp-bundle-HOST-TIME.tar.gz; an existing file is not overwritten)"},
		{Name: "capture", Kind: Duration, Hint: "D", Usage: "also capture VRRP for D (30s) with vrrpdump's summary and report"},
		{Name: "since", Kind: Duration, Hint: "D", Default: "30m", Usage: "journal of the last D"},
		{Name: "i", Kind: String, Hint: "IFACE", Complete: CompleteInterface, Repeat: true,
			Usage: "interface for the doctor's checks and the capture (capture default: any)"},
		{Name: "config", Kind: String, Hint: "FILE", Complete: CompleteFile, Default: "/etc/keepalived/keepalived.conf",
			Usage: "keepalived configuration"},
	},
}
