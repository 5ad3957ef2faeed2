package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"

	"github.com/vrrpkit/vrrpkit/decode"
)

// Tagged is a run of frames as RunTagged hands them over: Tags[i] and
// Data[i] are frame First+i (frames are numbered from 1, as Packet.N).
// The slices are valid during the call.
type Tagged struct {
	First int
	Tags  []decode.Tag
	Data  [][]byte
}

// RunTagged reads a file (a Source from OpenFile) to its end or until ctx
// is done and calls fn, in order, with runs of its frames undecoded, each
// tagged by one decode.Repeats: for track.Tracker.ObserveTagged, which
// decodes only frames that are not repeats.
//
// With more than one CPU the frames are read and tagged on a second
// goroutine, a few runs ahead of fn. What crosses between the goroutines
// is a 16-byte Tag per frame (and the frame, which a mapped file does not
// copy): the tracker's side reads a repeat's tag alone.
func RunTagged(ctx context.Context, src Source, fn func(*Tagged) error) error {
	f, ok := src.(*fileSource)
	if !ok {
		return fmt.Errorf("capture: RunTagged reads files, not %s", src.Name())
	}
	r := newTagReader(f)
	batches := make([]*tagBatch, batchesAhead)
	for i := range batches {
		batches[i] = new(tagBatch)
	}
	use := func(b *tagBatch) (bool, error) {
		if b.n > 0 {
			if err := fn(&Tagged{First: b.first, Tags: b.tags[:b.n], Data: b.data[:b.n]}); err != nil {
				return true, err
			}
		}
		return b.end, b.err
	}
	if runtime.GOMAXPROCS(0) > 1 {
		return pipeline(ctx, batches, r.fill, use)
	}
	var stopped atomic.Bool
	defer context.AfterFunc(ctx, func() { stopped.Store(true) })()
	for b := batches[0]; ; {
		r.fill(b, &stopped)
		if end, err := use(b); end || err != nil || ctx.Err() != nil {
			return err
		}
	}
}

// newTagReader reads f's frames with their times in Unix nanoseconds.
func newTagReader(f *fileSource) *tagReader {
	r := &tagReader{copy: !f.stable(), reps: decode.NewRepeats()}
	if pr, ok := f.ZeroCopyPacketDataSource.(*pcapReader); ok {
		r.pr = pr
		return r
	}
	r.next = func() ([]byte, int64, error) { // pcapng
		data, ci, err := f.ZeroCopyReadPacketData()
		return data, ci.Timestamp.UnixNano(), err
	}
	return r
}

// tagBatchLen frames per run: a handoff between the goroutines costs a
// wake-up of the other thread (microseconds), a tagged frame tens of
// nanoseconds; 4,096 frames make a batch of 160 KB.
const tagBatchLen = 4096

type tagBatch struct {
	first int
	tags  [tagBatchLen]decode.Tag
	data  [tagBatchLen][]byte
	n     int
	err   error // the read error after the n frames
	end   bool  // last batch
}

// tagReader fills batches, on one goroutine at a time.
type tagReader struct {
	pr   *pcapReader                   // a classic pcap file, read directly
	next func() ([]byte, int64, error) // anything else (pcapng)
	copy bool                          // frames are valid until the next read only: keep copies
	reps *decode.Repeats
	n    int // frames read
}

func (r *tagReader) fill(b *tagBatch, stopped *atomic.Bool) bool {
	b.first, b.n, b.err, b.end = r.n+1, 0, nil, false
	for b.n < tagBatchLen {
		if b.n&0xff == 0 && stopped.Load() {
			b.end = true
			break
		}
		var data []byte
		var ts int64
		var err error
		if r.pr != nil {
			data, ts, err = r.pr.nextFrame()
		} else {
			data, ts, err = r.next()
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				b.err = err
			}
			b.end = true
			break
		}
		if r.copy {
			data = append(b.data[b.n][:0], data...)
		}
		b.data[b.n] = data
		t := &b.tags[b.n]
		t.Time = ts
		t.Flow, t.Repeat = r.reps.See(data)
		b.n++
		r.n++
	}
	return b.end
}
