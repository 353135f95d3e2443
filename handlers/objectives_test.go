package handlers

import (
	"bufio"
	"fmt"
	"html"
	"net"
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

var (
	rowIDRe  = regexp.MustCompile(`<tr data-id="([0-9a-f-]{36})">`)
	statRe   = regexp.MustCompile(`data-stat="([a-z_]+)">([^<]*)<`)
	nextRe   = regexp.MustCompile(`<a href="([^"]+)" rel="next"`)
	prevRe   = regexp.MustCompile(`<a href="([^"]+)" rel="prev"`)
	lastRe   = regexp.MustCompile(`<a href="([^"]+)"[^>]*>Última »</a>`)
	firstRe  = regexp.MustCompile(`<a href="([^"]+)"[^>]*>« Primera</a>`)
	fragLink = regexp.MustCompile(`hx-get="(/fragments/objectives/table[^"]*)"[^>]*rel="next"|rel="next" hx-get="(/fragments/objectives/table[^"]*)"`)
)

// get requests a path that may carry a query string.
func get(e *httpexpect.Expect, pathQuery string) *httpexpect.Request {
	path, query, _ := strings.Cut(pathQuery, "?")
	return e.GET(path).WithQueryString(query)
}

func rowIDs(body string) []string {
	var ids []string
	for _, m := range rowIDRe.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func stats(body string) map[string]string {
	out := map[string]string{}
	for _, m := range statRe.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// orgFixture is one organisation with a member of each role, two areas and
// objectives whose titles carry the organisation's tag, so a test can tell
// whose rows a page shows.
type orgFixture struct {
	Org                testpg.Org
	Boss, Manager, Emp testpg.User
	AreaA, AreaB       string
	Objectives         map[string]string // title → id
	Tag                string
}

func newOrgFixture(t *testing.T, tag string) orgFixture {
	t.Helper()
	f := orgFixture{Tag: tag, Objectives: map[string]string{}}
	f.Org = tdb.NewOrg(t, "Org "+tag)
	f.Boss = tdb.Member(t, f.Org, "Jefa "+tag, "corporativo")
	f.AreaA = tdb.NewArea(t, f.Org, "Ventas "+tag)
	f.AreaB = tdb.NewArea(t, f.Org, "Tecnología "+tag)
	f.Manager = tdb.NewUser(t, "Gerente "+tag)
	tdb.AddMember(t, f.Org, f.Manager, "gerente", f.AreaA)
	f.Emp = tdb.NewUser(t, "Empleado "+tag)
	tdb.AddMember(t, f.Org, f.Emp, "empleado", f.AreaA)
	today := time.Now().UTC().Truncate(24 * time.Hour)
	specs := []testpg.Objective{
		{Title: "Vender más " + tag, Status: "in_progress", Owner: f.Manager.ID, Area: f.AreaA, End: today.AddDate(0, 1, 0), Progress: 40},
		{Title: "Lanzar app " + tag, Status: "draft", Owner: f.Boss.ID, Area: f.AreaB, End: today.AddDate(0, 2, 0)},
		{Title: "Cerrar trimestre " + tag, Status: "completed", Owner: f.Emp.ID, Area: f.AreaA, Start: today.AddDate(0, -3, 0), End: today.AddDate(0, 0, -5), Progress: 100},
		{Title: "Migrar sistema " + tag, Status: "cancelled", Owner: f.Boss.ID, End: today.AddDate(0, 0, 20), Progress: 10},
		{Title: "Atrasado " + tag, Status: "in_progress", Owner: f.Emp.ID, Area: f.AreaB, Start: today.AddDate(0, -2, 0), End: today.AddDate(0, 0, -1), Progress: 70},
	}
	for _, s := range specs {
		f.Objectives[s.Title] = tdb.NewObjective(t, f.Org, s)
	}
	return f
}

func (f orgFixture) titles() []string {
	var out []string
	for title := range f.Objectives {
		out = append(out, title)
	}
	slices.Sort(out)
	return out
}

// TestObjectivesIsolation: every objectives route shows the member's own
// rows (the positive control, so an empty page cannot pass) and never the
// other organisation's.
func TestObjectivesIsolation(t *testing.T) {
	a, b := newOrgFixture(t, "Alfa"), newOrgFixture(t, "Beta")
	for _, pair := range [][2]orgFixture{{a, b}, {b, a}} {
		own, foreign := pair[0], pair[1]
		e, _ := signIn(t, own.Boss.Email)
		check := func(route string, body string, wantOwn []string) {
			t.Helper()
			for _, title := range wantOwn {
				if !strings.Contains(body, html.EscapeString(title)) {
					t.Errorf("%s as %s: own objective %q missing", route, own.Tag, title)
				}
			}
			for title, id := range foreign.Objectives {
				if strings.Contains(body, title) || strings.Contains(body, id) {
					t.Errorf("%s as %s: shows %s's objective %q", route, own.Tag, foreign.Tag, title)
				}
			}
			if strings.Contains(body, foreign.Org.Name) || strings.Contains(body, foreign.AreaA) {
				t.Errorf("%s as %s: shows %s's organisation or area", route, own.Tag, foreign.Tag)
			}
		}
		page := e.GET("/objectives").Expect().Status(http.StatusOK).Body().Raw()
		check("/objectives", page, own.titles())
		if got := stats(page)["total"]; got != strconv.Itoa(len(own.Objectives)) {
			t.Errorf("as %s: total %s, want %d", own.Tag, got, len(own.Objectives))
		}
		statsFrag := htmx(e.GET("/fragments/objectives/stats")).Expect().Status(http.StatusOK).Body().Raw()
		if stats(statsFrag)["total"] != strconv.Itoa(len(own.Objectives)) {
			t.Errorf("stats fragment as %s: %v", own.Tag, stats(statsFrag))
		}
		filters := map[string][2]string{
			"status=in_progress":             {"Vender más " + own.Tag, "Atrasado " + own.Tag},
			"area=" + own.AreaA:              {"Vender más " + own.Tag, "Cerrar trimestre " + own.Tag},
			"owner=" + own.Manager.ID:        {"Vender más " + own.Tag, ""},
			"q=" + url.QueryEscape("lanzar"): {"Lanzar app " + own.Tag, ""},
			"sort=-progress":                 {"Cerrar trimestre " + own.Tag, "Atrasado " + own.Tag},
		}
		for query, want := range filters {
			body := htmx(get(e, "/fragments/objectives/table?"+query)).Expect().Status(http.StatusOK).Body().Raw()
			check("/fragments/objectives/table?"+query, body, slices.DeleteFunc([]string{want[0], want[1]}, func(s string) bool { return s == "" }))
			body = get(e, "/objectives?"+query).Expect().Status(http.StatusOK).Body().Raw()
			check("/objectives?"+query, body, []string{want[0]})
		}
		// a filter naming the other organisation's area or owner finds nothing of theirs
		for _, query := range []string{"area=" + foreign.AreaA, "owner=" + foreign.Manager.ID} {
			body := htmx(get(e, "/fragments/objectives/table?"+query)).Expect().Status(http.StatusOK).Body().Raw()
			check(query, body, nil)
			if !strings.Contains(body, "No hay objetivos que coincidan") {
				t.Errorf("%s: expected the filtered empty state", query)
			}
		}
		for title, id := range own.Objectives {
			e.GET("/objectives/" + id).Expect().Status(http.StatusOK).Body().Contains(html.EscapeString(title))
		}
		for _, id := range foreign.Objectives {
			e.GET("/objectives/" + id).Expect().Status(http.StatusNotFound).Body().NotContains(foreign.Tag)
		}
	}
}

func TestObjectivesStatsMatchSQL(t *testing.T) {
	f := newOrgFixture(t, "Gamma")
	// archived rows count nowhere
	tdb.Exec(t, `UPDATE objectives SET archived_at = now() WHERE org_id = $1 AND title = $2`, f.Org.ID, "Lanzar app Gamma")
	e, _ := signIn(t, f.Boss.Email)
	got := stats(htmx(e.GET("/fragments/objectives/stats")).Expect().Status(http.StatusOK).Body().Raw())
	var want struct {
		Total, Draft, InProgress, Completed, Cancelled, Avg, Overdue int
	}
	tdb.Get(t, &want, `SELECT count(*) AS total,
		count(*) FILTER (WHERE status = 'draft') AS draft,
		count(*) FILTER (WHERE status = 'in_progress') AS inprogress,
		count(*) FILTER (WHERE status = 'completed') AS completed,
		count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
		coalesce(round(avg(progress) FILTER (WHERE status <> 'cancelled')), 0) AS avg,
		count(*) FILTER (WHERE end_date < (now() AT TIME ZONE 'UTC')::date AND status IN ('draft', 'in_progress')) AS overdue
		FROM objectives WHERE org_id = $1 AND archived_at IS NULL`, f.Org.ID)
	wantMap := map[string]int{"total": want.Total, "draft": want.Draft, "in_progress": want.InProgress,
		"completed": want.Completed, "cancelled": want.Cancelled, "avg_progress": want.Avg, "overdue": want.Overdue}
	if want.Total != 4 || want.Overdue != 1 || want.Avg != 70 {
		t.Fatalf("fixture drifted: %+v", want)
	}
	for name, w := range wantMap {
		if got[name] != strconv.Itoa(w) {
			t.Errorf("data-stat %s = %q, SQL says %d", name, got[name], w)
		}
	}
}

func TestEmptyOrganisationShowsEmptyState(t *testing.T) {
	org := tdb.NewOrg(t, "Vacía")
	u := tdb.Member(t, org, "Valeria Vacía", "corporativo")
	e, _ := signIn(t, u.Email)
	body := e.GET("/objectives").Expect().Status(http.StatusOK).Body()
	body.Contains("No hay objetivos").Contains("Crear primer objetivo").Contains(`href="/objectives/new"`)
	for name, v := range stats(body.Raw()) {
		if v != "0" {
			t.Errorf("empty organisation: %s = %s", name, v)
		}
	}
}

// walk follows the table's links (as a person would, through the page URLs)
// and collects the row ids in display order.
func walk(t *testing.T, e *httpexpect.Expect, start string, linkRe *regexp.Regexp) ([]string, []string) {
	t.Helper()
	var ids, pages []string
	next := start
	for i := 0; next != "" && i < 100; i++ {
		body := get(e, next).Expect().Status(http.StatusOK).Body().Raw()
		pages = append(pages, next)
		page := rowIDs(body)
		if linkRe == prevRe {
			ids = append(page, ids...)
		} else {
			ids = append(ids, page...)
		}
		next = ""
		if m := linkRe.FindStringSubmatch(body); m != nil {
			next = html.UnescapeString(m[1])
		}
	}
	return ids, pages
}

func TestObjectivesPaginationIsStableAndComplete(t *testing.T) {
	org := tdb.NewOrg(t, "Paginada")
	u := tdb.Member(t, org, "Paula Paginada", "corporativo")
	// 62 objectives; many share an end date, so the id breaks ties
	tdb.Exec(t, `INSERT INTO objectives (org_id, title, status, start_date, end_date, progress_manual)
		SELECT $1, 'Objetivo ' || lpad(g::text, 3, '0'), 'in_progress', current_date - 30,
		       current_date + (g % 7), (g * 37) % 101
		FROM generate_series(1, 62) AS g`, org.ID)
	e, _ := signIn(t, u.Email)
	for _, tc := range []struct{ sort, order string }{
		{"", "end_date, id"},
		{"-end_date", "end_date DESC, id DESC"},
		{"title", "lower(title), id"},
		{"-progress", "progress DESC, id DESC"},
		{"created_at", "created_at, id"},
	} {
		var want []string
		tdb.Select(t, &want, `SELECT id FROM objectives WHERE org_id = $1 ORDER BY `+tc.order, org.ID)
		start := "/objectives"
		if tc.sort != "" {
			start += "?sort=" + tc.sort
		}
		forward, pages := walk(t, e, start, nextRe)
		if !slices.Equal(forward, want) {
			t.Fatalf("sort %q forward: %d rows in %d pages, want the %d rows in SQL order", tc.sort, len(forward), len(pages), len(want))
		}
		if len(pages) != 3 {
			t.Errorf("sort %q: %d pages, want 3", tc.sort, len(pages))
		}
		// from the last page back to the first, through "Anterior"
		body := get(e, start).Expect().Body().Raw()
		last := html.UnescapeString(lastRe.FindStringSubmatch(body)[1])
		lastBody := get(e, last).Expect().Status(http.StatusOK).Body().Raw()
		if got := rowIDs(lastBody); !slices.Equal(got, want[len(want)-25:]) {
			t.Errorf("sort %q: last page has %d rows, want the final 25", tc.sort, len(got))
		}
		if nextRe.MatchString(lastBody) {
			t.Errorf("sort %q: the last page offers a next page", tc.sort)
		}
		backward, _ := walk(t, e, last, prevRe)
		if !slices.Equal(backward, want) {
			t.Errorf("sort %q backward: %d rows, want all %d in order", tc.sort, len(backward), len(want))
		}
		if firstRe.FindStringSubmatch(lastBody) == nil {
			t.Errorf("sort %q: the last page has no link to the first", tc.sort)
		}
		if !strings.Contains(body, "62 objetivos") {
			t.Errorf("sort %q: count label missing", tc.sort)
		}
	}
	// the fragment links carry the same cursors as the page links
	body := htmx(e.GET("/fragments/objectives/table")).Expect().Body().Raw()
	if m := fragLink.FindStringSubmatch(body); m == nil {
		t.Fatal("no htmx link to the next page")
	}
}

func TestObjectivesCountIsCapped(t *testing.T) {
	org := tdb.NewOrg(t, "Grande")
	u := tdb.Member(t, org, "Gloria Grande", "corporativo")
	tdb.Exec(t, `INSERT INTO objectives (org_id, title, status, start_date, end_date)
		SELECT $1, 'Objetivo masivo ' || g, 'draft', current_date, current_date + 30
		FROM generate_series(1, 1005) AS g`, org.ID)
	e, _ := signIn(t, u.Email)
	e.GET("/objectives").Expect().Status(http.StatusOK).Body().Contains("Más de 1.000 objetivos").
		Contains(`data-stat="total">1005<`)
	e.GET("/objectives").WithQuery("q", "masivo 100").Expect().Status(http.StatusOK).
		Body().Contains("7 objetivos") // 100 and 1000-1005
}

func TestObjectivesBadInput(t *testing.T) {
	a, b := newOrgFixture(t, "Delta"), newOrgFixture(t, "Épsilon")
	for i := 0; i < 30; i++ {
		tdb.NewObjective(t, a.Org, testpg.Objective{Title: fmt.Sprintf("Relleno %02d Delta", i)})
		tdb.NewObjective(t, b.Org, testpg.Objective{Title: fmt.Sprintf("Relleno %02d Épsilon", i)})
	}
	ea, _ := signIn(t, a.Boss.Email)
	eb, _ := signIn(t, b.Boss.Email)
	nextOf := func(e *httpexpect.Expect, path string) string {
		m := nextRe.FindStringSubmatch(get(e, path).Expect().Body().Raw())
		if m == nil {
			t.Fatalf("%s has no next page", path)
		}
		u, _ := url.Parse(html.UnescapeString(m[1]))
		return u.Query().Get("after")
	}
	cursorA := nextOf(ea, "/objectives")
	cursorATitle := nextOf(ea, "/objectives?sort=title")
	for _, tc := range []struct {
		query, message string
	}{
		{"status=borrador", "El estado elegido no existe"},
		{"status=" + url.QueryEscape("'; DROP TABLE objectives; --"), "El estado elegido no existe"},
		{"sort=password_hash", "No se puede ordenar"},
		{"sort=-" + url.QueryEscape("end_date; select 1"), "No se puede ordenar"},
		{"area=not-a-uuid", "El área elegida no es válida"},
		{"owner=123", "El responsable elegido no es válido"},
		{"q=" + strings.Repeat("x", 101), "hasta 100 caracteres"},
		{"after=garbage", "El enlace de paginación no es válido"},
		{"after=" + cursorA + "x", "El enlace de paginación no es válido"},
		{"before=" + cursorA[:10] + "." + cursorA[11:], "El enlace de paginación no es válido"},
		{"after=" + cursorATitle, "El enlace de paginación no es válido"}, // a cursor of another sort
		{"after=" + cursorA + "&before=last", "El enlace de paginación no es válido"},
	} {
		for _, path := range []string{"/objectives?", "/fragments/objectives/table?"} {
			r := get(ea, path+tc.query)
			if strings.HasPrefix(path, "/fragments") {
				r = htmx(r)
			}
			body := r.Expect().Status(http.StatusUnprocessableEntity).Body()
			body.Contains(tc.message).NotContains("Relleno")
			if strings.HasPrefix(path, "/fragments") {
				body.NotContains("<html")
			} else {
				body.Contains("<html").Contains(`data-stat="total"`) // the rest of the page still works
			}
		}
	}
	// the same cursor is refused in another organisation, and works in its own
	eb.GET("/objectives").WithQuery("after", cursorA).Expect().Status(http.StatusUnprocessableEntity).
		Body().Contains("es de otra organización")
	ea.GET("/objectives").WithQuery("after", cursorA).Expect().Status(http.StatusOK).Body().Contains("Relleno")

	for _, id := range []string{"not-a-uuid", "00000000-0000-0000-0000-000000000000", b.Objectives["Vender más Épsilon"],
		"'%20OR%201=1", strings.Repeat("a", 36)} {
		ea.GET("/objectives/" + id).Expect().Status(http.StatusNotFound).Body().Contains("Página no encontrada")
	}
	ea.GET("/no-existe").Expect().Status(http.StatusNotFound).Body().Contains("Página no encontrada")
	ea.DELETE("/objectives").Expect().Status(http.StatusNotFound)
}

// TestOversizedRequestsAreRefused goes through a real listener: the body
// and header limits are enforced by the server's reader.
func TestOversizedRequestsAreRefused(t *testing.T) {
	base := liveServer(t)
	// announce a 2 MiB body: the server answers 413 before reading it
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /login HTTP/1.1\r\nHost: rumbo.test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", 2<<20)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB body: status %d, want 413", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/login", nil)
	req.Header.Set("X-Padding", strings.Repeat("b", 64<<10))
	resp, err = http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("64 KiB header: status %d, want a 4xx refusal", resp.StatusCode)
		}
	}
}

func TestFragmentsAreFragmentsAndPagesAreDocuments(t *testing.T) {
	f := newOrgFixture(t, "Zeta")
	e, _ := signIn(t, f.Boss.Email)
	for _, path := range []string{"/fragments/objectives/stats", "/fragments/objectives/table",
		"/fragments/objectives/table?status=draft"} {
		for _, hx := range []bool{true, false} {
			r := get(e, path)
			if hx {
				r = htmx(r)
			}
			body := r.Expect().Status(http.StatusOK).Body()
			body.NotContains("<html").NotContains("<head").NotContains("<body").NotContains(`class="sidebar"`)
		}
	}
	id := f.Objectives["Vender más Zeta"]
	for _, path := range []string{"/objectives", "/objectives?status=draft", "/objectives/" + id, "/objectives/new", "/login"} {
		for _, hx := range []bool{true, false} {
			r := get(e, path)
			if hx { // pages never branch on HX-Request
				r = htmx(r)
			}
			r.Expect().Status(http.StatusOK).Body().Contains("<!doctype html>").Contains("<html lang=\"es\">").Contains("</html>")
		}
	}
	// the filter form and the table's links move the address bar to the
	// page's own URL; the wrapper's refresh after a write does not
	htmx(e.GET("/fragments/objectives/table").WithQuery("status", "draft").WithHeader("HX-Trigger", "objectives-filters")).
		Expect().Status(http.StatusOK).Header("HX-Push-Url").IsEqual("/objectives?status=draft")
	htmx(e.GET("/fragments/objectives/table").WithQuery("sort", "-progress").WithQuery("q", "")).
		Expect().Status(http.StatusOK).Header("HX-Push-Url").IsEqual("/objectives?sort=-progress")
	htmx(e.GET("/fragments/objectives/table").WithQuery("status", "draft").WithHeader("HX-Trigger", "objectives-table")).
		Expect().Status(http.StatusOK).Header("HX-Push-Url").IsEmpty()
}

func TestObjectiveDetailShowsKeyResults(t *testing.T) {
	f := newOrgFixture(t, "Eta")
	id := f.Objectives["Vender más Eta"]
	tdb.NewKeyResult(t, f.Org, id, testpg.KeyResult{Title: "Facturar 1,5 millones", Kind: "currency", Start: 0, Target: 1500000, Current: 450000})
	tdb.NewKeyResult(t, f.Org, id, testpg.KeyResult{Title: "Bajar el tiempo de respuesta", Direction: "decrease", Start: 48, Target: 12, Current: 30})
	tdb.NewKeyResult(t, f.Org, id, testpg.KeyResult{Title: "Publicar la política", Kind: "boolean", Start: 0, Target: 1, Current: 1})
	e, _ := signIn(t, f.Emp.Email)
	body := e.GET("/objectives/" + id).Expect().Status(http.StatusOK).Body()
	// (30 % + 50 % + 100 %) / 3 = 60 %
	body.Contains(`data-stat="progress">60<`).Contains("Facturar 1,5 millones").Contains("1.500.000").
		Contains("450.000").Contains("↓ reducir").Contains("Sí").Contains("¿Cómo se calcula el progreso?").
		Contains("Gerente Eta").Contains("Ventas Eta")
	noKR := f.Objectives["Lanzar app Eta"]
	e.GET("/objectives/" + noKR).Expect().Status(http.StatusOK).Body().
		Contains("todavía no tiene resultados clave").Contains("indicado a mano")
}

func TestCreateObjective(t *testing.T) {
	f := newOrgFixture(t, "Theta")
	other := newOrgFixture(t, "Iota")
	e, token := signIn(t, f.Boss.Email)
	e.GET("/objectives/new").Expect().Status(http.StatusOK).Body().Contains("Nuevo objetivo").Contains(`name="_csrf"`)

	form := func(fields map[string]string) *httpexpect.Request {
		r := e.POST("/objectives").WithFormField("_csrf", token)
		for k, v := range fields {
			r = r.WithFormField(k, v)
		}
		return r
	}
	valid := map[string]string{"title": "Abrir mercado en Perú", "description": "Primer paso regional",
		"owner": f.Manager.ID, "area": f.AreaA, "status": "in_progress", "priority": "high",
		"start_date": "2026-01-01", "end_date": "2026-06-30"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range valid {
			m[a] = b
		}
		m[k] = v
		return m
	}
	before := countRows(t, "objectives", f.Org.ID)
	for _, tc := range []struct {
		fields map[string]string
		field  string
		msg    string
	}{
		{with("title", "   "), "title", "Escribe un título."},
		{with("title", strings.Repeat("x", 201)), "title", "hasta 200 caracteres"},
		{with("end_date", "2025-12-31"), "end_date", "no puede ser anterior"},
		{with("start_date", "31/12/2026"), "start_date", "fecha de inicio válida"},
		{with("start_date", "0001-01-01"), "start_date", "fecha de inicio válida"},
		{with("status", "completo"), "status", "Elige un estado"},
		{with("priority", "urgente"), "priority", "Elige una prioridad"},
		{with("owner", "x"), "owner", "Ese responsable no existe"},
		{with("area", other.AreaA), "area", "Esa área no existe en tu organización"},
		{with("owner", other.Boss.ID), "owner", "Ese responsable no existe en tu organización"},
	} {
		body := form(tc.fields).Expect().Status(http.StatusUnprocessableEntity).Body()
		body.Contains(tc.msg).Contains(`<html`)
		htmx(form(tc.fields)).Expect().Status(http.StatusUnprocessableEntity).Body().Contains(tc.msg).
			NotContains("<html").Contains(`id="objective-form"`)
	}
	if n := countRows(t, "objectives", f.Org.ID); n != before {
		t.Fatalf("rejected forms wrote %d objectives", n-before)
	}
	if n := countRows(t, "objectives", other.Org.ID); n != len(other.Objectives) {
		t.Fatalf("the other organisation changed: %d objectives", n)
	}

	loc := form(valid).Expect().Status(http.StatusSeeOther).Header("Location").Raw()
	id := strings.TrimPrefix(loc, "/objectives/")
	var row struct {
		Title, Status, Priority, Owner, Area, Creator, Org string
	}
	tdb.Get(t, &row, `SELECT title, status, priority, owner_id AS owner, area_id AS area, created_by AS creator,
		org_id AS org FROM objectives WHERE id = $1`, id)
	if row.Title != valid["title"] || row.Owner != f.Manager.ID || row.Area != f.AreaA || row.Creator != f.Boss.ID ||
		row.Org != f.Org.ID || row.Status != "in_progress" || row.Priority != "high" {
		t.Fatalf("created row %+v", row)
	}
	e.GET(loc).Expect().Status(http.StatusOK).Body().Contains("Abrir mercado en Perú")

	r := htmx(form(with("title", "Con htmx"))).Expect().Status(http.StatusOK)
	r.Header("HX-Trigger").IsEqual("objectives-changed")
	r.Header("HX-Redirect").HasPrefix("/objectives/")
}

func TestCreateObjectiveRespectsRoles(t *testing.T) {
	f := newOrgFixture(t, "Kappa")
	before := countRows(t, "objectives", f.Org.ID)
	emp, empToken := signIn(t, f.Emp.Email)
	emp.GET("/objectives/new").Expect().Status(http.StatusForbidden).Body().Contains("Tu rol no permite crear objetivos")
	emp.POST("/objectives").WithFormField("_csrf", empToken).WithFormField("title", "Por mi cuenta").
		WithFormField("start_date", "2026-01-01").WithFormField("end_date", "2026-02-01").
		Expect().Status(http.StatusForbidden)
	htmx(emp.POST("/objectives")).WithHeader("X-CSRF-Token", empToken).WithFormField("title", "Por mi cuenta").
		Expect().Status(http.StatusForbidden).Header("HX-Retarget").IsEqual("#flash")

	mgr, mgrToken := signIn(t, f.Manager.Email)
	mgr.GET("/objectives/new").Expect().Status(http.StatusOK).Body().Contains(`value="` + f.AreaA + `" selected`)
	mgr.POST("/objectives").WithFormField("_csrf", mgrToken).WithFormField("title", "De otra área").
		WithFormField("area", f.AreaB).WithFormField("start_date", "2026-01-01").WithFormField("end_date", "2026-02-01").
		Expect().Status(http.StatusUnprocessableEntity).Body().Contains("solo puedes crear objetivos de tu área")
	if n := countRows(t, "objectives", f.Org.ID); n != before {
		t.Fatalf("refused creations wrote %d rows", n-before)
	}
	mgr.POST("/objectives").WithFormField("_csrf", mgrToken).WithFormField("title", "De mi área").
		WithFormField("area", f.AreaA).WithFormField("start_date", "2026-01-01").WithFormField("end_date", "2026-02-01").
		Expect().Status(http.StatusSeeOther)
}
