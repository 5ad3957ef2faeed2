package track

// Rule documents one finding id: the single source for the README table and
// for the severity each finding carries.
type Rule struct {
	ID       string
	Severity Severity
	What     string // what the tracker saw
	Hint     string // the usual cause and fix, one line
}

// rule indexes catalog.
type rule uint8

const (
	ruleSplitBrain rule = iota
	ruleMasterDown
	ruleFailover
	ruleRelease
	ruleFlapping
	ruleLateAdvert
	ruleIntervalMismatch
	ruleVIPMismatch
	ruleAuthMismatch
	ruleVersionMismatch
	ruleVRIDCollision
	ruleBadTTL
	ruleBadChecksum
	ruleChecksumV2Style
	ruleMalformed
	ruleGARPMissing
	ruleVIPARPConflict
	ruleAuthPlaintext
	ruleUnicast
	ruleOwnerConflict
	ruleChecksumFlavourMismatch
	ruleStaleGARP
	ruleIPv6FirstAddr
	ruleDuplicateSource
	rulePeerUnreachable
	numRules
)

var catalog = [numRules]Rule{
	ruleSplitBrain: {"split-brain", SeverityError,
		"two or more routers advertise as master for one group at the same time",
		"find the field that makes one side discard the other's adverts (cause); if none, the adverts do not arrive: a firewall or security group dropping IP protocol 112, or multicast filtering; run vrrpdoctor on both nodes"},
	ruleMasterDown: {"master-down", SeverityError,
		"the master fell silent for longer than Master_Down_Interval and no backup took over",
		"check the master host and daemon; a backup that does not take over is not running, cannot hear the group, or has the wrong VRID"},
	ruleFailover: {"failover", SeverityInfo,
		"mastership moved from one router to another (after a resignation, a silence, or by preemption)",
		"if unplanned, look at why the old master stopped (daemon log, track scripts, link); the gap should not exceed the protocol's"},
	ruleRelease: {"release", SeverityInfo,
		"a master sent priority 0: it resigns (daemon stopping or going to backup)",
		"expected on a daemon stop or a planned switchover; a backup should take over within Skew_Time"},
	ruleFlapping: {"flapping", SeverityWarning,
		"mastership changed 3 or more times within 60 s",
		"look for a track script or interface going up and down, an unstable link, or preemption fighting a priority that changes"},
	ruleLateAdvert: {"late-advert", SeverityWarning,
		"a master's advert came after 2.5 intervals or more: close to Master_Down_Interval",
		"the master is overloaded, its scheduler stalls, or adverts are lost; raise advert_int or find the loss"},
	ruleIntervalMismatch: {"interval-mismatch", SeverityWarning,
		"routers of one group advertise different intervals",
		"set the same advert_int on every router; VRRPv2 receivers discard adverts with another interval"},
	ruleVIPMismatch: {"vip-mismatch", SeverityWarning,
		"routers of one group advertise overlapping but different virtual address lists",
		"make virtual_ipaddress identical on every router of the group"},
	ruleAuthMismatch: {"auth-mismatch", SeverityError,
		"VRRPv2 routers of one group use different authentication types or passwords",
		"use the same auth_type and auth_pass everywhere (keepalived truncates auth_pass to 8 characters), or none"},
	ruleVersionMismatch: {"version-mismatch", SeverityError,
		"routers of one group speak different VRRP versions",
		"set the same vrrp_version (keepalived) / version (FRR) on every router; each discards the other's adverts"},
	ruleVRIDCollision: {"vrid-collision", SeverityError,
		"routers with unrelated virtual address sets use the same VRID on one link: two groups share an id",
		"give each virtual router its own VRID on the link (they also share the virtual MAC 00:00:5e:00:01:VRID)"},
	ruleBadTTL: {"bad-ttl", SeverityError,
		"a multicast advert with TTL / hop limit other than 255: receivers discard it (RFC 3768 7.1, RFC 5798 7.1)",
		"the advert was routed or sent by a broken stack; VRRP adverts must not cross a router"},
	ruleBadChecksum: {"bad-checksum", SeverityError,
		"an advert whose checksum matches no known way of computing it",
		"corruption, or a NIC checksum offload bug on the capturing or sending host"},
	ruleChecksumV2Style: {"checksum-v2-style", SeverityWarning,
		"a VRRPv3 IPv4 advert checksummed without the pseudo-header (as in v2, RFC 9568 / Cisco / Juniper style)",
		"peers computing the RFC 5798 checksum discard it: align keepalived v3_checksum_as_v2 / FRR checksum-with-ipv4-pseudoheader on all routers"},
	ruleMalformed: {"malformed", SeverityError,
		"an advert that does not decode or breaks a receive rule of RFC 3768 7.1 / RFC 5798 5, 7.1 or the kernel's IP checks (type, count, zero interval, auth type, trailing bytes, v2 over IPv6, fragment, VRID 0, no addresses, impossible source, non-link-local IPv6 source, wrong multicast group, IPv4 header checksum)",
		"receivers discard it; check the sender's software and version"},
	ruleGARPMissing: {"garp-missing", SeverityWarning,
		"a new master sent no gratuitous ARP / unsolicited neighbour advertisement for its addresses within 1 s",
		"switches and hosts keep the old MAC until their caches expire; check garp_master_delay / the daemon's GARP settings and that ARP is not filtered"},
	ruleVIPARPConflict: {"vip-arp-conflict", SeverityError,
		"two MACs claim one virtual address (ARP / neighbour advertisements) at the same time",
		"two masters (split brain) or a host configured with the VIP statically; remove the duplicate"},
	ruleAuthPlaintext: {"auth-plaintext", SeverityWarning,
		"VRRPv2 simple-text password, readable by anyone on the link (deprecated by RFC 3768)",
		"it protects nothing; drop authentication or isolate the VRRP link"},
	ruleUnicast: {"unicast", SeverityInfo,
		"adverts sent to a unicast peer instead of the VRRP multicast group (keepalived unicast_peer, not in the RFC)",
		"every router needs the others in its unicast_peer list; other hosts on the link do not see the adverts"},
	ruleOwnerConflict: {"owner-conflict", SeverityError,
		"two routers of one group claim priority 255 (address owner)",
		"only the router that owns the virtual address may use priority 255; lower the others"},
	ruleChecksumFlavourMismatch: {"checksum-flavour-mismatch", SeverityError,
		"VRRPv3 IPv4 routers of one group compute the checksum differently, so each discards the other's adverts",
		"align keepalived v3_checksum_as_v2 / FRR checksum-with-ipv4-pseudoheader on every router"},
	ruleStaleGARP: {"stale-garp", SeverityWarning,
		"gratuitous ARP / NA for a virtual address from a router that is no longer master",
		"the old master keeps the address or a GARP repeat timer; hosts may learn the wrong MAC; check the old master removed its VIPs"},
	ruleIPv6FirstAddr: {"ipv6-first-addr", SeverityWarning,
		"the first address of a VRRPv3 IPv6 advert is not link-local (RFC 5798 5.2.9)",
		"put a link-local virtual address first (keepalived and FRR accept either; strict peers may not)"},
	ruleDuplicateSource: {"duplicate-source", SeverityError,
		"two MACs advertise for one group with the same source address",
		"two hosts share an IP address, or a cloned VM; give each router its own address"},
	rulePeerUnreachable: {"peer-unreachable", SeverityWarning,
		"ICMP protocol unreachable in answer to a VRRP advert: the peer's kernel has no VRRP listener",
		"the VRRP daemon on that peer is not running (crashed or stopped); restart it"},
}

// Catalog returns every finding id the tracker can raise, in a stable order.
func Catalog() []Rule {
	out := make([]Rule, len(catalog))
	copy(out, catalog[:])
	return out
}
