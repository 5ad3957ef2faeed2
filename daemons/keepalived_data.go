package daemons

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// dline is one line of keepalived.data with the more indented lines under
// it: "Tracked scripts :" holds "chk_ok weight 2".
type dline struct {
	indent int
	text   string
	kids   []*dline
}

// kv splits "Key = value" at the first " = ".
func (l *dline) kv() (string, string, bool) {
	k, v, ok := strings.Cut(l.text, " = ")
	return strings.TrimSpace(k), strings.TrimSpace(v), ok
}

// dataDump is what parseData takes from /tmp/keepalived.data.
type dataDump struct {
	scriptSecurity bool
	instances      []Instance
	scripts        []Script
	trackFiles     []TrackFile
	ifaces         []Interface
}

// parseData reads /tmp/keepalived.data as keepalived 2.2 writes it
// (dump_data_vrrp and friends, vrrp_print.c / vrrp_data.c): sections
// "------< VRRP Topology >------" holding indented "Key = value" lines and
// lists under "Key :" headings. Lines it does not know are skipped; the
// password line is never kept.
func parseData(b []byte) (*dataDump, error) {
	sections := map[string][]*dline{}
	var cur string
	var stack []*dline
	for _, raw := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(raw, "------<") {
			cur = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(raw, "------<"), ">------"))
			stack = stack[:0]
			continue
		}
		text := strings.TrimLeft(raw, " ")
		if text == "" || cur == "" {
			continue
		}
		l := &dline{indent: len(raw) - len(text), text: strings.TrimRight(text, " ")}
		for len(stack) > 0 && stack[len(stack)-1].indent >= l.indent {
			stack = stack[:len(stack)-1]
		}
		if len(stack) == 0 {
			sections[cur] = append(sections[cur], l)
		} else {
			p := stack[len(stack)-1]
			p.kids = append(p.kids, l)
		}
		stack = append(stack, l)
	}
	if len(sections) == 0 {
		return nil, fmt.Errorf("keepalived.data: no \"------< ... >------\" section")
	}
	d := &dataDump{}
	for _, l := range sections["Global definitions"] {
		if l.text == "Script security enabled" {
			d.scriptSecurity = true
		}
	}
	for _, l := range sections["VRRP Topology"] {
		if k, v, _ := l.kv(); k == "VRRP Instance" {
			d.instances = append(d.instances, dataInstance(v, l.kids))
		}
	}
	d.scripts = entries(sections["VRRP Scripts"], "VRRP Script", func(n string) Script { return Script{Name: n} }, func(s *Script, k, v string) {
		switch k {
		case "Command":
			s.Command = strings.Trim(v, "'")
		case "Weight":
			s.Weight = atoi(v)
		case "Rise":
			s.Rise = atoi(v)
		case "Fall":
			s.Fall = atoi(v)
		case "Result":
			s.Result = atoi(v)
		case "Insecure":
			s.Insecure = v == "yes"
		case "Status":
			s.Status = v
		}
	})
	d.trackFiles = entries(sections["VRRP Track files"], "Track file", func(n string) TrackFile { return TrackFile{Name: n} }, func(f *TrackFile, k, v string) {
		switch k {
		case "File":
			f.Path = v
		case "Status":
			f.Value = atoi(v)
		case "Weight":
			f.Weight = atoi(v)
		}
	})
	d.ifaces = entries(sections["Interfaces"], "Name", func(n string) Interface { return Interface{Name: n} }, func(i *Interface, k, v string) {
		switch k {
		case "IPv4 address":
			i.IPv4, _ = netip.ParseAddr(v)
		case "State":
			for _, f := range strings.Split(v, ",") {
				switch strings.TrimSpace(f) {
				case "UP":
					i.Up = true
				case "RUNNING":
					i.Running = true
				}
			}
		}
	})
	return d, nil
}

// entries reads each "key = NAME" line of a section into a T named NAME,
// passing set every "k = v" line under it.
func entries[T any](ls []*dline, key string, named func(string) T, set func(t *T, k, v string)) []T {
	var out []T
	for _, l := range ls {
		if k, v, _ := l.kv(); k == key {
			t := named(v)
			for _, c := range l.kids {
				k, v, _ := c.kv()
				set(&t, k, v)
			}
			out = append(out, t)
		}
	}
	return out
}

func dataInstance(name string, kids []*dline) Instance {
	in := Instance{Name: name, Peers: []netip.Addr{}}
	for _, c := range kids {
		k, v, ok := c.kv()
		if !ok {
			k = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(c.text, ":"), " "))
		}
		switch k {
		case "VRRP Version":
			in.Version = atoi(v)
		case "State":
			in.State = v
		case "Wantstate":
			in.WantState = v
		case "Flags":
			for _, f := range c.kids {
				if f.text == "Using unicast" {
					in.Unicast = true
				}
			}
		case "Number of config faults":
			in.ConfigFaults = atoi(v)
		case "Number of interface and track script faults":
			in.TrackFaults = atoi(v)
		case "Last transition":
			f, _ := strconv.ParseFloat(strings.Fields(v + " 0")[0], 64)
			if f > 0 {
				in.LastChange = time.Unix(0, int64(f*1e9)).UTC()
			}
		case "Interface":
			in.Interface = v
		case "Using src_ip":
			in.SrcConfigured = strings.Contains(v, "(from configuration)")
			in.SrcIP, _ = netip.ParseAddr(strings.Fields(v + " ")[0])
		case "Virtual Router ID":
			in.VRID = atoi(v)
		case "Priority":
			in.Priority = atoi(v)
		case "Effective priority":
			in.Effective = atoi(v)
		case "Advert interval":
			in.AdvertInt = parseInterval(v)
		case "Preempt":
			in.Nopreempt = v == "disabled"
		case "Authentication type":
			in.AuthType = map[string]string{"none": "none", "SIMPLE_PASSWORD": "PASS", "IPSEC_AH": "AH"}[v]
			if in.AuthType == "" {
				in.AuthType = v
			}
		case "Unicast Peer":
			for _, p := range c.kids {
				if a, err := netip.ParseAddr(strings.Fields(p.text)[0]); err == nil {
					in.Peers = append(in.Peers, a)
				}
			}
		case "Tracked interfaces":
			in.TrackIfaces = tracks(c.kids)
		case "Tracked scripts":
			in.TrackScripts = tracks(c.kids)
		case "Tracked files":
			in.TrackFiles = tracks(c.kids)
		default:
			if strings.HasPrefix(k, "Virtual IP (") {
				for _, p := range c.kids {
					in.VIPs = append(in.VIPs, p.text)
				}
			}
		}
	}
	return in
}

// tracks reads "trk0 weight -30", "tf, weight 1" and "chk weight 2 reverse".
func tracks(ls []*dline) []Track {
	var out []Track
	for _, l := range ls {
		f := strings.Fields(strings.ReplaceAll(l.text, ",", " "))
		if len(f) == 0 {
			continue
		}
		t := Track{Name: f[0]}
		for i := 1; i < len(f); i++ {
			switch f[i] {
			case "weight":
				if i+1 < len(f) {
					t.Weight = atoi(f[i+1])
				}
			case "reverse":
				t.Reverse = true
			}
		}
		out = append(out, t)
	}
	return out
}

// parseInterval reads "1 sec", "1.5 sec" or "1000 milli-sec".
func parseInterval(v string) time.Duration {
	f := strings.Fields(v)
	if len(f) == 0 {
		return 0
	}
	n, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return 0
	}
	if len(f) > 1 && strings.HasPrefix(f[1], "milli") {
		return seconds(n / 1000)
	}
	return seconds(n)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.Fields(s + " ")[0])
	return n
}
