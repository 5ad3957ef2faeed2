package daemonlog

import (
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The messages below are keepalived 2.2's (vrrp.c, vrrp_scheduler.c,
// vrrp_track.c; checked against the lab's keepalived 2.2.7 and
// testdata/pcaps/*.log) and FRR 8's vrrpd (vrrp.c).

type parser struct {
	log  *Log
	opts Options
	inst map[string]*instance
}

// instance is what a log says about one keepalived vrrp_instance or FRR
// virtual router.
type instance struct {
	vips   []string
	family string
}

type pattern struct {
	re *regexp.Regexp
	fn func(e *Event, m []string)
}

func complaint(field string) func(*Event, []string) {
	return func(e *Event, m []string) { e.Kind, e.Field = KindComplaint, field }
}

// keepalived lines about an instance: "(VI_1) " then one of these.
var keepalivedInstance = []pattern{
	{regexp.MustCompile(`^Entering (MASTER|BACKUP|FAULT|INIT|STOP) STATE`), func(e *Event, m []string) {
		e.Kind, e.State = KindTransition, m[1]
	}},
	{regexp.MustCompile(`^Received advert from (\S+) with lower priority (\d+), ours (\d+)`), func(e *Event, m []string) {
		e.Kind, e.Field, e.Peer, e.Theirs, e.Mine = KindComplaint, "priority", m[1], m[2], m[3]
	}},
	{regexp.MustCompile(`^received lower priority \((\d+)\) advert from (\S+)`), func(e *Event, m []string) {
		e.Kind, e.Field, e.Theirs, e.Peer = KindComplaint, "priority", m[1], m[2]
	}},
	{regexp.MustCompile(`^Master received advert from (\S+) with (?:higher|same) priority (\d+)(?:, ours (\d+))?`), func(e *Event, m []string) {
		e.Kind, e.Field, e.Higher, e.Peer, e.Theirs, e.Mine = KindComplaint, "priority", true, m[1], m[2], m[3]
	}},
	{regexp.MustCompile(`advertisement interval mismatch mine=(\d+)(?: sec)? rc(?:ve|v')d=(\d+)`), func(e *Event, m []string) {
		e.Kind, e.Field, e.Mine, e.Theirs = KindComplaint, "adver_int", m[1], m[2]
	}},
	{regexp.MustCompile(`^received a (\d+) auth, expecting (\d+)`), func(e *Event, m []string) {
		e.Kind, e.Field, e.Theirs, e.Mine = KindComplaint, "auth_type", m[1], m[2]
	}},
	{regexp.MustCompile(`^Invalid auth type: (\d+)`), func(e *Event, m []string) {
		e.Kind, e.Field, e.Theirs = KindComplaint, "auth_type", m[1]
	}},
	{regexp.MustCompile(`^(?:Received AH header but auth type not AH|No AH header but auth type is AH)`), complaint("auth_type")},
	{regexp.MustCompile(`^received an invalid passwd`), complaint("auth_data")},
	{regexp.MustCompile(`(?i)^(?:invalid|bad) (?:ah|ipsec)`), complaint("auth_data")},
	{regexp.MustCompile(`^invalid TTL/HL\. Received (\d+) and expect (\d+)`), func(e *Event, m []string) {
		e.Kind, e.Field, e.Theirs, e.Mine = KindComplaint, "ttl", m[1], m[2]
	}},
	{regexp.MustCompile(`^(?:wrong|invalid) version\.? (?:Received )?(\d+) and expect (\d+)`), func(e *Event, m []string) {
		e.Kind, e.Field, e.Theirs, e.Mine = KindComplaint, "version", m[1], m[2]
	}},
	{regexp.MustCompile(`^Invalid packet type\. (\d+)`), func(e *Event, m []string) {
		e.Kind, e.Field, e.Theirs = KindComplaint, "type", m[1]
	}},
	{regexp.MustCompile(`^received an unexpected ip number count (\d+), expected (\d+)`), func(e *Event, m []string) {
		e.Kind, e.Field, e.Theirs, e.Mine = KindComplaint, "vips", m[1], m[2]
	}},
	{regexp.MustCompile(`not present in MASTER advert`), complaint("vips")},
	{regexp.MustCompile(`^Invalid VRRPv\d checksum`), complaint("checksum")},
	{regexp.MustCompile(`^(?:vrrp packet too (?:long|short)|ip_tot_len mismatch)`), complaint("length")},
	{regexp.MustCompile(`^Expected (\w+)icast packet but received (\w+)icast packet`), func(e *Event, m []string) {
		e.Kind, e.Field, e.Mine, e.Theirs = KindComplaint, "unicast", m[1]+"icast", m[2]+"icast"
	}},
	{regexp.MustCompile(`^sent 0 priority`), func(e *Event, m []string) { e.Kind, e.State = KindRelease, "sent" }},
	{regexp.MustCompile(`^Backup received priority 0 advertisement`), func(e *Event, m []string) { e.Kind, e.State = KindRelease, "received" }},
	{regexp.MustCompile(`^Receive advertisement timeout`), func(e *Event, m []string) { e.Kind = KindTimeout }},
	{regexp.MustCompile(`^Changing effective priority from (\d+) to (\d+)`), func(e *Event, m []string) {
		e.Kind, e.Mine, e.Theirs = KindScript, m[1], m[2]
	}},
}

// keepalived lines without an instance.
var keepalivedGlobal = []pattern{
	{regexp.MustCompile(`^VRRP_Script\((\S+)\) (succeeded|failed|timed out)`), func(e *Event, m []string) {
		e.Kind, e.Instance, e.State = KindScript, "", m[2]
	}},
	{regexp.MustCompile("^Script `(\\S+)` now returning (\\d+)"), func(e *Event, m []string) {
		e.Kind, e.State = KindScript, "returns "+m[2]
	}},
	{regexp.MustCompile(`^(?:Reloading|Reload finished)`), func(e *Event, m []string) { e.Kind = KindReload }},
	{regexp.MustCompile(`^(Starting|Stopped) Keepalived`), func(e *Event, m []string) {
		e.Kind, e.State = KindDaemon, strings.ToLower(m[1])
	}},
	{regexp.MustCompile(`^(?:bogus VRRP packet|Received packet with invalid|vrrp_in_chk)`), complaint("type")},
}

var (
	reKInstance = regexp.MustCompile(`^\(([^)\s]+)\):? (.*)$`)
	reKGARP     = regexp.MustCompile(`^\(([^)\s]+)\) Sending/queueing (gratuitous ARPs|Unsolicited Neighbour Adverts) on \S+ for (\S+)`)
	reKAssigned = regexp.MustCompile(`^Assigned address (\S+) for interface`)
	// FRR: [XXXXX-XXXXX] [CORE] [VRID 5] [IPv4] msg, with or without the message id.
	reFRRVR   = regexp.MustCompile(`^(?:\[[0-9A-Z]{5}-[0-9A-Z]{5}\] )?(?:\[\w+\] )?\[VRID (\d+)\] \[IPv(4|6)\] (.*)$`)
	reFRRTerm = regexp.MustCompile(`^(?:\[[0-9A-Z]{5}-[0-9A-Z]{5}\] )?Terminating on signal`)
)

var frrVR = []pattern{
	{regexp.MustCompile(`^(Initialize|Backup|Master) -> (Initialize|Backup|Master)$`), func(e *Event, m []string) {
		e.Kind, e.State = KindTransition, frrState(m[2])
	}},
	{regexp.MustCompile(`^Received advertisement from (\S+) w/ priority (\d+); switching to Backup`), func(e *Event, m []string) {
		e.Kind, e.Field, e.Higher, e.Peer, e.Theirs = KindComplaint, "priority", true, m[1], m[2]
	}},
	{regexp.MustCompile(`(?i)advertisement interval (\d+) unequal to our configured value (\d+)`), func(e *Event, m []string) {
		e.Kind, e.Field, e.Theirs, e.Mine = KindComplaint, "adver_int", m[1], m[2]
	}},
	{regexp.MustCompile(`unequal to our configured value`), complaint("adver_int")},
	{regexp.MustCompile(`^Datagram invalid: (.*)`), complaint("type")},
	{regexp.MustCompile(`^Master_Down_Timer expired`), func(e *Event, m []string) { e.Kind = KindTimeout }},
	{regexp.MustCompile(`^'(Startup|Shutdown)' event`), func(e *Event, m []string) { e.Kind, e.State = KindDaemon, strings.ToLower(m[1]) }},
}

func frrState(s string) string {
	if s == "Initialize" {
		return "INIT"
	}
	return strings.ToUpper(s)
}

func isKeepalived(ident string) bool { return strings.HasPrefix(strings.ToLower(ident), "keepalived") }

func isFRR(ident, msg string) bool {
	i := strings.ToLower(ident)
	return i == "vrrpd" || i == "vrrp" || i == "frr" && strings.Contains(msg, "[VRID ")
}

// take classifies one line; it reports whether the line was a VRRP
// daemon's.
func (p *parser) take(r record) bool {
	e := Event{Time: r.t, Log: p.log.Name, Text: r.msg}
	switch {
	case isKeepalived(r.ident):
		e.Daemon = "keepalived"
		if m := reKAssigned.FindStringSubmatch(r.msg); m != nil {
			if a, err := netip.ParseAddr(m[1]); err == nil && !slices.Contains(p.log.Own, a.String()) {
				p.log.Own = append(p.log.Own, a.String())
			}
			return true
		}
		if m := reKGARP.FindStringSubmatch(r.msg); m != nil {
			in := p.instance(m[1])
			if a, err := netip.ParseAddr(m[3]); err == nil {
				if !slices.Contains(in.vips, a.String()) {
					in.vips = append(in.vips, a.String())
				}
				in.family = familyOf(a)
			}
			return true
		}
		if m := reKInstance.FindStringSubmatch(r.msg); m != nil {
			e.Instance = m[1]
			p.instance(m[1])
			if match(&e, keepalivedInstance, m[2]) {
				p.log.Events = append(p.log.Events, e)
			}
			return true
		}
		if match(&e, keepalivedGlobal, r.msg) {
			p.log.Events = append(p.log.Events, e)
		}
		return true
	case isFRR(r.ident, r.msg):
		e.Daemon = "frr"
		if m := reFRRVR.FindStringSubmatch(r.msg); m != nil {
			v, _ := strconv.Atoi(m[1])
			e.VRID, e.Family = uint8(v), "ipv"+m[2]
			e.Instance = "VRID " + m[1] + " IPv" + m[2]
			if match(&e, frrVR, m[3]) {
				p.log.Events = append(p.log.Events, e)
			}
			return true
		}
		if reFRRTerm.MatchString(r.msg) {
			e.Kind, e.State = KindDaemon, "stop"
			p.log.Events = append(p.log.Events, e)
		}
		return true
	}
	return false
}

func match(e *Event, ps []pattern, msg string) bool {
	for _, p := range ps {
		if m := p.re.FindStringSubmatch(msg); m != nil {
			p.fn(e, m)
			return true
		}
	}
	return false
}

func (p *parser) instance(name string) *instance {
	in := p.inst[name]
	if in == nil {
		in = &instance{}
		p.inst[name] = in
	}
	return in
}

// finish gives keepalived events the family and VIPs their instance
// announced anywhere in the log.
func (p *parser) finish() {
	for i := range p.log.Events {
		e := &p.log.Events[i]
		if e.Daemon != "keepalived" || e.Instance == "" {
			continue
		}
		if in := p.inst[e.Instance]; in != nil {
			e.Family = in.family
			e.VIPs = in.vips
		}
	}
}

func familyOf(a netip.Addr) string {
	if a.Is4() || a.Is4In6() {
		return "ipv4"
	}
	return "ipv6"
}
