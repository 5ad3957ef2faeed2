package doctor

import (
	"net/netip"
	"time"
)

// Advert is one sender of VRRP adverts for one VRID seen on an interface
// during --listen, with what its latest advert said.
type Advert struct {
	Iface     string
	SrcMAC    string // Ethernet source of the latest advert
	Src, Dst  netip.Addr
	Version   int
	VRID      int
	Priority  int
	Interval  time.Duration
	VIPs      []netip.Addr
	Count     int
	First     time.Time
	Last      time.Time
	Malformed int // adverts from this sender that did not decode
}

// Wire is what a live capture saw.
type Wire struct {
	Duration time.Duration
	Ifaces   []string
	Adverts  []Advert
}
