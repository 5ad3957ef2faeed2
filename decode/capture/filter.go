package capture

import (
	"fmt"

	"github.com/google/gopacket"
	"golang.org/x/net/bpf"

	"github.com/vrrpkit/vrrpkit/decode/filter"
)

// LiveFilter is the kernel program of a live capture: vrrpkit's own
// filter (filter.VRRP) narrowed by the user's expression (nil: none; see
// decode/filter/tcpdump.Compile), for frames as link l presents them, cut
// to snaplen.
func LiveFilter(user filter.Expr, l filter.Link, snaplen uint32) ([]bpf.Instruction, error) {
	e := filter.VRRP()
	if user != nil {
		e = filter.And(e, user)
	}
	return filter.Compile(e, filter.Target{Link: l, Kernel: true, Snaplen: snaplen})
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

// Filtered is src with only the frames the user's expression accepts, as
// `tcpdump -r FILE -w - EXPR` writes them: compile returns the expression
// for the file's link (decode/filter/tcpdump.Compile), which runs in Go
// over every frame (without vrrpkit's own filter, so a file's frames are
// counted as tcpdump counts them).
func Filtered(src Source, compile func(filter.Link) (filter.Expr, error)) (Source, error) {
	l, err := FileLink(src.LinkType())
	if err != nil {
		return nil, err
	}
	user, err := compile(l)
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
