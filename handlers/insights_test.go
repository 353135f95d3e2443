package handlers

import (
	"bytes"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gavv/httpexpect/v2"

	"rumbo/internal/testpg"
)

var insightKeyRe = regexp.MustCompile(`data-insight="([^"]+)"`)

// insightKeys lists the insight keys a body shows (dismissed ones too).
func insightKeys(body string) []string {
	var keys []string
	for _, m := range insightKeyRe.FindAllStringSubmatch(body, -1) {
		keys = append(keys, m[1])
	}
	return keys
}

// insightsOrg is an organisation built so that each rule has items on
// both sides of its edges.
type insightsOrg struct {
	Org                   testpg.Org
	Boss, Manager, Emp    testpg.User
	Area                  string
	Risk, Attention, OK   string // pace: risk, attention, on track
	Future, Ended, Done   string // not judged: not started, ended (overdue), completed
	OneDay, WithKRs       string // zero-length period (risk); the key results' objective
	KRNever, KROld, KRNew string // stale (no check-in), stale (old one), fresh
	KROff, KROn, KROne    string // forecast: off track, on track, one check-in
	Stalled, Busy, Young  string // initiatives: stalled, recent completion, started 5 days ago
	OverdueIDs            []string
}

func newInsightsOrg(t *testing.T, tag string) insightsOrg {
	t.Helper()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	d := func(days int) time.Time { return today.AddDate(0, 0, days) }
	var o insightsOrg
	o.Org = tdb.NewOrg(t, "Insights "+tag)
	o.Boss = tdb.Member(t, o.Org, "Jefa "+tag, "corporativo")
	o.Area = tdb.NewArea(t, o.Org, "Operaciones "+tag)
	o.Manager = tdb.NewUser(t, "Gerente "+tag)
	tdb.AddMember(t, o.Org, o.Manager, "gerente", o.Area)
	o.Emp = tdb.NewUser(t, "Empleado "+tag)
	tdb.AddMember(t, o.Org, o.Emp, "empleado", o.Area)
	obj := func(title, status string, start, end time.Time, progress int) string {
		return tdb.NewObjective(t, o.Org, testpg.Objective{Title: title + " " + tag, Status: status, Owner: o.Manager.ID,
			Area: o.Area, Start: start, End: end, Progress: progress})
	}
	// 100-day period, 60 % elapsed: risk below 45 %, attention below 57 %
	o.Risk = obj("Rezagado", "in_progress", d(-60), d(40), 30)
	o.Attention = obj("Ajustado", "draft", d(-60), d(40), 50)
	o.OK = obj("Al día", "in_progress", d(-60), d(40), 70)
	o.Future = obj("Futuro", "draft", d(5), d(60), 0)
	o.Ended = obj("Terminado", "in_progress", d(-40), d(-1), 10)
	o.Done = obj("Completado", "completed", d(-60), d(40), 10)
	o.OneDay = obj("Un día", "in_progress", d(0), d(0), 10)
	o.WithKRs = obj("Con resultados", "in_progress", d(-60), d(40), 0)

	kr := func(title string, target, current float64, createdDaysAgo int) string {
		id := tdb.NewKeyResult(t, o.Org, o.WithKRs, testpg.KeyResult{Title: title + " " + tag, Target: target, Current: current})
		tdb.Exec(t, `UPDATE key_results SET created_at = now() - make_interval(days => $2) WHERE id = $1`, id, createdDaysAgo)
		return id
	}
	checkIn := func(kr string, daysAgo int, value float64) {
		tdb.Exec(t, `INSERT INTO check_ins (org_id, key_result_id, value, created_at)
			VALUES ($1, $2, $3, now() - make_interval(days => $4))`, o.Org.ID, kr, value, daysAgo)
	}
	o.KRNever = kr("Nunca medido", 100, 0, 30)
	o.KROld = kr("Medido hace tiempo", 100, 10, 40)
	checkIn(o.KROld, 20, 10)
	o.KRNew = kr("Medido ayer", 100, 5, 40)
	checkIn(o.KRNew, 1, 5)
	o.KROff = kr("Lento", 100, 28, 30)
	checkIn(o.KROff, 20, 10)
	checkIn(o.KROff, 10, 20)
	checkIn(o.KROff, 2, 28)
	o.KROn = kr("Rápido", 50, 29, 30)
	checkIn(o.KROn, 20, 10)
	checkIn(o.KROn, 10, 20)
	checkIn(o.KROn, 1, 29)
	o.KROne = kr("Una medición", 100, 40, 30)
	checkIn(o.KROne, 3, 40)

	initiative := func(title string, start int) string {
		var id string
		tdb.Get(t, &id, `INSERT INTO initiatives (org_id, objective_id, title, owner_id, status, start_date, end_date)
			VALUES ($1, $2, $3, $4, 'in_progress', $5, $6) RETURNING id`, o.Org.ID, o.OK, title+" "+tag, o.Manager.ID, d(start), d(30))
		return id
	}
	activity := func(ini, title, status string, due time.Time, doneDaysAgo int) string {
		var id string
		var done any
		if status == "completed" {
			done = time.Now().AddDate(0, 0, -doneDaysAgo)
		}
		tdb.Get(t, &id, `INSERT INTO activities (org_id, initiative_id, title, assignee_id, status, due_date, completed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, o.Org.ID, ini, title+" "+tag, o.Emp.ID, status, due, done)
		return id
	}
	o.Stalled = initiative("Parada", -30)
	activity(o.Stalled, "Hecha hace mucho", "completed", d(-20), 20)
	o.Busy = initiative("Activa", -30)
	activity(o.Busy, "Hecha hace poco", "completed", d(-3), 3)
	o.Young = initiative("Nueva", -5)
	// overdue: one due last month (a maintained bucket), two this month or
	// just before (read from the table), one not yet due, one done
	for i, due := range []int{-40, -3, -1} {
		o.OverdueIDs = append(o.OverdueIDs, activity(o.Busy, "Vencida "+strconv.Itoa(i), "todo", d(due), 0))
	}
	activity(o.Busy, "Por vencer", "todo", d(3), 0)
	activity(o.Busy, "Vencida pero hecha", "completed", d(-2), 1)
	return o
}

// insightsTruth computes the summary from the base tables, as rumbo_owner.
func insightsTruth(t *testing.T, orgID string) map[string]string {
	t.Helper()
	var today time.Time
	tdb.Get(t, &today, `SELECT (now() AT TIME ZONE timezone)::date FROM organizations WHERE id = $1`, orgID)
	var n struct {
		Risk, Attention, Stale, Stalled, Clusters int
	}
	tdb.Get(t, &n, `
		WITH o AS (
		    SELECT progress,
		           CASE WHEN end_date = start_date THEN 1 ELSE $2::date - start_date END AS el,
		           CASE WHEN end_date = start_date THEN 1 ELSE end_date - start_date END AS tot
		    FROM objectives WHERE org_id = $1 AND archived_at IS NULL AND status IN ('draft', 'in_progress')
		      AND start_date <= $2::date AND end_date >= $2::date)
		SELECT (SELECT count(*) FROM o WHERE el * 10 >= tot AND progress * tot < 75 * el) AS risk,
		       (SELECT count(*) FROM o WHERE el * 10 >= tot AND progress * tot >= 75 * el AND progress * tot < 95 * el) AS attention,
		       (SELECT count(*) FROM key_results k JOIN objectives x ON x.org_id = k.org_id AND x.id = k.objective_id
		        WHERE k.org_id = $1 AND k.archived_at IS NULL AND k.progress < 100 AND x.archived_at IS NULL
		          AND x.status IN ('draft', 'in_progress') AND x.start_date <= $2::date AND x.end_date >= $2::date
		          AND coalesce((SELECT max(c.created_at) FROM check_ins c WHERE c.key_result_id = k.id), k.created_at)
		              < ($2::date - 13)::timestamptz) AS stale,
		       (SELECT count(*) FROM initiatives i WHERE i.org_id = $1 AND i.archived_at IS NULL AND i.status = 'in_progress'
		          AND i.start_date <= $2::date - 13 AND i.end_date >= $2::date
		          AND NOT EXISTS (SELECT 1 FROM activities a WHERE a.initiative_id = i.id AND a.archived_at IS NULL
		                            AND a.completed_at >= ($2::date - 13)::timestamptz)) AS stalled,
		       (SELECT count(*) FROM (
		            SELECT 1 FROM (
		                SELECT area_id, owner_id AS person FROM objectives WHERE org_id = $1 AND archived_at IS NULL
		                  AND status IN ('draft', 'in_progress') AND end_date < $2::date
		                UNION ALL
		                SELECT area_id, owner_id FROM initiatives WHERE org_id = $1 AND archived_at IS NULL
		                  AND status IN ('planning', 'in_progress') AND end_date < $2::date
		                UNION ALL
		                SELECT area_id, assignee_id FROM activities WHERE org_id = $1 AND archived_at IS NULL
		                  AND status IN ('todo', 'in_progress') AND due_date < $2::date) AS x
		            CROSS JOIN LATERAL (VALUES ('area', x.area_id), ('person', x.person)) AS d(dim, key)
		            GROUP BY d.dim, d.key HAVING count(*) >= 3) AS c) AS clusters`, orgID, today)
	capped := func(v int) string { return strconv.Itoa(min(v, insightCountCap)) }
	return map[string]string{"at_risk": strconv.Itoa(n.Risk), "attention": strconv.Itoa(n.Attention),
		"stale_key_results": capped(n.Stale), "stalled_initiatives": capped(n.Stalled),
		"overdue_clusters": strconv.Itoa(n.Clusters)}
}

func expectSummary(t *testing.T, who, body string, want map[string]string) {
	t.Helper()
	got := stats(body)
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: data-stat %s = %q, want %q", who, name, got[name], w)
		}
	}
}

func TestInsightsRulesAgainstSQL(t *testing.T) {
	o := newInsightsOrg(t, "Rigel")
	e, token := signIn(t, o.Boss.Email)
	page := e.GET("/insights").WithQuery("period", "all").Expect().Status(http.StatusOK).Body().Raw()
	want := insightsTruth(t, o.Org.ID)
	expectSummary(t, "page", page, want)
	if want["at_risk"] != "3" || want["attention"] != "1" { // Rezagado, Un día, Con resultados; Ajustado
		t.Errorf("fixture drifted: truth %v", want)
	}
	frag := htmx(e.GET("/fragments/insights/summary").WithQuery("period", "all")).Expect().Status(http.StatusOK).Body().Raw()
	expectSummary(t, "summary fragment", frag, want)
	if stats(frag)["off_track_forecasts"] != "1" {
		t.Errorf("off_track_forecasts = %q, want 1 (Lento)", stats(frag)["off_track_forecasts"])
	}

	keys := insightKeys(page)
	for _, k := range []string{"pace-" + o.Risk, "pace-" + o.Attention, "pace-" + o.OneDay,
		"stale-kr-" + o.KRNever, "stale-kr-" + o.KROld, "stalled-" + o.Stalled,
		"forecast-" + o.KROff, "forecast-" + o.KROn, "forecast-" + o.KROne,
		"overdue-area-" + o.Area, "overdue-person-" + o.Emp.ID} {
		if !slices.Contains(keys, k) {
			t.Errorf("page lacks insight %s", k)
		}
	}
	for _, k := range []string{"pace-" + o.OK, "pace-" + o.Future, "pace-" + o.Ended, "pace-" + o.Done,
		"stale-kr-" + o.KRNew, "stale-kr-" + o.KROff, "stalled-" + o.Busy, "stalled-" + o.Young} {
		if slices.Contains(keys, k) {
			t.Errorf("page shows insight %s, which its rule does not flag", k)
		}
	}
	// the explanations carry the numbers
	pace := htmx(e.GET("/fragments/insights/pace").WithQuery("period", "all")).Expect().Status(http.StatusOK).Body().Raw()
	for _, s := range []string{"Lleva 30 % con 60 % del tiempo transcurrido", "En riesgo", "Atención",
		"plazo de un solo día", `href="/objectives/` + o.Risk + `"`} {
		if !strings.Contains(pace, s) {
			t.Errorf("pace fragment lacks %q", s)
		}
	}
	forecast := htmx(e.GET("/fragments/insights/forecast").WithQuery("period", "all")).Expect().Status(http.StatusOK).Body().Raw()
	for _, s := range []string{"Al ritmo actual llegará a", "Llegará a la meta hacia el", "Con un solo seguimiento",
		"Sin seguimientos", `href="/key-results/` + o.KROff + `"`} {
		if !strings.Contains(forecast, s) {
			t.Errorf("forecast fragment lacks %q", s)
		}
	}
	stale := htmx(e.GET("/fragments/insights/stale").WithQuery("period", "all")).Expect().Status(http.StatusOK).Body().Raw()
	for _, s := range []string{"Ningún seguimiento desde que se creó", "Último seguimiento el", "sin actividades completadas en los últimos 14 días",
		`href="/initiatives/` + o.Stalled + `"`} {
		if !strings.Contains(stale, s) {
			t.Errorf("stale fragment lacks %q", s)
		}
	}
	overdue := htmx(e.GET("/fragments/insights/overdue").WithQuery("period", "all")).Expect().Status(http.StatusOK).Body().Raw()
	for _, s := range []string{"3 actividades", `href="/activities?area=` + o.Area + `"`, `href="/activities?owner=` + o.Emp.ID + `"`} {
		if !strings.Contains(overdue, s) {
			t.Errorf("overdue fragment lacks %q", s)
		}
	}
	// fragments follow the period: a period holding none of the items
	var empty string
	tdb.Get(t, &empty, `INSERT INTO periods (org_id, name, start_date, end_date) VALUES ($1, 'Vacío', '2001-01-01', '2001-03-31') RETURNING id`, o.Org.ID)
	for _, f := range []string{"pace", "stale", "overdue", "forecast"} {
		body := htmx(e.GET("/fragments/insights/"+f).WithQuery("period", empty)).Expect().Status(http.StatusOK).Body().Raw()
		if keys := insightKeys(body); len(keys) != 0 {
			t.Errorf("%s in an empty period shows %v", f, keys)
		}
	}
	// an archived objective leaves every list (its children go with it),
	// at once: the write changes the organisation's data version, so
	// nothing remembered from before it is served (memo.go)
	e.POST("/objectives/"+o.WithKRs+"/archive").WithFormField("_csrf", token).Expect().Status(http.StatusSeeOther)
	page = e.GET("/insights").WithQuery("period", "all").Expect().Status(http.StatusOK).Body().Raw()
	expectSummary(t, "after archiving", page, insightsTruth(t, o.Org.ID))
	if keys := insightKeys(page); slices.Contains(keys, "pace-"+o.WithKRs) || slices.Contains(keys, "forecast-"+o.KROff) {
		t.Errorf("archived objective still listed: %v", keys)
	}
}

func TestInsightsDemo(t *testing.T) {
	for _, email := range []string{"ana@acme.test", "gina@globex.test"} {
		e := signInDemo(t, email)
		var orgID string
		tdb.Get(t, &orgID, `SELECT org_id FROM memberships WHERE email = $1 ORDER BY created_at LIMIT 1`, email)
		page := e.GET("/insights").WithQuery("period", "all").Expect().Status(http.StatusOK).Body().Raw()
		expectSummary(t, email, page, insightsTruth(t, orgID))
		kinds := map[string]int{}
		for _, k := range insightKeys(page) {
			kinds[k[:strings.LastIndex(k[:len(k)-36], "-")]]++
		}
		t.Logf("%s: summary %v; insights listed by kind %v", email, stats(page), kinds)
		// the demo has a key result nobody reported on for weeks in each
		// organisation (internal/demo's quiet key results)
		if kinds["stale-kr"] == 0 {
			t.Errorf("%s: the demo should show a stale key result, got %v", email, kinds)
		}
		// the default view follows the member's period (the current one)
		e.GET("/insights").Expect().Status(http.StatusOK)
	}
}

func TestInsightsEmptyOrganisation(t *testing.T) {
	org := tdb.NewOrg(t, "Vacía Insights")
	boss := tdb.Member(t, org, "Sola", "corporativo")
	e, _ := signIn(t, boss.Email)
	page := e.GET("/insights").Expect().Status(http.StatusOK).Body().Raw()
	expectSummary(t, "empty", page, map[string]string{"at_risk": "0", "attention": "0", "stale_key_results": "0",
		"stalled_initiatives": "0", "overdue_clusters": "0", "off_track_forecasts": "0"})
	for _, s := range []string{"Ningún objetivo en curso", "No hay resultados clave sin alcanzar", "Todos los resultados clave",
		"Ninguna iniciativa en progreso", "No hay grupos de 3 o más"} {
		if !strings.Contains(page, s) {
			t.Errorf("empty page lacks %q", s)
		}
	}
	if strings.Contains(page, "Mostrar descartados") {
		t.Error("empty page offers dismissed insights")
	}
}

func TestInsightsIsolation(t *testing.T) {
	a, b := newInsightsOrg(t, "Alfa"), newInsightsOrg(t, "Beta")
	for _, pair := range [][2]insightsOrg{{a, b}, {b, a}} {
		own, foreign := pair[0], pair[1]
		e, token := signIn(t, own.Boss.Email)
		bodies := map[string]string{"page": e.GET("/insights").WithQuery("period", "all").Expect().Status(http.StatusOK).Body().Raw()}
		for _, f := range []string{"summary", "pace", "stale", "overdue", "forecast"} {
			bodies[f] = htmx(e.GET("/fragments/insights/"+f).WithQuery("period", "all")).Expect().Status(http.StatusOK).Body().Raw()
		}
		ownIDs := map[string]string{"pace": own.Risk, "stale": own.KRNever, "overdue": own.Area, "forecast": own.KROff}
		for name, body := range bodies {
			if id, ok := ownIDs[name]; ok && !strings.Contains(body, id) {
				t.Errorf("%s as %s: own item %s missing (positive control)", name, own.Org.Name, id)
			}
			for _, id := range []string{foreign.Risk, foreign.KRNever, foreign.KROff, foreign.Stalled, foreign.Area, foreign.Emp.ID, foreign.Org.Name} {
				if strings.Contains(body, id) {
					t.Errorf("%s as %s shows %s's %s", name, own.Org.Name, foreign.Org.Name, id)
				}
			}
		}
		if got := stats(bodies["summary"])["at_risk"]; got != "3" {
			t.Errorf("summary as %s: at_risk %s, want its own 3", own.Org.Name, got)
		}
		// another organisation's items: 404 and nothing written
		for _, key := range []string{"pace-" + foreign.Risk, "stale-kr-" + foreign.KRNever, "forecast-" + foreign.KROff,
			"stalled-" + foreign.Stalled, "overdue-area-" + foreign.Area, "overdue-person-" + foreign.Emp.ID} {
			for _, action := range []string{"dismiss", "restore"} {
				postForm(e, "/insights/"+key+"/"+action, token, nil).Expect().Status(http.StatusNotFound)
			}
		}
		if n := countRows(t, "insight_dismissals", own.Org.ID) + countRows(t, "insight_dismissals", foreign.Org.ID); n != 0 {
			t.Errorf("foreign ids wrote %d dismissals", n)
		}
		// while its own dismiss works (positive control), then is undone
		postForm(e, "/insights/pace-"+own.Risk+"/dismiss", token, nil).Expect().Status(http.StatusSeeOther)
		postForm(e, "/insights/pace-"+own.Risk+"/restore", token, nil).Expect().Status(http.StatusSeeOther)
	}
}

func TestInsightsDismissPerMember(t *testing.T) {
	o := newInsightsOrg(t, "Vega")
	boss, token := signIn(t, o.Boss.Email)
	mgr, _ := signIn(t, o.Manager.Email)
	key := "pace-" + o.Risk
	paceOf := func(who string, q string) string {
		e := boss
		if who == "manager" {
			e = mgr
		}
		return htmx(get(e, "/fragments/insights/pace?period=all"+q)).Expect().Status(http.StatusOK).Body().Raw()
	}
	before := stats(htmx(boss.GET("/fragments/insights/summary").WithQuery("period", "all")).Expect().Body().Raw())

	// htmx: 204, the event that refreshes the cards, the row written once
	r := htmx(postForm(boss, "/insights/"+key+"/dismiss", token, nil)).Expect().Status(http.StatusNoContent)
	r.Header("HX-Trigger").IsEqual("insights-changed")
	htmx(postForm(boss, "/insights/"+key+"/dismiss", token, nil)).Expect().Status(http.StatusNoContent)
	if n := countRows(t, "insight_dismissals", o.Org.ID); n != 1 {
		t.Fatalf("dismissals = %d, want 1", n)
	}
	body := paceOf("boss", "")
	if slices.Contains(insightKeys(body), key) {
		t.Error("dismissed insight still listed")
	}
	if !strings.Contains(body, "Mostrar descartados (1)") {
		t.Error("no toggle for the dismissed insight")
	}
	after := stats(htmx(boss.GET("/fragments/insights/summary").WithQuery("period", "all")).Expect().Body().Raw())
	if b, _ := strconv.Atoi(before["at_risk"]); after["at_risk"] != strconv.Itoa(b-1) {
		t.Errorf("at_risk %s after dismissing one of %s", after["at_risk"], before["at_risk"])
	}
	// another member still sees it
	if !slices.Contains(insightKeys(paceOf("manager", "")), key) {
		t.Error("a dismissal hid the insight from another member")
	}
	// shown with ?dismissed=1, with a restore form
	shown := paceOf("boss", "&dismissed=1")
	if !slices.Contains(insightKeys(shown), key) || !strings.Contains(shown, `action="/insights/`+key+`/restore"`) ||
		!strings.Contains(shown, "Ocultar descartados") {
		t.Error("?dismissed=1 does not offer the dismissed insight back")
	}
	page := boss.GET("/insights").WithQuery("period", "all").WithQuery("dismissed", "1").Expect().Status(http.StatusOK).Body().Raw()
	if !strings.Contains(page, `hx-get="/fragments/insights/pace?period=all&amp;dismissed=1"`) {
		t.Error("the page's fragments do not keep ?dismissed=1")
	}
	// restore, plain form: 303 back, row gone
	postForm(boss, "/insights/"+key+"/restore", token, nil).Expect().Status(http.StatusSeeOther).Header("Location").IsEqual("/insights")
	if n := countRows(t, "insight_dismissals", o.Org.ID); n != 0 {
		t.Errorf("dismissals = %d after restore", n)
	}
	if !slices.Contains(insightKeys(paceOf("boss", "")), key) {
		t.Error("restored insight not listed")
	}
	// every kind can be dismissed, including the "unassigned" cluster
	for _, k := range []string{"stale-kr-" + o.KRNever, "forecast-" + o.KROff, "stalled-" + o.Stalled,
		"overdue-area-" + o.Area, "overdue-person-" + o.Emp.ID, "overdue-person-" + zeroUUID} {
		postForm(boss, "/insights/"+k+"/dismiss", token, nil).Expect().Status(http.StatusSeeOther)
	}
	if n := countRows(t, "insight_dismissals", o.Org.ID); n != 6 {
		t.Errorf("dismissals = %d, want 6", n)
	}
	full := boss.GET("/insights").WithQuery("period", "all").Expect().Status(http.StatusOK).Body().Raw()
	for _, k := range []string{"stale-kr-" + o.KRNever, "forecast-" + o.KROff, "stalled-" + o.Stalled, "overdue-area-" + o.Area} {
		if slices.Contains(insightKeys(full), k) {
			t.Errorf("dismissed %s still listed", k)
		}
	}
	// deleting the item deletes its dismissals
	tdb.Exec(t, `DELETE FROM initiatives WHERE id = $1`, o.Stalled)
	if n := countRows(t, "insight_dismissals", o.Org.ID); n != 5 {
		t.Errorf("dismissals = %d after deleting the initiative, want 5", n)
	}
}

func TestInsightsConditionalRequests(t *testing.T) {
	o := newInsightsOrg(t, "Deneb")
	boss, token := signIn(t, o.Boss.Email)
	mgr, _ := signIn(t, o.Manager.Email)
	for _, f := range []string{"summary", "pace", "stale", "overdue", "forecast"} {
		path := "/fragments/insights/" + f
		first := htmx(boss.GET(path)).Expect().Status(http.StatusOK)
		tag := first.Header("ETag").NotEmpty().Raw()
		htmx(boss.GET(path)).WithHeader("If-None-Match", tag).Expect().Status(http.StatusNotModified).Body().IsEmpty()
		mTag := htmx(mgr.GET(path)).Expect().Status(http.StatusOK).Header("ETag").Raw()
		// a dismissal changes the member's tag (and the organisation's data version)
		postForm(boss, "/insights/pace-"+o.Risk+"/dismiss", token, nil).Expect().Status(http.StatusSeeOther)
		htmx(boss.GET(path)).WithHeader("If-None-Match", tag).Expect().Status(http.StatusOK).Header("ETag").NotEqual(tag)
		htmx(mgr.GET(path)).WithHeader("If-None-Match", mTag).Expect().Status(http.StatusOK)
		postForm(boss, "/insights/pace-"+o.Risk+"/restore", token, nil).Expect().Status(http.StatusSeeOther)
	}
}

func TestInsightsBadInput(t *testing.T) {
	o := newInsightsOrg(t, "Altair")
	e, token := signIn(t, o.Boss.Email)
	for _, key := range []string{"x", "pace", "pace-", "pace-123", "pace-" + o.Risk + "x", "pace_" + o.Risk,
		"nope-" + o.Risk, "PACE-" + o.Risk, "pace-" + strings.Repeat("z", 36), "pace-" + zeroUUID,
		"stalled-" + o.Risk, // an objective's id as an initiative
		"overdue-area-" + o.Emp.ID, "overdue-person-" + o.Area, "pace-" + o.KRNever} {
		for _, action := range []string{"dismiss", "restore"} {
			postForm(e, "/insights/"+key+"/"+action, token, nil).Expect().Status(http.StatusNotFound)
		}
	}
	if n := countRows(t, "insight_dismissals", o.Org.ID); n != 0 {
		t.Errorf("bad keys wrote %d dismissals", n)
	}
	// without the CSRF token nothing is written
	e.POST("/insights/pace-" + o.Risk + "/dismiss").Expect().Status(http.StatusForbidden)
	if n := countRows(t, "insight_dismissals", o.Org.ID); n != 0 {
		t.Errorf("a post without CSRF wrote %d dismissals", n)
	}
	for _, q := range []string{"dismissed=2", "dismissed=yes", "period=zzz", "period=" + o.Risk + "x"} {
		for _, f := range []string{"summary", "pace", "stale", "overdue", "forecast"} {
			body := htmx(get(e, "/fragments/insights/"+f+"?"+q)).Expect().Status(http.StatusUnprocessableEntity).Body().Raw()
			if !strings.Contains(body, "no es válido") && !strings.Contains(body, "admite 0 o 1") {
				t.Errorf("%s?%s: no Spanish message: %.200s", f, q, body)
			}
		}
		page := get(e, "/insights?"+q).Expect().Status(http.StatusUnprocessableEntity).Body().Raw()
		if !strings.Contains(page, `role="alert"`) {
			t.Errorf("/insights?%s: no error notice", q)
		}
	}
}

// TestInsightItemEscapes renders the item partial alone with hostile values.
func TestInsightItemEscapes(t *testing.T) {
	var buf bytes.Buffer
	evil := `<script>alert(1)</script>"'&`
	if err := srv.views.Fragment(&buf, "insights/item", insightItem{Key: "pace-" + zeroUUID, Level: "risk", LevelLabel: evil,
		Title: evil, Href: "/objectives/" + zeroUUID, Context: evil, ContextHref: "javascript:alert(1)", Why: evil, Meta: evil, CSRF: evil}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "<script>") || strings.Contains(out, `href="javascript:`) || strings.Contains(out, `"'&`) {
		t.Fatalf("hostile values not escaped:\n%s", out)
	}
	if !strings.Contains(out, `data-insight="pace-`+zeroUUID+`"`) {
		t.Fatalf("markup contract broken:\n%s", out)
	}
}

// TestInsightsRememberedPerSession: a second session of the same member is
// served the remembered result (nothing changed in between), and its dismiss
// forms carry that session's own CSRF token, which works; the dismissal is a
// write, so the next view is computed afresh without the dismissed item.
func TestInsightsRememberedPerSession(t *testing.T) {
	o := newInsightsOrg(t, "Deneb")
	first, firstToken := signIn(t, o.Boss.Email)
	second, secondToken := signIn(t, o.Boss.Email)
	if firstToken == secondToken {
		t.Fatal("two sessions share a CSRF token")
	}
	pace := func(e *httpexpect.Expect) string {
		return htmx(e.GET("/fragments/insights/pace").WithQuery("period", "all")).Expect().Status(http.StatusOK).Body().Raw()
	}
	key := "pace-" + o.Risk
	if body := pace(first); !strings.Contains(body, firstToken) || !slices.Contains(insightKeys(body), key) {
		t.Fatalf("first session: no %s with its token", key)
	}
	body := pace(second) // the same organisation state: remembered
	if strings.Contains(body, firstToken) || !strings.Contains(body, secondToken) {
		t.Fatal("the remembered result carries another session's CSRF token")
	}
	postForm(second, "/insights/"+key+"/dismiss", csrfFrom(t, body), nil).Expect().Status(http.StatusSeeOther)
	for name, e := range map[string]*httpexpect.Expect{"first": first, "second": second} {
		if slices.Contains(insightKeys(pace(e)), key) {
			t.Errorf("%s session still lists %s after the dismissal", name, key)
		}
	}
}

func TestMemoIsBounded(t *testing.T) {
	m := newMemo()
	for i := range memoSize + 10 {
		m.put(strconv.Itoa(i), i)
	}
	if n := m.len(); n != memoSize {
		t.Fatalf("memo holds %d entries, want at most %d", n, memoSize)
	}
	if _, ok := m.get("0"); ok {
		t.Error("the oldest entry was not evicted")
	}
	if v, ok := m.get(strconv.Itoa(memoSize + 9)); !ok || v != memoSize+9 {
		t.Error("the newest entry is missing")
	}
	m.put("5000", "again") // an existing key is replaced, not added twice
	if n := m.len(); n != memoSize {
		t.Errorf("re-putting a key changed the size to %d", n)
	}
}
