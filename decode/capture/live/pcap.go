//go:build pcap

package live

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcap"
	"github.com/vishvananda/netlink"
	"golang.org/x/net/bpf"

	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/decode/filter"
	"github.com/vrrpkit/vrrpkit/decode/filter/tcpdump"
)

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

// Kind is the build's live capture, for --version.
const Kind = "libpcap"

// Open starts capturing VRRP on iface ("any" for every interface) with
// libpcap, the kernel filter compiled by capture.LiveFilter.
func Open(iface string, o Options) (capture.Source, error) {
	o.defaults()
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
	// libpcap moves a cooked (-i any) program's loads to the kernel's
	// view itself, or filters in user space what it cannot move: give it
	// the program for cooked frames as they are read, tags inline.
	link := filter.Ethernet
	if h.LinkType() == layers.LinkTypeLinuxSLL {
		link = filter.Cooked
	}
	var user filter.Expr
	if o.Filter != "" {
		user, err = tcpdump.Compile(o.Filter, link)
	}
	var prog []bpf.Instruction
	if err == nil && link == filter.Cooked {
		e := filter.VRRP()
		if user != nil {
			e = filter.And(e, user)
		}
		prog, err = filter.Compile(e, filter.Target{Link: filter.Cooked, Snaplen: uint32(o.Snaplen)})
	} else if err == nil {
		prog, err = capture.LiveFilter(user, filter.Ethernet, uint32(o.Snaplen))
	}
	if err == nil {
		err = setFilter(h, prog)
	}
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("capture on %s: %w", iface, err)
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

func setFilter(h *pcap.Handle, prog []bpf.Instruction) error {
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return err
	}
	ins := make([]pcap.BPFInstruction, len(raw))
	for i, r := range raw {
		ins[i] = pcap.BPFInstruction{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	return h.SetBPFInstructionFilter(ins)
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
