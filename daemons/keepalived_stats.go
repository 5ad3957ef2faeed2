package daemons

import (
	"fmt"
	"strconv"
	"strings"
)

// parseStats reads /tmp/keepalived.stats as keepalived 2.2 writes it
// (vrrp_print_stats): "VRRP Instance: NAME" followed by indented counters
// under headings, e.g. "  Packet Errors:" / "    Length: 0".
func parseStats(b []byte) (map[string]*Stats, error) {
	out := map[string]*Stats{}
	var cur *Stats
	heading := ""
	for _, raw := range strings.Split(string(b), "\n") {
		text := strings.TrimSpace(raw)
		if text == "" {
			continue
		}
		if name, ok := strings.CutPrefix(text, "VRRP Instance:"); ok {
			cur = &Stats{}
			out[strings.TrimSpace(name)] = cur
			heading = ""
			continue
		}
		if cur == nil {
			continue
		}
		k, v, _ := strings.Cut(text, ":")
		v = strings.TrimSpace(v)
		if v == "" {
			heading = k
			continue
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			continue
		}
		if indent := len(raw) - len(strings.TrimLeft(raw, " ")); indent <= 2 {
			heading = "" // "  Became master: 1" closes the heading above
		}
		if p := statField(cur, heading, k); p != nil {
			*p = n
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("keepalived.stats: no \"VRRP Instance:\" line")
	}
	return out, nil
}

func statField(s *Stats, heading, key string) *uint64 {
	switch heading + "/" + key {
	case "Advertisements/Received":
		return &s.AdvertRcvd
	case "Advertisements/Sent":
		return &s.AdvertSent
	case "/Became master":
		return &s.BecomeMaster
	case "/Released master":
		return &s.ReleaseMaster
	case "Packet Errors/Length":
		return &s.PacketLenErr
	case "Packet Errors/TTL":
		return &s.IPTTLErr
	case "Packet Errors/Invalid Type":
		return &s.InvalidTypeRcvd
	case "Packet Errors/Advertisement Interval":
		return &s.AdvertIntervalErr
	case "Packet Errors/Address List":
		return &s.AddrListErr
	case "Authentication Errors/Invalid Type":
		return &s.InvalidAuthType
	case "Authentication Errors/Type Mismatch":
		return &s.AuthTypeMismatch
	case "Authentication Errors/Failure":
		return &s.AuthFailure
	case "Priority Zero/Received":
		return &s.PriZeroRcvd
	case "Priority Zero/Sent":
		return &s.PriZeroSent
	}
	return nil
}
