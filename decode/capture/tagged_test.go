package capture_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/decode/capture/pcapfile"
	"github.com/vrrpkit/vrrpkit/internal/refcap"
	"github.com/vrrpkit/vrrpkit/internal/synth"
)

// taggedFiles: the reference captures, a pcapng copy of one, a capture big
// enough to be mapped, and one cut short in its last record.
func taggedFiles(t *testing.T) []string {
	t.Helper()
	paths := refcap.Paths(t, "../..")
	dir := t.TempDir()
	big := filepath.Join(dir, "big.pcap")
	c := synth.Config{Groups: 300, Interval: 10 * time.Millisecond, Start: time.Unix(1795315143, 0)}
	if err := c.WritePcap(big, 150000); err != nil { // about 11 MB: mapped
		t.Fatal(err)
	}
	raw, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.pcap")
	if err := os.WriteFile(cut, raw[:len(raw)-7], 0o644); err != nil {
		t.Fatal(err)
	}
	return append(paths, pcapngCopy(t, paths[0], dir), big, cut)
}

func pcapngCopy(t *testing.T, path, dir string) string {
	t.Helper()
	src, err := pcapfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var ng bytes.Buffer
	nw, err := pcapgo.NewNgWriter(&ng, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	capture.Run(context.Background(), src, capture.Options{}, func(p *capture.Packet) error {
		return nw.WritePacket(p.CI, p.Data)
	})
	nw.Flush()
	out := filepath.Join(dir, "copy.pcapng")
	if err := os.WriteFile(out, ng.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// Tagged runs (Options.Tag) hand over the frames Run reads, numbered and
// timed alike and tagged as a decode.Repeats tags them, with one CPU and
// with two, and end with the same error.
func TestTaggedAgreesWithRun(t *testing.T) {
	for _, path := range taggedFiles(t) {
		want, wantErr := readWith(t, path, func(src capture.Source, add func(n int, ts int64, d []byte)) error {
			return capture.Run(context.Background(), src, capture.Options{}, func(p *capture.Packet) error {
				add(p.N, p.CI.Timestamp.UnixNano(), p.Data)
				return nil
			})
		})
		reps := decode.NewRepeats()
		for i := range want {
			want[i].tag.Flow, want[i].tag.Repeat = reps.See(want[i].data)
		}
		for _, procs := range []int{1, 2} {
			name := fmt.Sprintf("%s/procs=%d", filepath.Base(path), procs)
			prev := runtime.GOMAXPROCS(procs)
			got, gotErr := readWith(t, path, func(src capture.Source, add func(n int, ts int64, d []byte)) error {
				reps := decode.NewRepeats()
				return capture.RunBatches(context.Background(), src, capture.Options{Tag: true}, func(b *capture.Batch) error {
					if b.Packets != nil {
						t.Fatalf("%s: a tagged run of decoded packets", name)
					}
					if len(b.Tags) != len(b.Data) || len(b.Tags) == 0 {
						t.Fatalf("%s: a run of %d tags and %d frames", name, len(b.Tags), len(b.Data))
					}
					for i, tg := range b.Tags {
						add(b.First+i, tg.Time, b.Data[i])
						if flow, rep := reps.See(b.Data[i]); flow != tg.Flow || rep != tg.Repeat {
							t.Fatalf("%s: frame %d tagged %+v, its bytes say flow %d repeat %v", name, b.First+i, tg, flow, rep)
						}
					}
					return nil
				})
			})
			runtime.GOMAXPROCS(prev)
			if (filepath.Base(path) == "cut.pcap") != (wantErr != nil) {
				t.Fatalf("%s: Run ended with %v", name, wantErr)
			}
			if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
				t.Errorf("%s: ended with %v, Run with %v", name, gotErr, wantErr)
			}
			if len(got) != len(want) {
				t.Fatalf("%s: %d frames, Run read %d", name, len(got), len(want))
			}
			repeats := 0
			for i := range want {
				g, w := got[i], want[i]
				if g.n != w.n || g.tag.Time != w.tag.Time || !bytes.Equal(g.data, w.data) {
					t.Fatalf("%s: frame %d: #%d at %d, Run's #%d at %d, bytes equal %v",
						name, i, g.n, g.tag.Time, w.n, w.tag.Time, bytes.Equal(g.data, w.data))
				}
				if w.tag.Repeat {
					repeats++
				}
			}
			if filepath.Base(path) == "big.pcap" && repeats < len(want)*9/10 {
				t.Errorf("%s: %d repeats among %d steady adverts", name, repeats, len(want))
			}
		}
	}
}

type taggedFrame struct {
	n    int
	tag  decode.Tag
	data []byte
}

func readWith(t *testing.T, path string, run func(capture.Source, func(n int, ts int64, d []byte)) error) ([]taggedFrame, error) {
	t.Helper()
	src, err := pcapfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var fs []taggedFrame
	err = run(src, func(n int, ts int64, d []byte) {
		fs = append(fs, taggedFrame{n: n, tag: decode.Tag{Time: ts}, data: bytes.Clone(d)})
	})
	return fs, err
}

// A tagged read stops when its context is done, and when fn fails.
func TestTaggedStops(t *testing.T) {
	files := taggedFiles(t)
	path := files[len(files)-2] // big: hundreds of runs
	for _, procs := range []int{1, 2} {
		prev := runtime.GOMAXPROCS(procs)
		src, err := pcapfile.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		runs := 0
		err = capture.RunBatches(ctx, src, capture.Options{Tag: true}, func(*capture.Batch) error { runs++; cancel(); return nil })
		src.Close()
		if err != nil || runs > 1+4 { // the reader may be a few runs ahead
			t.Errorf("procs %d: cancelled: %v after %d runs", procs, err, runs)
		}
		src, _ = pcapfile.Open(path)
		boom := fmt.Errorf("boom")
		err = capture.RunBatches(context.Background(), src, capture.Options{Tag: true}, func(*capture.Batch) error { return boom })
		src.Close()
		if err != boom {
			t.Errorf("procs %d: fn failed, RunBatches returned %v", procs, err)
		}
		runtime.GOMAXPROCS(prev)
	}
}

// Options.Tag reads only: with an option that needs decoded frames it is
// refused, not ignored.
func TestTagRefusesDecodedOptions(t *testing.T) {
	path := refcap.Paths(t, "../..")[0]
	for name, o := range map[string]capture.Options{
		"Count":   {Tag: true, Count: 1},
		"Prepare": {Tag: true, Prepare: func(*capture.Packet) {}},
	} {
		src, err := pcapfile.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		err = capture.RunBatches(context.Background(), src, o, func(*capture.Batch) error { return nil })
		src.Close()
		if err == nil {
			t.Errorf("Tag with %s: no error", name)
		}
	}
}
