package capture

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/google/gopacket"
	"golang.org/x/net/bpf"

	"github.com/vrrpkit/vrrpkit/decode/filter"
)

// LiveFilter is the kernel program of a live capture: vrrpkit's own
// filter (filter.VRRP) narrowed by the user's tcpdump expression, if any,
// for frames as link l presents them, cut to snaplen.
func LiveFilter(expr string, l filter.Link, snaplen uint32) ([]bpf.Instruction, error) {
	e := filter.VRRP()
	if strings.TrimSpace(expr) != "" {
		user, err := UserFilter(expr, l)
		if err != nil {
			return nil, err
		}
		e = filter.And(e, user)
	}
	return filter.Compile(e, filter.Target{Link: l, Kernel: true, Snaplen: snaplen})
}

// UserFilter compiles a tcpdump expression with decode/filter, or, for
// what that does not cover, with `tcpdump -ddd` when tcpdump is installed
// (its program then applies to untagged frames, as tcpdump's does, and
// must come last in an And).
func UserFilter(expr string, l filter.Link) (filter.Expr, error) {
	e, err := filter.Parse(expr)
	if err == nil || !errors.Is(err, filter.ErrUnsupported) {
		return e, err
	}
	prog, terr := tcpdumpProgram(expr, l)
	if terr != nil {
		return nil, fmt.Errorf("%w; %w", err, terr)
	}
	return filter.FromLibpcap(prog, l)
}

// errNoTcpdump is the advice when an expression needs tcpdump.
var errNoTcpdump = errors.New("tcpdump, which would compile it, is not installed: install tcpdump, or narrow with host, net, src, dst, ip, ip6, proto, vlan, ether, and, or, not")

func tcpdumpProgram(expr string, l filter.Link) ([]bpf.Instruction, error) {
	path, err := exec.LookPath("tcpdump")
	if err != nil {
		return nil, errNoTcpdump
	}
	dlt := map[filter.Link]string{filter.Ethernet: "EN10MB", filter.Cooked: "LINUX_SLL", filter.CookedLive: "LINUX_SLL", filter.Raw: "RAW"}[l]
	var stderr bytes.Buffer
	cmd := exec.Command(path, "-y", dlt, "-ddd", expr)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(stderr.String()), "tcpdump: "))
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("tcpdump cannot compile it either: %s", msg)
	}
	return filter.ParseDDD(string(out))
}

// FileLink is how decode/filter reads frames of pcap link type lt.
func FileLink(lt uint32) (filter.Link, error) {
	switch lt {
	case 1:
		return filter.Ethernet, nil
	case 113:
		return filter.Cooked, nil
	case 12, 14, 101, 228, 229:
		return filter.Raw, nil
	}
	return 0, fmt.Errorf("a filter expression on frames of link type %d is not supported: filter with tcpdump -r FILE -w OUT EXPR first", lt)
}

// Filtered is src with only the frames the tcpdump expression accepts,
// as `tcpdump -r FILE -w - EXPR` writes them: run in Go over every frame
// by the program live capture would use (without vrrpkit's own filter, so
// a file's frames are counted as tcpdump counts them).
func Filtered(src Source, expr string) (Source, error) {
	l, err := FileLink(src.LinkType())
	if err != nil {
		return nil, err
	}
	user, err := UserFilter(expr, l)
	if err != nil {
		return nil, err
	}
	prog, err := filter.Compile(user, filter.Target{Link: l})
	if err != nil {
		return nil, err
	}
	m, err := filter.NewMatcher(prog)
	if err != nil {
		return nil, err
	}
	return &filtered{Source: src, m: m}, nil
}

type filtered struct {
	Source
	m *filter.Matcher
}

func (f *filtered) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	for {
		data, ci, err := f.Source.ZeroCopyReadPacketData()
		if err != nil || f.m.Match(data) {
			return data, ci, err
		}
	}
}

func (f *filtered) ReadFrame() ([]byte, int64, error) {
	for {
		data, ts, err := f.Source.ReadFrame()
		if err != nil || f.m.Match(data) {
			return data, ts, err
		}
	}
}
