package metrics

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/internal/feed"
	"github.com/vrrpkit/vrrpkit/timers"
	"github.com/vrrpkit/vrrpkit/track"
)

// Label names. A group is (link, vlan, family, vrid), as track.GroupKey.
var (
	groupLabels   = []string{"link", "vlan", "family", "vrid"}
	routerLabels  = append(groupLabels[:4:4], "router")
	stateLabels   = append(groupLabels[:4:4], "state")
	masterLabels  = append(groupLabels[:4:4], "master", "priority")
	findingLabels = append(groupLabels[:4:4], "id", "severity")
	linkLabels    = []string{"link"}
)

func desc(name, help string, labels []string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

// The metric families; README.md under contrib/prometheus documents each
// one, and a test checks that it does.
var (
	descMasters = desc("vrrp_group_masters",
		"Routers of the group advertising as master now: 1 healthy, 2 or more split brain, 0 down or released.", groupLabels)
	descState = desc("vrrp_group_state",
		"Always 1, labelled with the group's current state (OK, INIT, SPLIT-BRAIN, DOWN, COLLISION, FLAPPING, MISMATCH, RELEASED); one series per group.", stateLabels)
	descMasterInfo = desc("vrrp_group_master_info",
		"1 for each router advertising as master now, with its address and priority (two series during a split brain).", masterLabels)
	descChanges = desc("vrrp_group_master_changes_total",
		"Master changes (failovers and preemptions) seen since vrrpdump started.", groupLabels)
	descAge = desc("vrrp_group_last_advert_age_seconds",
		"Seconds since the group's last advert from any router, on vrrpdump's clock.", groupLabels)
	descAdverts = desc("vrrp_router_adverts_total",
		"Adverts received from the router (at most 16 routers per group are remembered; the longest silent is forgotten first).", routerLabels)
	descPriority = desc("vrrp_router_priority",
		"Priority in the router's last advert (0: it resigned).", routerLabels)
	descAdverInt = desc("vrrp_router_advertised_interval_seconds",
		"Advertisement interval the router advertises.", routerLabels)
	descObsMean = desc("vrrp_router_observed_interval_seconds",
		"Mean time between the router's consecutive adverts, as measured on the wire.", routerLabels)
	descObsMax = desc("vrrp_router_observed_interval_max_seconds",
		"Longest time between two consecutive adverts of the router.", routerLabels)
	descObsJitter = desc("vrrp_router_observed_interval_stddev_seconds",
		"Standard deviation of the time between the router's consecutive adverts (jitter).", routerLabels)
	descLast = desc("vrrp_router_last_advert_timestamp_seconds",
		"Time of the router's last advert, Unix seconds (capture timestamp).", routerLabels)
	descFindings = desc("vrrp_findings_active",
		"Findings of this id in the group that are active now (see the README for what active means per id); a series exists once the id was raised in the group.", findingLabels)
	descGroups = desc("vrrp_groups",
		"Groups tracked.", nil)
	descTrackerAdverts = desc("vrrp_adverts_total",
		"VRRP adverts decoded, every link together.", nil)
	descDecodeErrors = desc("vrrp_decode_errors_total",
		"VRRP packets that did not decode (malformed), every link together.", nil)
	descUntracked = desc("vrrp_untracked_adverts_total",
		"Adverts ignored because the tracker already follows its maximum number of groups.", nil)
	descDroppedFindings = desc("vrrp_dropped_findings_total",
		"Findings not recorded because the tracker holds its maximum number.", nil)
	descCapUp = desc("vrrp_capture_up",
		"1 while the capture on the link runs without error, 0 once it stopped or failed.", linkLabels)
	descCapPackets = desc("vrrp_capture_packets_total",
		"Frames vrrpdump read from the link (after the BPF filter).", linkLabels)
	descCapReceived = desc("vrrp_capture_kernel_received_packets_total",
		"Packets the kernel's capture filter accepted on the link (libpcap ps_recv).", linkLabels)
	descCapDropped = desc("vrrp_capture_kernel_dropped_packets_total",
		"Packets the kernel dropped because vrrpdump did not read them in time (libpcap ps_drop).", linkLabels)
	descCapIfDropped = desc("vrrp_capture_interface_dropped_packets_total",
		"Packets the interface or its driver dropped (libpcap ps_ifdrop).", linkLabels)
)

// Collector computes vrrpdump's metrics at scrape time from the tracker's
// snapshot and findings and the capture's counters; it adds nothing to the
// capture path.
type Collector struct {
	tracker *track.Tracker
	health  func() []feed.Health

	// libpcap's counters read as zero once a capture has stopped; the
	// highest values seen are kept so the counters never go backwards.
	mu   sync.Mutex
	seen map[string]feed.Health
}

// New returns a Collector over tr and, when health is not nil, the
// capture's own counters (feed.Feed.Health).
func New(tr *track.Tracker, health func() []feed.Health) *Collector {
	return &Collector{tracker: tr, health: health, seen: map[string]feed.Health{}}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descMasters, descState, descMasterInfo, descChanges, descAge,
		descAdverts, descPriority, descAdverInt, descObsMean, descObsMax, descObsJitter, descLast,
		descFindings, descGroups, descTrackerAdverts, descDecodeErrors, descUntracked, descDroppedFindings,
		descCapUp, descCapPackets, descCapReceived, descCapDropped, descCapIfDropped} {
		ch <- d
	}
	for _, d := range carpDescs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	groups := c.tracker.Overview() // no timelines: a scrape needs none
	findings := c.tracker.Findings()
	stats := c.tracker.Stats()
	now := c.tracker.Now()

	byGroup := make(map[track.GroupKey][]track.Finding)
	for _, f := range findings {
		byGroup[f.Group] = append(byGroup[f.Group], f)
	}
	gauge, counter := prometheus.GaugeValue, prometheus.CounterValue
	for i := range groups {
		g := &groups[i]
		gl := groupValues(g.Key)
		masters := Masters(g, now)
		ch <- prometheus.MustNewConstMetric(descMasters, gauge, float64(len(masters)), gl...)
		ch <- prometheus.MustNewConstMetric(descState, gauge, 1, append(gl, string(g.State))...)
		for _, r := range masters {
			ch <- prometheus.MustNewConstMetric(descMasterInfo, gauge, 1, append(gl, r.Addr, strconv.Itoa(int(r.Priority)))...)
		}
		ch <- prometheus.MustNewConstMetric(descChanges, counter, float64(g.Changes), gl...)
		var last time.Time
		for j := range g.Routers {
			r := &g.Routers[j]
			if r.Last.After(last) {
				last = r.Last
			}
			rl := append(gl, r.Addr)
			ch <- prometheus.MustNewConstMetric(descAdverts, counter, float64(r.Count), rl...)
			ch <- prometheus.MustNewConstMetric(descPriority, gauge, float64(r.Priority), rl...)
			ch <- prometheus.MustNewConstMetric(descAdverInt, gauge, r.AdverInt.Seconds(), rl...)
			if r.Count > 1 {
				ch <- prometheus.MustNewConstMetric(descObsMean, gauge, r.IntervalMean.Seconds(), rl...)
				ch <- prometheus.MustNewConstMetric(descObsMax, gauge, r.IntervalMax.Seconds(), rl...)
				ch <- prometheus.MustNewConstMetric(descObsJitter, gauge, r.Jitter.Seconds(), rl...)
			}
			ch <- prometheus.MustNewConstMetric(descLast, gauge, unixSeconds(r.Last), rl...)
		}
		if !last.IsZero() {
			ch <- prometheus.MustNewConstMetric(descAge, gauge, max(now.Sub(last), 0).Seconds(), gl...)
		}
		c.findings(ch, g, g.Key, byGroup[g.Key], now)
		delete(byGroup, g.Key)
	}
	c.collectCARP(ch, c.tracker.CARP(), stats, byGroup, now)
	// Findings about packets that belong to no group (undecodable adverts
	// carry VRID 0).
	for _, k := range slices.SortedFunc(maps.Keys(byGroup), compareKeys) {
		c.findings(ch, nil, k, byGroup[k], now)
	}
	ch <- prometheus.MustNewConstMetric(descGroups, gauge, float64(len(groups)))
	ch <- prometheus.MustNewConstMetric(descTrackerAdverts, counter, float64(stats.Adverts))
	ch <- prometheus.MustNewConstMetric(descDecodeErrors, counter, float64(stats.Undecodable))
	ch <- prometheus.MustNewConstMetric(descUntracked, counter, float64(stats.DroppedGroups))
	ch <- prometheus.MustNewConstMetric(descDroppedFindings, counter, float64(stats.DroppedFinds))
	if c.health != nil {
		for _, h := range c.capture(c.health()) {
			ch <- prometheus.MustNewConstMetric(descCapUp, gauge, b2f(h.Running && h.Err == nil), h.Link)
			ch <- prometheus.MustNewConstMetric(descCapPackets, counter, float64(h.Packets), h.Link)
			ch <- prometheus.MustNewConstMetric(descCapReceived, counter, float64(h.Received), h.Link)
			ch <- prometheus.MustNewConstMetric(descCapDropped, counter, float64(h.Dropped), h.Link)
			ch <- prometheus.MustNewConstMetric(descCapIfDropped, counter, float64(h.IfDropped), h.Link)
		}
	}
}

// findings sends the active findings of group k (g: its snapshot, nil for
// a CARP group or one the tracker has not), a CARP group's as
// vrrp_carp_findings_active: a VRRP vrid and a CARP vhid of one number are
// two groups, and one series each.
func (c *Collector) findings(ch chan<- prometheus.Metric, g *track.GroupSnapshot, k track.GroupKey, fs []track.Finding, now time.Time) {
	d := descFindings
	if k.Proto == track.ProtoCARP {
		d = descCARPFindings
	}
	gl := groupValues(k)
	for _, a := range activeByID(g, fs, now) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(a.n), append(gl, a.id, string(a.sev))...)
	}
}

func compareKeys(a, b track.GroupKey) int {
	return cmp.Or(cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.Link, b.Link), cmp.Compare(a.VLAN, b.VLAN),
		cmp.Compare(a.Family, b.Family), cmp.Compare(a.VRID, b.VRID))
}

// capture keeps every counter at the highest value seen for its link.
func (c *Collector) capture(hs []feed.Health) []feed.Health {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range hs {
		h := &hs[i]
		p := c.seen[h.Link]
		h.Packets, h.Received = max(h.Packets, p.Packets), max(h.Received, p.Received)
		h.Dropped, h.IfDropped = max(h.Dropped, p.Dropped), max(h.IfDropped, p.IfDropped)
		c.seen[h.Link] = *h
	}
	return hs
}

// Masters returns the routers of g advertising as master at now: none
// while the group is DOWN, RELEASED or INIT, the elected master otherwise,
// and during a split brain every router still advertising (only masters
// advertise), at least the two sides the tracker named.
func Masters(g *track.GroupSnapshot, now time.Time) []*track.RouterSnapshot {
	var out []*track.RouterSnapshot
	if g.State == track.StateSplitBrain {
		for i := range g.Routers {
			r := &g.Routers[i]
			if r.Master || advertising(r, now) {
				out = append(out, r)
			}
		}
		if len(out) >= 2 {
			return out
		}
		// The tracker's clock saw both sides within their
		// Master_Down_Interval (it runs ahead of or behind ours by a
		// tick): keep its verdict, with the two routers heard last.
		out = out[:0]
		for i := range g.Routers {
			if r := &g.Routers[i]; !r.Resigned {
				out = append(out, r)
			}
		}
		slices.SortStableFunc(out, func(a, b *track.RouterSnapshot) int { return b.Last.Compare(a.Last) })
		return out[:min(2, len(out))]
	}
	if g.Master == "" {
		return nil
	}
	for i := range g.Routers {
		if g.Routers[i].Master {
			return []*track.RouterSnapshot{&g.Routers[i]}
		}
	}
	return nil
}

// advertising reports whether r advertised within its own
// Master_Down_Interval before now and has not resigned.
func advertising(r *track.RouterSnapshot, now time.Time) bool {
	if r.Resigned || r.Priority == 0 {
		return false
	}
	return now.Sub(r.Last) < timers.MasterDownInterval(decode.Version(r.Version), r.Priority, r.AdverInt)
}

func groupValues(k track.GroupKey) []string {
	// Capacity for one more label (router, state, ...) without copying
	// into a shared backing array.
	v := make([]string, 4, 6)
	v[0], v[1], v[2], v[3] = k.Link, strconv.FormatUint(uint64(k.VLAN), 10), k.Family, strconv.Itoa(int(k.VRID))
	return v
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}
