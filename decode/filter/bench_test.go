package filter_test

import (
	"testing"

	"github.com/vrrpkit/vrrpkit/decode/filter"
)

// BenchmarkMatch is the cost per frame of `vrrpdump -r FILE EXPR`: the Go
// BPF VM over an advert, for an expression that lets it through and one
// that does not.
func BenchmarkMatch(b *testing.B) {
	frame := ip4(b, "192.0.2.11", "224.0.0.18", 112, advert2)
	for _, expr := range []string{"host 192.0.2.11", "net 198.51.100.0/24 or ip6 and not vrrp"} {
		b.Run(expr, func(b *testing.B) {
			e, err := filter.Parse(expr)
			if err != nil {
				b.Fatal(err)
			}
			prog, err := filter.Compile(e, filter.Target{Link: filter.Ethernet})
			if err != nil {
				b.Fatal(err)
			}
			m, err := filter.NewMatcher(prog)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				m.Match(frame)
			}
		})
	}
}
