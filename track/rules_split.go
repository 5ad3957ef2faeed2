package track

import (
	"fmt"
	"strings"

	"github.com/vrrpkit/vrrpkit/decode"
)

// split raises (or extends) split brain between winner w and loser l.
func (t *Tracker) split(g *group, w, l *router, ts instant) {
	if g.splitIdx != 0 && g.splitW == w && g.splitL == l {
		t.bump(g.splitIdx-1, ts)
		return
	}
	if g.splitIdx != 0 {
		t.closeIncident(g.splitIdx-1, ts, fmt.Sprintf("now %s and %s advertise as master", w.addr, l.addr))
	}
	cause, ev := splitCause(w, l, false, t.opts.ShowAuth)
	msg := fmt.Sprintf("split brain in %s vrid %d: %s (priority %d) and %s (priority %d) both advertise as master",
		g.exp.Family, g.exp.VRID, w.addr, w.prio, l.addr, l.prio)
	idx := t.raise(ruleSplitBrain, g.exp, ts, []string{w.addr.String(), l.addr.String()}, msg, cause, ev)
	if idx >= 0 {
		t.findings[idx].Hint = splitFix(g, w, l, false)
		g.splitIdx, g.splitW, g.splitL, g.splitAnswered = idx+1, w, l, false
	}
}

// splitCause diffs the two sides field by field against what an RFC
// receiver (and keepalived / FRR) discards, and says which field makes
// which side drop the other's adverts. answered is set once the winner was
// seen answering the loser's adverts within milliseconds (so it hears them).
func splitCause(w, l *router, answered, showAuth bool) (string, map[string]any) {
	var causes, fields []string
	add := func(field, text string) {
		fields = append(fields, field)
		causes = append(causes, text)
	}
	if w.version != l.version {
		add("version", fmt.Sprintf("version: %s speaks VRRP%d and %s VRRP%d; each discards adverts of the other version (RFC 3768 7.1, RFC 5798 7.1) — set the same version on both",
			w.addr, w.version, l.addr, l.version))
	}
	if w.version == decode.V2 && l.version == decode.V2 && w.adverInt != l.adverInt {
		add("adver_int", fmt.Sprintf("advert interval: %s advertises %d s and %s %d s; a VRRPv2 receiver discards adverts whose interval differs from its own (RFC 3768 7.1) — set the same advert_int",
			w.addr, w.adverInt, l.addr, l.adverInt))
	}
	if w.version == decode.V2 && l.version == decode.V2 {
		switch {
		case w.authType != l.authType:
			add("auth_type", fmt.Sprintf("authentication type: %s uses %s and %s %s; each discards the other's adverts — use the same auth_type",
				w.addr, w.authType, l.addr, l.authType))
		case w.authType == decode.AuthSimple && w.authData != l.authData:
			pw := fmt.Sprintf("fingerprints %s and %s", w.authFP, l.authFP)
			if showAuth {
				pw = fmt.Sprintf("%q and %q", authText(w.authData), authText(l.authData))
			}
			add("auth_data", fmt.Sprintf("password: %s and %s send different passwords (%s); each discards the other's adverts — use the same auth_pass (keepalived uses only its first 8 characters)",
				w.addr, l.addr, pw))
		}
	}
	if w.version == decode.V3 && l.version == decode.V3 && w.flavour != l.flavour &&
		w.flavour != decode.FlavourNone && l.flavour != decode.FlavourNone && w.dst.Is4() {
		add("checksum_flavour", fmt.Sprintf("v3 IPv4 checksum: %s computes it %s and %s %s; each discards the other's adverts as bad — align keepalived v3_checksum_as_v2 / FRR checksum-with-ipv4-pseudoheader",
			w.addr, w.flavour, l.addr, l.flavour))
	}
	for _, x := range [2][2]*router{{w, l}, {l, w}} {
		a, b := x[0], x[1]
		if a.dst.IsMulticast() && a.ttl != 255 {
			add("ttl", fmt.Sprintf("TTL: %s's adverts arrive with TTL %d, so %s discards them (must be 255) — they are routed or sent by a broken stack",
				a.addr, a.ttl, b.addr))
		}
		if a.problems.Has(decode.ProblemBadChecksum) {
			add("checksum", fmt.Sprintf("checksum: %s's adverts have a bad checksum, so %s discards them", a.addr, b.addr))
		}
	}
	if !sameVIPs(w.vips, l.vips) {
		add("vips", fmt.Sprintf("addresses: %s advertises %s and %s %s; receivers may discard adverts whose address list differs (keepalived logs it) — make virtual_ipaddress identical",
			w.addr, joinAddrs(w.vips), l.addr, joinAddrs(l.vips)))
	}
	ev := map[string]any{
		"winner": w.addr.String(), "winner_priority": int(w.prio),
		"loser": l.addr.String(), "loser_priority": int(l.prio),
	}
	if len(fields) > 0 {
		ev["fields"] = fields
		return strings.Join(causes, "; "), ev
	}
	ev["fields"] = []string{}
	var b strings.Builder
	b.WriteString("nothing on the wire differs between the two sides (version, interval, authentication, checksum, TTL and addresses match), so the adverts are not reaching one side. ")
	fmt.Fprintf(&b, "The lower-priority router %s keeps advertising although %s (priority %d) advertises: %s cannot hear %s — one-way loss at %s",
		l.addr, w.addr, w.prio, l.addr, w.addr, l.addr)
	if answered {
		fmt.Fprintf(&b, " (%s answers %s's adverts within milliseconds, so it does hear them)", w.addr, l.addr)
		ev["winner_hears_loser"] = true
	}
	fmt.Fprintf(&b, ". Usual causes: a host firewall or cloud security group dropping IP protocol 112 on %s, or multicast filtering (IGMP snooping, no multicast in the cloud: use unicast peers)", l.addr)
	return b.String(), ev
}

// endSplit closes g's split brain at now: a side stopped advertising for
// its Master_Down_Interval.
func (t *Tracker) endSplit(g *group, now instant) {
	w, l := g.splitW, g.splitL
	var end instant
	var why string
	switch {
	case !l.alive(now) && w.alive(now):
		// l went back to backup when an advert of w reached it: the first
		// one after l's last advert, if it came before l's next one was
		// due (else l stopped some other way, at its last advert).
		end = l.last
		w.recent.each(&w.recentBuf, func(s sample) {
			if n := instant(s.ts); end == l.last && n.After(l.last) && n.Sub(l.last) <= l.interval {
				end = n
			}
		})
		why = fmt.Sprintf("%s stopped advertising (went back to backup, or stopped); %s (priority %d) remains master", l.addr, w.addr, w.prio)
		if end != l.last {
			why = fmt.Sprintf("%s went back to backup at %s's next advert (or stopped); %s (priority %d) remains master", l.addr, w.addr, w.addr, w.prio)
		}
	case !w.alive(now) && l.alive(now):
		end = w.last
		why = fmt.Sprintf("%s stopped advertising; %s (priority %d) remains master", w.addr, l.addr, l.prio)
	default:
		end = max(w.last, l.last)
		why = fmt.Sprintf("both %s and %s stopped advertising", w.addr, l.addr)
	}
	t.closeIncident(g.splitIdx-1, end, why)
	g.splitIdx, g.splitW, g.splitL, g.splitAnswered = 0, nil, nil, false
}

// splitFix is the fix for a split brain between winner w and loser l,
// computed from what splitCause found: the field to align and on which
// router, or where to look for the loss.
func splitFix(g *group, w, l *router, answered bool) string {
	var fixes []string
	if w.version != l.version {
		fixes = append(fixes, fmt.Sprintf("on %s set vrrp_version %d (FRR: vrrp %d version %d) as on %s", l.addr, w.version, g.key.vrid, w.version, w.addr))
	}
	if w.version == decode.V2 && l.version == decode.V2 {
		if w.adverInt != l.adverInt {
			fixes = append(fixes, fmt.Sprintf("on %s set advert_int %d as on %s", l.addr, w.adverInt, w.addr))
		}
		if w.authType != l.authType || w.authType == decode.AuthSimple && w.authData != l.authData {
			fixes = append(fixes, fmt.Sprintf("on %s set the same auth_type (%s) and auth_pass as on %s", l.addr, w.authType, w.addr))
		}
	}
	if w.version == decode.V3 && l.version == decode.V3 && w.flavour != l.flavour &&
		w.flavour != decode.FlavourNone && l.flavour != decode.FlavourNone && w.dst.Is4() {
		fixes = append(fixes, fmt.Sprintf("on %s compute the checksum %s as %s does (keepalived v3_checksum_as_v2, FRR checksum-with-ipv4-pseudoheader)", l.addr, w.flavour, w.addr))
	}
	if !sameVIPs(w.vips, l.vips) {
		fixes = append(fixes, fmt.Sprintf("on %s set virtual_ipaddress to %s as on %s", l.addr, joinAddrs(w.vips), w.addr))
	}
	for _, x := range [2]*router{w, l} {
		if x.dst.IsMulticast() && x.ttl != 255 {
			fixes = append(fixes, fmt.Sprintf("find what routes or rewrites %s's adverts (TTL %d on arrival, must be 255)", x.addr, x.ttl))
		}
	}
	if len(fixes) > 0 {
		return strings.Join(fixes, "; ") + "; the split brain ends when " + l.addr.String() + " hears " + w.addr.String() + " and goes back to backup"
	}
	iface := "IFACE"
	if !strings.HasSuffix(g.exp.Link, ".pcap") && !strings.HasSuffix(g.exp.Link, ".pcapng") && !strings.HasSuffix(g.exp.Link, ".gz") && g.exp.Link != "" && g.exp.Link != "-" {
		iface = g.exp.Link
	}
	proto := "ip saddr " + w.addr.String() + " ip protocol vrrp accept"
	if w.addr.Is6() {
		proto = "ip6 saddr " + w.addr.String() + " meta l4proto vrrp accept"
	}
	fix := fmt.Sprintf("on %s: `vrrpdoctor -i %s`, then allow IP protocol 112 from %s (nftables: `%s` in the input chain; a cloud security group: allow protocol 112 between the nodes)",
		l.addr, iface, w.addr, proto)
	if w.dst.IsMulticast() {
		fix += fmt.Sprintf("; if nothing on %s drops it, check IGMP snooping on the switch for %s", l.addr, w.dst)
	}
	if !answered {
		fix += fmt.Sprintf("; run vrrpdoctor on %s too, in case the loss is both ways", w.addr)
	}
	return fix
}
