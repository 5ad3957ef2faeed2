// Package tcpdump compiles a tcpdump filter expression for vrrpkit:
// decode/filter's own compiler, and `tcpdump -ddd` for what it does not
// cover (ports, host names, arithmetic) when tcpdump is installed.
package tcpdump

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"golang.org/x/net/bpf"

	"github.com/vrrpkit/vrrpkit/decode/filter"
)

// Compile compiles a tcpdump expression with decode/filter, or, for
// what that does not cover, with `tcpdump -ddd` when tcpdump is installed
// (its program then applies to untagged frames, as tcpdump's does, and
// must come last in an And).
func Compile(expr string, l filter.Link) (filter.Expr, error) {
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
