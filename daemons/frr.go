package daemons

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/iproute"
)

// FRR is FRR's vrrpd running in this network namespace and its virtual
// routers as "show vrrp json" reports them.
type FRR struct {
	PID       int         `json:"pid"`
	NetNS     string      `json:"netns"`
	VtySocket string      `json:"vty_socket,omitempty"` // vrrpd's --vty_socket, handed to vtysh
	Routers   []FRRRouter `json:"routers"`
	// NoPseudoHeader lists the VRIDs configured with "no vrrp N
	// checksum-with-ipv4-pseudoheader" (show running-config; FRR 8.5+).
	NoPseudoHeader []int  `json:"no_pseudoheader_vrids"`
	Err            string `json:"error,omitempty"` // why vtysh could not be asked
}

// FRRRouter is one "vrrp VRID" on an interface.
type FRRRouter struct {
	VRID      int           `json:"vrid"`
	Version   int           `json:"version"`
	Interface string        `json:"interface"`
	Shutdown  bool          `json:"shutdown"`
	Preempt   bool          `json:"preempt"`
	Accept    bool          `json:"accept"`
	AdvertInt time.Duration `json:"advert_int"`
	V4        *FRRFamily    `json:"v4,omitempty"`
	V6        *FRRFamily    `json:"v6,omitempty"`
}

// FRRFamily is the IPv4 or IPv6 half of a virtual router, with the macvlan
// that carries it.
type FRRFamily struct {
	Interface   string   `json:"interface"` // the macvlan vrrpd uses ("" when it found none)
	VMAC        string   `json:"vmac"`
	Primary     string   `json:"primary_address"`
	Status      string   `json:"status"` // Initialize, Backup, Master
	Effective   int      `json:"effective_priority"`
	AdverTx     uint64   `json:"adverts_tx"`
	AdverRx     uint64   `json:"adverts_rx"`
	Transitions uint64   `json:"transitions"`
	Addresses   []string `json:"addresses"`
	Macvlan     *Link    `json:"macvlan,omitempty"` // nil when the interface does not exist
}

// Link is an interface as "ip -j -d link show" describes it: what FRR's
// macvlans need.
type Link struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	Mode        string `json:"macvlan_mode,omitempty"` // bridge, private, vepa, passthru, source
	Parent      string `json:"parent,omitempty"`
	MAC         string `json:"mac"`
	AddrGenMode string `json:"addrgenmode,omitempty"` // eui64, none, stable_secret, random
	ProtoDown   bool   `json:"protodown"`
	Up          bool   `json:"up"`
}

// ReadFRR finds FRR's vrrpd in this network namespace and asks vtysh for
// "show vrrp json" and the running configuration, and "ip -j -d link
// show" for the macvlans. It returns nil when no vrrpd runs. vtysh show
// commands change nothing.
func ReadFRR(ctx context.Context, o Options) (*FRR, error) {
	procs, err := findProcs(o.FS, "vrrpd")
	if err != nil || len(procs) == 0 {
		return nil, err
	}
	p := procs[0]
	f := &FRR{PID: p.pid, NetNS: p.netns, Routers: []FRRRouter{}, NoPseudoHeader: []int{}}
	for i, a := range p.args {
		if a == "--vty_socket" && i+1 < len(p.args) {
			f.VtySocket = p.args[i+1]
		} else if s, ok := strings.CutPrefix(a, "--vty_socket="); ok {
			f.VtySocket = s
		}
	}
	vtysh := func(cmd string) ([]byte, error) {
		args := []string{"-c", cmd}
		if f.VtySocket != "" {
			args = append([]string{"--vty_socket", f.VtySocket}, args...)
		}
		return o.Run.Output(ctx, "vtysh", args...)
	}
	b, err := vtysh("show vrrp json")
	if err != nil {
		f.Err = err.Error()
		return f, nil
	}
	if f.Routers, err = parseFRRJSON(b); err != nil {
		f.Err = err.Error()
		return f, nil
	}
	if b, err := vtysh("show running-config"); err == nil {
		f.NoPseudoHeader = parseNoPseudoHeader(string(b))
	}
	links := map[string]*Link{}
	if b, err := o.Run.Output(ctx, "ip", "-j", "-d", "link", "show"); err == nil {
		ls, err := ParseIPLink(b)
		if err != nil {
			return f, err
		}
		for i := range ls {
			links[ls[i].Name] = &ls[i]
		}
	}
	for i := range f.Routers {
		for _, fam := range []*FRRFamily{f.Routers[i].V4, f.Routers[i].V6} {
			if fam != nil && fam.Interface != "" {
				fam.Macvlan = links[fam.Interface]
			}
		}
	}
	return f, nil
}

// parseFRRJSON reads "show vrrp json" as FRR 8.4 vrrpd prints it
// (vrrpd/vrrp_vty.c, vrrp_build_json).
func parseFRRJSON(b []byte) ([]FRRRouter, error) {
	type fam struct {
		Interface string   `json:"interface"`
		VMAC      string   `json:"vmac"`
		Primary   string   `json:"primaryAddress"`
		Status    string   `json:"status"`
		Effective int      `json:"effectivePriority"`
		Addresses []string `json:"addresses"`
		Stats     struct {
			AdverTx     uint64 `json:"adverTx"`
			AdverRx     uint64 `json:"adverRx"`
			Transitions uint64 `json:"transitions"`
		} `json:"stats"`
	}
	var raw []struct {
		VRID      int    `json:"vrid"`
		Version   int    `json:"version"`
		Shutdown  bool   `json:"shutdown"`
		Preempt   bool   `json:"preemptMode"`
		Accept    bool   `json:"acceptMode"`
		Interface string `json:"interface"`
		AdvInt    int    `json:"advertisementInterval"` // ms
		V4, V6    *fam
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("vtysh show vrrp json: %w", err)
	}
	out := []FRRRouter{}
	conv := func(f *fam) *FRRFamily {
		if f == nil {
			return nil
		}
		return &FRRFamily{Interface: f.Interface, VMAC: f.VMAC, Primary: f.Primary, Status: f.Status,
			Effective: f.Effective, Addresses: f.Addresses, AdverTx: f.Stats.AdverTx, AdverRx: f.Stats.AdverRx, Transitions: f.Stats.Transitions}
	}
	for _, r := range raw {
		out = append(out, FRRRouter{VRID: r.VRID, Version: r.Version, Interface: r.Interface, Shutdown: r.Shutdown,
			Preempt: r.Preempt, Accept: r.Accept, AdvertInt: time.Duration(r.AdvInt) * time.Millisecond,
			V4: conv(r.V4), V6: conv(r.V6)})
	}
	return out, nil
}

// parseNoPseudoHeader finds " vrrp N ... no checksum-with-ipv4-pseudoheader"
// lines: FRR 8.5+ writes "no vrrp 5 checksum-with-ipv4-pseudoheader".
func parseNoPseudoHeader(conf string) []int {
	out := []int{}
	for _, l := range strings.Split(conf, "\n") {
		f := strings.Fields(l)
		if len(f) == 4 && f[0] == "no" && f[1] == "vrrp" && f[3] == "checksum-with-ipv4-pseudoheader" {
			out = append(out, atoi(f[2]))
		}
	}
	return out
}

// ParseIPLink parses the JSON of "ip -j -d link show".
func ParseIPLink(b []byte) ([]Link, error) {
	raw, err := iproute.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("ip -j -d link show: %w", err)
	}
	out := make([]Link, 0, len(raw))
	for _, r := range raw {
		l := Link{Name: r.Name, Parent: r.Parent, MAC: r.MAC, AddrGenMode: r.GenMode, ProtoDown: r.ProtoDown,
			Up: slices.Contains(r.Flags, "UP")}
		l.Kind, l.Mode = r.Kind()
		out = append(out, l)
	}
	return out, nil
}
