package handlers

import (
	"cmp"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// metrics is a small Prometheus text exposition: request counts and
// latency per route, the database pool, and the process's memory. Labels
// are route patterns, never raw paths, so cardinality stays fixed.
type metrics struct {
	mu        sync.Mutex
	requests  map[requestKey]uint64
	durations map[string]*histogram
}

var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

type histogram struct {
	counts []uint64 // cumulative at exposition; per bucket here
	sum    float64
	count  uint64
}

type requestKey struct {
	route, method string
	code          int
}

func newMetrics() *metrics {
	return &metrics{requests: map[requestKey]uint64{}, durations: map[string]*histogram{}}
}

func (m *metrics) observe(route, method string, code int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[requestKey{route, method, code}]++
	h := m.durations[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(latencyBuckets))}
		m.durations[route] = h
	}
	sec := d.Seconds()
	for i, b := range latencyBuckets {
		if sec <= b {
			h.counts[i]++
			break
		}
	}
	h.sum += sec
	h.count++
}

// measure records every request under its route pattern.
func (s *Server) measure(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	code := c.Response().StatusCode()
	if err != nil {
		code, _ = classify(err)
	}
	route := c.Route().Path
	if c.Route().Method == "USE" && route != "/static" {
		route = "unmatched"
	}
	s.metrics.observe(route, c.Method(), code, time.Since(start))
	return err
}

// GET /metrics
func (s *Server) metricsPage(c *fiber.Ctx) error {
	var b strings.Builder
	m := s.metrics
	m.mu.Lock()
	b.WriteString("# HELP rumbo_http_requests_total HTTP requests by route pattern, method and status.\n")
	b.WriteString("# TYPE rumbo_http_requests_total counter\n")
	keys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b requestKey) int {
		return cmp.Or(strings.Compare(a.route, b.route), strings.Compare(a.method, b.method), a.code-b.code)
	})
	for _, k := range keys {
		fmt.Fprintf(&b, "rumbo_http_requests_total{route=%q,method=%q,code=\"%d\"} %d\n", k.route, k.method, k.code, m.requests[k])
	}
	b.WriteString("# HELP rumbo_http_request_duration_seconds Time to answer, by route pattern.\n")
	b.WriteString("# TYPE rumbo_http_request_duration_seconds histogram\n")
	routes := make([]string, 0, len(m.durations))
	for r := range m.durations {
		routes = append(routes, r)
	}
	slices.Sort(routes)
	for _, r := range routes {
		h := m.durations[r]
		var cum uint64
		for i, le := range latencyBuckets {
			cum += h.counts[i]
			fmt.Fprintf(&b, "rumbo_http_request_duration_seconds_bucket{route=%q,le=%q} %d\n", r, strconv.FormatFloat(le, 'g', -1, 64), cum)
		}
		fmt.Fprintf(&b, "rumbo_http_request_duration_seconds_bucket{route=%q,le=\"+Inf\"} %d\n", r, h.count)
		fmt.Fprintf(&b, "rumbo_http_request_duration_seconds_sum{route=%q} %g\n", r, h.sum)
		fmt.Fprintf(&b, "rumbo_http_request_duration_seconds_count{route=%q} %d\n", r, h.count)
	}
	m.mu.Unlock()

	st := s.pool.Stats()
	gauge := func(name, help string, v any) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n%s %v\n", name, help, name, name, v)
	}
	gauge("rumbo_db_connections_open", "Open connections of the serving pool.", st.OpenConnections)
	gauge("rumbo_db_connections_in_use", "Connections running a request transaction.", st.InUse)
	gauge("rumbo_db_connections_idle", "Idle connections.", st.Idle)
	gauge("rumbo_db_wait_count", "Requests that waited for a connection (cumulative).", st.WaitCount)
	gauge("rumbo_db_wait_seconds", "Time spent waiting for a connection (cumulative).", st.WaitDuration.Seconds())
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gauge("go_goroutines", "Goroutines.", runtime.NumGoroutine())
	gauge("go_memstats_heap_alloc_bytes", "Bytes of allocated heap objects.", ms.HeapAlloc)
	if rss, ok := residentBytes(); ok {
		gauge("process_resident_memory_bytes", "Resident set size.", rss)
	}
	c.Type("txt", "utf-8")
	c.Set(fiber.HeaderContentType, "text/plain; version=0.0.4; charset=utf-8")
	return c.SendString(b.String())
}

// residentBytes reads the RSS from /proc (Linux); elsewhere it is omitted.
func residentBytes() (uint64, bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * uint64(os.Getpagesize()), true
}
