package live

import "time"

// Options tune a live capture.
type Options struct {
	Filter     string        // the user's tcpdump expression, ANDed with vrrpkit's filter (decode/filter)
	Promisc    bool          // put the interface in promiscuous mode
	Snaplen    int           // bytes kept per frame; default 4224, room for a v3 IPv6 advert of 255 addresses behind QinQ
	BufferSize int           // kernel ring size in bytes; default 32 MiB
	Timeout    time.Duration // how long a read waits before reporting a timeout; default 100 ms
	// Warn, if set, receives what the capture could not do as asked but
	// can run without (promiscuous mode refused).
	Warn func(msg string)
}

func (o *Options) defaults() {
	if o.Snaplen == 0 {
		o.Snaplen = 4096 + 128
	}
	if o.BufferSize == 0 {
		o.BufferSize = 32 << 20
	}
	if o.Timeout == 0 {
		o.Timeout = 100 * time.Millisecond
	}
}
