package doctor_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/vrrpkit/vrrpkit/doctor"
)

var (
	group = netip.MustParseAddr("224.0.0.18")
	peer  = netip.MustParseAddr("192.0.2.12")
	self  = netip.MustParseAddr("192.0.2.11")
)

func TestIPTablesEvaluate(t *testing.T) {
	in := doctor.Probe{Dir: doctor.In, Iface: "eth0", Dst: group}
	uni := doctor.Probe{Dir: doctor.In, Iface: "eth0", Src: peer, Dst: self}
	out := doctor.Probe{Dir: doctor.Out, Iface: "eth0", Src: self, Dst: group}
	cases := []struct {
		name    string
		save    string
		probe   doctor.Probe
		accept  bool
		rule    string // substring of the deciding rule
		unknown bool   // an uncertain rule is reported
	}{
		{"policy-accept", "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n", in, true, "policy ACCEPT", false},
		{"policy-drop", "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n", in, false, "policy DROP", false},
		{"accept-after-drop", "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p vrrp -j DROP\n-A INPUT -p vrrp -j ACCEPT\nCOMMIT\n", in, false, "-A INPUT -p vrrp -j DROP", false},
		{"numeric-proto", "*filter\n:INPUT DROP [0:0]\n-A INPUT -i eth0 -p 112 -j ACCEPT\nCOMMIT\n", in, true, "-p 112", false},
		{"other-iface", "*filter\n:INPUT DROP [0:0]\n-A INPUT -i eth1 -p vrrp -j ACCEPT\nCOMMIT\n", in, false, "policy DROP", false},
		{"iface-wildcard", "*filter\n:INPUT DROP [0:0]\n-A INPUT -i eth+ -p vrrp -j ACCEPT\nCOMMIT\n", in, true, "eth+", false},
		{"negated-source", "*filter\n:INPUT DROP [0:0]\n-A INPUT ! -s 192.0.2.12/32 -p vrrp -j ACCEPT\nCOMMIT\n", uni, false, "policy DROP", false},
		{"peer-source", "*filter\n:INPUT DROP [0:0]\n-A INPUT -s 192.0.2.0/24 -p vrrp -j ACCEPT\nCOMMIT\n", uni, true, "-s 192.0.2.0/24", false},
		{"established-only", "*filter\n:INPUT DROP [0:0]\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\nCOMMIT\n", in, false, "policy DROP", false},
		{"ctstate-new", "*filter\n:INPUT DROP [0:0]\n-A INPUT -p vrrp -m conntrack --ctstate NEW -j ACCEPT\nCOMMIT\n", in, true, "NEW", false},
		{"user-chain-return", "*filter\n:INPUT DROP [0:0]\n:V - [0:0]\n-A INPUT -j V\n-A INPUT -p vrrp -j ACCEPT\n-A V -p tcp -j DROP\n-A V -j RETURN\nCOMMIT\n", in, true, "-A INPUT -p vrrp -j ACCEPT", false},
		{"user-chain-drop", "*filter\n:INPUT ACCEPT [0:0]\n:V - [0:0]\n-A INPUT -i eth0 -j V\n-A V -d 224.0.0.18/32 -j DROP\nCOMMIT\n", in, false, "-A V -d 224.0.0.18/32 -j DROP", false},
		{"unknown-match-drop", "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m set --match-set blocked src -j DROP\nCOMMIT\n", in, true, "policy ACCEPT", true},
		{"reject-output", "*filter\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -o eth0 -p vrrp -j REJECT --reject-with icmp-port-unreachable\nCOMMIT\n", out, false, "REJECT", false},
		{"pkttype-multicast", "*filter\n:INPUT DROP [0:0]\n-A INPUT -m pkttype --pkt-type multicast -j ACCEPT\nCOMMIT\n", in, true, "pkt-type", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs, err := doctor.ParseIPTablesSave("iptables-legacy", false, []byte(c.save))
			if err != nil {
				t.Fatal(err)
			}
			v, ok := rs.Evaluate(c.probe)
			if !ok {
				t.Fatal("no chain evaluated")
			}
			if v.Accepted != c.accept || !strings.Contains(v.Rule, c.rule) {
				t.Errorf("%s: got %s, want accepted=%t by a rule with %q", c.probe, v.Decides(), c.accept, c.rule)
			}
			if (len(v.Uncertain) > 0) != c.unknown {
				t.Errorf("uncertain rules %q, want some: %t", v.Uncertain, c.unknown)
			}
			if !v.Accepted && !strings.Contains(v.Fix, "-p vrrp") {
				t.Errorf("fix %q does not accept vrrp", v.Fix)
			}
		})
	}
}

func TestNFTEvaluate(t *testing.T) {
	in := doctor.Probe{Dir: doctor.In, Iface: "eth0", Dst: group}
	in6 := doctor.Probe{Dir: doctor.In, Iface: "eth0", Dst: netip.MustParseAddr("ff02::12")}
	// Rulesets as nft -j list ruleset prints them (trimmed to the objects).
	const head = `{"nftables":[{"table":{"family":"inet","name":"f","handle":1}},`
	cases := []struct {
		name   string
		json   string
		probe  doctor.Probe
		accept bool
		where  string
	}{
		{"set-of-protocols", head + `{"chain":{"family":"inet","table":"f","name":"in","handle":1,"type":"filter","hook":"input","prio":0,"policy":"drop"}},
			{"rule":{"family":"inet","table":"f","chain":"in","handle":3,"expr":[{"match":{"op":"==","left":{"meta":{"key":"l4proto"}},"right":{"set":["tcp","vrrp"]}}},{"accept":null}]}}]}`, in, true, "handle 3"},
		{"ip-protocol-does-not-match-ipv6", head + `{"chain":{"family":"inet","table":"f","name":"in","handle":1,"type":"filter","hook":"input","prio":0,"policy":"drop"}},
			{"rule":{"family":"inet","table":"f","chain":"in","handle":3,"expr":[{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"protocol"}},"right":"vrrp"}},{"accept":null}]}}]}`, in6, false, "policy drop"},
		{"jump-then-drop", head + `{"chain":{"family":"inet","table":"f","name":"in","handle":1,"type":"filter","hook":"input","prio":0,"policy":"accept"}},
			{"chain":{"family":"inet","table":"f","name":"sub","handle":2}},
			{"rule":{"family":"inet","table":"f","chain":"in","handle":3,"expr":[{"match":{"op":"==","left":{"meta":{"key":"iifname"}},"right":"eth*"}},{"jump":{"target":"sub"}}]}},
			{"rule":{"family":"inet","table":"f","chain":"sub","handle":4,"expr":[{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"daddr"}},"right":{"prefix":{"addr":"224.0.0.0","len":24}}}},{"drop":null}]}}]}`, in, false, "handle 4"},
		{"second-base-chain-drops", head + `{"chain":{"family":"inet","table":"f","name":"a","handle":1,"type":"filter","hook":"input","prio":-10,"policy":"accept"}},
			{"chain":{"family":"inet","table":"f","name":"b","handle":2,"type":"filter","hook":"input","prio":10,"policy":"drop"}},
			{"rule":{"family":"inet","table":"f","chain":"a","handle":3,"expr":[{"match":{"op":"==","left":{"meta":{"key":"l4proto"}},"right":112}},{"accept":null}]}}]}`, in, false, "inet f b"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, err := doctor.ParseNFT([]byte(c.json), nil)
			if err != nil {
				t.Fatal(err)
			}
			v, ok := n.Evaluate(c.probe)
			if !ok {
				t.Fatal("no base chain evaluated")
			}
			if v.Accepted != c.accept || !strings.Contains(v.Where+" "+v.Rule, c.where) {
				t.Errorf("%s: got %s, want accepted=%t at %q", c.probe, v.Decides(), c.accept, c.where)
			}
		})
	}
}
