package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vrrpkit/vrrpkit/track"
)

// CARP groups (OpenBSD carp(4), pfSense, OPNsense) have their own
// families, vrrp_carp_*: CARP shares VRRP's protocol number and virtual
// MACs but not its fields (advskew and demote instead of a priority) nor
// its numbering (a vhid 7 and a VRRP vrid 7 are two groups on one
// segment). A CARP group is (link, vlan, family, vhid).
var (
	carpGroupLabels   = []string{"link", "vlan", "family", "vhid"}
	carpRouterLabels  = append(carpGroupLabels[:4:4], "router")
	carpStateLabels   = append(carpGroupLabels[:4:4], "state")
	carpMasterLabels  = append(carpGroupLabels[:4:4], "master", "advskew", "demote")
	carpFindingLabels = append(carpGroupLabels[:4:4], "id", "severity")
)

var (
	descCARPMasters = desc("vrrp_carp_group_masters",
		"CARP routers of the vhid advertising now (only a CARP master advertises): 1 healthy, 2 or more carp-split, 0 when the group fell silent.", carpGroupLabels)
	descCARPState = desc("vrrp_carp_group_state",
		"Always 1, labelled with the CARP group's current state (OK, SPLIT-BRAIN, DOWN); one series per group.", carpStateLabels)
	descCARPMasterInfo = desc("vrrp_carp_group_master_info",
		"1 for each CARP router advertising as master now, with its address, advskew and demote (two series during a carp-split).", carpMasterLabels)
	descCARPChanges = desc("vrrp_carp_group_master_changes_total",
		"CARP master changes seen since vrrpdump started.", carpGroupLabels)
	descCARPAge = desc("vrrp_carp_group_last_advert_age_seconds",
		"Seconds since the CARP group's last advert from any router, on vrrpdump's clock.", carpGroupLabels)
	descCARPAdverts = desc("vrrp_carp_router_adverts_total",
		"CARP adverts received from the router.", carpRouterLabels)
	descCARPSkew = desc("vrrp_carp_router_advskew",
		"advskew in the router's last CARP advert (1/256 s; the lowest, after demote, is master).", carpRouterLabels)
	descCARPDemote = desc("vrrp_carp_router_demote",
		"Demotion counter in the router's last CARP advert (above 0: the router was demoted, e.g. an interface down).", carpRouterLabels)
	descCARPBase = desc("vrrp_carp_router_advbase_seconds",
		"advbase in the router's last CARP advert.", carpRouterLabels)
	descCARPInterval = desc("vrrp_carp_router_advertised_interval_seconds",
		"Advertisement interval the router's last CARP advert implies: advbase + advskew/256 s.", carpRouterLabels)
	descCARPObsMean = desc("vrrp_carp_router_observed_interval_seconds",
		"Mean time between the router's CARP adverts, first to last, as measured on the wire.", carpRouterLabels)
	descCARPLast = desc("vrrp_carp_router_last_advert_timestamp_seconds",
		"Time of the router's last CARP advert, Unix seconds (capture timestamp).", carpRouterLabels)
	descCARPFindings = desc("vrrp_carp_findings_active",
		"Findings of this id in the CARP group that are active now (carp-split, carp-vrrp-vmac, malformed); a series exists once the id was raised in the group.", carpFindingLabels)
	descCARPGroups = desc("vrrp_carp_groups",
		"CARP groups tracked.", nil)
	descCARPAdvertsAll = desc("vrrp_carp_adverts_total",
		"CARP adverts decoded, every link together.", nil)
)

var carpDescs = []*prometheus.Desc{descCARPMasters, descCARPState, descCARPMasterInfo, descCARPChanges, descCARPAge,
	descCARPAdverts, descCARPSkew, descCARPDemote, descCARPBase, descCARPInterval, descCARPObsMean, descCARPLast,
	descCARPFindings, descCARPGroups, descCARPAdvertsAll}

// collectCARP sends the CARP families; byGroup holds the findings not yet
// sent, by group, and loses the CARP groups' ones.
func (c *Collector) collectCARP(ch chan<- prometheus.Metric, groups []track.CARPSnapshot, stats track.Stats, byGroup map[track.GroupKey][]track.Finding, now time.Time) {
	gauge, counter := prometheus.GaugeValue, prometheus.CounterValue
	for i := range groups {
		g := &groups[i]
		gl := groupValues(g.Group)
		masters := g.Masters(now)
		ch <- prometheus.MustNewConstMetric(descCARPMasters, gauge, float64(len(masters)), gl...)
		ch <- prometheus.MustNewConstMetric(descCARPState, gauge, 1, append(gl, string(g.State(now)))...)
		for _, r := range masters {
			ch <- prometheus.MustNewConstMetric(descCARPMasterInfo, gauge, 1, append(gl, r.Addr, strconv.Itoa(r.AdvSkew), strconv.Itoa(r.Demote))...)
		}
		ch <- prometheus.MustNewConstMetric(descCARPChanges, counter, float64(g.Changes), gl...)
		if last := g.LastAdvert(); !last.IsZero() {
			ch <- prometheus.MustNewConstMetric(descCARPAge, gauge, max(now.Sub(last), 0).Seconds(), gl...)
		}
		for j := range g.Routers {
			r := &g.Routers[j]
			rl := append(gl, r.Addr)
			ch <- prometheus.MustNewConstMetric(descCARPAdverts, counter, float64(r.Count), rl...)
			ch <- prometheus.MustNewConstMetric(descCARPSkew, gauge, float64(r.AdvSkew), rl...)
			ch <- prometheus.MustNewConstMetric(descCARPDemote, gauge, float64(r.Demote), rl...)
			ch <- prometheus.MustNewConstMetric(descCARPBase, gauge, float64(r.AdvBase), rl...)
			ch <- prometheus.MustNewConstMetric(descCARPInterval, gauge, r.Interval.Seconds(), rl...)
			if r.Count > 1 {
				ch <- prometheus.MustNewConstMetric(descCARPObsMean, gauge, r.MeanInterval().Seconds(), rl...)
			}
			ch <- prometheus.MustNewConstMetric(descCARPLast, gauge, unixSeconds(r.Last), rl...)
		}
		c.findings(ch, nil, g.Group, byGroup[g.Group], now)
		delete(byGroup, g.Group)
	}
	ch <- prometheus.MustNewConstMetric(descCARPGroups, gauge, float64(len(groups)))
	ch <- prometheus.MustNewConstMetric(descCARPAdvertsAll, counter, float64(stats.CARP))
}
