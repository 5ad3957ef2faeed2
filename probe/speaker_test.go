package probe

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
)

// Speaker tests run inside testing/synctest: time.Sleep there moves the
// bubble's fake clock, so every instant below is exact.

type speakerRun struct {
	link    *fakeLink
	host    *fakeHost
	sp      *Speaker
	cancel  context.CancelFunc
	done    chan error
	changes []string
}

func startSpeaker(t *testing.T, c SpeakerConfig, host *fakeHost) *speakerRun {
	t.Helper()
	r := &speakerRun{link: newFakeLink(), host: host, done: make(chan error, 1)}
	if r.host == nil {
		r.host = newFakeHost()
	}
	sp, err := NewSpeaker(c, r.link, r.host, func(tr Transition) {
		r.changes = append(r.changes, tr.At.Sub(bubbleStart).String()+" "+tr.To.String())
	}, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	r.sp = sp
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- sp.Run(ctx) }()
	return r
}

// stop cancels the speaker and waits for Run to return.
func (r *speakerRun) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	if err := <-r.done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !r.link.isClosed() {
		t.Error("link not closed after Run")
	}
}

// sendTimes returns the offsets and priorities of the adverts sent.
func sendTimes(t *testing.T, src netip.Addr, fs []frame) (at []time.Duration, prio []uint8) {
	t.Helper()
	for _, f := range fs {
		v, err := sentAdvert(src, f)
		if err != nil {
			t.Fatalf("advert sent at %s: %v", f.At, err)
		}
		at = append(at, f.At)
		prio = append(prio, v.Priority)
	}
	return at, prio
}

func TestSpeakerAloneBecomesMaster(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := SpeakerConfig{Config: cfg3(100), InstallVIPs: true}
		r := startSpeaker(t, c, nil)
		time.Sleep(ms(3609.375) + 2500*time.Millisecond)
		synctest.Wait()
		r.stop(t)

		at, prio := sendTimes(t, me4, r.link.frames())
		wantAt := []time.Duration{ms(3609.375), ms(4609.375), ms(5609.375), ms(6109.375)}
		if !reflect.DeepEqual(at, wantAt) || !reflect.DeepEqual(prio, []uint8{100, 100, 100, 0}) {
			t.Errorf("adverts at %v prio %v, want at %v prio [100 100 100 0]", at, prio, wantAt)
		}
		for _, f := range r.link.frames() {
			if f.Dst != Group4 {
				t.Errorf("advert to %s, want %s", f.Dst, Group4)
			}
		}
		n, log, ann := r.host.state()
		if n != 0 {
			t.Errorf("%d VIPs still installed after Run", n)
		}
		// Not the owner, not Accept_Mode: packets to the VIP are dropped
		// from start to stop (RFC 5798 6.4.3).
		wantLog := []string{"block vrid 52 [192.0.2.100]@0s", "+192.0.2.100@3.609375s", "-192.0.2.100@6.109375s", "unblock@6.109375s"}
		if !reflect.DeepEqual(log, wantLog) {
			t.Errorf("install log %v, want %v", log, wantLog)
		}
		if len(ann) != 1 || ann[0].At != ms(3609.375) || ann[0].Dst != vip4 {
			t.Errorf("announcements %v, want one of %s at 3.609375s", ann, vip4)
		}
		wantCh := []string{"0s BACKUP", "3.609375s MASTER", "6.109375s INIT"}
		if !reflect.DeepEqual(r.changes, wantCh) {
			t.Errorf("transitions %v, want %v", r.changes, wantCh)
		}
	})
}

func TestSpeakerBackupFollowsMaster(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := SpeakerConfig{Config: cfg3(100)}
		r := startSpeaker(t, c, nil)
		peer := cfg3(200)
		peer.Primary = hi4
		peer.Interval = 500 * time.Millisecond
		// The master advertises every 0.5 s for 3 s, then dies without priority 0.
		for range 6 {
			time.Sleep(500 * time.Millisecond)
			r.link.in <- peerAdvert(peer, 200)
		}
		// Last advert at 3.0 s; learned Master_Adver_Interval 0.5 s:
		// Master_Down_Interval = 1.5 + 156*0.5/256 = 1.8046875 s.
		time.Sleep(2 * time.Second)
		synctest.Wait()
		r.stop(t)
		at, _ := sendTimes(t, me4, r.link.frames())
		if len(at) == 0 || at[0] != ms(4804.6875) {
			t.Errorf("first advert at %v, want 4.8046875s (last advert + learned Master_Down_Interval)", at)
		}
		if got := r.sp.Machine().MasterAdverInterval(); got != 500*time.Millisecond {
			t.Errorf("Master_Adver_Interval = %s, want 500ms", got)
		}
	})
}

func TestSpeakerTakesOverAfterPriorityZero(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startSpeaker(t, SpeakerConfig{Config: cfg3(100)}, nil)
		peer := cfg3(200)
		peer.Primary = hi4
		time.Sleep(time.Second)
		r.link.in <- peerAdvert(peer, 200)
		time.Sleep(time.Second)
		r.link.in <- peerAdvert(peer, 0) // resigns at 2 s
		time.Sleep(time.Second)
		synctest.Wait()
		r.stop(t)
		at, _ := sendTimes(t, me4, r.link.frames())
		if len(at) == 0 || at[0] != 2*time.Second+ms(609.375) {
			t.Errorf("first advert at %v, want 2.609375s (priority 0 + Skew_Time)", at)
		}
	})
}

func TestSpeakerPreemption(t *testing.T) {
	for _, preempt := range []bool{true, false} {
		name := "preempt"
		if !preempt {
			name = "nopreempt"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := cfg3(200)
				c.Preempt = preempt
				r := startSpeaker(t, SpeakerConfig{Config: c}, nil)
				peer := cfg3(100)
				peer.Primary = lo4
				// A lower-priority master advertises every second.
				for range 8 {
					time.Sleep(time.Second)
					r.link.in <- peerAdvert(peer, 100)
				}
				synctest.Wait()
				r.stop(t)
				at, _ := sendTimes(t, me4, r.link.frames())
				if preempt {
					// Adverts of 100 are discarded: master at Master_Down_Interval 3.21875 s.
					if len(at) == 0 || at[0] != ms(3218.75) {
						t.Errorf("adverts at %v, want the first at 3.21875s", at)
					}
				} else if len(at) != 0 {
					t.Errorf("nopreempt: sent adverts at %v, want none", at)
				}
			})
		})
	}
}

func TestSpeakerDiscards(t *testing.T) {
	v2 := Config{VRID: 51, Priority: 100, Version: decode.V2, Interval: time.Second,
		VIPs: []netip.Addr{vip4}, Primary: me4, Preempt: true, AuthPass: "secret12"}
	peer := func(mod func(c *Config)) Config {
		p := v2
		p.Primary, p.Priority = hi4, 200
		mod(&p)
		return p
	}
	tests := []struct {
		name string
		pkt  Packet
		want string // "" means accepted
	}{
		{"good", peerAdvert(peer(func(*Config) {}), 200), ""},
		{"wrong password", peerAdvert(peer(func(c *Config) { c.AuthPass = "secret99" }), 200), "wrong password"},
		{"no auth", peerAdvert(peer(func(c *Config) { c.AuthPass = "" }), 200), "auth type none, ours simple"},
		{"other interval", peerAdvert(peer(func(c *Config) { c.Interval = 2 * time.Second }), 200), "advertisement interval 2s, ours 1s"},
		{"ttl 64", func() Packet { p := peerAdvert(peer(func(*Config) {}), 200); p.TTL = 64; return p }(), "TTL/hop limit 64, must be 255"},
		{"v3 advert", peerAdvert(peer(func(c *Config) { c.Version, c.AuthPass = decode.V3, "" }), 200), "v3 advert, we speak v2"},
		{"bad checksum", func() Packet { p := peerAdvert(peer(func(*Config) {}), 200); p.Data[7] ^= 1; return p }(), "bad checksum"},
		{"other vrid", peerAdvert(peer(func(c *Config) { c.VRID = 9 }), 200), "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v decode.VRRP
			ev, err := CheckAdvert(&v2, tt.pkt, &v)
			switch {
			case tt.want == "":
				if err != nil || ev.Kind != EvAdvert || ev.Priority != 200 || ev.Src != hi4 {
					t.Errorf("CheckAdvert = %v, %v; want accepted", ev, err)
				}
			case tt.want == "other":
				if !errors.Is(err, errOtherVRID) {
					t.Errorf("CheckAdvert error %v, want another VRID", err)
				}
			default:
				var de *DiscardError
				if !errors.As(err, &de) || !errors.Is(err, ErrDiscard) || de.Reason != tt.want {
					t.Errorf("CheckAdvert error %v, want discard %q", err, tt.want)
				}
			}
		})
	}
}

func TestSpeakerUnicastPeers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := SpeakerConfig{Config: cfg3(255), Peers: []netip.Addr{lo4, hi4}}
		r := startSpeaker(t, c, nil)
		synctest.Wait()
		r.stop(t)
		fs := r.link.frames()
		var dsts []netip.Addr
		for _, f := range fs {
			dsts = append(dsts, f.Dst)
			if _, err := sentAdvert(me4, f); err != nil { // checksum over the unicast pseudo-header
				t.Error(err)
			}
		}
		want := []netip.Addr{lo4, hi4, lo4, hi4}
		if !reflect.DeepEqual(dsts, want) {
			t.Errorf("adverts to %v, want %v", dsts, want)
		}
	})
}

func TestSpeakerIPv6(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := SpeakerConfig{Config: Config{VRID: 53, Priority: 255, Version: decode.V3, Interval: 100 * time.Millisecond,
			VIPs: []netip.Addr{vip6a, vip6b}, Primary: me6, Preempt: true}}
		r := startSpeaker(t, c, nil)
		time.Sleep(250 * time.Millisecond)
		synctest.Wait()
		r.stop(t)
		at, prio := sendTimes(t, me6, r.link.frames())
		want := []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond, 250 * time.Millisecond}
		if !reflect.DeepEqual(at, want) || !reflect.DeepEqual(prio, []uint8{255, 255, 255, 0}) {
			t.Errorf("adverts at %v prio %v, want %v [255 255 255 0]", at, prio, want)
		}
		v, _ := sentAdvert(me6, r.link.frames()[0])
		if !reflect.DeepEqual(v.Addrs, c.VIPs) || v.Flavour != decode.FlavourRFC5798 || r.link.frames()[0].Dst != Group6 {
			t.Errorf("advert addrs %v flavour %v dst %s", v.Addrs, v.Flavour, r.link.frames()[0].Dst)
		}
		_, _, ann := r.host.state()
		if len(ann) != 2 {
			t.Errorf("announced %v, want both VIPs", ann)
		}
	})
}

func TestSpeakerInstallFailureCleansUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newFakeHost()
		h.failInstal = errors.New("permission denied")
		c := cfg3(254)
		c.VIPs = []netip.Addr{vip4, netip.MustParseAddr("192.0.2.101")}
		r := startSpeaker(t, SpeakerConfig{Config: c, InstallVIPs: true}, h)
		err := <-r.done
		if err == nil || !errors.Is(err, h.failInstal) {
			t.Fatalf("Run = %v, want the install error", err)
		}
		// The drop rule goes after the addresses, so they never accept.
		n, log, _ := h.state()
		want := []string{"block vrid 52 [192.0.2.100 192.0.2.101]@0s", "+192.0.2.100@3.0078125s", "-192.0.2.100@3.0078125s", "unblock@3.0078125s"}
		if n != 0 || h.blocked || !reflect.DeepEqual(log, want) {
			t.Errorf("%d VIPs left installed, blocked %v; log %v, want %v", n, h.blocked, log, want)
		}
		if !r.link.isClosed() {
			t.Error("link left open")
		}
		r.cancel()
	})
}

func TestSpeakerRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The owner (255) answers every priority-0 advert at once; a flood of
		// them must not make it flood the link.
		c := SpeakerConfig{Config: cfg3(255), MaxRate: 5}
		r := startSpeaker(t, c, nil)
		peer := cfg3(100)
		peer.Primary = lo4
		for range 100 {
			r.link.in <- peerAdvert(peer, 0)
		}
		synctest.Wait()
		r.stop(t)
		if n := len(r.link.frames()); n > 12 {
			t.Errorf("%d adverts sent in an instant, want at most the burst", n)
		}
		if r.sp.Dropped == 0 {
			t.Error("no packets counted as dropped")
		}
	})
}

// TestSpeakerAcceptMode: with InstallVIPs, a speaker that is neither the
// owner nor in Accept_Mode has the host drop packets to the VIPs from
// before its first advert until after the VIPs are gone; the owner and
// Accept_Mode install no rule; a rule that cannot be installed stops the
// speaker before it sends anything.
func TestSpeakerAcceptMode(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prio    uint8
		accept  bool
		install bool
		wantLog []string
	}{
		{"not Accept_Mode", 200, false, true, []string{"block vrid 52 [192.0.2.100]@0s", "+192.0.2.100@3.21875s", "-192.0.2.100@5s", "unblock@5s"}},
		{"Accept_Mode", 200, true, true, []string{"+192.0.2.100@3.21875s", "-192.0.2.100@5s"}},
		{"owner", 255, false, true, []string{"+192.0.2.100@0s", "-192.0.2.100@5s"}},
		{"VIPs not installed", 200, false, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := cfg3(tc.prio)
				c.Accept = tc.accept
				r := startSpeaker(t, SpeakerConfig{Config: c, InstallVIPs: tc.install}, nil)
				time.Sleep(5 * time.Second)
				synctest.Wait()
				r.stop(t)
				n, log, _ := r.host.state()
				if n != 0 || r.host.blocked {
					t.Errorf("after Run: %d VIPs installed, blocked %v", n, r.host.blocked)
				}
				if !reflect.DeepEqual(log, tc.wantLog) {
					t.Errorf("host log %v, want %v", log, tc.wantLog)
				}
			})
		})
	}

	t.Run("block fails", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newFakeHost()
			h.failBlock = ErrFilterExists
			r := startSpeaker(t, SpeakerConfig{Config: cfg3(254), InstallVIPs: true}, h)
			err := <-r.done
			if !errors.Is(err, ErrFilterExists) {
				t.Fatalf("Run = %v, want ErrFilterExists", err)
			}
			if n := len(r.link.frames()); n != 0 || len(r.changes) != 0 {
				t.Errorf("sent %d adverts, transitions %v, want none", n, r.changes)
			}
			if !r.link.isClosed() {
				t.Error("link left open")
			}
			r.cancel()
		})
	})

}

// TestSpeakerStopsOnMismatch: a v3 speaker in a v2 group (the README's
// old example) discards the master's adverts; instead of declaring the
// master down after Master_Down_Interval and becoming a second master, it
// stops at the first one, sending nothing. With KeepOnMismatch it goes on.
func TestSpeakerStopsOnMismatch(t *testing.T) {
	v2 := Config{VRID: 52, Priority: 150, Version: decode.V2, Interval: time.Second,
		VIPs: []netip.Addr{vip4}, Primary: hi4, AuthPass: "secret12"}
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprint("keep ", keep), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := startSpeaker(t, SpeakerConfig{Config: cfg3(200), KeepOnMismatch: keep}, nil)
				var err error
				ended := false
				for i := 0; i < 5 && !ended; i++ {
					select {
					case r.link.in <- peerAdvert(v2, 150):
						time.Sleep(time.Second)
					case err = <-r.done:
						ended = true
					}
				}
				synctest.Wait()
				if keep {
					r.stop(t)
					if len(r.link.frames()) == 0 {
						t.Error("with KeepOnMismatch the speaker sent nothing")
					}
					return
				}
				if !ended {
					err = <-r.done
				}
				var me *MismatchError
				if !errors.As(err, &me) || !strings.Contains(err.Error(), "v2 advert, we speak v3") {
					t.Fatalf("Run: %v, want a MismatchError", err)
				}
				if n := len(r.link.frames()); n != 0 || strings.Contains(fmt.Sprint(r.changes), "MASTER") {
					t.Errorf("sent %d adverts, state changes %v; want none and never MASTER", n, r.changes)
				}
			})
		})
	}
}
