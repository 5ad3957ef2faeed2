package cli

// VRRPDump is vrrpdump's command line (package dump reads it).
var VRRPDump = &Command{
	Name:     "vrrpdump",
	Summary:  "Watch VRRP (v2 and v3, IPv4 and IPv6, keepalived and FRR) and say what is wrong.",
	Synopsis: []string{"(-i IFACE | -r FILE) [flags] [expression]"},
	Doc: `
Split-brain, failover and its timing, mismatched intervals, VIPs, auth or
versions, VRID collisions, missing gratuitous ARP: each finding comes with
its cause and fix.

  vrrpdump -r capture.pcap                summary of a capture (tcpdump -w / tshark -w)
  sudo vrrpdump -i eth0 --lines           one line per advert and per finding
  vrrpdump -i eth0 --json -w vrrp.pcap    NDJSON for machines, and keep the frames
  vrrpdump -r capture.pcap host 192.0.2.11   only what tcpdump's "host 192.0.2.11" lets through

An expression in tcpdump's language (pcap-filter(7)) narrows what is read,
live and from a file, as tcpdump does: host, net, src, dst, ip, ip6, arp,
proto, vrrp, ah, icmp6, ether host/src/dst, vlan, and, or, not. It applies
to the IP packet whether the frame is VLAN-tagged or not ("vlan 10" tests
the tag without shifting the rest). What vrrpkit does not compile itself
(ports, host names) is compiled by tcpdump -ddd when tcpdump is installed.

Live capture needs CAP_NET_RAW rather than root:
  sudo setcap cap_net_raw=ep $(command -v vrrpdump)`,
	Args:    "[expression]",
	Problem: "an error finding (split-brain, master-down, ...)",
	Incomplete: "the capture file could not be read to its end (cut short, a corrupt record): " +
		"everything before the break is in the output, and the message says where and why it stopped",
	Modes: []Mode{
		{"live", "live capture (-i)"},
		{"file", "reading a file (-r)"},
		{"replay", "a replay into the screen (-r FILE --tui)"},
		{"text", "the text outputs (--summary, --lines, --json)"},
	},
	Flags: []Flag{
		{Name: "i", Kind: String, Hint: "IFACE", Complete: CompleteInterface, Repeat: true,
			Usage: `capture live on IFACE ("any" for all; several with --metrics)`},
		{Name: "r", Kind: String, Hint: "FILE", Complete: CompleteFile,
			Usage: `read a pcap or pcapng FILE, plain or gzip-compressed ("-" for standard input)`},
		{Name: "w", Kind: String, Hint: "FILE", Complete: CompleteFile, Usage: "also write every frame read to a pcap FILE"},
		{Name: "C", Kind: Int, Hint: "N", Usage: "with -w: start a new file when the current one would pass N million bytes (FILE, FILE1, FILE2, ... as tcpdump)"},
		{Name: "G", Kind: Int, Hint: "S", Usage: "with -w: start a new file every S seconds (of capture time)"},
		{Name: "W", Kind: Int, Hint: "N", Usage: "with -C or -G: keep the newest N files only, named FILE0 ... FILE(N-1) in turn (tcpdump's ring)"},
		{Name: "c", Kind: Int, Hint: "N", Usage: "stop after N adverts"},
		{Name: "duration", Kind: Duration, Hint: "D", Modes: []string{"live"}, Usage: "stop after D (e.g. 30s)"},
		{Name: "lines", Kind: Bool, Usage: "one line per advert and per finding (default when not a terminal)"},
		{Name: "json", Kind: Bool, Usage: "NDJSON: one object per advert, finding and the final summary"},
		{Name: "summary", Kind: Bool, Usage: "a table of groups, incidents and findings at the end (default with -r); with --lines, after the lines"},
		{Name: "tui", Kind: Bool, Usage: "the interactive screen (default for -i on a terminal); with -r, replay into it"},
		{Name: "show-auth", Kind: Bool, Usage: "print VRRPv2 passwords in clear (masked by default)"},
		{Name: "promisc", Kind: Bool, Modes: []string{"live"},
			Usage: "put the interface in promiscuous mode (needed for unicast adverts between other hosts)"},
		{Name: "speed", Kind: Float, Hint: "N", Modes: []string{"replay"},
			Usage: "replay at N times real time (default: as fast as possible)"},
		{Name: "metrics", Kind: String, Hint: "ADDR", Modes: []string{"live"},
			Usage: "serve Prometheus metrics on ADDR (e.g. 127.0.0.1:9724), headless"},
		{Name: "report", Kind: String, Hint: "FILE", Complete: CompleteFile, Modes: []string{"text"},
			Usage: "write an HTML report (timelines, findings, routers) to FILE when the run ends"},
		{Name: "ring", Kind: Duration, Hint: "D", Modes: []string{"text"},
			Usage: "flight recorder: keep the last D of VRRP, ARP and NDP frames in memory (at most 64 MiB); with --save"},
		{Name: "save", Kind: String, Hint: "DIR", Complete: CompleteDir, Modes: []string{"text"},
			Usage: "with --ring: on each error finding write a pcap from D before to 5 s after it, and the report so far, to DIR"},
		// tcpdump's habits, accepted with their nearest meaning.
		{Name: "n", Kind: Bool, Usage: "as tcpdump: no name resolution (vrrpdump never resolves names)"},
		{Name: "nn", Kind: Bool, Single: true, Usage: "as tcpdump: no name or port resolution (vrrpdump never resolves either)"},
		{Name: "v", Kind: Bool, Usage: "as tcpdump: verbose (every advert line already carries TTL, interval, auth and addresses)"},
		{Name: "vv", Kind: Bool, Single: true, Usage: "as tcpdump: more verbose (as -v)"},
		{Name: "vvv", Kind: Bool, Single: true, Usage: "as tcpdump: even more verbose (as -v)"},
		{Name: "e", Kind: Bool, Modes: []string{"text"}, Usage: "as tcpdump: print the source and destination MAC on each advert line"},
		{Name: "l", Kind: Bool, Modes: []string{"text"}, Usage: "as tcpdump: write each line as it is made, also into a pipe (vrrpdump -i eth0 -l | grep ...)"},
		{Name: "p", Kind: Bool, Usage: "as tcpdump: do not put the interface in promiscuous mode (the default; see --promisc)"},
		{Name: "s", Kind: Int, Hint: "N", Usage: "as tcpdump: snap length; accepted and ignored, vrrpdump keeps whole VRRP, ARP and NDP frames"},
		{Name: "U", Kind: Bool, Usage: "as tcpdump: write -w FILE packet by packet (every frame is flushed to FILE as it is read)"},
		{Name: "log", Kind: String, Hint: "[NAME=]FILE", Complete: CompleteFile, Repeat: true,
			Usage: "set a keepalived or FRR log (syslog, journalctl -o short-iso or -o json) against the wire; NAME the router's address or host name"},
	},
}
