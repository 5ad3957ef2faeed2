// Command vrrpgen writes synthetic VRRP traffic for benchmarks: many healthy
// groups to a pcap file, or sent on an interface at a fixed rate (for the
// live-capture test, inside a lab namespace only).
//
//	vrrpgen -groups 1000 -adverts 1000000 -o big.pcap
//	vrrpgen -groups 1000 -rate 50000 -duration 10s -i veth0
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/google/gopacket/pcap"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/internal/synth"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "vrrpgen:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("vrrpgen", flag.ContinueOnError)
	groups := fs.Int("groups", 1000, "number of groups")
	adverts := fs.Int("adverts", 1000000, "adverts to write (-o)")
	version := fs.Int("version", 3, "VRRP version")
	interval := fs.Duration("interval", 10*time.Millisecond, "advert interval of each group")
	out := fs.String("o", "", "write a pcap file")
	iface := fs.String("i", "", "send on this interface instead")
	rate := fs.Int("rate", 50000, "adverts per second with -i")
	dur := fs.Duration("duration", 10*time.Second, "how long to send with -i")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c := synth.Config{Groups: *groups, Version: decode.Version(*version), Interval: *interval,
		Start: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)}
	switch {
	case *out != "":
		return c.WritePcap(*out, *adverts)
	case *iface != "":
		return send(ctx, c, *iface, *rate, *dur, stdout)
	}
	return fmt.Errorf("say -o FILE or -i IFACE")
}

// send paces frames at rate per second in 1 ms batches.
func send(ctx context.Context, c synth.Config, iface string, rate int, dur time.Duration, stdout io.Writer) error {
	h, err := pcap.OpenLive(iface, 128, false, pcap.BlockForever)
	if err != nil {
		return fmt.Errorf("open %s for sending: %w", iface, err)
	}
	defer h.Close()
	frames, err := c.Frames()
	if err != nil {
		return err
	}
	start := time.Now()
	sent := 0
	total := int(float64(rate) * dur.Seconds())
	for sent < total && ctx.Err() == nil {
		due := int(float64(rate) * time.Since(start).Seconds())
		for ; sent < due && sent < total; sent++ {
			if err := h.WritePacketData(frames[sent%len(frames)]); err != nil {
				return err
			}
		}
		time.Sleep(time.Millisecond)
	}
	el := time.Since(start)
	fmt.Fprintf(stdout, "sent %d adverts in %.3fs (%.0f/s)\n", sent, el.Seconds(), float64(sent)/el.Seconds())
	return nil
}
