// Package iproute reads what iproute2 prints with -j (its stable,
// machine-readable form): the links of "ip -j -d link show" and "ip -j -d
// addr show", for vrrpdoctor's host checks and for the daemons' view of
// FRR's macvlans.
package iproute

import "encoding/json"

// Link is one link as "ip -j -d link/addr show" prints it; the fields a
// command does not print stay zero (addr_info comes with addr only).
type Link struct {
	Name      string   `json:"ifname"`
	Index     int      `json:"ifindex"`
	Flags     []string `json:"flags"` // MULTICAST, UP, LOWER_UP, ...
	OperState string   `json:"operstate"`
	MAC       string   `json:"address"`
	Parent    string   `json:"link"`   // the lower device of a macvlan or vlan
	Master    string   `json:"master"` // the bridge or bond it is enslaved to
	ProtoDown bool     `json:"proto_down"`
	GenMode   string   `json:"inet6_addr_gen_mode"` // eui64, none, stable_secret, random
	Info      *struct {
		Kind string `json:"info_kind"` // macvlan, bridge, veth, ...
		Data struct {
			Mode string `json:"mode"` // a macvlan's: private, bridge, vepa, passthru, source
		} `json:"info_data"`
	} `json:"linkinfo"`
	Addrs []struct {
		Local     string `json:"local"`
		PrefixLen int    `json:"prefixlen"`
		Tentative bool   `json:"tentative"`
		DADFailed bool   `json:"dadfailed"`
	} `json:"addr_info"`
}

// Kind is the link's linkinfo kind and mode ("" when ip printed none).
func (l *Link) Kind() (kind, mode string) {
	if l.Info == nil {
		return "", ""
	}
	return l.Info.Kind, l.Info.Data.Mode
}

// Parse reads the JSON of "ip -j -d link show" or "ip -j -d addr show".
func Parse(b []byte) ([]Link, error) {
	var ls []Link
	if err := json.Unmarshal(b, &ls); err != nil {
		return nil, err
	}
	return ls, nil
}
