package keepalived_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
}

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
	missingIf  = regexp.MustCompile(`(?:WARNING - interface (\S+) for .* doesn't exist|tracked interface (\S+) doesn't exist)`)
	ifaceWords = regexp.MustCompile(`(?m)(?:^\s*(?:@\S+\s+)?interface|\sdev)\s+(\S+)`)
	namespaces = regexp.MustCompile(`(?m)^\s*(?:@\S+\s+)?net_namespace\s+(\S+)`)
)

// judge runs keepalived on file twice: `keepalived -t` to learn which
// interfaces the file names, then the daemon with -d (dump the
// configuration) in a network and mount namespace of its own, where those
// interfaces exist as veths (and any net_namespace it asks for), /run is a
// private tmpfs, and nothing reaches the host. It is stopped as soon as the
// dump is out, before any VRRP packet matters.
func judge(ctx context.Context, file string) (*judgement, error) {
	dir := filepath.Dir(file)
	ifs := map[string]bool{}
	add := func(n string) {
		if n != "" && len(n) <= 15 && !strings.ContainsAny(n, "'\"$`\\ ;&|/{}") {
			ifs[n] = true
		}
	}
	// keepalived -t names the interfaces it misses: run it in this network
	// namespace (it cannot miss eth0 here) and in an empty one (where it
	// cannot see net_namespace).
	for _, empty := range []bool{false, true} {
		tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		test := exec.CommandContext(tctx, "keepalived", "-t", "-l", "-G", "-P", "-i", oracleID, "-f", file)
		test.Dir = dir
		if empty {
			test.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
		}
		out, _ := test.CombinedOutput()
		cancel()
		for _, m := range missingIf.FindAllStringSubmatch(string(out), -1) {
			add(m[1])
			add(m[2])
		}
	}
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	for _, m := range ifaceWords.FindAllStringSubmatch(string(src), -1) {
		add(m[1])
	}
	// An interface named through a parameter ("interface $IF") is not in
	// the text and keepalived -t does not name it with dynamic_interfaces:
	// without it keepalived runs a VMAC with no parent and names it after
	// its own collisions (1799.conf, 1889.conf, unicast_vmac1.conf). Only
	// the names are taken from the reader, to build the same host.
	if c, err := keepalived.Read(os.DirFS("/"), file, keepalived.Options{ConfigID: oracleID}); err == nil {
		for _, in := range c.Instances {
			add(in.Interface)
			for _, tr := range in.TrackInterfaces {
				add(tr.Name)
			}
		}
	}
	var nss []string
	for _, m := range namespaces.FindAllStringSubmatch(string(src), -1) {
		if !strings.ContainsAny(m[1], "'\"$`\\ ;&|/") {
			nss = append(nss, m[1])
		}
	}
	tmp, err := os.MkdirTemp("", "kaoracle")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var sh strings.Builder
	sh.WriteString("mount --make-rprivate / && mount -t tmpfs none /run || exit 1; ip link set lo up\n")
	sh.WriteString("mk() { n=0; for i in \"$@\"; do n=$((n+1)); ip $NS link add \"$i\" type veth peer name \"kaoracle$n\"; ip $NS link set \"$i\" up; done; }\n")
	var names []string
	for n := range ifs {
		names = append(names, "'"+n+"'")
	}
	fmt.Fprintf(&sh, "NS= mk %s\n", strings.Join(names, " "))
	for _, ns := range nss {
		fmt.Fprintf(&sh, "ip netns add '%s'; NS='-n %s' mk %s\n", ns, ns, strings.Join(names, " "))
	}
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
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
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
			if strings.Contains(l, "------< Interfaces >------") {
				j.started = true
				break read
			}
			if strings.Contains(l, "keepalived has no configuration to run") {
				j.started = true
			}
			if strings.HasPrefix(l, "Stopped Keepalived") {
				break read
			}
		case <-deadline.C:
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
	return j, nil
}

func (j *judgement) parse(s string) {
	inTopo := false
	var cur *dumpedInstance
	list := ""
	vipsLeft := 0 // "Virtual IP (N):" says how many lines follow
	for _, l := range strings.Split(s, "\n") {
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
			if m := msgRE.FindStringSubmatch(l); m != nil {
				n := 0
				fmt.Sscan(m[2], &n)
				j.messages = append(j.messages, oracleMsg{file: m[1], line: n, text: m[3]})
			} else if l != "" && !strings.HasPrefix(l, " ") {
				j.messages = append(j.messages, oracleMsg{text: l})
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
