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
	p1 := mustParser(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		kind, err := p1.Decode(data)
		if kind != decode.KindVRRP || err != nil {
			return
		}
		roundTrip(t, &p1.VRRP)
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
