//go:build !linux

package afpacket

import (
	"fmt"
	"runtime"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"golang.org/x/net/bpf"
)

// Handle is not available off Linux.
type Handle struct{}

// Open fails: AF_PACKET is Linux's; build with -tags pcap for libpcap.
func Open(iface string, o Options) (*Handle, error) {
	return nil, fmt.Errorf("capture on %s: AF_PACKET capture is Linux only, not %s: build with -tags pcap to use libpcap", iface, runtime.GOOS)
}

func (h *Handle) Name() string                   { return "" }
func (h *Handle) LinkType() layers.LinkType      { return layers.LinkTypeNull }
func (h *Handle) Cooked() bool                   { return false }
func (h *Handle) SetBPF([]bpf.Instruction) error { return nil }
func (h *Handle) Stats() (Stats, error)          { return Stats{}, nil }
func (h *Handle) Close() error                   { return nil }
func (h *Handle) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	return nil, gopacket.CaptureInfo{}, fmt.Errorf("AF_PACKET capture is Linux only, not %s", runtime.GOOS)
}
func (h *Handle) ReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	return h.ZeroCopyReadPacketData()
}
