package doctor

import (
	"io/fs"
	"net/netip"
	"strings"
)

// groupsJoined parses /proc/net/igmp and /proc/net/igmp6 into interface ->
// joined groups ("224.0.0.18", "ff02::12").
func (e *Env) groupsJoined() (map[string][]string, error) {
	out := map[string][]string{}
	b, err := fs.ReadFile(e.FS, "proc/net/igmp")
	if err != nil {
		return nil, err
	}
	dev := ""
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] == "Idx" {
			continue
		}
		if !strings.HasPrefix(line, "\t") && !strings.HasPrefix(line, " ") && len(f) >= 2 {
			dev = f[1]
			continue
		}
		if len(f[0]) == 8 {
			// the group as the host-order hex of a network-order word
			var ip [4]byte
			for i := 0; i < 4; i++ {
				var v byte
				for _, c := range f[0][6-2*i : 8-2*i] {
					v = v<<4 | hexval(c)
				}
				ip[i] = v
			}
			out[dev] = append(out[dev], itoa(int(ip[0]))+"."+itoa(int(ip[1]))+"."+itoa(int(ip[2]))+"."+itoa(int(ip[3])))
		}
	}
	if b, err := fs.ReadFile(e.FS, "proc/net/igmp6"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) < 3 || len(f[2]) != 32 {
				continue
			}
			var a [16]byte
			for i := range a {
				a[i] = hexval(rune(f[2][2*i]))<<4 | hexval(rune(f[2][2*i+1]))
			}
			out[f[1]] = append(out[f[1]], netip.AddrFrom16(a).String())
		}
	}
	return out, nil
}

func hexval(c rune) byte {
	switch {
	case c >= '0' && c <= '9':
		return byte(c - '0')
	case c >= 'a' && c <= 'f':
		return byte(c - 'a' + 10)
	case c >= 'A' && c <= 'F':
		return byte(c - 'A' + 10)
	}
	return 0
}
