package probe

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/vrrpkit/vrrpkit/decode"
)

func TestAcceptsVIPs(t *testing.T) {
	// RFC 5798 6.4.3: a master accepts packets to the VIPs if it is the
	// owner or in Accept_Mode, and must not otherwise.
	for _, tc := range []struct {
		name   string
		prio   uint8
		accept bool
		want   bool
	}{
		{"owner 255 accepts without Accept_Mode", 255, false, true},
		{"owner 255 with Accept_Mode", 255, true, true},
		{"non-owner in Accept_Mode accepts", 200, true, true},
		{"non-owner without Accept_Mode must not accept", 254, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cfg3(tc.prio)
			c.Accept = tc.accept
			if got := c.AcceptsVIPs(); got != tc.want {
				t.Errorf("AcceptsVIPs = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFilterName(t *testing.T) {
	for _, tc := range []struct {
		ifname string
		fam    decode.Family
		vrid   uint8
		want   string
	}{
		{"eth0", decode.IPv4, 51, "vrrpprobe-eth0-v4-51"},
		{"vrrpkit6.255", decode.IPv6, 255, "vrrpprobe-if7-v6-255"}, // 29 bytes: too long for iptables
		{"vrrpkit4.51", decode.IPv4, 51, "vrrpprobe-vrrpkit4.51-v4-51"},
		{"en@p0", decode.IPv4, 1, "vrrpprobe-if7-v4-1"},
	} {
		if got := FilterName(tc.ifname, 7, tc.fam, tc.vrid); got != tc.want {
			t.Errorf("FilterName(%q, 7, %s, %d) = %q, want %q", tc.ifname, tc.fam, tc.vrid, got, tc.want)
		}
	}
}

// fakeRunner records commands and fails those matching a prefix.
type fakeRunner struct {
	ran    []string
	fail   map[string]string // command prefix -> error text
	absent map[string]bool   // binaries not in PATH
}

func (r *fakeRunner) run(_ context.Context, stdin, name string, args ...string) ([]byte, error) {
	c := strings.Join(append([]string{name}, args...), " ")
	if stdin != "" {
		c += " <<" + stdin
	}
	r.ran = append(r.ran, c)
	for p, e := range r.fail {
		if strings.HasPrefix(c, p) {
			return nil, fmt.Errorf("%s: exit status 1: %s", c, e)
		}
	}
	return nil, nil
}

func (r *fakeRunner) look(bin string) (string, error) {
	if r.absent[bin] {
		return "", errors.New("executable file not found in $PATH")
	}
	return "/usr/sbin/" + bin, nil
}

func TestVIPFilter(t *testing.T) {
	v4 := []netip.Addr{vip4, netip.MustParseAddr("192.0.2.101")}
	v6 := []netip.Addr{vip6a, vip6b}
	const name = "vrrpprobe-eth0-v4-51"
	nft4 := "nft -f - <<create table inet " + name + "\n" +
		"add chain inet " + name + " input { type filter hook input priority -1; policy accept; }\n" +
		"add rule inet " + name + ` input ip daddr { 192.0.2.100, 192.0.2.101 } counter drop comment "vrrpprobe: not Accept_Mode (RFC 5798 6.4.3)"` + "\n"
	const comment = ` -m comment --comment vrrpprobe: not Accept_Mode (RFC 5798 6.4.3) -j DROP`
	ipt4 := []string{
		"iptables -w 5 -N " + name,
		"iptables -w 5 -A " + name + " -d 192.0.2.100" + comment,
		"iptables -w 5 -A " + name + " -d 192.0.2.101" + comment,
		"iptables -w 5 -I INPUT -j " + name,
	}
	iptUndo := []string{"iptables -w 5 -D INPUT -j " + name, "iptables -w 5 -F " + name, "iptables -w 5 -X " + name}
	tests := []struct {
		name      string
		vips      []netip.Addr
		r         fakeRunner
		wantErr   string
		exists    bool
		installed string
		want      []string // commands of install, then of remove
	}{
		{
			name: "nft", vips: v4, installed: "nft",
			want: []string{nft4, "nft delete table inet " + name},
		},
		{
			name: "nft IPv6 lets neighbour discovery pass", vips: v6, installed: "nft",
			want: []string{"nft -f - <<create table inet " + name + "\n" +
				"add chain inet " + name + " input { type filter hook input priority -1; policy accept; }\n" +
				"add rule inet " + name + " input ip6 daddr { fe80::53, 2001:db8:1::100 } icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n" +
				"add rule inet " + name + ` input ip6 daddr { fe80::53, 2001:db8:1::100 } counter drop comment "vrrpprobe: not Accept_Mode (RFC 5798 6.4.3)"` + "\n",
				"nft delete table inet " + name},
		},
		{
			name: "nft missing: iptables", vips: v4, installed: "iptables",
			r:    fakeRunner{absent: map[string]bool{"nft": true}},
			want: append(ipt4, iptUndo...),
		},
		{
			name: "nft fails: iptables", vips: v4, installed: "iptables",
			r:    fakeRunner{fail: map[string]string{"nft": "Error: Could not process rule: Operation not supported"}},
			want: append(append([]string{nft4}, ipt4...), iptUndo...),
		},
		{
			name: "ip6tables lets neighbour discovery pass", vips: v6, installed: "ip6tables",
			r: fakeRunner{absent: map[string]bool{"nft": true}},
			want: []string{
				"ip6tables -w 5 -N " + name,
				"ip6tables -w 5 -A " + name + " -p icmpv6 --icmpv6-type neighbour-solicitation -j RETURN",
				"ip6tables -w 5 -A " + name + " -p icmpv6 --icmpv6-type neighbour-advertisement -j RETURN",
				"ip6tables -w 5 -A " + name + " -d fe80::53" + comment,
				"ip6tables -w 5 -A " + name + " -d 2001:db8:1::100" + comment,
				"ip6tables -w 5 -I INPUT -j " + name,
				"ip6tables -w 5 -D INPUT -j " + name, "ip6tables -w 5 -F " + name, "ip6tables -w 5 -X " + name,
			},
		},
		{
			name: "nft table exists: refused, no fallback", vips: v4, exists: true,
			r:       fakeRunner{fail: map[string]string{"nft": "Error: Could not process rule: File exists"}},
			wantErr: "nft delete table inet " + name,
			want:    []string{nft4},
		},
		{
			name: "iptables chain exists: refused, nothing removed", vips: v4, exists: true,
			r:       fakeRunner{absent: map[string]bool{"nft": true}, fail: map[string]string{"iptables -w 5 -N": "iptables: Chain already exists."}},
			wantErr: "iptables -X " + name,
			want:    ipt4[:1],
		},
		{
			name: "iptables fails half-way: undone", vips: v4,
			r:       fakeRunner{absent: map[string]bool{"nft": true}, fail: map[string]string{"iptables -w 5 -A " + name + " -d 192.0.2.101": "iptables: No chain/target/match by that name."}},
			wantErr: "No chain/target/match",
			want:    append(ipt4[:3:3], iptUndo[1:]...),
		},
		{
			name: "neither", vips: v4,
			r:       fakeRunner{absent: map[string]bool{"nft": true, "iptables": true}},
			wantErr: "iptables not found",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r
			var logs []string
			f := &vipFilter{name: name, run: r.run, look: r.look, logf: func(format string, a ...any) { logs = append(logs, fmt.Sprintf(format, a...)) }}
			err := f.install(tc.vips)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("install: %v, want an error containing %q", err, tc.wantErr)
				}
				if errors.Is(err, ErrFilterExists) != tc.exists {
					t.Errorf("install: %v: errors.Is(ErrFilterExists) = %v, want %v", err, !tc.exists, tc.exists)
				}
				if f.using != "" {
					t.Errorf("after a failed install the filter is %q, want nothing", f.using)
				}
			} else {
				if err != nil {
					t.Fatalf("install: %v", err)
				}
				if f.using != tc.installed {
					t.Errorf("installed with %q, want %q", f.using, tc.installed)
				}
				if err := f.remove(); err != nil {
					t.Fatalf("remove: %v", err)
				}
				if err := f.remove(); err != nil { // twice is harmless
					t.Fatalf("second remove: %v", err)
				}
			}
			if !reflect.DeepEqual(r.ran, tc.want) {
				t.Errorf("commands:\n%s\nwant:\n%s", strings.Join(r.ran, "\n"), strings.Join(tc.want, "\n"))
			}
			t.Logf("log: %q", logs)
		})
	}
}
