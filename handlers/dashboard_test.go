package handlers

import (
	"database/sql"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gavv/httpexpect/v2"

	"rumbo/internal/testpg"
	"rumbo/views"
)

// anyIDRe finds every entity id a fragment marks (<tr data-id>, <li data-id>).
var anyIDRe = regexp.MustCompile(`data-id="([0-9a-f-]{36})"`)

func dataIDs(body string) []string {
	var ids []string
	for _, m := range anyIDRe.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

var dashboardFragments = []string{"stats", "recent", "my-activities", "areas", "trend"}

// dashFixture is newOrgFixture plus periods, initiatives and activities in
// every state the cards must tell apart: archived (directly and by
// cascade), cancelled, overdue, completed at different times, in another
// period, without period or area.
type dashFixture struct {
	orgFixture
	PeriodNow, PeriodOld string
	Initiatives          map[string]string
	Activities           map[string]string
}

func dashInitiative(t *testing.T, org testpg.Org, objective, title, status string, owner string) string {
	t.Helper()
	var id string
	tdb.Get(t, &id, `INSERT INTO initiatives (org_id, objective_id, title, status, owner_id, start_date, end_date, progress_manual)
		VALUES ($1, $2, $3, $4, $5, current_date - 20, current_date + 20, 30) RETURNING id`,
		org.ID, objective, title, status, nullable(owner))
	return id
}

type dashActivitySpec struct {
	Title, Status, Assignee string
	Due                     *int // days from today; nil: no due date
	DoneDaysAgo             int  // for completed ones
}

func dashActivity(t *testing.T, org testpg.Org, initiative string, s dashActivitySpec) string {
	t.Helper()
	var due any
	if s.Due != nil {
		due = time.Now().UTC().AddDate(0, 0, *s.Due).Format(time.DateOnly)
	}
	var done any
	if s.Status == "completed" {
		done = time.Now().Add(-time.Duration(s.DoneDaysAgo) * 24 * time.Hour)
	}
	var id string
	tdb.Get(t, &id, `INSERT INTO activities (org_id, initiative_id, title, status, assignee_id, due_date, completed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, org.ID, initiative, s.Title, s.Status, nullable(s.Assignee), due, done)
	return id
}

func days(n int) *int { return &n }

func newDashFixture(t *testing.T, tag string) dashFixture {
	t.Helper()
	f := dashFixture{orgFixture: newOrgFixture(t, tag), Initiatives: map[string]string{}, Activities: map[string]string{}}
	o := f.Org
	tdb.Get(t, &f.PeriodNow, `INSERT INTO periods (org_id, name, start_date, end_date)
		VALUES ($1, 'Ahora '||$2, current_date - 30, current_date + 60) RETURNING id`, o.ID, tag)
	tdb.Get(t, &f.PeriodOld, `INSERT INTO periods (org_id, name, start_date, end_date)
		VALUES ($1, 'Antes '||$2, current_date - 200, current_date - 100) RETURNING id`, o.ID, tag)
	obj := func(title string) string { return f.Objectives[title+" "+tag] }
	for _, title := range []string{"Vender más", "Lanzar app", "Atrasado"} {
		tdb.Exec(t, `UPDATE objectives SET period_id = $2 WHERE id = $1`, obj(title), f.PeriodNow)
	}
	tdb.Exec(t, `UPDATE objectives SET period_id = $2 WHERE id = $1`, obj("Cerrar trimestre"), f.PeriodOld)
	// an objective archived with its children (the cascade archives them)
	gone := tdb.NewObjective(t, o, testpg.Objective{Title: "Archivado " + tag, Status: "in_progress", Area: f.AreaA,
		Owner: f.Emp.ID, Progress: 90, End: time.Now().UTC().AddDate(0, 0, 3)})
	tdb.Exec(t, `UPDATE objectives SET period_id = $2 WHERE id = $1`, gone, f.PeriodNow)
	f.Objectives["Archivado "+tag] = gone

	ini := func(key, objective, status, owner string) {
		f.Initiatives[key] = dashInitiative(t, o, objective, key+" "+tag, status, owner)
	}
	ini("Campaña", obj("Vender más"), "in_progress", f.Manager.ID)
	ini("Piloto", obj("Vender más"), "completed", f.Manager.ID)
	ini("Plan", obj("Lanzar app"), "planning", f.Boss.ID)
	ini("Cierre", obj("Cerrar trimestre"), "in_progress", f.Emp.ID)
	ini("Oculta", gone, "in_progress", f.Emp.ID)
	ini("Migración", obj("Migrar sistema"), "in_progress", f.Boss.ID)

	act := func(key, initiative string, s dashActivitySpec) {
		s.Title = key + " " + tag
		f.Activities[key] = dashActivity(t, o, f.Initiatives[initiative], s)
	}
	act("Llamar", "Campaña", dashActivitySpec{Status: "todo", Assignee: f.Emp.ID, Due: days(-3)})
	act("Visitar", "Campaña", dashActivitySpec{Status: "in_progress", Assignee: f.Emp.ID, Due: days(2)})
	act("Cotizar", "Campaña", dashActivitySpec{Status: "completed", Assignee: f.Manager.ID, Due: days(-8), DoneDaysAgo: 10})
	act("Descartar", "Campaña", dashActivitySpec{Status: "cancelled", Assignee: f.Emp.ID, Due: days(5)})
	act("Entregar", "Piloto", dashActivitySpec{Status: "completed", Assignee: f.Emp.ID, Due: days(-40), DoneDaysAgo: 40})
	act("Pensar", "Plan", dashActivitySpec{Status: "todo"})
	act("Hoy", "Plan", dashActivitySpec{Status: "todo", Assignee: f.Emp.ID, Due: days(0)})
	act("Lejano", "Plan", dashActivitySpec{Status: "todo", Assignee: f.Emp.ID, Due: days(45)})
	act("Archivar", "Cierre", dashActivitySpec{Status: "completed", Assignee: f.Boss.ID, DoneDaysAgo: 100})
	act("Oculta", "Oculta", dashActivitySpec{Status: "completed", Assignee: f.Emp.ID, DoneDaysAgo: 2})
	act("Sin periodo", "Migración", dashActivitySpec{Status: "in_progress", Assignee: f.Boss.ID, Due: days(6)})
	tdb.Exec(t, `UPDATE objectives SET archived_at = now() WHERE id = $1`, gone)
	return f
}

// dashTruth is every dashboard card computed from the base tables (as the
// owner, not from the aggregates the page reads): period "" is all.
func dashTruth(t *testing.T, orgID, periodID string) map[string]string {
	t.Helper()
	var w struct {
		Objectives, Active, Initiatives, Activities, Progress, Members int64
		Days                                                           sql.NullInt64
	}
	tdb.Get(t, &w, `
		WITH today AS (SELECT (now() AT TIME ZONE timezone)::date AS d FROM organizations WHERE id = $1),
		o AS (SELECT * FROM objectives WHERE org_id = $1 AND archived_at IS NULL AND ($2::uuid IS NULL OR period_id = $2::uuid))
		SELECT (SELECT count(*) FROM o) AS objectives,
		       (SELECT count(*) FROM o WHERE status = 'in_progress') AS active,
		       (SELECT count(*) FROM initiatives WHERE org_id = $1 AND archived_at IS NULL AND status = 'in_progress'
		          AND ($2::uuid IS NULL OR period_id = $2::uuid)) AS initiatives,
		       (SELECT count(*) FROM activities WHERE org_id = $1 AND archived_at IS NULL AND status = 'completed'
		          AND ($2::uuid IS NULL OR period_id = $2::uuid)) AS activities,
		       (SELECT coalesce(round(avg(progress)), 0) FROM o WHERE status <> 'cancelled') AS progress,
		       (SELECT count(*) FROM memberships WHERE org_id = $1 AND removed_at IS NULL) AS members,
		       (SELECT min(end_date) FROM o WHERE status IN ('draft', 'in_progress') AND end_date >= (SELECT d FROM today))
		         - (SELECT d FROM today) AS days`, orgID, nullable(periodID))
	out := map[string]string{
		"objectives": itoa(w.Objectives), "active": itoa(w.Active), "initiatives_in_progress": itoa(w.Initiatives),
		"activities_completed": itoa(w.Activities), "overall_progress": itoa(w.Progress), "members": itoa(w.Members),
		"days_to_deadline": "",
	}
	if w.Days.Valid {
		out["days_to_deadline"] = itoa(w.Days.Int64)
	}
	return out
}

// currentPeriod is the period begin_request resolves "current" to.
func currentPeriod(t *testing.T, orgID string) string {
	t.Helper()
	var ids []string
	tdb.Select(t, &ids, `SELECT p.id FROM periods p JOIN organizations o ON o.id = p.org_id
		WHERE p.org_id = $1 AND p.archived_at IS NULL
		  AND p.start_date <= (now() AT TIME ZONE o.timezone)::date AND p.end_date >= (now() AT TIME ZONE o.timezone)::date
		ORDER BY p.start_date DESC, p.id LIMIT 1`, orgID)
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

func expectStats(t *testing.T, where string, got, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("%s: data-stat %q missing", where, k)
		} else if g != v {
			t.Errorf("%s: %s = %q, want %q (SQL)", where, k, g, v)
		}
	}
}

// checkAggregates compares the maintained tables of 00013 with the same
// sums over the base tables: whatever wrote the rows, they must agree.
func checkAggregates(t *testing.T, orgID string) {
	t.Helper()
	const z = `'00000000-0000-0000-0000-000000000000'`
	for name, q := range map[string]string{
		"area_stats": `
			SELECT entity, period_id, area_id, status, band, sum(n) AS n, sum(progress_sum) AS p FROM (
			  SELECT 'objective' AS entity, coalesce(period_id, ` + z + `) AS period_id, coalesce(area_id, ` + z + `) AS area_id, status,
			         CASE WHEN progress >= 100 THEN 4 ELSE progress / 25 END AS band, 1 AS n, progress AS progress_sum
			  FROM objectives WHERE org_id = $1 AND archived_at IS NULL
			  UNION ALL
			  SELECT 'initiative', coalesce(period_id, ` + z + `), coalesce(area_id, ` + z + `), status,
			         CASE WHEN progress >= 100 THEN 4 ELSE progress / 25 END, 1, progress
			  FROM initiatives WHERE org_id = $1 AND archived_at IS NULL
			  UNION ALL
			  SELECT 'activity', coalesce(period_id, ` + z + `), coalesce(area_id, ` + z + `), status, 0, 1,
			         CASE WHEN status = 'completed' THEN 100 ELSE 0 END
			  FROM activities WHERE org_id = $1 AND archived_at IS NULL) x
			GROUP BY 1, 2, 3, 4, 5
			EXCEPT ALL
			SELECT entity, period_id, area_id, status, band, n, progress_sum FROM area_stats WHERE org_id = $1 AND (n <> 0 OR progress_sum <> 0)`,
		"completion_days": `
			SELECT day, entity, period_id, area_id, count(*) AS n FROM (
			  SELECT (x.completed_at AT TIME ZONE o.timezone)::date AS day, x.entity, coalesce(x.period_id, ` + z + `) AS period_id,
			         coalesce(x.area_id, ` + z + `) AS area_id
			  FROM (SELECT 'objective' AS entity, period_id, area_id, completed_at, org_id FROM objectives WHERE org_id = $1 AND archived_at IS NULL AND completed_at IS NOT NULL
			        UNION ALL SELECT 'initiative', period_id, area_id, completed_at, org_id FROM initiatives WHERE org_id = $1 AND archived_at IS NULL AND completed_at IS NOT NULL
			        UNION ALL SELECT 'activity', period_id, area_id, completed_at, org_id FROM activities WHERE org_id = $1 AND archived_at IS NULL AND completed_at IS NOT NULL) x
			  JOIN organizations o ON o.id = x.org_id) y
			GROUP BY 1, 2, 3, 4
			EXCEPT ALL
			SELECT day, entity, period_id, area_id, n FROM completion_days WHERE org_id = $1 AND n <> 0`,
		"completion_months": `
			SELECT date_trunc('month', day)::date, entity, period_id, area_id, sum(n) FROM completion_days WHERE org_id = $1
			GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0
			EXCEPT ALL
			SELECT month, entity, period_id, area_id, n FROM completion_months WHERE org_id = $1 AND n <> 0`,
		"member_stats": `
			SELECT coalesce(period_id, ` + z + `), assignee_id, status, count(*) FROM activities
			WHERE org_id = $1 AND archived_at IS NULL AND assignee_id IS NOT NULL GROUP BY 1, 2, 3
			EXCEPT ALL
			SELECT period_id, member_id, status, n FROM member_stats WHERE org_id = $1 AND n <> 0`,
	} {
		for _, dir := range []string{"", "reverse"} {
			query := q
			if dir == "reverse" { // the aggregate's rows must also all be in the truth
				parts := strings.SplitN(q, "EXCEPT ALL", 2)
				query = parts[1] + " EXCEPT ALL " + parts[0]
			}
			var n int
			tdb.Get(t, &n, `SELECT count(*) FROM (`+query+`) AS d`, orgID)
			if n != 0 {
				t.Errorf("%s: %d rows differ from the base tables (%s)", name, n, or(dir, "missing"))
			}
		}
	}
	// this week's progress record equals the live objectives' totals
	var off int
	tdb.Get(t, &off, `
		SELECT count(*) FROM (
		  SELECT coalesce(period_id, '00000000-0000-0000-0000-000000000000') AS period_id,
		         coalesce(area_id, '00000000-0000-0000-0000-000000000000') AS area_id, count(*) AS n, sum(progress) AS p
		  FROM objectives WHERE org_id = $1 AND archived_at IS NULL AND status <> 'cancelled' GROUP BY 1, 2) AS truth
		FULL JOIN (
		  SELECT DISTINCT ON (period_id, area_id) period_id, area_id, n, progress_sum AS p
		  FROM progress_weeks WHERE org_id = $1 ORDER BY period_id, area_id, week DESC) AS rec
		USING (period_id, area_id)
		WHERE coalesce(truth.n, 0) <> coalesce(rec.n, 0) OR coalesce(truth.p, 0) <> coalesce(rec.p, 0)`, orgID)
	if off != 0 {
		t.Errorf("progress_weeks: %d series whose latest record differs from the live objectives", off)
	}
}

// TestDashboardStatsEqualSQL: every KPI card equals the same number
// computed from the base tables, for the demo organisations and a built
// one, in the member's period, across all periods and for another period.
func TestDashboardStatsEqualSQL(t *testing.T) {
	type view struct{ query, period string }
	for _, tc := range []struct{ email, slug string }{
		{"ana@acme.test", "acme-andina"}, {"gina@globex.test", "globex-sur"}, {"gabriel@acme.test", "acme-andina"},
	} {
		var orgID string
		tdb.Get(t, &orgID, `SELECT id FROM organizations WHERE slug = $1`, tc.slug)
		checkAggregates(t, orgID)
		e := signInDemo(t, tc.email)
		for _, v := range []view{{"", currentPeriod(t, orgID)}, {"?period=all", ""}} {
			want := dashTruth(t, orgID, v.period)
			if want["objectives"] == "0" {
				t.Fatalf("%s%s: the demo has no objectives here: the comparison would prove nothing", tc.email, v.query)
			}
			expectStats(t, tc.email+" fragment"+v.query, stats(get(e, "/fragments/dashboard/stats"+v.query).Expect().
				Status(http.StatusOK).Body().Raw()), want)
			expectStats(t, tc.email+" page"+v.query, stats(get(e, "/dashboard"+v.query).Expect().
				Status(http.StatusOK).Body().Raw()), want)
		}
	}

	f := newDashFixture(t, "Kpi")
	checkAggregates(t, f.Org.ID)
	e, _ := signIn(t, f.Boss.Email)
	for _, v := range []view{{"", f.PeriodNow}, {"?period=all", ""}, {"?period=" + f.PeriodOld, f.PeriodOld}} {
		want := dashTruth(t, f.Org.ID, v.period)
		got := stats(get(e, "/fragments/dashboard/stats"+v.query).Expect().Status(http.StatusOK).Body().Raw())
		expectStats(t, "fixture"+v.query, got, want)
	}
	// the fixture's own arithmetic, so the SQL above is checked too: in
	// the current period the archived objective and the one of the old
	// period do not count; "Vender más" (40) and "Atrasado" (70) are in
	// progress, "Lanzar app" (0) is a draft; the nearest open end date
	// ahead is in a month ("Atrasado" is overdue).
	got := stats(get(e, "/fragments/dashboard/stats").Expect().Body().Raw())
	expectStats(t, "fixture by hand", got, map[string]string{
		"objectives": "3", "active": "2", "overall_progress": "37", "initiatives_in_progress": "1",
		"activities_completed": "2", "members": "3",
	})
}

// TestDashboardEmptyOrganisation: a new organisation shows zeros, an empty
// deadline, empty states and no NaN anywhere.
func TestDashboardEmptyOrganisation(t *testing.T) {
	org := tdb.NewOrg(t, "Vacía Dash")
	boss := tdb.Member(t, org, "Jefa Vacía", "corporativo")
	e, _ := signIn(t, boss.Email)
	page := get(e, "/dashboard").Expect().Status(http.StatusOK).Body().Raw()
	expectStats(t, "empty", stats(page), map[string]string{
		"objectives": "0", "active": "0", "initiatives_in_progress": "0", "activities_completed": "0",
		"overall_progress": "0", "members": "1", "days_to_deadline": "", "my_open": "0",
	})
	for _, want := range []string{"No hay objetivos en este periodo", "Nada pendiente", "Sin objetivos por área",
		"Sin datos de tendencia"} {
		if !strings.Contains(page, want) {
			t.Errorf("empty dashboard lacks %q", want)
		}
	}
	for _, frag := range dashboardFragments {
		body := get(e, "/fragments/dashboard/"+frag).Expect().Status(http.StatusOK).Body().Raw()
		if strings.Contains(body, "NaN") || strings.Contains(body, "Inf") || strings.Contains(body, "<html") {
			t.Errorf("%s: NaN, Inf or a whole document in an empty organisation", frag)
		}
	}
}

// TestDashboardCardsContent: recent objectives, pending activities (own
// only, overdue marked), areas and the trend show the right rows.
func TestDashboardCardsContent(t *testing.T) {
	f := newDashFixture(t, "Card")
	emp, _ := signIn(t, f.Emp.Email)

	mine := get(emp, "/fragments/dashboard/my-activities?period=all").Expect().Status(http.StatusOK).Body().Raw()
	wantMine := []string{f.Activities["Llamar"], f.Activities["Hoy"], f.Activities["Visitar"], f.Activities["Lejano"]}
	if got := dataIDs(mine); !slices.Equal(got, wantMine) {
		t.Errorf("my activities %v, want the open ones assigned to me by due date %v", got, wantMine)
	}
	if got := stats(mine)["my_open"]; got != "4" {
		t.Errorf("my_open = %s, want 4", got)
	}
	if !regexp.MustCompile(`data-id="`+f.Activities["Llamar"]+`" class="overdue-row"`).MatchString(mine) ||
		!strings.Contains(mine, "Vencida") {
		t.Error("the overdue activity is not highlighted")
	}
	if !strings.Contains(mine, `href="/activities/`+f.Activities["Llamar"]+`"`) {
		t.Error("no link to the activity")
	}
	// the boss sees their own (one in progress without period), not the employee's
	boss, _ := signIn(t, f.Boss.Email)
	bossMine := get(boss, "/fragments/dashboard/my-activities?period=all").Expect().Body().Raw()
	if got := dataIDs(bossMine); !slices.Equal(got, []string{f.Activities["Sin periodo"]}) {
		t.Errorf("boss's pending activities %v", got)
	}

	recent := get(boss, "/fragments/dashboard/recent?period=all").Expect().Status(http.StatusOK).Body().Raw()
	ids := dataIDs(recent)
	if len(ids) != 5 || slices.Contains(ids, f.Objectives["Archivado Card"]) {
		t.Errorf("recent objectives %v: want the 5 live ones, never the archived one", ids)
	}

	areas := get(boss, "/fragments/dashboard/areas?period=all").Expect().Status(http.StatusOK).Body().Raw()
	// Ventas: "Vender más" 40 and "Cerrar trimestre" 100 → 70; Tecnología:
	// "Lanzar app" 0 and "Atrasado" 70 → 35; no area: cancelled only → 0
	for _, want := range []string{`data-id="` + f.AreaA + `"><th scope="row">Ventas Card</th><td class="num">70 %`,
		`data-id="` + f.AreaB + `"><th scope="row">Tecnología Card</th><td class="num">35 %`,
		`<th scope="row">Sin área</th><td class="num">0 %`, `role="img"`, "<title>Progreso por área</title>"} {
		if !strings.Contains(areas, want) {
			t.Errorf("areas card lacks %q", want)
		}
	}

	trend := get(boss, "/fragments/dashboard/trend").Expect().Status(http.StatusOK).Body().Raw()
	st := stats(trend)
	card := stats(get(boss, "/fragments/dashboard/stats").Expect().Body().Raw())
	if st["trend_progress"] != card["overall_progress"] {
		t.Errorf("this week's trend %s differs from the overall progress card %s", st["trend_progress"], card["overall_progress"])
	}
	// in the current period: "Cotizar" (10 days ago), "Entregar" is 40
	// days ago, before the period's first week; "Oculta" is archived
	if st["trend_activities"] != "1" {
		t.Errorf("trend activities %s, want 1", st["trend_activities"])
	}
	for _, want := range []string{`<svg role="img"`, "Progreso promedio por semana (Ahora Card)", "Ver datos"} {
		if !strings.Contains(trend, want) {
			t.Errorf("trend lacks %q", want)
		}
	}
	// a period that has not started yet, and one of another organisation
	var future string
	tdb.Get(t, &future, `INSERT INTO periods (org_id, name, start_date, end_date) VALUES ($1, 'Futuro', current_date + 100, current_date + 190) RETURNING id`, f.Org.ID)
	if body := get(boss, "/fragments/dashboard/trend?period="+future).Expect().Status(http.StatusOK).Body().Raw(); !strings.Contains(body, "empieza el") {
		t.Error("a future period should say when its trend starts")
	}
}

// TestDashboardIsolation: every card shows the member's own organisation
// (positive control) and nothing of another; another organisation's period
// id matches nothing.
func TestDashboardIsolation(t *testing.T) {
	a, b := newDashFixture(t, "IsoA"), newDashFixture(t, "IsoB")
	for _, pair := range [][2]dashFixture{{a, b}, {b, a}} {
		own, foreign := pair[0], pair[1]
		e, _ := signIn(t, own.Emp.Email)
		page := get(e, "/dashboard?period=all").Expect().Status(http.StatusOK).Body().Raw()
		var all strings.Builder
		all.WriteString(page)
		for _, frag := range dashboardFragments {
			all.WriteString(get(e, "/fragments/dashboard/"+frag+"?period=all").Expect().Status(http.StatusOK).Body().Raw())
		}
		body := all.String()
		for _, want := range []string{own.Objectives["Vender más "+own.Tag], own.Activities["Llamar"], own.AreaA,
			html.EscapeString("Ventas " + own.Tag)} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: own %q missing (positive control)", own.Tag, want)
			}
		}
		for _, leak := range []string{foreign.Tag, foreign.AreaA, foreign.AreaB, foreign.Objectives["Vender más "+foreign.Tag],
			foreign.Activities["Llamar"]} {
			if strings.Contains(body, leak) {
				t.Errorf("%s sees %q of %s", own.Tag, leak, foreign.Tag)
			}
		}
		// the other organisation's period: nothing matches
		got := stats(get(e, "/fragments/dashboard/stats?period="+foreign.PeriodNow).Expect().Status(http.StatusOK).Body().Raw())
		expectStats(t, own.Tag+" foreign period", got, map[string]string{"objectives": "0", "activities_completed": "0",
			"days_to_deadline": "", "members": "3"})
		if body := get(e, "/fragments/dashboard/trend?period="+foreign.PeriodNow).Expect().Status(http.StatusOK).Body().Raw(); !strings.Contains(body, "no existe") {
			t.Error("a foreign period's trend should say it does not exist")
		}
	}
}

// TestDashboardBadInput: a malformed period is a 422 for the page and
// every fragment (the fragment's error state), and nothing is shown as if
// unfiltered.
func TestDashboardBadInput(t *testing.T) {
	f := newOrgFixture(t, "DashBad")
	e, _ := signIn(t, f.Boss.Email)
	get(e, "/dashboard?period=ayer").Expect().Status(http.StatusUnprocessableEntity).Body().Contains("El periodo elegido no es válido")
	for _, frag := range dashboardFragments {
		body := htmx(get(e, "/fragments/dashboard/"+frag+"?period=ayer")).Expect().
			Status(http.StatusUnprocessableEntity).Body().Raw()
		if !strings.Contains(body, "Error cargando datos") || !strings.Contains(body, "El periodo elegido no es válido") ||
			strings.Contains(body, "data-stat") {
			t.Errorf("%s: bad period answered %q", frag, body)
		}
	}
	// without a session: htmx gets 401 and a redirect, a page 303 to login
	htmx(client(t).GET("/fragments/dashboard/stats")).Expect().Status(http.StatusUnauthorized).Header("HX-Redirect").IsEqual("/login")
	client(t).GET("/dashboard").Expect().Status(http.StatusSeeOther)
}

// TestDashboardFragmentsAnswerConditionalRequests: each card answers 304
// while the organisation's data is unchanged, 200 after a write in it,
// stays 304 after another organisation's write, and differs per user.
func TestDashboardFragmentsAnswerConditionalRequests(t *testing.T) {
	f := newOrgFixture(t, "DashTag")
	other := newOrgFixture(t, "DashTagX")
	boss, token := signIn(t, f.Boss.Email)
	stranger, strangerToken := signIn(t, other.Boss.Email)
	mgr, _ := signIn(t, f.Manager.Email)
	for i, frag := range dashboardFragments {
		path := "/fragments/dashboard/" + frag
		first := htmx(boss.GET(path)).Expect().Status(http.StatusOK)
		tag := first.Header("ETag").NotEmpty().Raw()
		htmx(boss.GET(path)).WithHeader("If-None-Match", tag).Expect().Status(http.StatusNotModified).Body().IsEmpty()
		htmx(mgr.GET(path)).WithHeader("If-None-Match", tag).Expect().Status(http.StatusOK)

		postForm(stranger, "/objectives", strangerToken, map[string]string{"title": "Ajeno " + frag, "status": "draft",
			"priority": "low", "start_date": "2026-01-01", "end_date": "2026-02-01"}).Expect().Status(http.StatusSeeOther)
		htmx(boss.GET(path)).WithHeader("If-None-Match", tag).Expect().Status(http.StatusNotModified)

		postForm(boss, "/objectives", token, map[string]string{"title": "Nuevo " + strconv.Itoa(i), "status": "in_progress",
			"priority": "low", "start_date": "2026-01-01", "end_date": "2099-02-01"}).Expect().Status(http.StatusSeeOther)
		r := htmx(boss.GET(path)).WithHeader("If-None-Match", tag).Expect().Status(http.StatusOK)
		r.Header("ETag").NotEqual(tag)
	}
	// and the new objectives are counted: the card follows the write
	got := stats(htmx(get(boss, "/fragments/dashboard/stats?period=all")).Expect().Body().Raw())
	if got["objectives"] != strconv.Itoa(5+len(dashboardFragments)) {
		t.Errorf("after %d creations objectives = %s", len(dashboardFragments), got["objectives"])
	}
	checkAggregates(t, f.Org.ID)
}

// TestDashboardAggregatesFollowWrites: the maintained tables stay equal to
// the base tables through every kind of write: status changes, moves
// between areas and periods, archive and restore (cascading), progress
// from key results, reassignment, deletion, and a change of time zone.
func TestDashboardAggregatesFollowWrites(t *testing.T) {
	f := newDashFixture(t, "Agg")
	checkAggregates(t, f.Org.ID)
	boss, token := signIn(t, f.Boss.Email)
	obj := f.Objectives["Vender más Agg"]
	// through the app: archive and restore (cascades to initiatives and activities)
	boss.POST("/objectives/"+obj+"/archive").WithFormField("_csrf", token).Expect().Status(http.StatusSeeOther)
	checkAggregates(t, f.Org.ID)
	boss.POST("/objectives/"+obj+"/restore").WithFormField("_csrf", token).Expect().Status(http.StatusSeeOther)
	checkAggregates(t, f.Org.ID)
	for _, stmt := range []string{
		`UPDATE objectives SET area_id = $2 WHERE org_id = $1 AND id = $3`,
		`UPDATE objectives SET period_id = NULL WHERE org_id = $1 AND id = $3 AND $2::uuid IS NOT NULL`,
		`UPDATE objectives SET status = 'completed' WHERE org_id = $1 AND id = $3 AND $2::uuid IS NOT NULL`,
		`UPDATE objectives SET status = 'in_progress' WHERE org_id = $1 AND id = $3 AND $2::uuid IS NOT NULL`,
		`UPDATE activities SET status = 'completed', completed_at = now() WHERE org_id = $1 AND status = 'todo'`,
		`UPDATE activities SET assignee_id = NULL WHERE org_id = $1 AND status = 'in_progress'`,
		`UPDATE initiatives SET archived_at = now() WHERE org_id = $1 AND status = 'planning'`,
		`DELETE FROM activities WHERE org_id = $1 AND status = 'cancelled'`,
		`UPDATE organizations SET timezone = 'Pacific/Kiritimati' WHERE id = $1`,
		`DELETE FROM objectives WHERE org_id = $1 AND id = $3 AND $2::uuid IS NOT NULL`,
	} {
		args := []any{f.Org.ID}
		if strings.Contains(stmt, "$3") {
			args = append(args, f.AreaB, obj)
		}
		tdb.Exec(t, stmt, args...)
		checkAggregates(t, f.Org.ID)
	}
	// progress from key results moves the area's numbers and this week's record
	other := f.Objectives["Lanzar app Agg"]
	tdb.NewKeyResult(t, f.Org, other, testpg.KeyResult{Title: "KR", Target: 10, Current: 5})
	checkAggregates(t, f.Org.ID)
	// completed_at follows the status on objectives and initiatives
	var done sql.NullTime
	tdb.Exec(t, `UPDATE objectives SET status = 'completed' WHERE id = $1`, other)
	tdb.Get(t, &done, `SELECT completed_at FROM objectives WHERE id = $1`, other)
	if !done.Valid || time.Since(done.Time) > time.Minute {
		t.Errorf("completing an objective set completed_at = %v", done)
	}
	tdb.Exec(t, `UPDATE objectives SET status = 'in_progress' WHERE id = $1`, other)
	tdb.Get(t, &done, `SELECT completed_at FROM objectives WHERE id = $1`, other)
	if done.Valid {
		t.Error("reopening an objective kept completed_at")
	}
}

// TestChartTemplates renders every chart partial alone with edge data (no
// data, all zeros, one point): an image with a title and description, its
// data as a table, no NaN.
func TestChartTemplates(t *testing.T) {
	render := func(name string, data any) string {
		t.Helper()
		var b strings.Builder
		if err := srv.views.Fragment(&b, name, data); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out := b.String()
		if strings.Contains(out, "NaN") || strings.Contains(out, "Inf") {
			t.Errorf("%s: NaN or Inf in %s", name, out)
		}
		if !strings.Contains(out, `role="img"`) || !strings.Contains(out, "<title>") {
			t.Errorf("%s: not an accessible image: %s", name, out)
		}
		return out
	}
	for _, c := range []views.BarChart{
		views.NewBarChart("Vacío", "d", nil, nil),
		views.NewBarChart("Ceros", "d", []string{"a", "b"}, []views.Series{{Name: "x", Class: "s1", Values: []int{0, 0}}}),
		views.NewBarChart("Uno", "d", []string{"a"}, []views.Series{{Name: "x<y", Class: "s1", Values: []int{3}}}),
	} {
		out := render("charts/bars", c)
		if !strings.Contains(out, "<desc>d</desc>") || !strings.Contains(out, "Ver datos") {
			t.Errorf("bars %q: no description or data table", c.Title)
		}
		if c.Title == "Uno" && (!strings.Contains(out, "x&lt;y") || !strings.Contains(out, `<td class="num">3</td>`)) {
			t.Errorf("bars: value or escaped name missing: %s", out)
		}
	}
	render("charts/line", views.NewLineChart("L", "d", []string{"s1"}, []int{40}, []bool{true}, 75))
	render("charts/line", views.NewLineChart("L", "d", nil, nil, nil, -1))
	out := render("charts/hbars", views.NewHBarChart("H", "d", []views.HBar{{ID: "x", Label: "<b>", Value: 0}}, 75))
	if strings.Contains(out, "<b>") {
		t.Error("hbars: a label is not escaped")
	}
	render("charts/ring", views.NewRing("R", 0))
	render("charts/ring", views.NewRing("R", 100))
	out = render("charts/sparkline", views.NewSparkline("S", []string{"a", "b"}, []int{0, 0}))
	if !strings.Contains(out, "S: a 0, b 0") {
		t.Errorf("sparkline title lacks the values: %s", out)
	}
	render("charts/sparkline", views.NewSparkline("S", nil, nil))
}

func TestCarryForward(t *testing.T) {
	w := func(d int) time.Time { return time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*d) }
	rows := []progressWeek{
		{PeriodID: "p", AreaID: "a", Week: w(-3), N: 2, ProgressSum: 50}, // before the range: carried in
		{PeriodID: "p", AreaID: "b", Week: w(1), N: 1, ProgressSum: 100},
		{PeriodID: "p", AreaID: "a", Week: w(2), N: 2, ProgressSum: 101},
		{PeriodID: "p", AreaID: "c", Week: w(3), N: 0, ProgressSum: 0},
	}
	values, known := carryForward(rows, []time.Time{w(0), w(1), w(2), w(3)})
	// w0: a 25; w1: (50+100)/3 = 50; w2: (101+100)/3 = 67 (66.99 half up); w3: the same
	if !slices.Equal(values, []int{25, 50, 67, 67}) || !slices.Equal(known, []bool{true, true, true, true}) {
		t.Errorf("got %v %v", values, known)
	}
	values, known = carryForward(rows[1:], []time.Time{w(0), w(1)})
	if !slices.Equal(known, []bool{false, true}) || values[1] != 100 {
		t.Errorf("a week before the record starts must be unknown: %v %v", values, known)
	}
	values, known = carryForward([]progressWeek{{Week: w(0)}}, []time.Time{w(0)})
	if values[0] != 0 || !known[0] {
		t.Errorf("a series without objectives is 0: %v %v", values, known)
	}
	if v, k := carryForward(nil, nil); v != nil || k != nil {
		t.Errorf("nothing in, nothing out: %v %v", v, k)
	}
}

func TestWeekAndMonthBuckets(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"2026-11-23", "2026-11-23"}, {"2026-11-29", "2026-11-23"}, {"2026-11-30", "2026-11-30"}, {"2027-01-01", "2026-12-28"},
	} {
		d, _ := time.Parse(time.DateOnly, tc.in)
		if got := weekStart(d).Format(time.DateOnly); got != tc.want {
			t.Errorf("weekStart(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
	d, _ := time.Parse(time.DateOnly, "2026-03-31")
	if got := monthStart(d).AddDate(0, -5, 0).Format(time.DateOnly); got != "2025-10-01" {
		t.Errorf("six months back from March: %s", got)
	}
	if weekLabel(d) != "31 mar" || monthLabel(d, true) != "marzo 2026" || monthLabel(d, false) != "mar 26" {
		t.Errorf("labels %q %q %q", weekLabel(d), monthLabel(d, true), monthLabel(d, false))
	}
}

// TestDashboardBucketsInOrganisationTimeZone: in an organisation at UTC+14
// "today", the nearest deadline and the week of a completion are the
// organisation's, not UTC's.
func TestDashboardBucketsInOrganisationTimeZone(t *testing.T) {
	org := tdb.NewOrg(t, "Kiribati Dash", "Pacific/Kiritimati")
	boss := tdb.Member(t, org, "Jefa Kiribati", "corporativo")
	var today time.Time
	tdb.Get(t, &today, `SELECT (now() AT TIME ZONE 'Pacific/Kiritimati')::date`)
	objective := tdb.NewObjective(t, org, testpg.Objective{Title: "Cierra hoy", Status: "in_progress", Owner: boss.ID,
		Start: today.AddDate(0, 0, -10), End: today})
	tdb.NewObjective(t, org, testpg.Objective{Title: "Cerró ayer", Status: "in_progress", Owner: boss.ID,
		Start: today.AddDate(0, 0, -10), End: today.AddDate(0, 0, -1)})
	ini := dashInitiative(t, org, objective, "Iniciativa", "in_progress", boss.ID)
	// completed on Monday 00:30 local of this week: still Sunday in UTC
	tdb.Exec(t, `WITH m AS (SELECT (date_trunc('week', now() AT TIME ZONE 'Pacific/Kiritimati') + interval '30 minutes')
		AT TIME ZONE 'Pacific/Kiritimati' AS at)
		INSERT INTO activities (org_id, initiative_id, title, status, completed_at, assignee_id)
		SELECT $1::uuid, $2::uuid, 'Lunes temprano', 'completed', at, $3::uuid FROM m
		UNION ALL SELECT $1::uuid, $2::uuid, 'Domingo tarde', 'completed', at - interval '1 hour', $3::uuid FROM m`, org.ID, ini, boss.ID)
	e, _ := signIn(t, boss.Email)
	got := stats(get(e, "/fragments/dashboard/stats?period=all").Expect().Status(http.StatusOK).Body().Raw())
	expectStats(t, "UTC+14", got, map[string]string{"days_to_deadline": "0", "activities_completed": "2"})
	trend := get(e, "/fragments/dashboard/trend?period=all").Expect().Status(http.StatusOK).Body().Raw()
	week := weekLabel(weekStart(today))
	prev := weekLabel(weekStart(today).AddDate(0, 0, -7))
	for label, n := range map[string]string{week: "1", prev: "1"} {
		if !strings.Contains(trend, `<th scope="row">`+label+`</th><td class="num">`+n+`</td>`) {
			t.Errorf("week of %s should have %s completion (local time): %s", label, n, trend)
		}
	}
	checkAggregates(t, org.ID)
}

// TestRememberedCardsFollowWrites: dashboard and analytics cards are
// remembered per organisation data version (memo.go). A write through the
// app by one member shows at once in every member's cards; the analytics
// target form a second session is served from memory carries that session's
// own CSRF token, which works.
func TestRememberedCardsFollowWrites(t *testing.T) {
	f := newDashFixture(t, "Memo")
	boss, token := signIn(t, f.Boss.Email)
	mgr, _ := signIn(t, f.Manager.Email)
	objectives := func(e *httpexpect.Expect) string {
		return stats(htmx(e.GET("/fragments/dashboard/stats").WithQuery("period", "all")).Expect().Status(http.StatusOK).Body().Raw())["objectives"]
	}
	before := objectives(boss)
	if objectives(mgr) != before || objectives(boss) != before {
		t.Fatal("the same organisation state answered two different counts")
	}
	boss.POST("/objectives/"+f.Objectives["Vender más Memo"]+"/archive").WithFormField("_csrf", token).
		Expect().Status(http.StatusSeeOther)
	n, _ := strconv.Atoi(before)
	for name, e := range map[string]*httpexpect.Expect{"the writer": boss, "another member": mgr} {
		if got := objectives(e); got != strconv.Itoa(n-1) {
			t.Errorf("%s sees %s objectives after archiving one of %s", name, got, before)
		}
	}

	second, secondToken := signIn(t, f.Boss.Email)
	areas := func(e *httpexpect.Expect) string {
		return htmx(e.GET("/fragments/analytics/areas")).Expect().Status(http.StatusOK).Body().Raw()
	}
	if !strings.Contains(areas(boss), token) {
		t.Fatal("the first session's target form lacks its token")
	}
	body := areas(second) // remembered
	if strings.Contains(body, token) || !strings.Contains(body, secondToken) {
		t.Fatal("a remembered card carries another session's CSRF token")
	}
	var version int
	tdb.Get(t, &version, `SELECT version FROM organizations WHERE id = $1`, f.Org.ID)
	postForm(second, "/analytics/target", csrfFrom(t, body), map[string]string{"target": "60", "version": strconv.Itoa(version)}).
		Expect().Status(http.StatusSeeOther)
	if !strings.Contains(areas(boss), "Meta: 60 %") {
		t.Error("the first session still sees the old target")
	}
}
