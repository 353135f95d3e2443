package handlers

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gavv/httpexpect/v2"

	"rumbo/internal/testpg"
)

// actFixture is an organisation of newOrgFixture (Boss corporativo,
// Manager gerente of AreaA, Emp empleado of AreaA) with an initiative in
// each area and seven activities whose titles carry the tag:
//
//	title                 initiative  assignee  status       priority  due (days from the org's today)
//	Llamar clientes       IniA        Emp       todo         high      -2  (overdue)
//	Preparar propuesta    IniA        Manager   in_progress  medium     0  (due soon)
//	Enviar catálogo       IniA        Emp       completed    low       -5
//	Revisar contrato      IniA        —         todo         medium    +8
//	Diseñar pantallas     IniB        Boss      todo         medium    +7  (due soon)
//	Probar en móviles     IniB        —         cancelled    low       -1
//	Documentar API        IniB        Emp       todo         low       none
type actFixture struct {
	orgFixture
	IniA, IniB string
	Acts       map[string]string // title without the tag → id
}

// actSpec describes a fixture activity; Due is days from the
// organisation's today, nil for none.
type actSpec struct {
	Initiative, Title, Assignee, Status, Priority string
	Due                                           *int
}

func actDays(n int) *int { return &n }

// actInitiative writes an initiative under objective, as rumbo_owner.
func actInitiative(t *testing.T, org testpg.Org, objective, title string) string {
	t.Helper()
	var id string
	tdb.Get(t, &id, `INSERT INTO initiatives (org_id, objective_id, title, start_date, end_date)
		VALUES ($1, $2, $3, current_date - 60, current_date + 60) RETURNING id`, org.ID, objective, title)
	return id
}

// actActivity writes an activity, as rumbo_owner; dates are relative to the
// organisation's own today.
func actActivity(t *testing.T, org testpg.Org, s actSpec) string {
	t.Helper()
	if s.Status == "" {
		s.Status = "todo"
	}
	if s.Priority == "" {
		s.Priority = "medium"
	}
	var due any
	if s.Due != nil {
		due = *s.Due
	}
	var id string
	tdb.Get(t, &id, `INSERT INTO activities (org_id, initiative_id, title, assignee_id, status, priority,
			start_date, due_date, completed_at, estimated_hours)
		SELECT $1, $2, $3, $4, $5::text, $6, d - 30, d + $7::int, CASE WHEN $5::text = 'completed' THEN now() END, 4
		FROM (SELECT (now() AT TIME ZONE o.timezone)::date AS d FROM organizations AS o WHERE o.id = $1) AS today
		RETURNING id`, org.ID, s.Initiative, s.Title, nullable(s.Assignee), s.Status, s.Priority, due)
	return id
}

func newActFixture(t *testing.T, tag string) actFixture {
	t.Helper()
	f := actFixture{orgFixture: newOrgFixture(t, tag), Acts: map[string]string{}}
	f.IniA = actInitiative(t, f.Org, f.Objectives["Vender más "+tag], "Campaña "+tag)
	f.IniB = actInitiative(t, f.Org, f.Objectives["Lanzar app "+tag], "Prototipo "+tag)
	for _, s := range []actSpec{
		{f.IniA, "Llamar clientes", f.Emp.ID, "todo", "high", actDays(-2)},
		{f.IniA, "Preparar propuesta", f.Manager.ID, "in_progress", "medium", actDays(0)},
		{f.IniA, "Enviar catálogo", f.Emp.ID, "completed", "low", actDays(-5)},
		{f.IniA, "Revisar contrato", "", "todo", "medium", actDays(8)},
		{f.IniB, "Diseñar pantallas", f.Boss.ID, "todo", "medium", actDays(7)},
		{f.IniB, "Probar en móviles", "", "cancelled", "low", actDays(-1)},
		{f.IniB, "Documentar API", f.Emp.ID, "todo", "low", nil},
	} {
		title := s.Title
		s.Title += " " + tag
		f.Acts[title] = actActivity(t, f.Org, s)
	}
	return f
}

// title is an activity's full title.
func (f actFixture) title(short string) string { return short + " " + f.Tag }

var (
	actVersionRe = regexp.MustCompile(`name="version" value="([0-9]+)"`)
	actRowRe     = regexp.MustCompile(`(?s)<tr data-id="[0-9a-f-]{36}">.*?</tr>`)
)

// actRow is the <tr> of activity id in a body, or "".
func actRow(body, id string) string {
	for _, row := range actRowRe.FindAllString(body, -1) {
		if strings.HasPrefix(row, `<tr data-id="`+id+`">`) {
			return row
		}
	}
	return ""
}

// actState is what a test checks did (not) change.
type actState struct {
	Status, Title, Assignee, Archived string
	Version                           int
	Completed                         bool
}

func actStateOf(t *testing.T, id string) actState {
	t.Helper()
	var s actState
	tdb.Get(t, &s, `SELECT status, title, coalesce(assignee_id::text, '') AS assignee,
		coalesce(archived_at::text, '') AS archived, version, completed_at IS NOT NULL AS completed
		FROM activities WHERE id = $1`, id)
	return s
}

// actPost posts a form as a plain browser would (or as htmx).
func actPost(e *httpexpect.Expect, token, path string, hx bool, kv ...string) *httpexpect.Response {
	r := e.POST(path)
	if hx {
		r = htmx(r).WithHeader("X-CSRF-Token", token)
	} else {
		r = r.WithFormField("_csrf", token)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		r = r.WithFormField(kv[i], kv[i+1])
	}
	return r.Expect()
}

// TestActivitiesIsolation: every activities view shows the member's own
// rows (the positive control) and never the other organisation's; every
// route answers 404 for the other organisation's ids and writes nothing.
func TestActivitiesIsolation(t *testing.T) {
	a, b := newActFixture(t, "Ámbar"), newActFixture(t, "Bronce")
	for _, pair := range [][2]actFixture{{a, b}, {b, a}} {
		own, foreign := pair[0], pair[1]
		e, token := signIn(t, own.Boss.Email)
		check := func(route, body string, wantOwn ...string) {
			t.Helper()
			for _, short := range wantOwn {
				if !strings.Contains(body, html.EscapeString(own.title(short))) {
					t.Errorf("%s as %s: own activity %q missing", route, own.Tag, short)
				}
			}
			for short, id := range foreign.Acts {
				if strings.Contains(body, html.EscapeString(foreign.title(short))) || strings.Contains(body, id) {
					t.Errorf("%s as %s: shows %s's activity %q", route, own.Tag, foreign.Tag, short)
				}
			}
			for _, leak := range []string{foreign.IniA, foreign.IniB, foreign.Org.Name, foreign.AreaA, foreign.Emp.ID} {
				if strings.Contains(body, leak) {
					t.Errorf("%s as %s: shows %s's %q", route, own.Tag, foreign.Tag, leak)
				}
			}
		}
		all := []string{"Llamar clientes", "Preparar propuesta", "Enviar catálogo", "Revisar contrato",
			"Diseñar pantallas", "Probar en móviles", "Documentar API"}
		page := e.GET("/activities").Expect().Status(http.StatusOK).Body().Raw()
		check("/activities", page, all...)
		if got := stats(page)["total"]; got != "7" {
			t.Errorf("as %s: total %s, want 7", own.Tag, got)
		}
		if got := stats(htmx(e.GET("/fragments/activities/stats")).Expect().Status(http.StatusOK).Body().Raw()); got["total"] != "7" {
			t.Errorf("stats fragment as %s: %v", own.Tag, got)
		}
		for query, want := range map[string][]string{
			"status=todo":                      {"Llamar clientes", "Revisar contrato", "Diseñar pantallas", "Documentar API"},
			"priority=high":                    {"Llamar clientes"},
			"owner=" + own.Emp.ID:              {"Llamar clientes", "Enviar catálogo", "Documentar API"},
			"area=" + own.AreaB:                {"Diseñar pantallas", "Probar en móviles", "Documentar API"},
			"parent=" + own.IniA:               {"Llamar clientes", "Preparar propuesta", "Enviar catálogo", "Revisar contrato"},
			"q=" + url.QueryEscape("CATÁLOGO"): {"Enviar catálogo"},
			"q=pantallas&status=todo&priority=medium&area=" + own.AreaB: {"Diseñar pantallas"},
		} {
			body := htmx(get(e, "/fragments/activities/table?"+query)).Expect().Status(http.StatusOK).Body().Raw()
			check("table?"+query, body, want...)
			if n := len(rowIDs(body)); n != len(want) {
				t.Errorf("table?%s as %s: %d rows, want %d", query, own.Tag, n, len(want))
			}
			check("/activities?"+query, get(e, "/activities?"+query).Expect().Status(http.StatusOK).Body().Raw(), want...)
		}
		// filters naming the other organisation's area, assignee or
		// initiative find nothing of theirs
		for _, query := range []string{"area=" + foreign.AreaA, "owner=" + foreign.Emp.ID, "parent=" + foreign.IniA} {
			body := htmx(get(e, "/fragments/activities/table?"+query)).Expect().Status(http.StatusOK).Body().Raw()
			check(query, body)
			if !strings.Contains(body, "No hay actividades que coincidan") {
				t.Errorf("%s: expected the filtered empty state", query)
			}
		}
		for short, id := range own.Acts {
			e.GET("/activities/" + id).Expect().Status(http.StatusOK).Body().Contains(html.EscapeString(own.title(short)))
		}

		// the other organisation's ids: 404 everywhere, nothing written
		before := orgFingerprint(t, foreign.Org.ID)
		id := foreign.Acts["Llamar clientes"]
		for _, path := range []string{"/activities/" + id, "/activities/" + id + "/edit", "/activities/" + id + "/delete",
			"/fragments/activities/" + id + "/row", "/fragments/activities/" + id + "/assignee",
			"/activities/new?initiative=" + foreign.IniA} {
			get(e, path).Expect().Status(http.StatusNotFound).Body().NotContains(foreign.Tag)
			htmx(get(e, path)).Expect().Status(http.StatusNotFound)
		}
		fields := []string{"status", "completed", "version", "1", "assignee", own.Boss.ID, "title", "Intruso",
			"initiative", own.IniA, "start_date", "2026-01-01", "body", "Intruso"}
		for _, path := range []string{"", "/status", "/assignee", "/archive", "/restore", "/delete", "/comments"} {
			actPost(e, token, "/activities/"+id+path, false, fields...).Status(http.StatusNotFound)
			actPost(e, token, "/activities/"+id+path, true, fields...).Status(http.StatusNotFound)
		}
		// creating under the other organisation's initiative is a field error
		actPost(e, token, "/activities", false, "initiative", foreign.IniA, "title", "Intrusa", "start_date", "2026-01-01").
			Status(http.StatusUnprocessableEntity).Body().Contains("Esa iniciativa no existe en tu organización")
		after := orgFingerprint(t, foreign.Org.ID)
		for table, sum := range before {
			if after[table] != sum {
				t.Errorf("as %s: %s's %s changed", own.Tag, foreign.Tag, table)
			}
		}
		// positive control: the same POST on the member's own activity works
		mine := own.Acts["Revisar contrato"]
		actPost(e, token, "/activities/"+mine+"/status", true, "status", "in_progress",
			"version", strconv.Itoa(actStateOf(t, mine).Version)).Status(http.StatusOK)
	}
}

// TestActivitiesDemoStatsEqualSQL: for each demo organisation, every
// data-stat of the activities page and fragment equals the same number
// computed from the base tables on the organisation's own today, and the
// first page lists exactly the first activities in due-date order.
func TestActivitiesDemoStatsEqualSQL(t *testing.T) {
	for _, tc := range []struct{ email, slug, other string }{
		{"ana@acme.test", "acme-andina", "globex-sur"},
		{"gina@globex.test", "globex-sur", "acme-andina"},
	} {
		e := signInDemo(t, tc.email)
		const scope = `FROM activities AS a JOIN organizations AS g ON g.id = a.org_id
			CROSS JOIN LATERAL (SELECT (now() AT TIME ZONE g.timezone)::date AS today) AS t
			CROSS JOIN LATERAL (SELECT p.id FROM periods AS p WHERE p.org_id = g.id AND p.archived_at IS NULL
			       AND p.start_date <= t.today AND p.end_date >= t.today
			     ORDER BY p.start_date DESC, p.id LIMIT 1) AS cur
			WHERE g.slug = $1 AND a.archived_at IS NULL AND ($2 = 'all' OR a.period_id = cur.id)`
		for _, view := range []string{"", "all"} {
			var want struct {
				Total, Todo, InProgress, Completed, Cancelled, Overdue, DueSoon int
			}
			tdb.Get(t, &want, `SELECT count(*) AS total,
				count(*) FILTER (WHERE a.status = 'todo') AS todo,
				count(*) FILTER (WHERE a.status = 'in_progress') AS inprogress,
				count(*) FILTER (WHERE a.status = 'completed') AS completed,
				count(*) FILTER (WHERE a.status = 'cancelled') AS cancelled,
				count(*) FILTER (WHERE a.due_date < t.today AND a.status IN ('todo', 'in_progress')) AS overdue,
				count(*) FILTER (WHERE a.due_date BETWEEN t.today AND t.today + 7
				                   AND a.status IN ('todo', 'in_progress')) AS duesoon `+scope, tc.slug, view)
			wantMap := map[string]int{"total": want.Total, "todo": want.Todo, "in_progress": want.InProgress,
				"completed": want.Completed, "cancelled": want.Cancelled, "overdue": want.Overdue, "due_soon": want.DueSoon}
			page := e.GET("/activities").WithQuery("period", view).Expect().Status(http.StatusOK).Body().Raw()
			frag := htmx(e.GET("/fragments/activities/stats").WithQuery("period", view)).Expect().Status(http.StatusOK).Body().Raw()
			for _, body := range []string{page, frag} {
				got := stats(body)
				for name, w := range wantMap {
					if got[name] != strconv.Itoa(w) {
						t.Errorf("%s, period %q: data-stat %s = %q, SQL says %d", tc.email, view, name, got[name], w)
					}
				}
			}
			if view == "all" && (want.Total < 80 || want.Overdue == 0 || want.DueSoon == 0) {
				t.Errorf("%s: the demo should have ≥80 activities, some overdue and some due soon: %+v", tc.email, want)
			}
			var first []string
			tdb.Select(t, &first, `SELECT a.id `+scope+` ORDER BY coalesce(a.due_date, 'infinity'), a.id LIMIT 25`, tc.slug, view)
			if got := rowIDs(page); !slices.Equal(got, first) || len(first) == 0 {
				t.Errorf("%s, period %q: first page %d rows, want the %d first by due date", tc.email, view, len(got), len(first))
			}
			var foreign []string
			tdb.Select(t, &foreign, `SELECT a.id FROM activities a JOIN organizations g ON g.id = a.org_id WHERE g.slug = $1`, tc.other)
			for _, id := range foreign {
				if strings.Contains(page, id) {
					t.Fatalf("%s: shows %s's activity %s", tc.email, tc.other, id)
				}
			}
		}
	}
}

// TestActivityOverdueFollowsTheOrganisationsTimeZone: "today" is the
// organisation's. Kiritimati (UTC+14) and Pago Pago (UTC−11) are 25 hours
// apart, so at any moment at least one of them has another date than UTC.
func TestActivityOverdueFollowsTheOrganisationsTimeZone(t *testing.T) {
	for _, tz := range []string{"Pacific/Kiritimati", "Pacific/Pago_Pago"} {
		org := tdb.NewOrg(t, "Zona "+tz, tz)
		boss := tdb.Member(t, org, "Jefa Zona", "corporativo")
		obj := tdb.NewObjective(t, org, testpg.Objective{Title: "Objetivo zona"})
		ini := actInitiative(t, org, obj, "Iniciativa zona")
		ids := map[int]string{}
		for _, d := range []int{-1, 0, 7, 8} {
			ids[d] = actActivity(t, org, actSpec{Initiative: ini, Title: fmt.Sprintf("Vence %+d", d), Due: actDays(d)})
		}
		e, _ := signIn(t, boss.Email)
		page := e.GET("/activities").Expect().Status(http.StatusOK).Body().Raw()
		if got := stats(page); got["overdue"] != "1" || got["due_soon"] != "2" || got["total"] != "4" {
			t.Errorf("%s: stats %v, want overdue 1 and due_soon 2", tz, got)
		}
		for d, id := range ids {
			row := actRow(page, id)
			if overdue := strings.Contains(row, "Vencida"); overdue != (d < 0) {
				t.Errorf("%s: activity due %+d days: overdue shown %v", tz, d, overdue)
			}
		}
	}
}

// TestActivityStatsAcrossTheMonth: the cards add what fell due in earlier
// months (stat_months) to this month's days before today (stat_buckets), and
// count the next week from the days; items at each edge land on the right
// side wherever in the month today is.
func TestActivityStatsAcrossTheMonth(t *testing.T) {
	org := tdb.NewOrg(t, "Bordes del mes", "UTC")
	boss := tdb.Member(t, org, "Jefa Bordes", "corporativo")
	obj := tdb.NewObjective(t, org, testpg.Objective{Title: "Objetivo bordes"})
	ini := actInitiative(t, org, obj, "Iniciativa bordes")
	var day int // today's day of the month, in UTC like the organisation
	tdb.Get(t, &day, `SELECT extract(day FROM (now() AT TIME ZONE 'UTC')::date)::int`)
	lastOfPrevious, firstOfThis := -day, -(day - 1)
	add := func(title, status string, due *int) {
		tdb.Exec(t, `INSERT INTO activities (org_id, initiative_id, title, status, priority, due_date, completed_at)
			VALUES ($1, $2, $3, $4::text, 'medium', (now() AT TIME ZONE 'UTC')::date + $5::int,
			        CASE WHEN $4::text = 'completed' THEN now() END)`, org.ID, ini, title, status, due)
	}
	dues := []int{-400, -60, lastOfPrevious, firstOfThis, -1, 0, 7, 8, 40}
	wantOverdue, wantSoon := 0, 0
	for i, d := range dues {
		add(fmt.Sprintf("Vence %d (%+d)", i, d), "todo", actDays(d))
		if d < 0 {
			wantOverdue++
		} else if d <= 7 {
			wantSoon++
		}
	}
	// closed ones never count, wherever they fall
	add("Hecha vencida", "completed", actDays(-60))
	add("Cancelada hoy", "cancelled", actDays(0))
	add("Sin fecha", "todo", nil)
	e, _ := signIn(t, boss.Email)
	got := stats(htmx(e.GET("/fragments/activities/stats")).Expect().Status(http.StatusOK).Body().Raw())
	want := map[string]string{"total": strconv.Itoa(len(dues) + 3), "todo": strconv.Itoa(len(dues) + 1),
		"overdue": strconv.Itoa(wantOverdue), "due_soon": strconv.Itoa(wantSoon), "completed": "1", "cancelled": "1"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("day %d of the month: %s = %s, want %s (all: %v)", day, k, got[k], v, got)
		}
	}
}

func TestActivitiesEmptyState(t *testing.T) {
	org := tdb.NewOrg(t, "Sin actividades")
	u := tdb.Member(t, org, "Vera Vacía", "corporativo")
	e, _ := signIn(t, u.Email)
	body := e.GET("/activities").Expect().Status(http.StatusOK).Body()
	body.Contains("No hay actividades").Contains("Crear primera actividad").Contains(`href="/activities/new"`)
	for name, v := range stats(body.Raw()) {
		if v != "0" {
			t.Errorf("empty organisation: %s = %s", name, v)
		}
	}
	if len(stats(body.Raw())) != 7 {
		t.Errorf("stats card: %v", stats(body.Raw()))
	}
}

// TestActivityStatusInline: the row's status select, through htmx and as a
// plain form; completing sets completed_at once, reopening clears it, and
// the stats card is told to refresh.
func TestActivityStatusInline(t *testing.T) {
	f := newActFixture(t, "Cobre")
	e, token := signIn(t, f.Boss.Email)
	id := f.Acts["Llamar clientes"] // todo, overdue
	if got := stats(htmx(e.GET("/fragments/activities/stats")).Expect().Body().Raw()); got["overdue"] != "1" ||
		got["completed"] != "1" || got["due_soon"] != "2" {
		t.Fatalf("fixture stats %v", got)
	}
	row := actRow(e.GET("/activities").Expect().Body().Raw(), id)
	if !strings.Contains(row, `hx-post="/activities/`+id+`/status"`) || !strings.Contains(row, "Vencida") {
		t.Fatalf("the overdue row has no inline status form:\n%s", row)
	}

	v := actStateOf(t, id).Version
	r := actPost(e, token, "/activities/"+id+"/status", true, "status", "completed", "version", strconv.Itoa(v))
	r.Status(http.StatusOK).Header("HX-Trigger").IsEqual("activities-changed")
	body := r.Body().Raw()
	if !strings.HasPrefix(body, `<tr data-id="`+id+`">`) || strings.Contains(body, "<html") ||
		!strings.Contains(body, "Completada el") || strings.Contains(body, "Vencida") ||
		!strings.Contains(body, `name="version" value="`+strconv.Itoa(v+1)+`"`) {
		t.Fatalf("the swapped row:\n%s", body)
	}
	var completedAt string
	tdb.Get(t, &completedAt, `SELECT completed_at::text FROM activities WHERE id = $1`, id)
	got := stats(htmx(e.GET("/fragments/activities/stats")).Expect().Body().Raw())
	if got["overdue"] != "0" || got["completed"] != "2" || got["todo"] != "3" {
		t.Errorf("stats after completing: %v", got)
	}
	// completing again keeps the first completion time
	actPost(e, token, "/activities/"+id+"/status", true, "status", "completed", "version", strconv.Itoa(v+1)).Status(http.StatusOK)
	var again string
	tdb.Get(t, &again, `SELECT completed_at::text FROM activities WHERE id = $1`, id)
	if again != completedAt {
		t.Errorf("completed_at moved from %s to %s", completedAt, again)
	}
	// reopening clears it; a plain form goes back to the page it came from
	actPost(e, token, "/activities/"+id+"/status", false, "status", "in_progress", "version", strconv.Itoa(v+2)).
		Status(http.StatusSeeOther).Header("Location").IsEqual("/activities")
	if s := actStateOf(t, id); s.Completed || s.Status != "in_progress" || s.Version != v+3 {
		t.Errorf("after reopening: %+v", s)
	}
	e.POST("/activities/"+id+"/status").WithHeader("Referer", "http://rumbo.test/activities?status=todo&sort=-priority").
		WithFormField("_csrf", token).WithFormField("status", "todo").WithFormField("version", strconv.Itoa(v+3)).
		Expect().Status(http.StatusSeeOther).Header("Location").IsEqual("/activities?status=todo&sort=-priority")
	e.POST("/activities/"+id+"/status").WithHeader("Referer", "https://elsewhere.test/activities?x=1").
		WithFormField("_csrf", token).WithFormField("status", "cancelled").WithFormField("version", strconv.Itoa(v+4)).
		Expect().Status(http.StatusSeeOther).Header("Location").IsEqual("/activities")
	// the history shows the changes, with who made them
	page := e.GET("/activities/" + id).Expect().Status(http.StatusOK).Body()
	page.Contains("Historial de cambios").Contains("Jefa Cobre").Contains(`<span class="old">Pendiente</span> → <span class="new">Completada</span>`)
}

// TestActivityAssigneeInline: the "Cambiar" picker a row loads, the
// change, and its refusals.
func TestActivityAssigneeInline(t *testing.T) {
	f := newActFixture(t, "Plata")
	other := newOrgFixture(t, "Oro")
	gone := tdb.NewUser(t, "Ex Miembro Plata")
	tdb.AddMember(t, f.Org, gone, "empleado", f.AreaA)
	tdb.Exec(t, `UPDATE memberships SET removed_at = now() WHERE user_id = $1`, gone.ID)
	e, token := signIn(t, f.Boss.Email)
	id := f.Acts["Revisar contrato"] // nobody assigned

	picker := htmx(e.GET("/fragments/activities/" + id + "/assignee")).Expect().Status(http.StatusOK).Body()
	picker.Contains(`hx-post="/activities/` + id + `/assignee"`).Contains("Gerente Plata").Contains("Empleado Plata").
		NotContains("Ex Miembro Plata").NotContains("<html")
	version := actVersionRe.FindStringSubmatch(picker.Raw())[1]
	// Cancelar brings the row back as it was
	htmx(e.GET("/fragments/activities/" + id + "/row")).Expect().Status(http.StatusOK).Body().
		HasPrefix(`<tr data-id="` + id + `">`).Contains("Sin asignar")

	before := actStateOf(t, id)
	for _, bad := range []string{other.Emp.ID, gone.ID, "nadie", "00000000-0000-0000-0000-000000000000"} {
		actPost(e, token, "/activities/"+id+"/assignee", true, "assignee", bad, "version", version).
			Status(http.StatusUnprocessableEntity).Body().Contains("Esa persona no es miembro de tu organización")
	}
	if actStateOf(t, id) != before {
		t.Fatal("refused assignments changed the activity")
	}
	r := actPost(e, token, "/activities/"+id+"/assignee", true, "assignee", strings.ToUpper(f.Manager.ID), "version", version)
	r.Status(http.StatusOK).Header("HX-Trigger").IsEqual("activities-changed")
	r.Body().HasPrefix(`<tr data-id="` + id + `">`).Contains("Gerente Plata")
	if s := actStateOf(t, id); s.Assignee != f.Manager.ID {
		t.Fatalf("assignee %q", s.Assignee)
	}
	// unassigning, as a plain form
	actPost(e, token, "/activities/"+id+"/assignee", false, "assignee", "", "version", strconv.Itoa(actStateOf(t, id).Version)).
		Status(http.StatusSeeOther)
	if s := actStateOf(t, id); s.Assignee != "" {
		t.Fatalf("still assigned to %q", s.Assignee)
	}
	e.GET("/activities/" + id).Expect().Body().Contains("Asignada a").Contains("Gerente Plata") // in the history

	// an activity left with a removed member keeps them until someone
	// chooses another: the pickers offer only current members, plus them
	kept := f.Acts["Documentar API"]
	tdb.Exec(t, `UPDATE activities SET assignee_id = $1 WHERE id = $2`, gone.ID, kept)
	const former = `selected>Ex Miembro Plata (ya no es miembro)</option>`
	htmx(e.GET("/fragments/activities/" + kept + "/assignee")).Expect().Status(http.StatusOK).Body().Contains(former)
	form := e.GET("/activities/" + kept + "/edit").Expect().Status(http.StatusOK).Body().Contains(former).Raw()
	actPost(e, token, "/activities/"+kept, false, "version", actVersionRe.FindStringSubmatch(form)[1], "initiative", f.IniB,
		"title", "Documentar API Plata", "assignee", gone.ID, "status", "in_progress", "priority", "low",
		"start_date", "2026-01-01").Status(http.StatusSeeOther)
	if s := actStateOf(t, kept); s.Assignee != gone.ID || s.Status != "in_progress" {
		t.Errorf("saving the form changed the former member's assignment: %+v", s)
	}
}

// TestActivityPermissions walks the matrix's cells for activities: an
// empleado on their own and on others' activities, a gerente in and out of
// their area, a corporativo anywhere; every refusal writes nothing.
func TestActivityPermissions(t *testing.T) {
	f := newActFixture(t, "Hierro")
	own, others := f.Acts["Llamar clientes"], f.Acts["Preparar propuesta"] // Emp's; the Manager's (both AreaA)
	areaB := f.Acts["Diseñar pantallas"]                                   // the Boss's, AreaB
	version := func(id string) string { return strconv.Itoa(actStateOf(t, id).Version) }

	t.Run("empleado", func(t *testing.T) {
		e, token := signIn(t, f.Emp.Email)
		table := htmx(e.GET("/fragments/activities/table")).Expect().Status(http.StatusOK).Body().Raw()
		if !strings.Contains(actRow(table, own), "<form") || strings.Contains(actRow(table, others), "<form") {
			t.Error("an empleado gets the inline status form on exactly their own activities")
		}
		if strings.Contains(actRow(table, own), "Cambiar</a>") {
			t.Error("an empleado is offered to reassign")
		}
		actPost(e, token, "/activities/"+own+"/status", true, "status", "in_progress", "version", version(own)).Status(http.StatusOK)
		before := actStateOf(t, others)
		actPost(e, token, "/activities/"+others+"/status", true, "status", "completed", "version", version(others)).
			Status(http.StatusForbidden).Body().Contains("Solo puedes editar las actividades que tienes asignadas")
		actPost(e, token, "/activities/"+own+"/assignee", true, "assignee", f.Manager.ID, "version", version(own)).
			Status(http.StatusForbidden).Body().Contains("no puedes reasignar")
		htmx(e.GET("/fragments/activities/" + own + "/assignee")).Expect().Status(http.StatusForbidden)
		e.GET("/activities/" + others + "/edit").Expect().Status(http.StatusForbidden)
		e.GET("/activities/" + own + "/delete").Expect().Status(http.StatusForbidden)
		actPost(e, token, "/activities/"+own+"/delete", false, "version", version(own)).Status(http.StatusForbidden)
		if actStateOf(t, others) != before || actStateOf(t, own).Assignee != f.Emp.ID {
			t.Fatal("a refused change was written")
		}
		// their own activity: status, hours and description, nothing else
		form := e.GET("/activities/" + own + "/edit").Expect().Status(http.StatusOK).Body()
		form.Contains(`name="title" value="Llamar clientes Hierro" required maxlength="200" placeholder="Ej: Crear campaña en redes sociales" disabled`).
			Contains("lo demás lo cambia tu gerente")
		actPost(e, token, "/activities/"+own, false, "version", version(own), "status", "completed",
			"description", "Llamé a los diez primeros", "actual_hours", "3,5", "estimated_hours", "4").
			Status(http.StatusSeeOther).Header("Location").IsEqual("/activities/" + own)
		var saved struct {
			Description, Actual, Title string
			Completed                  bool
		}
		tdb.Get(t, &saved, `SELECT description, actual_hours::text AS actual, title, completed_at IS NOT NULL AS completed
			FROM activities WHERE id = $1`, own)
		if saved.Description != "Llamé a los diez primeros" || saved.Actual != "3.50" || !saved.Completed ||
			saved.Title != "Llamar clientes Hierro" {
			t.Errorf("an empleado's save: %+v", saved)
		}
		before = actStateOf(t, own)
		for _, kv := range [][2]string{{"title", "Otro título"}, {"priority", "low"}, {"initiative", f.IniB},
			{"due_date", "2030-01-01"}} {
			actPost(e, token, "/activities/"+own, false, "version", version(own), "status", "todo", kv[0], kv[1]).
				Status(http.StatusForbidden).Body().Contains("solo puedes cambiar el estado, las horas y la descripción")
		}
		actPost(e, token, "/activities/"+own, false, "version", version(own), "status", "todo", "assignee", f.Boss.ID).
			Status(http.StatusForbidden)
		if actStateOf(t, own) != before {
			t.Fatal("a refused edit was written")
		}
		// creating: in their area, for themselves
		e.GET("/activities/new").Expect().Status(http.StatusOK).Body().Contains("Campaña Hierro").NotContains("Prototipo Hierro")
		n := countRows(t, "activities", f.Org.ID)
		actPost(e, token, "/activities", false, "initiative", f.IniA, "title", "Para otro", "start_date", "2026-01-01",
			"assignee", f.Manager.ID).Status(http.StatusUnprocessableEntity).Body().Contains("solo puedes crear actividades asignadas a ti")
		actPost(e, token, "/activities", false, "initiative", f.IniB, "title", "Otra área", "start_date", "2026-01-01").
			Status(http.StatusUnprocessableEntity).Body().Contains("Solo puedes crear actividades en iniciativas de tu área")
		e.GET("/activities/new").WithQuery("initiative", f.IniB).Expect().Status(http.StatusForbidden)
		if countRows(t, "activities", f.Org.ID) != n {
			t.Fatal("a refused creation was written")
		}
		loc := actPost(e, token, "/activities", false, "initiative", f.IniA, "title", "Mía", "start_date", "2026-01-01").
			Status(http.StatusSeeOther).Header("Location").Raw()
		if s := actStateOf(t, strings.TrimPrefix(loc, "/activities/")); s.Assignee != f.Emp.ID {
			t.Errorf("an empleado's new activity is assigned to %q", s.Assignee)
		}
		// archiving their own activity is an edit the matrix allows
		actPost(e, token, "/activities/"+own+"/archive", false, "version", version(own)).Status(http.StatusSeeOther)
		actPost(e, token, "/activities/"+own+"/restore", false, "version", version(own)).Status(http.StatusSeeOther)
		actPost(e, token, "/activities/"+others+"/archive", false, "version", version(others)).Status(http.StatusForbidden)
		// an empleado's activity in another area is still theirs
		doc := f.Acts["Documentar API"]
		actPost(e, token, "/activities/"+doc+"/status", true, "status", "in_progress", "version", version(doc)).Status(http.StatusOK)
	})

	t.Run("gerente", func(t *testing.T) {
		e, token := signIn(t, f.Manager.Email)
		table := htmx(e.GET("/fragments/activities/table")).Expect().Body().Raw()
		if !strings.Contains(actRow(table, own), "Cambiar</a>") || strings.Contains(actRow(table, areaB), "<form") {
			t.Error("a gerente edits and reassigns exactly their area's activities")
		}
		actPost(e, token, "/activities/"+own+"/status", true, "status", "todo", "version", version(own)).Status(http.StatusOK)
		actPost(e, token, "/activities/"+own+"/assignee", true, "assignee", f.Manager.ID, "version", version(own)).Status(http.StatusOK)
		before := actStateOf(t, areaB)
		actPost(e, token, "/activities/"+areaB+"/status", true, "status", "completed", "version", version(areaB)).
			Status(http.StatusForbidden).Body().Contains("Como gerente solo puedes editar las actividades de tu área")
		actPost(e, token, "/activities/"+areaB+"/assignee", false, "assignee", f.Manager.ID, "version", version(areaB)).
			Status(http.StatusForbidden)
		e.GET("/activities/" + areaB + "/edit").Expect().Status(http.StatusForbidden)
		e.GET("/activities/" + own + "/delete").Expect().Status(http.StatusForbidden).Body().Contains("Solo un corporativo")
		if actStateOf(t, areaB) != before {
			t.Fatal("a refused change was written")
		}
		// moving an activity out of the area is refused like creating there
		actPost(e, token, "/activities/"+own, false, "version", version(own), "initiative", f.IniB, "title", "Llamar",
			"status", "todo", "priority", "high", "start_date", "2026-01-01").
			Status(http.StatusUnprocessableEntity).Body().Contains("solo puedes poner actividades en iniciativas de tu área")
		actPost(e, token, "/activities", false, "initiative", f.IniB, "title", "Fuera", "start_date", "2026-01-01").
			Status(http.StatusUnprocessableEntity)
		actPost(e, token, "/activities", false, "initiative", f.IniA, "title", "Dentro", "start_date", "2026-01-01",
			"assignee", f.Emp.ID).Status(http.StatusSeeOther)
	})

	t.Run("corporativo", func(t *testing.T) {
		e, token := signIn(t, f.Boss.Email)
		actPost(e, token, "/activities/"+areaB+"/status", true, "status", "in_progress", "version", version(areaB)).Status(http.StatusOK)
		actPost(e, token, "/activities/"+others+"/assignee", true, "assignee", f.Emp.ID, "version", version(others)).Status(http.StatusOK)
		e.GET("/activities/" + others + "/delete").Expect().Status(http.StatusOK)
	})
}

// TestActivityConcurrency: two people edit the same activity from the same
// version; the second save answers 409 and overwrites nothing.
func TestActivityConcurrency(t *testing.T) {
	f := newActFixture(t, "Estaño")
	id := f.Acts["Preparar propuesta"]
	boss, bossToken := signIn(t, f.Boss.Email)
	mgr, mgrToken := signIn(t, f.Manager.Email)
	bossForm := boss.GET("/activities/" + id + "/edit").Expect().Status(http.StatusOK).Body().Raw()
	mgrForm := mgr.GET("/activities/" + id + "/edit").Expect().Status(http.StatusOK).Body().Raw()
	v := actVersionRe.FindStringSubmatch(bossForm)[1]
	if actVersionRe.FindStringSubmatch(mgrForm)[1] != v {
		t.Fatal("both forms should carry the same version")
	}
	fields := func(title string) []string {
		return []string{"version", v, "initiative", f.IniA, "title", title, "status", "in_progress", "priority", "high",
			"start_date", "2026-01-01", "due_date", "2026-12-31"}
	}
	actPost(boss, bossToken, "/activities/"+id, false, fields("Versión de la jefa")...).Status(http.StatusSeeOther)
	actPost(mgr, mgrToken, "/activities/"+id, false, fields("Versión del gerente")...).
		Status(http.StatusConflict).Body().Contains("Otra persona cambió esto; recarga para ver la versión actual")
	actPost(mgr, mgrToken, "/activities/"+id, true, fields("Versión del gerente")...).
		Status(http.StatusConflict).Header("HX-Retarget").IsEqual("#flash")
	after := actStateOf(t, id)
	if after.Title != "Versión de la jefa" {
		t.Fatalf("the stale save overwrote the title: %q", after.Title)
	}
	// the inline changes and archiving carry the version too
	for _, path := range []string{"/status", "/assignee", "/archive"} {
		actPost(mgr, mgrToken, "/activities/"+id+path, true, "version", v, "status", "completed", "assignee", f.Emp.ID).
			Status(http.StatusConflict).Body().Contains("Otra persona cambió esto")
	}
	if actStateOf(t, id) != after {
		t.Fatal("a stale inline change was written")
	}
}

func TestActivitiesBadInput(t *testing.T) {
	f := newActFixture(t, "Plomo")
	other := newActFixture(t, "Zinc")
	e, token := signIn(t, f.Boss.Email)
	for i := 0; i < 30; i++ {
		actActivity(t, f.Org, actSpec{Initiative: f.IniA, Title: fmt.Sprintf("Relleno %02d", i), Due: actDays(i)})
	}
	nextOf := func(path string) string {
		m := nextRe.FindStringSubmatch(get(e, path).Expect().Body().Raw())
		if m == nil {
			t.Fatalf("%s has no next page", path)
		}
		u, _ := url.Parse(html.UnescapeString(m[1]))
		return u.Query().Get("after")
	}
	cursor, titleCursor := nextOf("/activities"), nextOf("/activities?sort=title")
	for _, tc := range []struct{ query, message string }{
		{"status=hecha", "El estado elegido no existe"},
		{"priority=urgente", "La prioridad elegida no existe"},
		{"area=ventas", "El área elegida no es válida"},
		{"owner=123", "La persona asignada elegida no es válida"},
		{"parent=" + url.QueryEscape("' OR 1=1 --"), "La iniciativa elegida no es válida"},
		{"q=" + strings.Repeat("x", 101), "hasta 100 caracteres"},
		{"sort=completed_at", "No se puede ordenar"},
		{"period=actual", "El periodo elegido no es válido"},
		{"after=" + cursor + "x", "El enlace de paginación no es válido"},
		{"after=" + titleCursor, "El enlace de paginación no es válido"},
	} {
		for _, path := range []string{"/activities?", "/fragments/activities/table?"} {
			r := get(e, path+tc.query)
			if strings.HasPrefix(path, "/fragments") {
				r = htmx(r)
			}
			body := r.Expect().Status(http.StatusUnprocessableEntity).Body()
			body.Contains(tc.message).NotContains("Relleno")
			if strings.HasPrefix(path, "/activities") {
				body.Contains("<html").Contains(`data-stat="total"`)
			} else {
				body.NotContains("<html")
			}
		}
	}
	// a cursor is bound to its organisation
	o, _ := signIn(t, other.Boss.Email)
	o.GET("/activities").WithQuery("after", cursor).Expect().Status(http.StatusUnprocessableEntity)
	e.GET("/activities").WithQuery("after", cursor).Expect().Status(http.StatusOK).Body().Contains("Relleno")

	// the create form: each bad field is a message next to it, nothing is written
	tdb.Exec(t, `UPDATE initiatives SET archived_at = now() WHERE id = $1`, f.IniB)
	valid := map[string]string{"initiative": f.IniA, "title": "Nueva", "assignee": f.Emp.ID, "status": "todo",
		"priority": "high", "start_date": "2026-03-01", "due_date": "2026-03-31", "estimated_hours": "8",
		"actual_hours": "0"}
	before := countRows(t, "activities", f.Org.ID)
	for _, tc := range []struct{ field, value, msg string }{
		{"title", "  ", "Escribe un título."},
		{"title", strings.Repeat("á", 201), "hasta 200 caracteres"},
		{"description", strings.Repeat("x", 5001), "hasta 5.000 caracteres"},
		{"initiative", "", "Elige una iniciativa."},
		{"initiative", "x", "Esa iniciativa no existe en tu organización."},
		{"initiative", other.IniA, "Esa iniciativa no existe en tu organización."},
		{"initiative", f.IniB, "Esa iniciativa está archivada"},
		{"assignee", other.Emp.ID, "Esa persona no es miembro de tu organización."},
		{"assignee", "yo", "Esa persona no es miembro de tu organización."},
		{"status", "hecha", "Elige un estado de la lista."},
		{"priority", "urgente", "Elige una prioridad de la lista."},
		{"start_date", "", "Indica una fecha de inicio válida."},
		{"start_date", "2026-02-30", "Indica una fecha de inicio válida."},
		{"due_date", "31/03/2026", "fecha de vencimiento válida"},
		{"due_date", "2026-02-28", "no puede ser anterior a la de inicio"},
		{"estimated_hours", "-1", "Indica las horas"},
		{"estimated_hours", "10000", "Indica las horas"},
		{"estimated_hours", "1.234", "Indica las horas"},
		{"actual_hours", "1e3", "Indica las horas"},
		{"actual_hours", "NaN", "Indica las horas"},
	} {
		fields := with(valid, tc.field, tc.value)
		postForm(e, "/activities", token, fields).Expect().Status(http.StatusUnprocessableEntity).
			Body().Contains(html.EscapeString(tc.msg)).Contains("<html")
		r := htmx(e.POST("/activities")).WithHeader("X-CSRF-Token", token)
		for k, v := range fields {
			r = r.WithFormField(k, v)
		}
		r.Expect().Status(http.StatusUnprocessableEntity).Body().Contains(html.EscapeString(tc.msg)).
			Contains(`id="activity-form"`).NotContains("<html")
	}
	if n := countRows(t, "activities", f.Org.ID); n != before {
		t.Fatalf("rejected forms wrote %d activities", n-before)
	}
	// the inline changes and the other forms
	id := f.Acts["Llamar clientes"]
	v := strconv.Itoa(actStateOf(t, id).Version)
	state := actStateOf(t, id)
	for _, tc := range []struct {
		path string
		kv   []string
		msg  string
	}{
		{"/status", []string{"status", "hecha", "version", v}, "Elige un estado de la lista"},
		{"/status", []string{"status", "completed"}, "Falta la versión"},
		{"/status", []string{"status", "completed", "version", "dos"}, "Falta la versión"},
		{"/assignee", []string{"assignee", f.Emp.ID, "version", "0"}, "Falta la versión"},
		{"/archive", []string{}, "Falta la versión"},
		{"", []string{"title", "Sin versión", "initiative", f.IniA, "status", "todo", "priority", "low", "start_date", "2026-01-01"}, "Falta la versión"},
		{"", []string{"version", v, "title", "", "initiative", f.IniA, "status", "todo", "priority", "low", "start_date", "2026-01-01"}, "Escribe un título."},
	} {
		actPost(e, token, "/activities/"+id+tc.path, true, tc.kv...).Status(http.StatusUnprocessableEntity).Body().Contains(tc.msg)
		actPost(e, token, "/activities/"+id+tc.path, false, tc.kv...).Status(http.StatusUnprocessableEntity).Body().Contains(tc.msg)
	}
	if actStateOf(t, id) != state {
		t.Fatal("refused inline changes were written")
	}
	// malformed and unknown ids are 404 everywhere
	for _, bad := range []string{"nope", "00000000-0000-0000-0000-000000000000", strings.Repeat("a", 36)} {
		for _, path := range []string{"/activities/" + bad, "/activities/" + bad + "/edit", "/activities/" + bad + "/delete",
			"/fragments/activities/" + bad + "/row", "/fragments/activities/" + bad + "/assignee"} {
			e.GET(path).Expect().Status(http.StatusNotFound)
		}
		actPost(e, token, "/activities/"+bad+"/status", true, "status", "todo", "version", "1").Status(http.StatusNotFound)
	}
	e.GET("/activities/new").WithQuery("initiative", "nope").Expect().Status(http.StatusNotFound)
	e.GET("/activities/new").WithQuery("initiative", f.IniB).Expect().Status(http.StatusConflict).Body().Contains("archivada")
}

// TestActivitiesPaginationIsStableAndComplete walks every sort forwards
// and back; many activities share a due date or have none.
func TestActivitiesPaginationIsStableAndComplete(t *testing.T) {
	org := tdb.NewOrg(t, "Paginada A")
	u := tdb.Member(t, org, "Pía Paginada", "corporativo")
	obj := tdb.NewObjective(t, org, testpg.Objective{Title: "Objetivo"})
	ini := actInitiative(t, org, obj, "Iniciativa")
	tdb.Exec(t, `INSERT INTO activities (org_id, initiative_id, title, priority, start_date, due_date, created_at)
		SELECT $1, $2, 'Actividad ' || lpad(g::text, 3, '0'), (ARRAY['low', 'medium', 'high'])[1 + g % 3],
		       current_date - 30, CASE WHEN g % 5 = 0 THEN NULL ELSE current_date + (g % 4) END,
		       now() - (g % 7) * interval '1 hour'
		FROM generate_series(1, 62) AS g`, org.ID, ini)
	e, _ := signIn(t, u.Email)
	const prio = `CASE priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END`
	for _, tc := range []struct{ sort, order string }{
		{"", "due_date NULLS LAST, id"},
		{"-due_date", "due_date DESC NULLS FIRST, id DESC"},
		{"priority", prio + ", due_date NULLS LAST, id"},
		{"-priority", prio + " DESC, due_date DESC NULLS FIRST, id DESC"},
		{"title", "lower(title), id"},
		{"-created_at", "created_at DESC, id DESC"},
	} {
		var want []string
		tdb.Select(t, &want, `SELECT id FROM activities WHERE org_id = $1 ORDER BY `+tc.order, org.ID)
		start := "/activities"
		if tc.sort != "" {
			start += "?sort=" + tc.sort
		}
		forward, pages := walk(t, e, start, nextRe)
		if !slices.Equal(forward, want) || len(pages) != 3 {
			t.Fatalf("sort %q forward: %d rows in %d pages, want the %d rows in SQL order", tc.sort, len(forward), len(pages), len(want))
		}
		body := get(e, start).Expect().Body().Raw()
		if !strings.Contains(body, "62 actividades") {
			t.Errorf("sort %q: count label missing", tc.sort)
		}
		last := html.UnescapeString(lastRe.FindStringSubmatch(body)[1])
		backward, _ := walk(t, e, last, prevRe)
		if !slices.Equal(backward, want) {
			t.Errorf("sort %q backward: %d rows, want all %d in order", tc.sort, len(backward), len(want))
		}
	}
	// the filter form's sort moves the address bar; the pager's fragment
	// links carry the same cursors
	htmx(e.GET("/fragments/activities/table").WithQuery("sort", "priority").WithHeader("HX-Trigger", "activities-filters")).
		Expect().Status(http.StatusOK).Header("HX-Push-Url").IsEqual("/activities?sort=priority")
	if !strings.Contains(htmx(e.GET("/fragments/activities/table")).Expect().Body().Raw(), `hx-get="/fragments/activities/table?after=`) {
		t.Error("no htmx link to the next page")
	}
}

func TestActivitiesCountIsCapped(t *testing.T) {
	org := tdb.NewOrg(t, "Muchas")
	u := tdb.Member(t, org, "Mara Muchas", "corporativo")
	obj := tdb.NewObjective(t, org, testpg.Objective{Title: "Objetivo"})
	ini := actInitiative(t, org, obj, "Iniciativa")
	tdb.Exec(t, `INSERT INTO activities (org_id, initiative_id, title)
		SELECT $1, $2, 'Tarea masiva ' || g FROM generate_series(1, 1005) AS g`, org.ID, ini)
	e, _ := signIn(t, u.Email)
	e.GET("/activities").Expect().Status(http.StatusOK).Body().Contains("Más de 1.000 actividades").
		Contains(`data-stat="total">1005<`).Contains(`data-stat="todo">1005<`)
	e.GET("/activities").WithQuery("q", "masiva 100").Expect().Status(http.StatusOK).Body().Contains("7 actividades")
}

// TestActivityFormsArchiveAndDelete: create (with the initiative chosen in
// the URL), edit, move, archive and restore, delete after the confirmation.
func TestActivityFormsArchiveAndDelete(t *testing.T) {
	f := newActFixture(t, "Níquel")
	e, token := signIn(t, f.Boss.Email)
	e.GET("/activities/new").WithQuery("initiative", f.IniA).Expect().Status(http.StatusOK).Body().
		Contains("Nueva actividad").Contains(`<option value="` + f.IniA + `" selected>Campaña Níquel — Vender más Níquel</option>`)

	loc := postForm(e, "/activities", token, map[string]string{"initiative": f.IniA, "title": "Visitar <b>Cali</b>",
		"description": "Tres clientes", "assignee": f.Manager.ID, "status": "completed", "priority": "high",
		"start_date": "2026-02-01", "due_date": "2026-02-10", "estimated_hours": "6,5"}).
		Expect().Status(http.StatusSeeOther).Header("Location").Raw()
	id := strings.TrimPrefix(loc, "/activities/")
	var row struct {
		Title, Assignee, Creator, Objective, Area, Estimated string
		Completed                                            bool
	}
	tdb.Get(t, &row, `SELECT title, assignee_id AS assignee, created_by AS creator, objective_id AS objective,
		area_id AS area, estimated_hours::text AS estimated, completed_at IS NOT NULL AS completed FROM activities WHERE id = $1`, id)
	if row.Title != "Visitar <b>Cali</b>" || row.Assignee != f.Manager.ID || row.Creator != f.Boss.ID ||
		row.Objective != f.Objectives["Vender más Níquel"] || row.Area != f.AreaA || row.Estimated != "6.50" || !row.Completed {
		t.Fatalf("created %+v", row)
	}
	detail := e.GET(loc).Expect().Status(http.StatusOK).Body()
	detail.Contains("Visitar &lt;b&gt;Cali&lt;/b&gt;").Contains("6,5 h").Contains(`href="/initiatives/` + f.IniA + `"`).
		Contains("Gerente Níquel").Contains("Completada").Contains("creó «Visitar &lt;b&gt;Cali&lt;/b&gt;»")
	list := e.GET("/activities").Expect().Body().Raw()
	if r := actRow(list, id); !strings.Contains(r, "Visitar &lt;b&gt;Cali&lt;/b&gt;") || strings.Contains(r, "<b>") {
		t.Errorf("the hand-rendered row does not escape the title:\n%s", r)
	}
	hx := htmx(e.POST("/activities")).WithHeader("X-CSRF-Token", token).WithFormField("initiative", f.IniA).
		WithFormField("title", "Con htmx").WithFormField("start_date", "2026-01-01").Expect().Status(http.StatusOK)
	hx.Header("HX-Trigger").IsEqual("activities-changed")
	hx.Header("HX-Redirect").HasPrefix("/activities/")

	// edit: move it to the other area's initiative, reopen it
	form := e.GET("/activities/" + id + "/edit").Expect().Status(http.StatusOK).Body().Raw()
	v := actVersionRe.FindStringSubmatch(form)[1]
	actPost(e, token, "/activities/"+id, false, "version", v, "initiative", f.IniB, "title", "Visitar Cali",
		"assignee", f.Emp.ID, "status", "todo", "priority", "low", "start_date", "2026-02-01", "due_date", "").
		Status(http.StatusSeeOther).Header("Location").IsEqual(loc)
	var moved struct {
		Area, Title, Status string
		Completed, Due      bool
	}
	tdb.Get(t, &moved, `SELECT area_id AS area, title, status, completed_at IS NOT NULL AS completed,
		due_date IS NOT NULL AS due FROM activities WHERE id = $1`, id)
	if moved.Area != f.AreaB || moved.Title != "Visitar Cali" || moved.Completed || moved.Due {
		t.Fatalf("after the edit: %+v", moved)
	}
	e.GET(loc).Expect().Body().Contains("Prototipo Níquel").Contains(`<span class="new">Visitar Cali</span>`)

	// archive: out of lists and stats, the detail offers to restore, edits are refused
	total := stats(e.GET("/activities").Expect().Body().Raw())["total"]
	actPost(e, token, "/activities/"+id+"/archive", false, "version", strconv.Itoa(actStateOf(t, id).Version)).
		Status(http.StatusSeeOther).Header("Location").IsEqual(loc)
	page := e.GET("/activities").Expect().Body().Raw()
	if strings.Contains(page, id) || stats(page)["total"] == total {
		t.Error("an archived activity is still listed or counted")
	}
	e.GET(loc).Expect().Status(http.StatusOK).Body().Contains("Actividad archivada").Contains("Restaurar actividad")
	e.GET(loc + "/edit").Expect().Status(http.StatusConflict).Body().Contains("restáurala")
	actPost(e, token, loc+"/status", true, "status", "completed", "version", strconv.Itoa(actStateOf(t, id).Version)).
		Status(http.StatusConflict)
	actPost(e, token, loc+"/restore", false, "version", strconv.Itoa(actStateOf(t, id).Version)).Status(http.StatusSeeOther)
	if stats(e.GET("/activities").Expect().Body().Raw())["total"] != total {
		t.Error("the restored activity is not counted again")
	}
	// archiving its initiative takes it along; it comes back only with it
	tdb.Exec(t, `UPDATE initiatives SET archived_at = now() WHERE id = $1`, f.IniB)
	actPost(e, token, loc+"/restore", false, "version", strconv.Itoa(actStateOf(t, id).Version)).
		Status(http.StatusConflict).Body().Contains("restaura primero la iniciativa")
	tdb.Exec(t, `UPDATE initiatives SET archived_at = NULL WHERE id = $1`, f.IniB)

	// delete: the confirmation counts what goes with it
	e.POST(loc+"/comments").WithFormField("_csrf", token).WithFormField("body", "Hay que volver en marzo").
		Expect().Status(http.StatusSeeOther).Header("Location").IsEqual(loc + "#comentarios")
	confirm := e.GET(loc + "/delete").Expect().Status(http.StatusOK).Body()
	confirm.Contains("para siempre").Contains(`data-count="comments">1 comentario<`).Contains("entradas de su historial")
	v = actVersionRe.FindStringSubmatch(confirm.Raw())[1]
	stale, _ := strconv.Atoi(v)
	actPost(e, token, loc+"/delete", false, "version", strconv.Itoa(stale-1)).Status(http.StatusConflict)
	actPost(e, token, loc+"/delete", false, "version", v).Status(http.StatusSeeOther).Header("Location").IsEqual("/activities")
	e.GET(loc).Expect().Status(http.StatusNotFound)
	var left int
	tdb.Get(t, &left, `SELECT (SELECT count(*) FROM comments WHERE activity_id = $1) + (SELECT count(*) FROM changes WHERE activity_id = $1)`, id)
	if left != 0 {
		t.Errorf("%d comments or history entries outlived their activity", left)
	}
}
