package track_test

import (
	"testing"
	"time"

	"github.com/google/gopacket/layers"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/internal/synth"
	"github.com/vrrpkit/vrrpkit/track"
)

// A steady-state advert of a known router allocates nothing, including the
// per-advert findings that only count (auth-plaintext here).
func TestObserveSteadyStateAllocs(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    adv
	}{
		{"v2-simple-auth", with(h1, func(a *adv) { a.auth, a.pass = decode.AuthSimple, "secret12" })},
		{"v3-ipv4", with(h1, func(a *adv) { a.version = decode.V3 })},
		{"v3-ipv6", adv{src: "fe80::11", version: decode.V3, prio: 150, vips: []string{"fe80::53", "2001:db8::100"}}},
		{"unicast", with(h1, func(a *adv) { a.dst = "192.0.2.12" })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, track.Options{})
			data := frame(t, tc.a)
			step := tc.a.defaults().adverInt
			iv := time.Duration(step) * time.Second
			if tc.a.version == decode.V3 {
				iv = time.Duration(step) * 10 * time.Millisecond
			}
			ts := t0
			for range 10 {
				r.feed(ts, data)
				ts = ts.Add(iv)
			}
			kind, err := r.p.Decode(data)
			allocs := testing.AllocsPerRun(1000, func() {
				r.tr.Observe(ts, "lab0", r.p, kind, err)
				ts = ts.Add(iv)
			})
			if allocs != 0 {
				t.Errorf("Observe allocates %.1f times per advert", allocs)
			}
		})
	}
}

// BenchmarkObserve is the hot path alone: one decoded advert of a known
// router, time advancing by its interval.
func BenchmarkObserve(b *testing.B) {
	r := newRig(b, track.Options{})
	data := frame(b, with(h1, func(a *adv) { a.auth, a.pass = decode.AuthSimple, "secret12" }))
	kind, err := r.p.Decode(data)
	ts := t0
	b.ReportAllocs()
	for b.Loop() {
		r.tr.Observe(ts, "lab0", r.p, kind, err)
		ts = ts.Add(time.Second)
	}
}

// BenchmarkReplay decodes and tracks every frame of a capture, replayed
// back to back with the clock carried forward: ns per frame, decode
// included (the offline engine's cost per advert).
func BenchmarkReplay(b *testing.B) {
	for _, name := range []string{"v2-basic", "split-brain", "frr-v3"} {
		b.Run(name, func(b *testing.B) {
			lt, frames := readCapture(b, "../testdata/pcaps/"+name+".pcap")
			first := frames[0].ts
			span := frames[len(frames)-1].ts.Sub(first) + time.Second
			p := newParser(b, lt)
			tr := track.New(track.Options{})
			base := first
			b.ReportAllocs()
			b.ResetTimer()
			n := 0
			for b.Loop() {
				i := n % len(frames)
				if i == 0 && n > 0 {
					base = base.Add(span)
				}
				kind, err := p.Decode(frames[i].data)
				tr.Observe(base.Add(frames[i].ts.Sub(first)), "lab0", p, kind, err)
				n++
			}
		})
	}
}

// BenchmarkObserveTagged is vrrpdump --summary's tracking side: adverts of
// 1,000 steady groups at 10 ms, tagged by a decode.Repeats, handed over in
// runs of 4,096 (ns/op is per advert).
func BenchmarkObserveTagged(b *testing.B) {
	c := synth.Config{Groups: 1000, Interval: 10 * time.Millisecond, Start: t0}
	const n = 1 << 20
	tags := make([]decode.Tag, 0, n)
	data := make([][]byte, 0, n)
	reps := decode.NewRepeats()
	err := c.Each(n, func(ts time.Time, fr []byte) error {
		fr = append([]byte(nil), fr...)
		flow, rep := reps.See(fr)
		tags = append(tags, decode.Tag{Time: ts.UnixNano(), Flow: flow, Repeat: rep})
		data = append(data, fr)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	p, _ := decode.NewParser(layers.LinkTypeEthernet)
	tr := track.New(track.Options{})
	s := track.NewStream("lab0")
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if i%4096 == 0 {
			if i == n {
				b.StopTimer() // a new tracker: time must not go back
				tr, i = track.New(track.Options{}), 0
				s = track.NewStream("lab0")
				b.StartTimer()
			}
			track.ObserveTagged(tr, s, tags[i:i+4096], data[i:i+4096], p)
		}
		i++
	}
}
