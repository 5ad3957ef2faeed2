package path

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/probe"
)

// Status is the outcome of one kind of frame in one direction.
type Status string

// Outcomes, best first.
const (
	StatusPass       Status = "pass"        // every frame arrived as sent
	StatusTTL        Status = "ttl"         // arrived with TTL / hop limit below 255: routed
	StatusLossy      Status = "lossy"       // some copies lost on the way
	StatusFirewall   Status = "firewall"    // reached the interface, not the daemon's socket
	StatusDropped    Status = "dropped"     // none reached the receiver's interface
	StatusSenderDrop Status = "sender-drop" // none left the sender's interface
	StatusNotSent    Status = "not-sent"    // the sender's socket refused them
)

// Row is one kind of frame of one family in one direction.
type Row struct {
	Family decode.Family `json:"family"`
	Kind   Kind          `json:"kind"`
	Name   string        `json:"name"`
	Sent   int           `json:"sent"`
	Left   int           `json:"left"`   // seen leaving the sender; -1 when it did not watch
	Wire   int           `json:"wire"`   // distinct frames that reached the receiver's interface
	Socket int           `json:"socket"` // distinct frames its raw IP socket got; -1 for probes
	Dups   int           `json:"duplicates"`
	// Refused counts frames the sender's own firewall refused at the
	// socket (they never left).
	Refused int `json:"refused"`
	// Reflected counts copies that came back to the sender.
	Reflected int      `json:"reflected"`
	TTLs      []uint8  `json:"ttl"`     // distinct TTL / hop limits on arrival
	SrcMACs   []string `json:"src_mac"` // distinct Ethernet sources on arrival
	SentMAC   string   `json:"sent_mac"`
	Status    Status   `json:"status"`
}

// Finding is one pattern of loss with its cause and fix.
type Finding struct {
	ID      string        `json:"id"`
	Family  decode.Family `json:"family"`
	Summary string        `json:"summary"`
	Cause   string        `json:"cause"`
	Fix     string        `json:"fix"`
}

// Verdict is the result of one direction.
type Verdict struct {
	From     string    `json:"from"`
	To       string    `json:"to"`
	VRID     uint8     `json:"vrid"`
	Rows     []Row     `json:"rows"`
	Findings []Finding `json:"findings"`
	// Expected: the listener judged alone, from what the frames said was
	// sent, without the sender's log.
	Expected bool `json:"expected,omitempty"`
}

// Pass reports whether every frame arrived as sent, and nothing else is
// wrong (duplicates, rewritten MACs).
func (v *Verdict) Pass() bool {
	if len(v.Findings) > 0 {
		return false
	}
	for _, r := range v.Rows {
		if r.Status != StatusPass {
			return false
		}
	}
	return len(v.Rows) > 0
}

// Failed reports whether the sender could not send (the tool failed rather
// than the path).
func (v *Verdict) Failed() bool {
	for _, r := range v.Rows {
		if r.Status == StatusNotSent {
			return true
		}
	}
	return false
}

// Expect returns what a run must have sent, from what its frames say
// (Sends, and the highest copy number heard), for a listener that judges
// without the sender's log. Frames the run sent after the last one heard
// are not known.
func Expect(h *ListenLog) *SendLog {
	s := &SendLog{VRID: h.VRID, Sends: h.Sends}
	count := uint8(0)
	for _, x := range h.Heard {
		count = max(count, x.Seq)
	}
	for seq := uint8(1); seq <= count; seq++ {
		for _, fam := range []decode.Family{decode.IPv4, decode.IPv6} {
			if fam == decode.IPv4 && !h.Sends.Has(SendsIPv4) || fam == decode.IPv6 && !h.Sends.Has(SendsIPv6) {
				continue
			}
			for _, k := range Kinds(fam) {
				if k == KindUnicast && (fam == decode.IPv4 && !h.Sends.Has(SendsUnicast4) || fam == decode.IPv6 && !h.Sends.Has(SendsUnicast6)) {
					continue
				}
				id := ID{VRID: h.VRID, Family: fam, Kind: k, Seq: seq}
				sent := Sent{ID: id}
				if !k.Kernel() {
					sent.SrcMAC = probe.VirtualMAC(fam, h.VRID).String()
				}
				s.Frames = append(s.Frames, sent)
			}
		}
	}
	return s
}

// Judge compares what a sender sent with what the listener heard and
// names each pattern of loss with its cause and fix. from and to label the
// two nodes in the text ("A (192.0.2.11)").
func Judge(from, to string, s *SendLog, h *ListenLog) *Verdict {
	v := &Verdict{From: from, To: to, VRID: s.VRID}
	heard := map[ID]Heard{}
	if h.VRID == s.VRID {
		for _, x := range h.Heard {
			heard[x.ID] = x
		}
	}
	type key struct {
		fam  decode.Family
		kind Kind
	}
	rows := map[key]*Row{}
	var order []key
	for _, f := range s.Frames {
		k := key{f.Family, f.Kind}
		r := rows[k]
		if r == nil {
			r = &Row{Family: f.Family, Kind: f.Kind, Name: f.Kind.Name(f.Family), Left: -1, Socket: -1, SentMAC: f.SrcMAC}
			if s.Watched {
				r.Left = 0
			}
			if f.Kind.Advert() {
				r.Socket = 0
			}
			if r.SentMAC == "" && f.Kind.Kernel() {
				r.SentMAC = s.MAC
			}
			rows[k] = r
			order = append(order, k)
		}
		if f.Err != "" && !f.Refused {
			continue
		}
		r.Sent++
		if f.Refused {
			r.Refused++
			continue
		}
		if s.Watched && f.Left {
			r.Left++
		}
		r.Reflected += f.Reflected
		x, ok := heard[f.ID]
		if !ok {
			continue
		}
		if x.Wire > 0 {
			r.Wire++
			r.Dups += x.Wire - 1
			if f.Kind != KindProbe || f.Family == decode.IPv6 {
				if !slices.Contains(r.TTLs, x.TTL) {
					r.TTLs = append(r.TTLs, x.TTL)
				}
			}
			if x.SrcMAC != "" && !slices.Contains(r.SrcMACs, x.SrcMAC) {
				r.SrcMACs = append(r.SrcMACs, x.SrcMAC)
			}
		}
		if x.Socket > 0 && r.Socket >= 0 {
			r.Socket++
			if x.Wire == 0 && !slices.Contains(r.TTLs, x.SocketTTL) {
				r.TTLs = append(r.TTLs, x.SocketTTL)
			}
		}
	}
	slices.SortFunc(order, func(a, b key) int {
		if a.fam != b.fam {
			return int(a.fam) - int(b.fam)
		}
		return int(a.kind) - int(b.kind)
	})
	for _, k := range order {
		r := rows[k]
		slices.Sort(r.TTLs)
		r.Status = status(r)
		v.Rows = append(v.Rows, *r)
	}
	for _, fam := range []decode.Family{decode.IPv4, decode.IPv6} {
		v.Findings = append(v.Findings, findings(from, to, s, fam, v.Rows)...)
	}
	return v
}

// status is a row's outcome.
func status(r *Row) Status {
	// Wire counts what the packet socket saw; a raw socket copy without
	// one (a listener without a packet socket) still proves arrival.
	arrived := max(r.Wire, r.Socket)
	switch {
	case r.Sent == 0:
		return StatusNotSent
	case (r.Left == 0 || r.Refused == r.Sent) && arrived == 0:
		return StatusSenderDrop
	case arrived == 0:
		return StatusDropped
	case r.Kind.Advert() && r.Socket == 0:
		return StatusFirewall
	case slices.ContainsFunc(r.TTLs, func(t uint8) bool { return t != 255 }):
		return StatusTTL
	case arrived < expected(r) || r.Socket >= 0 && r.Socket < r.Wire:
		return StatusLossy
	}
	return StatusPass
}

// expected is how many frames of a row should have arrived: those that
// left the sender, or those sent when it did not watch.
func expected(r *Row) int {
	if r.Left >= 0 {
		return r.Left
	}
	return r.Sent - r.Refused
}

// findings names the patterns of one family's rows.
func findings(from, to string, s *SendLog, fam decode.Family, all []Row) []Finding {
	rows := map[Kind]*Row{}
	for i := range all {
		if all[i].Family == fam {
			rows[all[i].Kind] = &all[i]
		}
	}
	if len(rows) == 0 {
		return nil
	}
	var out []Finding
	add := func(id, summary, cause, fix string) {
		out = append(out, Finding{ID: id, Family: fam, Summary: summary, Cause: cause, Fix: fix})
	}
	arrived := func(k Kind) bool {
		r := rows[k]
		return r != nil && max(r.Wire, r.Socket) > 0
	}
	lost := func(k Kind) bool {
		r := rows[k]
		return r != nil && (r.Status == StatusDropped)
	}
	group, proto := "224.0.0.18", "IP protocol 112"
	arp, ipt := "ARP probes", "iptables"
	if fam == decode.IPv6 {
		group, arp, ipt = "ff02::12", "neighbour solicitations", "ip6tables"
	}
	vmac := probe.VirtualMAC(fam, s.VRID).String()

	var sender []string
	for _, k := range []Kind{KindGroup, KindUnicast, KindV2} {
		if r := rows[k]; r != nil && r.Status == StatusSenderDrop {
			sender = append(sender, r.Name)
		}
	}
	if len(sender) > 0 {
		add("sender-firewall",
			fmt.Sprintf("%s %s adverts (%s) never left %s's interface", fam, proto, strings.Join(sender, ", "), from),
			fmt.Sprintf("%s's own firewall drops VRRP on output (nftables/iptables output chain), so its daemon's adverts never reach the wire", from),
			fmt.Sprintf("on %s allow VRRP out: nft add rule inet filter output meta l4proto vrrp accept, or %s -I OUTPUT -p vrrp -j ACCEPT", from, ipt))
	}

	any := false
	for _, r := range rows {
		if max(r.Wire, r.Socket) > 0 {
			any = true
		}
	}
	if !any {
		if len(sender) < len(rows) {
			add("nothing-arrived",
				fmt.Sprintf("no %s test frame from %s reached %s", fam, from, to),
				"the two interfaces are not on one layer-2 segment (another VLAN or bridge domain, a routed hop that drops link-local multicast), the wrong peer or interface was named, or a filter drops everything from this sender",
				"check that both interfaces are in the same VLAN / network, then run the test the other way: loss in one direction only points at the receiving side's port or filter")
		}
		return out
	}

	var ttls []string
	for _, k := range []Kind{KindGroup, KindGroupVMAC, KindUnicast, KindV2, KindProbe} {
		if r := rows[k]; r != nil {
			for _, t := range r.TTLs {
				if t != 255 && !slices.Contains(ttls, strconv.Itoa(int(t))) {
					ttls = append(ttls, strconv.Itoa(int(t)))
				}
			}
		}
	}
	routed := len(ttls) > 0
	if routed {
		add("not-one-segment",
			fmt.Sprintf("%s adverts from %s arrive at %s with TTL / hop limit %s, not 255", fam, from, to, strings.Join(ttls, ", ")),
			"there is a router between the two nodes: they are not on one layer-2 segment; RFC 5798 7.1 has a receiver discard any advert whose TTL / hop limit is not 255, so a strict one drops these even as unicast, and the multicast group does not cross a router at all",
			"put both nodes on one layer-2 segment (same VLAN / bridge domain); VRRP is not meant to be routed")
	}

	switch {
	case routed:
	case lost(KindGroup) && arrived(KindUnicast):
		add("multicast-dropped",
			fmt.Sprintf("multicast VRRP from %s is dropped on the way to %s while unicast passes", from, to),
			fmt.Sprintf("a firewall, ACL or security group lets unicast %s through but not the group %s, or IGMP/MLD snooping without a querier has the switch stop forwarding the group", proto, group),
			fmt.Sprintf("use unicast_peer (keepalived) / unicast adverts on both nodes, or allow %s to %s, or enable an IGMP/MLD querier on the VLAN (or turn snooping off)", proto, group))
	case lost(KindGroup) && (lost(KindUnicast) || rows[KindUnicast] == nil) && arrived(KindProbe):
		what := "multicast and unicast alike"
		if rows[KindUnicast] == nil {
			what = "to the group (no unicast advert was sent: give the peer's address to test unicast)"
		}
		add("vrrp-dropped",
			fmt.Sprintf("VRRP adverts from %s are dropped on the way to %s, %s, while %s pass", from, to, what, arp),
			fmt.Sprintf("a firewall, ACL or cloud security group between the nodes drops %s", proto),
			fmt.Sprintf("allow %s (vrrp) between the nodes in both directions", proto))
	}

	if !routed && arrived(KindGroup) {
		var vm []string
		if lost(KindGroupVMAC) {
			vm = append(vm, "adverts")
		}
		if lost(KindProbe) {
			vm = append(vm, arp)
		}
		switch {
		case len(vm) == 2 || len(vm) == 1 && vm[0] == "adverts":
			add("vmac-dropped",
				fmt.Sprintf("%s from the virtual MAC %s are dropped on the way from %s to %s, while adverts from the interface's own MAC pass", strings.Join(vm, " and "), vmac, from, to),
				"port security (OpenStack Neutron), a hypervisor's forged-transmit / MAC-spoofing filter (VMware, Hyper-V), or a switch's port-security MAC limit drops frames whose source is not the port's own MAC",
				"keepalived: use_vmac with vmac_xmit_base (adverts from the interface's MAC), or add the virtual MAC and VIPs to the port's allowed_address_pairs, or allow MAC changes / forged transmits on the virtual switch")
		case len(vm) == 1:
			add("probe-dropped",
				fmt.Sprintf("%s from the virtual MAC %s are dropped on the way from %s to %s, while its adverts pass", arp, vmac, from, to),
				"ARP / neighbour-discovery inspection (dynamic ARP inspection, Neutron's ARP spoofing protection, RA guard) drops them: the master's replies for a VIP from the virtual MAC would be dropped too",
				"add the VIPs to the port's allowed_address_pairs, or let the master answer for its VIPs from the interface's own MAC (no use_vmac)")
		}
		if lost(KindV2) {
			add("v2-dropped",
				fmt.Sprintf("VRRPv2 adverts from %s are dropped on the way to %s, while VRRPv3 adverts pass", from, to),
				"something on the path inspects VRRP (a firewall's VRRP handling or a switch's VRRP snooping) and drops the other version or checksum flavour",
				"check that device's VRRP settings, or run both nodes on the version that passes")
		}
	}

	var fw []string
	for _, k := range []Kind{KindGroup, KindGroupVMAC, KindUnicast, KindV2} {
		if r := rows[k]; r != nil && r.Status == StatusFirewall {
			fw = append(fw, r.Name)
		}
	}
	if len(fw) > 0 {
		add("receiver-firewall",
			fmt.Sprintf("%s adverts from %s (%s) reach %s's interface, but %s's firewall drops them before a VRRP daemon gets them", fam, from, strings.Join(fw, ", "), to, to),
			fmt.Sprintf("the input chain of %s's firewall (nftables, iptables, firewalld) drops %s", to, proto),
			fmt.Sprintf("on %s allow VRRP in: nft add rule inet filter input meta l4proto vrrp accept, or %s -I INPUT -p vrrp -j ACCEPT, or firewall-cmd --permanent --add-rich-rule='rule protocol value=\"vrrp\" accept'", to, ipt))
	}

	var lossy []string
	for _, k := range Kinds(fam) {
		if r := rows[k]; r != nil && r.Status == StatusLossy {
			l := fmt.Sprintf("%s %d of %d", r.Name, r.Wire, expected(r))
			if r.Socket >= 0 && r.Socket < r.Wire {
				l += fmt.Sprintf(" (%d to the socket)", r.Socket)
			}
			lossy = append(lossy, l)
		}
	}
	if len(lossy) > 0 {
		add("partial-loss",
			fmt.Sprintf("some %s frames from %s were lost on the way to %s (%s arrived)", fam, from, to, strings.Join(lossy, ", ")),
			"loss that comes and goes: a policer or rate limit on control traffic, congestion, or a flapping link",
			"run the test again with a higher --count; look at the interface and switch-port drop counters")
	}

	if !routed {
		var rewritten []string
		for _, k := range Kinds(fam) {
			r := rows[k]
			if r == nil || r.SentMAC == "" {
				continue // a listener alone does not know the sender's own MAC
			}
			for _, m := range r.SrcMACs {
				if !strings.EqualFold(m, r.SentMAC) {
					rewritten = append(rewritten, fmt.Sprintf("%s sent from %s arrived from %s", r.Name, r.SentMAC, m))
				}
			}
		}
		if len(rewritten) > 0 {
			add("mac-rewritten",
				fmt.Sprintf("the source MAC of %s frames from %s changes on the way to %s: %s", fam, from, to, strings.Join(rewritten, "; ")),
				"something between them rewrites MAC addresses: a router or NAT, or a hypervisor that masquerades guest MACs; the peers then learn the wrong MAC for the master",
				"connect the nodes through plain layer-2 switching; on a hypervisor turn MAC masquerading off for these ports")
		}
	}

	dups, refl := 0, 0
	for _, r := range rows {
		dups += r.Dups
		refl += r.Reflected
	}
	if dups > 0 {
		add("duplicates",
			fmt.Sprintf("%d %s test frames from %s arrived at %s more than once", dups, fam, from, to),
			"a bridging loop, or two paths between the nodes (bonding misconfigured, two bridges joined): every advert arrives twice",
			"find the loop: spanning tree state on the switches, bond modes on both ends")
	}
	if refl > 0 {
		add("reflected",
			fmt.Sprintf("%d %s test frames from %s came back to %s", refl, fam, from, from),
			"a loop or a reflective relay (hairpin) sends the node's own frames back: its VRRP daemon hears its own adverts",
			"find the loop; on a hypervisor switch turn reflective relay / hairpin off for this port")
	}
	return out
}

// OneWay compares the two directions of a run and names loss that happens
// one way only: the side that drops is then on the receiving side's path
// (its port, its switch's filter, its firewall).
func OneWay(ab, ba *Verdict) []Finding {
	var out []Finding
	for _, fam := range []decode.Family{decode.IPv4, decode.IPv6} {
		bad := func(v *Verdict) []string {
			var l []string
			for _, r := range v.Rows {
				if r.Family == fam && r.Status != StatusPass {
					l = append(l, r.Name+" "+string(r.Status))
				}
			}
			return l
		}
		has := func(v *Verdict) bool {
			return slices.ContainsFunc(v.Rows, func(r Row) bool { return r.Family == fam })
		}
		if !has(ab) || !has(ba) {
			continue
		}
		x, y := bad(ab), bad(ba)
		switch {
		case len(x) > 0 && len(y) == 0:
			out = append(out, oneWay(fam, ab, ba, x))
		case len(y) > 0 && len(x) == 0:
			out = append(out, oneWay(fam, ba, ab, y))
		}
	}
	return out
}

func oneWay(fam decode.Family, bad, good *Verdict, what []string) Finding {
	return Finding{ID: "one-way", Family: fam,
		Summary: fmt.Sprintf("%s loss one way only: %s -> %s fails (%s) while %s -> %s passes", fam, bad.From, bad.To, strings.Join(what, ", "), good.From, good.To),
		Cause:   fmt.Sprintf("the loss is on the way into %s (its switch port, a filter in front of it, or its own firewall), or on %s's way out", bad.To, bad.From),
		Fix:     fmt.Sprintf("start at %s's side: its firewall input chain, its switch port's security and snooping settings; the findings above say which frames", bad.To)}
}
