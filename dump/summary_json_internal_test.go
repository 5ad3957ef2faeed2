package dump

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/track"
)

// TestSummaryJSONAsMarshal holds appendSummaryJSON to json.Marshal, byte for
// byte, on summaries built to trip a splice: the keys it looks for inside
// strings, HTML characters encoding/json escapes, absent and empty lists,
// routers with and without samples, samples in another zone than UTC. (The
// golden NDJSON files of real captures hold it too.)
func TestSummaryJSONAsMarshal(t *testing.T) {
	at := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	berlin := time.FixedZone("CET", 3600)
	router := func(addr string, recent track.Samples) track.RouterSnapshot {
		return track.RouterSnapshot{Addr: addr, First: at, Last: at.Add(time.Second), Count: 3, Priority: 100,
			Version: 3, AdverInt: time.Second, VIPs: []string{"192.0.2.100"}, Dst: "224.0.0.18", Recent: recent}
	}
	samples := track.Samples{{Time: at, Priority: 100}, {Time: at.Add(1500 * time.Microsecond), Priority: 0},
		{Time: at.Add(time.Second).In(berlin), Priority: 255}}
	cases := map[string]summaryJSON{
		"nil groups":  {Kind: "summary", Source: "x.pcap"},
		"empty":       {Kind: "summary", Source: "x.pcap", Groups: []track.GroupSnapshot{}},
		"nil routers": {Kind: "summary", Groups: []track.GroupSnapshot{{State: "DOWN"}}},
		"keys in strings": {Kind: "summary", Source: `,"groups":null,`, Notes: []string{`,"routers":null,`},
			Groups: []track.GroupSnapshot{{Master: `,"routers":null,`, LastMaster: `<&>`,
				Routers: []track.RouterSnapshot{router(`,"recent":null}`, samples), router("<b>", nil)}}}},
		"groups": {Kind: "summary", Source: "cap.pcap", Frames: 9, Exit: 3, Incomplete: "cut",
			Groups: []track.GroupSnapshot{
				{State: "MASTER", Master: "192.0.2.11", Changes: 1, Routers: []track.RouterSnapshot{
					router("192.0.2.11", samples), router("192.0.2.12", track.Samples{}), router("192.0.2.13", samples[:1])}},
				{State: "SPLIT", Routers: []track.RouterSnapshot{router("2001:db8::1", samples)},
					VIPs: []track.VIPSnapshot{{Addr: "192.0.2.100", MAC: "00:00:5e:00:01:01"}}},
			}},
	}
	for name, sum := range cases {
		want, err := json.Marshal(sum)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendSummaryJSON([]byte("prefix"), sum)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if string(got) != "prefix"+string(want) {
			t.Errorf("%s:\n got %s\nwant prefix%s", name, got, want)
		}
	}
}
