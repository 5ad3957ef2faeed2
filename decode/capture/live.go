package capture

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcap"
	"github.com/vishvananda/netlink"
)

// LiveOptions tune a live capture.
type LiveOptions struct {
	Filter     string        // extra BPF expression, ANDed with the VRRP filter
	Promisc    bool          // put the interface in promiscuous mode
	Snaplen    int           // bytes kept per frame; default 4224, room for a v3 IPv6 advert of 255 addresses behind QinQ
	BufferSize int           // kernel ring size in bytes; default 32 MiB
	Timeout    time.Duration // how long a read waits before reporting a timeout; default 100 ms
	// Warn, if set, receives what the capture could not do as asked but
	// can run without (promiscuous mode refused).
	Warn func(msg string)
}

// ErrTimeout is returned by a live source's read when nothing arrived
// within the read timeout; the loop uses it to advance the clock.
var ErrTimeout = errors.New("read timeout")

type liveSource struct {
	*pcap.Handle
	name string
}

func (l *liveSource) Name() string { return l.name }

func (l *liveSource) Close() error { l.Handle.Close(); return nil }

func (l *liveSource) LinkType() layers.LinkType { return l.Handle.LinkType() }

func (l *liveSource) Stats() (Stats, error) {
	s, err := l.Handle.Stats()
	if err != nil {
		return Stats{}, err
	}
	return Stats{Received: s.PacketsReceived, Dropped: s.PacketsDropped, IfDropped: s.PacketsIfDropped}, nil
}

// OpenLive starts capturing VRRP on iface ("any" for every interface).
func OpenLive(iface string, o LiveOptions) (StatsSource, error) {
	if o.Snaplen == 0 {
		o.Snaplen = 4096 + 128
	}
	if o.BufferSize == 0 {
		o.BufferSize = 32 << 20
	}
	if o.Timeout == 0 {
		o.Timeout = 100 * time.Millisecond
	}
	in, err := pcap.NewInactiveHandle(iface)
	if err != nil {
		return nil, liveError(iface, err)
	}
	defer in.CleanUp()
	for _, err := range []error{in.SetSnapLen(o.Snaplen), in.SetPromisc(o.Promisc),
		in.SetBufferSize(o.BufferSize), in.SetTimeout(o.Timeout)} {
		if err != nil {
			return nil, liveError(iface, err)
		}
	}
	h, err := in.Activate()
	if err != nil {
		return nil, liveError(iface, err)
	}
	if err := h.SetBPFFilter(Filter(o.Filter)); err != nil {
		h.Close()
		return nil, fmt.Errorf("capture on %s: filter %q: %w", iface, o.Filter, err)
	}
	if o.Promisc && iface != "any" && o.Warn != nil {
		// libpcap reports no error when the kernel does not raise the
		// interface's promiscuity; check it.
		if l, err := netlink.LinkByName(iface); err == nil && l.Attrs().Promisc == 0 {
			o.Warn(fmt.Sprintf("%s did not enter promiscuous mode: unicast adverts between other hosts will not be seen", iface))
		}
	}
	return &liveSource{h, iface}, nil
}

func liveError(iface string, err error) error {
	msg := strings.ToLower(err.Error()) // libpcap 1.10 says "No Such Device", older "No such device"
	switch {
	case strings.Contains(msg, "permission") || strings.Contains(msg, "not permitted"):
		return fmt.Errorf("capture on %s: %w: run as root, or give the binary the capability: sudo setcap cap_net_raw,cap_net_admin=eip %s", iface, err, os.Args[0])
	case strings.Contains(msg, "no such device") || strings.Contains(msg, "doesn't exist"):
		return fmt.Errorf("capture on %s: no such interface: list them with `ip -br link`", iface)
	}
	return fmt.Errorf("capture on %s: %w", iface, err)
}
