package metrics_test

import (
	"encoding/binary"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	dto "github.com/prometheus/client_model/go"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/internal/synth"
	"github.com/vrrpkit/vrrpkit/metrics"
	"github.com/vrrpkit/vrrpkit/track"
)

// carpSplit writes internal/synth's carp-split scenario: 192.0.2.1
// (advskew 0) masters CARP vhid 7 from 0 to 30 s; 192.0.2.2 (advskew 100)
// advertises too from 10 s on.
func carpSplit(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "carp-split.pcap")
	if err := synth.WriteCARPScenario(path, synth.CARPScenarios()["carp-split"]); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCollectorCARP: CARP groups are their own families, vrrp_carp_*, with
// their masters, advskew, demote, advbase and counters; the carp-split
// finding is active in vrrp_carp_findings_active, not in the VRRP one.
// The whole scrape at the end of the capture is a golden file.
func TestCollectorCARP(t *testing.T) {
	path := carpSplit(t)
	text, mfs := scrape(t, metrics.New(replay(t, path, 0, 0), nil))
	golden(t, text)
	g := []string{"link=lab0", "vlan=0", "family=ipv4", "vhid=7"}
	r1, r2 := append(g, "router=192.0.2.1"), append(g, "router=192.0.2.2")
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"vrrp_carp_group_masters", g, 2},
		{"vrrp_carp_group_state", append(g, "state=SPLIT-BRAIN"), 1},
		{"vrrp_carp_group_master_info", append(g, "master=192.0.2.1", "advskew=0", "demote=0"), 1},
		{"vrrp_carp_group_master_info", append(g, "master=192.0.2.2", "advskew=100", "demote=0"), 1},
		{"vrrp_carp_group_master_changes_total", g, 0},
		{"vrrp_carp_group_last_advert_age_seconds", g, 0},
		{"vrrp_carp_router_adverts_total", r1, 31},
		{"vrrp_carp_router_adverts_total", r2, 15},
		{"vrrp_carp_router_advskew", r2, 100},
		{"vrrp_carp_router_demote", r2, 0},
		{"vrrp_carp_router_advbase_seconds", r2, 1},
		{"vrrp_carp_router_advertised_interval_seconds", r2, 1 + 100.0/256},
		{"vrrp_carp_router_observed_interval_seconds", r1, 1},
		{"vrrp_carp_findings_active", append(g, "id=carp-split", "severity=error"), 1},
		{"vrrp_carp_groups", nil, 1},
		{"vrrp_carp_adverts_total", nil, 46},
		{"vrrp_groups", nil, 0},
		{"vrrp_adverts_total", nil, 0},
	} {
		if got := value(t, mfs, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %g, want %g", c.name, c.labels, got, c.want)
		}
	}
	if n := count(mfs, "vrrp_findings_active") + count(mfs, "vrrp_group_masters"); n != 0 {
		t.Errorf("%d VRRP series from a CARP capture", n)
	}

	// Before 192.0.2.2 speaks: one master, no split.
	_, mfs = scrape(t, metrics.New(replay(t, path, 9.5, 0), nil))
	if got := value(t, mfs, "vrrp_carp_group_masters", g...); got != 1 {
		t.Errorf("masters at 9.5 s = %g, want 1", got)
	}
	if n := count(mfs, "vrrp_carp_findings_active"); n != 0 {
		t.Errorf("%d CARP finding series before the split", n)
	}
	// The capture stops at 30 s; a minute later nobody advertises (DOWN)
	// and the split, an event, still counts; 10 minutes later it does not.
	for _, c := range []struct {
		tick         float64
		state        string
		masters, act float64
	}{{90, "DOWN", 0, 1}, {630, "DOWN", 0, 0}} {
		_, mfs = scrape(t, metrics.New(replay(t, path, 0, c.tick), nil))
		if got := value(t, mfs, "vrrp_carp_group_masters", g...); got != c.masters {
			t.Errorf("at %g s: masters = %g, want %g", c.tick, got, c.masters)
		}
		if got := value(t, mfs, "vrrp_carp_group_state", append(g, "state="+c.state)...); got != 1 {
			t.Errorf("at %g s: state %s = %g", c.tick, c.state, got)
		}
		if got := value(t, mfs, "vrrp_carp_findings_active", append(g, "id=carp-split")...); got != c.act {
			t.Errorf("at %g s: active carp-split = %g, want %g", c.tick, got, c.act)
		}
		if n := count(mfs, "vrrp_carp_group_master_info"); n != 0 {
			t.Errorf("at %g s: %d master_info series without a master", c.tick, n)
		}
	}
}

// TestCollectorCARPBesideVRRP: a CARP vhid and a VRRP vrid of one number
// on one link, both sending adverts receivers discard (a CARP advert with
// TTL 64, a VRRP one without addresses), each raise malformed. In one family with the same labels they would be one series
// twice and the scrape would fail; each is in its own family, and the
// shared virtual MAC is active as the CARP group's carp-vrrp-vmac.
func TestCollectorCARPBesideVRRP(t *testing.T) {
	tr := track.New(track.Options{})
	p, err := decode.NewParser(layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	t0 := synth.ScenarioStart
	for i, f := range [][]byte{ttl64(t, carpAdvert(t)), vrrpAdvert(t, nil), carpAdvert(t), vrrpAdvert(t, []string{"192.0.2.100"})} {
		kind, err := p.Decode(f)
		tr.Observe(t0.Add(time.Duration(i)*100*time.Millisecond), "lab0", p, kind, err)
	}
	_, mfs := scrape(t, metrics.New(tr, nil)) // a duplicate series fails the gather
	g := []string{"link=lab0", "vlan=0", "family=ipv4"}
	for _, c := range []struct {
		name   string
		labels []string
	}{
		{"vrrp_carp_findings_active", append(g, "vhid=7", "id=malformed")},
		{"vrrp_findings_active", append(g, "vrid=7", "id=malformed")},
		{"vrrp_carp_findings_active", append(g, "vhid=7", "id=carp-vrrp-vmac", "severity=error")},
	} {
		if got := value(t, mfs, c.name, c.labels...); got != 1 {
			t.Errorf("%s%v = %g, want 1", c.name, c.labels, got)
		}
	}
	for _, m := range mfs["vrrp_findings_active"].GetMetric() {
		if id := label(m, "id"); strings.HasPrefix(id, "carp-") {
			t.Errorf("CARP finding %s in vrrp_findings_active", id)
		}
	}
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

var (
	carpSrc  = netip.MustParseAddr("192.0.2.1")
	vrrpSrc  = netip.MustParseAddr("192.0.2.11")
	vrrpDest = netip.MustParseAddr("224.0.0.18")
)

// carpAdvert is CARP vhid 7 from 192.0.2.1, as OpenBSD sends it.
func carpAdvert(t testing.TB) []byte {
	m := []byte{0x21, 7, 0, 7, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}
	m = append(m, make([]byte, 20)...)
	binary.BigEndian.PutUint16(m[6:], decode.Checksum(m, decode.FlavourMessageOnly, netip.Addr{}, netip.Addr{}))
	return ethIPv4(t, carpSrc, 7, gopacket.Payload(m))
}

// vrrpAdvert is a VRRPv2 advert for vrid 7 from 192.0.2.11 with vips (none:
// receivers discard it, RFC 3768 7.1).
func vrrpAdvert(t testing.TB, vips []string) []byte {
	v := &decode.VRRP{Version: decode.V2, Type: decode.TypeAdvertisement, VRID: 7, Priority: 150, AdverInt: 1,
		IP: decode.Carrier{Family: decode.IPv4, Src: vrrpSrc, Dst: vrrpDest, TTL: 255}}
	for _, a := range vips {
		v.Addrs = append(v.Addrs, netip.MustParseAddr(a))
	}
	return ethIPv4(t, vrrpSrc, 7, v)
}

func ethIPv4(t testing.TB, src netip.Addr, vmac byte, l gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true, FixLengths: true},
		&layers.Ethernet{SrcMAC: net.HardwareAddr{0, 0, 0x5e, 0, 1, vmac}, DstMAC: net.HardwareAddr{1, 0, 0x5e, 0, 0, 0x12}, EthernetType: layers.EthernetTypeIPv4},
		&layers.IPv4{Version: 4, IHL: 5, TTL: 255, Protocol: 112, SrcIP: src.AsSlice(), DstIP: vrrpDest.AsSlice()}, l)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ttl64 sets a frame's IPv4 TTL to 64, as a router that forwarded it
// would: receivers discard it (RFC 3768 7.1, carp_input).
func ttl64(t testing.TB, f []byte) []byte {
	t.Helper()
	ip := f[14:34]
	ip[8] = 64
	binary.BigEndian.PutUint16(ip[10:], 0)
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(ip[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
	return f
}
