package lab

import (
	"errors"
	"flag"
	"testing"
)

// Under -short Require skips (also as root, also under CI=true), and
// nothing creates a namespace even when a test forgets to call it.
func TestShortStartsNoNamespace(t *testing.T) {
	defer func(was string) { flag.Set("test.short", was) }(flag.Lookup("test.short").Value.String())
	if err := flag.Set("test.short", "true"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CI", "true")
	var skipped bool
	t.Run("require", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		Require(t)
	})
	if !skipped {
		t.Error("Require did not skip under -short")
	}
	if _, err := createNamedNS("vrrpkit-short-test"); !errors.Is(err, errShort) {
		t.Errorf("createNamedNS under -short: %v, want %v", err, errShort)
	}
	if err := withAnonNS(nil); !errors.Is(err, errShort) {
		t.Errorf("withAnonNS under -short: %v, want %v", err, errShort)
	}
}
