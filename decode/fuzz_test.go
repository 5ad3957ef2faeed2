package decode_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/gopacket"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/internal/refcap"
)

// addCaptureSeeds seeds a fuzz target with every frame of every reference
// capture (testdata/fuzz/<Target> holds further seeds and past crashers).
func addCaptureSeeds(f *testing.F, add func(frame []byte)) {
	for _, path := range refcap.Paths(f, "..") {
		_, data := frames(f, path)
		for _, d := range data {
			add(d)
		}
	}
}

// FuzzParser feeds arbitrary frames to the Ethernet parser: it must never
// panic, and an advert it accepts must survive encode → decode unchanged.
func FuzzParser(f *testing.F) {
	addCaptureSeeds(f, func(d []byte) { f.Add(d) })
	for _, d := range encapsulatedSeeds(f) {
		if d.lt == 1 {
			f.Add(d.data)
		}
	}
	p1 := mustParser(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		kind, err := p1.Decode(data)
		if kind != decode.KindVRRP || err != nil {
			return
		}
		roundTrip(t, &p1.VRRP)
	})
}

// encapsulatedSeeds are adverts in every encapsulation the Parser reads
// besides plain Ethernet, and CARP: PBB, Linux cooked v1/v2, raw IP, BSD
// null/loopback, Frame Relay.
func encapsulatedSeeds(t testing.TB) []struct {
	lt   int
	data []byte
} {
	v2, v6 := frame(t, advertV2(), false), frame(t, advertV3v6(), false)
	carp := carpFrame(t, carpMsg(1, 0, 1, 0, 1))
	return []struct {
		lt   int
		data []byte
	}{
		{1, carp}, {1, pbb(v2, 4051, 2014011)}, {1, pbb(tagged(v6, 20), 1, 7)}, {1, tagged(carp, 10)},
		{113, sll(v2)}, {decode.LinkTypeLinuxSLL2, sll2(v6)}, {decode.LinkTypeLinuxSLL2, sll2(tagged(carp, 10))},
		{101, v2[14:]}, {229, v6[14:]}, {0, null(v2, 2, false)}, {108, null(v6, 24, true)},
		{107, append([]byte{0x18, 0x41, 0x08, 0x00}, v2[14:]...)},
		{107, append([]byte{0x18, 0x41, 0x03, 0x00, 0x80, 0, 0, 0, 0x86, 0xdd}, v6[14:]...)},
	}
}

// fuzzLinkTypes are the link types FuzzLinkTypes picks from.
var fuzzLinkTypes = []int{1, 113, decode.LinkTypeLinuxSLL2, 101, 0, 108, 107}

// FuzzLinkTypes feeds arbitrary frames to a parser of every link type
// besides Ethernet: none may panic, an advert accepted must survive a
// round trip, and CARP must decode without an error.
func FuzzLinkTypes(f *testing.F) {
	for _, d := range encapsulatedSeeds(f) {
		for i, lt := range fuzzLinkTypes {
			if lt == d.lt {
				f.Add(uint8(i), d.data)
			}
		}
	}
	var ps []*decode.Parser
	for _, lt := range fuzzLinkTypes {
		p, err := decode.NewParser(lt)
		if err != nil {
			f.Fatal(err)
		}
		ps = append(ps, p)
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		p := ps[int(which)%len(ps)]
		kind, err := p.Decode(data)
		switch {
		case kind == decode.KindCARP && err != nil:
			t.Fatalf("CARP with an error: %v", err)
		case kind == decode.KindVRRP && err == nil:
			roundTrip(t, &p.VRRP)
		}
	})
}

// FuzzVRRP feeds arbitrary VRRP messages to the bare layer under each kind
// of carrier (none, IPv4 multicast, IPv4 unicast, IPv6).
func FuzzVRRP(f *testing.F) {
	addCaptureSeeds(f, func(d []byte) {
		p := mustParser(f)
		if k, err := p.Decode(d); k == decode.KindVRRP && err == nil {
			for c := range uint8(4) {
				f.Add(append([]byte{}, p.VRRP.Contents...), c)
			}
		}
	})
	carriers := []decode.Carrier{
		{},
		{Family: decode.IPv4, Src: h1v4, Dst: group4, TTL: 255},
		{Family: decode.IPv4, Src: h1v4, Dst: h2v4, TTL: 64},
		{Family: decode.IPv6, Src: h1v6, Dst: group6, TTL: 255},
	}
	f.Fuzz(func(t *testing.T, data []byte, c uint8) {
		var v decode.VRRP
		v.IP = carriers[int(c)%len(carriers)]
		v.IP.Length = len(data)
		if err := v.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err != nil {
			return
		}
		if len(v.Addrs) > int(v.CountIPAddr) {
			t.Fatalf("%d addresses decoded, count says %d", len(v.Addrs), v.CountIPAddr)
		}
		roundTrip(t, &v)
	})
}

// roundTrip re-encodes an accepted advert (whose count matches its
// addresses) and decodes it again under the same carrier: every field and
// the verdict must come back the same.
func roundTrip(t *testing.T, v *decode.VRRP) {
	t.Helper()
	if v.Problems.Has(decode.ProblemCountMismatch) || v.Problems.Has(decode.ProblemTruncated) {
		return
	}
	b, err := v.AppendBinary(nil, false)
	if err != nil {
		t.Fatalf("re-encoding an accepted advert: %v\n%+v", err, v)
	}
	var w decode.VRRP
	w.IP = v.IP
	w.IP.Length = len(b)
	if err := w.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
		t.Fatalf("decoding the re-encoded advert: %v", err)
	}
	if diff := cmp.Diff(v, &w, fields); diff != "" {
		t.Fatalf("round trip (-first +second):\n%s", diff)
	}
	if v.Problems != w.Problems || v.Flavour != w.Flavour || v.ChecksumStatus != w.ChecksumStatus {
		t.Fatalf("verdict changed: %q/%v/%v then %q/%v/%v", v.Problems, v.Flavour, v.ChecksumStatus,
			w.Problems, w.Flavour, w.ChecksumStatus)
	}
}
