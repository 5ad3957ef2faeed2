package track_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/track"
)

// TestSamplesJSON: Samples marshal exactly as encoding/json writes the
// plain []Sample they replace.
func TestSamplesJSON(t *testing.T) {
	base := time.Date(2026, 11, 22, 2, 39, 3, 0, time.UTC)
	for _, ss := range []track.Samples{nil, {}, {{base, 150}},
		{{base.Add(456930 * time.Microsecond), 0}, {base.Add(time.Second + 1), 255}, {base.Add(120 * time.Millisecond), 100}}} {
		got, err := json.Marshal(struct {
			R track.Samples `json:"recent,omitempty"`
		}{ss})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(struct {
			R []track.Sample `json:"recent,omitempty"`
		}{ss})
		if string(got) != string(want) {
			t.Errorf("got %s\nwant %s", got, want)
		}
	}
}
