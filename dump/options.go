package dump

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// Mode is the output format.
type Mode int

// Output modes.
const (
	ModeDefault Mode = iota // lines on a pipe, summary for -r, TUI on a terminal
	ModeLines
	ModeJSON
	ModeSummary
	ModeTUI
	ModeFindings // only the finding lines: the default with --metrics
)

// Config is a parsed command line.
type Config struct {
	Ifaces   []string
	Read     string
	Write    string
	Count    int
	Duration time.Duration
	Mode     Mode
	ShowAuth bool
	Promisc  bool
	Speed    float64  // TUI replay speed, 0 = as fast as possible
	Metrics  string   // address for /metrics
	Filter   string   // extra BPF expression
	Report   string   // --report: the HTML report's file
	Logs     []string // --log [NAME=]FILE: daemon logs to set against the wire
}

// ErrUsage marks a bad command line (exit status 2, usage printed).
var ErrUsage = errors.New("usage")

const usage = `usage: vrrpdump (-i IFACE | -r FILE) [options] [BPF expression]

Watch VRRP (v2 and v3, IPv4 and IPv6, keepalived and FRR) and say what is
wrong: split-brain, failover and its timing, mismatched intervals, VIPs,
auth or versions, VRID collisions, missing gratuitous ARP.

  vrrpdump -r capture.pcap                summary of a capture (tcpdump -w / tshark -w)
  sudo vrrpdump -i eth0 --lines           one line per advert and per finding
  vrrpdump -i eth0 --json -w vrrp.pcap    NDJSON for machines, and keep the frames

Live capture needs CAP_NET_RAW rather than root:
  sudo setcap cap_net_raw,cap_net_admin=eip $(command -v vrrpdump)

Exit status: 0 no error finding, 1 an error finding (e.g. split-brain), 2 vrrpdump failed.

options:
`

// Parse reads the command line.
func Parse(args []string, stderr io.Writer) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("vrrpdump", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	fs.Func("i", "capture live on `IFACE` (\"any\" for all; repeat for several with --metrics)", func(s string) error {
		c.Ifaces = append(c.Ifaces, s)
		return nil
	})
	fs.StringVar(&c.Read, "r", "", "read a pcap or pcapng `FILE` (\"-\" for standard input)")
	fs.StringVar(&c.Write, "w", "", "also write every frame read to a pcap `FILE`")
	fs.IntVar(&c.Count, "c", 0, "stop after `N` adverts")
	fs.DurationVar(&c.Duration, "duration", 0, "stop a live capture after `D` (e.g. 30s)")
	lines := fs.Bool("lines", false, "one line per advert and per finding (default when not a terminal)")
	jsonOut := fs.Bool("json", false, "NDJSON: one object per advert, finding and the final summary")
	summary := fs.Bool("summary", false, "a table of groups and findings at the end (default with -r)")
	tui := fs.Bool("tui", false, "the interactive screen (default for -i on a terminal); with -r, replay into it")
	fs.BoolVar(&c.ShowAuth, "show-auth", false, "print VRRPv2 passwords in clear (masked by default)")
	fs.BoolVar(&c.Promisc, "promisc", false, "put the interface in promiscuous mode (needed for unicast adverts between other hosts)")
	fs.Float64Var(&c.Speed, "speed", 0, "with -r --tui: replay at this multiple of real time (0: as fast as possible)")
	fs.StringVar(&c.Metrics, "metrics", "", "serve Prometheus metrics on `ADDR` (e.g. 127.0.0.1:9712), headless")
	fs.StringVar(&c.Report, "report", "", "write an HTML report (timelines, findings, routers) to `FILE` when the run ends")
	fs.Func("log", "set a keepalived or FRR log (syslog, journalctl -o short-iso or -o json) against the wire; `[NAME=]FILE`, NAME the router's address or host name; repeat for each node", func(s string) error {
		c.Logs = append(c.Logs, s)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	c.Filter = strings.Join(fs.Args(), " ")
	n := 0
	for _, on := range []struct {
		set bool
		m   Mode
	}{{*lines, ModeLines}, {*jsonOut, ModeJSON}, {*summary, ModeSummary}, {*tui, ModeTUI}} {
		if on.set {
			c.Mode = on.m
			n++
		}
	}
	switch {
	case n > 1:
		return c, fmt.Errorf("%w: choose one of --lines, --json, --summary, --tui", ErrUsage)
	case (len(c.Ifaces) == 0) == (c.Read == ""):
		return c, fmt.Errorf("%w: say where to read: -i IFACE (live) or -r FILE (offline)", ErrUsage)
	case c.Count < 0:
		return c, fmt.Errorf("%w: -c takes a positive count", ErrUsage)
	case c.Metrics != "" && c.Mode == ModeTUI:
		return c, fmt.Errorf("%w: --metrics runs headless; drop --tui", ErrUsage)
	case c.Metrics != "" && c.Read != "":
		return c, fmt.Errorf("%w: --metrics exports a live capture (-i)", ErrUsage)
	case c.Report != "" && c.Mode == ModeTUI:
		return c, fmt.Errorf("%w: --report is written when the run ends; use it with --summary, --lines or --json", ErrUsage)
	case len(c.Ifaces) > 1 && c.Metrics == "":
		return c, fmt.Errorf("%w: several -i interfaces need --metrics (the text outputs watch one)", ErrUsage)
	}
	return c, nil
}
