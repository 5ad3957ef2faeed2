package track

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
)

// Severity says how bad a finding is.
type Severity string

// Severities, worst first.
const (
	SeverityError   Severity = "error"   // the virtual router is, or will be, broken
	SeverityWarning Severity = "warning" // a risk, or a departure from the RFC that peers may punish
	SeverityInfo    Severity = "info"    // an event worth knowing (failover, resignation)
)

// Word is the severity as screens and lines show it: ERROR, WARN or INFO.
func (s Severity) Word() string {
	switch s {
	case SeverityError:
		return "ERROR"
	case SeverityWarning:
		return "WARN"
	}
	return "INFO"
}

// Rank orders severities, worst (0) first.
func (s Severity) Rank() int {
	switch s {
	case SeverityError:
		return 0
	case SeverityWarning:
		return 1
	}
	return 2
}

// GroupKey names a virtual router: the link it was seen on, the VLAN (the
// decode.Link.VLANKey: inner tag, outer tag above it for QinQ), the address
// family ("ipv4" or "ipv6") and the VRID.
type GroupKey struct {
	Link   string `json:"link"`
	VLAN   uint32 `json:"vlan"`
	Family string `json:"family"`
	VRID   uint8  `json:"vrid"`
	// Proto is ProtoCARP for a CARP group (VRID is then its vhid): "proto":
	// "carp" in JSON, absent for VRRP.
	Proto Proto `json:"proto,omitempty"`
}

// Proto is the protocol of a group: VRRP (the zero value) or CARP.
type Proto uint8

// Protocols.
const (
	ProtoVRRP Proto = iota
	ProtoCARP
)

func (p Proto) String() string {
	if p == ProtoCARP {
		return "carp"
	}
	return "vrrp"
}

// MarshalText writes "vrrp" or "carp".
func (p Proto) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads "vrrp" (or nothing) and "carp".
func (p *Proto) UnmarshalText(b []byte) error {
	switch string(b) {
	case "", "vrrp":
		*p = ProtoVRRP
	case "carp":
		*p = ProtoCARP
	default:
		return errors.New("track: unknown group protocol " + strconv.Quote(string(b)))
	}
	return nil
}

// String formats the key as link[.vlan] family vrid N (CARP: carp vhid N).
func (k GroupKey) String() string {
	var b strings.Builder
	b.WriteString(k.Link)
	if k.VLAN != 0 {
		b.WriteString(" vlan ")
		b.WriteString(itoa(int(k.VLAN)))
	}
	if k.Family == "" { // a finding about the link itself (capture-gap)
		return b.String()
	}
	b.WriteString(" ")
	b.WriteString(k.Family)
	if k.Proto == ProtoCARP {
		b.WriteString(" carp vhid ")
	} else {
		b.WriteString(" vrid ")
	}
	b.WriteString(itoa(int(k.VRID)))
	return b.String()
}

// Finding is one thing the tracker noticed. Repeats of the same id for the
// same group and routers are coalesced: Count grows and Last moves.
type Finding struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	Group    GroupKey `json:"group"`
	// Routers are the source addresses involved, in a stable order (for
	// split-brain and failover: the two sides; old master first).
	Routers []string  `json:"routers"`
	First   time.Time `json:"first"`
	Last    time.Time `json:"last"`
	Count   int       `json:"count"`
	Message string    `json:"message"` // what happened
	Cause   string    `json:"cause"`   // why, as far as the wire tells; "" when nothing to add
	Hint    string    `json:"hint"`    // the usual fix
	// Evidence holds the numbers behind the finding: durations in seconds
	// (keys ending in _s), priorities, counts, addresses.
	Evidence map[string]any `json:"evidence,omitempty"`

	// A state finding is an incident that opens and closes. Phase is
	// "open" or "close" as OnFinding delivers it (Findings: "open" while it
	// holds, "close" once it ended); "" for events and facts. Incident
	// numbers the episode (1, 2, ... in order of opening, shared by its
	// open and close); Start and End are when it began and ended (End zero
	// while open); Resolution says how it ended.
	Phase      string    `json:"phase,omitempty"`
	Incident   int       `json:"incident,omitempty"`
	Start      time.Time `json:"start,omitzero"`
	End        time.Time `json:"end,omitzero"`
	Resolution string    `json:"resolution,omitempty"`
}

// Phases of an incident.
const (
	PhaseOpen  = "open"
	PhaseClose = "close"
)

// Duration is how long the incident lasted (until end when still open).
func (f *Finding) Duration(end time.Time) time.Duration {
	if !f.End.IsZero() {
		end = f.End
	}
	return end.Sub(f.Start)
}

// clone returns a deep copy (Evidence values are immutable scalars).
// finding is a Finding as the tracker keeps it: First and Last on its own
// clock, converted when the finding is handed out.
type finding struct {
	Finding
	first, last instant
	// inc: the rule is KindState (an incident); open: an incident is
	// open; incident: 1 + index into Tracker.incidents of the latest.
	inc      bool
	open     bool
	incident int32
}

func (f *finding) clone() Finding {
	c := f.Finding
	c.First, c.Last = f.first.Time(), f.last.Time()
	c.Routers = append([]string(nil), f.Routers...)
	if f.Evidence != nil {
		c.Evidence = make(map[string]any, len(f.Evidence))
		for k, v := range f.Evidence {
			c.Evidence[k] = v
		}
	}
	return c
}

// key is what coalesces findings.
func (f *Finding) key() string {
	return f.ID + "|" + f.Group.String() + "|" + strings.Join(f.Routers, ",")
}

func exportKey(k groupKey) GroupKey {
	return GroupKey{Link: k.link, VLAN: k.vlan, Family: k.fam.String(), VRID: k.vrid}
}

// groupKey is the map key of a group: comparable, built without allocating.
type groupKey struct {
	link string
	vlan uint32
	fam  decode.Family
	vrid uint8
}

func addrStrings(as ...netip.Addr) []string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return s
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// secs rounds a duration to milliseconds, in seconds, for Evidence.
func secs(d time.Duration) float64 {
	return float64(d.Round(time.Microsecond)/time.Microsecond) / 1e6
}
