package cli

// VRRPProbe is vrrpprobe's command line (cmd/vrrpprobe reads it).
var VRRPProbe = &Command{
	Name:    "vrrpprobe",
	Summary: "Look at and take part in VRRP groups on a live link.",
	Synopsis: []string{
		"owner -i IFACE VIP [-c N] [--timeout D] [--json]",
		"speak -i IFACE --vrid N --priority P [--vip ADDR...] [flags] [--yes]",
		"failover -i IFACE --vrid N [--hold D] [--claim] [--yes]",
		"cleanup [-i IFACE] [-n] [--orphans] [--json]",
		"path listen|send -i IFACE [PEER] [--yes]",
	},
	Doc: `
It needs raw sockets: run it as root or give the binary the capability
  setcap cap_net_raw,cap_net_admin+ep ./vrrpprobe
(cap_net_admin only for speak --install-vips and --vmac; it passes both on
to the nft or iptables it runs to drop packets to the VIPs without --accept).

Nothing is sent unless an interface is named with -i; speak and failover
only listen and print what they would do unless --yes is given. speak
takes the group's version, interval, VIPs and authentication from the wire
and refuses flags that contradict it. The VRRPv2 password comes from
--auth-pass-file, $VRRPPROBE_AUTH_PASS or a prompt without echo. With
--json, stdout carries only JSON. cleanup removes what a killed speaker
left (addresses, macvlan, firewall table).

Examples:
  vrrpprobe owner -i eth0 192.0.2.100
  vrrpprobe speak -i eth0 --vrid 51 --priority 100
  vrrpprobe speak -i eth0 --vrid 51 --priority 100 --auth-pass-file /etc/vrrpprobe.pass --yes
  vrrpprobe failover -i eth0 --vrid 51 --hold 10s --yes
  vrrpprobe cleanup -i eth0
  vrrpprobe path send -i eth0 192.0.2.12 --remote 'ssh root@192.0.2.12' --yes`,
	Problem:  "a negative answer (no owner or several, a drill that failed)",
	Commands: []*Command{probeOwner, probeSpeak, probeFailover, probeCleanup, probePath},
}

// authFlags give a group's VRRPv2 password (speak, failover).
var authFlags = []Flag{
	{Name: "auth-pass-file", Kind: String, Hint: "FILE", Complete: CompleteFile,
		Usage: "read the VRRPv2 password (auth_type PASS) from the first line of FILE; or set VRRPPROBE_AUTH_PASS; a terminal is asked without echo"},
	{Name: "auth-pass", Kind: String, Hint: "PASS",
		Usage: "the VRRPv2 password on the command line (every user sees it in ps: prefer --auth-pass-file)"},
}

var probeOwner = &Command{
	Name:         "owner",
	Summary:      "Ask who answers ARP / neighbour solicitations for a virtual address, and which router is master.",
	Synopsis:     []string{"-i IFACE VIP [-c N] [--timeout D] [--json]"},
	Args:         "VIP",
	Interspersed: true,
	Doc: `
Exit status 1 when no host or several hosts answer for VIP.

  vrrpprobe owner -i eth0 192.0.2.100`,
	Flags: []Flag{
		{Name: "i", Kind: String, Hint: "IFACE", Complete: CompleteInterface, Usage: "interface to ask on (required)"},
		{Name: "c", Kind: Int, Hint: "N", Default: "3", Usage: "requests to send (1-100)"},
		{Name: "timeout", Kind: Duration, Hint: "D", Default: "1s", Usage: "how long to listen after the last request (and for VRRP adverts)"},
		{Name: "json", Kind: Bool, Usage: "print JSON"},
	},
}

var probeSpeak = &Command{
	Name:         "speak",
	Summary:      "Join a group as a VRRP router of its own (RFC 5798 state machine): listen first, dry run unless --yes.",
	Synopsis:     []string{"-i IFACE --vrid N --priority P [--vip ADDR...] [flags] [--yes]"},
	Args:         "[VIP...]",
	Interspersed: true,
	Doc: `
  vrrpprobe speak -i eth0 --vrid 51 --priority 100
  vrrpprobe speak -i eth0 --vrid 51 --priority 100 --auth-pass-file /etc/vrrpprobe.pass --yes`,
	Flags: append([]Flag{
		{Name: "i", Kind: String, Hint: "IFACE", Complete: CompleteInterface, Usage: "interface to speak on (required)"},
		{Name: "vrid", Kind: Int, Hint: "N", Usage: "virtual router id 1-255 (required)"},
		{Name: "priority", Kind: Int, Hint: "P", Usage: "priority 1-255; 255 claims to own the addresses (required)"},
		{Name: "vip", Kind: String, Hint: "ADDR", Repeat: true, Usage: "virtual address (or a,b); all of one family; default: the group's, as heard"},
		{Name: "6", Kind: Bool, Usage: "without --vip: join the IPv6 router of the VRID (default IPv4)"},
		{Name: "version", Kind: Int, Hint: "2|3", Complete: "2 3",
			Usage: "VRRP version 2 (RFC 3768, IPv4) or 3 (RFC 5798); default: the group's, as heard (3 if none)"},
		{Name: "interval", Kind: Duration, Hint: "D", Usage: "advertisement interval; default: the group's, as heard (1s if none)"},
		{Name: "listen", Kind: Duration, Hint: "D",
			Usage: "how long to listen for the group before speaking (default: until it is heard, at most two Master_Down_Intervals)"},
		{Name: "force", Kind: Bool, Usage: "speak as the flags say even where the group on the wire disagrees (makes a second master)"},
		{Name: "unicast-peer", Kind: String, Hint: "ADDR", Repeat: true,
			Usage: "send to this peer instead of the multicast group, keepalived's unicast_peer"},
		{Name: "nopreempt", Kind: Bool, Usage: "do not take over from a master of lower priority"},
		{Name: "accept", Kind: Bool,
			Usage: "Accept_Mode: as master, accept packets to the VIPs; without it --install-vips has nft (or iptables) drop them, unless priority is 255"},
		{Name: "install-vips", Kind: Bool, Usage: "add the VIPs to the interface while master (needs cap_net_admin)"},
		{Name: "vmac", Kind: Bool, Usage: "speak from a macvlan with the virtual MAC 00:00:5e:00:0{1,2}:VRID (needs cap_net_admin)"},
		{Name: "json", Kind: Bool, Usage: "print events as NDJSON on stdout (log lines go to stderr)"},
		{Name: "yes", Kind: Bool, Usage: "really send; without it listen, print what would happen, and end"},
	}, authFlags...),
}

var probeFailover = &Command{
	Name:     "failover",
	Summary:  "Drill a failover: take a group over for a while and check on the wire how it comes back; dry run unless --yes.",
	Synopsis: []string{"-i IFACE --vrid N [--hold D] [--claim] [--yes]"},
	Doc: `
  vrrpprobe failover -i eth0 --vrid 51            # the plan
  vrrpprobe failover -i eth0 --vrid 51 --yes      # the drill`,
	Flags: append([]Flag{
		{Name: "i", Kind: String, Hint: "IFACE", Complete: CompleteInterface, Usage: "interface (required)"},
		{Name: "vrid", Kind: Int, Hint: "N", Usage: "virtual router id of the group to drill (required)"},
		{Name: "6", Kind: Bool, Usage: "drill the IPv6 router of the VRID (default IPv4)"},
		{Name: "hold", Kind: Duration, Hint: "D", Default: "10s", Usage: "how long to hold the group"},
		{Name: "listen", Kind: Duration, Hint: "D", Usage: "how long to listen to learn the group (default 3 intervals, at least 3s)"},
		{Name: "claim", Kind: Bool, Usage: "send gratuitous ARP / NA for the VIPs when taking over"},
		{Name: "yes", Kind: Bool, Usage: "run the drill; without it only print the plan"},
		{Name: "json", Kind: Bool, Usage: "print the report as one JSON object on stdout (progress goes to stderr)"},
	}, authFlags...),
}

var probeCleanup = &Command{
	Name:     "cleanup",
	Summary:  "Remove what a killed speaker left: addresses, macvlan, firewall table.",
	Synopsis: []string{"[-i IFACE] [-n] [--orphans] [--json]"},
	Flags: []Flag{
		{Name: "i", Kind: String, Hint: "IFACE", Complete: CompleteInterface,
			Usage: "only what speakers on this interface left (default: every interface)"},
		{Name: "n", Kind: Bool, Usage: "list what dead speakers left, remove nothing"},
		{Name: "orphans", Kind: Bool,
			Usage: "also remove macvlans, nft tables and iptables chains with a speaker's name that no state file lists (listed without it)"},
		{Name: "json", Kind: Bool, Usage: "print one JSON object"},
	},
}
