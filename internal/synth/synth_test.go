package synth_test

import (
	"testing"
	"time"

	"github.com/google/gopacket/layers"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/internal/synth"
)

func TestFramesDecodeValid(t *testing.T) {
	c := synth.Config{Groups: 600, Interval: 10 * time.Millisecond}
	p, _ := decode.NewParser(layers.LinkTypeEthernet)
	seen := map[[2]uint32]bool{}
	n := 0
	err := c.Each(1200, func(ts time.Time, f []byte) error {
		n++
		k, err := p.Decode(f)
		if k != decode.KindVRRP || err != nil || !p.VRRP.Valid() || p.VRRP.AdverInt != 1 {
			t.Fatalf("advert %d: kind %v err %v problems %q", n, k, err, p.VRRP.Problems)
		}
		seen[[2]uint32{p.Link.VLANKey(), uint32(p.VRRP.VRID)}] = true
		return nil
	})
	if err != nil || len(seen) != 600 {
		t.Fatalf("err %v, %d distinct groups, want 600", err, len(seen))
	}
}
