package decode_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vrrpkit/vrrpkit/decode"
)

// FuzzFastPath decodes every input twice, through the fast path and
// through gopacket's general path, and requires the same answer.
func FuzzFastPath(f *testing.F) {
	addCaptureSeeds(f, func(d []byte) { f.Add(d) })
	for _, a := range namedAdverts(f) {
		f.Add(a.frame)
	}
	for _, d := range encapsulatedSeeds(f) {
		if d.lt == 1 {
			f.Add(d.data)
		}
	}
	fast, slow := mustParser(f), mustParser(f)
	decode.SetGeneralPathOnly(slow)
	f.Fuzz(func(t *testing.T, data []byte) {
		k1, e1 := fast.Decode(data)
		k2, e2 := slow.Decode(data)
		if k1 != k2 || fmt.Sprint(e1) != fmt.Sprint(e2) {
			t.Fatalf("fast path: %v %v; general path: %v %v", k1, e1, k2, e2)
		}
		if k1 != decode.KindVRRP || e1 != nil {
			return
		}
		if diff := cmp.Diff(&slow.VRRP, &fast.VRRP, fields); diff != "" {
			t.Fatalf("advert (-general +fast):\n%s", diff)
		}
		if s, f := slow.VRRP, fast.VRRP; s.Problems != f.Problems || s.Flavour != f.Flavour ||
			s.ChecksumStatus != f.ChecksumStatus || s.Family != f.Family || s.IP.Length != f.IP.Length {
			t.Fatalf("verdict: general %q %v %v %v, fast %q %v %v %v", s.Problems, s.Flavour, s.ChecksumStatus, s.Family,
				f.Problems, f.Flavour, f.ChecksumStatus, f.Family)
		}
		if slow.Link.SrcMAC.String() != fast.Link.SrcMAC.String() || slow.Link.DstMAC.String() != fast.Link.DstMAC.String() ||
			slow.Link.VLANs != fast.Link.VLANs || slow.Link.NumVLANs != fast.Link.NumVLANs || slow.Truncated != fast.Truncated {
			t.Fatalf("link: general %+v %v, fast %+v %v", slow.Link, slow.Truncated, fast.Link, fast.Truncated)
		}
	})
}
