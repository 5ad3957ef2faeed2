package lab

import (
	"fmt"
	"os"
	"sort"
	"testing"
)

// HelperEnv, when set, makes the test binary act as a helper process for
// the signal and sweep tests; its value is the lab name to use.
const HelperEnv = "VRRPKIT_LAB_HELPER"

func TestMain(m *testing.M) {
	code := m.Run()
	// Every lab this binary opened must be gone: no namespace, no
	// process record.
	if os.Getenv(HelperEnv) == "" {
		if left := leftovers(); len(left) > 0 {
			fmt.Fprintf(os.Stderr, "lab tests left these behind: %v\n", left)
			code = 1
		}
	}
	os.Exit(code)
}

func leftovers() []string {
	live.Lock()
	names := make([]string, 0, len(live.opened))
	for n := range live.opened {
		names = append(names, n)
	}
	live.Unlock()
	all, _ := listNS()
	var left []string
	for _, name := range names {
		re := nsRE(name)
		for _, ns := range all {
			if re.MatchString(ns) {
				left = append(left, ns)
			}
		}
		if _, err := os.Stat(stateRoot + "/" + name); err == nil {
			left = append(left, stateRoot+"/"+name)
		}
	}
	sort.Strings(left)
	return left
}
