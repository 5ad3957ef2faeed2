package path

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/probe"
)

// Kind is one sort of test frame.
type Kind uint8

// The kinds of test frames, in the order a plan sends them.
const (
	// KindGroup is a VRRPv3 advert to 224.0.0.18 / ff02::12 with TTL / hop
	// limit 255 from the interface's own MAC, sent through the kernel as a
	// daemon sends it (so the sender's own firewall applies).
	KindGroup Kind = iota + 1
	// KindGroupVMAC is the same advert from the virtual MAC of the test
	// VRID, as keepalived's use_vmac and FRR send it.
	KindGroupVMAC
	// KindUnicast is a VRRPv3 advert to the peer's address (keepalived
	// unicast_peer), through the kernel.
	KindUnicast
	// KindProbe is an ARP probe (RFC 5227, IPv4) or a DAD neighbour
	// solicitation (RFC 4862, IPv6) from the virtual MAC: whether the
	// master's ARP replies and NAs for a VIP could pass.
	KindProbe
	// KindV2 is a VRRPv2 advert to 224.0.0.18 (IPv4 only): the other
	// version and checksum flavour.
	KindV2
)

var kindNames = [...]string{KindGroup: "group", KindGroupVMAC: "group-vmac", KindUnicast: "unicast", KindProbe: "probe", KindV2: "v2"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// MarshalText returns the kind's name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads a kind's name.
func (k *Kind) UnmarshalText(b []byte) error {
	for i, n := range kindNames {
		if n != "" && n == string(b) {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("unknown frame kind %q", b)
}

// Name is the kind as shown for a family: the probe is "arp-probe" or
// "dad-ns".
func (k Kind) Name(fam decode.Family) string {
	if k == KindProbe {
		if fam == decode.IPv6 {
			return "dad-ns"
		}
		return "arp-probe"
	}
	return k.String()
}

func (k Kind) valid() bool { return k >= KindGroup && k <= KindV2 }

// Advert reports whether frames of the kind are VRRP adverts (which a raw
// socket of protocol 112 receives).
func (k Kind) Advert() bool { return k != KindProbe }

// Kernel reports whether frames of the kind are sent through a raw IP
// socket (the kernel picks the MAC addresses) rather than built whole and
// sent on a packet socket.
func (k Kind) Kernel() bool { return k == KindGroup || k == KindUnicast || k == KindV2 }

// Kinds returns the kinds a plan sends for a family.
func Kinds(fam decode.Family) []Kind {
	if fam == decode.IPv6 {
		return []Kind{KindGroup, KindGroupVMAC, KindUnicast, KindProbe}
	}
	return []Kind{KindGroup, KindGroupVMAC, KindUnicast, KindProbe, KindV2}
}

// ID names one test frame. Every frame carries it, so the listener knows
// which frame arrived even when its MAC or TTL changed on the way.
type ID struct {
	VRID   uint8         `json:"vrid"`
	Family decode.Family `json:"family"` // 4 or 6
	Kind   Kind          `json:"kind"`
	Seq    uint8         `json:"seq"` // 1-based copy of the kind
}

// Sends says which optional parts a run sends; every frame but the ARP
// probe carries it, so a listener on its own knows what to expect.
type Sends uint8

// The optional parts of a run.
const (
	SendsIPv4 Sends = 1 << iota
	SendsUnicast4
	SendsIPv6
	SendsUnicast6
)

// Has reports whether s includes every part of t.
func (s Sends) Has(t Sends) bool { return s&t == t }

func (id ID) String() string {
	return fmt.Sprintf("%s %s #%d vrid %d", id.Family, id.Kind.Name(id.Family), id.Seq, id.VRID)
}

// How a frame carries its id:
//
//   - an IPv4 advert lists two addresses, 198.51.100.<sends><kind> (a
//     nibble each) and 203.0.113.<seq> (RFC 5737 documentation blocks);
//   - an IPv6 advert lists fe80::76:7270 (the first address must be
//     link-local) and 2001:db8:7672:7070:<vrid><kind>:<sends><seq>:76:7270
//     (RFC 3849);
//   - the ARP probe asks for 203.0.113.<seq>; its sender hardware address,
//     the virtual MAC, names the VRID;
//   - the DAD probe solicits the same IPv6 address as the IPv6 advert.
//
// The low 24 bits of the IPv6 address are fixed, so every DAD probe goes to
// one solicited-node group the listener can join in advance.
var (
	idPrefix6  = [8]byte{0x20, 0x01, 0x0d, 0xb8, 0x76, 0x72, 0x70, 0x70} // 2001:db8:7672:7070::/64 ("vrpp")
	idLow6     = [4]byte{0x00, 0x76, 0x72, 0x70}
	linkLocal6 = netip.MustParseAddr("fe80::76:7270")
	kindNet4   = [3]byte{198, 51, 100}
	seqNet4    = [3]byte{203, 0, 113}
	testPrio   = uint8(1)
	testIntvl3 = uint16(100) // centiseconds: 1 s
	testIntvl2 = uint16(1)   // seconds
)

// addr6 returns the IPv6 address that carries id and sends.
func addr6(id ID, sends Sends) netip.Addr {
	var a [16]byte
	copy(a[:8], idPrefix6[:])
	a[8], a[9], a[10], a[11] = id.VRID, byte(id.Kind), byte(sends), id.Seq
	copy(a[12:], idLow6[:])
	return netip.AddrFrom16(a)
}

// parseAddr6 reads the id and sends an IPv6 address carries.
func parseAddr6(a netip.Addr) (ID, Sends, bool) {
	if !a.Is6() {
		return ID{}, 0, false
	}
	b := a.As16()
	id := ID{VRID: b[8], Family: decode.IPv6, Kind: Kind(b[9]), Seq: b[11]}
	if [8]byte(b[:8]) != idPrefix6 || [4]byte(b[12:]) != idLow6 || id.Seq == 0 || !id.Kind.valid() {
		return ID{}, 0, false
	}
	return id, Sends(b[10]), true
}

// SolicitedNodeMAC is the link-layer group of every DAD probe of a run: a
// listener on a NIC that filters multicast must join it to see them.
func SolicitedNodeMAC() net.HardwareAddr {
	return net.HardwareAddr{0x33, 0x33, 0xff, idLow6[1], idLow6[2], idLow6[3]}
}

func solicitedNode() netip.Addr {
	return netip.AddrFrom16([16]byte{0xff, 0x02, 11: 0x01, 12: 0xff, 13: idLow6[1], 14: idLow6[2], 15: idLow6[3]})
}

// Frame is one test frame of a plan.
type Frame struct {
	ID
	Src, Dst netip.Addr       // IP source (unspecified for the probes) and destination
	SrcMAC   net.HardwareAddr // the interface's MAC or the virtual MAC
	DstMAC   net.HardwareAddr // nil for frames the kernel sends (it resolves it)
	// Data is the VRRP message for a frame the kernel sends (Kind.Kernel),
	// otherwise the whole Ethernet frame.
	Data []byte
}

// Endpoint is one side's addresses for a family.
type Endpoint struct {
	Primary netip.Addr // the group adverts' source: the first IPv4 address, the IPv6 link-local address
	// UnicastSrc is the unicast advert's source: Primary for IPv4, a global
	// IPv6 address for an IPv6 peer that is not link-local.
	UnicastSrc netip.Addr
	Peer       netip.Addr // the peer's address; no unicast advert without it
}

// PlanConfig says what to send.
type PlanConfig struct {
	VRID  uint8
	Count int // copies of each kind, 1-50
	MAC   net.HardwareAddr
	IPv4  *Endpoint // nil: send no IPv4 frames
	IPv6  *Endpoint // nil: send no IPv6 frames
}

// Sends returns the optional parts the plan sends.
func (c PlanConfig) Sends() Sends {
	var s Sends
	if c.IPv4 != nil {
		s |= SendsIPv4
		if c.IPv4.Peer.IsValid() {
			s |= SendsUnicast4
		}
	}
	if c.IPv6 != nil {
		s |= SendsIPv6
		if c.IPv6.Peer.IsValid() {
			s |= SendsUnicast6
		}
	}
	return s
}

// ErrPlan is the class of a plan that cannot be built.
var ErrPlan = errors.New("bad path test plan")

// Plan builds the frames of a run: Count copies of every kind of every
// family, interleaved (one of each kind, then the next copy), so a loss
// that lasts a moment does not take all copies of one kind.
func Plan(c PlanConfig) ([]Frame, error) {
	bad := func(format string, a ...any) ([]Frame, error) {
		return nil, fmt.Errorf("%w: "+format, append([]any{ErrPlan}, a...)...)
	}
	switch {
	case c.VRID == 0:
		return bad("VRID 0: pick one from 1 to 255")
	case c.Count < 1 || c.Count > 50:
		return bad("%d copies of each frame: want 1 to 50", c.Count)
	case len(c.MAC) != 6:
		return bad("interface MAC %q is not an Ethernet address", c.MAC)
	case c.IPv4 == nil && c.IPv6 == nil:
		return bad("no family to test: the interface has neither an IPv4 address nor an IPv6 link-local address")
	}
	var out []Frame
	for seq := 1; seq <= c.Count; seq++ {
		for _, fam := range []decode.Family{decode.IPv4, decode.IPv6} {
			ep := c.IPv4
			if fam == decode.IPv6 {
				ep = c.IPv6
			}
			if ep == nil {
				continue
			}
			for _, k := range Kinds(fam) {
				if k == KindUnicast && !ep.Peer.IsValid() {
					continue
				}
				f, err := build(c, *ep, ID{VRID: c.VRID, Family: fam, Kind: k, Seq: uint8(seq)})
				if err != nil {
					return nil, err
				}
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// build makes one frame.
func build(c PlanConfig, ep Endpoint, id ID) (Frame, error) {
	vmac := probe.VirtualMAC(id.Family, id.VRID)
	f := Frame{ID: id, Src: ep.Primary, SrcMAC: c.MAC}
	switch id.Kind {
	case KindGroup, KindGroupVMAC, KindV2:
		f.Dst = probe.Group4
		if id.Family == decode.IPv6 {
			f.Dst = probe.Group6
		}
	case KindUnicast:
		f.Src, f.Dst = ep.UnicastSrc, ep.Peer
	case KindProbe:
		f.SrcMAC = vmac
		if id.Family == decode.IPv4 {
			f.Src, f.Dst = netip.IPv4Unspecified(), netip.AddrFrom4([4]byte{seqNet4[0], seqNet4[1], seqNet4[2], id.Seq})
			f.DstMAC = layers.EthernetBroadcast
		} else {
			f.Src, f.Dst = netip.IPv6Unspecified(), solicitedNode()
			f.DstMAC = SolicitedNodeMAC()
		}
		data, err := probeFrame(f, c.Sends())
		f.Data = data
		return f, err
	}
	if !f.Src.IsValid() || !f.Dst.IsValid() {
		return f, fmt.Errorf("%w: %s has no source or destination address", ErrPlan, id)
	}
	v := advert(id, c.Sends(), f.Src, f.Dst)
	msg, err := v.MarshalBinary()
	if err != nil {
		return f, fmt.Errorf("%w: %s: %w", ErrPlan, id, err)
	}
	if id.Kind.Kernel() {
		f.Data = msg
		return f, nil
	}
	f.SrcMAC = vmac
	f.DstMAC = groupMAC(id.Family)
	f.Data, err = ipFrame(f, layers.IPProtocol(112), gopacket.Payload(msg))
	return f, err
}

// advert returns the test advert of id from src to dst.
func advert(id ID, sends Sends, src, dst netip.Addr) *decode.VRRP {
	v := &decode.VRRP{
		Version: decode.V3, Type: decode.TypeAdvertisement, VRID: id.VRID, Priority: testPrio,
		AdverInt: testIntvl3, Family: id.Family,
		IP: decode.Carrier{Family: id.Family, Src: src, Dst: dst},
	}
	if id.Kind == KindV2 {
		v.Version, v.AdverInt = decode.V2, testIntvl2
	}
	if id.Family == decode.IPv6 {
		// RFC 5798 5.2.9: the first IPv6 address is the link-local one.
		v.Addrs = []netip.Addr{linkLocal6, addr6(id, sends)}
	} else {
		v.Addrs = []netip.Addr{
			netip.AddrFrom4([4]byte{kindNet4[0], kindNet4[1], kindNet4[2], byte(sends)<<4 | byte(id.Kind)}),
			netip.AddrFrom4([4]byte{seqNet4[0], seqNet4[1], seqNet4[2], id.Seq}),
		}
	}
	return v
}

func groupMAC(fam decode.Family) net.HardwareAddr {
	if fam == decode.IPv6 {
		return net.HardwareAddr{0x33, 0x33, 0, 0, 0, 0x12}
	}
	return net.HardwareAddr{0x01, 0, 0x5e, 0, 0, 0x12}
}

// ipFrame serialises Ethernet + IP (TTL / hop limit 255, DSCP CS6 as
// keepalived sends) + payload.
func ipFrame(f Frame, proto layers.IPProtocol, payload ...gopacket.SerializableLayer) ([]byte, error) {
	eth := &layers.Ethernet{SrcMAC: f.SrcMAC, DstMAC: f.DstMAC, EthernetType: layers.EthernetTypeIPv4}
	var ip gopacket.SerializableLayer
	if f.Family == decode.IPv6 {
		eth.EthernetType = layers.EthernetTypeIPv6
		ip6 := &layers.IPv6{Version: 6, TrafficClass: 0xc0, HopLimit: 255, NextHeader: proto,
			SrcIP: f.Src.AsSlice(), DstIP: f.Dst.AsSlice()}
		for _, l := range payload {
			if icmp, ok := l.(*layers.ICMPv6); ok {
				if err := icmp.SetNetworkLayerForChecksum(ip6); err != nil {
					return nil, err
				}
			}
		}
		ip = ip6
	} else {
		ip = &layers.IPv4{Version: 4, IHL: 5, TOS: 0xc0, TTL: 255, Protocol: proto,
			SrcIP: f.Src.AsSlice(), DstIP: f.Dst.AsSlice()}
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, append([]gopacket.SerializableLayer{eth, ip}, payload...)...); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrPlan, f.ID, err)
	}
	return buf.Bytes(), nil
}

// probeFrame builds the ARP probe or the DAD neighbour solicitation.
func probeFrame(f Frame, sends Sends) ([]byte, error) {
	if f.Family == decode.IPv6 {
		icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeNeighborSolicitation, 0)}
		// No source link-layer address option: RFC 4861 4.3 forbids it
		// when the source is unspecified.
		ns := &layers.ICMPv6NeighborSolicitation{TargetAddress: addr6(f.ID, sends).AsSlice()}
		return ipFrame(f, layers.IPProtocolICMPv6, icmp, ns)
	}
	eth := &layers.Ethernet{SrcMAC: f.SrcMAC, DstMAC: f.DstMAC, EthernetType: layers.EthernetTypeARP}
	arp := &layers.ARP{
		AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
		HwAddressSize: 6, ProtAddressSize: 4, Operation: layers.ARPRequest,
		SourceHwAddress: f.SrcMAC, SourceProtAddress: f.Src.AsSlice(),
		DstHwAddress: make([]byte, 6), DstProtAddress: f.Dst.AsSlice(),
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, eth, arp); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrPlan, f.ID, err)
	}
	return buf.Bytes(), nil
}

// Seen is a test frame as one socket received it.
type Seen struct {
	ID
	Sends    Sends            // what the run sends; 0 when the frame does not say (ARP)
	TTL      uint8            // TTL / hop limit as received (0 for ARP)
	SrcMAC   net.HardwareAddr // Ethernet source as received; nil from the raw IP socket
	Src, Dst netip.Addr
}

// Recognizer tells test frames apart from everything else. It reuses one
// decode.Parser and is not safe for concurrent use.
type Recognizer struct {
	p    *decode.Parser
	kind decode.Kind // of the last frame
}

// NewRecognizer returns a Recognizer of Ethernet frames.
func NewRecognizer() *Recognizer {
	p, err := decode.NewParser(layers.LinkTypeEthernet)
	if err != nil {
		panic(err) // Ethernet is always supported
	}
	return &Recognizer{p: p}
}

// Frame reads an Ethernet frame and reports whether it is a test frame.
func (r *Recognizer) Frame(b []byte) (Seen, bool) {
	kind, err := r.p.Decode(b)
	r.kind = kind
	if err != nil {
		r.kind = decode.KindOther
		return Seen{}, false
	}
	var s Seen
	var ok bool
	switch kind {
	case decode.KindVRRP:
		s, ok = fromAdvert(&r.p.VRRP)
	case decode.KindARP:
		a := &r.p.ARP
		fam, vrid, isV := probe.ParseVirtualMAC(a.SenderMAC)
		t := a.TargetIP.As4()
		if a.Op != decode.ARPRequest || a.SenderIP != netip.IPv4Unspecified() || !isV || fam != decode.IPv4 ||
			[3]byte(t[:3]) != seqNet4 || t[3] == 0 {
			return Seen{}, false
		}
		s, ok = Seen{ID: ID{VRID: vrid, Family: decode.IPv4, Kind: KindProbe, Seq: t[3]},
			Src: a.SenderIP, Dst: a.TargetIP}, true
	case decode.KindNeighbor:
		n := &r.p.Neighbor
		id, sends, isID := parseAddr6(n.Target)
		if n.Type != decode.ICMPv6NeighborSolicitation || !n.Src.IsUnspecified() || !isID || id.Kind != KindProbe {
			return Seen{}, false
		}
		s, ok = Seen{ID: id, Sends: sends, TTL: r.p.VRRP.IP.TTL, Src: n.Src, Dst: n.Dst}, true
	}
	if !ok {
		return Seen{}, false
	}
	s.SrcMAC = append(net.HardwareAddr(nil), r.p.Link.SrcMAC...)
	return s, true
}

// OtherAdvert reports, after Frame said no, whether that frame was a VRRP
// advert of vrid that is not a test frame (a router using the VRID), and
// its source.
func (r *Recognizer) OtherAdvert(vrid uint8) (netip.Addr, bool) {
	if r.kind != decode.KindVRRP || r.p.VRRP.VRID != vrid {
		return netip.Addr{}, false
	}
	if _, test := fromAdvert(&r.p.VRRP); test {
		return netip.Addr{}, false
	}
	return r.p.VRRP.IP.Src, true
}

// Packet reads a packet from a raw IP socket of protocol 112 and reports
// whether it is a test advert.
func (r *Recognizer) Packet(p probe.Packet) (Seen, bool) {
	fam := decode.IPv4
	if p.Src.Is6() && !p.Src.Is4In6() {
		fam = decode.IPv6
	}
	v := &r.p.VRRP
	v.IP = decode.Carrier{Family: fam, Src: p.Src, Dst: p.Dst, TTL: p.TTL, Length: len(p.Data)}
	if err := v.DecodeFromBytes(p.Data, gopacket.NilDecodeFeedback); err != nil {
		return Seen{}, false
	}
	return fromAdvert(v)
}

// fromAdvert reads the id of a test advert.
func fromAdvert(v *decode.VRRP) (Seen, bool) {
	if v.Priority != testPrio || v.Type != decode.TypeAdvertisement {
		return Seen{}, false
	}
	s := Seen{TTL: v.IP.TTL, Src: v.IP.Src, Dst: v.IP.Dst}
	switch {
	case v.IP.Family == decode.IPv6 && len(v.Addrs) == 2 && v.Addrs[0] == linkLocal6:
		id, sends, ok := parseAddr6(v.Addrs[1])
		if !ok || id.VRID != v.VRID || !id.Kind.Advert() || id.Kind == KindV2 || v.Version != decode.V3 {
			return Seen{}, false
		}
		s.ID, s.Sends = id, sends
	case v.IP.Family == decode.IPv4 && len(v.Addrs) == 2:
		k, q := v.Addrs[0].As4(), v.Addrs[1].As4()
		if [3]byte(k[:3]) != kindNet4 || [3]byte(q[:3]) != seqNet4 || q[3] == 0 {
			return Seen{}, false
		}
		s.ID = ID{VRID: v.VRID, Family: decode.IPv4, Kind: Kind(k[3] & 0x0f), Seq: q[3]}
		s.Sends = Sends(k[3] >> 4)
		if !s.Kind.valid() || !s.Kind.Advert() || (s.Kind == KindV2) != (v.Version == decode.V2) {
			return Seen{}, false
		}
	default:
		return Seen{}, false
	}
	return s, true
}
