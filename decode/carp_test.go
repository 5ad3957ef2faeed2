package decode_test

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
)

// carpMsg is a CARP advert as OpenBSD's carp_send_ad builds it: version 2,
// type 1, vhid, advskew, authlen 7, demote, advbase, checksum over the 36
// bytes, an 8-byte counter and a 20-byte HMAC (here a made-up one).
func carpMsg(vhid, advskew, advbase, demote uint8, counter uint64) []byte {
	m := []byte{0x21, vhid, advskew, 7, demote, advbase, 0, 0}
	m = binary.BigEndian.AppendUint64(m, counter)
	for i := range 20 {
		m = append(m, byte(0xa0+i))
	}
	binary.BigEndian.PutUint16(m[6:], decode.Checksum(m, decode.FlavourMessageOnly, netip.Addr{}, netip.Addr{}))
	return m
}

// carpFrame puts a CARP message in Ethernet and IPv4 from 192.0.2.11 to
// 224.0.0.18 with TTL 255 from the virtual MAC of its vhid, as carp(4) sends.
func carpFrame(t testing.TB, msg []byte) []byte {
	t.Helper()
	v := advertV2() // only its carrier is used
	f := frame(t, v, false)
	f = append(f[:34:34], msg...)
	binary.BigEndian.PutUint16(f[16:], uint16(20+len(msg)))
	copy(f[6:12], []byte{0, 0, 0x5e, 0, 1, msg[1]})
	return setIPLen(f, len(msg))
}

func TestCARP(t *testing.T) {
	for _, tc := range []struct {
		name     string
		frame    []byte
		want     decode.CARP // the fields compared
		problems decode.Problems
		interval time.Duration
	}{
		{"master, advskew 0", carpFrame(t, carpMsg(1, 0, 1, 0, 0x5f0a1b2c00000001)),
			decode.CARP{VHID: 1, AdvSkew: 0, AdvBase: 1, AuthLen: 7, Counter: 0x5f0a1b2c00000001}, 0, time.Second},
		{"backup, advskew 100, demoted", carpFrame(t, carpMsg(7, 100, 1, 2, 42)),
			decode.CARP{VHID: 7, AdvSkew: 100, AdvBase: 1, AuthLen: 7, Demote: 2, Counter: 42}, 0,
			time.Second + 100*time.Second/256},
		{"bad checksum", func() []byte { f := carpFrame(t, carpMsg(3, 0, 1, 0, 1)); f[34+7] ^= 1; return f }(),
			decode.CARP{VHID: 3, AdvBase: 1, AuthLen: 7, Counter: 1}, decode.ProblemBadChecksum, time.Second},
		{"vhid 0", carpFrame(t, carpMsg(0, 0, 1, 0, 1)),
			decode.CARP{VHID: 0, AdvBase: 1, AuthLen: 7, Counter: 1}, decode.ProblemBadVRID, time.Second},
		{"ttl 64", func() []byte {
			f := carpFrame(t, carpMsg(1, 0, 1, 0, 1))
			f[14+8] = 64
			return setIPLen(f, 36)
		}(), decode.CARP{VHID: 1, AdvBase: 1, AuthLen: 7, Counter: 1}, decode.ProblemBadTTL, time.Second},
		{"cut by the snap length inside the HMAC", carpFrame(t, carpMsg(1, 0, 1, 0, 1))[:34+20],
			decode.CARP{VHID: 1, AdvBase: 1, AuthLen: 7, Counter: 1}, decode.ProblemTruncated, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, general := range []bool{false, true} {
				p := mustParser(t)
				if general {
					decode.SetGeneralPathOnly(p)
				}
				kind, err := p.Decode(tc.frame)
				if kind != decode.KindCARP || err != nil {
					t.Fatalf("general path %v: kind %v, err %v; want a CARP advert", general, kind, err)
				}
				c := &p.CARP
				if c.VHID != tc.want.VHID || c.AdvSkew != tc.want.AdvSkew || c.AdvBase != tc.want.AdvBase ||
					c.AuthLen != 7 || c.Demote != tc.want.Demote || c.Counter != tc.want.Counter ||
					c.Version != decode.V2 || c.Type != decode.TypeAdvertisement {
					t.Errorf("general path %v: decoded %+v, want %+v", general, c, tc.want)
				}
				if c.Problems != tc.problems {
					t.Errorf("general path %v: problems %q, want %q", general, c.Problems, tc.problems)
				}
				if c.Interval() != tc.interval {
					t.Errorf("Interval() = %v, want %v", c.Interval(), tc.interval)
				}
				if c.IP.Src != h1v4 || c.IP.Dst != group4 {
					t.Errorf("carrier %v > %v", c.IP.Src, c.IP.Dst)
				}
				if tc.problems == 0 && c.HMAC[0] != 0xa0 {
					t.Errorf("HMAC %x", c.HMAC)
				}
			}
		})
	}
}

// TestCARPIsNotVRRP: what tells CARP from VRRPv2 and what does not.
func TestCARPIsNotVRRP(t *testing.T) {
	msg := carpMsg(1, 0, 1, 0, 1)
	if !decode.IsCARP(msg, 36) || !decode.IsCARP(msg, 0) {
		t.Error("a CARP advert is not recognised")
	}
	// A VRRPv2 advert announcing 7 addresses is 44 bytes: VRRP.
	v := advertV2()
	for i := range 6 {
		v.Addrs = append(v.Addrs, netip.AddrFrom4([4]byte{192, 0, 2, byte(101 + i)}))
	}
	f := frame(t, v, false)
	p := mustParser(t)
	if k, err := p.Decode(f); k != decode.KindVRRP || err != nil || !p.VRRP.Valid() {
		t.Errorf("VRRPv2 with 7 addresses: kind %v err %v problems %q", k, err, p.VRRP.Problems)
	}
	// VRRPv3 (version 3) never is CARP, whatever its length.
	m3 := append([]byte{}, msg...)
	m3[0] = 0x31
	if decode.IsCARP(m3, 36) {
		t.Error("VRRPv3 taken for CARP")
	}
	// The frame of a CARP advert does not repeat for the tracker's steady
	// path: Repeats leaves CARP out.
	r := decode.NewRepeats()
	cf := carpFrame(t, msg)
	r.See(cf)
	if flow, rep := r.See(cf); flow != -1 || rep {
		t.Errorf("Repeats.See(CARP) = %d %v, want -1 false", flow, rep)
	}
}
