package probe_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/probe"
)

// A backup of priority 100 hears nothing: it becomes master after
// Master_Down_Interval, 3 × 1 s + (256 − 100)/256 s.
func ExampleMachine() {
	m, err := probe.NewMachine(probe.Config{
		VRID: 51, Priority: 100, Version: decode.V3, Interval: time.Second, Preempt: true,
		VIPs: []netip.Addr{netip.MustParseAddr("192.0.2.100")}, Primary: netip.MustParseAddr("192.0.2.12"),
	})
	if err != nil {
		panic(err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, a := range m.Handle(start, probe.Event{Kind: probe.EvStartup}) {
		fmt.Println(a)
	}
	for _, a := range m.Handle(m.Deadline(), probe.Event{Kind: probe.EvTimer}) {
		fmt.Println(a)
	}
	// Output:
	// State(BACKUP: startup)
	// SetTimer(00:00:03.609375)
	// State(MASTER: master down: no advert for Master_Down_Interval)
	// InstallVIPs
	// Send(prio=100)
	// Announce
	// SetTimer(00:00:04.609375)
}
