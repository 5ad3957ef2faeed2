package keepalived_test

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/lab"
	"github.com/vrrpkit/vrrpkit/keepalived"
)

// publicConfigs finds the third-party keepalived.conf files (see their
// SOURCES.md), read in place: CI has shared/ beside its clone, a worktree
// may sit one level deeper.
func publicConfigs(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		p := filepath.Join(filepath.Dir(dir), "shared", "external", "keepalived-configs")
		if _, err := os.Stat(p); err == nil {
			if real, err := filepath.EvalSymlinks(p); err == nil {
				return real // keepalived names files by the path it was given
			}
			return p
		}
		dir = filepath.Dir(dir)
	}
	t.Fatalf("the public configurations (shared/external/keepalived-configs) are not beside the clone: put shared/ next to it")
	return ""
}

var verboseOracle = flag.Bool("oracle.v", false, "print every disagreement with keepalived, file by file")

// behaviour are keepalived's messages that say the daemon runs something
// other than the file says; the reader must print each one keepalived
// prints (at the same line) and none keepalived does not.
var behaviour = []*regexp.Regexp{
	regexp.MustCompile(`^Unknown keyword '`),
	regexp.MustCompile(`exceeds maximum/space available in packet`),
	regexp.MustCompile(`^Unexpected '\{' - ignoring$`),
	regexp.MustCompile(`^Config files missing '`),
	regexp.MustCompile(`^Truncating auth_pass to`),
	regexp.MustCompile(`unknown state '.*', defaulting to BACKUP$`),
	regexp.MustCompile(`unknown authentication type '`),
	regexp.MustCompile(`does not support authentication\. Ignoring\.$`),
	regexp.MustCompile(`^vrrp instance .* already defined$`),
	regexp.MustCompile(`address family must match VRRP instance`),
	regexp.MustCompile(`advertisement interval .* rounding$`),
	regexp.MustCompile(`VRRPv3 advertisement interval .* is out of range\. Must be less than 40\.96s\. Setting to 40\.95s$`),
	regexp.MustCompile(`Priority not valid! must be between 1 & 255`),
	regexp.MustCompile(`: VRID '.*' not valid - must be between 1 & 255$`),
	regexp.MustCompile(`: Version must be either 2 or 3$`),
	regexp.MustCompile(`Advert interval \(.*\) not valid! Must be > 0 - ignoring$`),
	regexp.MustCompile(`nopreempt will not work with initial state MASTER|nopreempt is incompatible with priority 255`),
	regexp.MustCompile(`State MASTER must match being address owner$`),
	regexp.MustCompile(`track script .* not found, ignoring\.\.\.$`),
	regexp.MustCompile(`^SECURITY VIOLATION - scripts are being executed`),
	regexp.MustCompile(`^Invalid user/group for notify script .* - ignoring$`),
	regexp.MustCompile(`^Unable to set uid/gid for script '`),
	regexp.MustCompile(`^VRRP parsed invalid IP `),
	regexp.MustCompile(`malformed (unicast peer|src) address`),
	regexp.MustCompile(`the virtual router id must be set$`),
	regexp.MustCompile(`^\(.*\) Unknown interface!$`),
	regexp.MustCompile(`\) No VIP specified; at least one is required$`),
	regexp.MustCompile(`^.* and .* both use VRID \d+ with IPv\d on interface `),
	regexp.MustCompile(`^WARNING - interface .* for vrrp_instance .* doesn't exist$`),
	regexp.MustCompile(`^vrrp_instance must have a name$`),
	regexp.MustCompile(`cannot use a loopback interface \(lo\) for vrrp - ignoring$`),
	regexp.MustCompile(`Initial state master is incompatible with AH authentication - clearing$`),
	regexp.MustCompile(`Ignoring track_interface .* since own interface$`),
	regexp.MustCompile(`Unable to set default user for vrrp script .* - removing$`),
	regexp.MustCompile(`accept mode for VRRP version 2 does not comply with RFC3768 - resetting$`),
	regexp.MustCompile(`^Cannot specify address prefix when specifying peer address - ignoring$`),
}

// parserMessage are the behaviour messages of keepalived's parser itself,
// which each of its processes prints for the blocks it reads.
var parserMessage = regexp.MustCompile(`^Unknown keyword '|^Unexpected '\{' - ignoring$`)

func isBehaviour(text string) bool {
	for _, re := range behaviour {
		if re.MatchString(text) {
			return true
		}
	}
	return false
}

// minAgree is how many of the public files keepalived starts the reader
// must read exactly as keepalived 2.2.7 does (581 of the 582 it starts:
// random.conf's VRID is ${_RANDOM 1 255}, drawn at each start; the sandbox
// creates the interfaces and the net_namespace named through parameters and
// -t's missing interfaces: a file or two start or not depending on timing,
// enable_dbus): a ratchet with that much slack, raised as the reader
// improves. go test -oracle.v lists every difference.
const minAgree = 579

// minStarted is how many of the public files keepalived must start for the
// oracle to be trusted, and minAgreeNotStarted how many of those it does not
// start (it refuses them, or this kernel lacks IPVS or VRF) the reader must
// judge as keepalived does: the same refusal and the same messages (29 of
// 30).
const (
	minStarted         = 575
	minAgreeNotStarted = 27
)

// TestAgainstKeepalived reads every public configuration with the reader
// and with keepalived 2.2.7 itself (its messages and its -d dump, see
// judge), and compares instance by instance and message by message.
func TestAgainstKeepalived(t *testing.T) {
	if testing.Short() {
		t.Skip("runs keepalived on every public configuration")
	}
	cache := os.Getenv("KAORACLE_CACHE") // keepalived's readings saved by KAORACLE_DUMP
	if cache == "" {
		lab.Require(t, lab.NeedKeepalived)
	}
	root := publicConfigs(t)
	only, err := regexp.Compile(os.Getenv("KAORACLE_ONLY")) // a few files, while working on them
	if err != nil {
		t.Fatalf("KAORACLE_ONLY: %v", err)
	}
	var files []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && d.Name() != "SOURCES.md" && only.MatchString(p) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("the public configurations are not beside the clone (%v): clone vrrpkit next to shared/", err)
	}
	if len(files) < 500 && only.String() == "" {
		t.Fatalf("only %d files under %s", len(files), root)
	}
	type result struct {
		file  string
		class string // how keepalived judged it: see class
		diffs []string
	}
	results := make([]result, len(files))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// one judges file f with keepalived, giving it within to start, and
	// compares; again says keepalived ran out of time and the reader does
	// not say the file never ends: judge it again, alone.
	one := func(ctx context.Context, f string, within time.Duration) (r result, again bool) {
		start := time.Now()
		var j *judgement
		var err error
		if cache != "" {
			j, err = cached(cache, root, f)
		} else {
			j, err = judge(ctx, f, within)
		}
		took := time.Since(start)
		if err != nil {
			return result{file: f, diffs: []string{"keepalived: " + err.Error()}}, false
		}
		if d := os.Getenv("KAORACLE_DUMP"); d != "" {
			rel, _ := filepath.Rel(root, f)
			_ = os.WriteFile(filepath.Join(d, strings.ReplaceAll(rel, "/", "_")), []byte(j.raw+"\nTOOK "+took.String()+"\n"), 0o644)
		}
		c, err := keepalived.Read(os.DirFS("/"), f, keepalived.Options{ConfigID: oracleID})
		if err != nil {
			return result{file: f, class: j.class(), diffs: []string{"reader: " + err.Error()}}, false
		}
		r = result{file: f, class: j.class(), diffs: compare(j, c)}
		return r, j.timedOut && len(r.diffs) > 0
	}
	const together = 20 * time.Second // generous: 16 sandboxes share two CPUs
	var wg sync.WaitGroup
	var mu sync.Mutex
	var slow []int                                 // files keepalived did not finish with in time, while 16 sandboxes shared the CPUs
	sem := make(chan struct{}, 8*runtime.NumCPU()) // mostly waiting for keepalived
	for i, f := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r, again := one(ctx, f, together)
			results[i] = r
			if again {
				mu.Lock()
				slow = append(slow, i)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, i := range slow {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		results[i], _ = one(ctx, files[i], 90*time.Second)
		cancel()
		t.Logf("%s: judged again, alone: keepalived had not finished with it in %v beside the others", files[i], together)
	}
	wg.Wait()
	count := map[string]int{}
	agree := map[string]int{}
	for _, r := range results {
		rel, _ := filepath.Rel(root, r.file)
		count[r.class]++
		if len(r.diffs) == 0 {
			agree[r.class]++
			continue
		}
		if *verboseOracle {
			t.Logf("%s (%s):\n  %s", rel, r.class, strings.Join(r.diffs, "\n  "))
		}
	}
	notStarted := count[classRefused] + count[classSandbox] + count[classUnknown]
	agreeNotStarted := agree[classRefused] + agree[classSandbox]
	judged, agreed := count[classStarted]+notStarted, agree[classStarted]+agreeNotStarted
	if count[classStarted] < minStarted {
		t.Errorf("keepalived started with only %d of the %d files (%d expected): is the oracle broken? (KAORACLE_DUMP=DIR keeps its output)", count[classStarted], len(files), minStarted)
	}
	if agree[classStarted] < minAgree {
		t.Errorf("the reader agrees with keepalived on %d files it starts, fewer than %d: go test -oracle.v -run TestAgainstKeepalived lists the differences", agree[classStarted], minAgree)
	}
	if agreeNotStarted < minAgreeNotStarted {
		t.Errorf("the reader agrees with keepalived on %d files it does not start, fewer than %d: go test -oracle.v -run TestAgainstKeepalived lists the differences", agreeNotStarted, minAgreeNotStarted)
	}
	if agree[classLoops] < count[classLoops] {
		t.Errorf("keepalived never ends reading %d files, the reader says so for %d", count[classLoops], agree[classLoops])
	}
	t.Logf("reader agrees with keepalived 2.2.7 on %d of %d files it judged: %d of the %d it starts, %d of the %d it does not (%d refused, %d stopped by the sandbox, %d unexplained); on %d of the %d it never ends reading (%d files)",
		agreed, judged, agree[classStarted], count[classStarted], agreeNotStarted, notStarted,
		count[classRefused], count[classSandbox], count[classUnknown], agree[classLoops], count[classLoops], len(files))
}

// How keepalived judged a file.
const (
	classStarted = "started"                // it runs the file: its -d dump is compared
	classRefused = "refused"                // its VRRP process exits on a configuration error
	classSandbox = "stopped by the sandbox" // it stopped for want of IPVS or VRF in this kernel
	classLoops   = "never ends reading"     // keepalived -t never returns ($A=$A)
	classUnknown = "did not start, unknown" // none of these: an oracle to fix
)

func (j *judgement) class() string {
	switch {
	case j.started:
		return classStarted
	case j.crashed() != "":
		return classSandbox
	case j.refused():
		return classRefused
	case j.testExit < 0 && !strings.Contains(j.raw, "Starting Keepalived"):
		return classLoops
	}
	return classUnknown
}

func vipString(v keepalived.VIP) string {
	if v.HasLen && v.Prefix.Bits() != v.Prefix.Addr().BitLen() {
		return v.Prefix.String()
	}
	return v.Prefix.Addr().String()
}

// compare lists how the reader's configuration differs from keepalived's.
func compare(j *judgement, c *keepalived.Config) []string {
	var d []string
	refused := c.Refused()
	switch j.class() {
	case classLoops:
		for _, m := range c.Messages {
			if m.Kind == keepalived.KindPreprocessor && strings.Contains(m.Text, "expands without end") {
				return nil
			}
		}
		return []string{"keepalived never ends reading it, the reader does"}
	case classUnknown:
		d = append(d, "keepalived did not start and the oracle does not know why: see KAORACLE_DUMP")
	}
	if len(refused) > 0 && !j.refused() {
		d = append(d, fmt.Sprintf("the reader refuses it (%s), keepalived does not", refused[0]))
	}
	if len(refused) == 0 && j.refused() {
		d = append(d, "keepalived refuses it, the reader does not")
	}
	if len(refused) > 0 && j.testExit == 0 {
		// keepalived -t exits 0 only when it reported no error at all.
		d = append(d, fmt.Sprintf("the reader refuses it (%s), keepalived -t passes it", refused[0]))
	}
	if j.started {
		got := map[string]*keepalived.Instance{}
		for _, in := range c.Instances {
			got[in.Name] = in
		}
		for _, k := range j.instances {
			in := got[k.Name]
			if in == nil {
				d = append(d, "instance "+k.Name+": keepalived runs it, the reader has none")
				continue
			}
			delete(got, k.Name)
			var vips []string
			for _, v := range in.VIPs {
				vips = append(vips, vipString(v))
			}
			var peers []string
			for _, p := range in.UnicastPeers {
				peers = append(peers, p.String())
			}
			pass := in.Auth.Pass
			if in.Auth.Type != "PASS" {
				pass = ""
			}
			mine := keepalivedView{in.Name, in.State, in.Interface, in.VRID, in.Priority, in.Version, in.AdvertInt, in.Auth.Type, pass, vips, peers}
			theirs := keepalivedView{k.Name, k.State, k.Interface, k.VRID, k.Priority, k.Version, k.AdvertInt, k.Auth, k.Pass, k.VIPs, k.Peers}
			if k.Version == 3 {
				theirs.Auth, theirs.Pass = "", ""
			}
			// Without the parent interface (dynamic_interfaces, or named
			// by a parameter the sandbox did not create) keepalived shows
			// only the VMAC's name.
			if in.UseVMAC && k.Interface == in.VMACInterface() {
				theirs.Interface = in.Interface
			}
			if diff := mine.diff(theirs); diff != "" {
				d = append(d, "instance "+k.Name+": "+diff)
			}
		}
		var extra []string
		for n := range got {
			extra = append(extra, n)
		}
		sort.Strings(extra)
		for _, n := range extra {
			d = append(d, "instance "+n+": the reader has it, keepalived does not run it")
		}
	}
	// Messages: the behaviour-changing ones, both ways.
	type key struct {
		line int
		text string
	}
	theirs := map[key]bool{}
	theirText := map[string]bool{}
	msgs := j.messages
	if !j.started {
		// What keepalived -t printed: the VRRP process may have stopped
		// before it read everything.
		msgs = append(slices.Clip(msgs), j.tests...)
	} else {
		// keepalived -t runs every process, the daemon (-P) only the
		// parent and VRRP: the unknown keywords of the LVS blocks are the
		// checker process's, in -t alone.
		for _, m := range j.tests {
			if parserMessage.MatchString(m.text) {
				msgs = append(slices.Clip(msgs), m)
			}
		}
	}
	for _, m := range msgs {
		if isBehaviour(m.text) {
			theirs[key{m.line, m.text}] = true
			theirText[m.text] = true
		}
	}
	mine := map[key]bool{}
	myText := map[string]bool{}
	for _, m := range c.Messages {
		if isBehaviour(m.Text) {
			mine[key{m.Pos.Line, m.Text}] = true
			myText[m.Text] = true
		}
	}
	for k := range theirs {
		if k.line == 0 {
			if !myText[k.text] {
				d = append(d, fmt.Sprintf("keepalived says %q, the reader does not", k.text))
			}
		} else if !mine[k] {
			d = append(d, fmt.Sprintf("keepalived says at line %d %q, the reader does not", k.line, k.text))
		}
	}
	for k := range mine {
		if !theirs[k] && !theirText[k.text] {
			d = append(d, fmt.Sprintf("the reader says at line %d %q, keepalived does not", k.line, k.text))
		}
	}
	slices.Sort(d[min(len(d), 0):])
	return d
}

type keepalivedView struct {
	Name, State, Interface string
	VRID, Priority         int
	Version                int
	AdvertInt              time.Duration
	Auth, Pass             string
	VIPs, Peers            []string
}

func (a keepalivedView) diff(b keepalivedView) string {
	var out []string
	f := func(what string, x, y any) {
		if fmt.Sprint(x) != fmt.Sprint(y) {
			out = append(out, fmt.Sprintf("%s %v, keepalived %v", what, x, y))
		}
	}
	f("state", a.State, b.State)
	f("interface", a.Interface, b.Interface)
	f("vrid", a.VRID, b.VRID)
	f("priority", a.Priority, b.Priority)
	f("version", a.Version, b.Version)
	f("advert_int", a.AdvertInt, b.AdvertInt)
	f("auth", a.Auth, b.Auth)
	f("auth_pass", a.Pass, b.Pass)
	f("vips", a.VIPs, b.VIPs)
	f("peers", a.Peers, b.Peers)
	return strings.Join(out, "; ")
}

// cached reads a judgement saved with KAORACLE_DUMP, for working on the
// reader without running keepalived again.
func cached(dir, root, f string) (*judgement, error) {
	rel, _ := filepath.Rel(root, f)
	b, err := os.ReadFile(filepath.Join(dir, strings.ReplaceAll(rel, "/", "_")))
	if err != nil {
		return nil, err
	}
	j := &judgement{raw: string(b)}
	j.parse(j.raw)
	return j, nil
}
