package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/internal/cli"
	"github.com/vrrpkit/vrrpkit/probe"
	"github.com/vrrpkit/vrrpkit/probe/path"
)

// pathSys is the host "path" runs on: the real one, or fakes in tests.
type pathSys struct {
	iface    func(name string) (*net.Interface, error)
	addrs    func(ifi *net.Interface) ([]netip.Addr, error)
	openWire func(ifi *net.Interface, joinDAD bool) (path.Wire, error)
	openLink func(ifi *net.Interface, fam decode.Family, src netip.Addr) (probe.Link, error)
	// command starts a program on the peer for --remote.
	command func(ctx context.Context, argv []string) *exec.Cmd
}

func systemPath() pathSys {
	return pathSys{
		iface:    net.InterfaceByName,
		addrs:    ifaceAddrs,
		openWire: path.OpenWire,
		openLink: probe.OpenLink,
		command: func(ctx context.Context, argv []string) *exec.Cmd {
			return exec.CommandContext(ctx, argv[0], argv[1:]...)
		},
	}
}

func ifaceAddrs(ifi *net.Interface) ([]netip.Addr, error) {
	as, err := ifi.Addrs()
	if err != nil {
		return nil, fmt.Errorf("interface %s: %w", ifi.Name, err)
	}
	var out []netip.Addr
	for _, a := range as {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok {
				out = append(out, ip.Unmap())
			}
		}
	}
	return out, nil
}

// local is what path needs to know about its own interface.
type local struct {
	ifi    *net.Interface
	v4     netip.Addr // first IPv4 address
	ll     netip.Addr // IPv6 link-local address
	global netip.Addr // first global IPv6 address
}

func lookupLocal(ps pathSys, name string) (*local, error) {
	if name == "" {
		return nil, &exitError{code: 2, err: probe.ErrNoInterface}
	}
	ifi, err := ps.iface(name)
	if err != nil {
		return nil, &exitError{code: 2, err: fmt.Errorf("interface %s: %w (list them with ip -br link)", name, err)}
	}
	addrs, err := ps.addrs(ifi)
	if err != nil {
		return nil, &exitError{code: 2, err: err}
	}
	l := &local{ifi: ifi}
	for _, a := range addrs {
		switch {
		case a.Is4() && !l.v4.IsValid():
			l.v4 = a
		case a.Is6() && a.IsLinkLocalUnicast() && !l.ll.IsValid():
			l.ll = a.WithZone("")
		case a.Is6() && a.IsGlobalUnicast() && !l.global.IsValid():
			l.global = a
		}
	}
	if len(ifi.HardwareAddr) != 6 {
		return nil, &exitError{code: 2, err: fmt.Errorf("interface %s has no Ethernet address: the path test needs an Ethernet interface", name)}
	}
	return l, nil
}

func (l *local) label() string {
	a := l.v4
	if !a.IsValid() {
		a = l.ll
	}
	return fmt.Sprintf("%s (%s)", a, l.ifi.Name)
}

// sockets opens what a run needs on l: the packet socket that watches, the
// one that sends (send only), and a raw socket per family.
func (l *local) sockets(ps pathSys, send bool, fams []decode.Family, unicast6 netip.Addr) (path.Sockets, func(), error) {
	var s path.Sockets
	var closers []io.Closer
	closeAll := func() {
		for _, c := range closers {
			c.Close()
		}
	}
	fail := func(err error) (path.Sockets, func(), error) {
		closeAll()
		return path.Sockets{}, nil, &exitError{code: 2, err: err}
	}
	w, err := ps.openWire(l.ifi, !send)
	if err != nil {
		return fail(err)
	}
	closers = append(closers, w)
	s.Wire = w
	if send {
		if s.Tx, err = ps.openWire(l.ifi, false); err != nil {
			return fail(err)
		}
		closers = append(closers, s.Tx)
	}
	for _, fam := range fams {
		src := l.v4
		if fam == decode.IPv6 {
			src = l.ll
		}
		link, err := ps.openLink(l.ifi, fam, src)
		if err != nil {
			return fail(err)
		}
		closers = append(closers, link)
		if fam == decode.IPv6 {
			s.IP6 = link
		} else {
			s.IP4 = link
		}
	}
	if send && unicast6.IsValid() && unicast6 != l.ll {
		link, err := ps.openLink(l.ifi, decode.IPv6, unicast6)
		if err != nil {
			return fail(err)
		}
		closers = append(closers, link)
		s.Unicast6 = link
	}
	return s, closeAll, nil
}

// families returns the families the interface can test, limited by -4/-6.
func (l *local) families(only4, only6 bool) []decode.Family {
	var f []decode.Family
	if l.v4.IsValid() && !only6 {
		f = append(f, decode.IPv4)
	}
	if l.ll.IsValid() && !only4 {
		f = append(f, decode.IPv6)
	}
	return f
}

type listenResult struct {
	Listen  *path.ListenLog `json:"listen"`
	Verdict *path.Verdict   `json:"verdict"`
}

func runPathListen(ctx context.Context, p *cli.Parsed, stdout, stderr io.Writer, ps pathSys) error {
	iface := ref(p.String("i"))
	vrid := ref(p.Int("vrid"))
	duration := ref(p.Duration("duration"))
	quiet := ref(p.Duration("quiet"))
	asJSON := ref(p.Bool("json"))
	onEOF := ref(p.Bool("stop-on-eof"))
	only4, only6 := ref(p.Bool("4")), ref(p.Bool("6"))
	switch {
	case *vrid < 0 || *vrid > 255:
		return &exitError{code: 2, err: p.Cmd.Usagef("--vrid", "must be 0-255")}
	case *only4 && *only6:
		return &exitError{code: 2, err: p.Cmd.Usagef("-6", "give -4 or -6, not both")}
	}
	l, err := lookupLocal(ps, *iface)
	if err != nil {
		return err
	}
	fams := l.families(*only4, *only6)
	if len(fams) == 0 {
		return &exitError{code: 2, err: fmt.Errorf("interface %s has neither an IPv4 address nor an IPv6 link-local address", l.ifi.Name)}
	}
	s, closeAll, err := l.sockets(ps, false, fams, netip.Addr{})
	if err != nil {
		return err
	}
	defer closeAll()
	lctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	q := *quiet
	if *onEOF {
		q = 0
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			cancel()
		}()
	}
	out := &syncWriter{w: stdout}
	cfg := path.ListenConfig{Iface: l.ifi.Name, MAC: l.ifi.HardwareAddr, VRID: uint8(*vrid), Quiet: q}
	if *asJSON {
		if err := out.json(map[string]any{"ready": true, "iface": l.ifi.Name, "mac": l.ifi.HardwareAddr.String()}); err != nil {
			return &exitError{code: 2, err: err}
		}
	} else {
		fmt.Fprintf(stderr, "listening on %s (%s) for path test frames; start vrrpprobe path send on the other node\n", l.ifi.Name, l.ifi.HardwareAddr)
		cfg.OnHeard = func(seen path.Seen, wire bool) { out.do(func(w io.Writer) { _ = path.WriteHeard(w, seen, wire) }) }
	}
	h, err := path.Listen(lctx, cfg, s)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	var v *path.Verdict
	if h.VRID != 0 {
		from := "the sender"
		for _, x := range h.Heard {
			// The sender's IPv4 address, or else its IPv6 one, from an
			// advert (the probes come from an unspecified address).
			if x.Kind.Advert() && x.Src.IsValid() && (from == "the sender" || x.Family == decode.IPv4 && !strings.Contains(from, ".")) {
				from = x.Src.String()
			}
		}
		v = path.Judge(from, "this host "+l.label(), path.Expect(h), h)
		v.Expected = true
	}
	if *asJSON {
		if err := out.json(listenResult{Listen: h, Verdict: v}); err != nil {
			return &exitError{code: 2, err: err}
		}
	} else if v == nil {
		fmt.Fprintf(stdout, "no path test frame arrived on %s within %s\n", l.ifi.Name, *duration)
	} else if err := path.WriteVerdict(stdout, v); err != nil {
		return &exitError{code: 2, err: err}
	}
	if v == nil || !v.Pass() {
		return &exitError{code: 1}
	}
	return nil
}

// sendFlags are the flags of "path send".
type sendFlags struct {
	iface, remote, remoteIface, remoteBin string
	vrid, count                           int
	rate                                  float64
	survey                                time.Duration
	asJSON, yes, only4, only6             bool
}

func runPathSend(ctx context.Context, p *cli.Parsed, stdout, stderr io.Writer, ps pathSys) error {
	f := sendFlags{
		iface: p.String("i"), vrid: p.Int("vrid"), survey: p.Duration("survey"), count: p.Int("count"),
		rate: p.Float("rate"), remote: p.String("remote"), remoteIface: p.String("remote-iface"),
		remoteBin: p.String("remote-vrrpprobe"), asJSON: p.Bool("json"), yes: p.Bool("yes"),
		only4: p.Bool("4"), only6: p.Bool("6"),
	}
	bad := func(flag, format string, a ...any) error {
		return &exitError{code: 2, err: p.Cmd.Usagef(flag, format, a...)}
	}
	var peer4, peer6 netip.Addr
	for _, arg := range p.Args {
		a, err := netip.ParseAddr(arg)
		if err != nil {
			return bad(arg, "not an IP address: give the peer's address, 192.0.2.12 or 2001:db8:1::12")
		}
		switch {
		case a.Is4() && !peer4.IsValid():
			peer4 = a
		case a.Is6() && !peer6.IsValid():
			peer6 = a.WithZone("")
		default:
			return bad(arg, "give at most one peer address per family")
		}
	}
	switch {
	case len(p.Args) == 0:
		return bad("", "give the peer's address (IPv4, and IPv6 for the IPv6 unicast advert)")
	case f.vrid < 0 || f.vrid > 255:
		return bad("--vrid", "must be 1-255")
	case f.count < 1 || f.count > 31:
		return bad("--count", "must be 1-31")
	case f.rate < 1 || f.rate > 50:
		// At least one a second: a listener ends after --quiet (3s) without one.
		return bad("--rate", "must be 1 to 50 frames a second")
	case f.only4 && f.only6:
		return bad("-6", "give -4 or -6, not both")
	case p.IsSet("remote") && len(strings.Fields(f.remote)) == 0:
		return bad("--remote", "is empty: give the command line that runs a program on the peer, such as 'ssh root@B'")
	case f.remote == "" && (p.IsSet("remote-iface") || p.IsSet("remote-vrrpprobe")):
		return bad("--remote-iface", "applies only with --remote")
	}
	if f.remoteIface == "" {
		f.remoteIface = f.iface
	}
	l, err := lookupLocal(ps, f.iface)
	if err != nil {
		return err
	}
	fams := l.families(f.only4, f.only6)
	pc := path.PlanConfig{Count: f.count, MAC: l.ifi.HardwareAddr}
	var unicast6 netip.Addr
	for _, fam := range fams {
		if fam == decode.IPv4 {
			pc.IPv4 = &path.Endpoint{Primary: l.v4, UnicastSrc: l.v4, Peer: peer4}
			continue
		}
		ep := &path.Endpoint{Primary: l.ll, UnicastSrc: l.ll, Peer: peer6}
		if peer6.IsValid() && !peer6.IsLinkLocalUnicast() {
			if !l.global.IsValid() {
				return &exitError{code: 2, err: fmt.Errorf("interface %s has no global IPv6 address to send the unicast advert to %s from", l.ifi.Name, peer6)}
			}
			ep.UnicastSrc = l.global
		}
		unicast6 = ep.UnicastSrc
		pc.IPv6 = ep
	}
	if pc.IPv4 == nil && peer4.IsValid() || pc.IPv6 == nil && peer6.IsValid() {
		return bad("", "interface %s cannot send to %s%s: it has no address of that family (or -4/-6 excluded it)", l.ifi.Name, peer4, peer6)
	}

	// Survey: which VRIDs are in use? It sends nothing, so the dry run
	// does it too, and shows the VRID a real run would use.
	var vrid uint8
	{
		w, err := ps.openWire(l.ifi, false)
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		if !f.asJSON {
			fmt.Fprintf(stderr, "listening %s on %s for VRIDs in use\n", f.survey, l.ifi.Name)
		}
		used, err := path.Survey(ctx, w, f.survey)
		w.Close()
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		if vrid, err = path.PickVRID(used, uint8(f.vrid)); err != nil {
			return &exitError{code: 2, err: err}
		}
		if !f.asJSON {
			inUse := "none"
			if l := used.List(); len(l) > 0 {
				inUse = fmt.Sprint(l)
			}
			fmt.Fprintf(stderr, "VRIDs in use on %s: %s; testing with vrid %d\n", l.ifi.Name, inUse, vrid)
		}
	}
	pc.VRID = vrid
	frames, err := path.Plan(pc)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	interval := time.Duration(float64(time.Second) / f.rate)
	if !f.yes {
		fmt.Fprintf(stdout, "dry run (add --yes to send): %d frames on %s, one every %s, vrid %d:\n", len(frames), l.ifi.Name, interval, vrid)
		if err := path.WritePlan(stdout, frames); err != nil {
			return &exitError{code: 2, err: err}
		}
		if f.remote != "" {
			fmt.Fprintf(stdout, "\nthen, on the peer: %s\nand: %s\n",
				strings.Join(remoteListen(f, vrid), " "), strings.Join(remoteSend(f, l, vrid, peer6), " "))
		}
		return nil
	}
	cfg := path.SendConfig{Iface: l.ifi.Name, MAC: l.ifi.HardwareAddr, Sends: pc.Sends(), Frames: frames, Interval: interval}
	if f.remote == "" {
		return sendOnly(ctx, stdout, ps, l, fams, unicast6, cfg, f)
	}
	return sendBoth(ctx, stdout, stderr, ps, l, fams, unicast6, cfg, f, peer4, peer6)
}

func sendOnly(ctx context.Context, stdout io.Writer, ps pathSys, l *local, fams []decode.Family, unicast6 netip.Addr, cfg path.SendConfig, f sendFlags) error {
	s, closeAll, err := l.sockets(ps, true, fams, unicast6)
	if err != nil {
		return err
	}
	log, err := path.Send(ctx, cfg, s)
	closeAll()
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	if f.asJSON {
		if err := (&syncWriter{w: stdout}).json(map[string]any{"sent": log}); err != nil {
			return &exitError{code: 2, err: err}
		}
	} else {
		// The sender alone knows what it sent, whether it left and
		// whether it came back; the listener has the rest.
		v := path.Judge(l.label(), "the peer", log, &path.ListenLog{})
		fmt.Fprintf(stdout, "sent %d frames on %s with vrid %d; the listener on the peer has the verdict\n", len(log.Frames), l.ifi.Name, log.VRID)
		var own []path.Finding
		for _, x := range v.Findings {
			if x.ID == "sender-firewall" || x.ID == "reflected" {
				own = append(own, x)
			}
		}
		path.WriteFindings(stdout, own)
	}
	for _, x := range log.Frames {
		if x.Err != "" && !x.Refused {
			return &exitError{code: 2, err: fmt.Errorf("sending %s: %s", x.ID, x.Err)}
		}
	}
	return nil
}

func remoteListen(f sendFlags, vrid uint8) []string {
	argv := append(strings.Fields(f.remote), f.remoteBin, "path", "listen", "-i", f.remoteIface,
		"--vrid", strconv.Itoa(int(vrid)), "--json", "--stop-on-eof")
	return append(argv, famFlags(f)...)
}

func remoteSend(f sendFlags, l *local, vrid uint8, peer6 netip.Addr) []string {
	argv := append(strings.Fields(f.remote), f.remoteBin, "path", "send", "-i", f.remoteIface,
		"--vrid", strconv.Itoa(int(vrid)), "--count", strconv.Itoa(f.count),
		"--rate", strconv.FormatFloat(f.rate, 'g', -1, 64), "--survey", f.survey.String(), "--json", "--yes")
	argv = append(argv, famFlags(f)...)
	if l.v4.IsValid() && !f.only6 {
		argv = append(argv, l.v4.String())
	}
	switch {
	case f.only4 || !peer6.IsValid():
	case peer6.IsLinkLocalUnicast() && l.ll.IsValid():
		argv = append(argv, l.ll.String())
	case l.global.IsValid():
		argv = append(argv, l.global.String())
	}
	return argv
}

func famFlags(f sendFlags) []string {
	switch {
	case f.only4:
		return []string{"-4"}
	case f.only6:
		return []string{"-6"}
	}
	return nil
}

// bothResult is the JSON of a two-way run.
type bothResult struct {
	VRID       uint8           `json:"vrid"`
	Pass       bool            `json:"pass"`
	Directions []*path.Verdict `json:"directions"`
	OneWay     []path.Finding  `json:"one_way"`
}

// sendBoth runs the listener on the peer while this host sends, then the
// sender on the peer while this host listens, and judges both directions.
func sendBoth(ctx context.Context, stdout, stderr io.Writer, ps pathSys, l *local, fams []decode.Family, unicast6 netip.Addr, cfg path.SendConfig, f sendFlags, peer4, peer6 netip.Addr) error {
	peerLabel := fmt.Sprintf("%s (%s)", peer4, f.remoteIface)
	if !peer4.IsValid() {
		peerLabel = fmt.Sprintf("%s (%s)", peer6, f.remoteIface)
	}
	fail := func(format string, a ...any) error {
		return &exitError{code: 2, err: fmt.Errorf(format, a...)}
	}

	// A -> B: the peer listens, we send.
	rctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	argv := remoteListen(f, cfg.Frames[0].VRID)
	cmd := ps.command(rctx, argv)
	cmd.Stderr = stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return fail("--remote: %v", err)
	}
	outp, err := cmd.StdoutPipe()
	if err != nil {
		return fail("--remote: %v", err)
	}
	if err := cmd.Start(); err != nil {
		return fail("--remote: starting %q: %v", strings.Join(argv, " "), err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := bufio.NewScanner(outp)
	lines.Buffer(make([]byte, 1<<20), 16<<20)
	readLine := func(v any) error {
		if !lines.Scan() {
			if err := lines.Err(); err != nil {
				return err
			}
			return fmt.Errorf("the remote listener ended without output (%q)", strings.Join(argv, " "))
		}
		return json.Unmarshal(lines.Bytes(), v)
	}
	var ready struct{ Ready bool }
	if err := readLine(&ready); err != nil || !ready.Ready {
		return fail("--remote: waiting for the listener on the peer: %v", err)
	}
	s, closeAll, err := l.sockets(ps, true, fams, unicast6)
	if err != nil {
		return err
	}
	sent, err := path.Send(ctx, cfg, s)
	closeAll()
	if err != nil {
		return fail("sending: %v", err)
	}
	in.Close()
	var heard listenResult
	if err := readLine(&heard); err != nil || heard.Listen == nil {
		return fail("--remote: reading the listener's result: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 { // 1: something dropped, a result
			return fail("--remote: the listener on the peer failed: %v", err)
		}
	}
	ab := path.Judge(l.label(), peerLabel, sent, heard.Listen)

	// B -> A: we listen, the peer sends.
	ls, closeL, err := l.sockets(ps, false, fams, netip.Addr{})
	if err != nil {
		return err
	}
	lctx, stopListen := context.WithCancel(ctx)
	defer stopListen()
	type listened struct {
		log *path.ListenLog
		err error
	}
	lc := make(chan listened, 1)
	go func() {
		h, err := path.Listen(lctx, path.ListenConfig{Iface: l.ifi.Name, MAC: l.ifi.HardwareAddr, VRID: cfg.Frames[0].VRID}, ls)
		lc <- listened{h, err}
	}()
	argv = remoteSend(f, l, cfg.Frames[0].VRID, peer6)
	rs := ps.command(rctx, argv)
	rs.Stderr = stderr
	out, err := rs.Output()
	stopListen()
	got := <-lc
	closeL()
	if err != nil {
		return fail("--remote: the sender on the peer failed (%q): %v", strings.Join(argv, " "), err)
	}
	if got.err != nil {
		return fail("%v", got.err)
	}
	var rsent struct{ Sent *path.SendLog }
	if err := json.Unmarshal(out, &rsent); err != nil || rsent.Sent == nil {
		return fail("--remote: reading what the peer sent: %v", err)
	}
	ba := path.Judge(peerLabel, l.label(), rsent.Sent, got.log)

	res := bothResult{VRID: sent.VRID, Directions: []*path.Verdict{ab, ba}, OneWay: path.OneWay(ab, ba)}
	res.Pass = ab.Pass() && ba.Pass() && len(res.OneWay) == 0
	if f.asJSON {
		if err := (&syncWriter{w: stdout}).json(res); err != nil {
			return fail("%v", err)
		}
	} else {
		ew := &syncWriter{w: stdout}
		for i, v := range res.Directions {
			if i > 0 {
				fmt.Fprintln(ew)
			}
			_ = path.WriteVerdict(ew, v)
		}
		if len(res.OneWay) > 0 {
			fmt.Fprintln(ew)
			path.WriteFindings(ew, res.OneWay)
		}
		if ew.err != nil {
			return fail("%v", ew.err)
		}
	}
	if ab.Failed() || ba.Failed() {
		return fail("a sender could not send every frame (see not-sent rows)")
	}
	if !res.Pass {
		return &exitError{code: 1}
	}
	return nil
}

// syncWriter serialises writes from several goroutines and keeps the first
// error.
type syncWriter struct {
	mu  sync.Mutex
	w   io.Writer
	err error
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.write(b)
}

func (s *syncWriter) write(b []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(b)
	s.err = err
	return n, err
}

// do runs fn with the writer held, so its lines stay together.
func (s *syncWriter) do(fn func(w io.Writer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(writerFunc(s.write))
}

func (s *syncWriter) json(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = s.Write(append(b, '\n'))
	return err
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
