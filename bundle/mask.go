package bundle

import (
	"bytes"
	"context"
	"fmt"
	"regexp"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/decode/capture/pcapfile"
)

// Masked replaces every secret the bundle leaves out.
const Masked = "********"

// secretPatterns find secrets in text: the value is the last group, which
// mask replaces. They are deliberately broad: a bundle that masks a
// harmless word costs nothing, one that leaks a password costs a lot.
var secretPatterns = []*regexp.Regexp{
	// keepalived: auth_pass (PASS and AH), and anything else with "pass",
	// "secret" or "key" in its keyword (snmp, smtp, bfd, custom scripts).
	// Commented-out lines too: an old password is still a password.
	regexp.MustCompile(`(?im)^([ \t]*(?:[#!][ \t]*)?auth_pass[ \t]+)("[^"\n]*"|\S+)`),
	regexp.MustCompile(`(?im)^([ \t]*(?:[#!][ \t]*)?[a-z0-9_]*(?:_pass|pass_|passwd|password|secret|_key|token)[a-z0-9_]*[ \t]+)("[^"\n]*"|\S+)`),
	// SNMP communities (snmpd.conf, keepalived's net-snmp settings).
	regexp.MustCompile(`(?im)^([ \t]*(?:[#!][ \t]*)?(?:ro|rw)?community6?[ \t]+)("[^"\n]*"|\S+)`),
	regexp.MustCompile(`(?i)(community6?[ =:]+)("[^"\n]*"|[^\s,;]+)`),
	// OpenStack and other credentials in environment-style assignments
	// (notify scripts, openrc, systemd units): OS_PASSWORD=..., export
	// OS_TOKEN="...", OS_APPLICATION_CREDENTIAL_SECRET=...
	regexp.MustCompile(`(?i)(\b[A-Z0-9_]*(?:PASSWORD|PASSWD|TOKEN|SECRET|API_?KEY|PRIVATE_KEY)[A-Z0-9_]*\s*=\s*)("[^"\n]*"|'[^'\n]*'|[^\s;&|]+)`),
	// clouds.yaml and other YAML / JSON: password: ..., "token": "...".
	regexp.MustCompile(`(?i)("?\b[a-z0-9_]*(?:password|passwd|token|secret|api_?key)[a-z0-9_]*"?\s*:\s*)("[^"\n]*"|'[^'\n]*'|[^\s,}]+)`),
	// Command lines: --os-password X, --password=X, --token X.
	regexp.MustCompile(`(?i)(--(?:os-)?(?:password|token|secret|auth-key)[ =])("[^"\n]*"|'[^'\n]*'|\S+)`),
}

// MaskText replaces the secrets in a text file or command output and
// reports how many it replaced.
func MaskText(b []byte) ([]byte, int) {
	n := 0
	for _, re := range secretPatterns {
		b = re.ReplaceAllFunc(b, func(m []byte) []byte {
			sub := re.FindSubmatchIndex(m)
			k := len(sub)/2 - 1 // the value is the last group
			start, end := sub[2*k], sub[2*k+1]
			if start < 0 || string(m[start:end]) == Masked || string(m[start:end]) == `"`+Masked+`"` {
				return m
			}
			n++
			out := append([]byte{}, m[:start]...)
			out = append(out, Masked...)
			return append(out, m[end:]...)
		})
	}
	return b, n
}

// maskFrame returns a copy of a captured frame (p its decoding, which
// aliases frame) with a VRRPv2 simple-text password replaced by Masked and
// the advert's checksum fixed, so the capture in the bundle reads like the
// original but for the password; nil when the frame has none.
func maskFrame(p *decode.Parser, kind decode.Kind, frame []byte) []byte {
	v := &p.VRRP
	if kind != decode.KindVRRP || v.Version != decode.V2 || v.AuthType != decode.AuthSimple {
		return nil
	}
	msg := v.Contents
	if len(msg) < 16 || cap(msg) > cap(frame) {
		return nil
	}
	off := cap(frame) - cap(msg) // msg is a slice of frame
	if off < 0 || off+len(msg) > len(frame) || &frame[off] != &msg[0] {
		return nil
	}
	out := append([]byte(nil), frame...)
	m := out[off : off+len(msg)]
	copy(m[len(m)-8:], Masked)
	sum := decode.Checksum(m, decode.FlavourMessageOnly, v.IP.Src, v.IP.Dst) // VRRPv2: over the message only
	m[6], m[7] = byte(sum>>8), byte(sum)
	return out
}

// maskPcap copies the capture at path with every VRRPv2 simple-text
// password masked (maskFrame), and reports how many frames it changed.
func maskPcap(path string) ([]byte, int, error) {
	src, err := pcapfile.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer src.Close()
	var buf bytes.Buffer
	w, err := pcapfile.NewWriter(&buf, src.LinkType(), 65535)
	if err != nil {
		return nil, 0, err
	}
	n := 0
	err = capture.Run(context.Background(), src, capture.Options{}, func(p *capture.Packet) error {
		data := p.Data
		if m := maskFrame(p.P, p.Kind, data); m != nil {
			data = m
			n++
		} else if p.Kind == decode.KindVRRP && p.P.VRRP.Version == decode.V2 && p.P.VRRP.AuthType == decode.AuthSimple {
			return fmt.Errorf("frame %d: a VRRPv2 password that could not be masked", p.N)
		}
		return w.WritePacket(p.CI, data)
	})
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), n, nil
}
