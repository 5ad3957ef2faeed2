package metrics_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/lab"
)

// TestLabPrometheusCARPSplit: two real CARP speakers (ucarp, which speaks
// OpenBSD's carp(4) protocol) for vhid 7 on the lab segment, vrrpdump
// --metrics on the bridge and a real Prometheus with the contrib rules.
// 192.0.2.11 (advskew 0) is master alone: vrrp_carp_group_masters is 1.
// 192.0.2.12 (advskew 100) starts with another password, so it ignores
// 192.0.2.11's adverts (their HMAC does not verify) and becomes master too:
// the exporter shows two masters and an active carp-split, and CARPSplit
// fires.
func TestLabPrometheusCARPSplit(t *testing.T) {
	lab.Require(t, lab.NeedUcarp)
	promBin := needTool(t, "prometheus", "prometheus")
	rules, err := filepath.Abs(filepath.Join(contrib, "rules", "vrrp.rules.yml"))
	if err != nil {
		t.Fatal(err)
	}
	l := lab.New(t, lab.Config{Hosts: 2})
	br := l.Bridge()
	br.Start(t, lab.Binary(t, "../cmd/vrrpdump"), "-i", l.BridgeIface(), "--metrics", exporterAddr)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, promConfig, rules, exporterAddr), 0o644); err != nil {
		t.Fatal(err)
	}
	br.Start(t, promBin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+prometheusAddr, "--log.level=warn")

	ucarp := func(h *lab.Host, skew int, pass string) {
		h.Start(t, "ucarp", "--interface="+h.Iface(), "--srcip="+h.IPv4().Addr().String(), "--vhid=7",
			"--pass="+pass, "--addr=192.0.2.107", "--advbase=1", fmt.Sprintf("--advskew=%d", skew), "--preempt",
			"--upscript=/bin/true", "--downscript=/bin/true")
	}
	pc := newPromClient(t, br.Name())
	group := `{job="vrrpdump",link="br0",family="ipv4",vhid="7"}`
	query := func(q, want string) func() (bool, string) {
		return func() (bool, string) {
			v, err := pc.query(q)
			if err != nil {
				return false, err.Error()
			}
			return v == want, q + "=" + v
		}
	}
	ucarp(l.Host(1), 0, "lab-secret")
	waitFor(t, "one CARP master scraped", 30*time.Second, query("vrrp_carp_group_masters"+group, "1"))
	waitFor(t, "its advskew", 5*time.Second, query(`vrrp_carp_group_master_info{master="192.0.2.11",advskew="0",demote="0"}`, "1"))

	start := time.Now()
	ucarp(l.Host(2), 100, "another-secret")
	waitFor(t, "two CARP masters", 30*time.Second, query("vrrp_carp_group_masters"+group, "2"))
	t.Logf("two masters %.1f s after the second ucarp started", time.Since(start).Seconds())
	waitFor(t, "carp-split active", 5*time.Second, query(`vrrp_carp_findings_active{id="carp-split",vhid="7"}`, "1"))
	waitFor(t, "CARPSplit firing", 30*time.Second, func() (bool, string) {
		st, alerts, err := pc.alertState("CARPSplit")
		if err != nil {
			return false, err.Error()
		}
		return st == "firing" && len(alerts) == 1 && alerts[0]["vhid"] == "7", fmt.Sprintf("%s %v", st, alerts)
	})
	t.Logf("CARPSplit firing %.1f s after the second ucarp started (rule: for 10s)", time.Since(start).Seconds())
	if v, err := pc.query(`vrrp_group_masters`); err != nil || v != "" {
		t.Errorf("VRRP groups from CARP adverts: vrrp_group_masters=%q %v", v, err)
	}
}
