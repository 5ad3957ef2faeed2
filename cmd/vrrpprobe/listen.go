package main

import (
	"context"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/probe"
)

// listenWindow is how long to listen for a group before speaking: given, or
// two Master_Down_Intervals of interval, the time in which a live group
// must have advertised (RFC 5798 6.1) twice over.
func listenWindow(given, interval time.Duration, v decode.Version, prio uint8) time.Duration {
	if given > 0 {
		return given
	}
	return 2 * probe.MasterDownInterval(v, prio, interval)
}

// collect reads adverts from l for up to d. With early set, it ends one and
// a half advert intervals after the first advert of vrid and fam: one
// advert tells the group's parameters, the rest of the wait lets another
// router that claims mastership show itself.
func collect(ctx context.Context, l probe.Link, d time.Duration, early bool, vrid uint8, fam decode.Family) ([]probe.Heard, error) {
	type res struct {
		h   probe.Heard
		ok  bool
		err error
	}
	ch := make(chan res)
	done := make(chan struct{})
	defer close(done)
	go func() {
		buf := make([]byte, 1500)
		for {
			p, err := l.ReadPacket(buf)
			var r res
			if err != nil {
				r.err = err
			} else {
				r.h, r.ok = probe.HeardFrom(time.Now(), p)
			}
			select {
			case ch <- r:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	var out []probe.Heard
	end := time.NewTimer(d)
	defer end.Stop()
	shortened := false
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-end.C:
			return out, nil
		case r := <-ch:
			if r.err != nil {
				return nil, r.err
			}
			if !r.ok {
				continue
			}
			out = append(out, r.h)
			if early && !shortened && r.h.VRID == vrid && r.h.Src.Is4() == (fam == decode.IPv4) && r.h.Priority > 0 {
				shortened = true
				if rest := r.h.Interval + r.h.Interval/2; rest < d {
					end.Reset(rest)
				}
			}
		}
	}
}
