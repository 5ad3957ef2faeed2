package probe

import (
	"sync"
	"time"

	"github.com/google/gopacket/layers"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/track"
)

// FrameSource yields the Ethernet frames of one link, sent and received:
// an AF_PACKET socket on Linux (OpenFrames), recorded frames in tests.
type FrameSource interface {
	// ReadFrame blocks until a frame arrives or the source is closed; the
	// frame is b[:n], at is when it arrived.
	ReadFrame(b []byte) (n int, at time.Time, err error)
	Close() error
}

// watchWire feeds every frame of src to a tracker until src is closed,
// ticking it so that silences are noticed. stop closes src and returns
// the tracker's findings for vrid and family fam, and its master changes.
func watchWire(src FrameSource, link string, vrid uint8, fam decode.Family) (stop func() *Evidence) {
	tr := track.New(track.Options{})
	p, err := decode.NewParser(layers.LinkTypeEthernet)
	var wg sync.WaitGroup
	done := make(chan struct{})
	if err == nil {
		wg.Add(2)
		go func() {
			defer wg.Done()
			buf := make([]byte, 65536)
			for {
				n, at, err := src.ReadFrame(buf)
				if err != nil {
					return
				}
				kind, derr := p.Decode(buf[:n])
				tr.Observe(at, link, p, kind, derr)
			}
		}()
		go func() {
			defer wg.Done()
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case now := <-t.C:
					tr.Tick(now)
				case <-done:
					return
				}
			}
		}()
	}
	return func() *Evidence {
		close(done)
		src.Close()
		wg.Wait()
		if err != nil {
			return nil
		}
		tr.Tick(time.Now())
		ev := &Evidence{Findings: []track.Finding{}}
		famName := fam.String()
		for _, f := range tr.Findings() {
			if f.Group.VRID == vrid && f.Group.Family == famName || f.Group.VRID == 0 {
				ev.Findings = append(ev.Findings, f)
			}
		}
		for _, g := range tr.Snapshot() {
			if g.Key.VRID == vrid && g.Key.Family == famName {
				ev.Changes += g.Changes
			}
		}
		return ev
	}
}
