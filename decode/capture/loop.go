package capture

import (
	"context"
	"errors"
	"io"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/pcap"

	"github.com/vrrpkit/vrrpkit/decode"
)

// Packet is one frame as the loop hands it to its consumer. Data and the
// parser's layers are only valid during the call.
type Packet struct {
	N    int // 1-based position among all frames read, as tshark numbers frames
	CI   gopacket.CaptureInfo
	Data []byte
	Kind decode.Kind
	Err  error
	P    *decode.Parser
	// Out is scratch space for Options.Prepare, kept with the packet until
	// fn has seen it.
	Out []byte
}

// Options tune Run.
type Options struct {
	Count  int                 // stop after this many VRRP adverts (0: no limit), as tcpdump -c
	Until  time.Time           // stop at this wall-clock time (live) (zero: no limit)
	Write  *Writer             // also write every frame read here
	OnIdle func(now time.Time) // called on live read timeouts with the wall clock
	// Prepare, if set, is called for every frame before fn, possibly on
	// another goroutine (see Run): work that needs only the frame, such as
	// formatting it into p.Out, belongs here.
	Prepare func(p *Packet)
}

// Run reads src until it ends, ctx is done, or a limit in o is reached, and
// calls fn for every frame, in order, on the calling goroutine. It returns
// nil at the end of a file or when stopped by ctx or a limit.
//
// A file is read and decoded on a second goroutine, which also runs
// o.Prepare, a batch ahead of fn: offline analysis then uses two cores.
// A live interface is read on the calling goroutine, so that every frame
// reaches fn at once.
func Run(ctx context.Context, src Source, o Options, fn func(*Packet) error) error {
	return RunBatches(ctx, src, o, func(ps []Packet) error {
		for i := range ps {
			if err := fn(&ps[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// RunBatches is Run handing frames over in runs, for consumers that save
// by taking a lock once per run: a file's frames come in batches of up to
// 256, a live interface's one at a time. The slice is valid during the call.
func RunBatches(ctx context.Context, src Source, o Options, fn func([]Packet) error) error {
	if f, ok := src.(*fileSource); ok && runtime.GOMAXPROCS(0) > 1 {
		return runPipelined(ctx, src, o, fn, f.stable())
	}
	return runSerial(ctx, src, o, fn)
}

func runSerial(ctx context.Context, src Source, o Options, fn func([]Packet) error) error {
	p, err := decode.NewParser(src.LinkType())
	if err != nil {
		return err
	}
	one := []Packet{{P: p}}
	pkt := &one[0]
	adverts := 0
	var stopped atomic.Bool
	defer context.AfterFunc(ctx, func() { stopped.Store(true) })()
	for {
		if stopped.Load() {
			return nil
		}
		data, ci, err := src.ZeroCopyReadPacketData()
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case errors.Is(err, pcap.NextErrorTimeoutExpired) || errors.Is(err, ErrTimeout):
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
		case err != nil:
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		pkt.N++
		pkt.CI, pkt.Data = ci, data
		pkt.Kind, pkt.Err = p.Decode(data)
		if o.Prepare != nil {
			o.Prepare(pkt)
		}
		if o.Write != nil {
			if err := o.Write.WritePacket(ci, data); err != nil {
				return err
			}
		}
		if err := fn(one); err != nil {
			return err
		}
		if pkt.Kind == decode.KindVRRP {
			adverts++
			if o.Count > 0 && adverts >= o.Count {
				return nil
			}
		}
		if !o.Until.IsZero() && pkt.N&0x3f == 0 && !time.Now().Before(o.Until) {
			return nil
		}
	}
}

// Pipeline sizes: batches of frames in flight between the reading and the
// consuming goroutine. Every slot has its own parser and a copy of its
// frame, so a batch stays valid while the reader fills the next.
const (
	batchLen     = 256
	batchesAhead = 4
)

type batch struct {
	pkts [batchLen]Packet
	n    int
	err  error // the read error after pkts[:n]
	end  bool  // last batch
}

// runPipelined copies every frame into its slot unless the source's
// frames are stable (a mapped file).
func runPipelined(ctx context.Context, src Source, o Options, fn func([]Packet) error, stable bool) error {
	batches := make([]*batch, batchesAhead)
	for i := range batches {
		b := new(batch)
		for i := range b.pkts {
			p, err := decode.NewParser(src.LinkType())
			if err != nil {
				return err
			}
			b.pkts[i].P = p
		}
		batches[i] = b
	}
	n, adverts := 0, 0
	fill := func(b *batch, stopped *atomic.Bool) bool {
		b.n, b.err, b.end = 0, nil, false
		for b.n < batchLen {
			if stopped.Load() {
				b.end = true
				break
			}
			data, ci, err := src.ZeroCopyReadPacketData()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					b.err = err
				}
				b.end = true
				break
			}
			pkt := &b.pkts[b.n]
			n++
			pkt.N, pkt.CI = n, ci
			if stable {
				pkt.Data = data
			} else {
				pkt.Data = append(pkt.Data[:0], data...)
			}
			pkt.Kind, pkt.Err = pkt.P.Decode(pkt.Data)
			if o.Prepare != nil {
				o.Prepare(pkt)
			}
			if o.Write != nil {
				if err := o.Write.WritePacket(ci, data); err != nil {
					b.err, b.end = err, true
					break
				}
			}
			b.n++
			if pkt.Kind == decode.KindVRRP {
				adverts++
				if o.Count > 0 && adverts >= o.Count {
					b.end = true
					break
				}
			}
		}
		return b.end
	}
	return pipeline(ctx, batches, fill, func(b *batch) (bool, error) {
		if b.n > 0 {
			if err := fn(b.pkts[:b.n]); err != nil {
				return true, err
			}
		}
		return b.end, b.err
	})
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
