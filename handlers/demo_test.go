package handlers

import (
	"html"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gavv/httpexpect/v2"

	"rumbo/internal/demo"
)

// signInDemo logs in a demo account with the demo password.
func signInDemo(t *testing.T, email string) *httpexpect.Expect {
	t.Helper()
	e := client(t)
	token := csrfFrom(t, e.GET("/login").Expect().Body().Raw())
	e.POST("/login").WithFormField("_csrf", token).WithFormField("email", email).
		WithFormField("password", demo.Password).Expect().Status(http.StatusSeeOther)
	return e
}

// TestDemoStatsEqualSQL: for each demo organisation, every data-stat of
// the objectives page and fragment equals the same number computed from
// the base tables, and the page lists exactly its own objectives.
func TestDemoStatsEqualSQL(t *testing.T) {
	for _, tc := range []struct{ email, slug, other string }{
		{"ana@acme.test", "acme-andina", "globex-sur"},
		{"gina@globex.test", "globex-sur", "acme-andina"},
		// gabriel belongs to both and starts in Acme Andina
		{"gabriel@acme.test", "acme-andina", "globex-sur"},
	} {
		e := signInDemo(t, tc.email)
		// the member's period by default (the current one: the demo's
		// periods are last, this and next quarter), and every period
		for _, view := range []string{"", "all"} {
			var want struct {
				Total, Draft, InProgress, Completed, Cancelled, Avg, Overdue int
			}
			tdb.Get(t, &want, `SELECT count(*) AS total,
				count(*) FILTER (WHERE o.status = 'draft') AS draft,
				count(*) FILTER (WHERE o.status = 'in_progress') AS inprogress,
				count(*) FILTER (WHERE o.status = 'completed') AS completed,
				count(*) FILTER (WHERE o.status = 'cancelled') AS cancelled,
				coalesce(round(avg(o.progress) FILTER (WHERE o.status <> 'cancelled')), 0) AS avg,
				count(*) FILTER (WHERE o.end_date < (now() AT TIME ZONE g.timezone)::date
				                   AND o.status IN ('draft', 'in_progress')) AS overdue
				FROM objectives o JOIN organizations g ON g.id = o.org_id
				WHERE g.slug = $1 AND o.archived_at IS NULL
				  AND ($2 = 'all' OR o.period_id = (
				      SELECT p.id FROM periods p WHERE p.org_id = g.id
				         AND p.start_date <= (now() AT TIME ZONE g.timezone)::date
				         AND p.end_date >= (now() AT TIME ZONE g.timezone)::date
				       ORDER BY p.start_date DESC LIMIT 1))`, tc.slug, view)
			wantMap := map[string]int{"total": want.Total, "draft": want.Draft, "in_progress": want.InProgress,
				"completed": want.Completed, "cancelled": want.Cancelled, "avg_progress": want.Avg, "overdue": want.Overdue}
			page := e.GET("/objectives").WithQuery("period", view).Expect().Status(http.StatusOK).Body().Raw()
			frag := htmx(e.GET("/fragments/objectives/stats").WithQuery("period", view)).Expect().Status(http.StatusOK).Body().Raw()
			for _, body := range []string{page, frag} {
				got := stats(body)
				for name, w := range wantMap {
					if got[name] != strconv.Itoa(w) {
						t.Errorf("%s, period %q: data-stat %s = %q, SQL says %d", tc.email, view, name, got[name], w)
					}
				}
			}
			if view == "all" && (want.Total < 12 || want.Overdue == 0) {
				t.Errorf("%s: the demo should have ≥12 objectives and some overdue: %+v", tc.email, want)
			}
			if view == "" && want.Total == 0 {
				t.Errorf("%s: the current period has no objectives", tc.email)
			}
		}
		page := e.GET("/objectives").WithQuery("period", "all").Expect().Status(http.StatusOK).Body().Raw()
		var own, foreign []string
		tdb.Select(t, &own, `SELECT o.title FROM objectives o JOIN organizations g ON g.id = o.org_id
			WHERE g.slug = $1 ORDER BY o.end_date, o.id LIMIT 25`, tc.slug)
		tdb.Select(t, &foreign, `SELECT o.title FROM objectives o JOIN organizations g ON g.id = o.org_id
			WHERE g.slug = $1`, tc.other)
		for _, title := range own {
			if !strings.Contains(page, html.EscapeString(title)) {
				t.Errorf("%s: own objective %q missing", tc.email, title)
			}
		}
		for _, title := range foreign {
			if strings.Contains(page, html.EscapeString(title)) {
				t.Errorf("%s: shows %s's objective %q", tc.email, tc.other, title)
			}
		}
	}
}
