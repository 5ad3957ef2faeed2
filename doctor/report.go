package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// TextOptions controls WriteText.
type TextOptions struct {
	Color   bool // ANSI colours (off for NO_COLOR or when not a terminal)
	Verbose bool // print evidence for passing and skipped checks too
}

// WriteText prints a report grouped by area, worst news first in the
// summary line, evidence and fix under every warning and failure.
func WriteText(w io.Writer, rs []Result, o TextOptions) error {
	paint := func(code, s string) string {
		if !o.Color {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	label := map[Status]string{Pass: paint("32", "pass"), Warn: paint("33", "WARN"),
		Fail: paint("1;31", "FAIL"), Skip: paint("2", "skip")}
	var n [4]int
	for _, r := range rs {
		n[r.Status]++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "vrrpdoctor: %d fail, %d warn, %d pass, %d skip\n", n[Fail], n[Warn], n[Pass], n[Skip])
	for _, a := range areaOrder {
		first := true
		var area []Result
		for _, r := range rs {
			if r.Area == a {
				area = append(area, r)
			}
		}
		if a == AreaDaemon {
			area = byInstance(area)
		}
		group := ""
		for i := 0; i < len(area); i++ {
			r := area[i]
			// Consecutive skips for one reason print as one line.
			j := i
			for j+1 < len(area) && r.Status == Skip && area[j+1].Status == Skip && area[j+1].Message == r.Message && area[j+1].Subject == r.Subject {
				j++
			}
			if j > i {
				if first {
					fmt.Fprintf(&b, "\n%s\n", paint("1", string(a)))
					first = false
				}
				fmt.Fprintf(&b, "  %s %s … %s (%d checks)  %s\n", label[Skip], r.ID, area[j].ID, j-i+1, r.Message)
				i = j
				continue
			}
			if first {
				fmt.Fprintf(&b, "\n%s\n", paint("1", string(a)))
				first = false
			}
			subj := ""
			if r.Subject != "" {
				subj = r.Subject + ": "
			}
			if a == AreaDaemon && r.Subject != group {
				group = r.Subject
				if group != "" {
					fmt.Fprintf(&b, "  %s\n", paint("1", group))
				}
			}
			in := ""
			if a == AreaDaemon && group != "" {
				subj, in = "", "  "
			}
			fmt.Fprintf(&b, "%s  %s %s  %s%s\n", in, label[r.Status], r.ID, subj, r.Message)
			if r.Status == Warn || r.Status == Fail || o.Verbose {
				for _, e := range r.Evidence {
					fmt.Fprintf(&b, "%s       %s %s\n", in, paint("2", "|"), e)
				}
				if r.Fix != "" {
					for i, l := range strings.Split(r.Fix, "\n") {
						p := "  fix:"
						if i > 0 {
							p = "      "
						}
						fmt.Fprintf(&b, "%s     %s %s\n", in, paint("36", p), l)
					}
				}
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// byInstance orders results so those about one subject (a keepalived
// instance, an FRR virtual router) stand together, in the order the
// subjects first appear; results without a subject come first.
func byInstance(rs []Result) []Result {
	var order []string
	groups := map[string][]Result{}
	for _, r := range rs {
		if _, ok := groups[r.Subject]; !ok && r.Subject != "" {
			order = append(order, r.Subject)
		}
		groups[r.Subject] = append(groups[r.Subject], r)
	}
	out := append([]Result(nil), groups[""]...)
	for _, s := range order {
		out = append(out, groups[s]...)
	}
	return out
}

// WriteJSON prints {"checks": [...]}.
func WriteJSON(w io.Writer, rs []Result) error { return WriteJSONDaemons(w, rs, nil) }

// WriteJSONDaemons prints {"checks": [...], "daemons": {...}}: the
// results and the daemons' state they were drawn from (nil leaves
// "daemons" out).
func WriteJSONDaemons(w io.Writer, rs []Result, d *DaemonState) error {
	if rs == nil {
		rs = []Result{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Checks  []Result     `json:"checks"`
		Daemons *DaemonState `json:"daemons,omitempty"`
	}{rs, d})
}
