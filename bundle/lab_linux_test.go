package bundle_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/lab"
)

func TestMain(m *testing.M) {
	code := m.Run()
	lab.RemoveBinaries()
	os.Exit(code)
}

// The lab's keepalived carries the secrets a real one does: its VRRPv2
// password (on the wire too), an AH key in an included file, and commented
// leftovers an operator would not think of.
const labConf = `global_defs {
    vrrp_garp_master_delay 5
}
vrrp_instance VI_51 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    version 2
    priority 150
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass Lab1Pass
#       auth_pass Lab1OldPassword
    }
    virtual_ipaddress {
        192.0.2.100/24
    }
}
include INCLUDEDIR/*.conf
# OS_PASSWORD=Lab1OSpassword openstack port set ...
# clouds.yaml:   password: Lab1YamlPassword
# snmpd.conf:    rocommunity Lab1Community
`

const labIncluded = `vrrp_instance VI_56 {
    state BACKUP
    interface eth0
    virtual_router_id 56
    version 2
    priority 150
    advert_int 1
    authentication {
        auth_type AH
        auth_pass Lab1AHky
    }
    virtual_ipaddress {
        192.0.2.156/24
    }
}
`

var labSecrets = []string{"Lab1Pass", "Lab1OldPassword", "Lab1OSpassword", "Lab1YamlPassword", "Lab1Community", "Lab1AHky"}

// snapshot is the host state the bundle must not change, read inside h's
// namespace: links, addresses, routes, rules, firewalls, sysctls, and the
// files beside keepalived's configuration.
func snapshot(t *testing.T, h *lab.Host, dir string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := h.Run(ctx, "sh", "-c", `ip -d -j link show; ip -j addr show; ip -j route show table all; ip -6 -j route show table all;
ip -j rule show; nft list ruleset; iptables-save | grep -v '^#'; ip6tables-save | grep -v '^#';
grep -r . /proc/sys/net/ipv4/conf/eth0/ /proc/sys/net/ipv6/conf/eth0/ 2>/dev/null | grep -v stable_secret;
find `+dir+` -not -name '*.log' -printf '%p %s %T@\n' | sort; ls /tmp | grep vrrpdoctor-bundle- || true`)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestLabBundle: vrrpdoctor bundle inside a namespace with keepalived
// running: the manifest lists every part, no planted secret is anywhere in
// the bundle, and the host is as it was (keepalived still running, same pid).
func TestLabBundle(t *testing.T) {
	lab.Require(t, lab.NeedKeepalived, lab.NeedNft, lab.NeedIptables)
	l := lab.New(t, lab.Config{Hosts: 1})
	h := l.Host(1)
	inc := t.TempDir()
	if err := os.WriteFile(filepath.Join(inc, "ah.conf"), []byte(labIncluded), 0o644); err != nil {
		t.Fatal(err)
	}
	k := h.StartKeepalived(t, strings.ReplaceAll(labConf, "INCLUDEDIR", inc))
	k.Await(t, "Entering MASTER STATE", 15*time.Second)
	pid := k.Pid()
	conf := filepath.Join(k.Dir(), "keepalived.conf")
	before := snapshot(t, h, k.Dir())

	outDir := t.TempDir()
	out := filepath.Join(outDir, "case.tar.gz")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	said, err := h.Run(ctx, lab.Binary(t, "../cmd/vrrpdoctor"), "bundle", "-o", out, "--config", conf, "--capture", "3s", "-i", "eth0", "--since", "5m")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", said)

	after := snapshot(t, h, k.Dir())
	if before != after {
		t.Errorf("the host changed:\n--- before\n%s\n--- after\n%s", before, after)
	}
	if !k.Running() || k.Pid() != pid {
		t.Error("keepalived is no longer the same running process")
	}
	if ents, _ := os.ReadDir(outDir); len(ents) != 1 {
		t.Errorf("%d files in the output directory, want the bundle only", len(ents))
	}

	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	files := untar(t, b)
	for name, data := range files {
		for _, s := range labSecrets {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s holds the planted secret %q", name, s)
			}
		}
	}
	_, listed := checkManifest(t, files)
	confIn := "keepalived" + conf
	for _, want := range []string{"doctor/report.txt", "doctor/report.json", confIn,
		"keepalived" + filepath.Join(inc, "ah.conf"), "daemons/ps.txt", "ip/link.json", "ip/addr.json",
		"ip/route.json", "ip/rule.json", "ip/neigh.json", "firewall/nft.json", "sysctl.txt",
		"capture/vrrp.pcap", "capture/summary.txt", "capture/report.html"} {
		if p, ok := listed[want]; !ok || p.Status != "ok" {
			t.Errorf("part %s: %+v", want, p)
		}
	}
	// The capture saw the group, with its password masked on the wire.
	if s := string(files["capture/summary.txt"]); !strings.Contains(s, "vrid 51") {
		t.Errorf("capture summary:\n%s", s)
	}
	if p := listed["capture/vrrp.pcap"]; p.Masked == 0 {
		t.Errorf("no VRRPv2 password masked in the capture: %+v", p)
	}
	if c := string(files[confIn]); !strings.Contains(c, "auth_pass ********") || !strings.Contains(c, "virtual_router_id 51") {
		t.Errorf("keepalived.conf in the bundle:\n%s", c)
	}
	t.Logf("manifest:\n%s", files["MANIFEST.txt"])
}
