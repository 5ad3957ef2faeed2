package probe

import (
	"errors"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/track"
)

func heardV2(at time.Duration, src netip.Addr, prio uint8) Heard {
	return Heard{At: t0.Add(at), Src: src, VRID: 51, Priority: prio, Version: decode.V2, Interval: time.Second,
		VIPs: []netip.Addr{vip4}, AuthType: decode.AuthSimple, AuthPass: "secret12"}
}

func TestLearnGroup(t *testing.T) {
	hs := []Heard{heardV2(0, lo4, 150), heardV2(time.Second, lo4, 150), heardV2(2*time.Second, lo4, 150),
		{At: t0, Src: hi4, VRID: 9, Priority: 200, Version: decode.V3}}
	g, err := LearnGroup(51, decode.IPv4, hs)
	if err != nil {
		t.Fatal(err)
	}
	if g.Master != lo4 || g.Priority != 150 || g.Version != decode.V2 || g.Interval != time.Second ||
		!reflect.DeepEqual(g.VIPs, []netip.Addr{vip4}) || g.AuthType != decode.AuthSimple || g.Adverts != 3 {
		t.Errorf("group %+v", g)
	}
	if _, err := LearnGroup(52, decode.IPv4, hs); !errors.Is(err, ErrNoGroup) {
		t.Errorf("unknown vrid: %v, want ErrNoGroup", err)
	}
}

func TestPlanDrill(t *testing.T) {
	g, _ := LearnGroup(51, decode.IPv4, []Heard{heardV2(0, lo4, 150)})
	d, err := PlanDrill(g, me4, 5*time.Second, false, "secret12")
	if err != nil {
		t.Fatal(err)
	}
	sc := d.SpeakerConfig()
	if sc.VRID != 51 || sc.Priority != 151 || sc.Version != decode.V2 || sc.AuthPass != "secret12" || !sc.NoAnnounce || !sc.Preempt {
		t.Errorf("speaker config %+v", sc)
	}
	for _, tc := range []struct {
		name string
		prio uint8
		pass string
		want string
	}{
		{"no password", 150, "", "--auth-pass-file"},
		{"wrong password", 150, "secret99", "differs"},
		{"owner", 255, "secret12", "refusing"},
		{"254", 254, "secret12", "refusing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, _ := LearnGroup(51, decode.IPv4, []Heard{heardV2(0, lo4, tc.prio)})
			if _, err := PlanDrill(g, me4, time.Second, false, tc.pass); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("PlanDrill error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestAnalyzeDrill(t *testing.T) {
	g, _ := LearnGroup(51, decode.IPv4, []Heard{heardV2(0, lo4, 150)})
	d, _ := PlanDrill(g, me4, 5*time.Second, false, "secret12")
	ev := func(at time.Duration, kind string, src netip.Addr, prio uint8) TimelineEvent {
		return TimelineEvent{At: t0.Add(at), Kind: kind, Src: src, Priority: prio}
	}
	owner := func(at time.Duration, macs string) TimelineEvent {
		return TimelineEvent{At: t0.Add(at), Kind: EvKindOwner, Src: vip4, Note: macs}
	}
	skew150 := SkewTime(decode.V2, 150, time.Second) // 414.0625ms
	good := []TimelineEvent{
		owner(ms(10), "02:00:00:00:01:01"),
		ev(ms(500), EvKindAdvert, lo4, 150),
		ev(ms(3218), EvKindSent, netip.Addr{}, 151),
		ev(ms(3219), EvKindAdvert, lo4, 150), // sent before it heard us
		owner(ms(3500), "02:00:00:00:01:01"),
		ev(ms(8218), EvKindSent, netip.Addr{}, 0),
		// the GARP's listener stamped it before the advert's listener did
		{At: t0.Add(ms(8218) + skew150), Kind: EvKindAnnounce, Src: vip4, MAC: "02:00:00:00:01:01"},
		ev(ms(8218)+skew150+ms(1), EvKindAdvert, lo4, 150),
		owner(ms(12500), "02:00:00:00:01:01"),
	}
	healthy := &Evidence{Changes: 2}
	r := AnalyzeDrill(d, good, healthy)
	// The take-over is the new master's first sign: here its GARP.
	if !r.OK || r.Bound != "Skew_Time" || r.NewMaster != lo4 || r.Gap != skew150 || r.AdvertGap != skew150+ms(1) ||
		r.QuietLag != ms(1) || !r.Announced || len(r.Warnings) != 0 {
		t.Errorf("report %+v\n%s", r, r.Text())
	}
	if want := [3][]string{{"02:00:00:00:01:01"}, {"02:00:00:00:01:01"}, {"02:00:00:00:01:01"}}; !reflect.DeepEqual(r.Owners, want) {
		t.Errorf("owners %v, want %v", r.Owners, want)
	}
	if !strings.HasPrefix(r.Verdict, "PASS: 192.0.2.11 took over 414.063ms after our release") {
		t.Errorf("verdict %q", r.Verdict)
	}
	golden(t, "pass", r.Text())

	// The old master ignores priority 0 and waits out Master_Down_Interval.
	slow := append([]TimelineEvent(nil), good[:6]...)
	slow = append(slow, ev(ms(8218)+MasterDownInterval(decode.V2, 150, time.Second), EvKindAdvert, lo4, 150))
	r = AnalyzeDrill(d, slow, healthy)
	if r.OK || r.Bound != "Master_Down_Interval" || !strings.Contains(r.Verdict, "priority 0 was not honoured") {
		t.Errorf("slow take-over: %+v", r)
	}
	golden(t, "slow", r.Text())

	// The new master announces at Skew_Time but its first advert is lost
	// (FRR 8.4 over IPv6): it took over then; a warning says so.
	lost := append([]TimelineEvent(nil), good[:7]...)
	lost = append(lost, ev(ms(8218)+skew150+time.Second, EvKindAdvert, lo4, 150), good[len(good)-1])
	r = AnalyzeDrill(d, lost, healthy)
	if !r.OK || r.Gap != skew150 || r.AdvertGap != skew150+time.Second || len(r.Warnings) != 1 ||
		!strings.Contains(r.Verdict, "its first advert was lost") {
		t.Errorf("lost first advert: %+v\n%s", r, r.Text())
	}
	golden(t, "lost-advert", r.Text())

	// Nobody takes over.
	r = AnalyzeDrill(d, good[:6], healthy)
	if r.OK || !strings.Contains(r.Verdict, "nobody took over") {
		t.Errorf("no take-over: %q", r.Verdict)
	}

	// What the old drill passed: the verdict names the failed expectation
	// and its evidence.
	second := append(slices.Clone(good[:5]), ev(ms(7000), EvKindAdvert, hi4, 100))
	second = append(second, good[5:]...)
	twoOwners := slices.Clone(good)
	twoOwners[len(twoOwners)-1] = owner(ms(12500), "02:00:00:00:01:01 02:00:00:00:01:02")
	split := &Evidence{Changes: 3, Findings: []track.Finding{{ID: "split-brain", Severity: track.SeverityError,
		Routers: []string{"192.0.2.11", "192.0.2.13"}, Count: 1, Message: "192.0.2.11 and 192.0.2.13 both advertise as master"}}}
	for _, tc := range []struct {
		name string
		tl   []TimelineEvent
		ev   *Evidence
		want string
	}{
		{"second master while held", second, healthy, "one-master-held: 192.0.2.13 advertised as master 1 times (priority [100])"},
		{"two owners after", twoOwners, healthy, "vip-owners: 192.0.2.100: before 02:00:00:00:01:01, after 02:00:00:00:01:01 and 02:00:00:00:01:02"},
		{"split brain found", good, split, "wire-healthy: split-brain: 192.0.2.11 and 192.0.2.13 both advertise as master"},
		{"three changes", good, &Evidence{Changes: 3}, "two-changes: 3 master changes seen"},
		{"no capture", good, nil, "wire-healthy: the wire was not captured"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := AnalyzeDrill(d, tc.tl, tc.ev)
			if r.OK || !strings.HasPrefix(r.Verdict, "FAIL") || !strings.Contains(r.Verdict, tc.want) {
				t.Errorf("verdict %q, want a FAIL with %q", r.Verdict, tc.want)
			}
		})
	}
}
