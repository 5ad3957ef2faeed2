package dump

import (
	"io"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/cli"
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
	// -w rotation as tcpdump's -C (millions of bytes), -G (seconds), -W
	// (files kept); 0 when not given.
	RotateSize, RotateSeconds, RotateFiles int
	Ring                                   time.Duration // --ring: the flight recorder's span
	Save                                   string        // --save: where it writes
	// tcpdump's habits: -e prints MACs, -l flushes every line, -U every
	// frame written to -w FILE (-n, -nn, -v, -vv, -vvv, -p, -s N cost
	// nothing to accept: see cli.VRRPDump).
	MACs, LineBuffered, PacketBuffered bool
	// SummaryToo: --lines --summary, the lines and then the summary.
	SummaryToo bool
}

// Parse reads the command line (cli.VRRPDump). -h prints help to stdout
// and returns cli.ErrHelp; a command line vrrpdump cannot use returns a
// *cli.UsageError.
func Parse(args []string, stdout io.Writer) (Config, error) {
	var c Config
	p, err := cli.Parse(cli.VRRPDump, args, stdout)
	if err != nil {
		return c, err
	}
	cmd := p.Cmd
	c.Ifaces, c.Read, c.Write = p.Strings("i"), p.String("r"), p.String("w")
	c.Count, c.Duration = p.Int("c"), p.Duration("duration")
	c.ShowAuth, c.Promisc, c.Speed = p.Bool("show-auth"), p.Bool("promisc"), p.Float("speed")
	c.Metrics, c.Report, c.Logs = p.String("metrics"), p.String("report"), p.Strings("log")
	c.RotateSize, c.RotateSeconds, c.RotateFiles = p.Int("C"), p.Int("G"), p.Int("W")
	c.Ring, c.Save = p.Duration("ring"), p.String("save")
	c.MACs, c.LineBuffered, c.PacketBuffered = p.Bool("e"), p.Bool("l"), p.Bool("U")
	if c.PacketBuffered && (c.RotateSize > 0 || c.RotateSeconds > 0) {
		return c, cmd.Usagef("-U", "flushes one -w FILE frame by frame, not the files of -C/-G: drop -U")
	}
	if c.PacketBuffered && c.Write == "" {
		c.LineBuffered = true // tcpdump -U without -w: packet-buffered standard output
	}
	if p.Bool("p") && c.Promisc {
		return c, cmd.Usagef("-p", "keeps the interface out of promiscuous mode: drop --promisc or -p")
	}
	c.Filter = strings.Join(p.Args, " ")
	var chosen []string
	for _, m := range []struct {
		flag string
		m    Mode
	}{{"lines", ModeLines}, {"json", ModeJSON}, {"summary", ModeSummary}, {"tui", ModeTUI}} {
		if p.Bool(m.flag) {
			c.Mode = m.m
			chosen = append(chosen, p.Given(m.flag))
		}
	}
	if p.Bool("lines") && p.Bool("summary") && len(chosen) == 2 {
		c.Mode, c.SummaryToo, chosen = ModeLines, true, chosen[:1]
	}
	switch {
	case len(chosen) > 1:
		return c, cmd.Usagef(strings.Join(chosen, " "), "choose one of --lines, --json, --summary, --tui (--lines --summary: the lines, then the summary)")
	case (len(c.Ifaces) == 0) == (c.Read == ""):
		return c, cmd.Usagef("", "say where to read: -i IFACE (live) or -r FILE (offline)")
	case c.Count < 0:
		return c, cmd.Usagef("-c", "takes a positive count of adverts")
	case c.Speed < 0:
		return c, cmd.Usagef("--speed", "takes a positive multiple of real time (2: twice as fast)")
	case c.Metrics != "" && c.Mode == ModeTUI:
		return c, cmd.Usagef("--metrics", "runs headless: drop --tui")
	case c.RotateSize < 0 || c.RotateSeconds < 0 || c.RotateFiles < 0:
		return c, cmd.Usagef("-C/-G/-W", "take positive numbers (millions of bytes, seconds, files)")
	case (c.RotateSize > 0 || c.RotateSeconds > 0 || c.RotateFiles > 0) && c.Write == "":
		return c, cmd.Usagef("-C/-G/-W", "rotate the files of -w FILE: add -w")
	case c.RotateFiles > 0 && c.RotateSize == 0 && c.RotateSeconds == 0:
		return c, cmd.Usagef("-W", "bounds the files -C or -G start: add one of them")
	case c.Ring < 0:
		return c, cmd.Usagef("--ring", "takes a positive duration (60s)")
	case (c.Ring > 0) != (c.Save != ""):
		return c, cmd.Usagef("--ring/--save", "go together: --ring 60s --save DIR")
	case c.Ring > 0 && len(c.Ifaces) > 1:
		return c, cmd.Usagef("--ring", "records one interface: run one vrrpdump per interface")
	case len(c.Ifaces) > 1 && c.Metrics == "":
		return c, cmd.Usagef("-i", "several interfaces need --metrics (the text outputs and the screen watch one)")
	}
	// A flag that does not apply to what the command line chose is refused.
	var modes []string
	if c.Read != "" {
		modes = append(modes, "file")
		if c.Mode == ModeTUI {
			modes = append(modes, "replay")
		}
	} else {
		modes = append(modes, "live")
	}
	if c.Mode != ModeTUI {
		modes = append(modes, "text")
	}
	if err := p.CheckModes(modes...); err != nil {
		return c, err
	}
	return c, nil
}
