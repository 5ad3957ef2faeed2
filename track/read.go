package track

import (
	"context"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/decode/capture"
)

// ReadOptions tune Read. The zero value tracks a source as fast as it can.
type ReadOptions struct {
	// Options are the capture's (limits, -w, Prepare, OnIdle). On a live
	// read timeout Read ticks the tracker before calling OnIdle.
	capture.Options
	// Link names the frames' link in group keys (default: the source's
	// Name).
	Link string
	// Each, if set, sees every frame in order, before the tracker does and
	// before the findings the frame raises reach OnFinding: a printer's
	// line for an advert precedes the lines of its findings.
	Each func(p *capture.Packet) error
	// After, if set, sees every frame in order after the tracker took it
	// (and after the findings it raised reached OnFinding).
	After func(p *capture.Packet)
	// Progress, if set, is called with what was read so far after every
	// frame the tracker took when Each or After is set, after every run of
	// frames otherwise.
	Progress func(Progress)
}

// Progress is how far a Read got: the number of the latest frame read
// (frames are numbered as tshark numbers them, continuing after
// capture.Options.Numbered) and the capture times of the first and the
// latest frame this Read saw (zero when it saw none).
type Progress struct {
	Frames      int
	First, Last time.Time
}

// Read tracks every frame of src until it ends, ctx is done or a limit in
// o is reached; it returns how far it got and the capture's error, if any
// (nil at the end of a file or when stopped).
//
// It is the one way a stream of frames enters the tracker. With nothing to
// do per frame (no Each, After, Prepare, Write or Count) on a file, frames cross
// from the reading goroutine as 16-byte tags (capture.Options.Tag), and an
// advert that repeats its router's previous one while that router is its
// group's steady master is counted from its tag without being decoded:
// nearly all VRRP traffic, and why vrrpdump --summary outruns tcpdump.
// Everything else is decoded and observed as Observe does; the outcome is
// the same either way (TestReadAgrees, FuzzSteadyPath).
func (t *Tracker) Read(ctx context.Context, src capture.Source, o ReadOptions) (Progress, error) {
	link := o.Link
	if link == "" {
		link = src.Name()
	}
	co := o.Options
	onIdle := co.OnIdle
	co.OnIdle = func(now time.Time) {
		t.Tick(now)
		if onIdle != nil {
			onIdle(now)
		}
	}
	pr := Progress{Frames: max(co.Numbered, 0)}
	perFrame := o.Each != nil || o.After != nil
	tagged := !perFrame && co.Prepare == nil && co.Write == nil && co.Count == 0 && !src.Info().Live
	if tagged {
		co.Tag = true
		p, err := decode.NewParser(src.LinkType())
		if err != nil {
			return pr, err
		}
		s := &stream{link: link}
		err = capture.RunBatches(ctx, src, co, func(b *capture.Batch) error {
			if pr.First.IsZero() {
				pr.First = time.Unix(0, b.Tags[0].Time).UTC()
			}
			pr.Frames = b.First + len(b.Tags) - 1
			pr.Last = time.Unix(0, b.Tags[len(b.Tags)-1].Time).UTC()
			t.observeTagged(s, b.Tags, b.Data, p)
			if o.Progress != nil {
				o.Progress(pr)
			}
			return nil
		})
		return pr, err
	}
	var lazy *lazyStream
	if co.Lazy {
		p, err := decode.NewParser(src.LinkType())
		if err != nil {
			return pr, err
		}
		lazy = &lazyStream{stream{link: link}, p}
	}
	err := capture.RunBatches(ctx, src, co, func(b *capture.Batch) error {
		if pr.First.IsZero() {
			pr.First = b.Packets[0].CI.Timestamp
		}
		if !perFrame { // the whole run under one lock
			end := &b.Packets[len(b.Packets)-1]
			pr.Frames, pr.Last = end.N, end.CI.Timestamp
			t.observeAll(link, lazy, b.Packets)
			if o.Progress != nil {
				o.Progress(pr)
			}
			return nil
		}
		for i := range b.Packets {
			pkt := &b.Packets[i]
			pr.Frames, pr.Last = pkt.N, pkt.CI.Timestamp
			if o.Each != nil {
				if err := o.Each(pkt); err != nil {
					return err
				}
			}
			t.mu.Lock()
			t.packet(link, lazy, pkt)
			t.unlockAndDeliver()
			if o.After != nil {
				o.After(pkt)
			}
			if o.Progress != nil {
				o.Progress(pr)
			}
		}
		return nil
	})
	return pr, err
}

// observeAll is Observe for a run of frames under one lock: reading a file,
// the lock costs more than tracking an advert. OnFinding is called after
// the last frame.
func (t *Tracker) observeAll(link string, lazy *lazyStream, pkts []capture.Packet) {
	t.mu.Lock()
	for i := range pkts {
		t.packet(link, lazy, &pkts[i])
	}
	t.unlockAndDeliver()
}

// packet tracks one frame Read was handed, under t.mu: as Observe does, or
// as take does when the read is lazy.
func (t *Tracker) packet(link string, lazy *lazyStream, p *capture.Packet) {
	if lazy != nil {
		t.take(lazy, p)
		return
	}
	t.observe(at(p.CI.Timestamp), link, p.P, p.Kind, p.Err)
}

// lazyStream is the stream of a Read with capture.Options.Lazy, and the
// parser for the repeats the reader did not decode and the steady path
// does not take.
type lazyStream struct {
	stream
	p *decode.Parser
}

// take tracks one frame of a Lazy read, under t.mu, as observeTagged does
// a tagged one: the reader decoded it unless it is a repeat.
func (t *Tracker) take(s *lazyStream, pkt *capture.Packet) {
	tg := decode.Tag{Time: int64(at(pkt.CI.Timestamp)), Flow: pkt.Flow, Repeat: pkt.Repeat}
	if pkt.P != nil {
		t.step(&s.stream, &tg, pkt.P, pkt.Kind, pkt.Err)
		return
	}
	if t.noSteady || !t.repeat(&s.stream, &tg) {
		kind, err := s.p.Decode(pkt.Data)
		t.step(&s.stream, &tg, s.p, kind, err)
	}
}
