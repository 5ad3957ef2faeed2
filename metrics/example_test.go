package metrics_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/vrrpkit/vrrpkit/decode/capture/pcapfile"
	"github.com/vrrpkit/vrrpkit/metrics"
	"github.com/vrrpkit/vrrpkit/track"
)

// A tracker fed from a capture (here the bundled split-brain capture, as
// vrrpdump -r would) and scraped: two masters in vrid 51.
func ExampleNew() {
	src, err := pcapfile.Open("../testdata/pcaps/split-brain.pcap")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer src.Close()
	tr := track.New(track.Options{})
	tr.Read(context.Background(), src, track.ReadOptions{Link: "eth0"})

	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics.New(tr, nil))
	mfs, _ := reg.Gather()
	var b strings.Builder
	for _, mf := range mfs {
		switch mf.GetName() {
		case "vrrp_group_masters", "vrrp_group_master_info":
			expfmt.MetricFamilyToText(&b, mf)
		}
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "vrrp_") {
			fmt.Println(line)
		}
	}
	// Output:
	// vrrp_group_master_info{family="ipv4",link="eth0",master="192.0.2.11",priority="150",vlan="0",vrid="51"} 1
	// vrrp_group_master_info{family="ipv4",link="eth0",master="192.0.2.12",priority="100",vlan="0",vrid="51"} 1
	// vrrp_group_masters{family="ipv4",link="eth0",vlan="0",vrid="51"} 2
}
