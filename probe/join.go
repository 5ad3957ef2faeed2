package probe

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
)

// Joining a group: before the speaker sends anything it listens, and the
// group on the wire decides the version, interval, authentication and
// checksum flavour. A speaker that speaks another version, interval or
// password than the group discards every advert of its master and, after
// Master_Down_Interval, becomes a second master: the split brain this
// guards against.

// JoinRequest is what the command line asked for. Zero values mean "as the
// group on the wire does".
type JoinRequest struct {
	VRID     uint8
	Family   decode.Family
	Priority uint8
	Version  decode.Version // 0: the wire's (3 when nothing is heard)
	Interval time.Duration  // 0: the wire's (1 s when nothing is heard)
	VIPs     []netip.Addr   // empty: the wire's
	AuthPass string         // "" with AuthGiven false: none given
	// AuthGiven: a password was given (from a flag, file, environment or
	// prompt), possibly empty.
	AuthGiven bool
	// Force speaks as asked even where the wire disagrees; the mismatches
	// become warnings.
	Force bool
}

// JoinPlan is what the speaker will speak, and why.
type JoinPlan struct {
	// Group is the group heard; nil when no router of the VRID spoke.
	Group    *Group
	Version  decode.Version
	Interval time.Duration
	VIPs     []netip.Addr
	AuthPass string
	Checksum decode.Flavour
	// Warnings are mismatches overridden with Force, and oddities of the
	// group.
	Warnings []string
}

// ErrMismatch is the class of refusals where the command line contradicts
// the group on the wire. A *MismatchError unwraps to it.
var ErrMismatch = errors.New("the command line contradicts the group on the wire")

// MismatchError lists what contradicts the wire and the flags that would
// match it.
type MismatchError struct {
	What []string // each contradiction, in words
	Fix  string   // the flags to use instead
}

func (e *MismatchError) Error() string {
	return strings.Join(e.What, "; ") + ": " + e.Fix
}

// Unwrap returns ErrMismatch.
func (e *MismatchError) Unwrap() error { return ErrMismatch }

// ErrAuthNeeded: the group uses a v2 password and none was given.
var ErrAuthNeeded = errors.New("the group uses a VRRPv2 simple password: give it with --auth-pass-file FILE or the environment variable VRRPPROBE_AUTH_PASS (a terminal is asked)")

// PlanJoin decides what to speak from the request and the adverts heard
// while listening (any VRID; those of req.VRID and req.Family count).
func PlanJoin(req JoinRequest, heard []Heard) (*JoinPlan, error) {
	p := &JoinPlan{Version: req.Version, Interval: req.Interval, VIPs: req.VIPs, AuthPass: req.AuthPass}
	g, err := LearnGroup(req.VRID, req.Family, heard)
	if errors.Is(err, ErrNoGroup) {
		if p.Version == 0 {
			p.Version = decode.V3
		}
		if p.Interval == 0 {
			p.Interval = time.Second
		}
		if len(p.VIPs) == 0 {
			return nil, fmt.Errorf("no router of vrid %d (%s) heard and no --vip given: name the virtual addresses", req.VRID, req.Family)
		}
		return p, nil
	}
	p.Group = g
	var what, fix []string
	versions := map[decode.Version]bool{}
	for _, h := range heard {
		if h.VRID == req.VRID && h.Src.Is4() == (req.Family == decode.IPv4) {
			versions[h.Version] = true
		}
	}
	if len(versions) > 1 {
		what = append(what, fmt.Sprintf("routers of vrid %d speak both VRRPv2 and VRRPv3 (a version-mismatch already: vrrpdump shows it)", req.VRID))
	}
	switch {
	case p.Version == 0:
		p.Version = g.Version
	case p.Version != g.Version:
		what = append(what, fmt.Sprintf("the group speaks %s, --version %d asked for %s", verName(g.Version), p.Version, verName(p.Version)))
		fix = append(fix, fmt.Sprintf("--version %d", g.Version))
	}
	switch {
	case p.Interval == 0:
		p.Interval = g.Interval
	case p.Interval != g.Interval:
		what = append(what, fmt.Sprintf("the group advertises every %s, --interval %s", g.Interval, p.Interval))
		fix = append(fix, "--interval "+g.Interval.String())
	}
	switch {
	case len(p.VIPs) == 0:
		p.VIPs = slices.Clone(g.VIPs)
	case !sameAddrSet(p.VIPs, g.VIPs):
		what = append(what, fmt.Sprintf("the group's virtual addresses are %s, --vip %s", addrsString(g.VIPs), addrsString(p.VIPs)))
		fix = append(fix, "--vip "+addrsString(g.VIPs))
	}
	switch g.AuthType {
	case decode.AuthAH:
		return nil, errors.New("the group uses IPsec AH authentication, which vrrpprobe cannot speak: refusing")
	case decode.AuthSimple:
		switch {
		case !req.AuthGiven || req.AuthPass == "":
			if p.Version == decode.V2 && len(what) == 0 {
				return nil, ErrAuthNeeded
			}
			what = append(what, "the group uses a VRRPv2 simple password, none given")
			fix = append(fix, "--auth-pass-file FILE")
		case req.AuthPass != g.heard:
			// Never a hint of the password: it is not ours to print.
			return nil, errors.New("the password given differs from the one the group sends: the routers would discard our adverts; refusing")
		}
	case decode.AuthNone:
		if req.AuthGiven && req.AuthPass != "" {
			what = append(what, "the group uses no authentication, a password was given")
			fix = append(fix, "no --auth-pass")
		}
	}
	if req.Priority == 255 && g.Priority == 255 && g.Master.IsValid() {
		what = append(what, fmt.Sprintf("%s already advertises priority 255 (address owner): two owners", g.Master))
		fix = append(fix, "--priority 254 or lower")
	}
	p.Checksum = g.Checksum
	if len(g.Speakers) > 1 {
		p.Warnings = append(p.Warnings, fmt.Sprintf("%d routers advertised while listening (%s): the group was not stable", len(g.Speakers), addrsString(g.Speakers)))
	}
	if len(what) == 0 {
		return p, nil
	}
	if !req.Force {
		return nil, &MismatchError{What: what, Fix: "use " + strings.Join(fix, " ") +
			", or --force to speak anyway (the routers would discard our adverts and we would become a second master)"}
	}
	for _, w := range what {
		p.Warnings = append(p.Warnings, "--force: "+w)
	}
	if p.Version == decode.V3 {
		p.Checksum = decode.FlavourNone // the wire's flavour belongs to its version
	}
	return p, nil
}

// Outcome says in words what the speaker will do in the group, as RFC 5798
// 6.4 has it: stay backup, preempt, take over a silent group, or own it.
func (p *JoinPlan) Outcome(prio uint8, preempt bool, primary netip.Addr) string {
	mdi := MasterDownInterval(p.Version, prio, p.Interval)
	g := p.Group
	switch {
	case prio == 255:
		if g != nil {
			return fmt.Sprintf("become master at once as address owner (priority 255), taking over from %s (priority %d)", g.Master, g.Priority)
		}
		return "become master at once as address owner (priority 255)"
	case g == nil:
		return fmt.Sprintf("become master after Master_Down_Interval %s: no router of the group is heard", mdi)
	case g.Master == primary:
		return fmt.Sprintf("the master %s is this host's own address: another router of the group runs here", g.Master)
	case g.Priority > prio || (g.Priority == prio):
		return fmt.Sprintf("stay backup: master %s has priority %d, ours %d; take over only when it falls silent for Master_Down_Interval %s", g.Master, g.Priority, prio, mdi)
	case !preempt:
		return fmt.Sprintf("stay backup (no preemption) although master %s has priority %d < ours %d", g.Master, g.Priority, prio)
	}
	return fmt.Sprintf("preempt master %s (priority %d < ours %d) after Master_Down_Interval %s", g.Master, g.Priority, prio, mdi)
}

func verName(v decode.Version) string {
	switch v {
	case decode.V2:
		return "VRRPv2"
	case decode.V3:
		return "VRRPv3"
	}
	return v.String()
}

func sameAddrSet(a, b []netip.Addr) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}
