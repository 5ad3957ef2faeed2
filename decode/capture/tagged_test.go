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

// Lazy runs (Options.Lazy) tag every frame as decode.Repeats does, decode
// every frame Run decodes alike, and leave undecoded only repeats of a
// valid advert, as valid adverts; Count counts those too.
func TestLazyAgreesWithRun(t *testing.T) {
	for _, path := range taggedFiles(t) {
		type frame struct {
			kind decode.Kind
			err  string
			data []byte
		}
		var want []frame
		open := func() capture.Source {
			src, err := pcapfile.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { src.Close() })
			return src
		}
		wantErr := capture.Run(context.Background(), open(), capture.Options{}, func(p *capture.Packet) error {
			want = append(want, frame{p.Kind, fmt.Sprint(p.Err), bytes.Clone(p.Data)})
			return nil
		})
		// Stop after the last advert but one: Count counts the adverts
		// left undecoded too.
		adverts, stop := 0, 0
		for _, f := range want {
			if f.kind == decode.KindVRRP {
				adverts++
			}
		}
		if adverts < 2 {
			t.Fatalf("%s: %d adverts, too few to test Count with", path, adverts)
		}
		for n := 0; stop < len(want) && n < adverts-1; stop++ {
			if want[stop].kind == decode.KindVRRP {
				n++
			}
		}
		want, wantErr = want[:stop], nil
		for _, procs := range []int{1, 2} {
			runtime.GOMAXPROCS(procs)
			reps := decode.NewRepeats()
			valid := map[int32]bool{}
			i, undecoded := 0, 0
			err := capture.Run(context.Background(), open(), capture.Options{Lazy: true, Count: adverts - 1}, func(p *capture.Packet) error {
				w := want[i]
				i++
				flow, rep := reps.See(w.data)
				if p.Flow != flow || p.Repeat != rep {
					return fmt.Errorf("frame %d tagged flow %d repeat %v, want %d %v", p.N, p.Flow, p.Repeat, flow, rep)
				}
				if p.Kind != w.kind || fmt.Sprint(p.Err) != w.err {
					return fmt.Errorf("frame %d: kind %v error %v, want %v %s", p.N, p.Kind, p.Err, w.kind, w.err)
				}
				if p.P == nil {
					undecoded++
					if !rep || !valid[flow] {
						return fmt.Errorf("frame %d not decoded, but it repeats no valid advert", p.N)
					}
				}
				if flow >= 0 {
					valid[flow] = w.kind == decode.KindVRRP && w.err == "<nil>"
				}
				return nil
			})
			if fmt.Sprint(err) != fmt.Sprint(wantErr) || i != len(want) {
				t.Errorf("%s (procs %d): %d frames, %v; want %d, %v", filepath.Base(path), procs, i, err, len(want), wantErr)
			}
			if filepath.Base(path) == "big.pcap" && undecoded < len(want)/2 {
				t.Errorf("big.pcap: only %d of %d frames left undecoded", undecoded, len(want))
			}
		}
	}
	runtime.GOMAXPROCS(runtime.NumCPU())
}
