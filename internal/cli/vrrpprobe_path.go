package cli

// famFlags limit a path test to one family.
var famFlags = []Flag{
	{Name: "4", Kind: Bool, Usage: "IPv4 only"},
	{Name: "6", Kind: Bool, Usage: "IPv6 only"},
}

var probePath = &Command{
	Name:    "path",
	Summary: "Test, in both directions, whether the frames VRRP needs get from one node to the other.",
	Synopsis: []string{
		"listen -i IFACE [--vrid N] [--json]",
		"send -i IFACE PEER [PEER6] [--yes] [--json]",
		"send -i IFACE PEER [PEER6] --remote 'ssh root@B' [--remote-iface IF] --yes",
	},
	Doc: `
Start "path listen" on node B, then "path send" on node A; swap the roles
for the other direction, or let --remote run the listener and then the
sender on the peer (any command line that runs a program there: 'ssh
root@B', 'sudo ip netns exec ns') and get both directions from A.

The sender listens for --survey first and picks a VRID nobody on the link
uses (or --vrid N, refused when in use), then sends, a few frames a second,
--count copies of: a VRRPv3 advert to 224.0.0.18 / ff02::12 with TTL 255
from the interface's MAC; the same from the virtual MAC of that unused VRID;
a unicast advert to PEER (PEER6 for IPv6); an ARP probe (sender 0.0.0.0) and
a DAD neighbour solicitation (source ::) from the virtual MAC; a VRRPv2
advert (IPv4). Each frame carries an id. The listener records each on a
packet socket (what reached the interface) and on a raw socket of protocol
112 joined to the group (what a VRRP daemon gets, after the firewall), and
names what was lost, where, the likely cause and the fix: multicast dropped
while unicast passes (firewall, security group, IGMP snooping without a
querier), frames from the virtual MAC dropped (port security, forged
transmits), TTL below 255 (a router between the nodes), arrived at the
interface but not at the socket (this host's firewall), one-way loss.

Why it is harmless: routers ignore adverts for a VRID they do not run, and
the adverts carry priority 1; the virtual MAC is that of the unused VRID;
the ARP probe and the DAD probe come from an unspecified address, so no
neighbour cache learns from them, and ask for documentation addresses
nobody holds. Nothing is installed on the host. Without --yes the sender
prints exactly what it would send.

  vrrpprobe path listen -i eth0                       # on B
  vrrpprobe path send -i eth0 192.0.2.12 --yes        # on A
  vrrpprobe path send -i eth0 192.0.2.12 2001:db8:1::12 --remote 'ssh root@192.0.2.12' --yes`,
	Commands: []*Command{probePathListen, probePathSend},
}

var probePathListen = &Command{
	Name:     "listen",
	Summary:  "Record the test frames of a path test as they arrive, and judge that direction.",
	Synopsis: []string{"-i IFACE [--vrid N] [--duration D] [--json]"},
	Doc: `
Exit status 0 when every frame the sender says it sent arrived as sent, 1
when something was lost or changed on the way (or nothing arrived).`,
	Flags: append([]Flag{
		{Name: "i", Kind: String, Hint: "IFACE", Complete: CompleteInterface, Usage: "interface to listen on (required)"},
		{Name: "vrid", Kind: Int, Hint: "N", Default: "0", Usage: "the run to listen for; 0 takes the first one heard"},
		{Name: "duration", Kind: Duration, Hint: "D", Default: "2m", Usage: "give up after this long"},
		{Name: "quiet", Kind: Duration, Hint: "D", Default: "3s", Usage: "end this long after the last test frame"},
		{Name: "json", Kind: Bool, Usage: `print JSON lines: {"ready":true,...} once listening, then {"listen":...,"verdict":...}`},
		{Name: "stop-on-eof", Kind: Bool, Usage: "end when standard input closes (how --remote stops a listener over ssh)"},
	}, famFlags...),
}

var probePathSend = &Command{
	Name:         "send",
	Summary:      "Send the test frames of a path test to a peer (dry run unless --yes); with --remote, both directions.",
	Synopsis:     []string{"-i IFACE PEER [PEER6] [--vrid N] [--count N] [--rate N] [--remote CMD] [--json] [--yes]"},
	Args:         "PEER [PEER6]",
	Interspersed: true,
	Doc: `
PEER is the peer's address (the unicast advert goes there); PEER6 its IPv6
address for the IPv6 unicast advert (a global address is sent to from this
interface's global address). Without --remote the listener on the peer has
the verdict; with it, exit status 0 when both directions pass, 1 when
something was lost or changed on the way.`,
	Flags: append([]Flag{
		{Name: "i", Kind: String, Hint: "IFACE", Complete: CompleteInterface, Usage: "interface to send on (required)"},
		{Name: "vrid", Kind: Int, Hint: "N", Default: "0", Usage: "test VRID 1-255, refused when in use; default: the highest one nobody uses"},
		{Name: "survey", Kind: Duration, Hint: "D", Default: "3s", Usage: "listen this long for VRIDs in use before sending (a few advert intervals)"},
		{Name: "count", Kind: Int, Hint: "N", Default: "3", Usage: "copies of each frame, 1-31"},
		{Name: "rate", Kind: Float, Hint: "N", Default: "5", Usage: "frames per second, 1-50"},
		{Name: "remote", Kind: String, Hint: "CMD", Usage: "command line that runs a program on the peer ('ssh root@B'): test both directions from here"},
		{Name: "remote-iface", Kind: String, Hint: "IFACE", Usage: "the peer's interface for --remote (default: the same name as -i)"},
		{Name: "remote-vrrpprobe", Kind: String, Hint: "PATH", Default: "vrrpprobe", Usage: "vrrpprobe on the peer, for --remote"},
		{Name: "json", Kind: Bool, Usage: "print JSON"},
		{Name: "yes", Kind: Bool, Usage: "really send; without it only print what would be sent"},
	}, famFlags...),
}
