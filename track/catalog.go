package track

import (
	"slices"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
)

// Rule is one finding the tracker can raise: the single source of its id,
// severity, kind, how long it counts as active, and its documentation (the
// generated FINDINGS.md, the README table). The tracker's delivery
// (KindEvent), the steady path's per-advert bumps (repeats), "active now"
// (Active: the exporter's vrrp_findings_active, the screen) all read it.
// Adding a finding is the code that raises it and one def entry below.
type Rule struct {
	ID       string
	Severity Severity
	Kind     Kind
	// Holds says how long a finding counts as active (Active); Window is
	// its length for HoldsWindow (default EventWindow).
	Holds  Holds
	Window time.Duration
	What   string // what the tracker saw
	Hint   string // the usual cause and fix, one line

	// differ re-checks a configuration conflict against two routers'
	// latest adverts (HoldsWhileDiffer).
	differ func(a, b *RouterSnapshot) bool
	// repeats says that every advert of r repeats the finding while it
	// holds (r's fields are its latest advert's): the steady path then
	// bumps it without looking at the advert (Tracker.repeated).
	repeats func(r *router, fam decode.Family) bool
}

// Kind says how a finding lives: a state holds for a while (an incident
// with a start and an end), an event happens at an instant.
type Kind uint8

// Kinds.
const (
	// KindState: a condition, an incident: delivered to OnFinding when it
	// opens (Phase "open") and again when it closes (Phase "close", with its
	// End); its repeats while it is open only count.
	KindState Kind = iota + 1
	// KindEvent: each occurrence is news, delivered every time.
	KindEvent
	// KindFact: a router's configuration seen on the wire (plaintext
	// authentication, unicast, the checksum flavour): delivered once per
	// router, then only counted; no incident opens or closes.
	KindFact
)

func (k Kind) String() string {
	switch k {
	case KindState:
		return "state"
	case KindEvent:
		return "event"
	case KindFact:
		return "fact"
	}
	return "Kind(" + itoa(int(k)) + ")"
}

// Holds says how Active decides whether a finding still holds.
type Holds uint8

// How findings hold.
const (
	// HoldsWindow: within Rule.Window (default EventWindow) of its last
	// occurrence.
	HoldsWindow Holds = iota
	// HoldsWhileSeen: raised by every advert showing it; active while the
	// router's last such advert is within 3 of its intervals + 1 s.
	HoldsWhileSeen
	// HoldsWhileDiffer: a configuration conflict; active while both
	// routers advertised within PeerWindow and still differ in the field.
	HoldsWhileDiffer
	// HoldsWhileSplit: the group is SPLIT-BRAIN and the finding was bumped
	// (by an advert of either side) within 3 intervals + 1 s.
	HoldsWhileSplit
	// HoldsWhileDown: the group is DOWN or RELEASED and nothing was heard
	// since the finding.
	HoldsWhileDown
)

// How long findings count as active (Active).
const (
	// EventWindow: an event, and a condition not re-checked otherwise,
	// counts as active this long after it last happened (such an incident
	// closes then).
	EventWindow = reemitAfter
	// PeerWindow: both routers named by a configuration conflict must have
	// advertised this recently for it to count as active.
	PeerWindow = 5 * time.Minute
)

// rule indexes catalog.
type rule uint8

// maxRules bounds the catalog (routers keep a finding index per rule), and
// maxRepeatRules the rules with repeats (router.repeating holds a bit each).
const (
	maxRules       = 64
	maxRepeatRules = 8
)

// catalog is every Rule, in the order of the def entries below.
var catalog []Rule

// repeatRules are the rules with repeats, for the steady path.
var repeatRules []rule

// def adds r to the catalog and returns its index.
func def(r Rule) rule {
	if len(catalog) == maxRules {
		panic("track: more than maxRules findings: raise maxRules")
	}
	if r.Window == 0 {
		r.Window = EventWindow
	}
	catalog = append(catalog, r)
	ru := rule(len(catalog) - 1)
	if r.repeats != nil {
		if len(repeatRules) == maxRepeatRules {
			panic("track: more than maxRepeatRules findings with repeats: raise maxRepeatRules")
		}
		repeatRules = append(repeatRules, ru)
	}
	return ru
}

// Catalog returns every finding the tracker can raise, in a stable order.
func Catalog() []Rule { return slices.Clone(catalog) }

// RuleOf returns the rule of finding id; false for an id the tracker does
// not raise (a finding from elsewhere, such as a daemon log).
func RuleOf(id string) (Rule, bool) {
	for _, r := range catalog {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// The findings. Each def is one table entry.

var ruleSplitBrain = def(Rule{ID: "split-brain", Severity: SeverityError, Kind: KindState, Holds: HoldsWhileSplit,
	What: "two or more routers advertise as master for one group at the same time",
	Hint: "computed from the cause: the field to align and on which router, or, when nothing differs, on the router that cannot hear the other: vrrpdoctor, then allow IP protocol 112 from the other",
})

var ruleMasterDown = def(Rule{ID: "master-down", Severity: SeverityError, Kind: KindState, Holds: HoldsWhileDown,
	What: "the master fell silent for longer than Master_Down_Interval and no backup took over",
	Hint: "check the master host and daemon; a backup that does not take over is not running, cannot hear the group, or has the wrong VRID",
})

var ruleFailover = def(Rule{ID: "failover", Severity: SeverityInfo, Kind: KindEvent, Holds: HoldsWindow,
	What: "mastership moved from one router to another (after a resignation, a silence, or by preemption)",
	Hint: "told apart by the finding: a release (the old master resigned), a preemption (a better router took over), a death (silence past Master_Down_Interval: check the old master's host, daemon and link) or the end of a split brain; a takeover slower than the protocol allows points at lost adverts or a backup that cannot hear the group",
})

var ruleRelease = def(Rule{ID: "release", Severity: SeverityInfo, Kind: KindEvent, Holds: HoldsWindow,
	What: "a master sent priority 0: it resigns (daemon stopping or going to backup)",
	Hint: "expected on a daemon stop or a planned switchover; a backup should take over within Skew_Time",
})

var ruleFlapping = def(Rule{ID: "flapping", Severity: SeverityWarning, Kind: KindState, Holds: HoldsWindow,
	Window: flapWindow,
	What:   "mastership changed 3 or more times within 60 s",
	Hint:   "look for a track script or interface going up and down, an unstable link, or preemption fighting a priority that changes",
})

var ruleLateAdvert = def(Rule{ID: "late-advert", Severity: SeverityWarning, Kind: KindEvent, Holds: HoldsWindow,
	What: "a master's advert came after 2.5 intervals or more: close to Master_Down_Interval",
	Hint: "the master is overloaded, its scheduler stalls, or adverts are lost; raise advert_int or find the loss",
})

var ruleIntervalMismatch = def(Rule{ID: "interval-mismatch", Severity: SeverityWarning, Kind: KindState, Holds: HoldsWhileDiffer,
	What:   "routers of one group advertise different intervals",
	Hint:   "set the same advert_int on every router; VRRPv2 receivers discard adverts with another interval",
	differ: func(a, b *RouterSnapshot) bool { return a.AdverInt != b.AdverInt },
})

var ruleVIPMismatch = def(Rule{ID: "vip-mismatch", Severity: SeverityWarning, Kind: KindState, Holds: HoldsWhileDiffer,
	What:   "routers of one group advertise overlapping but different virtual address lists",
	Hint:   "make virtual_ipaddress identical on every router of the group",
	differ: func(a, b *RouterSnapshot) bool { return !sameSet(a.VIPs, b.VIPs) },
})

var ruleAuthMismatch = def(Rule{ID: "auth-mismatch", Severity: SeverityError, Kind: KindState, Holds: HoldsWhileDiffer,
	What: "VRRPv2 routers of one group use different authentication types or passwords",
	Hint: "use the same auth_type and auth_pass everywhere (keepalived truncates auth_pass to 8 characters), or none",
	differ: func(a, b *RouterSnapshot) bool {
		return a.AuthType != b.AuthType || a.AuthFingerprint != b.AuthFingerprint
	},
})

var ruleVersionMismatch = def(Rule{ID: "version-mismatch", Severity: SeverityError, Kind: KindState, Holds: HoldsWhileDiffer,
	What:   "routers of one group speak different VRRP versions",
	Hint:   "set the same vrrp_version (keepalived) / version (FRR) on every router; each discards the other's adverts",
	differ: func(a, b *RouterSnapshot) bool { return a.Version != b.Version },
})

var ruleVRIDCollision = def(Rule{ID: "vrid-collision", Severity: SeverityError, Kind: KindState, Holds: HoldsWhileDiffer,
	What:   "routers with unrelated virtual address sets use the same VRID on one link: two groups share an id",
	Hint:   "give each virtual router its own VRID on the link (they also share the virtual MAC 00:00:5e:00:01:VRID)",
	differ: disjointVIPs,
})

var ruleBadTTL = def(Rule{ID: "bad-ttl", Severity: SeverityError, Kind: KindState, Holds: HoldsWhileSeen,
	What: "a multicast advert with TTL / hop limit other than 255: receivers discard it (RFC 3768 7.1, RFC 5798 7.1)",
	Hint: "the advert was routed or sent by a broken stack; VRRP adverts must not cross a router",
})

var ruleBadChecksum = def(Rule{ID: "bad-checksum", Severity: SeverityError, Kind: KindState, Holds: HoldsWhileSeen,
	What: "an advert whose checksum matches no known way of computing it",
	Hint: "corruption, or a NIC checksum offload bug on the capturing or sending host",
})

var ruleChecksumV2Style = def(Rule{ID: "checksum-v2-style", Severity: SeverityWarning, Kind: KindFact, Holds: HoldsWhileSeen,
	What: "a VRRPv3 IPv4 advert checksummed without the pseudo-header (as in v2, RFC 9568 / Cisco / Juniper style)",
	Hint: "peers computing the RFC 5798 checksum discard it: align keepalived v3_checksum_as_v2 / FRR checksum-with-ipv4-pseudoheader on all routers",
	repeats: func(r *router, fam decode.Family) bool {
		return r.flavour == decode.FlavourMessageOnly && r.version == decode.V3 && fam == decode.IPv4
	},
})

var ruleMalformed = def(Rule{ID: "malformed", Severity: SeverityError, Kind: KindState, Holds: HoldsWhileSeen,
	What: "an advert that does not decode or breaks a receive rule of RFC 3768 7.1 / RFC 5798 5, 7.1 or the kernel's IP checks (type, count, zero interval, auth type, trailing bytes, v2 over IPv6, fragment, VRID 0, no addresses, impossible source, non-link-local IPv6 source, wrong multicast group, IPv4 header checksum)",
	Hint: "receivers discard it; check the sender's software and version",
})

var ruleGARPMissing = def(Rule{ID: "garp-missing", Severity: SeverityWarning, Kind: KindEvent, Holds: HoldsWindow,
	What: "a new master sent no gratuitous ARP / unsolicited neighbour advertisement for its addresses within 1 s (judged only on a capture that carries ARP / NDP: one filtered to VRRP cannot show it, and the summary says so)",
	Hint: "switches and hosts keep the old MAC until their caches expire; check garp_master_delay / the daemon's GARP settings and that ARP is not filtered",
})

var ruleVIPARPConflict = def(Rule{ID: "vip-arp-conflict", Severity: SeverityError, Kind: KindState, Holds: HoldsWindow,
	What: "two MACs claim one virtual address (ARP / neighbour advertisements) at the same time",
	Hint: "two masters (split brain) or a host configured with the VIP statically; remove the duplicate",
})

var ruleAuthPlaintext = def(Rule{ID: "auth-plaintext", Severity: SeverityWarning, Kind: KindFact, Holds: HoldsWhileSeen,
	What: "VRRPv2 simple-text password, readable by anyone on the link (deprecated by RFC 3768)",
	Hint: "it protects nothing; drop authentication or isolate the VRRP link",
	repeats: func(r *router, _ decode.Family) bool {
		return r.version == decode.V2 && r.authType == decode.AuthSimple
	},
})

var ruleUnicast = def(Rule{ID: "unicast", Severity: SeverityInfo, Kind: KindFact, Holds: HoldsWhileSeen,
	What:    "adverts sent to a unicast peer instead of the VRRP multicast group (keepalived unicast_peer, not in the RFC)",
	Hint:    "every router needs the others in its unicast_peer list; other hosts on the link do not see the adverts",
	repeats: func(r *router, _ decode.Family) bool { return r.unicast },
})

var ruleOwnerConflict = def(Rule{ID: "owner-conflict", Severity: SeverityError, Kind: KindState, Holds: HoldsWhileDiffer,
	What:   "two routers of one group claim priority 255 (address owner)",
	Hint:   "only the router that owns the virtual address may use priority 255; lower the others",
	differ: func(a, b *RouterSnapshot) bool { return a.Priority == 255 && b.Priority == 255 },
})

var ruleChecksumFlavourMismatch = def(Rule{ID: "checksum-flavour-mismatch", Severity: SeverityError, Kind: KindState, Holds: HoldsWhileDiffer,
	What: "VRRPv3 IPv4 routers of one group compute the checksum differently, so each discards the other's adverts",
	Hint: "align keepalived v3_checksum_as_v2 / FRR checksum-with-ipv4-pseudoheader on every router",
	differ: func(a, b *RouterSnapshot) bool {
		return a.Checksum != b.Checksum && a.Checksum != "" && b.Checksum != ""
	},
})

var ruleStaleGARP = def(Rule{ID: "stale-garp", Severity: SeverityWarning, Kind: KindEvent, Holds: HoldsWindow,
	What: "gratuitous ARP / NA for a virtual address from a router that is no longer master",
	Hint: "the old master keeps the address or a GARP repeat timer; hosts may learn the wrong MAC; check the old master removed its VIPs",
})

var ruleIPv6FirstAddr = def(Rule{ID: "ipv6-first-addr", Severity: SeverityWarning, Kind: KindState, Holds: HoldsWhileSeen,
	What: "the first address of a VRRPv3 IPv6 advert is not link-local (RFC 5798 5.2.9)",
	Hint: "put a link-local virtual address first (keepalived and FRR accept either; strict peers may not)",
})

var ruleDuplicateSource = def(Rule{ID: "duplicate-source", Severity: SeverityError, Kind: KindState, Holds: HoldsWhileSeen,
	What: "two MACs advertise for one group with the same source address",
	Hint: "two hosts share an IP address, or a cloned VM; give each router its own address",
})

var rulePeerUnreachable = def(Rule{ID: "peer-unreachable", Severity: SeverityWarning, Kind: KindState, Holds: HoldsWindow,
	What: "ICMP protocol unreachable in answer to a VRRP advert: the peer's kernel has no VRRP listener",
	Hint: "the VRRP daemon on that peer is not running (crashed or stopped); restart it",
})

var ruleCARPSplit = def(Rule{ID: "carp-split", Severity: SeverityError, Kind: KindState, Holds: HoldsWindow,
	What: "two routers advertise as CARP master for one vhid at the same time (in CARP only the master advertises)",
	Hint: "they do not hear each other: IP protocol 112 or multicast filtered between them (pf: pass proto carp), or different carp passwords (an advert whose HMAC does not verify is ignored); check both",
})

var ruleCARPVRRPMAC = def(Rule{ID: "carp-vrrp-vmac", Severity: SeverityError, Kind: KindState, Holds: HoldsWindow,
	What: "a CARP vhid and a VRRP vrid of the same number on one segment: both use the virtual MAC 00:00:5e:00:01:NN",
	Hint: "switches move the MAC between the CARP master's and the VRRP master's ports and traffic to both breaks; give the CARP vhid and the VRRP vrid different numbers",
})

var ruleCaptureGap = def(Rule{ID: "capture-gap", Severity: SeverityWarning, Kind: KindEvent, Holds: HoldsWindow,
	What: "vrrpdump saw nothing on a link for a while: the capture interface went down and up, or reading failed and the capture was reopened (group: the link only)",
	Hint: "a failover or master-down right after may be the capture's, not the routers': its cause says so when their silence overlaps the gap",
})

var ruleCaptureDrops = def(Rule{ID: "capture-drops", Severity: SeverityWarning, Kind: KindEvent, Holds: HoldsWindow,
	What: "the kernel dropped frames of the capture because vrrpdump fell behind (group: the link only)",
	Hint: "adverts may be missing from the analysis; narrow the capture with a BPF expression, or give vrrpdump a core",
})

func disjointVIPs(a, b *RouterSnapshot) bool {
	return len(a.VIPs) > 0 && len(b.VIPs) > 0 && !slices.ContainsFunc(a.VIPs, func(v string) bool { return slices.Contains(b.VIPs, v) })
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}
