package capture_test

import (
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcap"
)

func compileFilter(expr string) ([]pcap.BPFInstruction, error) {
	return pcap.CompileBPFFilter(layers.LinkTypeEthernet, 4224, expr)
}
