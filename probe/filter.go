package probe

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
)

// Accept_Mode (RFC 5798 6.4.3): a master that is neither the address owner
// nor in Accept_Mode must not accept packets addressed to the virtual
// addresses. As keepalived does, the speaker has the host's firewall drop
// them: an nftables table of its own, or, when nft is missing or fails, an
// iptables chain of its own. Only packets delivered to this host (the input
// hook) are dropped, and for IPv6 neighbour solicitations and advertisements
// pass, so that neighbour discovery for the VIPs keeps working.

// ErrFilterExists: a table or chain of the name the speaker would use is
// already there: another vrrpprobe speaker for the same router runs on this
// host, or a killed one left it behind.
var ErrFilterExists = errors.New("a vrrpprobe filter of that name exists")

// FilterName returns the name of the nftables table (family inet) or
// iptables chain that drops packets to the VIPs of virtual router vrid of
// family fam on interface ifname: vrrpprobe-eth0-v4-51. When the interface
// name would make it longer than the 28 bytes iptables allows, or holds
// characters nft does not take in a name, the interface index stands in:
// vrrpprobe-if12-v4-51.
func FilterName(ifname string, ifindex int, fam decode.Family, vrid uint8) string {
	n := fmt.Sprintf("vrrpprobe-%s-v%d-%d", ifname, fam, vrid)
	if len(n) > 28 || !filterNameRE.MatchString(n) {
		n = fmt.Sprintf("vrrpprobe-if%d-v%d-%d", ifindex, fam, vrid)
	}
	return n
}

var filterNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)

const filterComment = "vrrpprobe: not Accept_Mode (RFC 5798 6.4.3)"

// nftScript returns the nft script that creates table name (failing if it
// exists) with one input chain dropping packets addressed to vips.
func nftScript(name string, vips []netip.Addr) string {
	ip := "ip"
	if len(vips) > 0 && vips[0].Is6() {
		ip = "ip6"
	}
	set := make([]string, len(vips))
	for i, v := range vips {
		set[i] = v.String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "create table inet %s\n", name)
	fmt.Fprintf(&b, "add chain inet %s input { type filter hook input priority -1; policy accept; }\n", name)
	if ip == "ip6" {
		fmt.Fprintf(&b, "add rule inet %s input ip6 daddr { %s } icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n",
			name, strings.Join(set, ", "))
	}
	fmt.Fprintf(&b, "add rule inet %s input %s daddr { %s } counter drop comment %q\n", name, ip, strings.Join(set, ", "), filterComment)
	return b.String()
}

// iptablesRules returns the iptables (or ip6tables) argument lists that
// fill chain name, in order; the chain's creation and the jump from INPUT
// come before and after them.
func iptablesRules(name string, vips []netip.Addr) [][]string {
	var rules [][]string
	if len(vips) > 0 && vips[0].Is6() {
		for _, typ := range []string{"neighbour-solicitation", "neighbour-advertisement"} {
			rules = append(rules, []string{"-A", name, "-p", "icmpv6", "--icmpv6-type", typ, "-j", "RETURN"})
		}
	}
	for _, v := range vips {
		rules = append(rules, []string{"-A", name, "-d", v.String(), "-m", "comment", "--comment", filterComment, "-j", "DROP"})
	}
	return rules
}

// runner runs a command with stdin and returns its combined output.
type runner func(ctx context.Context, stdin, name string, args ...string) ([]byte, error)

// filterTimeout bounds each nft or iptables command.
const filterTimeout = 10 * time.Second

// vipFilter installs and removes the drop rule for one virtual router.
type vipFilter struct {
	name string
	run  runner
	look func(string) (string, error) // exec.LookPath in PATH
	logf func(string, ...any)
	// record, if set, is told the table or chain before it is created,
	// and nil once it is gone or was never made.
	record func(*FilterRecord) error

	vips  []netip.Addr
	using string // "nft", "iptables" or "ip6tables" once installed; "" otherwise
	steps [][]string
}

// install creates the table with nft; if nft is missing, or fails for
// another reason than the table existing, it creates the chain with
// iptables instead. On error nothing of it is left.
func (f *vipFilter) install(vips []netip.Addr) error {
	if f.using != "" {
		return nil
	}
	f.vips = vips
	var nftErr error
	if _, err := f.look("nft"); err != nil {
		nftErr = fmt.Errorf("nft not found: %w", err)
	} else {
		if err := f.note(&FilterRecord{"nft", f.name}); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), filterTimeout)
		_, err := f.run(ctx, nftScript(f.name, vips), "nft", "-f", "-")
		cancel()
		if err != nil {
			if rerr := f.note(nil); rerr != nil {
				return errors.Join(err, rerr)
			}
		}
		if err == nil {
			f.using = "nft"
			f.logf("not Accept_Mode: nft table inet %s drops packets to %v", f.name, addrsString(vips))
			return nil
		}
		if strings.Contains(err.Error(), "File exists") {
			return fmt.Errorf("nft table inet %s: %w (delete it with: nft delete table inet %s)", f.name, ErrFilterExists, f.name)
		}
		nftErr = err
	}
	bin := "iptables"
	if len(vips) > 0 && vips[0].Is6() {
		bin = "ip6tables"
	}
	if _, err := f.look(bin); err != nil {
		return errors.Join(nftErr, fmt.Errorf("%s not found: %w", bin, err))
	}
	f.logf("nft unusable (%v): using %s", nftErr, bin)
	if err := f.note(&FilterRecord{bin, f.name}); err != nil {
		return err
	}
	if _, err := f.ipt(bin, "-N", f.name); err != nil {
		if rerr := f.note(nil); rerr != nil {
			return errors.Join(err, rerr)
		}
		if strings.Contains(err.Error(), "exists") {
			return fmt.Errorf("%s chain %s: %w (delete it with: %s -F %s; %s -X %s)", bin, f.name, ErrFilterExists, bin, f.name, bin, f.name)
		}
		return errors.Join(nftErr, err)
	}
	f.using, f.steps = bin, nil
	for _, r := range append(iptablesRules(f.name, vips), []string{"-I", "INPUT", "-j", f.name}) {
		if _, err := f.ipt(bin, r...); err != nil {
			return errors.Join(nftErr, err, f.remove())
		}
		f.steps = append(f.steps, r)
	}
	f.logf("not Accept_Mode: %s chain %s (jumped to from INPUT) drops packets to %v", bin, f.name, addrsString(vips))
	return nil
}

// remove deletes what install created.
func (f *vipFilter) remove() error {
	switch f.using {
	case "":
		return nil
	case "nft":
		ctx, cancel := context.WithTimeout(context.Background(), filterTimeout)
		defer cancel()
		if _, err := f.run(ctx, "", "nft", "delete", "table", "inet", f.name); err != nil && !strings.Contains(err.Error(), "No such file") {
			return fmt.Errorf("removing nft table inet %s: %w", f.name, err)
		}
	default:
		bin := f.using
		var errs []error
		if len(f.steps) > 0 && f.steps[len(f.steps)-1][0] == "-I" {
			if _, err := f.ipt(bin, "-D", "INPUT", "-j", f.name); err != nil {
				errs = append(errs, err)
			}
		}
		for _, r := range [][]string{{"-F", f.name}, {"-X", f.name}} {
			if _, err := f.ipt(bin, r...); err != nil {
				errs = append(errs, err)
			}
		}
		if len(errs) > 0 {
			return fmt.Errorf("removing %s chain %s: %w", bin, f.name, errors.Join(errs...))
		}
	}
	f.using, f.steps = "", nil
	return f.note(nil)
}

// note records r (nil: nothing) when a recorder is set.
func (f *vipFilter) note(r *FilterRecord) error {
	if f.record == nil {
		return nil
	}
	return f.record(r)
}

// ipt runs bin with the xtables lock wait (one lock file for all
// namespaces).
func (f *vipFilter) ipt(bin string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), filterTimeout)
	defer cancel()
	return f.run(ctx, "", bin, append([]string{"-w", "5"}, args...)...)
}

func addrsString(vips []netip.Addr) string {
	s := make([]string, len(vips))
	for i, v := range vips {
		s[i] = v.String()
	}
	return strings.Join(s, ", ")
}
