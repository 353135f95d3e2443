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
