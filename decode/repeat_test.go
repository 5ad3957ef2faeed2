package decode_test

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/vrrpkit/vrrpkit/decode"
)

func TestRepeats(t *testing.T) {
	v2, v3, v6 := frame(t, advertV2(), false), frame(t, advertV3v4(), false), frame(t, advertV3v6Short(), false)
	prio := advertV2()
	prio.Priority = 200
	other := advertV2()
	other.IP.Src = h2v4
	ttl := advertV2()
	ttl.IP.TTL = 64
	tagged := append(append(append([]byte{}, v2[:12]...), 0x81, 0, 0, 7), v2[12:]...) // VLAN 7
	steps := []struct {
		name   string
		frame  []byte
		flow   int32
		repeat bool
	}{
		{"first v2 advert", v2, 0, false},
		{"the same again", v2, 0, true},
		{"and again", v2, 0, true},
		{"v3 of another VRID", v3, 1, false},
		{"v2 after the v3", v2, 0, true},
		{"new priority", frame(t, prio, false), 0, false},
		{"back to the old one", v2, 0, false},
		{"another source", frame(t, other, false), 2, false},
		{"another TTL", frame(t, ttl, false), 0, false},
		{"same source on VLAN 7", tagged, 3, false},
		{"VLAN 7 again", tagged, 3, true},
		{"IPv6", v6, 4, false},
		{"IPv6 again", v6, 4, true},
		{"AH-wrapped: not taken", frame(t, advertV2(), true), -1, false},
		{"short frame", v2[:20], -1, false},
		{"three IPv6 addresses: too long", frame(t, advertV3v6(), false), -1, false},
		{"IPv6 still", v6, 4, true},
	}
	r := decode.NewRepeats()
	for _, s := range steps {
		flow, rep := r.See(s.frame)
		if flow != s.flow || rep != s.repeat {
			t.Errorf("%s: flow %d repeat %v, want %d %v", s.name, flow, rep, s.flow, s.repeat)
		}
	}
}

// advertV3v6Short is advertV3v6 with two addresses: the longest IPv6
// advert Repeats takes.
func advertV3v6Short() *decode.VRRP {
	v := advertV3v6()
	v.Addrs = v.Addrs[:2]
	return v
}

func TestRepeatsDoesNotAllocate(t *testing.T) {
	r := decode.NewRepeats()
	a, b := frame(t, advertV2(), false), frame(t, advertV3v4(), false)
	r.See(a)
	r.See(b)
	if n := testing.AllocsPerRun(1000, func() { r.See(a); r.See(b) }); n != 0 {
		t.Errorf("See allocates %.1f times per known flow", n)
	}
}

func TestRepeatsForgetsNoFlowButStopsAtMaxFlows(t *testing.T) {
	r := decode.NewRepeats()
	v := advertV2()
	for i := range decode.MaxFlows + 1 {
		v.IP.Src = netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		flow, rep := r.See(frame(t, v, false))
		want := int32(i)
		if i == decode.MaxFlows {
			want = -1
		}
		if flow != want || rep {
			t.Fatalf("source %d: flow %d repeat %v, want %d", i, flow, rep, want)
		}
	}
}

// FuzzRepeats plays sequences of frames, picked from adverts and mutated in
// one byte, through a Repeats and through a model built on Peek: flows are
// (VLAN, family, VRID, source) in order of appearance, and a frame repeats
// when everything Peek reads of it equals its flow's previous frame.
func FuzzRepeats(f *testing.F) {
	palette := [][]byte{frame(f, advertV2(), false), frame(f, advertV3v4(), false), frame(f, advertV3v6Short(), false),
		frame(f, advertV2(), true), frame(f, advertV3v6(), false)}
	f.Add([]byte{0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 0, 30, 5, 0, 0, 0, 2, 0, 0, 2, 0, 0})
	f.Fuzz(func(t *testing.T, seq []byte) {
		r := decode.NewRepeats()
		type key struct {
			vlan uint32
			fam  decode.Family
			vrid byte
			src  netip.Addr
		}
		flows := map[key]int32{}
		last := map[key]string{}
		for i := 0; i+3 <= len(seq) && i < 600; i += 3 {
			fr := append([]byte{}, palette[int(seq[i])%len(palette)]...)
			if pos := int(seq[i+1]); pos < len(fr) && seq[i+2] != 0 {
				fr[pos] ^= seq[i+2]
			}
			wantFlow, wantRep := int32(-1), false
			var pk decode.Peeked
			if decode.Peek(fr, &pk) && len(pk.Payload) >= 8 && len(pk.Payload) <= 48 {
				k := key{pk.Link.VLANKey(), pk.IP.Family, pk.Payload[1], pk.IP.Src}
				seen := fmt.Sprintf("%d %d %x %v %v %x", pk.Link.VLANKey(), pk.IP.TTL, pk.Link.SrcMAC, pk.IP.Src, pk.IP.Dst, pk.Payload)
				f, ok := flows[k]
				if !ok {
					f = int32(len(flows))
					flows[k] = f
				}
				wantFlow, wantRep = f, ok && last[k] == seen
				last[k] = seen
			}
			if flow, rep := r.See(fr); flow != wantFlow || rep != wantRep {
				t.Fatalf("frame %d: flow %d repeat %v, model %d %v", i/3, flow, rep, wantFlow, wantRep)
			}
		}
	})
}
