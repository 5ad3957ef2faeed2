package probe

import (
	"errors"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
)

var (
	t0    = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	me4   = netip.MustParseAddr("192.0.2.12")
	lo4   = netip.MustParseAddr("192.0.2.11") // a peer with a smaller address
	hi4   = netip.MustParseAddr("192.0.2.13") // a peer with a greater address
	vip4  = netip.MustParseAddr("192.0.2.100")
	me6   = netip.MustParseAddr("fe80::ff:fe00:102")
	hi6   = netip.MustParseAddr("fe80::ff:fe00:103")
	vip6a = netip.MustParseAddr("fe80::53")
	vip6b = netip.MustParseAddr("2001:db8:1::100")
)

func at(d time.Duration) time.Time { return t0.Add(d) }

func ms(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }

func cfg3(prio uint8) Config {
	return Config{VRID: 52, Priority: prio, Version: decode.V3, Interval: time.Second,
		VIPs: []netip.Addr{vip4}, Primary: me4, Preempt: true}
}

func advert(src netip.Addr, prio uint8, iv time.Duration) Event {
	return Event{Kind: EvAdvert, Src: src, Priority: prio, Interval: iv}
}

func toMaster(now time.Time, why string, prio uint8, iv time.Duration) []Action {
	return []Action{
		{Kind: ActState, State: Master, Reason: why},
		{Kind: ActInstallVIPs},
		{Kind: ActSend, Priority: prio},
		{Kind: ActAnnounce},
		{Kind: ActSetTimer, At: now.Add(iv)},
	}
}

func toBackup(why string, timer time.Time) []Action {
	return []Action{{Kind: ActState, State: Backup, Reason: why}, {Kind: ActSetTimer, At: timer}}
}

// step is one event and the actions it must produce.
type step struct {
	at   time.Duration
	ev   Event
	want []Action
}

func runSteps(t *testing.T, c Config, steps []step) *Machine {
	t.Helper()
	m, err := NewMachine(c)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range steps {
		got := m.Handle(at(s.at), s.ev)
		if !reflect.DeepEqual(got, s.want) {
			t.Fatalf("step %d: %s at +%s:\n got  %v\n want %v", i, s.ev, s.at, got, s.want)
		}
	}
	return m
}

func TestTimes(t *testing.T) {
	tests := []struct {
		name       string
		v          decode.Version
		prio       uint8
		iv         time.Duration
		skew, down time.Duration
	}{
		// RFC 5798 6.1: ((256 - Priority) * Master_Adver_Interval) / 256.
		{"v3 prio 100 1s", decode.V3, 100, time.Second, ms(609.375), ms(3609.375)},
		{"v3 prio 150 100ms", decode.V3, 150, 100 * time.Millisecond, ms(41.40625), ms(341.40625)},
		{"v3 prio 254 10ms", decode.V3, 254, 10 * time.Millisecond, ms(0.078125), ms(30.078125)},
		{"v3 prio 1 1s", decode.V3, 1, time.Second, ms(996.09375), ms(3996.09375)},
		// RFC 3768 6.1: (256 - Priority) / 256 seconds, whatever the interval.
		{"v2 prio 100 1s", decode.V2, 100, time.Second, ms(609.375), ms(3609.375)},
		{"v2 prio 100 3s", decode.V2, 100, 3 * time.Second, ms(609.375), ms(9609.375)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SkewTime(tt.v, tt.prio, tt.iv); got != tt.skew {
				t.Errorf("SkewTime = %s, want %s", got, tt.skew)
			}
			if got := MasterDownInterval(tt.v, tt.prio, tt.iv); got != tt.down {
				t.Errorf("MasterDownInterval = %s, want %s", got, tt.down)
			}
		})
	}
}

func TestInitialize(t *testing.T) {
	// 6.4.1: the owner becomes master at once, sending and announcing.
	t.Run("owner 255 goes master at once", func(t *testing.T) {
		m := runSteps(t, cfg3(255), []step{
			{0, Event{Kind: EvStartup}, toMaster(t0, "address owner (priority 255)", 255, time.Second)},
		})
		if m.State() != Master || m.Master() != me4 {
			t.Errorf("state %s master %s", m.State(), m.Master())
		}
	})
	// 6.4.1: others set Master_Down_Timer to Master_Down_Interval.
	t.Run("others go backup with Master_Down_Interval", func(t *testing.T) {
		runSteps(t, cfg3(100), []step{
			{0, Event{Kind: EvStartup}, toBackup("startup", at(ms(3609.375)))},
		})
	})
	t.Run("events before startup are ignored", func(t *testing.T) {
		runSteps(t, cfg3(100), []step{
			{0, advert(hi4, 200, time.Second), nil},
			{0, Event{Kind: EvTimer}, nil},
			{0, Event{Kind: EvShutdown}, nil},
		})
	})
}

func TestBackup(t *testing.T) {
	start := step{0, Event{Kind: EvStartup}, toBackup("startup", at(ms(3609.375)))}
	tests := []struct {
		name  string
		cfg   Config
		steps []step
	}{
		{
			// Master_Down_Timer fires: send, announce, Adver_Timer, Master.
			name: "master down timer fires",
			cfg:  cfg3(100),
			steps: []step{start,
				{ms(3609.375), Event{Kind: EvTimer},
					toMaster(at(ms(3609.375)), "master down: no advert for Master_Down_Interval", 100, time.Second)},
			},
		},
		{
			name: "stale timer before the deadline is ignored",
			cfg:  cfg3(100),
			steps: []step{start,
				{ms(3609), Event{Kind: EvTimer}, nil},
			},
		},
		{
			// Priority 0: Master_Down_Timer = Skew_Time.
			name: "priority 0 sets the timer to Skew_Time",
			cfg:  cfg3(100),
			steps: []step{start,
				{time.Second, advert(hi4, 200, time.Second), []Action{{Kind: ActSetTimer, At: at(ms(4609.375))}}},
				{ms(1500), advert(hi4, 0, time.Second), []Action{{Kind: ActSetTimer, At: at(ms(2109.375))}}},
				{ms(2109.375), Event{Kind: EvTimer},
					toMaster(at(ms(2109.375)), "master 192.0.2.13 down: no advert for Master_Down_Interval", 100, time.Second)},
			},
		},
		{
			// Higher priority: learn Master_Adver_Interval (v3), re-arm.
			name: "v3 learns Master_Adver_Interval from the master",
			cfg:  cfg3(100),
			steps: []step{start,
				// 3*0.5 + 156*0.5/256 = 1.5 + 0.3046875
				{time.Second, advert(hi4, 200, 500*time.Millisecond), []Action{{Kind: ActSetTimer, At: at(ms(2804.6875))}}},
				// a priority-0 advert now uses the learned interval for Skew_Time
				{ms(1200), advert(hi4, 0, 500*time.Millisecond), []Action{{Kind: ActSetTimer, At: at(ms(1504.6875))}}},
			},
		},
		{
			// RFC 3768 has no Master_Adver_Interval: the configured one stays.
			name: "v2 does not learn the interval",
			cfg: Config{VRID: 51, Priority: 100, Version: decode.V2, Interval: time.Second,
				VIPs: []netip.Addr{vip4}, Primary: me4, Preempt: true, AuthPass: "secret12"},
			steps: []step{start,
				{time.Second, advert(hi4, 150, 2*time.Second), []Action{{Kind: ActSetTimer, At: at(ms(4609.375))}}},
			},
		},
		{
			name: "equal priority re-arms the timer",
			cfg:  cfg3(100),
			steps: []step{start,
				{time.Second, advert(lo4, 100, time.Second), []Action{{Kind: ActSetTimer, At: at(ms(4609.375))}}},
			},
		},
		{
			// Preempt_Mode true and a lower priority: discard; we take over
			// when the timer fires.
			name: "preempt discards a lower priority advert",
			cfg:  cfg3(200),
			steps: []step{
				{0, Event{Kind: EvStartup}, toBackup("startup", at(ms(3218.75)))},
				{time.Second, advert(hi4, 100, time.Second), nil},
				{ms(3218.75), Event{Kind: EvTimer},
					toMaster(at(ms(3218.75)), "preempting 192.0.2.13 (priority 100 < ours 200)", 200, time.Second)},
			},
		},
		{
			// Preempt_Mode false: any advert re-arms the timer.
			name: "nopreempt accepts a lower priority master",
			cfg:  func() Config { c := cfg3(200); c.Preempt = false; return c }(),
			steps: []step{
				{0, Event{Kind: EvStartup}, toBackup("startup", at(ms(3218.75)))},
				{time.Second, advert(hi4, 100, time.Second), []Action{{Kind: ActSetTimer, At: at(ms(4218.75))}}},
				{ms(4218), Event{Kind: EvTimer}, nil},
			},
		},
		{
			name: "shutdown cancels the timer",
			cfg:  cfg3(100),
			steps: []step{start,
				{time.Second, Event{Kind: EvShutdown}, []Action{{Kind: ActCancelTimer}, {Kind: ActState, State: Initialize, Reason: "shutdown"}}},
				{ms(3609.375), Event{Kind: EvTimer}, nil},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runSteps(t, tt.cfg, tt.steps) })
	}
}

func TestMaster(t *testing.T) {
	owner := step{0, Event{Kind: EvStartup}, toMaster(t0, "address owner (priority 255)", 255, time.Second)}
	// A priority-100 router made master by its timer at +3.609375.
	up := ms(3609.375)
	start100 := []step{
		{0, Event{Kind: EvStartup}, toBackup("startup", at(up))},
		{up, Event{Kind: EvTimer}, toMaster(at(up), "master down: no advert for Master_Down_Interval", 100, time.Second)},
	}
	with := func(s ...step) []step { return append(append([]step(nil), start100...), s...) }
	tests := []struct {
		name  string
		cfg   Config
		steps []step
	}{
		{
			name: "adver timer sends and re-arms",
			cfg:  cfg3(255),
			steps: []step{owner,
				{time.Second, Event{Kind: EvTimer}, []Action{{Kind: ActSend, Priority: 255}, {Kind: ActSetTimer, At: at(2 * time.Second)}}},
				{ms(1999), Event{Kind: EvTimer}, nil},
				{2 * time.Second, Event{Kind: EvTimer}, []Action{{Kind: ActSend, Priority: 255}, {Kind: ActSetTimer, At: at(3 * time.Second)}}},
			},
		},
		{
			// Priority 0 in Master: send at once and reset Adver_Timer.
			name: "priority 0 makes the master advertise at once",
			cfg:  cfg3(255),
			steps: []step{owner,
				{ms(300), advert(hi4, 0, time.Second), []Action{{Kind: ActSend, Priority: 255}, {Kind: ActSetTimer, At: at(ms(1300))}}},
			},
		},
		{
			name: "higher priority: master goes backup and learns the interval",
			cfg:  cfg3(100),
			steps: with(step{up + ms(100), advert(lo4, 101, 2*time.Second), append([]Action{{Kind: ActRemoveVIPs}},
				// 3*2 + 156*2/256 = 6 + 1.21875
				toBackup("advert from 192.0.2.11 with priority 101 > ours 100", at(up+ms(100)+ms(7218.75)))...)}),
		},
		{
			name: "equal priority and a greater address: master goes backup",
			cfg:  cfg3(100),
			steps: with(step{up + ms(100), advert(hi4, 100, time.Second), append([]Action{{Kind: ActRemoveVIPs}},
				toBackup("advert from 192.0.2.13 with equal priority 100 and a greater address", at(up+ms(100)+ms(3609.375)))...)}),
		},
		{
			name:  "equal priority and a smaller address is discarded",
			cfg:   cfg3(100),
			steps: with(step{up + ms(100), advert(lo4, 100, time.Second), nil}),
		},
		{
			name:  "lower priority is discarded",
			cfg:   cfg3(100),
			steps: with(step{up + ms(100), advert(hi4, 99, time.Second), nil}),
		},
		{
			name: "IPv6 tie-break compares link-local addresses",
			cfg: Config{VRID: 53, Priority: 100, Version: decode.V3, Interval: time.Second,
				VIPs: []netip.Addr{vip6a, vip6b}, Primary: me6, Preempt: true},
			steps: with(step{up, advert(hi6, 100, time.Second), append([]Action{{Kind: ActRemoveVIPs}},
				toBackup("advert from fe80::ff:fe00:103 with equal priority 100 and a greater address", at(up+ms(3609.375)))...)}),
		},
		{
			// Shutdown: cancel Adver_Timer, send priority 0, give the VIPs back.
			name: "shutdown resigns with priority 0",
			cfg:  cfg3(100),
			steps: with(step{up + time.Second, Event{Kind: EvShutdown}, []Action{{Kind: ActCancelTimer}, {Kind: ActSend, Priority: 0},
				{Kind: ActRemoveVIPs}, {Kind: ActState, State: Initialize, Reason: "shutdown: resigned with priority 0"}}},
				step{up + 2*time.Second, Event{Kind: EvTimer}, nil}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runSteps(t, tt.cfg, tt.steps) })
	}
}

func TestConfigValidate(t *testing.T) {
	ok := cfg3(100)
	tests := []struct {
		name string
		mod  func(c *Config)
	}{
		{"vrid 0", func(c *Config) { c.VRID = 0 }},
		{"priority 0", func(c *Config) { c.Priority = 0 }},
		{"no vips", func(c *Config) { c.VIPs = nil }},
		{"no primary", func(c *Config) { c.Primary = netip.Addr{} }},
		{"mixed families", func(c *Config) { c.VIPs = []netip.Addr{vip4, vip6b} }},
		{"v3 interval not centiseconds", func(c *Config) { c.Interval = 15 * time.Millisecond }},
		{"v3 interval too long", func(c *Config) { c.Interval = 41 * time.Second }},
		{"v3 auth", func(c *Config) { c.AuthPass = "x" }},
		{"v2 ipv6", func(c *Config) { c.Version = decode.V2; c.Primary = me6; c.VIPs = []netip.Addr{vip6b} }},
		{"v2 sub-second", func(c *Config) { c.Version = decode.V2; c.Interval = 100 * time.Millisecond }},
		{"v2 long password", func(c *Config) { c.Version = decode.V2; c.AuthPass = "secret123456" }},
		{"version 4", func(c *Config) { c.Version = 4 }},
	}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cfg3(100)
			tt.mod(&c)
			err := c.Validate()
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("Validate = %v, want ErrConfig", err)
			}
			if _, err := NewMachine(c); err == nil {
				t.Fatal("NewMachine accepted an invalid config")
			}
		})
	}
}
