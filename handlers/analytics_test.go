package handlers

import (
	"encoding/csv"
	"html"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"rumbo/internal/testpg"
)

var analyticsFragments = []string{"overview", "areas", "performers", "monthly", "deadlines", "distribution"}

// analyticsTruth is the overview computed from the base tables.
func analyticsTruth(t *testing.T, orgID, periodID, areaID string) map[string]string {
	t.Helper()
	var w struct {
		Objectives, Completed, Progress, Initiatives, Activities, Rate, Areas int64
	}
	tdb.Get(t, &w, `
		WITH o AS (SELECT * FROM objectives WHERE org_id = $1 AND archived_at IS NULL
		             AND ($2::uuid IS NULL OR period_id = $2::uuid) AND ($3::uuid IS NULL OR area_id = $3::uuid))
		SELECT (SELECT count(*) FROM o) AS objectives,
		       (SELECT count(*) FROM o WHERE status = 'completed') AS completed,
		       (SELECT coalesce(round(avg(progress)), 0) FROM o WHERE status <> 'cancelled') AS progress,
		       (SELECT count(*) FROM initiatives WHERE org_id = $1 AND archived_at IS NULL AND status = 'in_progress'
		          AND ($2::uuid IS NULL OR period_id = $2::uuid) AND ($3::uuid IS NULL OR area_id = $3::uuid)) AS initiatives,
		       (SELECT count(*) FROM activities WHERE org_id = $1 AND archived_at IS NULL AND status = 'completed'
		          AND ($2::uuid IS NULL OR period_id = $2::uuid) AND ($3::uuid IS NULL OR area_id = $3::uuid)) AS activities,
		       (SELECT coalesce(round(100.0 * count(*) FILTER (WHERE status = 'completed') / nullif(count(*), 0)), 0) FROM o) AS rate,
		       (SELECT count(*) FROM areas WHERE org_id = $1 AND archived_at IS NULL AND status = 'active'
		          AND ($3::uuid IS NULL OR id = $3::uuid)) AS areas`, orgID, nullable(periodID), nullable(areaID))
	return map[string]string{
		"objectives": itoa(w.Objectives), "completed": itoa(w.Completed), "overall_progress": itoa(w.Progress),
		"active_initiatives": itoa(w.Initiatives), "completed_activities": itoa(w.Activities),
		"success_rate": itoa(w.Rate), "active_areas": itoa(w.Areas),
	}
}

func analyticsQuery(period, area string) string {
	var parts []string
	if period != "" {
		parts = append(parts, "period="+period)
	}
	if area != "" {
		parts = append(parts, "area="+area)
	}
	if len(parts) == 0 {
		return ""
	}
	return "?" + strings.Join(parts, "&")
}

func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	if !strings.HasPrefix(body, "\uFEFF") {
		t.Fatalf("CSV without a UTF-8 BOM: %q", body[:min(len(body), 20)])
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v\n%s", err, body)
	}
	return recs
}

// TestAnalyticsOverviewEqualsSQL: the overview cards equal the base tables
// for the demo organisations and a built one, for every period view and
// area filter, and an empty organisation shows zeros (a success rate of 0,
// never NaN).
func TestAnalyticsOverviewEqualsSQL(t *testing.T) {
	for _, tc := range []struct{ email, slug string }{{"ana@acme.test", "acme-andina"}, {"gina@globex.test", "globex-sur"}} {
		var orgID string
		tdb.Get(t, &orgID, `SELECT id FROM organizations WHERE slug = $1`, tc.slug)
		var areas []string
		tdb.Select(t, &areas, `SELECT id FROM areas WHERE org_id = $1 ORDER BY name LIMIT 2`, orgID)
		e := signInDemo(t, tc.email)
		for _, period := range []string{"", "all"} {
			for _, area := range append([]string{""}, areas...) {
				pid := ""
				if period == "" {
					pid = currentPeriod(t, orgID)
				}
				want := analyticsTruth(t, orgID, pid, area)
				q := analyticsQuery(period, area)
				expectStats(t, tc.email+" overview"+q, stats(get(e, "/fragments/analytics/overview"+q).Expect().
					Status(http.StatusOK).Body().Raw()), want)
				if area == "" {
					expectStats(t, tc.email+" page"+q, stats(get(e, "/analytics"+q).Expect().Status(http.StatusOK).Body().Raw()), want)
				}
			}
		}
	}
	f := newDashFixture(t, "Ana")
	e, _ := signIn(t, f.Boss.Email)
	for _, v := range []struct{ period, pid, area string }{
		{"", f.PeriodNow, ""}, {"all", "", ""}, {"all", "", f.AreaA}, {f.PeriodOld, f.PeriodOld, f.AreaA}, {"", f.PeriodNow, f.AreaB},
	} {
		want := analyticsTruth(t, f.Org.ID, v.pid, v.area)
		q := analyticsQuery(v.period, v.area)
		expectStats(t, "fixture"+q, stats(get(e, "/fragments/analytics/overview"+q).Expect().Status(http.StatusOK).Body().Raw()), want)
	}
	// by hand: all periods, 5 live objectives, 1 completed: 20 %
	expectStats(t, "fixture by hand", stats(get(e, "/fragments/analytics/overview?period=all").Expect().Body().Raw()),
		map[string]string{"objectives": "5", "completed": "1", "success_rate": "20", "active_areas": "2"})

	empty := tdb.NewOrg(t, "Vacía Analytics")
	boss := tdb.Member(t, empty, "Jefa Vacía A", "corporativo")
	ee, _ := signIn(t, boss.Email)
	page := get(ee, "/analytics").Expect().Status(http.StatusOK).Body().Raw()
	expectStats(t, "empty", stats(page), map[string]string{"objectives": "0", "completed": "0", "overall_progress": "0",
		"active_initiatives": "0", "completed_activities": "0", "success_rate": "0", "active_areas": "0"})
	for _, want := range []string{"No hay datos de áreas todavía", "Sin actividades completadas", "Nada vence en 30 días",
		"No se completó nada en estos seis meses", "No hay objetivos"} {
		if !strings.Contains(page, want) {
			t.Errorf("empty analytics lacks %q", want)
		}
	}
	if strings.Contains(page, "NaN") || strings.Contains(page, "Inf") {
		t.Error("NaN or Inf on an empty analytics page")
	}
}

// TestAnalyticsTables: areas, performers, monthly completions, deadlines
// and the distribution show what the base tables say.
func TestAnalyticsTables(t *testing.T) {
	f := newDashFixture(t, "Tab")
	e, _ := signIn(t, f.Boss.Email)

	areas := get(e, "/fragments/analytics/areas?period=all").Expect().Status(http.StatusOK).Body().Raw()
	for _, want := range []string{
		`data-id="` + f.AreaA + `">`, "Ventas Tab</th>\n    <td class=\"num\">70 %</td>", "Por debajo", "Meta 75 %",
		"1 de 2", `class="target"`, "Meta: 75 %",
	} {
		if !strings.Contains(areas, want) {
			t.Errorf("areas lacks %q", want)
		}
	}

	// performers: completed activities of the period per current member,
	// with their open ones; Manager completed "Cotizar"; Emp "Entregar"
	// ("Oculta" is archived); Boss "Archivar" is in the old period
	perf := get(e, "/fragments/analytics/performers").Expect().Status(http.StatusOK).Body().Raw()
	if got := dataIDs(perf); !slices.Equal(got, []string{f.Emp.ID, f.Manager.ID}) {
		t.Errorf("performers %v, want Emp (1 completed, 4 open) then Manager (1 completed, 0 open)", got)
	}
	if !strings.Contains(perf, "<td class=\"num\">1</td>\n    <td class=\"num\">4</td>") {
		t.Errorf("Emp's counts missing: %s", perf)
	}
	// the area filter is the member's area: AreaB has no member
	if got := dataIDs(get(e, "/fragments/analytics/performers?area="+f.AreaB).Expect().Body().Raw()); len(got) != 0 {
		t.Errorf("performers of an area without members: %v", got)
	}
	old := get(e, "/fragments/analytics/performers?period="+f.PeriodOld).Expect().Body().Raw()
	if got := dataIDs(old); !slices.Equal(got, []string{f.Boss.ID}) {
		t.Errorf("old period performers %v", got)
	}

	// monthly: per month in the organisation's zone, from the base tables
	monthly := get(e, "/analytics/export.csv?table=monthly&period=all").Expect().Status(http.StatusOK).Body().Raw()
	recs := readCSV(t, monthly)
	var want []struct {
		Month string `db:"month"`
		O     int    `db:"o"`
		I     int    `db:"i"`
		A     int    `db:"a"`
	}
	tdb.Select(t, &want, `
		WITH m AS (SELECT generate_series(date_trunc('month', now() AT TIME ZONE o.timezone) - interval '5 months',
		                                  date_trunc('month', now() AT TIME ZONE o.timezone), interval '1 month')::date AS month, o.timezone
		           FROM organizations o WHERE o.id = $1),
		done AS (SELECT 'o' AS k, completed_at FROM objectives WHERE org_id = $1 AND archived_at IS NULL AND completed_at IS NOT NULL
		         UNION ALL SELECT 'i', completed_at FROM initiatives WHERE org_id = $1 AND archived_at IS NULL AND completed_at IS NOT NULL
		         UNION ALL SELECT 'a', completed_at FROM activities WHERE org_id = $1 AND archived_at IS NULL AND completed_at IS NOT NULL)
		SELECT to_char(m.month, 'YYYY-MM') AS month,
		       count(*) FILTER (WHERE k = 'o') AS o, count(*) FILTER (WHERE k = 'i') AS i, count(*) FILTER (WHERE k = 'a') AS a
		FROM m LEFT JOIN done ON date_trunc('month', done.completed_at AT TIME ZONE m.timezone)::date = m.month
		GROUP BY m.month ORDER BY m.month`, f.Org.ID)
	if len(recs) != 7 || strings.Join(recs[0], "|") != "Mes|Objetivos completados|Iniciativas completadas|Actividades completadas" {
		t.Fatalf("monthly CSV %v", recs)
	}
	total := 0
	for i, w := range want {
		got := recs[i+1]
		if got[0] != w.Month || got[1] != strconv.Itoa(w.O) || got[2] != strconv.Itoa(w.I) || got[3] != strconv.Itoa(w.A) {
			t.Errorf("month %d: %v, want %+v", i, got, w)
		}
		total += w.O + w.I + w.A
	}
	if total == 0 {
		t.Error("the fixture completed nothing in six months: the comparison proves nothing")
	}

	// deadlines: open items due from today to 30 days ahead, soonest first
	dl := get(e, "/fragments/analytics/deadlines?period=all").Expect().Status(http.StatusOK).Body().Raw()
	wantIDs := []string{f.Activities["Hoy"], f.Activities["Visitar"], f.Activities["Sin periodo"], f.Objectives["Migrar sistema Tab"]}
	var truth []string
	tdb.Select(t, &truth, `SELECT id::text FROM (
		SELECT id, end_date AS due, title FROM objectives WHERE org_id = $1 AND archived_at IS NULL AND status IN ('draft', 'in_progress') AND end_date BETWEEN current_date AND current_date + 30
		UNION ALL SELECT id, end_date, title FROM initiatives WHERE org_id = $1 AND archived_at IS NULL AND status IN ('planning', 'in_progress') AND end_date BETWEEN current_date AND current_date + 30
		UNION ALL SELECT id, due_date, title FROM activities WHERE org_id = $1 AND archived_at IS NULL AND status IN ('todo', 'in_progress') AND due_date BETWEEN current_date AND current_date + 30) x
		ORDER BY due, title LIMIT 10`, f.Org.ID)
	got := dataIDs(dl)
	if !slices.Equal(got, truth) {
		t.Errorf("deadlines %v, want (SQL) %v", got, truth)
	}
	for _, id := range wantIDs[:3] {
		if !slices.Contains(got, id) {
			t.Errorf("deadline %s missing", id)
		}
	}
	for _, id := range []string{f.Activities["Llamar"], f.Activities["Lejano"], f.Activities["Descartar"]} {
		if slices.Contains(got, id) {
			t.Errorf("overdue, far or cancelled item %s listed", id)
		}
	}
	if !strings.Contains(dl, `<li data-id="`+f.Activities["Hoy"]+`" class="soon">`) || !strings.Contains(dl, ">Hoy</span>") {
		t.Error("an item due today is not highlighted with its badge")
	}

	// distribution: by band (not cancelled) and by status
	dist := readCSV(t, get(e, "/analytics/export.csv?table=distribution&period=all").Expect().Status(http.StatusOK).Body().Raw())
	var byBand, byStatus map[string]string = map[string]string{}, map[string]string{}
	for _, r := range dist[1:] {
		if r[0] == "Estado" {
			byStatus[r[1]] = r[2]
		} else {
			byBand[r[1]] = r[2]
		}
	}
	// live: in_progress 40 and 70, draft 0, completed 100, cancelled 10
	if byBand["0–24 %"] != "1" || byBand["25–49 %"] != "1" || byBand["50–74 %"] != "1" || byBand["100 %"] != "1" ||
		byStatus["En progreso"] != "2" || byStatus["Cancelado"] != "1" || byStatus["Borrador"] != "1" {
		t.Errorf("distribution %v %v", byBand, byStatus)
	}
}

// TestAnalyticsTarget: a corporativo sets the target (0-100) and the
// areas card follows; anything else is refused with a clear message and
// nothing written; a stale form is a 409.
func TestAnalyticsTarget(t *testing.T) {
	f := newDashFixture(t, "Meta")
	boss, token := signIn(t, f.Boss.Email)
	target := func() int {
		var n int
		tdb.Get(t, &n, `SELECT progress_target FROM organizations WHERE id = $1`, f.Org.ID)
		return n
	}
	version := func() string {
		var v int
		tdb.Get(t, &v, `SELECT version FROM organizations WHERE id = $1`, f.Org.ID)
		return strconv.Itoa(v)
	}
	if target() != 75 {
		t.Fatalf("default target %d", target())
	}
	page := get(boss, "/analytics").Expect().Status(http.StatusOK).Body().Raw()
	if !strings.Contains(page, `name="target"`) || !strings.Contains(page, `value="75"`) {
		t.Error("the corporativo has no target form")
	}
	for _, bad := range []string{"101", "-1", "abc", "", "50.5"} {
		r := postForm(boss, "/analytics/target", token, map[string]string{"target": bad, "version": version()}).Expect()
		r.Status(http.StatusUnprocessableEntity).Body().Contains("La meta debe ser un número entero entre 0 y 100")
		htmx(postForm(boss, "/analytics/target", token, map[string]string{"target": bad, "version": version()})).Expect().
			Status(http.StatusUnprocessableEntity).Body().Contains("aria-invalid")
		if target() != 75 {
			t.Fatalf("%q was saved", bad)
		}
	}
	// a gerente and an empleado may not
	for _, who := range []testpg.User{f.Manager, f.Emp} {
		e, tok := signIn(t, who.Email)
		if strings.Contains(get(e, "/analytics").Expect().Body().Raw(), `name="target"`) {
			t.Errorf("%s sees the target form", who.Name)
		}
		postForm(e, "/analytics/target", tok, map[string]string{"target": "10", "version": version()}).Expect().
			Status(http.StatusForbidden).Body().Contains("Solo un corporativo")
	}
	// a stale version: 409, nothing written
	postForm(boss, "/analytics/target", token, map[string]string{"target": "10", "version": "999"}).Expect().
		Status(http.StatusConflict).Body().Contains("Otra persona cambió esto")
	if target() != 75 {
		t.Fatal("a stale form was saved")
	}
	// plain: 303 back to the page with its filters; htmx: the card
	postForm(boss, "/analytics/target", token, map[string]string{"target": "60", "version": version()}).WithQuery("period", "all").Expect().
		Status(http.StatusSeeOther).Header("Location").IsEqual("/analytics?period=all")
	if target() != 60 {
		t.Fatalf("target %d, want 60", target())
	}
	card := htmx(postForm(boss, "/analytics/target", token, map[string]string{"target": "0", "version": version()})).Expect().
		Status(http.StatusOK).Body().Raw()
	if !strings.Contains(card, "Meta 0 %") || strings.Contains(card, "<html") || !strings.Contains(card, "En meta") {
		t.Errorf("htmx target answer: %s", card)
	}
	// another organisation's target is untouched
	var other int
	tdb.Get(t, &other, `SELECT progress_target FROM organizations WHERE slug = 'acme-andina'`)
	if other != 75 {
		t.Errorf("another organisation's target is %d", other)
	}
	// without the CSRF token nothing happens
	boss.POST("/analytics/target").WithFormField("target", "5").WithFormField("version", version()).Expect().Status(http.StatusForbidden)
	if target() != 0 {
		t.Error("a POST without CSRF changed the target")
	}
}

// TestAnalyticsFilters: a malformed period or area is a 422 with the
// fragment's error state (and the page's notice), never unfiltered
// numbers; another organisation's area id matches nothing.
func TestAnalyticsFilters(t *testing.T) {
	a, b := newDashFixture(t, "FilA"), newDashFixture(t, "FilB")
	e, _ := signIn(t, a.Boss.Email)
	for _, q := range []string{"?area=ventas", "?period=ayer", "?area=00000000-0000-0000-0000-000000000000"} {
		page := get(e, "/analytics"+q).Expect().Status(http.StatusUnprocessableEntity).Body().Raw()
		if !strings.Contains(page, "no es válid") || strings.Contains(page, "data-stat") {
			t.Errorf("page%s: %s", q, page)
		}
		for _, frag := range analyticsFragments {
			body := htmx(get(e, "/fragments/analytics/"+frag+q)).Expect().Status(http.StatusUnprocessableEntity).Body().Raw()
			if !strings.Contains(body, "no es válid") || !strings.Contains(body, "Quitar filtros") || strings.Contains(body, "data-stat") {
				t.Errorf("%s%s: %s", frag, q, body)
			}
		}
		get(e, "/analytics/export.csv?table=areas&"+q[1:]).Expect().Status(http.StatusUnprocessableEntity)
	}
	// the other organisation's area: zeros and empty lists
	q := "?period=all&area=" + b.AreaA
	expectStats(t, "foreign area", stats(get(e, "/fragments/analytics/overview"+q).Expect().Status(http.StatusOK).Body().Raw()),
		map[string]string{"objectives": "0", "completed_activities": "0", "active_areas": "0"})
	for _, frag := range analyticsFragments[1:] {
		body := get(e, "/fragments/analytics/"+frag+q).Expect().Status(http.StatusOK).Body().Raw()
		if ids := dataIDs(body); len(ids) != 0 {
			t.Errorf("%s with a foreign area shows %v", frag, ids)
		}
	}
	// and the own area filters (positive control)
	own := stats(get(e, "/fragments/analytics/overview?period=all&area="+a.AreaA).Expect().Body().Raw())
	if own["objectives"] != "2" {
		t.Errorf("own area: %v", own)
	}
	// an unknown table
	get(e, "/analytics/export.csv?table=users").Expect().Status(http.StatusUnprocessableEntity).Body().Contains("Esa tabla no existe")
}

// TestAnalyticsIsolation: every fragment, the page and every CSV show the
// member's own organisation (positive control) and nothing of another.
func TestAnalyticsIsolation(t *testing.T) {
	a, b := newDashFixture(t, "AisoA"), newDashFixture(t, "AisoB")
	for _, pair := range [][2]dashFixture{{a, b}, {b, a}} {
		own, foreign := pair[0], pair[1]
		e, _ := signIn(t, own.Boss.Email)
		var all strings.Builder
		all.WriteString(get(e, "/analytics?period=all").Expect().Status(http.StatusOK).Body().Raw())
		for _, frag := range analyticsFragments {
			all.WriteString(get(e, "/fragments/analytics/"+frag+"?period=all").Expect().Status(http.StatusOK).Body().Raw())
		}
		for _, table := range []string{"areas", "performers", "monthly", "deadlines", "distribution"} {
			all.WriteString(get(e, "/analytics/export.csv?period=all&table="+table).Expect().Status(http.StatusOK).Body().Raw())
		}
		body := all.String()
		for _, want := range []string{own.AreaA, html.EscapeString("Ventas " + own.Tag), own.Emp.ID, own.Activities["Hoy"],
			"Hoy " + own.Tag} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: own %q missing (positive control)", own.Tag, want)
			}
		}
		for _, leak := range []string{foreign.Tag, foreign.AreaA, foreign.Emp.ID, foreign.Activities["Hoy"], foreign.Org.Name} {
			if strings.Contains(body, leak) {
				t.Errorf("%s sees %q of %s", own.Tag, leak, foreign.Tag)
			}
		}
	}
}

// TestAnalyticsCSV: downloads are UTF-8 with a BOM, attachments, with
// Spanish headers, and cells a spreadsheet would run as formulas are
// neutralised.
func TestAnalyticsCSV(t *testing.T) {
	f := newDashFixture(t, "Csv")
	// hostile names: an area, a member, an activity due soon
	tdb.Exec(t, `UPDATE areas SET name = '=HYPERLINK("http://x.test","clic")' WHERE id = $1`, f.AreaA)
	tdb.Exec(t, `UPDATE memberships SET name = '@SUM(1+1)' WHERE org_id = $1 AND user_id = $2`, f.Org.ID, f.Emp.ID)
	tdb.Exec(t, `UPDATE activities SET title = '+cmd|'' /C calc''!A0' WHERE id = $1`, f.Activities["Hoy"])
	tdb.Exec(t, `UPDATE activities SET title = '-2+3' WHERE id = $1`, f.Activities["Visitar"])
	e, _ := signIn(t, f.Boss.Email)
	want := map[string]string{
		"areas":        "Área,Objetivos,Completados,Progreso (%),Meta (%),Situación,Tendencia (4 semanas)",
		"performers":   "Puesto,Miembro,Actividades completadas,Actividades activas",
		"monthly":      "Mes,Objetivos completados,Iniciativas completadas,Actividades completadas",
		"deadlines":    "Tipo,Título,Responsable,Estado,Prioridad,Vence,Días restantes",
		"distribution": "Distribución,Grupo,Objetivos",
	}
	var cells []string
	for table, header := range want {
		r := get(e, "/analytics/export.csv?period=all&table="+table).Expect().Status(http.StatusOK)
		r.Header("Content-Type").IsEqual("text/csv; charset=utf-8")
		r.Header("Content-Disposition").HasPrefix(`attachment; filename="rumbo-` + table + "-").HasSuffix(`.csv"`)
		recs := readCSV(t, r.Body().Raw())
		if got := strings.Join(recs[0], ","); got != header {
			t.Errorf("%s header %q, want %q", table, got, header)
		}
		if len(recs) < 2 {
			t.Errorf("%s: no rows", table)
		}
		for _, rec := range recs {
			cells = append(cells, rec...)
		}
	}
	for _, want := range []string{`'=HYPERLINK("http://x.test","clic")`, "'@SUM(1+1)", "'+cmd|' /C calc'!A0", "'-2+3"} {
		if !slices.Contains(cells, want) {
			t.Errorf("neutralised cell %q missing", want)
		}
	}
	for _, c := range cells {
		if c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
			t.Errorf("cell %q would run as a formula", c)
		}
	}
	if got := csvCell("\tx"); got != "'\tx" {
		t.Errorf("tab: %q", got)
	}
	if got := csvCell("Ventas"); got != "Ventas" {
		t.Errorf("plain text changed: %q", got)
	}
}

// TestAnalyticsFragmentsAnswerConditionalRequests: 304 while unchanged,
// 200 after a write in the organisation, 304 after another's, per user.
func TestAnalyticsFragmentsAnswerConditionalRequests(t *testing.T) {
	f := newOrgFixture(t, "AnaTag")
	other := newOrgFixture(t, "AnaTagX")
	boss, token := signIn(t, f.Boss.Email)
	stranger, strangerToken := signIn(t, other.Boss.Email)
	emp, _ := signIn(t, f.Emp.Email)
	for i, frag := range analyticsFragments {
		path := "/fragments/analytics/" + frag
		tag := htmx(boss.GET(path)).Expect().Status(http.StatusOK).Header("ETag").NotEmpty().Raw()
		htmx(boss.GET(path)).WithHeader("If-None-Match", tag).Expect().Status(http.StatusNotModified).Body().IsEmpty()
		htmx(emp.GET(path)).WithHeader("If-None-Match", tag).Expect().Status(http.StatusOK)
		postForm(stranger, "/objectives", strangerToken, map[string]string{"title": "Ajeno " + frag, "status": "draft",
			"priority": "low", "start_date": "2026-01-01", "end_date": "2026-02-01"}).Expect().Status(http.StatusSeeOther)
		htmx(boss.GET(path)).WithHeader("If-None-Match", tag).Expect().Status(http.StatusNotModified)
		postForm(boss, "/objectives", token, map[string]string{"title": "Nuevo " + strconv.Itoa(i), "status": "draft",
			"priority": "low", "start_date": "2026-01-01", "end_date": "2026-02-01"}).Expect().Status(http.StatusSeeOther)
		htmx(boss.GET(path)).WithHeader("If-None-Match", tag).Expect().Status(http.StatusOK).Header("ETag").NotEqual(tag)
	}
	// changing the target is a write too: the areas card's copy is stale
	tag := htmx(boss.GET("/fragments/analytics/areas")).Expect().Header("ETag").Raw()
	var v int
	tdb.Get(t, &v, `SELECT version FROM organizations WHERE id = $1`, f.Org.ID)
	postForm(boss, "/analytics/target", token, map[string]string{"target": "50", "version": strconv.Itoa(v)}).Expect().Status(http.StatusSeeOther)
	htmx(boss.GET("/fragments/analytics/areas")).WithHeader("If-None-Match", tag).Expect().Status(http.StatusOK)
}

// TestAnalyticsMonthsInOrganisationTimeZone: a completion at 00:30 on the
// first of the month at UTC+14 (still the previous month in UTC) counts in
// the organisation's month.
func TestAnalyticsMonthsInOrganisationTimeZone(t *testing.T) {
	org := tdb.NewOrg(t, "Kiribati Analytics", "Pacific/Kiritimati")
	boss := tdb.Member(t, org, "Jefa Kiribati A", "corporativo")
	objective := tdb.NewObjective(t, org, testpg.Objective{Title: "Meses", Status: "in_progress", Owner: boss.ID})
	ini := dashInitiative(t, org, objective, "Iniciativa", "in_progress", boss.ID)
	tdb.Exec(t, `WITH m AS (SELECT (date_trunc('month', now() AT TIME ZONE 'Pacific/Kiritimati') + interval '30 minutes')
		AT TIME ZONE 'Pacific/Kiritimati' AS at)
		INSERT INTO activities (org_id, initiative_id, title, status, completed_at)
		SELECT $1::uuid, $2::uuid, 'Primero del mes', 'completed', at FROM m
		UNION ALL SELECT $1::uuid, $2::uuid, 'Fin del mes anterior', 'completed', at - interval '1 hour' FROM m`, org.ID, ini)
	e, _ := signIn(t, boss.Email)
	recs := readCSV(t, get(e, "/analytics/export.csv?table=monthly&period=all").Expect().Status(http.StatusOK).Body().Raw())
	var today time.Time
	tdb.Get(t, &today, `SELECT (now() AT TIME ZONE 'Pacific/Kiritimati')::date`)
	this, prev := monthStart(today).Format("2006-01"), monthStart(today).AddDate(0, -1, 0).Format("2006-01")
	got := map[string]string{}
	for _, r := range recs[1:] {
		got[r[0]] = r[3]
	}
	if got[this] != "1" || got[prev] != "1" || recs[len(recs)-1][0] != this {
		t.Errorf("monthly activities %v: want 1 in %s and 1 in %s (local months), ending this month", got, this, prev)
	}
	checkAggregates(t, org.ID)
}
