package doctor

import (
	"context"
	"errors"
	"fmt"
	"strconv"
)

// Status is the outcome of a check.
type Status uint8

// Statuses, from best to worst; skip says the check did not apply.
const (
	Pass Status = iota
	Skip
	Warn
	Fail
)

func (s Status) String() string {
	switch s {
	case Pass:
		return "pass"
	case Warn:
		return "warn"
	case Fail:
		return "fail"
	case Skip:
		return "skip"
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText makes statuses print as words in JSON.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a status word, so reports parse back.
func (s *Status) UnmarshalText(b []byte) error {
	for _, v := range []Status{Pass, Skip, Warn, Fail} {
		if v.String() == string(b) {
			*s = v
			return nil
		}
	}
	return fmt.Errorf("unknown status %q: want pass, warn, fail or skip", b)
}

// Area groups checks in the report.
type Area string

// Areas in report order.
const (
	AreaFirewall   Area = "firewall"
	AreaSysctl     Area = "sysctl"
	AreaMulticast  Area = "multicast"
	AreaDaemon     Area = "daemon"
	AreaKeepalived Area = "keepalived"
	AreaNeighbor   Area = "neighbor"
	AreaLive       Area = "live"
	AreaOpenStack  Area = "openstack"
)

var areaOrder = []Area{AreaFirewall, AreaSysctl, AreaMulticast, AreaDaemon, AreaKeepalived,
	AreaNeighbor, AreaLive, AreaOpenStack}

// Result is one finding of a check. A check may return several, one per
// interface, instance or port it looked at; they share the check's ID.
type Result struct {
	ID       string   `json:"id"`
	Area     Area     `json:"area"`
	Status   Status   `json:"status"`
	Subject  string   `json:"subject,omitempty"` // interface, instance, VIP or port the result is about
	Message  string   `json:"message"`
	Evidence []string `json:"evidence"`
	Fix      string   `json:"fix,omitempty"`
}

// Check is one diagnosis. Doc says what it reads, why it matters and how to
// fix what it finds; it is the check's entry in the documentation.
type Check struct {
	ID   string
	Area Area
	Doc  string
	// Offline checks read only the keepalived configuration files, not the
	// host: vrrpdoctor --lint runs these alone.
	Offline bool
	// CrossNode checks compare the configurations of several nodes
	// (Env.Nodes); RunNodes runs them once, the others once per node.
	CrossNode bool
	Run       func(ctx context.Context, env *Env) []Result
}

// RunChecks runs the checks in order and fills in ID and Area of every
// result. A check that returns nothing yields one pass result. A check
// failing with a NotApplicableError becomes a skip; other errors are the
// check's own failure and are returned with the results gathered so far.
func RunChecks(ctx context.Context, env *Env, checks []Check) []Result {
	var out []Result
	for _, c := range checks {
		if ctx.Err() != nil {
			break
		}
		rs := c.Run(ctx, env)
		if len(rs) == 0 {
			rs = []Result{{Status: Pass, Message: "nothing to report"}}
		}
		for _, r := range rs {
			r.ID, r.Area = c.ID, c.Area
			if r.Evidence == nil {
				r.Evidence = []string{}
			}
			out = append(out, r)
		}
	}
	return out
}

// Worst returns the worst status among results (Pass when empty).
func Worst(rs []Result) Status {
	w := Pass
	for _, r := range rs {
		if r.Status == Fail || (r.Status == Warn && w != Fail) {
			w = r.Status
		}
	}
	return w
}

// skipped turns an error into a skip result when it is a NotApplicableError
// and into a warn result otherwise (the check could not read the host).
func skipped(err error, subject string) Result {
	var na *NotApplicableError
	if errors.As(err, &na) {
		return Result{Status: Skip, Subject: subject, Message: na.Reason}
	}
	return Result{Status: Warn, Subject: subject, Message: fmt.Sprintf("could not check: %v", err)}
}
