package track_test

import (
	"encoding/binary"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/track"
)

// carp builds an Ethernet frame with a CARP advert as OpenBSD sends it:
// from the virtual MAC 00:00:5e:00:01:vhid to 224.0.0.18 (ff02::12), TTL
// 255, advbase 1, a counter that grows with n and a made-up HMAC.
func carp(t testing.TB, src string, vhid, advskew, demote byte, n uint64) []byte {
	t.Helper()
	m := []byte{0x21, vhid, advskew, 7, demote, 1, 0, 0}
	m = binary.BigEndian.AppendUint64(m, 0x5f0a1b2c00000000+n)
	m = append(m, make([]byte, 20)...)
	binary.BigEndian.PutUint16(m[6:], decode.Checksum(m, decode.FlavourMessageOnly, netip.Addr{}, netip.Addr{}))
	a := netip.MustParseAddr(src)
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{0, 0, 0x5e, 0, 1, vhid}, DstMAC: net.HardwareAddr{1, 0, 0x5e, 0, 0, 0x12},
		EthernetType: layers.EthernetTypeIPv4}
	var ip gopacket.SerializableLayer = &layers.IPv4{Version: 4, TTL: 255, Protocol: 112, SrcIP: a.AsSlice(),
		DstIP: net.IP{224, 0, 0, 18}}
	if a.Is6() {
		eth.EthernetType, eth.DstMAC = layers.EthernetTypeIPv6, net.HardwareAddr{0x33, 0x33, 0, 0, 0, 0x12}
		ip = &layers.IPv6{Version: 6, HopLimit: 255, NextHeader: 112, SrcIP: a.AsSlice(), DstIP: netip.MustParseAddr("ff02::12").AsSlice()}
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		eth, ip, gopacket.Payload(m)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestCARP: CARP groups are followed as CARP. A steady master with advskew
// 0 is neither a VRRP release nor malformed; its silence is no VRRP
// master-down; two routers advertising at once are two CARP masters; a
// CARP vhid beside a VRRP vrid of the same number shares its virtual MAC.
func TestCARP(t *testing.T) {
	r := newRig(t, track.Options{})
	for i := range 10 {
		r.feed(at(float64(i)), carp(t, "192.0.2.1", 7, 0, 0, uint64(i)))
	}
	r.tick(30) // silence: CARP backups are silent too, and CARP is not VRRP
	if len(r.got) != 0 {
		t.Fatalf("findings for a steady CARP master and its silence: %+v", r.got)
	}
	if st := r.tr.Stats(); st.CARP != 10 || st.Adverts != 0 || st.Undecodable != 0 {
		t.Errorf("stats %+v: want 10 CARP adverts and no VRRP ones", st)
	}
	if g := r.tr.Snapshot(); len(g) != 0 {
		t.Errorf("VRRP groups %+v from CARP adverts", g)
	}
	cs := r.tr.CARP()
	if len(cs) != 1 || cs[0].Master != "192.0.2.1" || cs[0].Group.String() != "lab0 ipv4 carp vhid 7" ||
		len(cs[0].Routers) != 1 || cs[0].Routers[0].Count != 10 || cs[0].Routers[0].MAC != "00:00:5e:00:01:07" {
		t.Fatalf("CARP groups %+v", cs)
	}

	// A second router advertising while the first does: two masters.
	r.feed(at(31), carp(t, "192.0.2.1", 7, 0, 0, 11))
	r.feed(at(31.5), carp(t, "192.0.2.2", 7, 100, 0, 1))
	sp := r.ids("carp-split")
	if len(sp) != 1 || sp[0].f.Group.Proto != track.ProtoCARP || !strings.Contains(sp[0].f.Message,
		"192.0.2.1 (advskew 0, demote 0) and 192.0.2.2 (advskew 100, demote 0) both advertise as CARP master of vhid 7") {
		t.Fatalf("carp-split %+v", sp)
	}
	if m := r.tr.CARP()[0].Master; m != "192.0.2.1" {
		t.Errorf("master %s, want the lower advskew 192.0.2.1", m)
	}
	// The screen's and the exporter's view: two masters, the elected one
	// first; one when 192.0.2.1 fell silent for 3 of its intervals (1 s)
	// and 192.0.2.2 not yet (1.39 s); none when both did.
	g := r.tr.CARP()[0]
	for _, c := range []struct {
		at      float64
		masters int
		first   string
		state   track.State
	}{{33.9, 2, "192.0.2.1", track.StateSplitBrain}, {34.3, 1, "192.0.2.2", track.StateOK}, {36, 0, "", track.StateDown}} {
		if ms := g.Masters(at(c.at)); len(ms) != c.masters || g.State(at(c.at)) != c.state ||
			c.masters > 0 && ms[0].Addr != c.first {
			t.Errorf("at %gs: masters %+v, state %s; want %d from %s, %s", c.at, ms, g.State(at(c.at)), c.masters, c.first, c.state)
		}
	}
	if !g.LastAdvert().Equal(at(31.5)) {
		t.Errorf("last advert %v, want %v", g.LastAdvert(), at(31.5))
	}

	// VRRP vrid 7 on IPv4 shares 00:00:5e:00:01:07 with CARP vhid 7; the
	// VRRP group itself is judged as VRRP.
	r.advert(40, with(h1, func(a *adv) { a.vrid = 7 }))
	if vm := r.ids("carp-vrrp-vmac"); len(vm) != 1 || !strings.Contains(vm[0].f.Message, "00:00:5e:00:01:07") {
		t.Fatalf("carp-vrrp-vmac %+v", r.got)
	}
	// VRRP over IPv6 uses 00:00:5e:00:02:NN: no clash.
	r = newRig(t, track.Options{})
	r.feed(at(0), carp(t, "192.0.2.1", 9, 0, 0, 1))
	r.advert(1, adv{src: "fe80::1", vrid: 9, version: decode.V3, vips: []string{"fe80::53"}})
	if vm := r.ids("carp-vrrp-vmac"); len(vm) != 0 {
		t.Errorf("carp-vrrp-vmac %+v for a VRRPv3 IPv6 group", vm)
	}
	// A CARP advert receivers drop (TTL 64) is malformed, of the CARP group.
	f := carp(t, "192.0.2.1", 9, 0, 0, 2)
	f[14+8] = 64
	binary.BigEndian.PutUint16(f[14+10:], 0)
	binary.BigEndian.PutUint16(f[14+10:], ^ipSum(f[14:34]))
	r.feed(at(2), f)
	if mf := r.ids("malformed"); len(mf) != 1 || mf[0].f.Group.Proto != track.ProtoCARP || !strings.Contains(mf[0].f.Message, "bad-ttl") {
		t.Errorf("malformed %+v", mf)
	}
}

func ipSum(h []byte) uint16 {
	var s uint32
	for i := 0; i < len(h); i += 2 {
		s += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}
