package daemons

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// jsonInstance is one element of /tmp/keepalived.json as keepalived 2.2
// writes it (keepalived/vrrp/vrrp_json.c): {"data": {...}, "stats": {...}}.
// auth_data, the password, is deliberately not decoded.
type jsonInstance struct {
	Data struct {
		Iname          string   `json:"iname"`
		VMACIfname     string   `json:"vmac_ifname"`
		IfpIfname      string   `json:"ifp_ifname"`
		LastTransition float64  `json:"last_transition"`
		VRID           int      `json:"vrid"`
		BasePriority   int      `json:"base_priority"`
		Effective      int      `json:"effective_priority"`
		AdverInt       float64  `json:"adver_int"`
		MasterAdverInt float64  `json:"master_adver_int"`
		Nopreempt      bool     `json:"nopreempt"`
		State          int      `json:"state"`
		WantState      int      `json:"wantstate"`
		Version        int      `json:"version"`
		VIPs           []string `json:"vips"`
		TrackIfp       []string `json:"track_ifp"`
		AuthType       int      `json:"auth_type"`
	} `json:"data"`
	Stats *Stats `json:"stats"`
}

func parseJSON(b []byte) ([]jsonInstance, error) {
	var js []jsonInstance
	if err := json.Unmarshal(b, &js); err != nil {
		return nil, fmt.Errorf("keepalived.json: %w", err)
	}
	return js, nil
}

// StateName names keepalived's VRRP_STATE_* numbers (vrrp.h).
func StateName(n int) string {
	switch n {
	case 0:
		return "INIT"
	case 1:
		return "BACKUP"
	case 2:
		return "MASTER"
	case 3:
		return "FAULT"
	case 97:
		return "DELETED"
	case 98:
		return "STOP"
	}
	return fmt.Sprintf("State(%d)", n)
}

func seconds(f float64) time.Duration { return time.Duration(math.Round(f * float64(time.Second))) }

// merge lays the JSON over what the data dump gave: the JSON is the
// structured source for state, priorities and counters; the data dump alone
// knows what an instance tracks with which weight.
func (j *jsonInstance) merge(in *Instance) {
	d := &j.Data
	in.Name, in.Interface, in.VRID, in.Version = d.Iname, d.IfpIfname, d.VRID, d.Version
	in.VMAC = d.VMACIfname
	in.State, in.WantState = StateName(d.State), StateName(d.WantState)
	in.Priority, in.Effective = d.BasePriority, d.Effective
	in.AdvertInt, in.MasterAdvInt = seconds(d.AdverInt), seconds(d.MasterAdverInt)
	in.Nopreempt = d.Nopreempt
	in.VIPs = d.VIPs
	if in.AuthType == "" {
		in.AuthType = authName(d.AuthType)
	}
	if d.LastTransition > 0 {
		sec, frac := math.Modf(d.LastTransition)
		in.LastChange = time.Unix(int64(sec), int64(frac*1e9)).UTC()
	}
	if len(in.TrackIfaces) == 0 {
		for _, n := range d.TrackIfp {
			// The JSON names tracked interfaces without their weights.
			in.TrackIfaces = append(in.TrackIfaces, Track{Name: n})
		}
	}
	if j.Stats != nil {
		in.Stats = j.Stats
	}
}

func authName(n int) string {
	switch n {
	case 0:
		return "none"
	case 1:
		return "PASS"
	case 2:
		return "AH"
	}
	return fmt.Sprintf("auth(%d)", n)
}
