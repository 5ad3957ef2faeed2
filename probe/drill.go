package probe

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
)

// A failover drill: listen to learn a group, advertise above its master to
// take it, hold, release with priority 0, and measure from the wire what the
// group did. LearnGroup, PlanDrill and AnalyzeDrill are pure; RunDrill does
// the I/O through the same seams as the speaker.

// Heard is one advert with its arrival time.
type Heard struct {
	At       time.Time
	Src      netip.Addr
	VRID     uint8
	Priority uint8
	Version  decode.Version
	Interval time.Duration
	VIPs     []netip.Addr
	AuthType decode.AuthType
	AuthPass string         // v2 simple-text password as sent in clear
	Checksum decode.Flavour // how its checksum was computed
}

// HeardFrom decodes a packet into a Heard; ok is false for anything that is
// not a valid advert.
func HeardFrom(at time.Time, p Packet) (Heard, bool) {
	var v decode.VRRP
	fam := decode.IPv4
	if p.Src.Is6() {
		fam = decode.IPv6
	}
	v.IP = decode.Carrier{Family: fam, Src: p.Src, Dst: p.Dst, TTL: p.TTL, Length: len(p.Data)}
	if v.DecodeFromBytes(p.Data, nilFeedback{}) != nil || v.ChecksumStatus != decode.ChecksumGood ||
		v.Type != decode.TypeAdvertisement {
		return Heard{}, false
	}
	h := Heard{At: at, Src: p.Src, VRID: v.VRID, Priority: v.Priority, Version: v.Version,
		Interval: v.Interval(), VIPs: slices.Clone(v.Addrs), AuthType: v.AuthType, Checksum: v.Flavour}
	if v.AuthType == decode.AuthSimple {
		h.AuthPass = v.AuthString()
	}
	return h, true
}

// Group is what listening taught about one virtual router.
type Group struct {
	VRID     uint8           `json:"vrid"`
	Family   decode.Family   `json:"family"`
	Version  decode.Version  `json:"version"`
	Master   netip.Addr      `json:"master"`
	Priority uint8           `json:"priority"`
	Interval time.Duration   `json:"interval_ns"`
	VIPs     []netip.Addr    `json:"vips"`
	AuthType decode.AuthType `json:"auth_type"`
	// Checksum is the flavour of the master's checksum: for VRRPv3 over
	// IPv4 the RFC 5798 pseudo-header or the message alone.
	Checksum decode.Flavour `json:"-"`
	Adverts  int            `json:"adverts"`
	// Speakers lists every source heard with a non-zero priority; more than
	// one means the group was not stable while listening.
	Speakers []netip.Addr `json:"speakers"`
	heard    string       // the password heard in clear, to check --auth-pass against
}

// ErrNoGroup: nothing was heard for the VRID.
var ErrNoGroup = errors.New("no advert heard for the vrid")

// LearnGroup picks the group's master among adverts of vrid and family: the
// source of the last advert with a non-zero priority.
func LearnGroup(vrid uint8, fam decode.Family, hs []Heard) (*Group, error) {
	g := &Group{VRID: vrid, Family: fam}
	for _, h := range hs {
		if h.VRID != vrid || h.Src.Is4() != (fam == decode.IPv4) || h.Priority == 0 {
			continue
		}
		g.Adverts++
		g.Master, g.Priority, g.Version, g.Interval = h.Src, h.Priority, h.Version, h.Interval
		g.VIPs, g.AuthType, g.heard, g.Checksum = h.VIPs, h.AuthType, h.AuthPass, h.Checksum
		if !slices.Contains(g.Speakers, h.Src) {
			g.Speakers = append(g.Speakers, h.Src)
		}
	}
	if g.Adverts == 0 {
		return nil, fmt.Errorf("vrid %d (%s): %w", vrid, fam, ErrNoGroup)
	}
	return g, nil
}

// Drill is a planned failover drill.
type Drill struct {
	Group    Group         `json:"group"`
	Self     netip.Addr    `json:"self"`
	Priority uint8         `json:"priority"` // ours: the master's plus one
	Hold     time.Duration `json:"hold_ns"`
	Claim    bool          `json:"claim"`
	AuthPass string        `json:"-"`
}

// PlanDrill derives the drill from the group: same VRID, version, interval
// and VIPs, priority one above the master's. It refuses when the master is
// the address owner (255) or at 254 (taking over would mean claiming
// ownership), and checks a v2 password against the one heard.
func PlanDrill(g *Group, self netip.Addr, hold time.Duration, claim bool, authPass string) (*Drill, error) {
	switch {
	case g.Priority >= 254:
		return nil, fmt.Errorf("master %s has priority %d: outbidding it would need 255, the address owner's; refusing", g.Master, g.Priority)
	case g.AuthType == decode.AuthAH:
		return nil, errors.New("the group uses IPsec AH authentication, which vrrpprobe cannot speak")
	case g.AuthType == decode.AuthSimple && authPass == "":
		return nil, ErrAuthNeeded
	case g.AuthType == decode.AuthSimple && authPass != g.heard:
		return nil, errors.New("--auth-pass differs from the password the group sends: the routers would discard our adverts")
	case g.AuthType == decode.AuthNone && authPass != "":
		return nil, errors.New("the group uses no authentication: drop --auth-pass")
	case hold <= 0:
		return nil, errors.New("--hold must be positive")
	}
	return &Drill{Group: *g, Self: self, Priority: g.Priority + 1, Hold: hold, Claim: claim, AuthPass: authPass}, nil
}

// SpeakerConfig is the speaker the drill runs.
func (d *Drill) SpeakerConfig() SpeakerConfig {
	return SpeakerConfig{
		Config: Config{VRID: d.Group.VRID, Priority: d.Priority, Version: d.Group.Version,
			Interval: d.Group.Interval, VIPs: d.Group.VIPs, Primary: d.Self, Preempt: true, AuthPass: d.AuthPass,
			Checksum: d.Group.Checksum},
		NoAnnounce: !d.Claim,
	}
}

// Plan describes the drill in words.
func (d *Drill) Plan() string {
	g := d.Group
	var b strings.Builder
	fmt.Fprintf(&b, "group: %s %s vrid %d, master %s priority %d, interval %s, VIPs %v, auth %s\n",
		g.Family, g.Version, g.VRID, g.Master, g.Priority, g.Interval, g.VIPs, g.AuthType)
	if len(g.Speakers) > 1 {
		fmt.Fprintf(&b, "warning: %d routers advertised while listening: %v\n", len(g.Speakers), g.Speakers)
	}
	claim := "without gratuitous ARP / NA"
	if d.Claim {
		claim = "claiming the VIPs with gratuitous ARP / NA"
	}
	mdi := MasterDownInterval(g.Version, d.Priority, g.Interval)
	fmt.Fprintf(&b, "plan: advertise from %s with priority %d (%s); expect to be master after %s;\n", d.Self, d.Priority, claim, mdi)
	fmt.Fprintf(&b, "      hold %s, then release with priority 0; %s should take over within its Skew_Time %s\n",
		d.Hold, g.Master, SkewTime(g.Version, g.Priority, g.Interval))
	return b.String()
}

// Event kinds of a drill timeline.
const (
	EvKindAdvert   = "advert"   // an advert heard from another router
	EvKindSent     = "sent"     // an advert the drill sent
	EvKindAnnounce = "announce" // gratuitous ARP or neighbour advertisement for a VIP
	EvKindPhase    = "phase"    // the drill's own steps
	EvKindOwner    = "owner"    // an owner lookup's result
)

// TimelineEvent is one entry of the drill's timeline.
type TimelineEvent struct {
	At       time.Time  `json:"at"`
	Kind     string     `json:"kind"`
	Src      netip.Addr `json:"src,omitzero"`
	MAC      string     `json:"mac,omitempty"`
	Priority uint8      `json:"priority,omitempty"`
	Note     string     `json:"note,omitempty"`
}

// Report is the drill's measurement and verdict.
type Report struct {
	Drill *Drill `json:"drill"`
	// OurFirst is our first advert; OldQuiet the old master's last advert
	// after it (zero if it never spoke again).
	OurFirst  time.Time     `json:"our_first"`
	OldQuiet  time.Time     `json:"old_master_quiet,omitzero"`
	QuietLag  time.Duration `json:"old_master_quiet_after_ns"`
	Release   time.Time     `json:"release"`
	NewMaster netip.Addr    `json:"new_master,omitzero"`
	NewAt     time.Time     `json:"new_master_at,omitzero"` // its first advert after the release
	// AnnounceAt is the first gratuitous ARP / unsolicited NA for a VIP
	// after the release.
	AnnounceAt time.Time `json:"announce_at,omitzero"`
	// Gap is the take-over: from the release to the new master's first
	// sign on the wire, its advert or its announcement, whichever came
	// first (FRR 8.4 loses its first IPv6 advert as new master, but not
	// its NA). AdvertGap is to its first advert alone.
	Gap       time.Duration `json:"takeover_gap_ns"`
	AdvertGap time.Duration `json:"advert_gap_ns"`
	// Skew and MasterDown are the new master's Skew_Time and
	// Master_Down_Interval for its priority.
	Skew       time.Duration   `json:"skew_time_ns"`
	MasterDown time.Duration   `json:"master_down_interval_ns"`
	Bound      string          `json:"bound"` // "Skew_Time", "Master_Down_Interval" or "late"
	Announced  bool            `json:"announced"`
	Owners     [3][]string     `json:"owners"` // before, during, after
	Timeline   []TimelineEvent `json:"timeline"`
	// Expectations are what the drill required, each with its evidence;
	// Evidence is the tracker's reading of the wire over the drill.
	Expectations []Expectation `json:"expectations"`
	Evidence     *Evidence     `json:"evidence"`
	// Warnings are oddities that do not fail the drill.
	Warnings []string `json:"warnings,omitempty"`
	OK       bool     `json:"ok"`
	Verdict  string   `json:"verdict"`
}

// Tolerance is the slack AnalyzeDrill allows over an RFC bound.
const Tolerance = 20 * time.Millisecond

// AnalyzeDrill measures the drill from its timeline (sorted by time) and
// checks its expectations against it and the tracker's evidence (nil when
// the wire was not captured: the drill then cannot pass).
func AnalyzeDrill(d *Drill, tl []TimelineEvent, ev *Evidence) *Report {
	r := &Report{Drill: d, Timeline: tl}
	old := d.Group.Master
	for _, e := range tl {
		switch {
		case e.Kind == EvKindSent && e.Priority > 0 && r.OurFirst.IsZero():
			r.OurFirst = e.At
		case e.Kind == EvKindSent && e.Priority == 0 && r.Release.IsZero():
			r.Release = e.At
		case e.Kind == EvKindAdvert && e.Src == old && !r.OurFirst.IsZero() && r.Release.IsZero() && e.Priority > 0:
			r.OldQuiet = e.At
		case e.Kind == EvKindAdvert && !r.Release.IsZero() && e.Priority > 0 && r.NewAt.IsZero():
			r.NewMaster, r.NewAt = e.Src, e.At
			r.AdvertGap = e.At.Sub(r.Release)
		case e.Kind == EvKindAnnounce && !r.Release.IsZero() && e.At.After(r.Release) && r.AnnounceAt.IsZero():
			r.AnnounceAt = e.At
		case e.Kind == EvKindOwner && e.Src == lookedUp(d.Group.VIPs):
			switch {
			case r.OurFirst.IsZero():
				r.Owners[0] = strings.Fields(e.Note)
			case r.Release.IsZero():
				r.Owners[1] = strings.Fields(e.Note)
			default:
				r.Owners[2] = strings.Fields(e.Note)
			}
		}
	}
	if !r.OldQuiet.IsZero() {
		r.QuietLag = r.OldQuiet.Sub(r.OurFirst)
	}
	// The new master's announcement goes out next to its first advert; two
	// listeners timestamp them, so allow either order, and an announcement
	// before a late first advert.
	r.Gap = r.AdvertGap
	if !r.NewAt.IsZero() && !r.AnnounceAt.IsZero() && r.AnnounceAt.Before(r.NewAt.Add(time.Second)) {
		r.Announced = true
		if a := r.AnnounceAt.Sub(r.Release); a < r.Gap {
			r.Gap = a
		}
		if r.AdvertGap-r.Gap > d.Group.Interval/2 {
			r.Warnings = append(r.Warnings, fmt.Sprintf("the new master announced the VIPs %s after the release but sent its first advert only after %s: its first advert was lost",
				r.Gap.Round(time.Microsecond), r.AdvertGap.Round(time.Microsecond)))
		}
	}
	if !r.NewAt.IsZero() {
		prio := uint8(0)
		for _, e := range tl {
			if e.Kind == EvKindAdvert && e.At == r.NewAt && e.Src == r.NewMaster {
				prio = e.Priority
			}
		}
		r.Skew = SkewTime(d.Group.Version, prio, d.Group.Interval)
		r.MasterDown = MasterDownInterval(d.Group.Version, prio, d.Group.Interval)
		switch {
		case r.Gap <= r.Skew+Tolerance:
			r.Bound = "Skew_Time"
		case r.Gap <= r.MasterDown+Tolerance:
			r.Bound = "Master_Down_Interval"
		default:
			r.Bound = "late"
		}
	}
	r.Evidence = ev
	r.Expectations = expect(r, tl, ev)
	var fails []string
	for _, e := range r.Expectations {
		if !e.OK {
			fails = append(fails, e.Name+": "+strings.Join(e.Evidence, "; "))
		}
	}
	r.OK = len(fails) == 0
	if r.OK {
		r.Verdict = fmt.Sprintf("PASS: %s took over %s after our release (Skew_Time %s)", r.NewMaster, r.Gap.Round(time.Microsecond), r.Skew)
		if len(r.Warnings) > 0 {
			r.Verdict += "; warning: " + strings.Join(r.Warnings, "; ")
		}
	} else {
		r.Verdict = "FAIL: " + strings.Join(fails, "; ")
	}
	return r
}

// lookedUp is the first VIP owner lookups ask for: link-local IPv6
// addresses are skipped (every router of the group answers for them on its
// own link).
func lookedUp(vips []netip.Addr) netip.Addr {
	for _, v := range vips {
		if !(v.Is6() && v.IsLinkLocalUnicast()) {
			return v
		}
	}
	return netip.Addr{}
}

// Text renders the report as a timeline relative to the drill's start.
func (r *Report) Text() string {
	var b strings.Builder
	var t0 time.Time
	if len(r.Timeline) > 0 {
		t0 = r.Timeline[0].At
	}
	b.WriteString("timeline (seconds since the drill began):\n")
	for _, e := range r.Timeline {
		fmt.Fprintf(&b, "  %9.6f %-8s", e.At.Sub(t0).Seconds(), e.Kind)
		if e.Src.IsValid() {
			fmt.Fprintf(&b, " %s", e.Src)
		}
		if e.Kind == EvKindAdvert || e.Kind == EvKindSent {
			fmt.Fprintf(&b, " prio %d", e.Priority)
		}
		if e.MAC != "" {
			fmt.Fprintf(&b, " %s", e.MAC)
		}
		if e.Note != "" {
			fmt.Fprintf(&b, " %s", e.Note)
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "old master %s went quiet %s after our first advert\n", r.Drill.Group.Master, r.QuietLag.Round(time.Microsecond))
	if r.NewMaster.IsValid() {
		fmt.Fprintf(&b, "after the release %s took over in %s (Skew_Time %s, Master_Down_Interval %s: within %s); announced: %v",
			r.NewMaster, r.Gap.Round(time.Microsecond), r.Skew, r.MasterDown, r.Bound, r.Announced)
		if r.AdvertGap != r.Gap {
			fmt.Fprintf(&b, "; first advert after %s", r.AdvertGap.Round(time.Microsecond))
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "owners before %v, during %v, after %v\n", r.Owners[0], r.Owners[1], r.Owners[2])
	if r.Evidence != nil && len(r.Evidence.Findings) > 0 {
		b.WriteString("tracker findings over the drill:\n")
		for _, f := range r.Evidence.Findings {
			fmt.Fprintf(&b, "  %-7s %s: %s\n", f.Severity, f.ID, f.Message)
		}
	}
	b.WriteString("expectations:\n")
	for _, e := range r.Expectations {
		word := "FAIL"
		if e.OK {
			word = "pass"
		}
		fmt.Fprintf(&b, "  %s %s: %s\n", word, e.Name, e.Want)
		for _, ev := range e.Evidence {
			fmt.Fprintf(&b, "         %s\n", ev)
		}
	}
	b.WriteString(r.Verdict + "\n")
	return b.String()
}

// DrillEnv is what RunDrill needs from the host.
type DrillEnv struct {
	Watch    Link     // passive listener for adverts (its own socket)
	Speak    Link     // the drill speaker's link
	Host     Host     // announcements for --claim
	Announce Resolver // watches gratuitous ARP / NA; may be nil
	// Frames captures the link (Ethernet frames, sent and received) for
	// the tracker, whose findings are the drill's evidence; nil leaves
	// the drill without evidence, and it cannot pass.
	Frames   FrameSource
	Resolver func(vip netip.Addr) (Resolver, error) // a fresh resolver for each owner lookup
	Link     string                                 // the interface's name, for the tracker
	Logf     func(string, ...any)                   // progress; may be nil
	Notify   func(Transition)                       // speaker transitions; may be nil
}

// timeline collects events from several goroutines.
type timeline struct {
	mu sync.Mutex
	ev []TimelineEvent
}

func (t *timeline) add(e TimelineEvent) {
	t.mu.Lock()
	t.ev = append(t.ev, e)
	t.mu.Unlock()
}

func (t *timeline) sorted() []TimelineEvent {
	t.mu.Lock()
	defer t.mu.Unlock()
	ev := slices.Clone(t.ev)
	slices.SortStableFunc(ev, func(a, b TimelineEvent) int { return a.At.Compare(b.At) })
	return ev
}

// recordingLink records the adverts the drill speaker sends.
type recordingLink struct {
	Link
	tl *timeline
}

func (l *recordingLink) WritePacket(msg []byte, dst netip.Addr) error {
	err := l.Link.WritePacket(msg, dst)
	if err == nil && len(msg) > 2 {
		l.tl.add(TimelineEvent{At: time.Now(), Kind: EvKindSent, Priority: msg[2], Note: "to " + dst.String()})
	}
	return err
}

// RunDrill executes a planned drill: owner lookup, take over, owner lookup,
// hold, release, wait for the take-over, owner lookup; then analyses.
// It closes env's links.
func RunDrill(ctx context.Context, d *Drill, env DrillEnv) (*Report, error) {
	logf := env.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	tl := &timeline{}
	phase := func(s string) {
		tl.add(TimelineEvent{At: time.Now(), Kind: EvKindPhase, Note: s})
		logf("%s", s)
	}
	done := make(chan struct{})
	defer close(done)
	defer env.Watch.Close()
	var evidence func() *Evidence
	if env.Frames != nil {
		evidence = watchWire(env.Frames, env.Link, d.Group.VRID, d.Group.Family)
	}
	analyze := func() *Report {
		var ev *Evidence
		if evidence != nil {
			ev, evidence = evidence(), nil
		}
		return AnalyzeDrill(d, tl.sorted(), ev)
	}
	defer func() {
		if evidence != nil {
			evidence()
		}
	}()
	go func() {
		buf := make([]byte, 1500)
		for {
			p, err := env.Watch.ReadPacket(buf)
			if err != nil {
				return
			}
			if h, ok := HeardFrom(time.Now(), p); ok && h.VRID == d.Group.VRID && h.Src != d.Self {
				tl.add(TimelineEvent{At: h.At, Kind: EvKindAdvert, Src: h.Src, Priority: h.Priority})
			}
		}
	}()
	if env.Announce != nil {
		defer env.Announce.Close()
		go func() {
			for {
				rep, err := env.Announce.ReadReply()
				if err != nil {
					return
				}
				if slices.Contains(d.Group.VIPs, rep.IP) {
					tl.add(TimelineEvent{At: time.Now(), Kind: EvKindAnnounce, Src: rep.IP, MAC: rep.MAC.String()})
				}
			}
		}()
	}
	owner := func(when string) {
		for _, vip := range d.Group.VIPs {
			if vip.Is6() && vip.IsLinkLocalUnicast() {
				continue // answered on every link of the router: not a VIP to look up from here
			}
			res, err := env.Resolver(vip)
			if err != nil {
				logf("owner lookup %s: %v", when, err)
				return
			}
			r, err := LookupOwner(ctx, OwnerQuery{VIP: vip, Count: 2, Listen: 300 * time.Millisecond}, res, nil)
			if err != nil {
				logf("owner lookup %s: %v", when, err)
				return
			}
			macs := make([]string, len(r.Owners))
			for i, o := range r.Owners {
				macs[i] = o.MAC
			}
			tl.add(TimelineEvent{At: time.Now(), Kind: EvKindOwner, Src: vip, Note: strings.Join(macs, " ")})
		}
	}

	phase("drill begins")
	owner("before")
	sp, err := NewSpeaker(d.SpeakerConfig(), &recordingLink{env.Speak, tl}, env.Host, func(t Transition) {
		tl.add(TimelineEvent{At: t.At, Kind: EvKindPhase, Note: "speaker " + t.From.String() + " -> " + t.To.String() + ": " + t.Reason})
		if env.Notify != nil {
			env.Notify(t)
		}
	}, logf)
	if err != nil {
		env.Speak.Close()
		return nil, err
	}
	spCtx, stopSpeaker := context.WithCancel(ctx)
	spDone := make(chan error, 1)
	go func() { spDone <- sp.Run(spCtx) }()
	// Wait to be master: our Master_Down_Interval, with slack.
	wait := MasterDownInterval(d.Group.Version, d.Priority, d.Group.Interval) + d.Group.Interval
	deadline := time.After(wait)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for master := false; !master; {
		select {
		case <-ctx.Done():
			stopSpeaker()
			<-spDone
			return nil, ctx.Err()
		case err := <-spDone:
			stopSpeaker()
			return nil, fmt.Errorf("drill speaker stopped: %w", err)
		case <-deadline:
			stopSpeaker()
			<-spDone
			return analyze(), errors.New("the drill speaker did not become master")
		case <-tick.C:
			master = slices.ContainsFunc(tl.sorted(), func(e TimelineEvent) bool { return e.Kind == EvKindSent && e.Priority > 0 })
		}
	}
	owner("during")
	phase("holding for " + d.Hold.String())
	select {
	case <-time.After(d.Hold):
	case <-ctx.Done():
	}
	phase("releasing with priority 0")
	stopSpeaker()
	if err := <-spDone; err != nil {
		return nil, fmt.Errorf("drill speaker: %w", err)
	}
	// The group has its Master_Down_Interval at most to take over.
	select {
	case <-time.After(MasterDownInterval(d.Group.Version, 1, d.Group.Interval) + 2*Tolerance):
	case <-ctx.Done():
	}
	owner("after")
	phase("drill ends")
	return analyze(), nil
}
