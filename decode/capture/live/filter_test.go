package live_test

import (
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcap"

	"github.com/vrrpkit/vrrpkit/decode/capture"
)

// The VRRP filter, alone and narrowed, compiles as libpcap compiles it.
func TestFilterCompiles(t *testing.T) {
	for _, extra := range []string{"", "host 192.0.2.11"} {
		if _, err := pcap.CompileBPFFilter(layers.LinkTypeEthernet, 4224, capture.Filter(extra)); err != nil {
			t.Errorf("Filter(%q) does not compile: %v", extra, err)
		}
	}
}
