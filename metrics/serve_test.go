package metrics_test

import (
	"context"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/feed"
	"github.com/vrrpkit/vrrpkit/metrics"
)

// syncBuffer is a buffer safe for a writer and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b = append(s.b, p...)
	return len(p), nil
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.b)
}

// ServeSaying says where it listens, the port chosen for :0 included,
// and serves there.
func TestServeSaysWhere(t *testing.T) {
	var said syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		errc <- metrics.ServeSaying(&said)(ctx, "127.0.0.1:0", &feed.Feed{Tracker: replay(t, "v2-basic", 0, 0)})
	}()
	re := regexp.MustCompile(`^vrrpdump: metrics on http://(127\.0\.0\.1:[1-9][0-9]*)/metrics\n$`)
	var m []string
	for deadline := time.Now().Add(5 * time.Second); m == nil; {
		if m = re.FindStringSubmatch(said.String()); m != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("said %q", said.String())
		}
		select {
		case err := <-errc:
			t.Fatalf("ServeSaying: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	resp, err := http.Get("http://" + m[1] + "/metrics")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %v", m[1], err)
	}
	resp.Body.Close()
}
