package path

import (
	"slices"
	"strings"
	"testing"

	"github.com/vrrpkit/vrrpkit/decode"
)

// fate is what happens to one frame on the way.
type fate struct {
	notLeft      bool // the sender's own host drops it
	refused      bool // the sender's socket refused it (EPERM)
	wire, socket int  // copies at the receiver's interface and raw socket
	ttl          uint8
	mac          string // source MAC as received; "" = as sent
}

// simulate builds the logs of a run whose frames meet fateOf.
func simulate(t *testing.T, fateOf func(f Frame) fate) (*SendLog, *ListenLog) {
	t.Helper()
	c := testPlan(t, 3)
	frames, err := Plan(c)
	if err != nil {
		t.Fatal(err)
	}
	s := &SendLog{VRID: c.VRID, MAC: macA.String(), Sends: c.Sends(), Watched: true}
	h := &ListenLog{VRID: c.VRID, Sends: c.Sends()}
	for _, f := range frames {
		x := fateOf(f)
		sent := Sent{ID: f.ID, Src: f.Src, Dst: f.Dst, SrcMAC: f.SrcMAC.String(), Left: !x.notLeft && !x.refused}
		if x.refused {
			sent.Err, sent.Refused = "sendmsg: operation not permitted", true
		}
		s.Frames = append(s.Frames, sent)
		if !sent.Left || x.wire == 0 && x.socket == 0 {
			continue
		}
		mac := x.mac
		if mac == "" {
			mac = f.SrcMAC.String()
		}
		ttl := x.ttl
		if ttl == 0 {
			ttl = 255
		}
		if f.Kind == KindProbe && f.Family == decode.IPv4 {
			ttl = 0
		}
		hd := Heard{ID: f.ID, Wire: x.wire, TTL: ttl, SrcMAC: mac, Src: f.Src}
		if f.Kind.Advert() {
			hd.Socket = x.socket
			if x.socket > 0 {
				hd.SocketTTL = ttl
			}
		}
		h.Heard = append(h.Heard, hd)
	}
	return s, h
}

func pass(Frame) fate { return fate{wire: 1, socket: 1} }

func ids(fs []Finding) []string {
	var l []string
	for _, f := range fs {
		l = append(l, f.Family.String()+" "+f.ID)
	}
	return l
}

func statuses(v *Verdict) map[string]Status {
	m := map[string]Status{}
	for _, r := range v.Rows {
		m[r.Family.String()+" "+r.Name] = r.Status
	}
	return m
}

// TestJudge plants each kind of loss in the logs and checks the finding
// and the rows it names.
func TestJudge(t *testing.T) {
	isGroup := func(f Frame) bool { return f.Dst.IsMulticast() && f.Kind.Advert() }
	for _, tc := range []struct {
		name     string
		fate     func(Frame) fate
		findings []string
		status   map[string]Status // rows to check
	}{
		{name: "clean", fate: pass,
			status: map[string]Status{"ipv4 group": StatusPass, "ipv6 dad-ns": StatusPass, "ipv4 v2": StatusPass}},
		{name: "receiver firewall drops protocol 112",
			fate: func(f Frame) fate {
				return fate{wire: 1}
			},
			findings: []string{"ipv4 receiver-firewall", "ipv6 receiver-firewall"},
			status:   map[string]Status{"ipv4 group": StatusFirewall, "ipv4 unicast": StatusFirewall, "ipv4 arp-probe": StatusPass}},
		{name: "multicast dropped, unicast passes",
			fate: func(f Frame) fate {
				if isGroup(f) {
					return fate{}
				}
				return pass(f)
			},
			findings: []string{"ipv4 multicast-dropped", "ipv6 multicast-dropped"},
			status:   map[string]Status{"ipv4 group": StatusDropped, "ipv4 group-vmac": StatusDropped, "ipv4 unicast": StatusPass}},
		{name: "all VRRP dropped, ARP passes",
			fate: func(f Frame) fate {
				if f.Kind.Advert() {
					return fate{}
				}
				return pass(f)
			},
			findings: []string{"ipv4 vrrp-dropped", "ipv6 vrrp-dropped"}},
		{name: "virtual MAC dropped",
			fate: func(f Frame) fate {
				if !f.Kind.Kernel() {
					return fate{}
				}
				return pass(f)
			},
			findings: []string{"ipv4 vmac-dropped", "ipv6 vmac-dropped"},
			status:   map[string]Status{"ipv4 group": StatusPass, "ipv4 group-vmac": StatusDropped, "ipv6 dad-ns": StatusDropped}},
		{name: "ARP probe dropped only",
			fate: func(f Frame) fate {
				if f.Kind == KindProbe && f.Family == decode.IPv4 {
					return fate{}
				}
				return pass(f)
			},
			findings: []string{"ipv4 probe-dropped"}},
		{name: "v2 dropped",
			fate: func(f Frame) fate {
				if f.Kind == KindV2 {
					return fate{}
				}
				return pass(f)
			},
			findings: []string{"ipv4 v2-dropped"}},
		{name: "routed hop",
			fate: func(f Frame) fate {
				if f.Kind != KindUnicast {
					return fate{}
				}
				return fate{wire: 1, socket: 1, ttl: 254, mac: "02:00:00:00:01:05"}
			},
			findings: []string{"ipv4 not-one-segment", "ipv6 not-one-segment"},
			status:   map[string]Status{"ipv4 unicast": StatusTTL, "ipv4 group": StatusDropped}},
		{name: "sender's own firewall",
			fate: func(f Frame) fate {
				if f.Kind.Kernel() {
					return fate{notLeft: true}
				}
				return pass(f)
			},
			findings: []string{"ipv4 sender-firewall", "ipv6 sender-firewall"},
			status:   map[string]Status{"ipv4 group": StatusSenderDrop, "ipv4 group-vmac": StatusPass}},
		{name: "sender's own firewall refuses at the socket",
			fate: func(f Frame) fate {
				if f.Kind.Kernel() {
					return fate{refused: true}
				}
				return pass(f)
			},
			findings: []string{"ipv4 sender-firewall", "ipv6 sender-firewall"},
			status:   map[string]Status{"ipv4 unicast": StatusSenderDrop, "ipv6 dad-ns": StatusPass}},
		{name: "nothing arrives",
			fate:     func(Frame) fate { return fate{} },
			findings: []string{"ipv4 nothing-arrived", "ipv6 nothing-arrived"}},
		{name: "duplicates",
			fate:     func(Frame) fate { return fate{wire: 2, socket: 2} },
			findings: []string{"ipv4 duplicates", "ipv6 duplicates"}},
		{name: "partial loss",
			fate: func(f Frame) fate {
				if f.Seq == 2 {
					return fate{}
				}
				return pass(f)
			},
			findings: []string{"ipv4 partial-loss", "ipv6 partial-loss"},
			status:   map[string]Status{"ipv4 group": StatusLossy}},
		{name: "MAC rewritten",
			fate: func(f Frame) fate {
				return fate{wire: 1, socket: 1, mac: "02:00:00:00:99:99"}
			},
			findings: []string{"ipv4 mac-rewritten", "ipv6 mac-rewritten"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, h := simulate(t, tc.fate)
			v := Judge("A", "B", s, h)
			if got := ids(v.Findings); !slices.Equal(got, tc.findings) {
				var b strings.Builder
				WriteVerdict(&b, v)
				t.Errorf("findings %q, want %q\n%s", got, tc.findings, b.String())
			}
			st := statuses(v)
			for row, want := range tc.status {
				if st[row] != want {
					t.Errorf("row %s: %s, want %s", row, st[row], want)
				}
			}
			if v.Pass() != (len(tc.findings) == 0) {
				t.Errorf("Pass() = %v with findings %q", v.Pass(), tc.findings)
			}
			for _, f := range v.Findings {
				if f.Summary == "" || f.Cause == "" || f.Fix == "" {
					t.Errorf("finding %s lacks summary, cause or fix: %+v", f.ID, f)
				}
			}
		})
	}
}

// TestExpect: a listener alone rebuilds what was sent from the frames, so
// its verdict matches the one made with the sender's log.
func TestExpect(t *testing.T) {
	s, h := simulate(t, func(f Frame) fate {
		if !f.Kind.Kernel() {
			return fate{}
		}
		return pass(f)
	})
	withLog := Judge("A", "B", s, h)
	e := Expect(h)
	if len(e.Frames) != len(s.Frames) {
		t.Fatalf("expected %d frames, the sender sent %d", len(e.Frames), len(s.Frames))
	}
	alone := Judge("A", "B", e, h)
	if a, b := ids(alone.Findings), ids(withLog.Findings); !slices.Equal(a, b) {
		t.Errorf("listener alone: %q; with the sender's log: %q", a, b)
	}
}

// TestOneWay names the direction that loses.
func TestOneWay(t *testing.T) {
	s, h := simulate(t, pass)
	good := Judge("B", "A", s, h)
	s, h = simulate(t, func(f Frame) fate {
		if f.Family == decode.IPv4 && f.Dst.IsMulticast() {
			return fate{}
		}
		return pass(f)
	})
	bad := Judge("A", "B", s, h)
	got := OneWay(bad, good)
	if len(got) != 1 || got[0].Family != decode.IPv4 || !strings.Contains(got[0].Summary, "A -> B fails") {
		t.Fatalf("OneWay = %+v", got)
	}
	if got := OneWay(good, good); len(got) != 0 {
		t.Errorf("both pass, OneWay = %+v", got)
	}
}
