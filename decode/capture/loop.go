package capture

import (
	"context"
	"errors"
	"io"
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
}

// Options tune Run.
type Options struct {
	Count  int                 // stop after this many VRRP adverts (0: no limit), as tcpdump -c
	Until  time.Time           // stop at this wall-clock time (live) (zero: no limit)
	Write  *Writer             // also write every frame read here
	OnIdle func(now time.Time) // called on live read timeouts with the wall clock
}

// Run reads src until it ends, ctx is done, or a limit in o is reached, and
// calls fn for every frame. It returns nil at the end of a file or when
// stopped by ctx or a limit.
func Run(ctx context.Context, src Source, o Options, fn func(*Packet) error) error {
	p, err := decode.NewParser(src.LinkType())
	if err != nil {
		return err
	}
	pkt := Packet{P: p}
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
		if o.Write != nil {
			if err := o.Write.WritePacket(ci, data); err != nil {
				return err
			}
		}
		if err := fn(&pkt); err != nil {
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
