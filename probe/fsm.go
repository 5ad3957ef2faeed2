package probe

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/timers"
)

// State is a VRRP router state (RFC 5798 6.4).
type State uint8

// The three states of RFC 5798 6.4.
const (
	Initialize State = iota
	Backup
	Master
)

func (s State) String() string {
	switch s {
	case Initialize:
		return "INIT"
	case Backup:
		return "BACKUP"
	case Master:
		return "MASTER"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Config is one virtual router as RFC 5798 6.1 describes it.
type Config struct {
	VRID     uint8          // Virtual Router Identifier, 1-255
	Priority uint8          // 1-255; 255 means this router owns the addresses
	Version  decode.Version // V2 (RFC 3768, IPv4 only) or V3 (RFC 5798)
	// Interval is Advertisement_Interval: whole seconds for v2, a multiple of
	// 10 ms up to 40.95 s for v3.
	Interval time.Duration
	VIPs     []netip.Addr // IPvX_Addresses, all of one family
	// Primary is this router's primary address on the link: IPv4, or the
	// link-local IPv6 address. It breaks ties of equal priority (6.4.3).
	Primary netip.Addr
	// Preempt is Preempt_Mode: a backup of higher priority takes over from a
	// master of lower priority. RFC default true.
	Preempt bool
	// Accept is Accept_Mode: the master accepts packets addressed to the
	// VIPs although it does not own them. The owner always accepts them;
	// see AcceptsVIPs. RFC 3768 (v2) has no Accept_Mode; like keepalived's
	// "accept", it applies to v2 too.
	Accept bool
	// AuthPass is the v2 simple-text password (at most 8 bytes); empty for
	// no authentication.
	AuthPass string
	// Checksum is how VRRPv3 adverts over IPv4 are checksummed:
	// decode.FlavourNone or FlavourRFC5798 for RFC 5798's pseudo-header,
	// FlavourMessageOnly for the message alone (keepalived's
	// v3_checksum_as_v2, FRR's no checksum-with-ipv4-pseudoheader). The
	// speaker takes it from the group it joins.
	Checksum decode.Flavour
}

// Family returns the family of the virtual addresses.
func (c *Config) Family() decode.Family {
	if c.Primary.Is6() && !c.Primary.Is4In6() {
		return decode.IPv6
	}
	return decode.IPv4
}

// AcceptsVIPs reports whether the router, as master, accepts packets
// addressed to its virtual addresses: when it is the address owner
// (priority 255) or in Accept_Mode (RFC 5798 6.4.3; RFC 3768 6.4.3 allows
// only the owner). In Backup no router accepts them (6.4.2), and the
// speaker has them on the host only while master.
func (c *Config) AcceptsVIPs() bool { return c.Priority == 255 || c.Accept }

// ErrConfig is the class of configuration errors Validate returns.
var ErrConfig = errors.New("invalid vrrp configuration")

// ConfigError names the bad field.
type ConfigError struct {
	Field, Detail string
}

func (e *ConfigError) Error() string { return "vrrp config: " + e.Field + ": " + e.Detail }

// Unwrap returns ErrConfig.
func (e *ConfigError) Unwrap() error { return ErrConfig }

// Validate checks the configuration against RFC 5798 / RFC 3768 limits.
func (c *Config) Validate() error {
	bad := func(f, format string, a ...any) error { return &ConfigError{f, fmt.Sprintf(format, a...)} }
	if c.VRID == 0 {
		return bad("vrid", "0 is not a virtual router id: use 1-255")
	}
	if c.Priority == 0 {
		return bad("priority", "0 is reserved for resigning: use 1-255")
	}
	if len(c.VIPs) == 0 {
		return bad("vip", "at least one virtual address is needed")
	}
	if !c.Primary.IsValid() {
		return bad("primary", "no primary address: the interface needs an IPv4 or link-local IPv6 address")
	}
	fam := c.Family()
	for _, a := range c.VIPs {
		if a.Is4() != (fam == decode.IPv4) {
			return bad("vip", "%s is not of the family of primary address %s", a, c.Primary)
		}
	}
	switch c.Version {
	case decode.V2:
		if fam != decode.IPv4 {
			return bad("version", "VRRPv2 is IPv4 only (RFC 3768): use version 3 for IPv6")
		}
		if c.Interval < time.Second || c.Interval > 255*time.Second || c.Interval%time.Second != 0 {
			return bad("interval", "%s: v2 needs whole seconds 1-255", c.Interval)
		}
		if len(c.AuthPass) > 8 {
			return bad("auth-pass", "%d bytes: the v2 simple password is at most 8", len(c.AuthPass))
		}
	case decode.V3:
		if c.Interval < 10*time.Millisecond || c.Interval > 4095*10*time.Millisecond || c.Interval%(10*time.Millisecond) != 0 {
			return bad("interval", "%s: v3 needs a multiple of 10ms from 10ms to 40.95s", c.Interval)
		}
		if c.AuthPass != "" {
			return bad("auth-pass", "VRRPv3 has no authentication (RFC 5798 9.2)")
		}
	default:
		return bad("version", "%s: use 2 or 3", c.Version)
	}
	return nil
}

// EventKind says what happened.
type EventKind uint8

// Events of RFC 5798 6.4.
const (
	EvStartup  EventKind = iota + 1 // the router is enabled
	EvShutdown                      // the router is disabled
	EvTimer                         // the timer last asked for by ActSetTimer expired
	EvAdvert                        // a valid ADVERTISEMENT for this VRID arrived
)

func (k EventKind) String() string {
	switch k {
	case EvStartup:
		return "Startup"
	case EvShutdown:
		return "Shutdown"
	case EvTimer:
		return "Timer"
	case EvAdvert:
		return "Advert"
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event is an input to Machine.Handle. Src, Priority and Interval are set
// for EvAdvert only.
type Event struct {
	Kind     EventKind
	Src      netip.Addr    // the advert's IP source, the sender's primary address
	Priority uint8         // the advert's Priority
	Interval time.Duration // the advert's (Max) Adver Int
}

func (e Event) String() string {
	if e.Kind == EvAdvert {
		return fmt.Sprintf("Advert(src=%s prio=%d int=%s)", e.Src, e.Priority, e.Interval)
	}
	return e.Kind.String()
}

// ActionKind says what the runtime must do.
type ActionKind uint8

// Actions a Machine asks for.
const (
	ActSend        ActionKind = iota + 1 // send an ADVERTISEMENT with Priority
	ActSetTimer                          // (re)arm the single timer to fire at At
	ActCancelTimer                       // stop the timer
	ActInstallVIPs                       // the router became master: take the addresses
	ActAnnounce                          // gratuitous ARP / unsolicited NA for every VIP
	ActRemoveVIPs                        // the router stopped being master
	ActState                             // the router entered State, because of Reason
)

func (k ActionKind) String() string {
	switch k {
	case ActSend:
		return "Send"
	case ActSetTimer:
		return "SetTimer"
	case ActCancelTimer:
		return "CancelTimer"
	case ActInstallVIPs:
		return "InstallVIPs"
	case ActAnnounce:
		return "Announce"
	case ActRemoveVIPs:
		return "RemoveVIPs"
	case ActState:
		return "State"
	}
	return "ActionKind(" + strconv.Itoa(int(k)) + ")"
}

// Action is an output of Machine.Handle.
type Action struct {
	Kind     ActionKind
	Priority uint8     // ActSend
	At       time.Time // ActSetTimer
	State    State     // ActState
	Reason   string    // ActState
}

func (a Action) String() string {
	switch a.Kind {
	case ActSend:
		return "Send(prio=" + strconv.Itoa(int(a.Priority)) + ")"
	case ActSetTimer:
		return "SetTimer(" + a.At.Format("15:04:05.000000") + ")"
	case ActState:
		return "State(" + a.State.String() + ": " + a.Reason + ")"
	}
	return a.Kind.String()
}

// Machine is the state machine of one virtual router, RFC 5798 6.4 (and
// RFC 3768 6.4 for v2). It does no I/O and reads no clock: Handle takes the
// time of each event and returns what to do. It keeps one timer, which is
// Master_Down_Timer in Backup and Adver_Timer in Master. Not safe for
// concurrent use.
type Machine struct {
	cfg   Config
	state State
	// masterAdverInt is Master_Adver_Interval (v3): learned from the
	// master's adverts. For v2 it stays the configured interval.
	masterAdverInt time.Duration
	deadline       time.Time // when the timer fires; zero when stopped
	master         netip.Addr
	// outbid is the last lower-priority master whose adverts Backup
	// discarded under Preempt_Mode, and its priority.
	outbid     netip.Addr
	outbidPrio uint8
}

// NewMachine returns a machine in Initialize. The configuration must pass
// Validate.
func NewMachine(cfg Config) (*Machine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.VIPs = append([]netip.Addr(nil), cfg.VIPs...)
	return &Machine{cfg: cfg, masterAdverInt: cfg.Interval}, nil
}

// State returns the current state.
func (m *Machine) State() State { return m.state }

// Config returns the configuration.
func (m *Machine) Config() Config { return m.cfg }

// Deadline returns when the timer fires; zero when it is stopped.
func (m *Machine) Deadline() time.Time { return m.deadline }

// MasterAdverInterval returns Master_Adver_Interval.
func (m *Machine) MasterAdverInterval() time.Duration { return m.masterAdverInt }

// Master returns the address of the master last heard from in Backup, or
// the router's own primary address in Master.
func (m *Machine) Master() netip.Addr { return m.master }

// SkewTime is timers.SkewTime: Skew_Time for priority p and master
// interval iv (RFC 5798 6.1, RFC 3768 6.1).
func SkewTime(v decode.Version, p uint8, iv time.Duration) time.Duration {
	return timers.SkewTime(v, p, iv)
}

// MasterDownInterval is timers.MasterDownInterval: (3 * iv) + Skew_Time.
func MasterDownInterval(v decode.Version, p uint8, iv time.Duration) time.Duration {
	return timers.MasterDownInterval(v, p, iv)
}

// SkewTime returns the router's current Skew_Time.
func (m *Machine) SkewTime() time.Duration {
	return SkewTime(m.cfg.Version, m.cfg.Priority, m.masterAdverInt)
}

// MasterDownInterval returns the router's current Master_Down_Interval.
func (m *Machine) MasterDownInterval() time.Duration {
	return MasterDownInterval(m.cfg.Version, m.cfg.Priority, m.masterAdverInt)
}

// Handle feeds one event at time now and returns the actions to perform,
// in order. A timer event before the deadline (a stale timer) is ignored.
func (m *Machine) Handle(now time.Time, ev Event) []Action {
	switch m.state {
	case Initialize:
		if ev.Kind == EvStartup {
			return m.startup(now)
		}
	case Backup:
		return m.backup(now, ev)
	case Master:
		return m.inMaster(now, ev)
	}
	return nil
}

// startup is RFC 5798 6.4.1.
func (m *Machine) startup(now time.Time) []Action {
	if m.cfg.Priority == 255 {
		return m.becomeMaster(now, "address owner (priority 255)")
	}
	m.masterAdverInt = m.cfg.Interval
	return m.becomeBackup(now, m.MasterDownInterval(), "startup")
}

// backup is RFC 5798 6.4.2.
func (m *Machine) backup(now time.Time, ev Event) []Action {
	switch ev.Kind {
	case EvShutdown:
		m.state, m.deadline, m.master, m.outbid = Initialize, time.Time{}, netip.Addr{}, netip.Addr{}
		return []Action{{Kind: ActCancelTimer}, {Kind: ActState, State: Initialize, Reason: "shutdown"}}
	case EvTimer:
		if m.deadline.IsZero() || now.Before(m.deadline) {
			return nil
		}
		why := "master down: no advert for Master_Down_Interval"
		switch {
		case m.outbid.IsValid():
			why = fmt.Sprintf("preempting %s (priority %d < ours %d)", m.outbid, m.outbidPrio, m.cfg.Priority)
		case m.master.IsValid():
			why = "master " + m.master.String() + " down: no advert for Master_Down_Interval"
		}
		return m.becomeMaster(now, why)
	case EvAdvert:
		if ev.Priority == 0 {
			m.deadline = now.Add(m.SkewTime())
			return []Action{{Kind: ActSetTimer, At: m.deadline}}
		}
		if !m.cfg.Preempt || ev.Priority >= m.cfg.Priority {
			if m.cfg.Version == decode.V3 {
				m.masterAdverInt = ev.Interval
			}
			m.master, m.outbid = ev.Src, netip.Addr{}
			m.deadline = now.Add(m.MasterDownInterval())
			return []Action{{Kind: ActSetTimer, At: m.deadline}}
		}
		// Preempt_Mode and a lower priority: discard, the timer runs on.
		m.outbid, m.outbidPrio = ev.Src, ev.Priority
	}
	return nil
}

// inMaster is RFC 5798 6.4.3.
func (m *Machine) inMaster(now time.Time, ev Event) []Action {
	switch ev.Kind {
	case EvShutdown:
		m.state, m.deadline, m.master, m.outbid = Initialize, time.Time{}, netip.Addr{}, netip.Addr{}
		return []Action{{Kind: ActCancelTimer}, {Kind: ActSend, Priority: 0}, {Kind: ActRemoveVIPs},
			{Kind: ActState, State: Initialize, Reason: "shutdown: resigned with priority 0"}}
	case EvTimer:
		if m.deadline.IsZero() || now.Before(m.deadline) {
			return nil
		}
		m.deadline = now.Add(m.cfg.Interval)
		return []Action{{Kind: ActSend, Priority: m.cfg.Priority}, {Kind: ActSetTimer, At: m.deadline}}
	case EvAdvert:
		if ev.Priority == 0 {
			m.deadline = now.Add(m.cfg.Interval)
			return []Action{{Kind: ActSend, Priority: m.cfg.Priority}, {Kind: ActSetTimer, At: m.deadline}}
		}
		if ev.Priority > m.cfg.Priority || (ev.Priority == m.cfg.Priority && ev.Src.Compare(m.cfg.Primary) > 0) {
			if m.cfg.Version == decode.V3 {
				m.masterAdverInt = ev.Interval
			}
			why := fmt.Sprintf("advert from %s with priority %d > ours %d", ev.Src, ev.Priority, m.cfg.Priority)
			if ev.Priority == m.cfg.Priority {
				why = fmt.Sprintf("advert from %s with equal priority %d and a greater address", ev.Src, ev.Priority)
			}
			m.master = ev.Src
			acts := []Action{{Kind: ActRemoveVIPs}}
			return append(acts, m.becomeBackup(now, m.MasterDownInterval(), why)...)
		}
		// Lower priority, or equal with a smaller address: discard.
	}
	return nil
}

func (m *Machine) becomeMaster(now time.Time, why string) []Action {
	m.state, m.master, m.outbid = Master, m.cfg.Primary, netip.Addr{}
	m.deadline = now.Add(m.cfg.Interval)
	return []Action{
		{Kind: ActState, State: Master, Reason: why},
		{Kind: ActInstallVIPs},
		{Kind: ActSend, Priority: m.cfg.Priority},
		{Kind: ActAnnounce},
		{Kind: ActSetTimer, At: m.deadline},
	}
}

func (m *Machine) becomeBackup(now time.Time, wait time.Duration, why string) []Action {
	m.state = Backup
	m.deadline = now.Add(wait)
	return []Action{
		{Kind: ActState, State: Backup, Reason: why},
		{Kind: ActSetTimer, At: m.deadline},
	}
}
