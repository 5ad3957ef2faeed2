package track_test

import (
	"strings"
	"testing"

	"github.com/vrrpkit/vrrpkit/track"
)

// TestCaptureHealth: a gap in the capture and kernel drops are findings
// with their window, and a failover or master-down whose silence overlaps
// one says that the silence may be the capture's.
func TestCaptureHealth(t *testing.T) {
	r := newRig(t, track.Options{})
	r.carriesARP()
	r.every(0, 5, 1, h1)
	r.tr.CaptureDown("lab0", at(5.5))
	r.tick(9) // master-down is due at 5 + 3.609 s, inside the gap
	r.tr.CaptureGap("lab0", at(5.5), at(9.5), "the interface went down")
	g := r.ids("capture-gap")
	if len(g) != 1 || g[0].f.Group.String() != "lab0" || g[0].f.Evidence["gap_s"] != 4.0 ||
		!strings.Contains(g[0].f.Message, "vrrpdump saw nothing on lab0 from") ||
		!strings.Contains(g[0].f.Message, "(4.000 s): the interface went down") {
		t.Fatalf("capture-gap %+v", g)
	}
	md := r.ids("master-down")
	if len(md) != 1 || !strings.Contains(md[0].f.Cause, "the capture on lab0 saw nothing or dropped frames from") ||
		!strings.Contains(md[0].f.Cause, "the silence may be the capture's") {
		t.Fatalf("master-down %+v: its cause does not name the gap", md)
	}
	// A backup takes over after a silence the capture dropped frames in.
	r.every(10, 12, 1, h1)
	r.tr.CaptureDrops("lab0", at(12.2), at(13), 40, 40)
	r.every(16.7, 18, 1, h2)
	fo := r.ids("failover")
	if len(fo) != 1 || !strings.Contains(fo[0].f.Cause, "the silence may be the capture's") {
		t.Fatalf("failover %+v: its cause does not name the drops", fo)
	}
	if d := r.ids("capture-drops"); len(d) != 1 || d[0].f.Evidence["dropped"] != int64(40) {
		t.Fatalf("capture-drops %+v", d)
	}
	// A silence the capture saw whole is the master's: no such cause.
	r = newRig(t, track.Options{})
	r.every(0, 5, 1, h1)
	r.tr.CaptureGap("lab0", at(1.2), at(1.4), "read error")
	r.tick(10)
	if md := r.ids("master-down"); len(md) != 1 || md[0].f.Cause != "" {
		t.Fatalf("master-down %+v", md)
	}
}
