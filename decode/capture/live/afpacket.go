//go:build !pcap

package live

import (
	"errors"
	"fmt"

	"github.com/google/gopacket"
	"github.com/vishvananda/netlink"
	"golang.org/x/net/bpf"

	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/decode/capture/afpacket"
	"github.com/vrrpkit/vrrpkit/decode/filter"
	"github.com/vrrpkit/vrrpkit/decode/filter/tcpdump"
)

// Kind is the build's live capture, for --version.
const Kind = "AF_PACKET (pure Go)"

// Open starts capturing VRRP on iface ("any" for every interface, as
// Linux cooked frames) on an AF_PACKET socket, the kernel filter compiled
// by capture.LiveFilter and attached before the first frame.
func Open(iface string, o Options) (capture.Source, error) {
	o.defaults()
	filterFor := func(cooked bool) ([]bpf.Instruction, error) {
		link := filter.Ethernet
		if cooked {
			link = filter.CookedLive
		}
		var user filter.Expr
		if o.Filter != "" {
			var err error
			if user, err = tcpdump.Compile(o.Filter, link); err != nil {
				return nil, err
			}
		}
		return capture.LiveFilter(user, link, uint32(o.Snaplen))
	}
	h, err := afpacket.Open(iface, afpacket.Options{FilterFor: filterFor, Promisc: o.Promisc, BufferSize: o.BufferSize, Timeout: o.Timeout})
	if err != nil {
		return nil, err
	}
	if o.Promisc && o.Warn != nil {
		if iface == "any" {
			o.Warn("promiscuous mode applies to a named interface, not any: give -i IFACE to see unicast adverts between other hosts")
		} else if l, err := netlink.LinkByName(iface); err == nil && l.Attrs().Promisc == 0 {
			o.Warn(fmt.Sprintf("%s did not enter promiscuous mode: unicast adverts between other hosts will not be seen", iface))
		}
	}
	s := &source{h: h}
	if iface == "any" {
		s.dedup = newDedup()
	}
	return s, nil
}

// source is an AF_PACKET handle as a capture.Source.
type source struct {
	h     *afpacket.Handle
	dedup *dedup // "any": each frame once, not once per interface it crossed
}

func (s *source) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	for {
		data, ci, err := s.h.ZeroCopyReadPacketData()
		if errors.Is(err, afpacket.ErrTimeout) {
			err = capture.ErrTimeout
		}
		if err == nil && s.dedup != nil && s.dedup.dup(data, ci.InterfaceIndex, ci.Timestamp) {
			continue
		}
		return data, ci, err
	}
}

// ReadFrame is ZeroCopyReadPacketData with the time alone.
func (s *source) ReadFrame() ([]byte, int64, error) {
	data, ci, err := s.ZeroCopyReadPacketData()
	return data, ci.Timestamp.UnixNano(), err
}

func (s *source) Info() capture.Info { return capture.Info{Live: true} }
func (s *source) Name() string       { return s.h.Name() }
func (s *source) Close() error       { return s.h.Close() }
func (s *source) LinkType() uint32   { return uint32(s.h.LinkType()) }

func (s *source) Stats() (capture.Stats, error) {
	st, err := s.h.Stats()
	return capture.Stats{Received: int(st.Received), Dropped: int(st.Dropped), IfDropped: int(st.IfDropped)}, err
}
