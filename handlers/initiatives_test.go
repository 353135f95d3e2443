package handlers

import (
	"fmt"
	"html"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gavv/httpexpect/v2"

	"rumbo/internal/testpg"
)

// seedInitiativeSpec describes a fixture initiative; Activities are the
// statuses of its activities, one each.
type seedInitiativeSpec struct {
	Title, Objective, Owner, Status string
	End                             time.Time
	Manual                          int
	Activities                      []string
}

// seedInitiative writes an initiative (and its activities) as rumbo_owner
// and returns its id; the database copies the objective's area and period.
func seedInitiative(t *testing.T, org testpg.Org, s seedInitiativeSpec) string {
	t.Helper()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	if s.Status == "" {
		s.Status = "in_progress"
	}
	if s.End.IsZero() {
		s.End = today.AddDate(0, 1, 0)
	}
	start := today.AddDate(0, -1, 0)
	if s.End.Before(start) {
		start = s.End
	}
	var id string
	tdb.Get(t, &id, `INSERT INTO initiatives (org_id, objective_id, title, owner_id, status, start_date, end_date, progress_manual)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		org.ID, s.Objective, s.Title, nullable(s.Owner), s.Status, start, s.End, s.Manual)
	for i, st := range s.Activities {
		seedInitiativeActivity(t, org, id, fmt.Sprintf("Tarea %d de %s", i+1, s.Title), st)
	}
	return id
}

// seedInitiativeActivity writes one activity of an initiative and returns its id.
func seedInitiativeActivity(t *testing.T, org testpg.Org, initiative, title, status string) string {
	t.Helper()
	var id string
	tdb.Get(t, &id, `INSERT INTO activities (org_id, initiative_id, title, status, completed_at, due_date)
		VALUES ($1, $2, $3, $4::text, CASE WHEN $4::text = 'completed' THEN now() END, current_date + 7) RETURNING id`,
		org.ID, initiative, title, status)
	return id
}

// initiativeFixture is an organisation (newOrgFixture) with five
// initiatives whose titles carry its tag:
//
//	Campaña digital     Vender más (área A)   Manager  in_progress  4 activities: 2 completed, 1 todo, 1 cancelled → 67 %
//	Capacitar vendedores Vender más (área A)  Emp      planning     ended 3 days ago (overdue), manual 30 %
//	Prototipo móvil     Lanzar app (área B)   Boss     completed    ended 10 days ago, 1 completed activity → 100 %
//	Auditoría externa   Atrasado (área B)     Emp      cancelled    manual 10 %
//	Migración de datos  Migrar sistema (no area) Boss  in_progress  ended yesterday (overdue), manual 50 %
type initiativeFixture struct {
	orgFixture
	Initiatives map[string]string // title → id
}

func newInitiativeFixture(t *testing.T, tag string) initiativeFixture {
	t.Helper()
	f := initiativeFixture{orgFixture: newOrgFixture(t, tag), Initiatives: map[string]string{}}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	obj := func(title string) string { return f.Objectives[title+" "+tag] }
	for _, s := range []seedInitiativeSpec{
		{Title: "Campaña digital", Objective: obj("Vender más"), Owner: f.Manager.ID, Status: "in_progress",
			End: today.AddDate(0, 0, 20), Activities: []string{"completed", "completed", "todo", "cancelled"}},
		{Title: "Capacitar vendedores", Objective: obj("Vender más"), Owner: f.Emp.ID, Status: "planning",
			End: today.AddDate(0, 0, -3), Manual: 30},
		{Title: "Prototipo móvil", Objective: obj("Lanzar app"), Owner: f.Boss.ID, Status: "completed",
			End: today.AddDate(0, 0, -10), Activities: []string{"completed"}},
		{Title: "Auditoría externa", Objective: obj("Atrasado"), Owner: f.Emp.ID, Status: "cancelled",
			End: today.AddDate(0, 0, 5), Manual: 10},
		{Title: "Migración de datos", Objective: obj("Migrar sistema"), Owner: f.Boss.ID, Status: "in_progress",
			End: today.AddDate(0, 0, -1), Manual: 50},
	} {
		s.Title += " " + tag
		f.Initiatives[s.Title] = seedInitiative(t, f.Org, s)
	}
	return f
}

func (f initiativeFixture) ini(title string) string { return f.Initiatives[title+" "+f.Tag] }

func (f initiativeFixture) obj(title string) string { return f.Objectives[title+" "+f.Tag] }

// initiativeSnapshot summarises an organisation's initiatives, activities
// and comments, to prove a refused request changed nothing.
func initiativeSnapshot(t *testing.T, orgID string) string {
	t.Helper()
	var s string
	tdb.Get(t, &s, `SELECT coalesce((SELECT string_agg(i.id || ':' || i.version || ':' || i.title || ':' || i.objective_id
	                   || ':' || coalesce(i.archived_at::text, '-'), ',' ORDER BY i.id) FROM initiatives AS i WHERE i.org_id = $1), '')
		|| '|' || (SELECT count(*) FROM initiatives WHERE org_id = $1)
		|| '|' || (SELECT count(*) FROM activities WHERE org_id = $1 AND archived_at IS NULL)
		|| '|' || (SELECT count(*) FROM comments WHERE org_id = $1)`, orgID)
	return s
}

// validInitiativeForm is a complete, valid edit or create form for an
// initiative of the fixture, as a browser would post it.
func validInitiativeForm(objective, owner string) map[string]string {
	return map[string]string{"objective": objective, "title": "Abrir canal mayorista", "description": "Primer paso",
		"owner": owner, "status": "in_progress", "priority": "high", "start_date": "2026-01-05",
		"end_date": "2026-06-30", "progress_manual": "20"}
}

func postInitiativeForm(e *httpexpect.Expect, path, token string, fields map[string]string) *httpexpect.Request {
	r := e.POST(path).WithFormField("_csrf", token)
	for k, v := range fields {
		r = r.WithFormField(k, v)
	}
	return r
}

func withInitiativeFields(fields map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range fields {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

var initiativeVersionRe = regexp.MustCompile(`name="version" value="(\d+)"`)

// initiativeFormVersion is the version an edit form carries.
func initiativeFormVersion(t *testing.T, body string) string {
	t.Helper()
	m := initiativeVersionRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no version field in:\n%.600s", body)
	}
	return m[1]
}

// TestInitiativesIsolation: every initiatives route shows the member's own
// rows (the positive control) and never another organisation's; the other
// organisation's ids answer 404 to GET and POST and change nothing.
func TestInitiativesIsolation(t *testing.T) {
	a, b := newInitiativeFixture(t, "IsoAlfa"), newInitiativeFixture(t, "IsoBeta")
	for _, pair := range [][2]initiativeFixture{{a, b}, {b, a}} {
		own, foreign := pair[0], pair[1]
		e, token := signIn(t, own.Boss.Email)
		check := func(route, body string, wantOwn ...string) {
			t.Helper()
			for _, title := range wantOwn {
				if !strings.Contains(body, html.EscapeString(title)) {
					t.Errorf("%s as %s: own %q missing", route, own.Tag, title)
				}
			}
			if strings.Contains(body, foreign.Tag) {
				t.Errorf("%s as %s: shows something of %s", route, own.Tag, foreign.Tag)
			}
			for _, id := range foreign.Initiatives {
				if strings.Contains(body, id) {
					t.Errorf("%s as %s: shows %s's initiative %s", route, own.Tag, foreign.Tag, id)
				}
			}
		}
		all := slices.Sorted(func(yield func(string) bool) {
			for title := range own.Initiatives {
				if !yield(title) {
					return
				}
			}
		})
		page := e.GET("/initiatives").Expect().Status(http.StatusOK).Body().Raw()
		check("/initiatives", page, all...)
		if got := stats(page)["total"]; got != "5" {
			t.Errorf("as %s: total %s, want 5", own.Tag, got)
		}
		if got := rowIDs(page); len(got) != 5 {
			t.Errorf("as %s: %d rows, want 5", own.Tag, len(got))
		}
		statsFrag := htmx(e.GET("/fragments/initiatives/stats")).Expect().Status(http.StatusOK).Body().Raw()
		check("stats fragment", statsFrag)
		if stats(statsFrag)["total"] != "5" {
			t.Errorf("stats fragment as %s: %v", own.Tag, stats(statsFrag))
		}
		tag := " " + own.Tag
		for query, want := range map[string][]string{
			"status=in_progress":                {"Campaña digital" + tag, "Migración de datos" + tag},
			"area=" + own.AreaA:                 {"Campaña digital" + tag, "Capacitar vendedores" + tag},
			"owner=" + own.Manager.ID:           {"Campaña digital" + tag},
			"parent=" + own.obj("Vender más"):   {"Campaña digital" + tag, "Capacitar vendedores" + tag},
			"q=" + url.QueryEscape("prototipo"): {"Prototipo móvil" + tag},
			"sort=-progress":                    {"Prototipo móvil" + tag, "Campaña digital" + tag},
			"period=all&sort=title":             all,
		} {
			body := htmx(get(e, "/fragments/initiatives/table?"+query)).Expect().Status(http.StatusOK).Body().Raw()
			check("/fragments/initiatives/table?"+query, body, want...)
			if !strings.HasPrefix(query, "sort") && !strings.HasPrefix(query, "period") && len(rowIDs(body)) != len(want) {
				t.Errorf("?%s as %s: %d rows, want %d", query, own.Tag, len(rowIDs(body)), len(want))
			}
			body = get(e, "/initiatives?"+query).Expect().Status(http.StatusOK).Body().Raw()
			check("/initiatives?"+query, body, want...)
		}
		// filters naming the other organisation's area, owner or objective find nothing
		for _, query := range []string{"area=" + foreign.AreaA, "owner=" + foreign.Manager.ID, "parent=" + foreign.obj("Vender más")} {
			body := htmx(get(e, "/fragments/initiatives/table?"+query)).Expect().Status(http.StatusOK).Body().Raw()
			check(query, body)
			if !strings.Contains(body, "No hay iniciativas que coincidan") {
				t.Errorf("%s: expected the filtered empty state", query)
			}
		}
		for title, id := range own.Initiatives {
			check("/initiatives/"+id, e.GET("/initiatives/"+id).Expect().Status(http.StatusOK).Body().Raw(), title)
			check("/initiatives/"+id+"/edit", e.GET("/initiatives/"+id+"/edit").Expect().Status(http.StatusOK).Body().Raw(), title)
			check("/initiatives/"+id+"/delete", e.GET("/initiatives/"+id+"/delete").Expect().Status(http.StatusOK).Body().Raw(), title)
		}
		check("/initiatives/new", e.GET("/initiatives/new").Expect().Status(http.StatusOK).Body().Raw(), "Vender más"+tag)
		// another organisation's objective cannot be preselected or used
		check("/initiatives/new?objective=foreign", e.GET("/initiatives/new").WithQuery("objective", foreign.obj("Vender más")).
			Expect().Status(http.StatusOK).Body().Raw())

		before := initiativeSnapshot(t, foreign.Org.ID)
		ownBefore := countRows(t, "initiatives", own.Org.ID)
		for _, id := range foreign.Initiatives {
			for _, path := range []string{"", "/edit", "/delete"} {
				e.GET("/initiatives/" + id + path).Expect().Status(http.StatusNotFound).Body().NotContains(foreign.Tag)
			}
			form := withInitiativeFields(validInitiativeForm(foreign.obj("Vender más"), foreign.Boss.ID), "version", "1")
			postInitiativeForm(e, "/initiatives/"+id, token, form).Expect().Status(http.StatusNotFound)
			for _, action := range []string{"/archive", "/restore", "/delete"} {
				postInitiativeForm(e, "/initiatives/"+id+action, token, nil).Expect().Status(http.StatusNotFound)
				htmx(postInitiativeForm(e, "/initiatives/"+id+action, token, nil)).Expect().Status(http.StatusNotFound)
			}
			postInitiativeForm(e, "/initiatives/"+id+"/comments", token, map[string]string{"body": "Intruso"}).
				Expect().Status(http.StatusNotFound)
		}
		// creating under the other organisation's objective is a field error
		postInitiativeForm(e, "/initiatives", token, validInitiativeForm(foreign.obj("Vender más"), own.Boss.ID)).
			Expect().Status(http.StatusUnprocessableEntity).Body().Contains("Ese objetivo no existe en tu organización.")
		if after := initiativeSnapshot(t, foreign.Org.ID); after != before {
			t.Errorf("requests as %s changed %s's data:\n%s\n%s", own.Tag, foreign.Tag, before, after)
		}
		if n := countRows(t, "initiatives", own.Org.ID); n != ownBefore {
			t.Errorf("refused requests wrote %d initiatives", n-ownBefore)
		}
	}
}

// initiativeStatsWant computes the stats cards from the base tables for
// one organisation: period "" (none, i.e. all) or a period's id.
func initiativeStatsWant(t *testing.T, orgID, periodID string) map[string]string {
	t.Helper()
	var w struct {
		Total, Planning, InProgress, Completed, Cancelled, Avg, Overdue int
	}
	tdb.Get(t, &w, `SELECT count(*) AS total,
		count(*) FILTER (WHERE i.status = 'planning') AS planning,
		count(*) FILTER (WHERE i.status = 'in_progress') AS inprogress,
		count(*) FILTER (WHERE i.status = 'completed') AS completed,
		count(*) FILTER (WHERE i.status = 'cancelled') AS cancelled,
		coalesce(round(avg(i.progress) FILTER (WHERE i.status <> 'cancelled')), 0) AS avg,
		count(*) FILTER (WHERE i.end_date < (now() AT TIME ZONE g.timezone)::date
		                   AND i.status IN ('planning', 'in_progress')) AS overdue
		FROM initiatives AS i JOIN organizations AS g ON g.id = i.org_id
		WHERE i.org_id = $1 AND i.archived_at IS NULL AND ($2 = '' OR i.period_id = nullif($2, '')::uuid)`, orgID, periodID)
	return map[string]string{"total": strconv.Itoa(w.Total), "planning": strconv.Itoa(w.Planning),
		"in_progress": strconv.Itoa(w.InProgress), "completed": strconv.Itoa(w.Completed),
		"cancelled": strconv.Itoa(w.Cancelled), "avg_progress": strconv.Itoa(w.Avg), "overdue": strconv.Itoa(w.Overdue)}
}

func checkStats(t *testing.T, where string, got, want map[string]string) {
	t.Helper()
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: data-stat %s = %q, SQL says %s", where, name, got[name], w)
		}
	}
}

// TestInitiativeStatsMatchSQL: the cards equal the base tables, with
// archived and cancelled initiatives, for the member's period, all periods
// and a chosen one.
func TestInitiativeStatsMatchSQL(t *testing.T) {
	f := newInitiativeFixture(t, "Sigma")
	// an archived initiative (and its activities) counts nowhere
	gone := seedInitiative(t, f.Org, seedInitiativeSpec{Title: "Archivada Sigma", Objective: f.obj("Vender más"),
		Status: "in_progress", Activities: []string{"completed", "todo"}})
	tdb.Exec(t, `UPDATE initiatives SET archived_at = now() WHERE id = $1`, gone)
	// the current period holds "Vender más" and so its two initiatives
	today := time.Now().UTC().Truncate(24 * time.Hour)
	var current string
	tdb.Get(t, &current, `INSERT INTO periods (org_id, name, start_date, end_date) VALUES ($1, 'Trimestre actual', $2, $3) RETURNING id`,
		f.Org.ID, today.AddDate(0, 0, -30), today.AddDate(0, 0, 60))
	tdb.Exec(t, `UPDATE objectives SET period_id = $1 WHERE id = $2`, current, f.obj("Vender más"))

	all := initiativeStatsWant(t, f.Org.ID, "")
	if want := map[string]string{"total": "5", "planning": "1", "in_progress": "2", "completed": "1", "cancelled": "1",
		"avg_progress": "62", "overdue": "2"}; !maps.Equal(all, want) {
		t.Fatalf("fixture drifted: %v", all)
	}
	inPeriod := initiativeStatsWant(t, f.Org.ID, current)
	// (67 + 30) / 2 = 48.5, rounded half up
	if inPeriod["total"] != "2" || inPeriod["avg_progress"] != "49" || inPeriod["overdue"] != "1" {
		t.Fatalf("fixture drifted: %v", inPeriod)
	}
	e, _ := signIn(t, f.Boss.Email)
	for _, tc := range []struct {
		query string
		want  map[string]string
	}{{"", inPeriod}, {"period=all", all}, {"period=" + current, inPeriod}} {
		page := get(e, "/initiatives?"+tc.query).Expect().Status(http.StatusOK).Body().Raw()
		checkStats(t, "page ?"+tc.query, stats(page), tc.want)
		if n := strconv.Itoa(len(rowIDs(page))); n != tc.want["total"] {
			t.Errorf("page ?%s: %s rows, want %s", tc.query, n, tc.want["total"])
		}
		frag := htmx(get(e, "/fragments/initiatives/stats?"+tc.query)).Expect().Status(http.StatusOK).Body().Raw()
		checkStats(t, "fragment ?"+tc.query, stats(frag), tc.want)
	}
}

// TestInitiativeOverdueFollowsTheOrganisationsTimeZone: "today" is the
// organisation's. Kiritimati (UTC+14) is always at least a day ahead of
// Pago Pago (UTC-11): an initiative ending on Pago Pago's today is overdue
// in Kiritimati and not in Pago Pago.
func TestInitiativeOverdueFollowsTheOrganisationsTimeZone(t *testing.T) {
	for _, tc := range []struct {
		zone    string
		overdue bool
	}{{"Pacific/Kiritimati", true}, {"Pacific/Pago_Pago", false}} {
		org := tdb.NewOrg(t, "Zona "+tc.zone, tc.zone)
		u := tdb.Member(t, org, "Zoe Zona", "corporativo")
		obj := tdb.NewObjective(t, org, testpg.Objective{Title: "Objetivo con zona", End: time.Now().AddDate(0, 2, 0)})
		id := seedInitiative(t, org, seedInitiativeSpec{Title: "Entrega con zona", Objective: obj})
		tdb.Exec(t, `UPDATE initiatives SET end_date = (now() AT TIME ZONE 'Pacific/Pago_Pago')::date WHERE id = $1`, id)
		e, _ := signIn(t, u.Email)
		page := e.GET("/initiatives").Expect().Status(http.StatusOK).Body().Raw()
		want := map[bool]string{true: "1", false: "0"}[tc.overdue]
		if got := stats(page)["overdue"]; got != want {
			t.Errorf("%s: overdue %s, want %s", tc.zone, got, want)
		}
		if strings.Contains(page, `class="badge danger">Vencida<`) != tc.overdue {
			t.Errorf("%s: the row's overdue mark is wrong", tc.zone)
		}
		checkStats(t, tc.zone, stats(page), initiativeStatsWant(t, org.ID, ""))
	}
}

var (
	iniNextRe = regexp.MustCompile(`<a href="([^"]+)" rel="next"`)
	iniPrevRe = regexp.MustCompile(`<a href="([^"]+)" rel="prev"`)
	iniLastRe = regexp.MustCompile(`<a href="([^"]+)"[^>]*>Última »</a>`)
	iniFragRe = regexp.MustCompile(`rel="next" hx-get="(/fragments/initiatives/table\?[^"]*)"`)
)

// walkInitiatives follows the table's links from start and returns the row
// ids in display order and how many pages it saw.
func walkInitiatives(t *testing.T, e *httpexpect.Expect, start string, link *regexp.Regexp) ([]string, int) {
	t.Helper()
	var ids []string
	pages := 0
	for next := start; next != "" && pages < 50; pages++ {
		body := get(e, next).Expect().Status(http.StatusOK).Body().Raw()
		if link == iniPrevRe {
			ids = append(rowIDs(body), ids...)
		} else {
			ids = append(ids, rowIDs(body)...)
		}
		next = ""
		if m := link.FindStringSubmatch(body); m != nil {
			next = html.UnescapeString(m[1])
		}
	}
	return ids, pages
}

func TestInitiativesPaginationIsStableAndComplete(t *testing.T) {
	org := tdb.NewOrg(t, "Iniciativas paginadas")
	u := tdb.Member(t, org, "Paz Paginada", "corporativo")
	obj := tdb.NewObjective(t, org, testpg.Objective{Title: "Objetivo grande"})
	// 60 initiatives sharing few dates and progress values: the id breaks ties
	tdb.Exec(t, `INSERT INTO initiatives (org_id, objective_id, title, status, start_date, end_date, progress_manual)
		SELECT $1, $2, 'Iniciativa ' || lpad(g::text, 3, '0'), 'in_progress', current_date - 30 - (g % 5),
		       current_date + (g % 7), (g * 37) % 101
		FROM generate_series(1, 60) AS g`, org.ID, obj)
	e, _ := signIn(t, u.Email)
	for _, tc := range []struct{ sort, order string }{
		{"", "end_date, id"},
		{"-end_date", "end_date DESC, id DESC"},
		{"title", "lower(title), id"},
		{"-title", "lower(title) DESC, id DESC"},
		{"-progress", "progress DESC, id DESC"},
		{"progress", "progress, id"},
		{"start_date", "start_date, id"},
		{"-start_date", "start_date DESC, id DESC"},
	} {
		var want []string
		tdb.Select(t, &want, `SELECT id FROM initiatives WHERE org_id = $1 ORDER BY `+tc.order, org.ID)
		start := "/initiatives"
		if tc.sort != "" {
			start += "?sort=" + tc.sort
		}
		forward, pages := walkInitiatives(t, e, start, iniNextRe)
		if !slices.Equal(forward, want) || pages != 3 {
			t.Fatalf("sort %q forward: %d rows in %d pages, want the %d rows in SQL order in 3 pages", tc.sort, len(forward), pages, len(want))
		}
		first := get(e, start).Expect().Body().Raw()
		if !strings.Contains(first, "60 iniciativas") {
			t.Errorf("sort %q: count label missing", tc.sort)
		}
		last := html.UnescapeString(iniLastRe.FindStringSubmatch(first)[1])
		lastBody := get(e, last).Expect().Status(http.StatusOK).Body().Raw()
		if got := rowIDs(lastBody); !slices.Equal(got, want[len(want)-25:]) {
			t.Errorf("sort %q: the last page has %d rows, want the final 25", tc.sort, len(got))
		}
		backward, _ := walkInitiatives(t, e, last, iniPrevRe)
		if !slices.Equal(backward, want) {
			t.Errorf("sort %q backward: %d rows, want all %d in order", tc.sort, len(backward), len(want))
		}
	}
	// the fragment's links carry the same cursors; filters and links move
	// the address bar, the wrapper's own refresh does not
	frag := htmx(e.GET("/fragments/initiatives/table")).Expect().Status(http.StatusOK).Body().Raw()
	if iniFragRe.FindStringSubmatch(frag) == nil {
		t.Fatal("no htmx link to the next page")
	}
	htmx(e.GET("/fragments/initiatives/table").WithQuery("status", "planning").WithHeader("HX-Trigger", "initiatives-filters")).
		Expect().Status(http.StatusOK).Header("HX-Push-Url").IsEqual("/initiatives?status=planning")
	htmx(e.GET("/fragments/initiatives/table").WithQuery("sort", "-progress").WithQuery("parent", obj)).
		Expect().Status(http.StatusOK).Header("HX-Push-Url").IsEqual("/initiatives?parent=" + obj + "&sort=-progress")
	htmx(e.GET("/fragments/initiatives/table").WithHeader("HX-Trigger", "initiatives-table")).
		Expect().Status(http.StatusOK).Header("HX-Push-Url").IsEmpty()
	// fragments are fragments, pages are documents (even for htmx)
	for _, path := range []string{"/fragments/initiatives/stats", "/fragments/initiatives/table", "/fragments/initiatives/table?q=999"} {
		htmx(get(e, path)).Expect().Status(http.StatusOK).Body().NotContains("<html").NotContains(`class="sidebar"`)
	}
	htmx(e.GET("/initiatives")).Expect().Status(http.StatusOK).Body().Contains("<!doctype html>").Contains("</html>")
	e.GET("/initiatives").WithQuery("q", "999").Expect().Status(http.StatusOK).Body().
		Contains("No hay iniciativas que coincidan").Contains("Quitar filtros")
}

func TestInitiativesBadInput(t *testing.T) {
	a, b := newInitiativeFixture(t, "Malo"), newInitiativeFixture(t, "Peor")
	for i := 0; i < 26; i++ {
		seedInitiative(t, a.Org, seedInitiativeSpec{Title: fmt.Sprintf("Relleno %02d Malo", i), Objective: a.obj("Vender más")})
		seedInitiative(t, b.Org, seedInitiativeSpec{Title: fmt.Sprintf("Relleno %02d Peor", i), Objective: b.obj("Vender más")})
	}
	ea, token := signIn(t, a.Boss.Email)
	eb, _ := signIn(t, b.Boss.Email)
	nextOf := func(e *httpexpect.Expect, path string) string {
		m := iniNextRe.FindStringSubmatch(get(e, path).Expect().Body().Raw())
		if m == nil {
			t.Fatalf("%s has no next page", path)
		}
		u, _ := url.Parse(html.UnescapeString(m[1]))
		return u.Query().Get("after")
	}
	cursor := nextOf(ea, "/initiatives")
	cursorTitle := nextOf(ea, "/initiatives?sort=title")
	for _, tc := range []struct{ query, message string }{
		{"status=planificacion", "El estado elegido no existe"},
		{"status=" + url.QueryEscape("'; DROP TABLE initiatives; --"), "El estado elegido no existe"},
		{"sort=password_hash", "No se puede ordenar"},
		{"sort=created_at", "No se puede ordenar"},
		{"sort=-" + url.QueryEscape("end_date; select 1"), "No se puede ordenar"},
		{"area=not-a-uuid", "El área elegida no es válida"},
		{"owner=123", "El responsable elegido no es válido"},
		{"parent=objetivo", "El objetivo elegido no es válido"},
		{"period=ayer", "El periodo elegido no es válido"},
		{"q=" + strings.Repeat("x", 101), "hasta 100 caracteres"},
		{"after=garbage", "El enlace de paginación no es válido"},
		{"after=" + cursor + "x", "El enlace de paginación no es válido"},
		{"before=" + cursor[:10] + "." + cursor[11:], "El enlace de paginación no es válido"},
		{"after=" + cursorTitle, "El enlace de paginación no es válido"},
		{"after=" + cursor + "&before=last", "El enlace de paginación no es válido"},
	} {
		body := htmx(get(ea, "/fragments/initiatives/table?"+tc.query)).Expect().Status(http.StatusUnprocessableEntity).Body()
		body.Contains(tc.message).NotContains("Relleno").NotContains("<html").Contains("Quitar filtros")
		page := get(ea, "/initiatives?"+tc.query).Expect().Status(http.StatusUnprocessableEntity).Body()
		page.Contains(tc.message).NotContains("Relleno").Contains("<html")
		if !strings.HasPrefix(tc.query, "period") {
			page.Contains(`data-stat="total"`) // the rest of the page still works
		}
	}
	get(ea, "/fragments/initiatives/stats?period=ayer").Expect().Status(http.StatusUnprocessableEntity).
		Body().Contains("El periodo elegido no es válido").NotContains("<html")
	// a cursor is refused in another organisation and works in its own
	eb.GET("/initiatives").WithQuery("after", cursor).Expect().Status(http.StatusUnprocessableEntity).
		Body().Contains("es de otra organización")
	ea.GET("/initiatives").WithQuery("after", cursor).Expect().Status(http.StatusOK).Body().Contains("Relleno")

	// malformed, unknown and foreign ids: 404 on every route with an id
	before := initiativeSnapshot(t, a.Org.ID)
	for _, id := range []string{"not-a-uuid", "00000000-0000-0000-0000-000000000000", b.ini("Campaña digital"),
		"'%20OR%201=1", strings.Repeat("a", 36)} {
		for _, path := range []string{"", "/edit", "/delete"} {
			ea.GET("/initiatives/" + id + path).Expect().Status(http.StatusNotFound).Body().Contains("Página no encontrada")
		}
		for _, path := range []string{"", "/archive", "/restore", "/delete", "/comments"} {
			postInitiativeForm(ea, "/initiatives/"+id+path, token, map[string]string{"body": "x", "version": "1"}).
				Expect().Status(http.StatusNotFound)
		}
	}
	if after := initiativeSnapshot(t, a.Org.ID); after != before {
		t.Fatalf("refused requests changed data")
	}
}

// TestInitiativeProgressExplained: progress is the completed share of the
// live, non-cancelled activities (rounded half up), else the manual
// value; the detail page shows it and the parts that made it.
func TestInitiativeProgressExplained(t *testing.T) {
	f := newOrgFixture(t, "Cálculo")
	obj := f.Objectives["Vender más Cálculo"]
	e, _ := signIn(t, f.Emp.Email)
	for _, tc := range []struct {
		name       string
		manual     int
		activities []string
		archived   int // completed activities archived on their own: they do not count
		want       int
		explain    []string
	}{
		{"tres de cuatro", 90, []string{"completed", "completed", "completed", "todo", "cancelled"}, 1, 75,
			[]string{"Es la parte completada de sus actividades, sin contar las canceladas: 3 de 4 = 75 %.",
				"<li>5 actividades</li>", "<li>3 completadas</li>", "<li>1 cancelada, que no cuenta</li>"}},
		{"una de ocho", 0, []string{"completed", "todo", "todo", "todo", "in_progress", "todo", "todo", "todo"}, 0, 13,
			[]string{"1 de 8 = 13 %", "<li>0 canceladas, que no cuentan</li>"}},
		{"dos de tres", 0, []string{"completed", "completed", "in_progress"}, 0, 67, []string{"2 de 3 = 67 %"}},
		{"ninguna completada", 80, []string{"todo", "in_progress"}, 0, 0, []string{"0 de 2 = 0 %"}},
		{"sin actividades", 40, nil, 1, 40, []string{"No tiene actividades, así que muestra el progreso indicado a mano: 40 %."}},
		{"todas canceladas", 25, []string{"cancelled", "cancelled"}, 0, 25,
			[]string{"Todas sus actividades están canceladas y no cuentan", "indicado a mano: 25 %", "<li>2 actividades canceladas</li>"}},
	} {
		id := seedInitiative(t, f.Org, seedInitiativeSpec{Title: "Progreso " + tc.name, Objective: obj, Manual: tc.manual,
			Activities: tc.activities})
		for i := 0; i < tc.archived; i++ {
			gone := seedInitiativeActivity(t, f.Org, id, "Archivada aparte", "completed")
			tdb.Exec(t, `UPDATE activities SET archived_at = now() WHERE id = $1`, gone)
		}
		var stored int
		tdb.Get(t, &stored, `SELECT progress FROM initiatives WHERE id = $1`, id)
		if stored != tc.want {
			t.Errorf("%s: stored progress %d, want %d", tc.name, stored, tc.want)
		}
		t.Run(tc.name, func(t *testing.T) {
			body := e.GET("/initiatives/" + id).Expect().Status(http.StatusOK).Body().Raw()
			if got := stats(body)["progress"]; got != strconv.Itoa(tc.want) {
				t.Errorf("page progress %s, want %d", got, tc.want)
			}
			for _, want := range append(tc.explain, "¿Cómo se calcula?") {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			if strings.Contains(body, "Archivada aparte") {
				t.Error("an archived activity is listed")
			}
			if n := strings.Count(body, `<a href="/activities/`); n != len(tc.activities) {
				t.Errorf("%d activity links, want %d", n, len(tc.activities))
			}
			// everyone reads; an empleado gets no edit, archive or delete
			for _, action := range []string{"/edit\"", "/archive\"", "/delete\""} {
				if strings.Contains(body, "/initiatives/"+id+action) {
					t.Errorf("an empleado is offered %s", action)
				}
			}
		})
	}
}

func TestInitiativeDetailPage(t *testing.T) {
	f := newInitiativeFixture(t, "Ficha")
	id := f.ini("Capacitar vendedores")
	act := seedInitiativeActivity(t, f.Org, id, "Preparar <material>", "todo")
	tdb.Exec(t, `UPDATE activities SET assignee_id = $1, due_date = current_date - 2 WHERE id = $2`, f.Emp.ID, act)
	e, _ := signIn(t, f.Manager.Email)
	body := e.GET("/initiatives/" + id).Expect().Status(http.StatusOK).Body()
	body.Contains("Capacitar vendedores Ficha").Contains(`href="/objectives/` + f.obj("Vender más") + `"`).
		Contains("Vender más Ficha").Contains("Empleado Ficha").Contains("Ventas Ficha").
		Contains("Planificación").Contains("Prioridad Media").Contains(`class="badge danger">Vencida<`).
		Contains(`href="/activities/` + act + `"`).Contains("Preparar &lt;material&gt;").Contains("Pendiente").
		Contains(`href="/initiatives/` + id + `/edit"`).Contains(`action="/initiatives/` + id + `/archive"`).
		NotContains(`href="/initiatives/` + id + `/delete"`). // a gerente cannot delete
		Contains("Comentarios").Contains("Historial de cambios").Contains(`action="/initiatives/` + id + `/comments"`)

	// anyone comments: plain and htmx, shown on the page
	e2, token2 := signIn(t, f.Emp.Email)
	e2.POST("/initiatives/"+id+"/comments").WithFormField("_csrf", token2).WithFormField("body", "Empezamos el lunes").
		Expect().Status(http.StatusSeeOther).Header("Location").IsEqual("/initiatives/" + id + "#comentarios")
	r := htmx(e2.POST("/initiatives/"+id+"/comments")).WithHeader("X-CSRF-Token", token2).WithFormField("body", "Listo el <b>temario</b>").
		Expect().Status(http.StatusOK)
	r.Header("HX-Trigger").IsEqual("comments-changed")
	r.Body().Contains("Empezamos el lunes").Contains("Listo el &lt;b&gt;temario&lt;/b&gt;").NotContains("<html")
	e.GET("/initiatives/" + id).Expect().Body().Contains("Empezamos el lunes").Contains("Empleado Ficha")
}

func TestInitiativeCreate(t *testing.T) {
	f := newOrgFixture(t, "Alta")
	other := newOrgFixture(t, "Ajena")
	tdb.Exec(t, `UPDATE objectives SET archived_at = now() WHERE id = $1`, f.Objectives["Lanzar app Alta"])
	e, token := signIn(t, f.Boss.Email)
	target := f.Objectives["Vender más Alta"]

	page := e.GET("/initiatives/new").Expect().Status(http.StatusOK).Body()
	page.Contains("Nueva iniciativa").Contains(`name="_csrf"`).Contains("Vender más Alta").Contains("Migrar sistema Alta").
		NotContains("Lanzar app Alta"). // archived objectives are not offered
		NotContains(`name="version"`)
	e.GET("/initiatives/new").WithQuery("objective", target).Expect().Status(http.StatusOK).Body().
		Contains(`<option value="` + target + `" selected>`)
	e.GET("/initiatives/new").WithQuery("objective", other.Objectives["Vender más Ajena"]).Expect().Status(http.StatusOK).
		Body().NotContains("Ajena").NotContains(" selected>Vender")
	e.GET("/initiatives/new").WithQuery("objective", "nope").Expect().Status(http.StatusUnprocessableEntity).
		Body().Contains("El objetivo elegido no es válido.")

	valid := validInitiativeForm(target, f.Manager.ID)
	before := countRows(t, "initiatives", f.Org.ID)
	for _, tc := range []struct {
		fields     map[string]string
		field, msg string
	}{
		{withInitiativeFields(valid, "title", "   "), "title", "Escribe un título."},
		{withInitiativeFields(valid, "title", strings.Repeat("x", 201)), "title", "El título admite hasta 200 caracteres."},
		{withInitiativeFields(valid, "description", strings.Repeat("x", 5001)), "description", "La descripción admite hasta 5.000 caracteres."},
		{withInitiativeFields(valid, "objective", ""), "objective", "Elige el objetivo al que pertenece."},
		{withInitiativeFields(valid, "objective", "x"), "objective", "Ese objetivo no existe en tu organización."},
		{withInitiativeFields(valid, "objective", "00000000-0000-0000-0000-000000000000"), "objective", "Ese objetivo no existe en tu organización."},
		{withInitiativeFields(valid, "objective", other.Objectives["Vender más Ajena"]), "objective", "Ese objetivo no existe en tu organización."},
		{withInitiativeFields(valid, "objective", f.Objectives["Lanzar app Alta"]), "objective", "Ese objetivo está archivado; elige uno activo."},
		{withInitiativeFields(valid, "owner", "x"), "owner", "Ese responsable no existe en tu organización."},
		{withInitiativeFields(valid, "owner", other.Boss.ID), "owner", "Ese responsable no existe en tu organización."},
		{withInitiativeFields(valid, "status", "activa"), "status", "Elige un estado de la lista."},
		{withInitiativeFields(valid, "priority", "urgente"), "priority", "Elige una prioridad de la lista."},
		{withInitiativeFields(valid, "start_date", "31/12/2026"), "start", "Indica una fecha de inicio válida."},
		{withInitiativeFields(valid, "start_date", "0001-01-01"), "start", "Indica una fecha de inicio válida."},
		{withInitiativeFields(valid, "end_date", ""), "end", "Indica una fecha de fin válida."},
		{withInitiativeFields(valid, "end_date", "2025-12-31"), "end", "La fecha de fin no puede ser anterior a la de inicio."},
		{withInitiativeFields(valid, "progress_manual", "101"), "progress", "El progreso es un número entero entre 0 y 100."},
		{withInitiativeFields(valid, "progress_manual", "-1"), "progress", "El progreso es un número entero entre 0 y 100."},
		{withInitiativeFields(valid, "progress_manual", "50.5"), "progress", "El progreso es un número entero entre 0 y 100."},
	} {
		// the message sits next to its field; the rest of what was typed stays
		next := `id="err-` + tc.field + `">` + tc.msg
		body := postInitiativeForm(e, "/initiatives", token, tc.fields).Expect().Status(http.StatusUnprocessableEntity).Body().
			Contains(next).Contains("<html")
		if tc.field != "description" {
			body.Contains(">Primer paso</textarea>")
		}
		htmx(postInitiativeForm(e, "/initiatives", token, tc.fields)).Expect().Status(http.StatusUnprocessableEntity).Body().
			Contains(next).NotContains("<html").Contains(`id="initiative-form"`)
	}
	if n := countRows(t, "initiatives", f.Org.ID); n != before {
		t.Fatalf("rejected forms wrote %d initiatives", n-before)
	}
	if n := countRows(t, "initiatives", other.Org.ID); n != 0 {
		t.Fatalf("the other organisation got %d initiatives", n)
	}

	loc := postInitiativeForm(e, "/initiatives", token, valid).Expect().Status(http.StatusSeeOther).Header("Location").Raw()
	id := strings.TrimPrefix(loc, "/initiatives/")
	var row struct {
		Org, Objective, Title, Owner, Status, Priority, Area, Creator string
		Start, End                                                    time.Time
		Manual, Progress, History                                     int
	}
	tdb.Get(t, &row, `SELECT org_id AS org, objective_id AS objective, title, owner_id AS owner, status, priority,
		area_id AS area, created_by AS creator, start_date AS start, end_date AS end, progress_manual AS manual, progress,
		(SELECT count(*) FROM changes WHERE initiative_id = i.id AND field = 'created' AND actor_id = i.created_by) AS history
		FROM initiatives AS i WHERE id = $1`, id)
	if row.Org != f.Org.ID || row.Objective != target || row.Title != "Abrir canal mayorista" || row.Owner != f.Manager.ID ||
		row.Status != "in_progress" || row.Priority != "high" || row.Area != f.AreaA || row.Creator != f.Boss.ID ||
		row.Start.Format(time.DateOnly) != "2026-01-05" || row.End.Format(time.DateOnly) != "2026-06-30" ||
		row.Manual != 20 || row.Progress != 20 || row.History != 1 {
		t.Fatalf("created row %+v", row)
	}
	e.GET(loc).Expect().Status(http.StatusOK).Body().Contains("Abrir canal mayorista").Contains("Ventas Alta").
		Contains(`data-stat="progress">20<`).Contains("No tiene actividades")

	r := htmx(postInitiativeForm(e, "/initiatives", token, withInitiativeFields(valid, "title", "Con htmx"))).Expect().Status(http.StatusOK)
	r.Header("HX-Trigger").IsEqual("initiatives-changed")
	r.Header("HX-Redirect").HasPrefix("/initiatives/")
	// a form without status, priority or progress gets the defaults
	loc = postInitiativeForm(e, "/initiatives", token, map[string]string{"objective": target, "title": "Mínima",
		"start_date": "2026-01-01", "end_date": "2026-01-31"}).Expect().Status(http.StatusSeeOther).Header("Location").Raw()
	var status, priority string
	tdb.Get(t, &status, `SELECT status || '/' || priority FROM initiatives WHERE id = $1`, strings.TrimPrefix(loc, "/initiatives/"))
	if status != "planning/medium" {
		t.Errorf("defaults: %s%s", status, priority)
	}
	if got := stats(htmx(e.GET("/fragments/initiatives/stats")).Expect().Body().Raw())["total"]; got != "3" {
		t.Errorf("stats after three creations: total %s", got)
	}
}

// TestInitiativePermissions: corporativo anywhere; gerente in their own
// area only (create, edit, move, archive) and never delete; empleado
// reads only. Every refusal is a 403 that writes nothing.
func TestInitiativePermissions(t *testing.T) {
	f := newInitiativeFixture(t, "Permiso")
	inA, inB, noArea := f.ini("Campaña digital"), f.ini("Prototipo móvil"), f.ini("Migración de datos")
	form := func(e *httpexpect.Expect, id string) map[string]string {
		body := e.GET("/initiatives/" + id + "/edit").Expect().Status(http.StatusOK).Body().Raw()
		var objective string
		tdb.Get(t, &objective, `SELECT objective_id FROM initiatives WHERE id = $1`, id)
		return withInitiativeFields(validInitiativeForm(objective, ""), "version", initiativeFormVersion(t, body))
	}

	emp, empToken := signIn(t, f.Emp.Email)
	mgr, mgrToken := signIn(t, f.Manager.Email)
	boss, bossToken := signIn(t, f.Boss.Email)
	before := initiativeSnapshot(t, f.Org.ID)
	bossFormB := form(boss, inB) // what a gerente would post, if they could load it

	refusedEdit := "Tu rol no permite editar iniciativas."
	emp.GET("/initiatives/new").Expect().Status(http.StatusForbidden).Body().Contains(refusedEdit)
	postInitiativeForm(emp, "/initiatives", empToken, validInitiativeForm(f.obj("Vender más"), "")).
		Expect().Status(http.StatusForbidden).Body().Contains(refusedEdit)
	htmx(postInitiativeForm(emp, "/initiatives", empToken, validInitiativeForm(f.obj("Vender más"), ""))).
		Expect().Status(http.StatusForbidden).Header("HX-Retarget").IsEqual("#flash")
	emp.GET("/initiatives/" + inA + "/edit").Expect().Status(http.StatusForbidden)
	postInitiativeForm(emp, "/initiatives/"+inA, empToken, withInitiativeFields(bossFormB, "objective", f.obj("Vender más"))).
		Expect().Status(http.StatusForbidden)
	for _, action := range []string{"/archive", "/restore"} {
		postInitiativeForm(emp, "/initiatives/"+inA+action, empToken, nil).Expect().Status(http.StatusForbidden)
	}
	emp.GET("/initiatives/" + inA + "/delete").Expect().Status(http.StatusForbidden).Body().Contains("Solo un corporativo")
	postInitiativeForm(emp, "/initiatives/"+inA+"/delete", empToken, nil).Expect().Status(http.StatusForbidden)
	emp.GET("/initiatives").Expect().Status(http.StatusOK).Body().NotContains("Nueva iniciativa").NotContains(`href="/initiatives/new"`)

	outside := "Como gerente solo puedes hacerlo en tu área."
	mgr.GET("/initiatives").Expect().Status(http.StatusOK).Body().Contains(`href="/initiatives/new"`)
	mgr.GET("/initiatives/new").Expect().Status(http.StatusOK).Body().
		Contains("Vender más Permiso").Contains("Cerrar trimestre Permiso").    // area A
		NotContains("Lanzar app Permiso").NotContains("Migrar sistema Permiso") // area B, no area
	for _, objective := range []string{f.obj("Lanzar app"), f.obj("Migrar sistema")} {
		postInitiativeForm(mgr, "/initiatives", mgrToken, validInitiativeForm(objective, "")).
			Expect().Status(http.StatusForbidden).Body().Contains(outside)
	}
	for _, id := range []string{inB, noArea} {
		mgr.GET("/initiatives/" + id + "/edit").Expect().Status(http.StatusForbidden).Body().Contains(outside)
		postInitiativeForm(mgr, "/initiatives/"+id, mgrToken, bossFormB).Expect().Status(http.StatusForbidden)
		postInitiativeForm(mgr, "/initiatives/"+id+"/archive", mgrToken, nil).Expect().Status(http.StatusForbidden)
		mgr.GET("/initiatives/" + id).Expect().Status(http.StatusOK).Body().NotContains(`/initiatives/` + id + `/edit"`)
	}
	// moving an own-area initiative into another area is refused too
	postInitiativeForm(mgr, "/initiatives/"+inA, mgrToken, withInitiativeFields(form(mgr, inA), "objective", f.obj("Lanzar app"))).
		Expect().Status(http.StatusForbidden).Body().Contains(outside)
	mgr.GET("/initiatives/" + inA + "/delete").Expect().Status(http.StatusForbidden)
	postInitiativeForm(mgr, "/initiatives/"+inA+"/delete", mgrToken, nil).Expect().Status(http.StatusForbidden)
	if after := initiativeSnapshot(t, f.Org.ID); after != before {
		t.Fatalf("refused requests changed data:\n%s\n%s", before, after)
	}

	// what each role may do, it can
	postInitiativeForm(mgr, "/initiatives", mgrToken, validInitiativeForm(f.obj("Vender más"), f.Emp.ID)).
		Expect().Status(http.StatusSeeOther)
	postInitiativeForm(mgr, "/initiatives/"+inA, mgrToken, withInitiativeFields(form(mgr, inA), "objective", f.obj("Cerrar trimestre"))).
		Expect().Status(http.StatusSeeOther)
	postInitiativeForm(mgr, "/initiatives/"+inA+"/archive", mgrToken, nil).Expect().Status(http.StatusSeeOther)
	postInitiativeForm(mgr, "/initiatives/"+inA+"/restore", mgrToken, nil).Expect().Status(http.StatusSeeOther)
	postInitiativeForm(boss, "/initiatives", bossToken, validInitiativeForm(f.obj("Migrar sistema"), "")).Expect().Status(http.StatusSeeOther)
	postInitiativeForm(boss, "/initiatives/"+inB, bossToken, withInitiativeFields(bossFormB, "objective", f.obj("Vender más"))).
		Expect().Status(http.StatusSeeOther)
	boss.GET("/initiatives/" + noArea + "/delete").Expect().Status(http.StatusOK)
	postInitiativeForm(boss, "/initiatives/"+noArea+"/delete", bossToken, nil).Expect().Status(http.StatusSeeOther).
		Header("Location").IsEqual("/initiatives")
	var n int
	tdb.Get(t, &n, `SELECT count(*) FROM initiatives WHERE org_id = $1 AND area_id = $2`, f.Org.ID, f.AreaA)
	if n != 4 { // Campaña (moved within A), Capacitar, Prototipo (moved to A) and the gerente's new one
		t.Errorf("%d initiatives in area A, want 4", n)
	}
}

// TestInitiativeEdit: the edit form, its refusals, and a move to another
// objective that takes the activities along and shows in the history.
func TestInitiativeEdit(t *testing.T) {
	f := newInitiativeFixture(t, "Cambio")
	other := newOrgFixture(t, "Extraña")
	id := f.ini("Campaña digital")
	e, token := signIn(t, f.Boss.Email)
	body := e.GET("/initiatives/" + id + "/edit").Expect().Status(http.StatusOK).Body()
	body.Contains("Editar iniciativa").Contains(`value="Campaña digital Cambio"`).Contains(`name="version" value="1"`).
		Contains(`<option value="` + f.obj("Vender más") + `" selected>`).Contains(`<option value="` + f.Manager.ID + `" selected>`).
		Contains(`action="/initiatives/` + id + `"`).Contains("Guardar cambios")
	valid := withInitiativeFields(validInitiativeForm(f.obj("Lanzar app"), f.Emp.ID), "version", "1",
		"title", "Campaña digital renovada Cambio", "status", "completed")
	before := initiativeSnapshot(t, f.Org.ID)
	for _, tc := range []struct {
		fields map[string]string
		status int
		msg    string
	}{
		{withInitiativeFields(valid, "version", ""), http.StatusUnprocessableEntity, "Falta la versión del formulario; recarga la página."},
		{withInitiativeFields(valid, "version", "x"), http.StatusUnprocessableEntity, "Falta la versión del formulario"},
		{withInitiativeFields(valid, "title", ""), http.StatusUnprocessableEntity, `id="err-title">Escribe un título.`},
		{withInitiativeFields(valid, "status", ""), http.StatusUnprocessableEntity, `id="err-status">Elige un estado de la lista.`},
		{withInitiativeFields(valid, "end_date", "2025-01-01"), http.StatusUnprocessableEntity, `id="err-end">La fecha de fin no puede`},
		{withInitiativeFields(valid, "objective", other.Objectives["Vender más Extraña"]), http.StatusUnprocessableEntity, `id="err-objective">Ese objetivo no existe`},
		{withInitiativeFields(valid, "owner", other.Boss.ID), http.StatusUnprocessableEntity, `id="err-owner">Ese responsable no existe en tu organización.`},
		{withInitiativeFields(valid, "progress_manual", "200"), http.StatusUnprocessableEntity, `id="err-progress">`},
	} {
		postInitiativeForm(e, "/initiatives/"+id, token, tc.fields).Expect().Status(tc.status).Body().Contains(tc.msg).Contains("Editar iniciativa")
		htmx(postInitiativeForm(e, "/initiatives/"+id, token, tc.fields)).Expect().Status(tc.status).Body().Contains(tc.msg).NotContains("<html")
	}
	if after := initiativeSnapshot(t, f.Org.ID); after != before {
		t.Fatalf("refused edits changed data")
	}

	postInitiativeForm(e, "/initiatives/"+id, token, valid).Expect().Status(http.StatusSeeOther).Header("Location").IsEqual("/initiatives/" + id)
	var row struct {
		Title, Objective, Area, Owner, Status string
		Version, Moved, Stayed                int
	}
	tdb.Get(t, &row, `SELECT title, objective_id AS objective, area_id AS area, owner_id AS owner, status, version,
		(SELECT count(*) FROM activities AS a WHERE a.initiative_id = i.id AND a.objective_id = i.objective_id AND a.area_id = i.area_id) AS moved,
		(SELECT count(*) FROM activities AS a WHERE a.initiative_id = i.id AND a.objective_id <> i.objective_id) AS stayed
		FROM initiatives AS i WHERE id = $1`, id)
	if row.Title != "Campaña digital renovada Cambio" || row.Objective != f.obj("Lanzar app") || row.Area != f.AreaB ||
		row.Owner != f.Emp.ID || row.Status != "completed" || row.Version != 2 || row.Moved != 4 || row.Stayed != 0 {
		t.Fatalf("after the edit: %+v", row)
	}
	e.GET("/initiatives/" + id).Expect().Status(http.StatusOK).Body().Contains("Historial de cambios").
		Contains("<strong>Objetivo</strong>: <span class=\"old\">Vender más Cambio</span> → <span class=\"new\">Lanzar app Cambio</span>").
		Contains("<strong>Título</strong>").Contains("Tecnología Cambio")
	r := htmx(postInitiativeForm(e, "/initiatives/"+id, token, withInitiativeFields(valid, "version", "2", "title", "Otra vez"))).
		Expect().Status(http.StatusOK)
	r.Header("HX-Trigger").IsEqual("initiatives-changed")
	r.Header("HX-Redirect").IsEqual("/initiatives/" + id)

	// an archived initiative is restored before it is edited
	tdb.Exec(t, `UPDATE initiatives SET archived_at = now() WHERE id = $1`, id)
	e.GET("/initiatives/" + id + "/edit").Expect().Status(http.StatusConflict).Body().Contains("restáurala para editarla")
	postInitiativeForm(e, "/initiatives/"+id, token, withInitiativeFields(valid, "version", "3")).
		Expect().Status(http.StatusConflict).Body().Contains("restáurala para editarla")
}

// TestInitiativeStaleEditIsRefused: two people edit the same version; the
// second save answers 409 and overwrites nothing.
func TestInitiativeStaleEditIsRefused(t *testing.T) {
	f := newInitiativeFixture(t, "Carrera")
	id := f.ini("Capacitar vendedores")
	boss, bossToken := signIn(t, f.Boss.Email)
	mgr, mgrToken := signIn(t, f.Manager.Email)
	v1 := initiativeFormVersion(t, boss.GET("/initiatives/"+id+"/edit").Expect().Status(http.StatusOK).Body().Raw())
	if v := initiativeFormVersion(t, mgr.GET("/initiatives/"+id+"/edit").Expect().Status(http.StatusOK).Body().Raw()); v != v1 {
		t.Fatalf("versions %s and %s", v1, v)
	}
	form := withInitiativeFields(validInitiativeForm(f.obj("Vender más"), f.Emp.ID), "version", v1)
	postInitiativeForm(boss, "/initiatives/"+id, bossToken, withInitiativeFields(form, "title", "Versión de la jefa")).
		Expect().Status(http.StatusSeeOther)
	stale := "Otra persona cambió esto; recarga para ver la versión actual."
	postInitiativeForm(mgr, "/initiatives/"+id, mgrToken, withInitiativeFields(form, "title", "Versión del gerente")).
		Expect().Status(http.StatusConflict).Body().Contains(stale).Contains(`value="Versión del gerente"`)
	htmx(postInitiativeForm(mgr, "/initiatives/"+id, mgrToken, withInitiativeFields(form, "title", "Versión del gerente"))).
		Expect().Status(http.StatusConflict).Body().Contains(stale).NotContains("<html")
	var title string
	var version int
	tdb.Get(t, &title, `SELECT title FROM initiatives WHERE id = $1`, id)
	tdb.Get(t, &version, `SELECT version FROM initiatives WHERE id = $1`, id)
	if title != "Versión de la jefa" || version != 2 {
		t.Fatalf("after the stale save: %q version %d", title, version)
	}
	// archiving and restoring also move the version on, so a form opened
	// before them is stale too
	v2 := initiativeFormVersion(t, mgr.GET("/initiatives/"+id+"/edit").Expect().Body().Raw())
	postInitiativeForm(boss, "/initiatives/"+id+"/archive", bossToken, nil).Expect().Status(http.StatusSeeOther)
	postInitiativeForm(boss, "/initiatives/"+id+"/restore", bossToken, nil).Expect().Status(http.StatusSeeOther)
	postInitiativeForm(mgr, "/initiatives/"+id, mgrToken, withInitiativeFields(form, "version", v2, "title", "Tarde")).
		Expect().Status(http.StatusConflict).Body().Contains(stale)
	// reloaded, the gerente's save goes through
	v4 := initiativeFormVersion(t, mgr.GET("/initiatives/"+id+"/edit").Expect().Body().Raw())
	postInitiativeForm(mgr, "/initiatives/"+id, mgrToken, withInitiativeFields(form, "version", v4, "title", "Versión del gerente")).
		Expect().Status(http.StatusSeeOther)
}

// TestInitiativeArchiveAndRestore: archiving hides the initiative and its
// activities from lists and stats; restoring brings back exactly the
// activities archived with it; an initiative whose objective is archived
// comes back only with the objective.
func TestInitiativeArchiveAndRestore(t *testing.T) {
	f := newInitiativeFixture(t, "Archivo")
	id := f.ini("Campaña digital")
	earlier := seedInitiativeActivity(t, f.Org, id, "Archivada antes", "todo")
	tdb.Exec(t, `UPDATE activities SET archived_at = now() - interval '1 day' WHERE id = $1`, earlier)
	e, token := signIn(t, f.Boss.Email)
	activityBuckets := func() int {
		var n int
		tdb.Get(t, &n, `SELECT coalesce(sum(n), 0) FROM stat_buckets WHERE org_id = $1 AND entity = 'activity'`, f.Org.ID)
		return n
	}
	liveActivities := func() int {
		var n int
		tdb.Get(t, &n, `SELECT count(*) FROM activities WHERE initiative_id = $1 AND archived_at IS NULL`, id)
		return n
	}
	statsNow := func() map[string]string {
		return stats(htmx(e.GET("/fragments/initiatives/stats").WithQuery("period", "all")).Expect().Status(http.StatusOK).Body().Raw())
	}
	before, actsBefore := statsNow(), activityBuckets()
	if before["total"] != "5" || before["in_progress"] != "2" || liveActivities() != 4 {
		t.Fatalf("fixture drifted: %v, %d live activities", before, liveActivities())
	}

	postInitiativeForm(e, "/initiatives/"+id+"/archive", token, nil).Expect().Status(http.StatusSeeOther).
		Header("Location").IsEqual("/initiatives/" + id)
	after := statsNow()
	checkStats(t, "after archiving", after, initiativeStatsWant(t, f.Org.ID, ""))
	if after["total"] != "4" || after["in_progress"] != "1" {
		t.Errorf("after archiving: %v", after)
	}
	if liveActivities() != 0 || activityBuckets() != actsBefore-4 {
		t.Errorf("the activities did not follow: %d live, buckets %d → %d", liveActivities(), actsBefore, activityBuckets())
	}
	e.GET("/initiatives").WithQuery("period", "all").Expect().Status(http.StatusOK).Body().NotContains(id).NotContains("Campaña digital Archivo")
	page := e.GET("/initiatives/" + id).Expect().Status(http.StatusOK).Body()
	page.Contains("Esta iniciativa está archivada").Contains("sus 4 actividades archivadas con ella").
		Contains(`action="/initiatives/` + id + `/restore"`).Contains("Restaurar con sus actividades").
		NotContains("Archivada antes").NotContains(`href="/initiatives/` + id + `/edit"`)
	// archiving twice changes nothing
	var archivedAt string
	tdb.Get(t, &archivedAt, `SELECT archived_at::text FROM initiatives WHERE id = $1`, id)
	postInitiativeForm(e, "/initiatives/"+id+"/archive", token, nil).Expect().Status(http.StatusSeeOther)
	var again string
	tdb.Get(t, &again, `SELECT archived_at::text FROM initiatives WHERE id = $1`, id)
	if again != archivedAt {
		t.Errorf("archiving again moved the time: %s → %s", archivedAt, again)
	}

	r := htmx(postInitiativeForm(e, "/initiatives/"+id+"/restore", token, nil)).Expect().Status(http.StatusOK)
	r.Header("HX-Trigger").IsEqual("initiatives-changed")
	r.Header("HX-Redirect").IsEqual("/initiatives/" + id)
	if got := statsNow(); !maps.Equal(got, before) {
		t.Errorf("after restoring: %v, want %v", got, before)
	}
	var earlierArchived bool
	tdb.Get(t, &earlierArchived, `SELECT archived_at IS NOT NULL FROM activities WHERE id = $1`, earlier)
	if liveActivities() != 4 || !earlierArchived || activityBuckets() != actsBefore {
		t.Errorf("restore brought back %d activities (earlier one archived: %t)", liveActivities(), earlierArchived)
	}
	e.GET("/initiatives/" + id).Expect().Body().Contains(`data-stat="progress">67<`).NotContains("Esta iniciativa está archivada")

	// archived with its objective: it comes back with the objective, not alone
	tdb.Exec(t, `UPDATE objectives SET archived_at = now() WHERE id = $1`, f.obj("Vender más"))
	e.GET("/initiatives/" + id).Expect().Status(http.StatusOK).Body().Contains("Su objetivo también está archivado").
		NotContains(`action="/initiatives/` + id + `/restore"`)
	postInitiativeForm(e, "/initiatives/"+id+"/restore", token, nil).Expect().Status(http.StatusConflict).
		Body().Contains("restaura primero el objetivo")
	var stillArchived bool
	tdb.Get(t, &stillArchived, `SELECT archived_at IS NOT NULL FROM initiatives WHERE id = $1`, id)
	if !stillArchived {
		t.Error("an initiative came back without its objective")
	}
	tdb.Exec(t, `UPDATE objectives SET archived_at = NULL WHERE id = $1`, f.obj("Vender más"))
	if got := statsNow(); !maps.Equal(got, before) {
		t.Errorf("after restoring the objective: %v, want %v", got, before)
	}
}

func TestInitiativeDelete(t *testing.T) {
	f := newInitiativeFixture(t, "Borrado")
	id := f.ini("Campaña digital")
	archivedAct := seedInitiativeActivity(t, f.Org, id, "Archivada", "todo")
	tdb.Exec(t, `UPDATE activities SET archived_at = now() WHERE id = $1`, archivedAct)
	tdb.Exec(t, `INSERT INTO comments (org_id, initiative_id, author_id, body) VALUES ($1, $2, $3, 'Sobre la iniciativa')`,
		f.Org.ID, id, f.Boss.ID)
	tdb.Exec(t, `INSERT INTO comments (org_id, activity_id, author_id, body) VALUES ($1, $2, $3, 'Sobre una actividad')`,
		f.Org.ID, archivedAct, f.Boss.ID)
	e, token := signIn(t, f.Boss.Email)
	// one change of the initiative in its history
	v := initiativeFormVersion(t, e.GET("/initiatives/"+id+"/edit").Expect().Body().Raw())
	postInitiativeForm(e, "/initiatives/"+id, token, withInitiativeFields(validInitiativeForm(f.obj("Vender más"), f.Manager.ID),
		"version", v, "title", "Campaña a borrar", "start_date", time.Now().Format(time.DateOnly),
		"end_date", time.Now().AddDate(0, 1, 0).Format(time.DateOnly), "status", "in_progress", "priority", "medium",
		"description", "", "progress_manual", "0")).Expect().Status(http.StatusSeeOther)
	var changes int
	tdb.Get(t, &changes, `SELECT count(*) FROM changes WHERE initiative_id = $1`, id)

	e.GET("/initiatives/" + id + "/delete").Expect().Status(http.StatusOK).Body().
		Contains("¿Borrar definitivamente «Campaña a borrar»?").
		Contains(fmt.Sprintf("Se borrarán 5 actividades, 2 comentarios y %d cambios del historial.", changes)).
		Contains(`action="/initiatives/` + id + `/delete"`).Contains("Archivar en su lugar")
	statsBefore := stats(htmx(e.GET("/fragments/initiatives/stats")).Expect().Body().Raw())

	postInitiativeForm(e, "/initiatives/"+id+"/delete", token, nil).Expect().Status(http.StatusSeeOther).
		Header("Location").IsEqual("/initiatives")
	var left struct{ Initiatives, Activities, Comments, Changes int }
	tdb.Get(t, &left, `SELECT (SELECT count(*) FROM initiatives WHERE id = $1) AS initiatives,
		(SELECT count(*) FROM activities WHERE initiative_id = $1) AS activities,
		(SELECT count(*) FROM comments WHERE initiative_id = $1 OR activity_id = $2) AS comments,
		(SELECT count(*) FROM changes WHERE initiative_id = $1) AS changes`, id, archivedAct)
	if left != (struct{ Initiatives, Activities, Comments, Changes int }{}) {
		t.Fatalf("left behind: %+v", left)
	}
	if n := countRows(t, "initiatives", f.Org.ID); n != 4 {
		t.Fatalf("%d initiatives left, want 4", n)
	}
	got := stats(htmx(e.GET("/fragments/initiatives/stats")).Expect().Body().Raw())
	checkStats(t, "after deleting", got, initiativeStatsWant(t, f.Org.ID, ""))
	if got["total"] == statsBefore["total"] {
		t.Error("the stats did not change")
	}
	e.GET("/initiatives/" + id).Expect().Status(http.StatusNotFound)
	postInitiativeForm(e, "/initiatives/"+id+"/delete", token, nil).Expect().Status(http.StatusNotFound)

	other := f.ini("Auditoría externa")
	r := htmx(postInitiativeForm(e, "/initiatives/"+other+"/delete", token, nil)).Expect().Status(http.StatusOK)
	r.Header("HX-Trigger").IsEqual("initiatives-changed")
	r.Header("HX-Redirect").IsEqual("/initiatives")
}

func TestInitiativesEmptyStates(t *testing.T) {
	org := tdb.NewOrg(t, "Sin iniciativas")
	boss := tdb.Member(t, org, "Berta Vacía", "corporativo")
	emp := tdb.Member(t, org, "Ernesto Vacío", "empleado")
	e, _ := signIn(t, boss.Email)
	body := e.GET("/initiatives").Expect().Status(http.StatusOK).Body()
	body.Contains("No hay iniciativas").Contains("Crear primera iniciativa").Contains(`href="/initiatives/new"`)
	for name, v := range stats(body.Raw()) {
		if v != "0" {
			t.Errorf("empty organisation: %s = %s", name, v)
		}
	}
	e.GET("/initiatives").WithQuery("status", "completed").Expect().Status(http.StatusOK).Body().
		Contains("No hay iniciativas que coincidan").Contains("Quitar filtros").NotContains("Crear primera iniciativa")
	// with no objective to hang it from, the form says what to do first
	e.GET("/initiatives/new").Expect().Status(http.StatusOK).Body().Contains("Primero debes crear un objetivo").
		Contains(`href="/objectives/new"`)
	ee, _ := signIn(t, emp.Email)
	ee.GET("/initiatives").Expect().Status(http.StatusOK).Body().Contains("No hay iniciativas").
		NotContains("Crear primera iniciativa").NotContains("Nueva iniciativa")
}

// TestInitiativeDemoStatsEqualSQL: for each demo organisation, every
// data-stat of the initiatives page equals the base tables, for the
// member's period and for all, and the table shows only its own rows.
func TestInitiativeDemoStatsEqualSQL(t *testing.T) {
	for _, tc := range []struct{ email, slug, other string }{
		{"ana@acme.test", "acme-andina", "globex-sur"},
		{"gina@globex.test", "globex-sur", "acme-andina"},
	} {
		e := signInDemo(t, tc.email)
		var org, current string
		tdb.Get(t, &org, `SELECT id FROM organizations WHERE slug = $1`, tc.slug)
		tdb.Get(t, &current, `SELECT coalesce((SELECT p.id::text FROM periods p JOIN organizations g ON g.id = p.org_id
			WHERE g.id = $1 AND p.archived_at IS NULL AND p.start_date <= (now() AT TIME ZONE g.timezone)::date
			  AND p.end_date >= (now() AT TIME ZONE g.timezone)::date ORDER BY p.start_date DESC, p.id LIMIT 1), '')`, org)
		for _, view := range []struct{ param, period string }{{"", current}, {"all", ""}} {
			want := initiativeStatsWant(t, org, view.period)
			page := e.GET("/initiatives").WithQuery("period", view.param).Expect().Status(http.StatusOK).Body().Raw()
			checkStats(t, tc.email+" page "+view.param, stats(page), want)
			frag := htmx(e.GET("/fragments/initiatives/stats").WithQuery("period", view.param)).Expect().Status(http.StatusOK).Body().Raw()
			checkStats(t, tc.email+" fragment "+view.param, stats(frag), want)
			if view.param == "all" && (want["total"] == "0" || want["overdue"] == "0") {
				t.Errorf("%s: the demo should have initiatives, some overdue: %v", tc.email, want)
			}
		}
		page := e.GET("/initiatives").WithQuery("period", "all").Expect().Status(http.StatusOK).Body().Raw()
		var own, foreign []string
		tdb.Select(t, &own, `SELECT i.id FROM initiatives i JOIN organizations g ON g.id = i.org_id
			WHERE g.slug = $1 AND i.archived_at IS NULL ORDER BY i.end_date, i.id LIMIT 25`, tc.slug)
		tdb.Select(t, &foreign, `SELECT i.id FROM initiatives i JOIN organizations g ON g.id = i.org_id WHERE g.slug = $1`, tc.other)
		if got := rowIDs(page); !slices.Equal(got, own) {
			t.Errorf("%s: rows %v, want %v", tc.email, got, own)
		}
		for _, id := range foreign {
			if strings.Contains(page, id) {
				t.Errorf("%s: shows %s's initiative %s", tc.email, tc.other, id)
			}
		}
	}
}
