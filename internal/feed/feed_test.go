package feed_test

import (
	"errors"
	"testing"

	"github.com/vrrpkit/vrrpkit/decode/capture/pcapfile"
	"github.com/vrrpkit/vrrpkit/internal/feed"
	"github.com/vrrpkit/vrrpkit/track"
)

// Health reports each link's frames, whether it still runs, and why it
// ended; a file has no kernel counters.
func TestHealth(t *testing.T) {
	src, err := pcapfile.Open("../../testdata/pcaps/v2-basic.pcap")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	f := feed.New(track.New(track.Options{}), false)
	ok, bad := f.AddLink("a.pcap", src), f.AddLink("b.pcap", src)
	ok.SetPackets(15)
	if hs := f.Health(); len(hs) != 2 || hs[0] != (feed.Health{Link: "a.pcap", Packets: 15, Running: true}) || !hs[1].Running {
		t.Fatalf("running: %+v", hs)
	}
	if err := ok.End(nil); err != nil {
		t.Errorf("End(nil) = %v", err)
	}
	boom := errors.New("truncated record")
	if err := bad.End(boom); !errors.Is(err, boom) || err.Error() != "reading b.pcap: truncated record" {
		t.Errorf("End(boom) = %v", err)
	}
	hs := f.Health()
	if hs[0].Running || hs[0].Err != nil || hs[1].Running || !errors.Is(hs[1].Err, boom) {
		t.Errorf("ended: %+v", hs)
	}
	if f.Started().IsZero() || f.Links()[1].Name() != "b.pcap" || f.Links()[0].Source() != src {
		t.Errorf("feed %+v", f)
	}
}
