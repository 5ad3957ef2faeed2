package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vrrpkit/vrrpkit/doctor"
)

func recordedEnv(t *testing.T, scenario string) *doctor.Env {
	t.Helper()
	root := os.DirFS(filepath.Join("..", "..", "doctor", "testdata", "hosts", scenario))
	cmds, err := fs.Sub(root, "cmd")
	if err != nil {
		t.Fatal(err)
	}
	return &doctor.Env{FS: root, Run: doctor.RecordedRunner{FS: cmds}}
}

func TestReportExitAndJSON(t *testing.T) {
	cases := []struct {
		scenario string
		ifaces   []string
		failed   bool
	}{
		{"clean", nil, false},
		{"keepalived-lint", nil, true},
		{"nft-input-drop", []string{"eth0"}, true},
		{"keepalived-runtime", nil, true}, // keepalived's own state: "daemons" in the JSON
	}
	for _, c := range cases {
		t.Run(c.scenario, func(t *testing.T) {
			env := recordedEnv(t, c.scenario)
			env.Ifaces = c.ifaces
			var out bytes.Buffer
			err := report(context.Background(), env, &options{json: true}, &out)
			if errors.Is(err, errChecksFailed) != c.failed {
				t.Errorf("error %v, want failed=%t", err, c.failed)
			}
			var doc struct {
				Checks []struct {
					ID, Area, Status, Message, Fix string
					Evidence                       []string
				}
				Daemons *struct {
					Keepalived []struct {
						PID       int
						Read      string
						Instances []struct{ Name, State string }
					}
				}
			}
			if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
				t.Fatalf("not one JSON object: %v\n%s", err, out.String())
			}
			if len(doc.Checks) == 0 {
				t.Fatal("no checks")
			}
			if c.scenario == "keepalived-runtime" {
				if d := doc.Daemons; d == nil || len(d.Keepalived) != 1 || d.Keepalived[0].Read != "DATA+STATS" ||
					len(d.Keepalived[0].Instances) != 3 || d.Keepalived[0].Instances[2].State != "FAULT" {
					t.Errorf("daemons: %+v", d)
				}
				if strings.Contains(out.String(), "secret1") {
					t.Error("the JSON carries VI_2's auth_pass")
				}
			}
			for _, ch := range doc.Checks {
				switch ch.Status {
				case "pass", "warn", "fail", "skip":
				default:
					t.Errorf("%s: status %q", ch.ID, ch.Status)
				}
				if !strings.HasPrefix(ch.ID, ch.Area+"-") || ch.Evidence == nil {
					t.Errorf("%s: id not named for area %q, or evidence missing", ch.ID, ch.Area)
				}
				if ch.Status == "fail" && ch.Fix == "" {
					t.Errorf("%s: a failure without a fix: %s", ch.ID, ch.Message)
				}
			}
		})
	}
}

func TestColour(t *testing.T) {
	var b bytes.Buffer
	if colour(&b) {
		t.Error("colour on for a buffer")
	}
	t.Setenv("NO_COLOR", "1")
	if colour(os.Stdout) {
		t.Error("colour on with NO_COLOR")
	}
}

// TestLintTwoNodes lints two nodes' files side by side (relative paths,
// from the working directory) and finds what testdata/lint/h1.conf plants:
// an auth_pass mismatch hidden behind a '!', an advert_int mismatch, a VRID
// collision and a track weight that cannot move the VIP. No password is
// printed.
func TestLintTwoNodes(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"--lint", "--json",
		"--config", "h1=testdata/lint/h1.conf", "--config", "h2=testdata/lint/h2.conf"}, &out, &errb)
	if !errors.Is(err, errChecksFailed) {
		t.Fatalf("error %v, want a failed check (stderr %s)", err, errb.String())
	}
	var doc struct {
		Checks []struct {
			ID, Status, Subject, Message string
			Evidence                     []string
		}
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	want := []struct{ id, status, subject, message, evidence string }{
		{"keepalived-nodes", "fail", "VRID 51 (IPv4)", "authentication", "'!' or '#', which starts a comment"},
		{"keepalived-nodes", "fail", "VRID 52 (IPv4)", "advert_int", "h2.conf:30"},
		{"keepalived-nodes", "fail", "VRID 53 (IPv4)", "VRID collision", "VI_DB"},
		{"keepalived-track-weight", "warn", "VRID 51 (IPv4)", "chk_haproxy (weight 2) can never move the VIP", "150 when chk_haproxy fails"},
	}
	for _, w := range want {
		found := false
		for _, c := range doc.Checks {
			if c.ID == w.id && c.Status == w.status && c.Subject == w.subject && strings.Contains(c.Message, w.message) &&
				strings.Contains(strings.Join(c.Evidence, "\n"), w.evidence) {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s %s on %s saying %q with evidence %q in:\n%s", w.status, w.id, w.subject, w.message, w.evidence, out.String())
		}
	}
	for _, c := range doc.Checks {
		if c.ID == "keepalived-nodes" && c.Status == "fail" && c.Subject == "VRID 52 (IPv4)" && strings.Contains(c.Message, "authentication") {
			t.Errorf("VRID 52 has no authentication on either node: %s", c.Message)
		}
	}
	for _, secret := range []string{"keep0ut", "keep0ut1"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("the password %q is in the report", secret)
		}
	}
}

// TestLintOneFile: --lint on one file needs no host (no runner, no root),
// and a missing file is the tool's error naming the flag.
func TestLintOneFile(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"--lint", "--config", "testdata/lint/h2.conf"}, &out, &errb)
	if err != nil {
		t.Fatalf("error %v:\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "keepalived reads it as written: 3 vrrp_instances") || strings.Contains(out.String(), "firewall") {
		t.Errorf("report:\n%s", out.String())
	}
	// h1.conf alone: its auth_pass keep0ut! is cut at the '!' (keepalived
	// says nothing about it), a warning on that file without a second node.
	out.Reset()
	if err := run(context.Background(), []string{"--lint", "--config", "testdata/lint/h1.conf"}, &out, &errb); err != nil && !errors.Is(err, errChecksFailed) {
		t.Fatalf("error %v:\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "auth_pass is cut at a '!' or '#'") || strings.Contains(out.String(), "keep0ut") {
		t.Errorf("no warning about the cut auth_pass, or the password shown:\n%s", out.String())
	}
	err = run(context.Background(), []string{"--lint", "--config", "testdata/lint/absent.conf"}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "--config testdata/lint/absent.conf") {
		t.Errorf("error %v, want one naming --config", err)
	}
}
