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
			}
			if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
				t.Fatalf("not one JSON object: %v\n%s", err, out.String())
			}
			if len(doc.Checks) == 0 {
				t.Fatal("no checks")
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
