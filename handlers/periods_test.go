package handlers

import (
	"net/http"
	"testing"
	"time"

	"rumbo/internal/testpg"
)

// TestPeriodChoiceFollowsTheMember: stats and tables follow the member's
// period (the current one by default), a choice is remembered, and the
// `period` parameter overrides it for shareable links.
func TestPeriodChoiceFollowsTheMember(t *testing.T) {
	org := tdb.NewOrg(t, "Periódica")
	u := tdb.Member(t, org, "Pía Periodos", "corporativo")
	other := tdb.NewOrg(t, "Otra Periódica")
	today := time.Now().UTC().Truncate(24 * time.Hour)
	var current, next, foreign string
	tdb.Get(t, &current, `INSERT INTO periods (org_id, name, start_date, end_date) VALUES ($1, 'Este', $2, $3) RETURNING id`,
		org.ID, today.AddDate(0, 0, -10), today.AddDate(0, 0, 20))
	tdb.Get(t, &next, `INSERT INTO periods (org_id, name, start_date, end_date) VALUES ($1, 'Siguiente', $2, $3) RETURNING id`,
		org.ID, today.AddDate(0, 0, 21), today.AddDate(0, 0, 60))
	tdb.Get(t, &foreign, `INSERT INTO periods (org_id, name, start_date, end_date) VALUES ($1, 'Ajeno', $2, $3) RETURNING id`,
		other.ID, today, today.AddDate(0, 1, 0))
	now := tdb.NewObjective(t, org, testpg.Objective{Title: "Del periodo actual"})
	later := tdb.NewObjective(t, org, testpg.Objective{Title: "Del siguiente"})
	tdb.NewObjective(t, org, testpg.Objective{Title: "Sin periodo"})
	tdb.Exec(t, `UPDATE objectives SET period_id = $1 WHERE id = $2`, current, now)
	tdb.Exec(t, `UPDATE objectives SET period_id = $1 WHERE id = $2`, next, later)

	e, token := signIn(t, u.Email)
	total := func(query string) string {
		t.Helper()
		return stats(htmx(get(e, "/fragments/objectives/stats"+query)).Expect().Status(http.StatusOK).Body().Raw())["total"]
	}
	page := e.GET("/objectives").Expect().Status(http.StatusOK).Body()
	page.Contains("Periodo actual (Este)").Contains("Del periodo actual").NotContains("Del siguiente").NotContains("Sin periodo")
	if got := total(""); got != "1" {
		t.Fatalf("current period: total %s", got)
	}
	if got := total("?period=all"); got != "3" {
		t.Fatalf("period=all: total %s", got)
	}
	if got := total("?period=" + next); got != "1" {
		t.Fatalf("period=next: total %s", got)
	}

	e.POST("/preferences/period").WithFormField("_csrf", token).WithFormField("period", "all").
		WithHeader("Referer", "http://rumbo.test/objectives?status=draft").
		Expect().Status(http.StatusSeeOther).Header("Location").IsEqual("/objectives?status=draft")
	if got := total(""); got != "3" {
		t.Fatalf("after choosing all: total %s", got)
	}
	r := htmx(e.POST("/preferences/period")).WithHeader("X-CSRF-Token", token).WithFormField("period", next).
		Expect().Status(http.StatusNoContent)
	r.Header("HX-Refresh").IsEqual("true")
	if got := total(""); got != "1" {
		t.Fatalf("after choosing the next period: total %s", got)
	}
	e.GET("/objectives").Expect().Body().Contains("Del siguiente").NotContains("Del periodo actual")

	// bad choices change nothing
	for _, v := range []string{foreign, "not-a-uuid", "00000000-0000-0000-0000-000000000000", ""} {
		e.POST("/preferences/period").WithFormField("_csrf", token).WithFormField("period", v).
			Expect().Status(http.StatusUnprocessableEntity)
	}
	get(e, "/fragments/objectives/stats?period=ayer").Expect().Status(http.StatusUnprocessableEntity).
		Body().Contains("El periodo elegido no es válido")
	if got := total(""); got != "1" {
		t.Fatalf("a refused choice changed the period: total %s", got)
	}
	// another organisation's period as a filter shows nothing of theirs or ours
	if got := total("?period=" + foreign); got != "0" {
		t.Fatalf("foreign period: total %s", got)
	}
	e.POST("/preferences/period").WithFormField("period", "all").Expect().Status(http.StatusForbidden)
}
