package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vrrpkit/vrrpkit/internal/feed"
)

// Registry returns a registry holding c, the Go runtime's and the
// process's collectors (go_*, process_*).
func Registry(c *Collector) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(c, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Handler serves reg on /metrics and a short page linking to it on /.
func Handler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.InstrumentMetricHandler(reg,
		promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg, MaxRequestsInFlight: 4, Timeout: 30 * time.Second})))
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<html><head><title>vrrpdump</title></head><body><h1>vrrpdump</h1><p><a href=\"/metrics\">/metrics</a></p></body></html>\n")
	})
	return mux
}

// Serve exports feed's metrics over HTTP on addr (host:port) until ctx is
// done; it is vrrpdump's --metrics (dump.Env.Metrics). It returns early
// only when it cannot serve: the address is taken, not local, or the
// server fails.
func Serve(ctx context.Context, addr string, feed *feed.Feed) error {
	return ServeSaying(io.Discard)(ctx, addr, feed)
}

// ServeSaying is Serve that first says where it listens on w, once the
// address is bound ("vrrpdump: metrics on http://127.0.0.1:9724/metrics"):
// the port chosen for ":0" included.
func ServeSaying(w io.Writer) func(ctx context.Context, addr string, feed *feed.Feed) error {
	return func(ctx context.Context, addr string, feed *feed.Feed) error {
		ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "vrrpdump: metrics on http://%s/metrics\n", ln.Addr()); err != nil {
			ln.Close()
			return err
		}
		return serve(ctx, ln, Handler(Registry(New(feed.Tracker, feed.Health))))
	}
}

// serve runs h on ln until ctx is done, then shuts down, giving scrapes in
// flight a few seconds.
func serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
