package metrics_test

import (
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/lab"
)

// TestLabExporterCost measures what the exporter costs while watching 1,000
// groups advertising every 100 ms (10,000 adverts/s from bench/vrrpgen on a
// lab host): vrrpdump's CPU and RSS without scrapes, then while scraped
// every second, and how long a scrape takes. It is a measurement, not a
// check: a load test (make load, about 80 s).
//
//	VRRPKIT_LOAD=1 go test -count=1 -run TestLabExporterCost -v ./metrics/
func TestLabExporterCost(t *testing.T) {
	lab.Load(t)
	l := lab.New(t, lab.Config{Hosts: 1})
	br := l.Bridge()
	vd := br.Start(t, lab.Binary(t, "../cmd/vrrpdump"), "-i", l.BridgeIface(), "--metrics", exporterAddr)
	gen := l.Host(1).Start(t, lab.Binary(t, "../bench/vrrpgen"), "-i", "eth0", "-groups", "1000",
		"-interval", "100ms", "-rate", "10000", "-duration", "75s")

	client := nsClient(t, br.Name(), 10*time.Second)
	scrape := func() (time.Duration, string) {
		start := time.Now()
		resp, err := client.Get("http://" + exporterAddr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		return time.Since(start), string(b)
	}

	// Let every group be seen and the tracker settle.
	time.Sleep(10 * time.Second)
	_, body := scrape()
	t.Logf("after 10 s: vrrp_groups %s, %d series, %d bytes", metricValue(body, "vrrp_groups"), strings.Count(body, "\nvrrp_")-strings.Count(body, "\n# "), len(body))

	window := 25 * time.Second
	cpu0, at0 := cpuSeconds(t, vd.Pid()), time.Now()
	time.Sleep(window)
	cpu1, at1 := cpuSeconds(t, vd.Pid()), time.Now()
	t.Logf("no scrapes, %s: vrrpdump CPU %.1f%% of one core, RSS %s", window, 100*(cpu1-cpu0)/at1.Sub(at0).Seconds(), rss(t, vd.Pid()))

	var took []time.Duration
	cpu0, at0 = cpuSeconds(t, vd.Pid()), time.Now()
	for time.Since(at0) < window {
		d, b := scrape()
		took = append(took, d)
		body = b
		time.Sleep(time.Second - d)
	}
	cpu1, at1 = cpuSeconds(t, vd.Pid()), time.Now()
	slices.Sort(took)
	t.Logf("scraped every 1 s, %s: vrrpdump CPU %.1f%% of one core, RSS %s (peak %s)", window,
		100*(cpu1-cpu0)/at1.Sub(at0).Seconds(), rss(t, vd.Pid()), hwm(t, vd.Pid()))
	t.Logf("scrape: %d scrapes, median %s, max %s, %d bytes, vrrp_groups %s, adverts %s, kernel drops %s",
		len(took), took[len(took)/2].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond), len(body),
		metricValue(body, "vrrp_groups"), metricValue(body, "vrrp_adverts_total"),
		metricValue(body, `vrrp_capture_kernel_dropped_packets_total{link="br0"}`))
	gen.Wait()
	t.Logf("vrrpgen: %s", strings.TrimSpace(gen.Log()))
}

func metricValue(body, name string) string {
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	return "?"
}

// cpuSeconds is the user+system CPU time of pid.
func cpuSeconds(t *testing.T, pid int) float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ
}

func statusField(t *testing.T, pid int, key string) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

func rss(t *testing.T, pid int) string { return statusField(t, pid, "VmRSS") }
func hwm(t *testing.T, pid int) string { return statusField(t, pid, "VmHWM") }
