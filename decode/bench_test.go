package decode_test

import (
	"testing"

	"github.com/vrrpkit/vrrpkit/decode"
)

// namedAdverts are whole Ethernet frames of the adverts the reference
// captures hold, one per kind.
func namedAdverts(t testing.TB) []struct {
	name  string
	frame []byte
} {
	ah := advertV2()
	ah.AuthType, ah.AuthData = decode.AuthAH, [8]byte{}
	return []struct {
		name  string
		frame []byte
	}{
		{"v2", frame(t, advertV2(), false)},
		{"v3-ipv4", frame(t, advertV3v4(), false)},
		{"v3-ipv6", frame(t, advertV3v6(), false)},
		{"v2-ah", frame(t, ah, true)},
	}
}

// TestDecodeAllocs proves that decoding an advert from Ethernet bytes
// allocates nothing once the parser is warm.
func TestDecodeAllocs(t *testing.T) {
	for _, a := range namedAdverts(t) {
		t.Run(a.name, func(t *testing.T) {
			p := mustParser(t)
			allocs := testing.AllocsPerRun(1000, func() {
				if k, err := p.Decode(a.frame); k != decode.KindVRRP || err != nil || !p.VRRP.Valid() {
					t.Fatalf("kind %v err %v problems %q", k, err, p.VRRP.Problems)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocations per advert, want 0", allocs)
			}
		})
	}
}

// TestDecodeAllocsEncapsulated: the same for every other encapsulation
// and for CARP.
func TestDecodeAllocsEncapsulated(t *testing.T) {
	for _, d := range encapsulatedSeeds(t) {
		p, err := decode.NewParser(d.lt)
		if err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(1000, func() {
			k, err := p.Decode(d.data)
			if k != decode.KindVRRP && k != decode.KindCARP || err != nil {
				t.Fatalf("link type %d: kind %v err %v", d.lt, k, err)
			}
		})
		if allocs != 0 {
			t.Errorf("link type %d, %x...: %v allocations per advert, want 0", d.lt, d.data[:16], allocs)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, a := range namedAdverts(b) {
		b.Run(a.name, func(b *testing.B) {
			p := mustParser(b)
			b.ReportAllocs()
			b.SetBytes(int64(len(a.frame)))
			for b.Loop() {
				p.Decode(a.frame)
			}
		})
	}
}

// BenchmarkEncode measures building an advert with its checksum into a
// reused buffer, as the speaker does once per interval.
func BenchmarkEncode(b *testing.B) {
	v := advertV3v4()
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.AppendBinary(buf[:0], true); err != nil {
			b.Fatal(err)
		}
	}
}
