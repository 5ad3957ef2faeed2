package doctor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/doctor"
	"github.com/vrrpkit/vrrpkit/internal/lab"
)

// The lab tests run the real vrrpdoctor binary inside lab namespaces
// ("ip netns exec"), so the real readers are under test: iptables-save, nft
// -j, ip -j, /proc/sys and /proc/net of that namespace, netlink and a live
// libpcap capture.

func doctorBinary(t *testing.T) string { return lab.Binary(t, "../cmd/vrrpdoctor") }

// report is vrrpdoctor's JSON.
type report struct {
	Checks []doctor.Result `json:"checks"`
	text   string
	code   int
	took   time.Duration // doctorRun's wall time
}

// find returns the results of one check, optionally for one subject.
func (r *report) find(id, subject string) []doctor.Result {
	var out []doctor.Result
	for _, c := range r.Checks {
		if c.ID == id && (subject == "" || c.Subject == subject) {
			out = append(out, c)
		}
	}
	return out
}

// want asserts a check (and subject) has a result with this status, and
// for a failure or warning that its fix mentions each of fixHas.
func (r *report) want(t *testing.T, id, subject string, st doctor.Status, fixHas ...string) {
	t.Helper()
	for _, c := range r.find(id, subject) {
		if c.Status != st {
			continue
		}
		for _, s := range fixHas {
			if !strings.Contains(c.Fix+" "+strings.Join(c.Evidence, " "), s) {
				t.Errorf("%s %s: fix/evidence lacks %q: fix %q evidence %q", id, subject, s, c.Fix, c.Evidence)
			}
		}
		return
	}
	t.Errorf("no %s result for %s %s; report:\n%s", st, id, subject, r.text)
}

// doctorOn runs vrrpdoctor in a host's namespace, once with --json and
// once for the text report (kept for failure messages).
func doctorOn(t *testing.T, h *lab.Host, args ...string) *report {
	t.Helper()
	bin := doctorBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := h.Run(ctx, bin, append(args, "--json")...)
	r := &report{}
	if i := bytes.IndexByte(out, '{'); i >= 0 {
		if jerr := json.NewDecoder(bytes.NewReader(out[i:])).Decode(r); jerr != nil {
			t.Fatalf("vrrpdoctor --json: %v (%v)\n%s", jerr, err, out)
		}
	} else {
		t.Fatalf("vrrpdoctor --json printed no JSON: %v\n%s", err, out)
	}
	txt, err := h.Run(ctx, "env", append([]string{"NO_COLOR=1", bin}, args...)...)
	r.text = string(txt)
	if err != nil {
		r.code = 1
		if strings.Contains(err.Error(), "exit status 2") {
			r.code = 2
		}
	}
	if r.code == 2 {
		t.Fatalf("vrrpdoctor failed as a tool: %v", err)
	}
	t.Logf("vrrpdoctor %s on %s:\n%s", strings.Join(args, " "), h.Name(), r.text)
	return r
}

// writeConf writes a keepalived.conf for a doctor run that needs no daemon.
func writeConf(t *testing.T, conf string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "keepalived.conf")
	if err := os.WriteFile(p, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var vip = netip.MustParsePrefix("192.0.2.100/24")

func TestLabCleanHostPasses(t *testing.T) {
	t.Parallel()
	lab.Require(t, lab.NeedKeepalived, lab.NeedIptables, lab.NeedNft)
	l := lab.New(t, lab.Config{Hosts: 2})
	d1 := l.Host(1).StartKeepalived(t, lab.KeepalivedConf(lab.VRRPInstance{Version: 2, VRID: 51, Priority: 150, AuthPass: "s3cret", VIPs: []netip.Prefix{vip}}))
	l.Host(2).StartKeepalived(t, lab.KeepalivedConf(lab.VRRPInstance{Version: 2, VRID: 51, Priority: 100, AuthPass: "s3cret", VIPs: []netip.Prefix{vip}}))
	d1.Await(t, "Entering MASTER STATE", 20*time.Second)
	r := doctorOn(t, l.Host(1), "--config", filepath.Join(d1.Dir(), "keepalived.conf"), "--listen", "4s")
	if r.code != 0 {
		t.Errorf("exit status %d on a clean host", r.code)
	}
	for _, c := range r.Checks {
		if c.Status == doctor.Fail {
			t.Errorf("%s %s failed on a clean host: %s", c.ID, c.Subject, c.Message)
		}
	}
	r.want(t, "firewall-vrrp-input", "eth0", doctor.Pass)
	r.want(t, "multicast-membership", "VI_51", doctor.Pass)
	r.want(t, "live-adverts", "VI_51", doctor.Pass)
	r.want(t, "live-split-brain", "VI_51", doctor.Pass)
}

func TestLabFirewallFaults(t *testing.T) {
	t.Parallel()
	lab.Require(t, lab.NeedIptables, lab.NeedNft)
	conf := lab.KeepalivedConf(lab.VRRPInstance{Version: 2, VRID: 51, VIPs: []netip.Prefix{vip}})
	cases := []struct {
		name string
		dir  lab.Direction
		fw   lab.Firewall
		id   string
		fix  string
	}{
		{"iptables-input", lab.Input, lab.Iptables, "firewall-vrrp-input", "iptables -I INPUT 1 -i eth0 -p vrrp -d 224.0.0.18 -j ACCEPT"},
		{"nftables-input", lab.Input, lab.Nftables, "firewall-vrrp-input", "nft insert rule inet vklab"},
		{"iptables-output-only", lab.Output, lab.Iptables, "firewall-vrrp-output", "iptables -I OUTPUT 1 -o eth0 -p vrrp"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := lab.New(t, lab.Config{Hosts: 1})
			h := l.Host(1)
			p := writeConf(t, conf)
			clean := doctorOn(t, h, "--config", p)
			clean.want(t, c.id, "eth0", doctor.Pass)
			h.DropVRRP(t, c.dir, c.fw)
			r := doctorOn(t, h, "--config", p)
			if r.code != 1 {
				t.Errorf("exit status %d, want 1", r.code)
			}
			r.want(t, c.id, "eth0", doctor.Fail, c.fix)
			other := map[string]string{"firewall-vrrp-input": "firewall-vrrp-output", "firewall-vrrp-output": "firewall-vrrp-input"}[c.id]
			r.want(t, other, "eth0", doctor.Pass)
		})
	}
}

func TestLabRPFilterWithVMAC(t *testing.T) {
	t.Parallel()
	lab.Require(t, lab.NeedKeepalived)
	l := lab.New(t, lab.Config{Hosts: 1})
	h := l.Host(1)
	conf := `global_defs {
    vrrp_version 2
}
vrrp_instance VI_51 {
    state BACKUP
    interface eth0
    use_vmac
    virtual_router_id 51
    priority 150
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24
    }
}
`
	d := h.StartKeepalived(t, conf)
	d.Await(t, "Entering MASTER STATE", 20*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Namespace-local: the lab host's own sysctl.
	if out, err := h.Run(ctx, "sysctl", "-w", "net.ipv4.conf.all.rp_filter=1"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	r := doctorOn(t, h, "--config", filepath.Join(d.Dir(), "keepalived.conf"))
	r.want(t, "sysctl-rp-filter", "vrrp.51", doctor.Fail, "sysctl -w net.ipv4.conf.all.rp_filter=0")
	r.want(t, "multicast-macvlan-mode", "vrrp.51", doctor.Pass)
}

func TestLabConfigLint(t *testing.T) {
	t.Parallel()
	lab.Require(t)
	l := lab.New(t, lab.Config{Hosts: 1})
	h := l.Host(1)
	t.Run("auth-pass-12", func(t *testing.T) {
		p := writeConf(t, lab.KeepalivedConf(lab.VRRPInstance{Version: 2, VRID: 51, AuthPass: "abcdefghijkl", VIPs: []netip.Prefix{vip}}))
		r := doctorOn(t, h, "--config", p)
		r.want(t, "keepalived-auth-pass-length", "VI_51", doctor.Warn, "first 8 characters")
	})
	t.Run("duplicate-vrid", func(t *testing.T) {
		conf := lab.KeepalivedConf(
			lab.VRRPInstance{Version: 2, VRID: 51, VIPs: []netip.Prefix{vip}},
			lab.VRRPInstance{Version: 2, VRID: 51, VIPs: []netip.Prefix{netip.MustParsePrefix("192.0.2.101/24")}},
		)
		// Both are named VI_51, and keepalived skips a second instance of
		// a name ("already defined"): rename the second.
		i := strings.LastIndex(conf, "vrrp_instance VI_51 ")
		p := writeConf(t, conf[:i]+"vrrp_instance VI_51b "+conf[i+len("vrrp_instance VI_51 "):])
		r := doctorOn(t, h, "--config", p)
		if r.code != 1 {
			t.Errorf("exit status %d, want 1", r.code)
		}
		r.want(t, "keepalived-duplicate-vrid", "eth0", doctor.Fail, "virtual_router_id")
	})
}

func TestLabSplitBrain(t *testing.T) {
	t.Parallel()
	lab.Require(t, lab.NeedKeepalived, lab.NeedIptables)
	l := lab.New(t, lab.Config{Hosts: 2})
	h1, h2 := l.Host(1), l.Host(2)
	d1 := h1.StartKeepalived(t, lab.KeepalivedConf(lab.VRRPInstance{Version: 2, VRID: 51, Priority: 150, VIPs: []netip.Prefix{vip}}))
	d1.Await(t, "Entering MASTER STATE", 20*time.Second)
	h2.DropVRRP(t, lab.Input, lab.Iptables) // h2 is deaf: it becomes master beside h1
	d2 := h2.StartKeepalived(t, lab.KeepalivedConf(lab.VRRPInstance{Version: 2, VRID: 51, Priority: 100, VIPs: []netip.Prefix{vip}}))
	d2.Await(t, "Entering MASTER STATE", 20*time.Second)
	conf := filepath.Join(d2.Dir(), "keepalived.conf")
	r := doctorOn(t, h2, "--config", conf, "--listen", "4s")
	r.want(t, "live-split-brain", "VI_51", doctor.Fail, h1.IPv4().Addr().String())
	r.want(t, "live-other-masters", "VI_51", doctor.Fail)
	r.want(t, "firewall-vrrp-input", "eth0", doctor.Fail, "vklab")
	r1 := doctorOn(t, h1, "--config", filepath.Join(d1.Dir(), "keepalived.conf"), "--listen", "4s")
	r1.want(t, "live-split-brain", "VI_51", doctor.Fail, h2.IPv4().Addr().String())
}

func TestLabStaleNeighbor(t *testing.T) {
	t.Parallel()
	lab.Require(t, lab.NeedKeepalived, lab.NeedNft)
	l := lab.New(t, lab.Config{Hosts: 3})
	h1, h2, h3 := l.Host(1), l.Host(2), l.Host(3)
	d1 := h1.StartKeepalived(t, lab.KeepalivedConf(lab.VRRPInstance{Version: 2, VRID: 51, Priority: 150, VIPs: []netip.Prefix{vip}}))
	d2 := h2.StartKeepalived(t, lab.KeepalivedConf(lab.VRRPInstance{Version: 2, VRID: 51, Priority: 100, VIPs: []netip.Prefix{vip}}))
	d1.Await(t, "Entering MASTER STATE", 20*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h3.Ping(ctx, vip.Addr()); err != nil { // h3 learns the VIP at h1's MAC
		t.Fatal(err)
	}
	// h3 loses every ARP for the VIP from now on (gratuitous ones included).
	if out, err := h3.Run(ctx, "nft", "add table arp vkdoctor; add chain arp vkdoctor in { type filter hook input priority 0; policy accept; }; add rule arp vkdoctor in arp saddr ip 192.0.2.100 drop"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if err := d1.Stop(); err != nil { // failover to h2
		t.Fatal(err)
	}
	d2.Await(t, "Entering MASTER STATE", 20*time.Second)
	r := doctorOn(t, h3, "-i", "eth0", "--listen", "4s")
	r.want(t, "neighbor-vip-mac", "192.0.2.100", doctor.Fail, h1.MAC().String(), "ip neigh del 192.0.2.100 dev eth0")
}

// TestLabMisconfiguredHost plants several faults on one node at once, as a
// real broken host has them, and checks the report names each: h2 runs
// keepalived with a 12-character auth_pass and use_vmac, has
// net.ipv4.conf.all.rp_filter=1 and an iptables INPUT rule dropping VRRP,
// so it is master beside h1 (split brain).
func TestLabMisconfiguredHost(t *testing.T) {
	t.Parallel()
	lab.Require(t, lab.NeedKeepalived, lab.NeedIptables)
	l := lab.New(t, lab.Config{Hosts: 2})
	h1, h2 := l.Host(1), l.Host(2)
	d1 := h1.StartKeepalived(t, lab.KeepalivedConf(lab.VRRPInstance{Version: 2, VRID: 51, Priority: 150, AuthPass: "abcdefgh", VIPs: []netip.Prefix{vip}}))
	d1.Await(t, "Entering MASTER STATE", 20*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h2.DropVRRP(t, lab.Input, lab.Iptables)
	// keepalived --config-test warns about the long password, so the lab's
	// StartKeepalived refuses it: start keepalived directly, as a careless
	// operator would.
	dir := t.TempDir()
	conf := filepath.Join(dir, "keepalived.conf")
	if err := os.WriteFile(conf, []byte(`global_defs {
    vrrp_version 2
}
vrrp_instance VI_51 {
    state BACKUP
    interface eth0
    use_vmac
    virtual_router_id 51
    priority 100
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass abcdefghijkl
    }
    virtual_ipaddress {
        192.0.2.100/24
    }
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	p := h2.Start(t, "keepalived", "--dont-fork", "--log-console", "--no-syslog", "--vrrp", "--use-file="+conf,
		"--pid="+filepath.Join(dir, "k.pid"), "--vrrp_pid="+filepath.Join(dir, "v.pid"),
		"--checkers_pid="+filepath.Join(dir, "c.pid"), "--bfd_pid="+filepath.Join(dir, "b.pid"))
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !strings.Contains(p.Log(), "Entering MASTER STATE") {
		select {
		case <-ctx.Done():
			t.Fatalf("h2 never became master:\n%s", p.Log())
		case <-p.Done():
			t.Fatalf("keepalived on h2 exited:\n%s", p.Log())
		case <-tick.C:
		}
	}
	// keepalived clears all.rp_filter when it creates the macvlan; a
	// sysctl run after it (sysctl --system, configuration management)
	// turns strict filtering back on.
	if out, err := h2.Run(ctx, "sysctl", "-w", "net.ipv4.conf.all.rp_filter=1"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	r := doctorOn(t, h2, "--config", conf, "--listen", "4s")
	if r.code != 1 {
		t.Errorf("exit status %d, want 1", r.code)
	}
	r.want(t, "firewall-vrrp-input", "eth0", doctor.Fail, "iptables -I INPUT 1 -i eth0 -p vrrp")
	r.want(t, "sysctl-rp-filter", "vrrp.51", doctor.Fail, "net.ipv4.conf.all.rp_filter=0")
	r.want(t, "keepalived-auth-pass-length", "VI_51", doctor.Warn)
	r.want(t, "multicast-macvlan-mode", "vrrp.51", doctor.Pass)
	r.want(t, "live-split-brain", "VI_51", doctor.Fail, h1.IPv4().Addr().String())
}
