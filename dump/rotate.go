package dump

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/google/gopacket"

	"github.com/vrrpkit/vrrpkit/decode/capture/pcapfile"
)

// rotatingWriter is -w with tcpdump's -C, -G and -W: a new file when the
// current one would pass size bytes (-C, in millions of bytes, as tcpdump)
// or after every (-G, by the frames' own times, so a file read with -r
// splits as it was captured); keep (-W) bounds the files to the newest
// keep, reusing their names in turn (tcpdump's -C -W ring). Files are
// named as tcpdump names them: FILE, FILE1, FILE2, ... and with -W N,
// FILE0 ... FILE(N-1), zero-padded to the same width.
type rotatingWriter struct {
	base   string
	lt     uint32
	size   int64
	every  time.Duration
	keep   int
	n      int // files opened
	f      *os.File
	w      *pcapfile.Writer
	path   string
	bytes  int64
	opened time.Time
}

// pcapHeader and recordHeader are the sizes -C counts besides frames.
const (
	pcapHeader   = 24
	recordHeader = 16
)

func (r *rotatingWriter) name(i int) string {
	if r.keep > 0 {
		width := len(strconv.Itoa(r.keep - 1))
		return fmt.Sprintf("%s%0*d", r.base, width, i%r.keep)
	}
	if i == 0 {
		return r.base
	}
	return r.base + strconv.Itoa(i)
}

func (r *rotatingWriter) open(ts time.Time) error {
	if err := r.Close(); err != nil {
		return err
	}
	r.path = r.name(r.n)
	f, err := os.Create(r.path)
	if err != nil {
		return &outputError{r.path, err}
	}
	w, err := pcapfile.NewWriter(f, r.lt, 65535)
	if err != nil {
		f.Close()
		return &outputError{r.path, err}
	}
	r.f, r.w, r.bytes, r.opened = f, w, pcapHeader, ts
	r.n++
	return nil
}

// WritePacket writes a frame, first starting a new file when due.
func (r *rotatingWriter) WritePacket(ci gopacket.CaptureInfo, data []byte) error {
	rec := int64(recordHeader + len(data))
	if r.opened.IsZero() {
		r.opened = ci.Timestamp // the first file was opened before any frame
	}
	switch {
	case r.f == nil:
		if err := r.open(ci.Timestamp); err != nil {
			return err
		}
	case r.size > 0 && r.bytes+rec > r.size && r.bytes > pcapHeader,
		r.every > 0 && !ci.Timestamp.Before(r.opened.Add(r.every)):
		if err := r.open(ci.Timestamp); err != nil {
			return err
		}
	}
	if err := r.w.WritePacket(ci, data); err != nil {
		return &outputError{r.path, err}
	}
	r.bytes += rec
	return nil
}

// Close flushes and closes the current file.
func (r *rotatingWriter) Close() error {
	if r.f == nil {
		return nil
	}
	f, w := r.f, r.w
	r.f, r.w = nil, nil
	if err := w.Flush(); err != nil {
		f.Close()
		return &outputError{r.path, err}
	}
	if err := f.Close(); err != nil {
		return &outputError{r.path, err}
	}
	return nil
}
