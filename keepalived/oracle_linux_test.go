package keepalived_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/vrrpkit/vrrpkit/keepalived"
)

// oracleID is the config id both keepalived and the reader use: most of the
// public test configurations are written for nodes "high" and "low".
const oracleID = "high"

// judgement is keepalived's own reading of a file: the messages it prints
// while starting and, when it starts, its dump of the VRRP configuration
// (keepalived -d).
type judgement struct {
	messages  []oracleMsg
	instances []dumpedInstance
	started   bool // keepalived dumped its configuration (or said it has none to run)
	raw       string
	// testExit is the exit status of `keepalived --config-test` (-1: not
	// run) and tests what it printed: its verdict on the file whether or
	// not the daemon starts.
	testExit int
	tests    []oracleMsg
	timedOut bool // keepalived had not started, refused or stopped within judge's time
}

// What judge's script prints before keepalived -t's exit status and before
// each line -t logged.
const (
	testExitPrefix = "KAORACLE-TEST-EXIT "
	testPrefix     = "KAORACLE-TEST: "
)

type oracleMsg struct {
	file string // "" when keepalived printed no file name
	line int    // 0 when keepalived printed no line
	text string
}

type dumpedInstance struct {
	Name, State, Interface string
	VRID, Priority         int
	Version                int
	AdvertInt              time.Duration
	Auth, Pass             string // Auth: "", "PASS", "AH"
	VIPs                   []string
	Peers                  []string
}

var (
	msgRE      = regexp.MustCompile(`^\((?:(.*): )?Line (\d+)\) (.*)$`)
	ifaceWords = regexp.MustCompile(`(?m)(?:^\s*(?:@\S+\s+)?interface|\sdev)\s+(\S+)`)
	namespaces = regexp.MustCompile(`(?m)^\s*(?:@\S+\s+)?net_namespace\s+(\S+)`)
)

// judge runs keepalived on file in a network and mount namespace of its
// own, where the interfaces the file names exist as veths (in any
// net_namespace it asks for too), /run is a private tmpfs, and nothing
// reaches the host: first `keepalived --config-test` (-t), whose "interface
// ... doesn't exist" lines name the interfaces still missing, which are
// created before a second -t gives keepalived's verdict (its exit status and
// messages); then the daemon with -d (dump the configuration), stopped as
// soon as the dump is out, before any VRRP packet matters.
func judge(ctx context.Context, file string, within time.Duration) (*judgement, error) {
	dir := filepath.Dir(file)
	ifs := map[string]bool{}
	add := func(n string) {
		if n != "" && len(n) <= 15 && !strings.ContainsAny(n, "'\"$`\\ ;&|/{}:") {
			ifs[n] = true
		}
	}
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	for _, m := range ifaceWords.FindAllStringSubmatch(string(src), -1) {
		add(m[1])
	}
	// The net_namespace keepalived runs in for this node: the reader's, else
	// any the text names (each namespace's veths cost the kernel time when
	// it is torn down: only the one keepalived enters is built).
	nss := map[string]bool{}
	readerNS := false
	// Names written through a parameter ("interface $IF", "dev $IF1",
	// "net_namespace $NAME") are not in the text: only the names are
	// taken from the reader, to build the same host.
	if c, err := keepalived.Read(os.DirFS("/"), file, keepalived.Options{ConfigID: oracleID}); err == nil {
		for _, in := range c.Instances {
			add(in.Interface)
			for _, tr := range in.TrackInterfaces {
				add(tr.Name)
			}
			for _, v := range append(slices.Clip(in.VIPs), in.ExcludedVIPs...) {
				add(v.Dev)
			}
		}
		nss[c.NetNamespace] = true
		readerNS = c.NetNamespace != ""
	} else {
		for _, m := range namespaces.FindAllStringSubmatch(string(src), -1) {
			nss[m[1]] = true
		}
	}
	tmp, err := os.MkdirTemp("", "kaoracle")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var sh strings.Builder
	sh.WriteString("mount --make-rprivate / && mount -t tmpfs none /run || exit 1; ip link set lo up\n")
	// mk creates the interfaces where keepalived looks for them: in the
	// net_namespace the reader says it enters, else in this namespace (and
	// in any the text names), each an empty bridge (an Ethernet device like
	// a NIC without its cable, and half the devices of a veth pair: the
	// kernel tears 1333.conf's 256 down quickly), with one ip -batch per
	// namespace.
	sh.WriteString(`WHERE=-
mk() { for ns in $WHERE; do for i in "$@"; do echo "link add $i type bridge"; echo "link set $i up"; done |
  if [ "$ns" = - ]; then ip -force -batch -; else ip -n "$ns" -force -batch -; fi >/dev/null 2>&1; done; }
`)
	var where []string
	for ns := range nss {
		if ns != "" && !strings.ContainsAny(ns, "'\"$`\\ ;&|/{}") {
			fmt.Fprintf(&sh, "ip netns add '%s'\n", ns)
			where = append(where, ns)
		}
	}
	if len(where) != 1 || !readerNS {
		where = append(where, "-")
	}
	fmt.Fprintf(&sh, "WHERE='%s'\n", strings.Join(where, " "))
	var names []string
	for n := range ifs {
		names = append(names, "'"+n+"'")
	}
	fmt.Fprintf(&sh, "mk %s\n", strings.Join(names, " "))
	// The interfaces -t still misses (a garp_group's, a rule's, a route's),
	// as keepalived names them; a name no interface can have (ens18:1)
	// stays missing, as on any host.
	fmt.Fprintf(&sh, `kt() { rm -f %[1]s/t; keepalived --config-test=%[1]s/t -i %[2]s -f '%[3]s' -p %[1]s/p -r %[1]s/r -c %[1]s/c -b %[1]s/b >/dev/null 2>&1; }
kt; mk $(sed -n -e "s/.*WARNING - interface \([^ ]*\) for .*doesn't exist\$/\1/p" -e "s/.*WARNING - interface \([^ ]*\) specified for garp_group doesn't exist\$/\1/p" -e "s/.*) tracked interface \([^ ]*\) doesn't exist\$/\1/p" %[1]s/t | grep -v -e '[:/]' -e '^.\{16,\}')
kt; echo "%[4]s$?"; sed 's/^/%[5]s/' %[1]s/t 2>/dev/null
`, tmp, oracleID, file, testExitPrefix, testPrefix)
	fmt.Fprintf(&sh, "exec keepalived -n -R -d -l -G -P -i %s -f '%s' -p %s/p -r %s/r -c %s/c -b %s/b 2>&1\n",
		oracleID, file, tmp, tmp, tmp, tmp)
	cmd := exec.Command("sh", "-c", sh.String())
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET | syscall.CLONE_NEWNS, Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	pid := cmd.Process.Pid
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	j := &judgement{}
	var raw strings.Builder
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	timedOut := false
read:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				break read
			}
			// keepalived -l prefixes "Tue Dec  1 17:19:03 2026: ".
			if len(l) > 26 && l[24:26] == ": " {
				l = l[26:]
			}
			raw.WriteString(l + "\n")
			if strings.Contains(l, "------< Interfaces >------") || strings.Contains(l, "keepalived has no configuration to run") ||
				strings.HasPrefix(l, "Startup complete") && dumped(raw.String()) {
				break read
			}
			if strings.HasPrefix(l, "Stopped Keepalived") {
				break read
			}
		case <-deadline.C:
			timedOut = true
			break read
		case <-ctx.Done():
			break read
		}
	}
	// Stop keepalived (and its VRRP child) by the process group it leads.
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	go func() {
		for range lines {
		}
	}()
	_ = cmd.Wait()
	j.raw = raw.String()
	j.parse(j.raw)
	j.timedOut = timedOut
	return j, nil
}

// dumped says whether keepalived started (in judge's output): the VRRP
// process dumped its configuration, or there is nothing for VRRP to run
// (keepalived says so, or it starts BFD alone, without a VRRP child).
func dumped(raw string) bool {
	return strings.Contains(raw, "------< Interfaces >------") ||
		strings.Contains(raw, "keepalived has no configuration to run") ||
		strings.Contains(raw, "\nStartup complete") && !strings.Contains(raw, "Starting VRRP child process")
}

// refused says keepalived's VRRP process refuses the configuration: it
// exited on a configuration error (on a host with every interface the file
// names: judge creates them), or, when the sandbox stopped it first,
// keepalived -t printed an error after which keepalived stops reading
// (vrrp_complete_init returns false).
func (j *judgement) refused() bool {
	if j.crashed() == "" {
		return strings.Contains(j.raw, "exited with permanent error CONFIG")
	}
	for _, m := range j.tests {
		if stops.MatchString(m.text) {
			return true
		}
	}
	return false
}

var stops = regexp.MustCompile(`the virtual router id must be set$|\) Unknown interface!$|\) No VIP specified; at least one is required$| both use VRID \d+ with IPv\d on interface `)

// crashed says keepalived stopped for want of something the sandbox has
// not got, not for the file: IPVS (this kernel has no ip_vs; keepalived
// 2.2.7's VRRP child then dies of SIGSEGV with lvs_sync_daemon), a VRF
// device (no vrf module).
func (j *judgement) crashed() string {
	switch {
	case strings.Contains(j.raw, "IPVS: Can't initialize ipvs"):
		return "no IPVS in this kernel"
	case strings.Contains(j.raw, "WARNING - VRF interface"):
		return "no VRF devices in this kernel"
	}
	return ""
}

func (j *judgement) parse(s string) {
	j.testExit = -1
	j.started = dumped(s)
	inTopo := false
	var cur *dumpedInstance
	list := ""
	vipsLeft := 0 // "Virtual IP (N):" says how many lines follow
	for _, l := range strings.Split(s, "\n") {
		if t, ok := strings.CutPrefix(l, testExitPrefix); ok {
			fmt.Sscan(t, &j.testExit)
			continue
		}
		if t, ok := strings.CutPrefix(l, testPrefix); ok {
			j.tests = append(j.tests, parseMsg(t))
			continue
		}
		if strings.HasPrefix(l, "------<") {
			// The BFD child dumps its own sections at the same time: once in
			// the VRRP topology, only the VRRP process's headers count.
			if !inTopo || strings.Contains(l, "VRRP") || strings.Contains(l, "Interfaces") {
				inTopo = strings.Contains(l, "VRRP Topology")
				cur = nil
			}
			continue
		}
		// keepalived's other processes print while the dump is written
		// ("Startup complete" in the middle of a VIP list): a line of the
		// dump is indented, anything else is a message.
		if !inTopo || (l != "" && !strings.HasPrefix(l, " ")) {
			if l != "" && !strings.HasPrefix(l, " ") {
				j.messages = append(j.messages, parseMsg(l))
			}
			continue
		}
		if strings.HasPrefix(l, " VRRP Instance = ") {
			j.instances = append(j.instances, dumpedInstance{Name: strings.TrimPrefix(l, " VRRP Instance = "), State: "BACKUP"})
			cur = &j.instances[len(j.instances)-1]
			list, vipsLeft = "", 0
			continue
		}
		if cur == nil {
			continue
		}
		if strings.HasPrefix(l, "     ") && (vipsLeft > 0 || list == "peer") {
			f := strings.Fields(l)
			if len(f) > 0 {
				if vipsLeft > 0 {
					cur.VIPs = append(cur.VIPs, f[0])
					vipsLeft--
				} else {
					cur.Peers = append(cur.Peers, f[0])
				}
			}
			continue
		}
		if !strings.HasPrefix(l, "   ") {
			// Another process's dump (the BFD child's global settings,
			// indented by one) in the middle of a VIP list.
			continue
		}
		list = ""
		k, v, ok := strings.Cut(strings.TrimSpace(l), " = ")
		switch {
		case strings.HasPrefix(strings.TrimSpace(l), "Virtual IP ("):
			fmt.Sscanf(strings.TrimSpace(l), "Virtual IP (%d):", &vipsLeft)
		case strings.TrimSpace(l) == "Unicast Peer :":
			list = "peer"
		case !ok:
		case k == "VRRP Version":
			fmt.Sscan(v, &cur.Version)
		case k == "Wantstate":
			cur.State = v
		case k == "Interface":
			// "vrrp.51, vmac on eth0, xmit base i/f": the configured
			// interface is the one the VMAC sits on.
			cur.Interface = v
			for _, part := range strings.Split(v, ", ") {
				for _, pre := range []string{"vmac on ", "ipvlan on "} {
					if strings.HasPrefix(part, pre) {
						cur.Interface = strings.TrimPrefix(part, pre)
					}
				}
			}
		case k == "Virtual Router ID":
			fmt.Sscan(v, &cur.VRID)
		case k == "Priority":
			fmt.Sscan(v, &cur.Priority)
		case k == "Advert interval":
			var n int64
			var unit string
			fmt.Sscan(v, &n, &unit)
			if unit == "milli-sec" {
				cur.AdvertInt = time.Duration(n) * time.Millisecond
			} else {
				cur.AdvertInt = time.Duration(n) * time.Second
			}
		case k == "Authentication type":
			switch v {
			case "SIMPLE_PASSWORD":
				cur.Auth = "PASS"
			case "IPSEC_AH":
				cur.Auth = "AH"
			}
		case k == "Password":
			cur.Pass = v
		}
	}
}

// parseMsg splits keepalived's "(FILE: Line N) TEXT" (or "(Line N) TEXT",
// or a TEXT with no line).
func parseMsg(l string) oracleMsg {
	m := msgRE.FindStringSubmatch(l)
	if m == nil {
		return oracleMsg{text: l}
	}
	n := 0
	fmt.Sscan(m[2], &n)
	return oracleMsg{file: m[1], line: n, text: m[3]}
}
