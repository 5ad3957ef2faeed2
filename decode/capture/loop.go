package capture

import (
	"context"
	"errors"
	"io"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/google/gopacket"

	"github.com/vrrpkit/vrrpkit/decode"
)

// Packet is one decoded frame as Run hands it to its consumer. Data and the
// parser's layers are only valid during the call.
type Packet struct {
	N    int // 1-based position among all frames read, as tshark numbers frames (after Options.Numbered)
	CI   gopacket.CaptureInfo
	Data []byte
	Kind decode.Kind
	Err  error
	P    *decode.Parser // nil for a frame Options.Lazy did not decode
	// Flow and Repeat tag the frame as decode.Repeats does, with
	// Options.Lazy (Flow is -1 and Repeat false without it).
	Flow   int32
	Repeat bool
	// Out is scratch space for Options.Prepare, kept with the packet until
	// fn has seen it.
	Out []byte
}

// Batch is a run of frames as RunBatches hands them over, valid during the
// call. Frames are numbered from 1 among all frames read (from
// Options.Numbered+1).
//
// Decoded (the default), the run is Packets. With Options.Tag the frames
// are not decoded: Tags[i] and Data[i] are frame First+i, each tagged by
// one decode.Repeats, for a consumer that decodes only what does not
// repeat (track.Tracker.Read).
type Batch struct {
	First   int
	Packets []Packet
	Tags    []decode.Tag
	Data    [][]byte
}

// Options tune Run.
type Options struct {
	Count  int                 // stop after this many VRRP adverts (0: no limit), as tcpdump -c
	Until  time.Time           // stop at this wall-clock time (live) (zero: no limit)
	Write  Writer              // also write every frame read here
	OnIdle func(now time.Time) // called on live read timeouts with the wall clock
	// Prepare, if set, is called for every frame before fn, possibly on
	// another goroutine (see Run): work that needs only the frame, such as
	// formatting it into p.Out, belongs here.
	Prepare func(p *Packet)
	// Tag hands frames over undecoded and tagged (Batch.Tags). It reads
	// only: Count, Write and Prepare need decoded frames and are refused
	// with it.
	Tag bool
	// Lazy tags every decoded frame too (Packet.Flow, Packet.Repeat), and
	// does not decode a frame that repeats its flow's previous one when
	// that one decoded as a valid VRRP advert: such a frame has Kind
	// decode.KindVRRP, Err nil and P nil. It is for consumers that take a
	// repeat from what they kept of its flow's previous frame: dump's
	// printer its output, track.Tracker.Read its router (decoding what it
	// cannot take so). Decoding is most of the reading goroutine's work
	// when it also formats every frame (vrrpdump --json).
	Lazy bool
	// Numbered is how many frames earlier sources of the same capture
	// were read and numbered: the first frame of src is Numbered+1. A
	// live capture reopened after a gap passes the frames read before it,
	// so that frame N stays one frame, as if the first had survived.
	Numbered int
}

// errTagDecoded: Options.Tag with an option that needs decoded frames.
var errTagDecoded = errors.New("capture: Options.Tag hands frames over undecoded: Count, Write and Prepare do not apply")

// Run reads src until it ends, ctx is done, or a limit in o is reached, and
// calls fn for every frame, in order, on the calling goroutine. It returns
// nil at the end of a file or when stopped by ctx or a limit.
//
// A file is read and decoded on a second goroutine, which also runs
// o.Prepare, a run of frames ahead of fn: offline analysis then uses two
// cores. A live interface is read on the calling goroutine, so that every
// frame reaches fn at once.
func Run(ctx context.Context, src Source, o Options, fn func(*Packet) error) error {
	if o.Tag {
		return errTagDecoded
	}
	return RunBatches(ctx, src, o, func(b *Batch) error {
		for i := range b.Packets {
			if err := fn(&b.Packets[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// RunBatches is Run handing frames over in runs, for consumers that save by
// taking a lock once per run: a file's frames come in runs of up to 256
// (4,096 tagged), a live interface's one at a time.
func RunBatches(ctx context.Context, src Source, o Options, fn func(*Batch) error) error {
	if o.Tag && (o.Count != 0 || o.Write != nil || o.Prepare != nil) {
		return errTagDecoded
	}
	info := src.Info()
	r := &reader{src: src, o: o, live: info.Live, copy: !info.Stable && !info.Live, n: max(o.Numbered, 0)}
	if o.Tag || o.Lazy {
		r.reps = decode.NewRepeats()
	}
	size := batchLen
	switch {
	case info.Live:
		size = 1
	case o.Tag:
		size = tagBatchLen
	}
	use := func(b *batch) (bool, error) {
		if b.n > 0 {
			if err := fn(&b.Batch); err != nil {
				return true, err
			}
		}
		return b.end, b.err
	}
	if !info.Live && runtime.GOMAXPROCS(0) > 1 {
		batches := make([]*batch, batchesAhead)
		for i := range batches {
			b, err := r.newBatch(size)
			if err != nil {
				return err
			}
			batches[i] = b
		}
		return pipeline(ctx, batches, r.fill, use)
	}
	b, err := r.newBatch(size)
	if err != nil {
		return err
	}
	var stopped atomic.Bool
	defer context.AfterFunc(ctx, func() { stopped.Store(true) })()
	for {
		r.fill(b, &stopped)
		if b.idle { // a live read timed out: time passes without frames
			if ctx.Err() != nil {
				return nil
			}
			now := time.Now()
			if !o.Until.IsZero() && !now.Before(o.Until) {
				return nil
			}
			if o.OnIdle != nil {
				o.OnIdle(now)
			}
			continue
		}
		if b.err != nil && ctx.Err() != nil {
			b.err = nil // the read failed because the capture was stopped
		}
		end, err := use(b)
		if end || err != nil || ctx.Err() != nil {
			return err
		}
		if !o.Until.IsZero() && r.live && r.n&0x3f == 0 && !time.Now().Before(o.Until) {
			return nil
		}
	}
}

// Run sizes: frames per run, and runs in flight between the reading and
// the consuming goroutine. Every decoded slot has its own parser and a
// copy of its frame, so a run stays valid while the reader fills the next.
// A handoff between the goroutines costs a wake-up of the other thread
// (microseconds), a tagged frame tens of nanoseconds: tagged runs are
// long (4,096 frames make 160 KB of tags and slices).
const (
	batchLen     = 256
	tagBatchLen  = 4096
	batchesAhead = 4
)

type batch struct {
	Batch // what fn sees, sliced to n frames
	pkts  []Packet
	ps    []*decode.Parser // pkts[i]'s own, which Options.Lazy takes away from a repeat
	tags  []decode.Tag
	data  [][]byte
	n     int
	err   error // the read error after the n frames
	end   bool  // last run
	idle  bool  // a live read timed out before any frame
}

// reader fills runs of frames from one source, on one goroutine at a time.
type reader struct {
	src     Source
	o       Options
	live    bool
	copy    bool // frames are valid until the next read only: keep copies
	reps    *decode.Repeats
	valid   []bool // Options.Lazy: the flow's last frame decoded as a valid advert
	n       int    // number of the last frame read (Options.Numbered before the first)
	adverts int
}

func (r *reader) newBatch(size int) (*batch, error) {
	b := new(batch)
	if r.o.Tag {
		b.tags, b.data = make([]decode.Tag, size), make([][]byte, size)
		return b, nil
	}
	b.pkts, b.ps = make([]Packet, size), make([]*decode.Parser, size)
	for i := range b.pkts {
		p, err := decode.NewParser(r.src.LinkType())
		if err != nil {
			return nil, err
		}
		b.pkts[i].P, b.ps[i] = p, p
	}
	return b, nil
}

// fill reads the next run into b and reports whether it is the last: the
// input ended or failed, a limit was reached, or stopped turned true (ctx
// is done).
func (r *reader) fill(b *batch, stopped *atomic.Bool) bool {
	b.n, b.err, b.end, b.idle = 0, nil, false, false
	b.First = r.n + 1
	size := len(b.pkts) + len(b.tags)
	for b.n < size {
		if b.n&0xff == 0 && stopped.Load() {
			b.end = true
			break
		}
		var data []byte
		var ci gopacket.CaptureInfo
		var ts int64
		var err error
		if r.o.Tag {
			data, ts, err = r.src.ReadFrame()
		} else {
			data, ci, err = r.src.ZeroCopyReadPacketData()
		}
		if err != nil {
			if errors.Is(err, ErrTimeout) && r.live {
				if b.n == 0 {
					b.idle = true
				}
				break
			}
			if !errors.Is(err, io.EOF) {
				b.err = err
			}
			b.end = true
			break
		}
		r.n++
		if r.o.Tag {
			if r.copy {
				data = append(b.data[b.n][:0], data...)
			}
			b.data[b.n] = data
			t := &b.tags[b.n]
			t.Time = ts
			t.Flow, t.Repeat = r.reps.See(data)
			b.n++
			continue
		}
		pkt := &b.pkts[b.n]
		pkt.N, pkt.CI = r.n, ci
		if r.copy {
			pkt.Data = append(pkt.Data[:0], data...)
		} else {
			pkt.Data = data
		}
		r.decode(b, pkt)
		if r.o.Prepare != nil {
			r.o.Prepare(pkt)
		}
		if r.o.Write != nil {
			if err := r.o.Write.WritePacket(ci, data); err != nil {
				b.err, b.end = err, true
				break
			}
		}
		b.n++
		if pkt.Kind == decode.KindVRRP {
			r.adverts++
			if r.o.Count > 0 && r.adverts >= r.o.Count {
				b.end = true
				break
			}
		}
	}
	if r.o.Tag {
		b.Tags, b.Data = b.tags[:b.n], b.data[:b.n]
	} else {
		b.Packets = b.pkts[:b.n]
	}
	return b.end
}

// decode decodes pkt, the batch's next frame, unless Options.Lazy finds it
// a repeat of a valid advert.
func (r *reader) decode(b *batch, pkt *Packet) {
	pkt.P, pkt.Flow, pkt.Repeat = b.ps[b.n], -1, false
	if r.o.Lazy {
		pkt.Flow, pkt.Repeat = r.reps.See(pkt.Data)
		if pkt.Repeat && r.valid[pkt.Flow] { // a repeat's flow was seen before
			pkt.P, pkt.Kind, pkt.Err = nil, decode.KindVRRP, nil
			return
		}
	}
	pkt.Kind, pkt.Err = pkt.P.Decode(pkt.Data)
	if f := pkt.Flow; f >= 0 {
		for int(f) >= len(r.valid) {
			r.valid = append(r.valid, false)
		}
		r.valid[f] = pkt.Kind == decode.KindVRRP && pkt.Err == nil
	}
}

// pipeline runs fill on a second goroutine, up to len(batches) batches
// ahead of use, which runs on the calling goroutine in order. fill reports
// the last batch (the input ended or stopped turned true: ctx is done);
// use reports when to stop, with the error to return.
func pipeline[B any](ctx context.Context, batches []*B, fill func(b *B, stopped *atomic.Bool) (last bool),
	use func(b *B) (end bool, err error)) error {
	free := make(chan *B, len(batches))
	full := make(chan *B, len(batches)) // never blocks: there are only len(batches) batches
	for _, b := range batches {
		free <- b
	}
	stop := make(chan struct{})
	var stopped atomic.Bool
	defer context.AfterFunc(ctx, func() { stopped.Store(true) })()
	go func() {
		defer close(full)
		for {
			var b *B
			select {
			case b = <-free:
			case <-stop:
				return
			}
			last := fill(b, &stopped)
			full <- b
			if last {
				return
			}
		}
	}()
	finish := func(err error) error {
		close(stop)
		for range full { // wait for the reader to leave
		}
		return err
	}
	for b := range full {
		if end, err := use(b); end || err != nil {
			return finish(err)
		}
		if ctx.Err() != nil { // sooner than stopped, which AfterFunc sets
			return finish(nil)
		}
		free <- b
	}
	return finish(nil)
}
