package decode_test

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/gopacket/pcapgo"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/internal/refcap"
)

// frames reads every frame of a pcap file.
func frames(t testing.TB, path string) (*pcapgo.Reader, [][]byte) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out [][]byte
	for {
		data, _, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, data)
	}
	return r, out
}

// TestCapturesAgreeWithTshark decodes every frame of every reference capture
// and compares every VRRP frame, field by field, with tshark's reading.
func TestCapturesAgreeWithTshark(t *testing.T) {
	for _, pcapPath := range refcap.Paths(t, "..") {
		t.Run(refcap.Name(pcapPath), func(t *testing.T) {
			truth := refcap.Truth(t, pcapPath)
			r, data := frames(t, pcapPath)
			p, err := decode.NewParser(r.LinkType())
			if err != nil {
				t.Fatal(err)
			}
			seen := 0
			for i, frame := range data {
				n := i + 1
				kind, err := p.Decode(frame)
				want, isVRRP := truth[n]
				if !isVRRP {
					if kind == decode.KindVRRP {
						t.Errorf("frame %d: decoded as VRRP, tshark has no VRRP here", n)
					}
					continue
				}
				seen++
				if kind != decode.KindVRRP || err != nil {
					t.Errorf("frame %d: kind %v, err %v; want a VRRP advert", n, kind, err)
					continue
				}
				for _, d := range compareWithTruth(p, want) {
					t.Errorf("frame %d: %s", n, d)
				}
			}
			if seen != len(truth) {
				t.Errorf("matched %d of %d tshark VRRP frames", seen, len(truth))
			}
		})
	}
}

func compareWithTruth(p *decode.Parser, want map[string]string) []string {
	v := &p.VRRP
	got := map[string]string{
		"src_mac":  p.Link.SrcMAC.String(),
		"dst_mac":  p.Link.DstMAC.String(),
		"vlan":     vlans(&p.Link),
		"src_ip":   v.IP.Src.String(),
		"dst_ip":   v.IP.Dst.String(),
		"ttl_hlim": strconv.Itoa(int(v.IP.TTL)),
		"version":  strconv.Itoa(int(v.Version)),
		"type":     strconv.Itoa(int(v.Type)),
		"vrid":     strconv.Itoa(int(v.VRID)),
		"prio":     strconv.Itoa(int(v.Priority)),
		// tshark's addr_count is the header field.
		"addr_count":      strconv.Itoa(int(v.CountIPAddr)),
		"checksum":        fmt.Sprintf("%#04x", v.Checksum),
		"checksum_status": map[decode.ChecksumStatus]string{decode.ChecksumGood: "good", decode.ChecksumBad: "bad", decode.ChecksumUnverified: "unverified"}[v.ChecksumStatus],
		"addrs":           addrs(v.Addrs),
		"ah_spi":          "",
		"ah_seq":          "",
		"auth_type":       "",
		"adver_int_v2_s":  "",
		"adver_int_v3_cs": "",
		"auth_string":     "",
	}
	if v.IP.AH {
		got["ah_spi"] = fmt.Sprintf("%#08x", v.IP.AHSPI)
		got["ah_seq"] = strconv.Itoa(int(v.IP.AHSeq))
	}
	if v.Version == decode.V2 {
		got["auth_type"] = strconv.Itoa(int(v.AuthType))
		got["adver_int_v2_s"] = strconv.Itoa(int(v.AdverInt))
		if v.AuthType == decode.AuthSimple {
			got["auth_string"] = v.AuthString()
		}
	} else {
		got["adver_int_v3_cs"] = strconv.Itoa(int(v.AdverInt))
	}
	// tshark's v2calc column: the same checksum computed as in VRRPv2.
	v2calc := got["checksum_status"]
	if v.Version == decode.V3 && v.Family == decode.IPv4 {
		v2calc = "bad"
		if decode.Checksum(v.Contents, decode.FlavourMessageOnly, v.IP.Src, v.IP.Dst) == v.Checksum {
			v2calc = "good"
		}
	}
	got["checksum_status_v2calc"] = v2calc

	var diffs []string
	for k, g := range got {
		w, ok := want[k]
		if !ok {
			diffs = append(diffs, "truth has no column "+k)
			continue
		}
		if k == "ip_proto" {
			continue
		}
		if g != w {
			diffs = append(diffs, fmt.Sprintf("%s: got %q, tshark %q", k, g, w))
		}
	}
	// tshark checks fields, not RFC 5798 5.2.9: derive that one from its
	// reading. Real FRR 8.4 and keepalived 2.2.7 both break it when
	// configured with global VIPs only (frr-v3.pcap).
	var wantProblems decode.Problems
	if first, _, _ := strings.Cut(want["addrs"], ","); want["version"] == "3" &&
		strings.Contains(want["src_ip"], ":") && first != "" && !strings.HasPrefix(first, "fe80:") {
		wantProblems |= decode.ProblemIPv6FirstAddr
	}
	switch {
	case want["malformed"] == "1" && v.Valid():
		diffs = append(diffs, "tshark says malformed, decoded as valid")
	case want["malformed"] != "1" && v.Problems != wantProblems:
		diffs = append(diffs, fmt.Sprintf("problems %q, want %q", v.Problems, wantProblems))
	}
	return diffs
}

func vlans(l *decode.Link) string {
	var s []string
	for i := 0; i < min(l.NumVLANs, len(l.VLANs)); i++ {
		s = append(s, strconv.Itoa(int(l.VLANs[i])))
	}
	return strings.Join(s, ",")
}

func addrs(a []netip.Addr) string {
	s := make([]string, len(a))
	for i, x := range a {
		s[i] = x.String()
	}
	return strings.Join(s, ",")
}
