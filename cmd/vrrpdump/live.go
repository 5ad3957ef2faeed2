package main

import (
	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/decode/capture/live"
	"github.com/vrrpkit/vrrpkit/dump"
)

func init() { liveHook = openLive }

// openLive is -i: a live capture from package live.
func openLive(iface string, o dump.LiveOptions) (capture.Source, error) {
	return live.Open(iface, live.Options{Filter: o.Filter, Promisc: o.Promisc, Warn: o.Warn})
}
