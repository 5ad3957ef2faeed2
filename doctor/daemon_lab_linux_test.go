package doctor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/doctor"
	"github.com/vrrpkit/vrrpkit/internal/lab"
)

// The daemon-state lab tests plant faults in a real keepalived pair (and an
// FRR pair) and run the real vrrpdoctor, which signals keepalived for its
// dumps. Several faults share one keepalived start, each in an instance of
// its own (own VRID), so they do not interfere.

// doctorJSON runs vrrpdoctor --json once in h's namespace and renders the
// text report from the same results (one run: --listen costs its duration).
func doctorJSON(t *testing.T, h *lab.Host, args ...string) *report {
	t.Helper()
	r, err := doctorRun(doctorBinary(t), h, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("vrrpdoctor %s on %s (%s):\n%s", strings.Join(args, " "), h.Name(), r.took.Round(time.Millisecond), r.text)
	return r
}

// doctorRun is doctorJSON without t, for runs on several hosts at once.
func doctorRun(bin string, h *lab.Host, args ...string) (*report, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	out, err := h.Run(ctx, bin, append(args, "--json")...)
	r := &report{}
	i := bytes.IndexByte(out, '{')
	if i < 0 {
		return nil, fmt.Errorf("vrrpdoctor --json on %s printed no JSON: %v\n%s", h.Name(), err, out)
	}
	if jerr := json.NewDecoder(bytes.NewReader(out[i:])).Decode(r); jerr != nil {
		return nil, fmt.Errorf("vrrpdoctor --json on %s: %v (%v)\n%s", h.Name(), jerr, err, out)
	}
	if err != nil && !strings.Contains(err.Error(), "exit status 1") {
		return nil, fmt.Errorf("vrrpdoctor on %s failed as a tool: %v\n%s", h.Name(), err, out)
	}
	var b bytes.Buffer
	if err := doctor.WriteText(&b, r.Checks, doctor.TextOptions{}); err != nil {
		return nil, err
	}
	r.text = b.String()
	r.took = time.Since(start)
	return r, nil
}

// has asserts a result of check id for subject with status st whose
// message (first) and message, evidence and fix (rest) contain the strings.
func (r *report) has(t *testing.T, id, subject string, st doctor.Status, inMessage string, anywhere ...string) {
	t.Helper()
	var seen []string
	for _, c := range r.find(id, subject) {
		all := c.Message + "\n" + strings.Join(c.Evidence, "\n") + "\n" + c.Fix
		ok := c.Status == st && strings.Contains(c.Message, inMessage)
		for _, s := range anywhere {
			ok = ok && strings.Contains(all, s)
		}
		if ok {
			return
		}
		seen = append(seen, fmt.Sprintf("%s: %s\n%s", c.Status, c.Message, all))
	}
	t.Errorf("no %s %s for %s with %q and %q; results:\n%s", st, id, subject, inMessage, anywhere, strings.Join(seen, "\n---\n"))
}

// scriptDir holds the track scripts outside /tmp: the lab's keepalived has
// a private /tmp (as under systemd's PrivateTmp), so a script under the
// test's /tmp would not exist for it.
func scriptDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/run", "vrrpkit-doctor-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	ww := filepath.Join(dir, "ww")
	for _, err := range []error{
		os.Chmod(dir, 0o755),
		os.WriteFile(filepath.Join(dir, "ok.sh"), []byte("#!/bin/sh\nexit 0\n"), 0o755),
		os.WriteFile(filepath.Join(dir, "fail.sh"), []byte("#!/bin/sh\nexit 1\n"), 0o755),
		os.Mkdir(ww, 0o777),
		os.Chmod(ww, 0o777), // beyond the umask: world-writable, as script security refuses
		os.WriteFile(filepath.Join(ww, "insecure.sh"), []byte("#!/bin/sh\nexit 0\n"), 0o755),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// pairConf is one node's keepalived.conf with one fault per instance.
type pairConf struct {
	prio       int    // VI_1..VI_5
	advertInt4 int    // VI_4's advert_int
	pass5      string // VI_5's auth_pass
	prio6      int    // VI_6's priority
	peers6     string // VI_6's unicast_peer
	src7       string // VI_7's unicast_src_ip
	peer7      string
	chkFail    string // chk_fail's script: fail.sh on host 1, ok.sh on host 2
}

func (c pairConf) render(dir, src string) string {
	return fmt.Sprintf(`global_defs {
    vrrp_version 2
    enable_script_security
    script_user root
}
vrrp_script chk_weak {
    script "%[1]s/ok.sh"
    interval 1
    weight 2
}
vrrp_script chk_strong {
    script "%[1]s/ok.sh"
    interval 1
    weight -60
}
vrrp_script chk_insecure {
    script "%[1]s/ww/insecure.sh"
    interval 1
    weight -60
}
vrrp_script chk_fail {
    script "%[1]s/%[10]s"
    interval 1
    weight -60
}
# VI_1: a weight that can never move the VIP, one that can, one script
# that script security refuses.
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority %[2]d
    advert_int 1
    track_script {
        chk_weak
        chk_strong
        chk_insecure
    }
    virtual_ipaddress {
        192.0.2.101/24
    }
}
# VI_2: a failing track script pulls the priority below the peer.
vrrp_instance VI_2 {
    state BACKUP
    interface eth0
    virtual_router_id 52
    priority %[2]d
    advert_int 1
    track_script {
        chk_fail
    }
    virtual_ipaddress {
        192.0.2.102/24
    }
}
# VI_3: a tracked interface without weight (down on host 1: FAULT).
vrrp_instance VI_3 {
    state BACKUP
    interface eth0
    virtual_router_id 53
    priority %[2]d
    advert_int 1
    track_interface {
        trk0
    }
    virtual_ipaddress {
        192.0.2.103/24
    }
}
# VI_4: advert_int differs between the nodes.
vrrp_instance VI_4 {
    state BACKUP
    interface eth0
    virtual_router_id 54
    priority %[2]d
    advert_int %[3]d
    virtual_ipaddress {
        192.0.2.104/24
    }
}
# VI_5: auth_pass differs between the nodes.
vrrp_instance VI_5 {
    state BACKUP
    interface eth0
    virtual_router_id 55
    priority %[2]d
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass %[4]s
    }
    virtual_ipaddress {
        192.0.2.105/24
    }
}
# VI_6: unicast; host 2 does not list host 1.
vrrp_instance VI_6 {
    state BACKUP
    interface eth0
    virtual_router_id 56
    priority %[5]d
    advert_int 1
    unicast_src_ip %[8]s
    unicast_peer {
        %[6]s
    }
    virtual_ipaddress {
        192.0.2.106/24
    }
}
# VI_7: unicast_src_ip (wrong on host 2).
vrrp_instance VI_7 {
    state BACKUP
    interface eth0
    virtual_router_id 57
    priority %[2]d
    advert_int 1
    unicast_src_ip %[7]s
    unicast_peer {
        %[9]s
    }
    virtual_ipaddress {
        192.0.2.107/24
    }
}
`, dir, c.prio, c.advertInt4, c.pass5, c.prio6, c.peers6, c.src7, src, c.peer7, c.chkFail)
}

// settled waits for each "(VI_n) Entering X STATE" line.
func settled(t *testing.T, d *lab.Daemon, lines ...string) {
	t.Helper()
	for _, l := range lines {
		d.Await(t, l, 30*time.Second)
	}
}

func TestLabKeepalivedDaemonState(t *testing.T) {
	lab.Require(t, lab.NeedKeepalived, lab.NeedIptables, lab.NeedNft)
	l := lab.New(t, lab.Config{Hosts: 2})
	h1, h2 := l.Host(1), l.Host(2)
	a1, a2 := h1.IPv4().Addr().String(), h2.IPv4().Addr().String()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	for _, h := range []*lab.Host{h1, h2} {
		// trk0, the tracked interface: a veth pair inside the host.
		if out, err := h.Run(ctx, "sh", "-c", "ip link add trk0 type veth peer name trk1 && ip link set trk1 up && ip link set trk0 up"); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
	}
	for _, h := range []*lab.Host{h1, h2} {
		waitCarrier(t, h, "trk0") // keepalived must see trk0 up at start
	}
	dir := scriptDir(t)
	c1 := pairConf{prio: 150, advertInt4: 1, pass5: "secret1", prio6: 100, peers6: a2, src7: a1, peer7: a2, chkFail: "fail.sh"}
	c2 := pairConf{prio: 100, advertInt4: 2, pass5: "secret2", prio6: 200, peers6: "192.0.2.13", src7: "192.0.2.99", peer7: a1, chkFail: "ok.sh"}
	o := lab.KeepalivedOptions{PrivateTmp: true, AllowConfigErrors: true} // --config-test warns about chk_insecure
	d1 := h1.StartKeepalivedWith(t, c1.render(dir, a1), o)
	d2 := h2.StartKeepalivedWith(t, c2.render(dir, a2), o)
	if out, err := h1.Run(ctx, "ip", "link", "set", "trk0", "down"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	faultRE := func(in string) *regexp.Regexp { return regexp.MustCompile(`\(` + in + `\):? [Ee]ntering FAULT`) }
	for _, w := range []struct {
		d  *lab.Daemon
		in string
	}{{d1, "VI_3"}, {d2, "VI_7"}} {
		if _, err := w.d.WaitLogRegexp(ctx, faultRE(w.in)); err != nil {
			t.Fatal(err)
		}
	}
	settled(t, d1, "(VI_1) Entering MASTER", "(VI_4) Entering MASTER", "(VI_5) Entering MASTER", "(VI_6) Entering MASTER", "(VI_7) Entering MASTER")
	settled(t, d2, "(VI_2) Entering MASTER", "(VI_4) Entering MASTER", "(VI_5) Entering MASTER", "(VI_6) Entering MASTER")

	fw1, fw2 := hostConfig(t, h1), hostConfig(t, h2)
	pids1, pids2 := d1.Pids(), d2.Pids()
	d1.Mark()
	// Both nodes at once, over the same 4 s: of two masters rejecting each
	// other's password one may fall silent for a while (keepalived re-arms
	// its advert timer on every advert it discards), so the rising counter
	// is asserted on whichever node heard the other in that window.
	bin := doctorBinary(t)
	var r1, r2 *report
	var e1, e2 error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		r1, e1 = doctorRun(bin, h1, "--config", filepath.Join(d1.Dir(), "keepalived.conf"), "--peer-config", filepath.Join(d2.Dir(), "keepalived.conf"), "--listen", "4s")
	}()
	go func() {
		defer wg.Done()
		r2, e2 = doctorRun(bin, h2, "--config", filepath.Join(d2.Dir(), "keepalived.conf"), "--peer-config", filepath.Join(d1.Dir(), "keepalived.conf"), "--listen", "4s")
	}()
	wg.Wait()
	if e1 != nil || e2 != nil {
		t.Fatal(e1, e2)
	}
	t.Logf("vrrpdoctor --listen 4s on %s (%s):\n%s", h1.Name(), r1.took.Round(time.Millisecond), r1.text)
	t.Logf("vrrpdoctor --listen 4s on %s (%s):\n%s", h2.Name(), r2.took.Round(time.Millisecond), r2.text)

	r1.has(t, "daemon-keepalived-priority", "VI_1", doctor.Warn,
		"if track_script chk_weak fails: 152 → 150; the peer's configuration gives 102: this check can never move the VIP (weight must exceed 50)",
		"if track_script chk_strong fails: 152 → 92; the peer's configuration gives 102: the VIP moves to the peer")
	r1.has(t, "daemon-keepalived-tracking", "VI_1", doctor.Fail,
		"keepalived does not run track_script chk_insecure: enable_script_security refuses it: "+filepath.Join(dir, "ww")+" is writable by group or others")
	r1.has(t, "daemon-keepalived-state", "VI_2", doctor.Warn,
		"BACKUP because its tracked objects pulled its priority from 150 to 90, below 100 ("+a2+" on the wire): track_script chk_fail fails (-60)")
	r1.has(t, "daemon-keepalived-tracking", "VI_2", doctor.Fail, "track script chk_fail fails: "+filepath.Join(dir, "fail.sh"))
	r1.has(t, "daemon-keepalived-state", "VI_3", doctor.Fail, "FAULT: tracked interface trk0 is down", "ip link set trk0 up")
	r1.has(t, "daemon-keepalived-state", "VI_1", doctor.Pass, "MASTER, priority 152", "read JSON+DATA+STATS (written on vrrpdoctor's signal)")
	r1.has(t, "daemon-keepalived-discards", "VI_1", doctor.Pass, "keepalived discarded no adverts")
	r1.has(t, "daemon-keepalived-unicast-graph", "VI_7", doctor.Pass, "unicast from "+a1)

	// vrrpdoctor changed nothing: no state transition, no restart, the
	// same firewall, addresses and links.
	for _, c := range []struct {
		h           *lab.Host
		d           *lab.Daemon
		conf, after string
		pids        []int
	}{{h1, d1, fw1, "", pids1}, {h2, d2, fw2, "", pids2}} {
		if after := hostConfig(t, c.h); after != c.conf {
			t.Errorf("%s changed under vrrpdoctor:\n--- before\n%s\n--- after\n%s", c.h.Name(), c.conf, after)
		}
		if got := c.d.Pids(); fmt.Sprint(got) != fmt.Sprint(c.pids) {
			t.Errorf("keepalived's processes on %s changed: %v, then %v", c.h.Name(), c.pids, got)
		}
	}
	if _, err := d1.WaitLogRegexp(ctx0(t), transitions); err == nil {
		t.Errorf("keepalived changed state while vrrpdoctor ran:\n%s", d1.Log())
	}

	// --no-signal reads the dumps the signalled run left in keepalived's /tmp.
	rn := doctorJSON(t, h1, "--config", filepath.Join(d1.Dir(), "keepalived.conf"), "--no-signal")
	rn.has(t, "daemon-keepalived-state", "VI_3", doctor.Fail, "FAULT: tracked interface trk0 is down", "read JSON+DATA+STATS (dumps already in its /tmp, not signalled)")

	r2.has(t, "daemon-keepalived-unicast-graph", "VI_6", doctor.Fail,
		a1+" sends adverts for VRID 56 to this node but is not in its unicast_peer: this node never sends to it (one way)", "add "+a1+" to unicast_peer of vrrp_instance VI_6")
	r2.has(t, "daemon-keepalived-state", "VI_7", doctor.Fail, "FAULT: unicast_src_ip 192.0.2.99 is not an address of eth0")
	r2.has(t, "daemon-keepalived-unicast-graph", "VI_7", doctor.Fail, "unicast_src_ip 192.0.2.99 is not on eth0")
	// keepalived 2.2 drops the VRRPv2 adverts of another interval without
	// counting them, and its master re-arms its own advert timer on each:
	// host 2 holds the VIP silently, and only the wire shows why.
	r2.has(t, "daemon-keepalived-discards", "VI_4", doctor.Fail,
		"keepalived on this node discarded the adverts of "+a1+": advertisement interval mismatch (ours 2s, theirs 1s)", "set the same advert_int in vrrp_instance VI_4", "without counting them")
	auth := func(r *report, from string) bool {
		for _, c := range r.find("daemon-keepalived-discards", "VI_5") {
			if c.Status == doctor.Fail && strings.Contains(c.Message, "from "+from+": authentication failure (wrong password) while vrrpdoctor watched") && strings.Contains(c.Fix, "auth_pass") {
				return true
			}
		}
		return false
	}
	if !auth(r1, a2) && !auth(r2, a1) {
		t.Errorf("neither node names the other's adverts failing authentication (VI_5):\n%v\n%v", r1.find("daemon-keepalived-discards", "VI_5"), r2.find("daemon-keepalived-discards", "VI_5"))
	}
	r2.has(t, "daemon-keepalived-priority", "VI_2", doctor.Pass, "")
}

// waitCarrier waits until the interface has carrier (a veth's comes up a
// moment after "ip link set up").
func waitCarrier(t *testing.T, h *lab.Host, iface string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		out, err := h.Run(ctx, "ip", "-br", "link", "show", "dev", iface)
		if err == nil && strings.Contains(string(out), "LOWER_UP") {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s on %s has no carrier: %v %s", iface, h.Name(), err, out)
		case <-tick.C:
		}
	}
}

// transitions matches a keepalived state change or reload in its log.
var transitions = regexpMust(`Entering (MASTER|BACKUP|FAULT) STATE|Reloading|Stopping`)

// ctx0 is an already expired context: WaitLog then looks once.
func ctx0(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	t.Cleanup(cancel)
	return ctx
}

// hostConfig is what vrrpdoctor must not change on a host: firewall,
// addresses, links and the VRRP sysctls.
func hostConfig(t *testing.T, h *lab.Host) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var b strings.Builder
	for _, cmd := range [][]string{
		{"iptables-save"}, {"ip6tables-save"}, {"nft", "list", "ruleset"},
		{"ip", "-o", "addr", "show"}, {"ip", "-o", "-d", "link", "show"},
		{"sh", "-c", "grep . /proc/sys/net/ipv4/conf/*/rp_filter /proc/sys/net/ipv4/conf/*/arp_* /proc/sys/net/ipv4/ip_nonlocal_bind"},
	} {
		out, err := h.Run(ctx, cmd[0], cmd[1:]...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", cmd, err, out)
		}
		// Counters move with traffic; the rules do not.
		fmt.Fprintf(&b, "$ %s\n%s", strings.Join(cmd, " "), stripCounters(string(out)))
	}
	return b.String()
}

func stripCounters(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "#") { // iptables-save's dated comments
			continue
		}
		if i := strings.Index(l, " ["); strings.HasPrefix(l, ":") && i > 0 {
			l = l[:i]
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

func TestLabFRRDaemonState(t *testing.T) {
	lab.Require(t, lab.NeedFRR)
	l := lab.New(t, lab.Config{Hosts: 2})
	h1, h2 := l.Host(1), l.Host(2)
	v4 := netip.MustParsePrefix("192.0.2.105/24")
	v6 := netip.MustParsePrefix("2001:db8:1::105/64")
	h1.AddFRRMacvlans(t, 5, v4, v6)
	h2.AddFRRMacvlans(t, 5, v4, v6)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// The fault: h2's IPv4 macvlan in mode private.
	if out, err := h2.Run(ctx, "ip", "link", "set", "vrrp4-5", "type", "macvlan", "mode", "private"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	f1 := h1.StartFRR(t, lab.FRRConf(lab.VRRPInstance{VRID: 5, Priority: 200, VIPs: []netip.Prefix{v4, v6}}))
	f2 := h2.StartFRR(t, lab.FRRConf(lab.VRRPInstance{VRID: 5, Priority: 100, VIPs: []netip.Prefix{v4, v6}}))
	for _, w := range []struct {
		f   *lab.FRR
		fam int
		st  string
	}{{f1, 4, "Master"}, {f1, 6, "Master"}, {f2, 6, "Backup"}} {
		if _, err := w.f.WaitLogRegexp(ctx, lab.FRRState(5, w.fam, w.st)); err != nil {
			t.Fatal(err)
		}
	}
	r2 := doctorJSON(t, h2, "-i", "eth0")
	r2.has(t, "daemon-frr-vrrp", "eth0 VRID 5 IPv4", doctor.Fail, "macvlan vrrp4-5 is in mode private, not bridge", "ip link set dev vrrp4-5 type macvlan mode bridge")
	r2.has(t, "daemon-frr-vrrp", "eth0 VRID 5 IPv6", doctor.Pass, "Backup")
	r1 := doctorJSON(t, h1, "-i", "eth0")
	r1.has(t, "daemon-frr-vrrp", "eth0 VRID 5 IPv4", doctor.Pass, "Master, priority 200, macvlan vrrp4-5 in mode bridge")
}

func regexpMust(s string) *regexp.Regexp { return regexp.MustCompile(s) }
