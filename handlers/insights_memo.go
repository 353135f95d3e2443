package handlers

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// Insights are derived data, and the big organisation's rules cost tens of
// milliseconds of SQL each (docs/BENCHMARKS.md, the bare column). So each
// rule's result is remembered per organisation *and its data version*
// (00012: bumped at the commit of every write made with a request context,
// dismissals included), member, role, period, dismissed switch, day and time
// zone: the page, its fragments, polling dashboards, the member's other
// tabs and devices reuse it until anything in the organisation changes or
// the day turns, and the next request after a change computes it afresh.
// The key starts from what begin_request established for this request, so
// an entry is only ever served inside the organisation whose data made it.
// Entries hold no session state: the CSRF tokens of the dismiss forms are
// set on the way out.
//
// Like the ETags, this relies on every write going through a request
// transaction; data loaded behind the server's back (rumbo demo or seed
// while it runs) shows after a restart.

const insightMemoSize = 2048 // entries; a few KB each

type insightMemo struct {
	mu      sync.Mutex
	entries map[string]any
	ring    []string // keys in insertion order; the oldest is evicted
	next    int
}

func newInsightMemo() *insightMemo {
	return &insightMemo{entries: make(map[string]any, insightMemoSize), ring: make([]string, insightMemoSize)}
}

func (m *insightMemo) get(key string) (any, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.entries[key]
	return v, ok
}

func (m *insightMemo) put(key string, v any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.entries[key]; ok {
		m.entries[key] = v // computed twice concurrently: same data
		return
	}
	if old := m.ring[m.next]; old != "" {
		delete(m.entries, old)
	}
	m.ring[m.next] = key
	m.next = (m.next + 1) % len(m.ring)
	m.entries[key] = v
}

func (m *insightMemo) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// memoInsight returns the rule's remembered result for this request's
// organisation state, or computes and remembers it. withCSRF makes a copy
// carrying this session's token.
func memoInsight[T any](s *Server, r *request, p insightParams, rule string, limit int,
	compute func() (T, error), withCSRF func(T, string) T) (T, error) {
	key := strings.Join([]string{
		rule, strconv.Itoa(limit), r.sess.OrgID, strconv.FormatInt(r.sess.DataVersion, 10), r.sess.UserID, r.sess.Role,
		p.Param, p.ID.String, strconv.FormatBool(p.ShowDismissed), r.sess.Today.Format(time.DateOnly), r.sess.OrgTimezone,
	}, "\x00")
	if v, ok := s.insights.get(key); ok {
		return withCSRF(v.(T), r.csrf()), nil
	}
	v, err := compute()
	if err != nil {
		return v, err
	}
	s.insights.put(key, v)
	return v, nil
}

func (l insightList) withCSRF(csrf string) insightList {
	l.CSRF = csrf
	l.Items, l.OnTrack, l.NoTrend = itemsWithCSRF(l.Items, csrf), itemsWithCSRF(l.OnTrack, csrf), itemsWithCSRF(l.NoTrend, csrf)
	return l
}

func itemsWithCSRF(items []insightItem, csrf string) []insightItem {
	if items == nil {
		return nil
	}
	out := make([]insightItem, len(items))
	for i, it := range items {
		it.CSRF = csrf
		out[i] = it
	}
	return out
}

func listWithCSRF(l insightList, csrf string) insightList { return l.withCSRF(csrf) }

func (s *Server) loadPace(r *request, p insightParams, limit int) (insightList, error) {
	return memoInsight(s, r, p, "pace", limit, func() (insightList, error) { return s.computePace(r, p, limit) }, listWithCSRF)
}

func (s *Server) loadStaleKeyResults(r *request, p insightParams, limit int) (insightList, error) {
	return memoInsight(s, r, p, "stale-kr", limit,
		func() (insightList, error) { return s.computeStaleKeyResults(r, p, limit) }, listWithCSRF)
}

func (s *Server) loadStalledInitiatives(r *request, p insightParams, limit int) (insightList, error) {
	return memoInsight(s, r, p, "stalled", limit,
		func() (insightList, error) { return s.computeStalledInitiatives(r, p, limit) }, listWithCSRF)
}

func (s *Server) loadOverdue(r *request, p insightParams, limit int) (overdueView, error) {
	return memoInsight(s, r, p, "overdue", limit, func() (overdueView, error) { return s.computeOverdue(r, p, limit) },
		func(v overdueView, csrf string) overdueView {
			v.Areas, v.People = v.Areas.withCSRF(csrf), v.People.withCSRF(csrf)
			return v
		})
}

// forecastResult is the forecast rule's two results, remembered together.
type forecastResult struct {
	List    insightList
	Summary insightsSummary
}

func (s *Server) loadForecast(r *request, p insightParams, limit int) (insightList, insightsSummary, error) {
	v, err := memoInsight(s, r, p, "forecast", limit, func() (forecastResult, error) {
		l, sum, err := s.computeForecast(r, p, limit)
		return forecastResult{l, sum}, err
	}, func(v forecastResult, csrf string) forecastResult {
		v.List = v.List.withCSRF(csrf)
		return v
	})
	return v.List, v.Summary, err
}
