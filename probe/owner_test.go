package probe

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"reflect"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
)

// fakeResolver answers each solicitation with a reply from every responder
// after its delay, and records the times it was asked.
type fakeResolver struct {
	responders []responder
	replies    chan Reply
	closed     chan struct{}
	once       sync.Once

	mu     sync.Mutex
	asked  []time.Duration
	target []netip.Addr
}

type responder struct {
	mac   string
	delay time.Duration
}

func newFakeResolver(rs ...responder) *fakeResolver {
	return &fakeResolver{responders: rs, replies: make(chan Reply), closed: make(chan struct{})}
}

func (f *fakeResolver) Solicit(ip netip.Addr) error {
	f.mu.Lock()
	f.asked = append(f.asked, time.Since(bubbleStart))
	f.target = append(f.target, ip)
	f.mu.Unlock()
	for _, r := range f.responders {
		mac, _ := net.ParseMAC(r.mac)
		go func() {
			select {
			case <-time.After(r.delay):
			case <-f.closed:
				return
			}
			select {
			case f.replies <- Reply{IP: ip, MAC: mac}:
			case <-f.closed:
			}
		}()
	}
	return nil
}

func (f *fakeResolver) ReadReply() (Reply, error) {
	select {
	case r := <-f.replies:
		return r, nil
	case <-f.closed:
		return Reply{}, errClosed
	}
}

func (f *fakeResolver) Close() error {
	f.once.Do(func() { close(f.closed) })
	return nil
}

func TestLookupOwner(t *testing.T) {
	vmac := VirtualMAC(decode.IPv4, 51).String()
	tests := []struct {
		name    string
		rs      []responder
		owners  []Owner
		err     error
		verdict string
	}{
		{
			name:    "one owner",
			rs:      []responder{{"02:00:00:00:01:01", 300 * time.Microsecond}},
			owners:  []Owner{{MAC: "02:00:00:00:01:01", Replies: 3, RTTs: []time.Duration{300 * time.Microsecond, 300 * time.Microsecond, 300 * time.Microsecond}}},
			verdict: "192.0.2.100 is at 02:00:00:00:01:01",
		},
		{
			name:    "virtual MAC names its VRID",
			rs:      []responder{{vmac, time.Millisecond}},
			owners:  []Owner{{MAC: vmac, Virtual: true, VRID: 51, Replies: 3, RTTs: []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}}},
			verdict: "192.0.2.100 is at 00:00:5e:00:01:33",
		},
		{
			name:    "nobody answers",
			err:     ErrNoOwner,
			verdict: "no owner: nobody answered for 192.0.2.100",
		},
		{
			name: "split brain: two owners",
			rs:   []responder{{"02:00:00:00:01:01", time.Millisecond}, {"02:00:00:00:01:02", 2 * time.Millisecond}},
			owners: []Owner{
				{MAC: "02:00:00:00:01:01", Replies: 3, RTTs: []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}},
				{MAC: "02:00:00:00:01:02", Replies: 3, RTTs: []time.Duration{2 * time.Millisecond, 2 * time.Millisecond, 2 * time.Millisecond}},
			},
			err:     ErrConflict,
			verdict: "CONFLICT: 2 owners answered for 192.0.2.100: 02:00:00:00:01:01, 02:00:00:00:01:02",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				res := newFakeResolver(tt.rs...)
				r, err := LookupOwner(context.Background(), OwnerQuery{VIP: vip4}, res, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(r.Owners, tt.owners) {
					t.Errorf("owners\n got  %+v\n want %+v", r.Owners, tt.owners)
				}
				if !errors.Is(r.Err(), tt.err) || (tt.err == nil) != (r.Err() == nil) {
					t.Errorf("Err = %v, want %v", r.Err(), tt.err)
				}
				if r.Conflict != (len(tt.owners) > 1) {
					t.Errorf("Conflict = %v", r.Conflict)
				}
				if got := r.Verdict(); got != tt.verdict {
					t.Errorf("Verdict = %q, want %q", got, tt.verdict)
				}
				want := []time.Duration{0, 200 * time.Millisecond, 400 * time.Millisecond}
				if !reflect.DeepEqual(res.asked, want) || r.Sent != 3 {
					t.Errorf("asked at %v (sent %d), want %v", res.asked, r.Sent, want)
				}
				// The lookup ends Listen after the last request.
				if now := time.Since(bubbleStart); now != 1400*time.Millisecond {
					t.Errorf("lookup took %s, want 1.4s", now)
				}
			})
		})
	}
}

func TestLookupOwnerNamesMaster(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		res := newFakeResolver(responder{"02:00:00:00:01:01", time.Millisecond})
		link := newFakeLink()
		master := Config{VRID: 51, Priority: 150, Version: decode.V2, Interval: time.Second,
			VIPs: []netip.Addr{vip4}, Primary: lo4, AuthPass: "secret12"}
		other := master
		other.VRID, other.VIPs = 9, []netip.Addr{netip.MustParseAddr("192.0.2.200")}
		go func() {
			for range 2 {
				link.in <- peerAdvert(master, 150)
				link.in <- peerAdvert(other, 100) // a group without the VIP: not named
				time.Sleep(500 * time.Millisecond)
			}
		}()
		r, err := LookupOwner(context.Background(), OwnerQuery{VIP: vip4, Count: 1}, res, link)
		if err != nil {
			t.Fatal(err)
		}
		want := []GroupMaster{{Src: lo4, VRID: 51, Priority: 150, Version: decode.V2, Interval: time.Second, Adverts: 2}}
		if !reflect.DeepEqual(r.Masters, want) {
			t.Errorf("masters %+v, want %+v", r.Masters, want)
		}
		if !link.isClosed() {
			t.Error("advert link left open")
		}
	})
}

func TestParseVirtualMAC(t *testing.T) {
	for _, tt := range []struct {
		mac  string
		fam  decode.Family
		vrid uint8
		ok   bool
	}{
		{"00:00:5e:00:01:33", decode.IPv4, 51, true},
		{"00:00:5e:00:02:05", decode.IPv6, 5, true},
		{"00:00:5e:00:03:05", 0, 0, false},
		{"02:00:00:00:01:01", 0, 0, false},
	} {
		mac, _ := net.ParseMAC(tt.mac)
		fam, vrid, ok := ParseVirtualMAC(mac)
		if fam != tt.fam || vrid != tt.vrid || ok != tt.ok {
			t.Errorf("ParseVirtualMAC(%s) = %v %d %v", tt.mac, fam, vrid, ok)
		}
	}
}
