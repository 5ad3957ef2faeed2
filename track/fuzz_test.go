package track_test

import (
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/internal/refcap"
	"github.com/vrrpkit/vrrpkit/track"
)

// FuzzObserve feeds arbitrary frames, each after a real advert, at
// arbitrary time steps: the tracker must not panic, and its snapshot and
// findings must stay marshallable.
func FuzzObserve(f *testing.F) {
	for _, path := range refcap.Paths(f, "..") {
		fh, err := os.Open(path)
		if err != nil {
			f.Fatal(err)
		}
		r, err := pcapgo.NewReader(fh)
		if err != nil {
			f.Fatal(err)
		}
		for n := 0; n < 40; n++ {
			d, _, err := r.ReadPacketData()
			if errors.Is(err, io.EOF) {
				break
			}
			f.Add(d, uint16(n*37))
		}
		fh.Close()
	}
	f.Fuzz(func(t *testing.T, data []byte, stepMS uint16) {
		p, _ := decode.NewParser(layers.LinkTypeEthernet)
		tr := track.New(track.Options{})
		ts := t0
		good := frame(t, h1)
		for i := range 8 {
			k, err := p.Decode(good)
			tr.Observe(ts, "lab0", p, k, err)
			ts = ts.Add(time.Duration(stepMS) * time.Millisecond)
			buf := append([]byte(nil), data...)
			if len(buf) > 0 {
				buf[i%len(buf)] ^= byte(i)
			}
			k, err = p.Decode(buf)
			tr.Observe(ts, "lab0", p, k, err)
			tr.Tick(ts.Add(5 * time.Second))
		}
		tr.End(ts.Add(10 * time.Second))
		_ = tr.Snapshot()
		_ = tr.Findings()
	})
}
