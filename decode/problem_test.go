package decode_test

import (
	"strings"
	"testing"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/internal/golden"
)

// TestProblemsDoc keeps PROBLEMS.md, the table of problem ids with the
// rule each breaks, in step with the code (go test -update rewrites it).
func TestProblemsDoc(t *testing.T) {
	var b strings.Builder
	b.WriteString("# Advert problems\n\n" +
		"What `vrrpdump --json` lists in `problems` and `--lines` in its verdict, one id per rule an advert\n" +
		"breaks: RFC 3768 7.1 and RFC 5798 5 and 7.1 receive rules, and the IP checks a kernel applies before\n" +
		"VRRP sees a packet. \"Discarded\" says whether a receiver following the RFCs drops the advert; the\n" +
		"others are warnings. A packet that does not decode at all is `malformed` with an `error`.\n" +
		"Generated from decode/problem.go by TestProblemsDoc.\n\n" +
		"| id | discarded | rule |\n|---|---|---|\n")
	seen := map[string]bool{}
	for _, p := range decode.AllProblems() {
		id := p.ID()
		if seen[id] || strings.HasPrefix(id, "Problems(") || p.Reason() == id {
			t.Errorf("problem %#x: id %q reason %q", uint32(p), id, p.Reason())
		}
		seen[id] = true
		if q, ok := decode.ProblemByID(id); !ok || q != p {
			t.Errorf("ProblemByID(%q) = %v %v", id, q, ok)
		}
		disc := "no"
		if p.Discarded() {
			disc = "yes"
		}
		b.WriteString("| `" + id + "` | " + disc + " | " + p.Reason() + " |\n")
	}
	golden.File(t, "PROBLEMS.md", []byte(b.String()))
}
