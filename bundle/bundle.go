// Package bundle gathers what a VRRP support case needs from one host into
// one .tar.gz with a manifest: the doctor's report, keepalived.conf and its
// includes, the daemons' state, the kernel's links, addresses, routes,
// rules, neighbours and multicast groups, the firewall rulesets, the
// relevant sysctls, the daemons' journal, and a capture with its summary
// and HTML report. It only reads: files through an fs.FS, commands that
// show state, a capture. Secrets (auth_pass, AH keys, passwords, tokens,
// SNMP communities, VRRPv2 passwords on the wire) are masked before
// anything is written (MaskText, and the capture's frames).
package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/doctor"
)

// Host is the machine the bundle reads.
type Host struct {
	FS  fs.FS         // rooted at "/"
	Run doctor.Runner // read-only commands (ip, nft, iptables-save, journalctl, vtysh)
}

// Options say what to gather.
type Options struct {
	// ConfigPath is keepalived's configuration (default
	// /etc/keepalived/keepalived.conf); its include files come too.
	ConfigPath string
	// Since is how far back the journal goes (default 30 minutes).
	Since time.Duration
	// Doctor returns vrrpdoctor's report as text and JSON.
	Doctor func(ctx context.Context) (text, js []byte, err error)
	// Capture, when set, captures and returns the pcap file it wrote (the
	// bundle copies it with VRRPv2 passwords masked; the caller removes
	// it), vrrpdump's summary and its HTML report.
	Capture func(ctx context.Context) (pcapPath string, summary, report []byte, err error)
	// Now stamps the manifest (default time.Now).
	Now func() time.Time
	// Version is vrrpkit's version for the manifest.
	Version string
}

// Part is one file of the bundle as the manifest lists it.
type Part struct {
	Path   string `json:"path"`             // inside the bundle
	What   string `json:"what"`             // what it is
	Source string `json:"source"`           // the file or command it came from
	Status string `json:"status"`           // ok, error, absent
	Error  string `json:"error,omitempty"`  // why not ok
	Bytes  int    `json:"bytes"`            // size in the bundle
	SHA256 string `json:"sha256,omitempty"` // of the content in the bundle
	Masked int    `json:"masked"`           // secrets replaced by ********
}

// Manifest is the bundle's table of contents (manifest.json, first in
// the archive).
type Manifest struct {
	Tool    string    `json:"tool"`
	Version string    `json:"version,omitempty"`
	Created time.Time `json:"created"`
	Host    string    `json:"host,omitempty"`
	Parts   []Part    `json:"parts"`
	Masked  int       `json:"masked"` // secrets masked in all
}

// collector accumulates parts in memory (a bundle is small: text, and a
// capture of a bounded duration).
type collector struct {
	h     Host
	parts []Part
	data  [][]byte
}

func (c *collector) add(p Part, b []byte, mask bool) {
	if mask {
		var n int
		b, n = MaskText(b)
		p.Masked = n
	}
	if p.Status == "" {
		p.Status = "ok"
	}
	p.Bytes = len(b)
	if len(b) > 0 {
		s := sha256.Sum256(b)
		p.SHA256 = hex.EncodeToString(s[:])
	}
	c.parts = append(c.parts, p)
	c.data = append(c.data, b)
}

// failed records a part that could not be gathered, with why.
func (c *collector) failed(p Part, err error) {
	p.Status = "error"
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, doctor.ErrCommandNotFound) {
		p.Status = "absent"
	}
	p.Error = err.Error()
	c.parts = append(c.parts, p)
	c.data = append(c.data, nil)
}

// command adds a command's output.
func (c *collector) command(ctx context.Context, file, what string, mask bool, name string, args ...string) {
	p := Part{Path: file, What: what, Source: strings.Join(append([]string{name}, args...), " ")}
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out, err := c.h.Run.Output(cctx, name, args...)
	if err != nil && len(out) == 0 {
		c.failed(p, err)
		return
	}
	if err != nil {
		p.Error = err.Error()
	}
	c.add(p, out, mask)
}

// file adds a file of the host.
func (c *collector) file(file, what, src string, mask bool) {
	p := Part{Path: file, What: what, Source: src}
	b, err := fs.ReadFile(c.h.FS, strings.TrimPrefix(path.Clean(src), "/"))
	if err != nil {
		c.failed(p, err)
		return
	}
	c.add(p, b, mask)
}

// Write gathers the bundle and writes it to w as a gzipped tar. Parts that
// cannot be read are listed in the manifest with the reason; Write fails
// only when w does.
func Write(ctx context.Context, w io.Writer, h Host, o Options) (*Manifest, error) {
	if o.ConfigPath == "" {
		o.ConfigPath = "/etc/keepalived/keepalived.conf"
	}
	if o.Since <= 0 {
		o.Since = 30 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	c := &collector{h: h}
	m := &Manifest{Tool: "vrrpdoctor bundle", Version: o.Version, Created: o.Now().UTC()}
	if b, err := fs.ReadFile(h.FS, "etc/hostname"); err == nil {
		m.Host = strings.TrimSpace(string(b))
	}

	if o.Doctor != nil {
		text, js, err := o.Doctor(ctx)
		if text == nil && err != nil {
			c.failed(Part{Path: "doctor/report.txt", What: "vrrpdoctor's report", Source: "vrrpdoctor"}, err)
		} else {
			c.add(Part{Path: "doctor/report.txt", What: "vrrpdoctor's report", Source: "vrrpdoctor"}, text, true)
			c.add(Part{Path: "doctor/report.json", What: "vrrpdoctor's report as JSON", Source: "vrrpdoctor --json"}, js, true)
		}
	}
	c.keepalivedConf(o.ConfigPath)
	c.daemons(ctx)
	c.kernel(ctx)
	c.firewall(ctx)
	c.sysctls()
	since := "-" + strconvMinutes(o.Since)
	c.command(ctx, "journal/keepalived-frr.log", "the keepalived and FRR journal of the last "+o.Since.String(), true,
		"journalctl", "--no-pager", "-o", "short-iso-precise", "--since", since,
		"-u", "keepalived", "-u", "frr", "-t", "Keepalived", "-t", "Keepalived_vrrp", "-t", "vrrpd", "-t", "zebra")
	if o.Capture != nil {
		c.capture(ctx, o.Capture)
	}

	for _, p := range c.parts {
		m.Masked += p.Masked
	}
	m.Parts = c.parts
	return m, writeTar(w, m, c)
}

func strconvMinutes(d time.Duration) string {
	mins := int(d.Round(time.Minute) / time.Minute)
	return fmt.Sprintf("%dmin", max(mins, 1))
}

// keepalivedConf adds keepalived.conf and every file it includes
// (keepalived's "include GLOB", relative to the including file's
// directory), masked.
func (c *collector) keepalivedConf(conf string) {
	seen := map[string]bool{}
	var visit func(p string, depth int)
	visit = func(p string, depth int) {
		if seen[p] || depth > 8 {
			return
		}
		seen[p] = true
		rel := strings.TrimPrefix(path.Clean(p), "/")
		b, err := fs.ReadFile(c.h.FS, rel)
		part := Part{Path: path.Join("keepalived", rel), What: "keepalived configuration (secrets masked)", Source: p}
		if err != nil {
			c.failed(part, err)
			return
		}
		c.add(part, b, true)
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(strings.SplitN(strings.SplitN(line, "#", 2)[0], "!", 2)[0])
			if len(f) < 2 || f[0] != "include" {
				continue
			}
			pat := f[1]
			if !path.IsAbs(pat) {
				pat = path.Join(path.Dir(p), pat)
			}
			matches, _ := fs.Glob(c.h.FS, strings.TrimPrefix(pat, "/"))
			sort.Strings(matches)
			for _, mch := range matches {
				visit("/"+mch, depth+1)
			}
		}
	}
	visit(conf, 0)
}

// daemons adds the daemons' own view: the processes, keepalived's state
// and statistics files when it wrote them (the bundle does not signal it:
// that would write them), FRR's show vrrp.
func (c *collector) daemons(ctx context.Context) {
	c.command(ctx, "daemons/ps.txt", "processes (all; find keepalived and vrrpd)", true, "ps", "-eo", "pid,ppid,user,etimes,args")
	c.command(ctx, "daemons/keepalived-version.txt", "keepalived version and build options", false, "keepalived", "--version")
	for _, f := range []string{"/tmp/keepalived.data", "/tmp/keepalived.stats", "/tmp/keepalived.json",
		"/run/keepalived/keepalived.data", "/run/keepalived/keepalived.stats", "/run/keepalived/keepalived.json"} {
		if _, err := fs.Stat(c.h.FS, strings.TrimPrefix(f, "/")); err == nil {
			c.file(path.Join("daemons", strings.ReplaceAll(strings.TrimPrefix(f, "/"), "/", "_")),
				"keepalived's last state / statistics dump (SIGUSR1/SIGUSR2/SIGJSON, sent by someone else)", f, true)
		}
	}
	c.command(ctx, "daemons/frr-show-vrrp.json", "FRR vrrpd's state", true, "vtysh", "-c", "show vrrp json")
	c.command(ctx, "daemons/frr-show-vrrp.txt", "FRR vrrpd's state", true, "vtysh", "-c", "show vrrp")
	c.command(ctx, "daemons/systemctl-status.txt", "the services' status", true, "systemctl", "status", "--no-pager", "--lines", "0", "keepalived", "frr")
}

// kernel adds ip's view, in JSON with details.
func (c *collector) kernel(ctx context.Context) {
	for _, x := range []struct{ file, what string }{
		{"link", "links with details (macvlans, VLANs, bridges, state)"},
		{"addr", "addresses"},
		{"route", "IPv4 routes, all tables"},
		{"rule", "IPv4 policy rules"},
		{"neigh", "neighbour table"},
	} {
		args := []string{"-d", "-j", x.file, "show"}
		if x.file == "route" {
			args = append(args, "table", "all")
		}
		c.command(ctx, "ip/"+x.file+".json", x.what, false, "ip", args...)
	}
	c.command(ctx, "ip/route6.json", "IPv6 routes, all tables", false, "ip", "-6", "-d", "-j", "route", "show", "table", "all")
	c.command(ctx, "ip/rule6.json", "IPv6 policy rules", false, "ip", "-6", "-j", "rule", "show")
	c.command(ctx, "ip/maddr.txt", "multicast memberships (224.0.0.18, ff02::12)", false, "ip", "maddr", "show")
	c.command(ctx, "ip/uname.txt", "kernel", false, "uname", "-a")
	c.file("ip/os-release", "distribution", "/etc/os-release", false)
}

// firewall adds the rulesets (read-only listings).
func (c *collector) firewall(ctx context.Context) {
	c.command(ctx, "firewall/nft.json", "nftables ruleset", true, "nft", "-j", "list", "ruleset")
	c.command(ctx, "firewall/iptables-save.txt", "iptables ruleset", true, "iptables-save")
	c.command(ctx, "firewall/ip6tables-save.txt", "ip6tables ruleset", true, "ip6tables-save")
}

// sysctls adds the settings VRRP depends on, for every interface.
func (c *collector) sysctls() {
	var b bytes.Buffer
	var errs []string
	read := func(p string) {
		v, err := fs.ReadFile(c.h.FS, p)
		if err != nil {
			errs = append(errs, p+": "+err.Error())
			return
		}
		key := strings.ReplaceAll(strings.TrimPrefix(p, "proc/sys/"), "/", ".")
		fmt.Fprintf(&b, "%s = %s\n", key, strings.TrimSpace(string(v)))
	}
	for _, p := range []string{"proc/sys/net/ipv4/ip_forward", "proc/sys/net/ipv4/ip_nonlocal_bind",
		"proc/sys/net/ipv6/ip_nonlocal_bind", "proc/sys/net/ipv4/igmp_max_memberships"} {
		read(p)
	}
	for _, fam := range []struct {
		dir  string
		keys []string
	}{
		{"proc/sys/net/ipv4/conf", []string{"arp_ignore", "arp_announce", "arp_filter", "rp_filter", "accept_local", "send_redirects", "promote_secondaries", "forwarding", "force_igmp_version"}},
		{"proc/sys/net/ipv6/conf", []string{"accept_dad", "dad_transmits", "disable_ipv6", "forwarding", "accept_ra", "force_mld_version"}},
	} {
		ifaces, err := fs.ReadDir(c.h.FS, fam.dir)
		if err != nil {
			errs = append(errs, fam.dir+": "+err.Error())
			continue
		}
		for _, d := range ifaces {
			for _, k := range fam.keys {
				if _, err := fs.Stat(c.h.FS, path.Join(fam.dir, d.Name(), k)); err == nil {
					read(path.Join(fam.dir, d.Name(), k))
				}
			}
		}
	}
	p := Part{Path: "sysctl.txt", What: "sysctls VRRP depends on (ARP, rp_filter, DAD, forwarding), per interface", Source: "/proc/sys/net"}
	if b.Len() == 0 {
		c.failed(p, errors.New(strings.Join(errs, "; ")))
		return
	}
	if len(errs) > 0 {
		p.Error = strings.Join(errs, "; ")
	}
	c.add(p, b.Bytes(), false)
}

// capture adds the capture, with its VRRPv2 passwords masked, its
// summary and its report.
func (c *collector) capture(ctx context.Context, fn func(context.Context) (string, []byte, []byte, error)) {
	pcap, summary, report, err := fn(ctx)
	pp := Part{Path: "capture/vrrp.pcap", What: "capture of VRRP, ARP and NDP (VRRPv2 passwords masked)", Source: "vrrpdump -w"}
	if pcap == "" {
		if err == nil {
			err = errors.New("no capture")
		}
		c.failed(pp, err)
		return
	}
	masked, n, merr := maskPcap(pcap)
	if merr != nil {
		c.failed(pp, fmt.Errorf("masking the capture: %w (left out rather than risk a password)", merr))
	} else {
		pp.Masked = n
		c.add(pp, masked, false)
	}
	c.add(Part{Path: "capture/summary.txt", What: "vrrpdump's summary of the capture", Source: "vrrpdump --summary"}, summary, true)
	if report != nil {
		c.add(Part{Path: "capture/report.html", What: "vrrpdump's HTML report of the capture", Source: "vrrpdump --report"}, report, true)
	}
	if err != nil {
		c.parts[len(c.parts)-1].Error = err.Error()
	}
}

// writeTar writes the manifest (JSON and text) first, then every part.
func writeTar(w io.Writer, m *Manifest, c *collector) error {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	put := func(name string, b []byte) error {
		hdr := &tar.Header{Name: path.Join("vrrp-bundle", name), Mode: 0o644, Size: int64(len(b)), ModTime: m.Created, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err := tw.Write(b)
		return err
	}
	js, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := put("manifest.json", append(js, '\n')); err != nil {
		return err
	}
	if err := put("MANIFEST.txt", manifestText(m)); err != nil {
		return err
	}
	for i, p := range c.parts {
		if p.Status != "ok" && len(c.data[i]) == 0 {
			continue
		}
		if err := put(p.Path, c.data[i]); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

func manifestText(m *Manifest) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s (vrrpkit %s), %s, host %s; %d secrets masked as %s\n\n", m.Tool, m.Version, m.Created.Format(time.RFC3339), m.Host, m.Masked, Masked)
	for _, p := range m.Parts {
		fmt.Fprintf(&b, "%-7s %-38s %8d  %s  (%s)", p.Status, p.Path, p.Bytes, p.What, p.Source)
		if p.Masked > 0 {
			fmt.Fprintf(&b, " [%d masked]", p.Masked)
		}
		if p.Error != "" {
			fmt.Fprintf(&b, "\n        %s", p.Error)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}
