package path

import (
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/vrrpkit/vrrpkit/decode"
)

// Describe returns one line saying what a frame is, read back from its
// bytes.
func Describe(f Frame) string {
	how := "built whole, sent on a packet socket"
	if f.Kind.Kernel() {
		how = "through the kernel, from the interface's MAC"
	}
	var body string
	if f.Kind.Kernel() {
		v := &decode.VRRP{IP: decode.Carrier{Family: f.Family, Src: f.Src, Dst: f.Dst, TTL: 255, Length: len(f.Data)}}
		if err := v.DecodeFromBytes(f.Data, gopacket.NilDecodeFeedback); err != nil {
			body = "undecodable: " + err.Error()
		} else {
			body = advertText(v)
		}
		return fmt.Sprintf("%-22s %s > %s ttl 255 %s (%s)", f.ID.String(), f.Src, f.Dst, body, how)
	}
	p, _ := decode.NewParser(layers.LinkTypeEthernet)
	kind, err := p.Decode(f.Data)
	switch {
	case err != nil:
		body = "undecodable: " + err.Error()
	case kind == decode.KindVRRP:
		body = fmt.Sprintf("%s > %s ttl %d %s", p.VRRP.IP.Src, p.VRRP.IP.Dst, p.VRRP.IP.TTL, advertText(&p.VRRP))
	case kind == decode.KindARP:
		body = fmt.Sprintf("ARP who-has %s tell %s (probe)", p.ARP.TargetIP, p.ARP.SenderIP)
	case kind == decode.KindNeighbor:
		body = fmt.Sprintf("%s > %s hlim %d NS who-has %s (DAD)", p.Neighbor.Src, p.Neighbor.Dst, p.VRRP.IP.TTL, p.Neighbor.Target)
	default:
		body = kind.String()
	}
	return fmt.Sprintf("%-22s %s > %s %s (%s)", f.ID.String(), p.Link.SrcMAC, p.Link.DstMAC, body, how)
}

func advertText(v *decode.VRRP) string {
	addrs := make([]string, len(v.Addrs))
	for i, a := range v.Addrs {
		addrs[i] = a.String()
	}
	return fmt.Sprintf("%s vrid %d prio %d intvl %s addrs %s checksum %s",
		v.Version, v.VRID, v.Priority, v.Interval(), strings.Join(addrs, ","), v.ChecksumStatus)
}

// WritePlan prints what a run would send: one line per frame, and the
// bytes of the first copy of each kind (later copies differ only in the
// copy number).
func WritePlan(w io.Writer, frames []Frame) error {
	ew := &errWriter{w: w}
	for _, f := range frames {
		ew.printf("  %s\n", Describe(f))
	}
	for _, f := range frames {
		if f.Seq != 1 {
			continue
		}
		what := "Ethernet frame"
		if f.Kind.Kernel() {
			what = "VRRP message (the kernel adds IPv" + strconv.Itoa(int(f.Family)) + " and Ethernet headers)"
		}
		ew.printf("\n  %s %s, %d bytes, %s:\n", f.Family, f.Kind.Name(f.Family), len(f.Data), what)
		for _, line := range strings.Split(strings.TrimRight(hex.Dump(f.Data), "\n"), "\n") {
			ew.printf("    %s\n", line)
		}
	}
	return ew.err
}

// WriteVerdict prints one direction's table and findings.
func WriteVerdict(w io.Writer, v *Verdict) error {
	ew := &errWriter{w: w}
	how := ""
	if v.Expected {
		how = ", judged by the listener from what the frames say was sent"
	}
	ew.printf("%s -> %s (test vrid %d%s)\n", v.From, v.To, v.VRID, how)
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  FAMILY\tFRAME\tSENT\tLEFT\tWIRE\tSOCKET\tTTL\tSOURCE MAC AS RECEIVED\tRESULT")
	for _, r := range v.Rows {
		ttl := "-"
		if len(r.TTLs) > 0 {
			t := make([]string, len(r.TTLs))
			for i, x := range r.TTLs {
				t[i] = strconv.Itoa(int(x))
			}
			ttl = strings.Join(t, ",")
		}
		macs := "-"
		if len(r.SrcMACs) > 0 {
			macs = strings.Join(r.SrcMACs, ",")
		}
		res := string(r.Status)
		if r.Dups > 0 {
			res += fmt.Sprintf(" +%d dup", r.Dups)
		}
		if r.Reflected > 0 {
			res += fmt.Sprintf(" %d reflected", r.Reflected)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\t%d\t%s\t%s\t%s\t%s\n", r.Family, r.Name, r.Sent, dash(r.Left), r.Wire, dash(r.Socket), ttl, macs, res)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(v.Findings) == 0 && v.Pass() {
		ew.printf("  every frame arrived as sent\n")
	}
	WriteFindings(ew, v.Findings)
	return ew.err
}

// WriteFindings prints findings with their cause and fix.
func WriteFindings(w io.Writer, fs []Finding) {
	for _, f := range fs {
		fmt.Fprintf(w, "  ! %s: %s\n      cause: %s\n      fix:   %s\n", f.ID, f.Summary, f.Cause, f.Fix)
	}
}

// WriteHeard prints one test frame as a listener heard it.
func WriteHeard(w io.Writer, s Seen, wire bool) error {
	where := "socket"
	if wire {
		where = "wire  "
	}
	mac := ""
	if wire && s.SrcMAC != nil {
		mac = " from " + s.SrcMAC.String()
	}
	dst := ""
	if s.Dst.IsValid() && s.Dst != (netip.Addr{}) {
		dst = " > " + s.Dst.String()
	}
	ttl := ""
	if s.Kind != KindProbe || s.Family == decode.IPv6 {
		ttl = fmt.Sprintf(" ttl %d", s.TTL)
	}
	_, err := fmt.Fprintf(w, "%s %-22s %s%s%s%s\n", where, s.ID.String(), s.Src, dst, ttl, mac)
	return err
}

func dash(n int) string {
	if n < 0 {
		return "-"
	}
	return strconv.Itoa(n)
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, a ...any) { fmt.Fprintf(e, format, a...) }
