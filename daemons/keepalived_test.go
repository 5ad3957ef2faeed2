package daemons

import (
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseData(t *testing.T) {
	d, err := parseData(fixture(t, "keepalived-2.2.7/h1.data"))
	if err != nil {
		t.Fatal(err)
	}
	if !d.scriptSecurity {
		t.Error("script security not seen")
	}
	if len(d.instances) != 3 {
		t.Fatalf("%d instances, want 3", len(d.instances))
	}
	in := d.instances[0]
	want := Instance{Name: "VI_1", Interface: "eth0", VRID: 51, Version: 2, State: "MASTER", WantState: "MASTER",
		Priority: 150, Effective: 102, AdvertInt: time.Second, SrcIP: netip.MustParseAddr("192.0.2.11"), SrcConfigured: true,
		Unicast: true, Peers: []netip.Addr{netip.MustParseAddr("192.0.2.12")}, AuthType: "none",
		VIPs:         []string{"192.0.2.100/24 dev eth0 scope global set"},
		LastChange:   in.LastChange,
		TrackIfaces:  []Track{{Name: "trk0", Weight: -30}},
		TrackScripts: []Track{{Name: "chk_ok", Weight: 2}, {Name: "chk_fail", Weight: -20}},
		TrackFiles:   []Track{{Name: "tf", Weight: 1}}}
	if diff := cmp.Diff(want, in, cmpopts.EquateComparable(netip.Addr{})); diff != "" {
		t.Errorf("VI_1 (-want +got):\n%s", diff)
	}
	if in.LastChange.IsZero() {
		t.Error("no last transition")
	}
	if got := d.instances[2]; got.State != "FAULT" || got.TrackFaults != 1 || got.TrackIfaces[0] != (Track{Name: "trk0"}) {
		t.Errorf("VI_3: %+v", got)
	}
	if len(d.scripts) != 2 || d.scripts[1].Name != "chk_fail" || d.scripts[1].Status != "BAD" || d.scripts[0].Status != "GOOD" {
		t.Errorf("scripts: %+v", d.scripts)
	}
	if len(d.trackFiles) != 1 || d.trackFiles[0].Weight != 1 || d.trackFiles[0].Value != 0 {
		t.Errorf("track files: %+v", d.trackFiles)
	}
	var trk0 *Interface
	for i := range d.ifaces {
		if d.ifaces[i].Name == "trk0" {
			trk0 = &d.ifaces[i]
		}
	}
	if trk0 == nil || trk0.Up || trk0.Running {
		t.Errorf("trk0: %+v", trk0)
	}
}

func TestParseStats(t *testing.T) {
	s, err := parseStats(fixture(t, "keepalived-2.2.7/h2.stats"))
	if err != nil {
		t.Fatal(err)
	}
	got := s["VI_2"]
	if got == nil || got.AuthFailure != 9 || got.AdvertSent != 1 || got.BecomeMaster != 1 {
		t.Errorf("VI_2: %+v", got)
	}
	// The STATS and JSON dumps of one moment agree field by field.
	js, err := parseJSON(fixture(t, "keepalived-2.2.7/h2.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range js {
		if j.Data.Iname == "VI_1" { // no traffic on VI_1: stable between the two dumps
			if diff := cmp.Diff(j.Stats, s["VI_1"]); diff != "" {
				t.Errorf("VI_1 JSON vs STATS (-json +stats):\n%s", diff)
			}
		}
	}
}

// host builds a recorded host with one keepalived (pid 100, VRRP child
// 101) and the given dumps in its /tmp.
func host(t *testing.T, files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{
		"proc/100/comm":                    {Data: []byte("keepalived\n")},
		"proc/100/stat":                    {Data: []byte("100 (keepalived) S 1 100 100 0 -1")},
		"proc/100/cmdline":                 {Data: []byte("/usr/sbin/keepalived\x00--dont-fork\x00")},
		"proc/101/comm":                    {Data: []byte("keepalived\n")},
		"proc/101/stat":                    {Data: []byte("101 (keepalived) S 100 100 100 0 -1")},
		"proc/100/root/run/keepalived.pid": {Data: []byte("100\n")},
	}
	for name, fix := range files {
		fsys["proc/100/root/tmp/"+name] = &fstest.MapFile{Data: fixture(t, fix), ModTime: time.Date(2026, 12, 1, 17, 20, 0, 0, time.UTC)}
	}
	return fsys
}

func TestReadKeepalivedWithoutSignal(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		read  string
	}{
		{"json-data-stats", map[string]string{"keepalived.json": "keepalived-2.2.7/h1.json", "keepalived.data": "keepalived-2.2.7/h1.data", "keepalived.stats": "keepalived-2.2.7/h1.stats"}, "JSON+DATA+STATS"},
		// A keepalived built without JSON: the data and stats dumps carry it all.
		{"no-json", map[string]string{"keepalived.data": "keepalived-2.2.7/h1.data", "keepalived.stats": "keepalived-2.2.7/h1.stats"}, "DATA+STATS"},
		{"json-only", map[string]string{"keepalived.json": "keepalived-2.2.7/h1.json"}, "JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ks, err := ReadKeepalived(context.Background(), Options{FS: host(t, c.files)})
			if err != nil {
				t.Fatal(err)
			}
			if len(ks) != 1 || ks[0].PID != 100 || ks[0].PIDFile != "/run/keepalived.pid" {
				t.Fatalf("want keepalived pid 100 with its pid file, got %+v", ks)
			}
			k := ks[0]
			if k.Read != c.read {
				t.Errorf("read %q, want %q (sources %+v)", k.Read, c.read, k.Sources)
			}
			in := k.Instance("VI_1")
			if in == nil || in.Effective != 102 || in.Priority != 150 || in.State != "MASTER" || in.Stats == nil || in.Stats.AdvertSent == 0 {
				t.Fatalf("VI_1: %+v", in)
			}
			if c.read != "JSON" && (len(in.TrackScripts) != 2 || !in.Unicast) {
				t.Errorf("VI_1 tracking/unicast from DATA missing: %+v", in)
			}
			if c.read == "JSON" && in.TrackIfaces[0].Name != "trk0" {
				t.Errorf("JSON's track_ifp not kept: %+v", in.TrackIfaces)
			}
			if vi2 := k.Instance("VI_2"); vi2 == nil || vi2.AuthType != "PASS" || vi2.Stats.AuthFailure == 0 {
				t.Errorf("VI_2: %+v", vi2)
			}
			b, _ := json.Marshal(k)
			if strings.Contains(string(b), "secret1") {
				t.Errorf("the password leaked into the state: %s", b)
			}
		})
	}
}

func TestReadKeepalivedSignals(t *testing.T) {
	fsys := host(t, nil)
	var sent []int
	o := Options{FS: fsys, Run: signums{"JSON": "36", "DATA": "10", "STATS": "12"}, Wait: 2 * time.Second,
		Signal: func(pid, sig int) error {
			if pid != 100 {
				t.Errorf("signalled pid %d, want the parent 100", pid)
			}
			sent = append(sent, sig)
			// keepalived writes the dump in its /tmp.
			name := map[int]string{36: "h1.json", 10: "h1.data", 12: "h1.stats"}[sig]
			ext := strings.TrimPrefix(filepath.Ext(name), ".")
			fsys["proc/100/root/tmp/keepalived."+ext] = &fstest.MapFile{Data: fixture(t, "keepalived-2.2.7/"+name), ModTime: time.Now()}
			return nil
		}}
	ks, err := ReadKeepalived(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{36, 10, 12}, sent); diff != "" {
		t.Errorf("signals (-want +got):\n%s", diff)
	}
	if ks[0].Read != "JSON+DATA+STATS" || !ks[0].Sources[0].Signaled {
		t.Errorf("sources: %+v", ks[0].Sources)
	}
	// No JSON support: keepalived --signum=JSON fails; DATA and STATS still come.
	sent = nil
	for k := range fsys {
		if strings.HasPrefix(k, "proc/100/root/tmp/") {
			delete(fsys, k)
		}
	}
	o.Run = signums{"DATA": "10", "STATS": "12"}
	ks, err = ReadKeepalived(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if ks[0].Read != "DATA+STATS" || !strings.Contains(ks[0].Sources[0].Err, "without JSON") {
		t.Errorf("no-JSON keepalived: read %q, sources %+v", ks[0].Read, ks[0].Sources)
	}
}

// signums answers "keepalived --signum=NAME".
type signums map[string]string

func (s signums) Output(_ context.Context, name string, args ...string) ([]byte, error) {
	if v, ok := s[strings.TrimPrefix(args[0], "--signum=")]; ok && name == "keepalived" {
		return []byte(v + "\n"), nil
	}
	return []byte("Unknown sigfunc\n"), os.ErrInvalid
}

func TestParseFRR(t *testing.T) {
	rs, err := parseFRRJSON(fixture(t, "frr-8.4/show-vrrp.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].VRID != 5 || rs[0].Version != 3 || rs[0].AdvertInt != time.Second {
		t.Fatalf("%+v", rs)
	}
	if v4 := rs[0].V4; v4 == nil || v4.Interface != "vrrp4-5" || v4.Status != "Master" || v4.Effective != 100 || v4.Addresses[0] != "192.0.2.105" {
		t.Errorf("v4: %+v", v4)
	}
	if v6 := rs[0].V6; v6 == nil || v6.Status != "Backup" || v6.AdverRx != 4 {
		t.Errorf("v6: %+v", v6)
	}
	if got := parseNoPseudoHeader("interface eth0\n vrrp 5 version 3\n no vrrp 5 checksum-with-ipv4-pseudoheader\n"); !cmp.Equal(got, []int{5}) {
		t.Errorf("no pseudoheader: %v", got)
	}
}
