package handlers

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// Dashboard cards, analytics tables and insight rules are derived data: the
// big organisation's cost 5-30 ms of SQL each (docs/BENCHMARKS.md, the bare
// column) and change only when the organisation's data does. So their
// results are remembered per organisation *and its data version* (00012:
// bumped at the commit of every write made with a request context,
// dismissals and settings included), member, role, day, time zone and the
// card's own parameters (period, area, dismissed switch, list size): the
// page, its fragments, polling dashboards, the member's other tabs and
// devices reuse a result until anything in the organisation changes or the
// day turns, and the next request after a change computes it afresh. The
// key starts from what begin_request established for this request, so an
// entry is only ever served inside the organisation whose data made it, to
// the member it was made for. Entries hold no session state: CSRF tokens
// are set on the way out.
//
// Like the ETags, this relies on every write going through a request
// transaction; data loaded behind the server's back (rumbo demo or seed
// while it runs) shows after a restart.

const memoSize = 4096 // entries; a few KB each

type memo struct {
	mu      sync.Mutex
	entries map[string]any
	ring    []string // keys in insertion order; the oldest is evicted
	next    int
}

func newMemo() *memo {
	return &memo{entries: make(map[string]any, memoSize), ring: make([]string, memoSize)}
}

func (m *memo) get(key string) (any, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.entries[key]
	return v, ok
}

func (m *memo) put(key string, v any) {
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

func (m *memo) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// remember returns the result remembered for this request's organisation
// state and the card's parameters (parts), or computes and remembers it.
// perSession, when not nil, makes a copy carrying this session's CSRF token.
func remember[T any](s *Server, r *request, parts []string, compute func() (T, error), perSession func(T, string) T) (T, error) {
	key := strings.Join(append([]string{
		r.sess.OrgID, strconv.FormatInt(r.sess.DataVersion, 10), r.sess.UserID, r.sess.Role,
		r.sess.Today.Format(time.DateOnly), r.sess.OrgTimezone,
	}, parts...), "\x00")
	if v, ok := s.memo.get(key); ok {
		if perSession != nil {
			return perSession(v.(T), r.csrf()), nil
		}
		return v.(T), nil
	}
	v, err := compute()
	if err != nil {
		return v, err
	}
	s.memo.put(key, v)
	return v, nil
}

// memoInsight remembers one insight rule's result.
func memoInsight[T any](s *Server, r *request, p insightParams, rule string, limit int,
	compute func() (T, error), withCSRF func(T, string) T) (T, error) {
	return remember(s, r, []string{"insight", rule, strconv.Itoa(limit), p.Param, p.ID.String, strconv.FormatBool(p.ShowDismissed)},
		compute, withCSRF)
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
