package dump_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/lab"
)

// TestLabLiveFilterAsTcpdump: live, on the lab's bridge and on "any", in
// the pure-Go build and the libpcap one, vrrpdump with a tcpdump
// expression reports exactly the routers and groups whose adverts
// tcpdump's same expression lets through on the same interface at the same
// time; an expression that matches nothing ends with "no frame matched"
// (exit 1), not an all-clear.
func TestLabLiveFilterAsTcpdump(t *testing.T) {
	lab.Require(t, lab.NeedKeepalived, lab.NeedTcpdump)
	builds := map[string]string{"pure Go": vrrpdumpBinary(t), "libpcap": lab.BinaryTags(t, "../cmd/vrrpdump", "pcap")}
	l := lab.New(t, lab.Config{Name: "livefilter", Hosts: 2})
	// Each host is the only router, and so the master, of one IPv4 and
	// one IPv6 group, advertising every 200 ms.
	for i, h := range l.Hosts() {
		v4 := kaInstance{Version: 3, VRID: 71 + 2*i, Priority: 200, Interval: "0.2", VIPs: []string{fmt.Sprintf("192.0.2.%d/24", 171+2*i)}}
		v6 := kaInstance{Version: 3, VRID: 72 + 2*i, Priority: 200, Interval: "0.2",
			VIPs: []string{fmt.Sprintf("fe80::%d/64", 72+2*i), fmt.Sprintf("2001:db8:1::%d/64", 172+2*i)}}
		k := h.StartKeepalived(t, kaConf(v4, v6))
		defer k.Stop()
		for _, vrid := range []int{v4.VRID, v6.VRID} {
			k.Await(t, fmt.Sprintf("(VI_%d) Entering MASTER STATE", vrid), 15*time.Second)
		}
	}
	h1 := l.Host(1)
	type capRun struct{ iface, expr string }
	var runs []capRun
	for _, e := range []string{"host 192.0.2.11", "not host 192.0.2.11", "src 192.0.2.12", "dst host 224.0.0.18",
		"net 192.0.2.0/25", "ip6", "ip", "not ip6 and not arp", "src " + h1.LinkLocal().String(),
		"host 192.0.2.11 or ip6 and src " + l.Host(2).LinkLocal().String(), "host 203.0.113.99"} {
		runs = append(runs, capRun{l.BridgeIface(), e})
	}
	runs = append(runs, capRun{"any", "src 192.0.2.12"}, capRun{"any", "ip6 and not src " + h1.LinkLocal().String()})

	const secs = 3
	type started struct {
		capRun
		build string
		p     *lab.Proc
	}
	var procs []started
	tcpdumps := map[capRun]string{}
	dir := t.TempDir()
	for i, r := range runs {
		out := filepath.Join(dir, fmt.Sprintf("tcpdump-%d.pcap", i))
		tcpdumps[r] = out
		procs = append(procs, started{r, "tcpdump", l.Bridge().Start(t, "timeout", "-s", "INT", fmt.Sprint(secs),
			"tcpdump", "-i", r.iface, "-U", "-n", "-w", out, r.expr)})
		for name, bin := range builds {
			args := append([]string{"-i", r.iface, "--json", "--duration", fmt.Sprint(secs) + "s"}, strings.Fields(r.expr)...)
			procs = append(procs, started{r, name, l.Bridge().Start(t, bin, args...)})
		}
	}
	seen := map[string]map[string]bool{} // build/iface/expr -> "src vrid"
	counts := map[string]int{}           // build/iface/expr -> adverts
	for _, s := range procs {
		select {
		case <-s.p.Done():
		case <-time.After(30 * time.Second):
			t.Fatalf("%s -i %s %q did not end", s.build, s.iface, s.expr)
		}
		if s.build == "tcpdump" {
			continue
		}
		err := s.p.Wait()
		got := advertsIn(t, s.p.Log())
		seen[s.build+"/"+s.iface+"/"+s.expr] = got
		counts[s.build+"/"+s.iface+"/"+s.expr] = strings.Count(s.p.Log(), `"kind":"advert"`)
		switch {
		case len(got) == 0 && (err == nil || !strings.Contains(s.p.Log(), "no frame matched on "+s.iface+" with ")):
			t.Errorf("%s vrrpdump -i %s %q matched nothing and did not say so (%v):\n%s", s.build, s.iface, s.expr, err, s.p.Log())
		case len(got) > 0 && err != nil:
			t.Errorf("%s vrrpdump -i %s %q: %v\n%s", s.build, s.iface, s.expr, err, s.p.Log())
		}
	}
	for _, r := range runs {
		out, _, err := run(t, "-r", tcpdumps[r], "--json")
		if err != nil && !strings.Contains(err.Error(), "error findings") {
			t.Fatalf("vrrpdump -r %s (tcpdump -i %s %q): %v", tcpdumps[r], r.iface, r.expr, err)
		}
		want := advertsIn(t, out)
		if r.expr == "host 203.0.113.99" != (len(want) == 0) {
			t.Errorf("tcpdump -i %s %q let through %v", r.iface, r.expr, slices.Sorted(maps.Keys(want)))
		}
		for name := range builds {
			got := seen[name+"/"+r.iface+"/"+r.expr]
			if !maps.Equal(got, want) {
				t.Errorf("%s vrrpdump -i %s %q: adverts from %v, tcpdump %v", name, r.iface, r.expr,
					slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
			}
		}
		t.Logf("-i %s %q: %v", r.iface, r.expr, slices.Sorted(maps.Keys(want)))
	}
	// On any, the pure-Go build shows each advert once, not once per
	// interface it crossed (the bridge port and the bridge).
	anyN, brN := counts["pure Go/any/src 192.0.2.12"], counts["pure Go/"+l.BridgeIface()+"/src 192.0.2.12"]
	if anyN < brN*8/10 || anyN > brN*12/10 {
		t.Errorf("-i any saw %d adverts from 192.0.2.12, -i %s %d in the same %d s", anyN, l.BridgeIface(), brN, secs)
	}
	t.Logf("adverts from 192.0.2.12 in %d s: %d on any, %d on %s", secs, anyN, brN, l.BridgeIface())
}

// advertsIn is the set of "SRC vrid N" of the adverts in vrrpdump's NDJSON.
func advertsIn(t *testing.T, ndjson string) map[string]bool {
	set := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(ndjson))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var a struct {
			Kind, Src string
			VRID      int
		}
		if json.Unmarshal(sc.Bytes(), &a) == nil && a.Kind == "advert" {
			set[fmt.Sprintf("%s vrid %d", a.Src, a.VRID)] = true
		}
	}
	return set
}
