package probe

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/vrrpkit/vrrpkit/decode"
)

// TestStateFile: every Update is on disk at once (what a SIGKILL leaves is
// what was recorded), Remove refuses while something is not undone, and
// Describe gives the command that removes each leftover by hand.
func TestStateFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run", StateFileName("eth0", decode.IPv4, 51, ""))
	if filepath.Base(path) != "probe-eth0-v4-51.json" || StateFileName("eth0", decode.IPv6, 7, "4026532") != "probe-eth0-v6-7.netns-4026532.json" {
		t.Errorf("state file names %s, %s", filepath.Base(path), StateFileName("eth0", decode.IPv6, 7, "4026532"))
	}
	st, err := CreateStateFile(path, Leftovers{Pid: 42, Start: 7, Netns: "net:[1]", Interface: "eth0", Family: decode.IPv4, VRID: 51})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CreateStateFile(path, Leftovers{}); !errors.Is(err, os.ErrExist) {
		t.Errorf("second CreateStateFile: %v, want ErrExist", err)
	}
	vip := netip.MustParseAddr("192.0.2.100")
	steps := []func(*Leftovers){
		func(l *Leftovers) { l.Macvlan = "vrrpkit4.51" },
		func(l *Leftovers) {
			l.Sysctls = append(l.Sysctls, SysctlChange{"/proc/sys/net/ipv4/conf/eth0/arp_ignore", "0", "1"})
		},
		func(l *Leftovers) { l.Filter = &FilterRecord{"nft", "vrrpprobe-vrrpkit4.51-v4-51"} },
		func(l *Leftovers) { l.addAddr("vrrpkit4.51", vip) },
	}
	for i, step := range steps {
		if err := st.Update(step); err != nil {
			t.Fatal(err)
		}
		got, err := ReadLeftovers(path)
		if err != nil {
			t.Fatal(err)
		}
		if want := st.Leftovers(); !reflect.DeepEqual(*got, want) {
			t.Errorf("after step %d the file holds %+v, want %+v", i, *got, want)
		}
	}
	if err := st.Remove(); err == nil || !strings.Contains(err.Error(), "ip link del vrrpkit4.51") {
		t.Errorf("Remove with leftovers: %v", err)
	}
	l := st.Leftovers()
	want := []string{
		"nft table inet vrrpprobe-vrrpkit4.51-v4-51 (nft delete table inet vrrpprobe-vrrpkit4.51-v4-51)",
		"address 192.0.2.100 on vrrpkit4.51 (ip addr del 192.0.2.100/32 dev vrrpkit4.51)",
		"macvlan vrrpkit4.51 on eth0 (ip link del vrrpkit4.51)",
		"/proc/sys/net/ipv4/conf/eth0/arp_ignore set to 1, was 0 (echo 0 > /proc/sys/net/ipv4/conf/eth0/arp_ignore)",
	}
	if got := l.Describe(); !reflect.DeepEqual(got, want) {
		t.Errorf("Describe:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if err := st.Update(func(l *Leftovers) {
		l.Macvlan, l.Sysctls, l.Filter = "", nil, nil
		l.dropAddr("vrrpkit4.51", vip)
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state file still there: %v", err)
	}
	if err := os.WriteFile(path, []byte(`{"format": 9}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadLeftovers(path); err == nil || !strings.Contains(err.Error(), "format 9") {
		t.Errorf("unknown format: %v", err)
	}
}
