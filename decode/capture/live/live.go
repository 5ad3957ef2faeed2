package live

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/pcap"
	"github.com/vishvananda/netlink"

	"github.com/vrrpkit/vrrpkit/decode/capture"
)

// Options tune a live capture.
type Options struct {
	Filter     string        // extra BPF expression, ANDed with the VRRP filter
	Promisc    bool          // put the interface in promiscuous mode
	Snaplen    int           // bytes kept per frame; default 4224, room for a v3 IPv6 advert of 255 addresses behind QinQ
	BufferSize int           // kernel ring size in bytes; default 32 MiB
	Timeout    time.Duration // how long a read waits before reporting a timeout; default 100 ms
	// Warn, if set, receives what the capture could not do as asked but
	// can run without (promiscuous mode refused).
	Warn func(msg string)
}

// source is a libpcap handle as a capture.Source.
type source struct {
	h    *pcap.Handle
	name string
}

// ZeroCopyReadPacketData returns the next frame, or capture.ErrTimeout
// when the read timeout passed with nothing to read.
func (l *source) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	data, ci, err := l.h.ZeroCopyReadPacketData()
	if errors.Is(err, pcap.NextErrorTimeoutExpired) {
		err = capture.ErrTimeout
	}
	return data, ci, err
}

// ReadFrame is ZeroCopyReadPacketData with the time alone.
func (l *source) ReadFrame() ([]byte, int64, error) {
	data, ci, err := l.ZeroCopyReadPacketData()
	return data, ci.Timestamp.UnixNano(), err
}

func (l *source) Info() capture.Info { return capture.Info{Live: true} }

func (l *source) Name() string { return l.name }

func (l *source) Close() error { l.h.Close(); return nil }

func (l *source) LinkType() uint32 { return uint32(l.h.LinkType()) }

func (l *source) Stats() (capture.Stats, error) {
	s, err := l.h.Stats()
	if err != nil {
		return capture.Stats{}, err
	}
	return capture.Stats{Received: s.PacketsReceived, Dropped: s.PacketsDropped, IfDropped: s.PacketsIfDropped}, nil
}

// Open starts capturing VRRP (capture.Filter) on iface ("any" for every
// interface).
func Open(iface string, o Options) (capture.Source, error) {
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
	if err := h.SetBPFFilter(capture.Filter(o.Filter)); err != nil {
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
	return &source{h, iface}, nil
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
