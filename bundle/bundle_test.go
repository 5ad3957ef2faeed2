package bundle_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vrrpkit/vrrpkit/bundle"
	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/decode/capture/pcapfile"
	"github.com/vrrpkit/vrrpkit/doctor"
)

// Secrets planted where a real host keeps them; none may reach the bundle.
var planted = []string{
	"Pl4ntedPass1",   // auth_pass (PASS) in keepalived.conf
	"Pl4ntedAHkey",   // auth_pass of an AH instance, in an included file
	"Pl4ntedOldPw",   // a commented-out auth_pass
	"Pl4ntedOSpw",    // OS_PASSWORD= in a notify script line
	"Pl4ntedCliPw",   // openstack --os-password in ps
	"Pl4ntedToken",   // OS_AUTH_TOKEN in the journal
	"Pl4ntedYamlPw",  // clouds.yaml password: in the doctor's report
	"Pl4ntedAppSec",  // clouds.yaml application_credential_secret:
	"Pl4ntedComm",    // an SNMP community in the journal
	"Pl4ntedSnmpCom", // rocommunity in an included file
	"secret12",       // the VRRPv2 password on the wire (v2-basic.pcap)
}

const conf = `global_defs {
    router_id h1
}
include conf.d/*.conf
vrrp_instance VI_51 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass Pl4ntedPass1
#       auth_pass Pl4ntedOldPw
    }
    notify_master "/usr/local/bin/move-vip.sh OS_PASSWORD=Pl4ntedOSpw"
    virtual_ipaddress {
        192.0.2.100/24
    }
}
`

const included = `vrrp_instance VI_56 {
    interface eth0
    virtual_router_id 56
    priority 100
    authentication {
        auth_type AH
        auth_pass "Pl4ntedAHkey"
    }
    virtual_ipaddress {
        192.0.2.156/24
    }
}
# snmpd: rocommunity Pl4ntedSnmpCom 192.0.2.0/24
`

func host() bundle.Host {
	cmd := func(name string, args ...string) string { return doctor.CommandFile(name, args...) }
	fsys := fstest.MapFS{
		"etc/hostname":                           {Data: []byte("h1\n")},
		"etc/os-release":                         {Data: []byte("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n")},
		"etc/keepalived/keepalived.conf":         {Data: []byte(conf)},
		"etc/keepalived/conf.d/ah.conf":          {Data: []byte(included)},
		"proc/sys/net/ipv4/ip_forward":           {Data: []byte("0\n")},
		"proc/sys/net/ipv4/ip_nonlocal_bind":     {Data: []byte("0\n")},
		"proc/sys/net/ipv4/conf/eth0/arp_ignore": {Data: []byte("1\n")},
		"proc/sys/net/ipv4/conf/eth0/rp_filter":  {Data: []byte("2\n")},
		"proc/sys/net/ipv6/conf/eth0/accept_dad": {Data: []byte("1\n")},
	}
	runs := fstest.MapFS{
		cmd("ps", "-eo", "pid,ppid,user,etimes,args"): {Data: []byte("  PID  PPID USER ELAPSED COMMAND\n  812     1 root  3600 /usr/sbin/keepalived --dont-fork\n  990   812 root  3600 openstack --os-password Pl4ntedCliPw server list\n")},
		cmd("ip", "-d", "-j", "link", "show"):         {Data: []byte(`[{"ifindex":2,"ifname":"eth0","flags":["UP"]}]`)},
		cmd("ip", "-d", "-j", "addr", "show"):         {Data: []byte(`[{"ifindex":2,"ifname":"eth0","addr_info":[{"local":"192.0.2.11","prefixlen":24}]}]`)},
		cmd("nft", "-j", "list", "ruleset"):           {Data: []byte(`{"nftables":[]}`)},
		cmd("iptables-save"):                          {Data: []byte("*filter\n-A INPUT -p vrrp -j ACCEPT\nCOMMIT\n")},
		cmd("journalctl", "--no-pager", "-o", "short-iso-precise", "--since", "-30min", "-u", "keepalived", "-u", "frr",
			"-t", "Keepalived", "-t", "Keepalived_vrrp", "-t", "vrrpd", "-t", "zebra"): {Data: []byte(
			"2026-11-22T02:40:33.542363+0000 h1 Keepalived_vrrp[812]: (VI_51) Entering MASTER STATE\n" +
				"2026-11-22T02:40:34.000000+0000 h1 move-vip.sh[990]: using OS_AUTH_TOKEN=Pl4ntedToken\n" +
				"2026-11-22T02:40:35.000000+0000 h1 snmpd[77]: trap sent with community Pl4ntedComm\n")},
	}
	return bundle.Host{FS: fsys, Run: doctor.RecordedRunner{FS: runs}}
}

func options() bundle.Options {
	return bundle.Options{
		Now: func() time.Time { return time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC) },
		Doctor: func(context.Context) ([]byte, []byte, error) {
			return []byte("openstack: clouds.yaml\n  password: Pl4ntedYamlPw\n  application_credential_secret: Pl4ntedAppSec\n"),
				[]byte(`{"checks":[{"evidence":{"password": "Pl4ntedYamlPw"}}]}`), nil
		},
		Capture: func(context.Context) (string, []byte, []byte, error) {
			return filepath.Join("..", "testdata", "pcaps", "v2-basic.pcap"), []byte("summary\n"), []byte("<html></html>"), nil
		},
	}
}

// checkManifest checks that the manifest lists every file of the bundle
// and every part it lists as read is there; it returns the manifest and
// its parts by path.
func checkManifest(t *testing.T, files map[string][]byte) (bundle.Manifest, map[string]bundle.Part) {
	t.Helper()
	var m bundle.Manifest
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatal(err)
	}
	listed := map[string]bundle.Part{}
	for _, p := range m.Parts {
		listed[p.Path] = p
		if _, ok := files[p.Path]; (p.Status == "ok") != ok {
			t.Errorf("part %s: status %s, in the archive: %v", p.Path, p.Status, ok)
		}
	}
	for name := range files {
		if _, ok := listed[name]; !ok && name != "manifest.json" && name != "MANIFEST.txt" {
			t.Errorf("%s is in the archive but not in the manifest", name)
		}
	}
	return m, listed
}

// untar returns the bundle's files by name.
func untar(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimPrefix(h.Name, "vrrp-bundle/")] = data
	}
	return out
}

func TestBundle(t *testing.T) {
	var buf bytes.Buffer
	m, err := bundle.Write(context.Background(), &buf, host(), options())
	if err != nil {
		t.Fatal(err)
	}
	files := untar(t, buf.Bytes())

	// No planted secret anywhere: in any file, nor in the compressed bytes.
	for name, data := range files {
		for _, s := range planted {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s holds the planted secret %q", name, s)
			}
		}
	}
	for _, s := range planted {
		if bytes.Contains(buf.Bytes(), []byte(s)) {
			t.Errorf("the archive holds %q", s)
		}
	}

	mj, listed := checkManifest(t, files)
	if mj.Host != "h1" || len(mj.Parts) != len(m.Parts) {
		t.Errorf("manifest: host %q, %d parts (returned %d)", mj.Host, len(mj.Parts), len(m.Parts))
	}
	for _, want := range []string{"doctor/report.txt", "doctor/report.json", "keepalived/etc/keepalived/keepalived.conf",
		"keepalived/etc/keepalived/conf.d/ah.conf", "ip/link.json", "ip/addr.json", "firewall/nft.json",
		"firewall/iptables-save.txt", "sysctl.txt", "journal/keepalived-frr.log", "daemons/ps.txt",
		"capture/vrrp.pcap", "capture/summary.txt", "capture/report.html"} {
		if p, ok := listed[want]; !ok || p.Status != "ok" {
			t.Errorf("part %s: %+v", want, p)
		}
	}
	// A command the host lacks is listed as absent, with why.
	if p := listed["daemons/frr-show-vrrp.json"]; p.Status != "absent" || p.Error == "" {
		t.Errorf("vtysh missing: %+v", p)
	}
	if mj.Masked < 10 {
		t.Errorf("%d secrets masked, want at least the %d planted", mj.Masked, len(planted)-1)
	}
	if !strings.Contains(string(files["MANIFEST.txt"]), "keepalived/etc/keepalived/keepalived.conf") {
		t.Errorf("MANIFEST.txt:\n%s", files["MANIFEST.txt"])
	}
	// The configuration keeps its shape: only the values are masked.
	if c := string(files["keepalived/etc/keepalived/keepalived.conf"]); !strings.Contains(c, "auth_pass ********") || !strings.Contains(c, "virtual_router_id 51") {
		t.Errorf("masked keepalived.conf:\n%s", c)
	}
	if s := string(files["sysctl.txt"]); !strings.Contains(s, "net.ipv4.conf.eth0.rp_filter = 2") {
		t.Errorf("sysctl.txt:\n%s", s)
	}
}

// TestCaptureMasked: the capture's VRRPv2 passwords become ******** with a
// valid checksum; everything else is the same frame for frame.
func TestCaptureMasked(t *testing.T) {
	var buf bytes.Buffer
	if _, err := bundle.Write(context.Background(), &buf, host(), options()); err != nil {
		t.Fatal(err)
	}
	masked := filepath.Join(t.TempDir(), "m.pcap")
	if err := writeFile(masked, untar(t, buf.Bytes())["capture/vrrp.pcap"]); err != nil {
		t.Fatal(err)
	}
	orig := frames(t, filepath.Join("..", "testdata", "pcaps", "v2-basic.pcap"))
	got := frames(t, masked)
	if len(got) != len(orig) || len(got) == 0 {
		t.Fatalf("%d frames, want %d", len(got), len(orig))
	}
	for i := range got {
		if got[i].auth != bundle.Masked || got[i].checksum != decode.ChecksumGood {
			t.Errorf("frame %d: auth %q checksum %v", i+1, got[i].auth, got[i].checksum)
		}
		if got[i].prio != orig[i].prio || got[i].ts != orig[i].ts {
			t.Errorf("frame %d changed beyond the password", i+1)
		}
	}
}

type frameInfo struct {
	auth     string
	checksum decode.ChecksumStatus
	prio     uint8
	ts       time.Time
}

func frames(t *testing.T, path string) []frameInfo {
	t.Helper()
	src, err := pcapfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var out []frameInfo
	err = capture.Run(context.Background(), src, capture.Options{}, func(p *capture.Packet) error {
		if p.Kind == decode.KindVRRP {
			out = append(out, frameInfo{p.P.VRRP.AuthString(), p.P.VRRP.ChecksumStatus, p.P.VRRP.Priority, p.CI.Timestamp})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMaskText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"    auth_pass secret\n", "    auth_pass ********\n"},
		{"  # auth_pass old\n", "  # auth_pass ********\n"},
		{`export OS_PASSWORD="p w"` + "\n", `export OS_PASSWORD=********` + "\n"},
		{"OS_APPLICATION_CREDENTIAL_SECRET=abc openstack\n", "OS_APPLICATION_CREDENTIAL_SECRET=******** openstack\n"},
		{"      password: hunter2\n", "      password: ********\n"},
		{`{"token": "abc"}`, `{"token": ********}`},
		{"rocommunity public 192.0.2.0/24\n", "rocommunity ******** 192.0.2.0/24\n"},
		{"virtual_router_id 51\n", "virtual_router_id 51\n"},
		{"  pass  sysctl.dad  no tentative address\n", "  pass  sysctl.dad  no tentative address\n"}, // a doctor line
	} {
		got, _ := bundle.MaskText([]byte(tc.in))
		if string(got) != tc.want {
			t.Errorf("MaskText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func writeFile(p string, b []byte) error { return os.WriteFile(p, b, 0o644) }
