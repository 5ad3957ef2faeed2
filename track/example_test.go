package track_test

import (
	"fmt"
	"os"
	"time"

	"github.com/google/gopacket/pcapgo"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/track"
)

// Analyse a capture offline: every frame with its timestamp, then End.
func Example() {
	f, err := os.Open("../testdata/pcaps/v2-graceful.pcap")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := decode.NewParser(r.LinkType())
	if err != nil {
		fmt.Println(err)
		return
	}
	t := track.New(track.Options{})
	t.OnFinding = func(f track.Finding) {
		if f.Severity != track.SeverityWarning {
			fmt.Println(f.Severity, f.ID, f.Message)
		}
	}
	var last time.Time
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		kind, derr := p.Decode(data)
		t.Observe(ci.Timestamp, "eth0", p, kind, derr)
		last = ci.Timestamp
	}
	t.End(last)
	for _, g := range t.Snapshot() {
		fmt.Println(g.Key, g.State, "master", g.Master)
	}
	// Output:
	// info release 192.0.2.11 resigned (priority 0): a backup should take over after Skew_Time
	// info failover master 192.0.2.11 → 192.0.2.12 0.610 s after 192.0.2.11 resigned (priority 0); the protocol allows Skew_Time 0.609 s for priority 100
	// eth0 ipv4 vrid 51 OK master 192.0.2.12
}
