package iproute_test

import (
	"os"
	"slices"
	"testing"

	"github.com/vrrpkit/vrrpkit/internal/iproute"
)

// The fixtures are iproute2's own output (ip -j -d link/addr show) in a
// namespace with a veth and the macvlan FRR's vrrpd would use for VRID 51.
func read(t *testing.T, name string) map[string]iproute.Link {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := iproute.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]iproute.Link{}
	for _, l := range ls {
		m[l.Name] = l
	}
	return m
}

func TestParse(t *testing.T) {
	links := read(t, "link.json")
	mv := links["vrrp4-2-1"]
	if kind, mode := mv.Kind(); kind != "macvlan" || mode != "bridge" || mv.Parent != "veth0" || mv.MAC != "00:00:5e:00:01:33" ||
		mv.GenMode != "random" || !slices.Contains(mv.Flags, "UP") || mv.ProtoDown {
		t.Errorf("macvlan: %+v", mv)
	}
	lo := links["lo"]
	if kind, _ := lo.Kind(); kind != "" || lo.GenMode != "eui64" {
		t.Errorf("lo: %+v", lo)
	}
	veth := read(t, "addr.json")["veth0"]
	var addrs []string
	for _, a := range veth.Addrs {
		addrs = append(addrs, a.Local)
	}
	if kind, _ := veth.Kind(); kind != "veth" || !slices.Contains(addrs, "192.0.2.11") || !slices.Contains(addrs, "2001:db8::11") || veth.Index == 0 {
		t.Errorf("veth0: %+v, addresses %v", veth, addrs)
	}
	if _, err := iproute.Parse([]byte("Object \"nonsense\" is unknown")); err == nil {
		t.Error("text that is not JSON parsed without an error")
	}
}
