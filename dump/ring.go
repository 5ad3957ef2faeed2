package dump

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/gopacket"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/decode/capture/pcapfile"
	"github.com/vrrpkit/vrrpkit/track"
)

// The flight recorder (--ring D --save DIR) keeps the last D of relevant
// frames (VRRP, CARP, ARP, neighbour discovery, ICMP unreachable quoting an
// advert) in memory and, when an error finding is raised, writes the frames
// from D before it to ringAfter after it as one pcap in DIR, named by time,
// group and finding, with the HTML report of the run so far beside it.
// Error findings raised while a save is pending join it: one incident, one
// file.
const (
	// ringAfter is how long after the finding a save keeps recording.
	ringAfter = 5 * time.Second
	// RingMaxBytes bounds the frames the ring holds (their bytes): at 1,000
	// groups advertising every 100 ms (10,000 frames of ~60 bytes a
	// second) it holds about 100 s. When it is full the oldest frames go
	// first and the saved pcap says how many were lost (Dropped).
	RingMaxBytes = 64 << 20
	// ringFrameOverhead is what a kept frame costs beyond its bytes.
	ringFrameOverhead = 64
)

type ringFrame struct {
	ci   gopacket.CaptureInfo
	data []byte
}

// flightRecorder is --ring and --save.
type flightRecorder struct {
	dir      string
	span     time.Duration
	maxBytes int
	link     uint32
	stderr   io.Writer
	// report writes the run's HTML report so far to a file (nil: none).
	report func(path string) error

	mu      sync.Mutex
	frames  []ringFrame // oldest first, from head
	head    int
	bytes   int
	peak    int // most bytes held at once
	dropped int64
	pending *pendingSave
	saved   []string
	errs    int
}

type pendingSave struct {
	at    time.Time // the first error finding
	until time.Time
	name  string
	ids   []string
}

func newFlightRecorder(dir string, span time.Duration, lt uint32, stderr io.Writer) (*flightRecorder, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("--save %s: %w (create the directory first)", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("--save %s: not a directory", dir)
	}
	return &flightRecorder{dir: dir, span: span, maxBytes: RingMaxBytes, link: lt, stderr: stderr}, nil
}

func relevant(k decode.Kind) bool {
	switch k {
	case decode.KindVRRP, decode.KindCARP, decode.KindARP, decode.KindNeighbor, decode.KindUnreachable:
		return true
	}
	return false
}

// frame keeps a copy of a relevant frame, drops what is older than the
// ring's span (plus ringAfter, so a pending save still has its start), and
// saves a pending incident once its time is over.
func (r *flightRecorder) frame(p *capture.Packet) {
	if !relevant(p.Kind) {
		r.due(p.CI.Timestamp)
		return
	}
	r.mu.Lock()
	f := ringFrame{ci: p.CI, data: append([]byte(nil), p.Data...)}
	f.ci.CaptureLength = len(f.data)
	r.frames = append(r.frames, f)
	r.bytes += len(f.data) + ringFrameOverhead
	ts := p.CI.Timestamp
	keepFrom := ts.Add(-r.span - ringAfter)
	if r.pending != nil {
		keepFrom = minTime(keepFrom, r.pending.at.Add(-r.span))
	}
	for r.head < len(r.frames) && (r.frames[r.head].ci.Timestamp.Before(keepFrom) || r.bytes > r.maxBytes) {
		if !r.frames[r.head].ci.Timestamp.Before(keepFrom) {
			r.dropped++ // full: lost before its time
		}
		r.bytes -= len(r.frames[r.head].data) + ringFrameOverhead
		r.frames[r.head] = ringFrame{}
		r.head++
	}
	r.peak = max(r.peak, r.bytes)
	// Compact once the dead head is half the slice.
	if r.head > 1024 && r.head*2 > len(r.frames) {
		n := copy(r.frames, r.frames[r.head:])
		clear(r.frames[n:])
		r.frames = r.frames[:n]
		r.head = 0
	}
	r.mu.Unlock()
	r.due(ts)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// finding starts a save on an error finding, or joins the pending one.
func (r *flightRecorder) finding(f track.Finding) {
	if f.Severity != track.SeverityError || f.Phase == track.PhaseClose { // an incident is saved at its opening
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending != nil {
		r.pending.ids = append(r.pending.ids, f.ID)
		return
	}
	at := f.Last // the moment it was raised (First is its first episode)
	r.pending = &pendingSave{at: at, until: at.Add(ringAfter), ids: []string{f.ID},
		name: fmt.Sprintf("%s_%s_%s", at.UTC().Format("20060102T150405.000Z"), groupName(f.Group), f.ID)}
}

// groupName is a group key fit for a file name: br0-vlan10-ipv4-vrid51.
func groupName(k track.GroupKey) string {
	s := k.Link
	if k.VLAN != 0 {
		s += fmt.Sprintf("-vlan%d", k.VLAN)
	}
	s += fmt.Sprintf("-%s-vrid%d", k.Family, k.VRID)
	return strings.Map(func(c rune) rune {
		if c == '/' || c == ' ' || c == ':' {
			return '_'
		}
		return c
	}, s)
}

// due saves the pending incident when now is past its end (live: also
// called on idle ticks with the wall clock).
func (r *flightRecorder) due(now time.Time) {
	r.mu.Lock()
	p := r.pending
	if p == nil || !now.After(p.until) {
		r.mu.Unlock()
		return
	}
	r.pending = nil
	frames := r.window(p)
	dropped := r.dropped
	r.mu.Unlock()
	r.save(p, frames, dropped)
}

// finish saves a pending incident at the end of the run with what there
// is, and says what the recorder did.
func (r *flightRecorder) finish() {
	defer func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		fmt.Fprintf(r.stderr, "vrrpdump: flight recorder: %d incident(s) saved to %s; the ring held at most %d bytes of frames (bound %d), %d frames lost to the bound\n",
			len(r.saved), r.dir, r.peak, r.maxBytes, r.dropped)
	}()
	r.mu.Lock()
	p := r.pending
	r.pending = nil
	var frames []ringFrame
	if p != nil {
		frames = r.window(p)
	}
	dropped := r.dropped
	r.mu.Unlock()
	if p != nil {
		r.save(p, frames, dropped)
	}
}

// window returns the frames from span before p to its end (locked).
func (r *flightRecorder) window(p *pendingSave) []ringFrame {
	from := p.at.Add(-r.span)
	var out []ringFrame
	for _, f := range r.frames[r.head:] {
		if !f.ci.Timestamp.Before(from) && !f.ci.Timestamp.After(p.until) {
			out = append(out, f)
		}
	}
	return out
}

func (r *flightRecorder) save(p *pendingSave, frames []ringFrame, dropped int64) {
	path := filepath.Join(r.dir, p.name+".pcap")
	err := writeFrames(path, r.link, frames)
	if err == nil && r.report != nil {
		err = r.report(filepath.Join(r.dir, p.name+".html"))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.errs++
		fmt.Fprintf(r.stderr, "vrrpdump: --save: %v\n", err)
		return
	}
	r.saved = append(r.saved, path)
	msg := fmt.Sprintf("vrrpdump: saved %d frames around %s to %s", len(frames), strings.Join(p.ids, ", "), path)
	if dropped > 0 {
		msg += fmt.Sprintf(" (the ring was full: %d earlier frames lost)", dropped)
	}
	fmt.Fprintln(r.stderr, msg)
}

func writeFrames(path string, lt uint32, frames []ringFrame) error {
	return writeNewFile(path, func(f *os.File) error {
		w, err := pcapfile.NewWriter(f, lt, 65535)
		if err != nil {
			return err
		}
		for _, fr := range frames {
			if err := w.WritePacket(fr.ci, fr.data); err != nil {
				return err
			}
		}
		return w.Flush()
	})
}

// writeNewFile creates path, which must not exist, and has write fill it;
// on any error it removes the file again and names path in the error.
func writeNewFile(path string, write func(f *os.File) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
