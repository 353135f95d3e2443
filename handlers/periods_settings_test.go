package handlers

import (
	"html"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"rumbo/internal/testpg"
)

// insertPeriod writes a fixture period as rumbo_owner and returns its id.
func insertPeriod(t *testing.T, org testpg.Org, name string, start, end time.Time) string {
	t.Helper()
	var id string
	tdb.Get(t, &id, `INSERT INTO periods (org_id, name, start_date, end_date) VALUES ($1, $2, $3, $4) RETURNING id`,
		org.ID, name, start, end)
	return id
}

// periodsSnapshot is every period of an organisation, all columns.
func periodsSnapshot(t *testing.T, orgID string) string {
	t.Helper()
	var s string
	tdb.Get(t, &s, `SELECT coalesce(string_agg(concat_ws('|', id, name, start_date, end_date, version, archived_at),
		E'\n' ORDER BY id), '') FROM periods WHERE org_id = $1`, orgID)
	return s
}

func periodVersion(t *testing.T, id string) string {
	t.Helper()
	var v int
	tdb.Get(t, &v, `SELECT version FROM periods WHERE id = $1`, id)
	return strconv.Itoa(v)
}

var periodRowRe = regexp.MustCompile(`(?s)<tr data-id="([0-9a-f-]{36})"( class="current-period")?>.*?<td class="num">(\d+)</td>`)

// periodsOfTable reads the table's rows: id, whether marked current, and
// the objectives count shown.
func periodsOfTable(body string) (ids []string, current string, objectives map[string]string) {
	objectives = map[string]string{}
	for _, m := range periodRowRe.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
		if m[2] != "" {
			current = m[1]
		}
		objectives[m[1]] = m[3]
	}
	return ids, current, objectives
}

// TestPeriodsSettingsList: newest first, the current period marked by
// begin_request's rule, and each period's live objectives as SQL counts
// them.
func TestPeriodsSettingsList(t *testing.T) {
	f := newOrgFixture(t, "Periodos")
	today := time.Now().UTC().Truncate(24 * time.Hour)
	past := insertPeriod(t, f.Org, "Pasado", today.AddDate(0, -6, 0), today.AddDate(0, -3, -1))
	year := insertPeriod(t, f.Org, "Año en curso", today.AddDate(0, -5, 0), today.AddDate(0, 5, 0))
	quarter := insertPeriod(t, f.Org, "Trimestre en curso", today.AddDate(0, -1, 0), today.AddDate(0, 2, 0))
	next := insertPeriod(t, f.Org, "Próximo", today.AddDate(0, 3, 0), today.AddDate(0, 6, 0))
	tdb.Exec(t, `UPDATE objectives SET period_id = $2 WHERE org_id = $1 AND title IN ('Vender más Periodos', 'Atrasado Periodos', 'Lanzar app Periodos')`,
		f.Org.ID, quarter)
	tdb.Exec(t, `UPDATE objectives SET period_id = $2 WHERE org_id = $1 AND title = 'Migrar sistema Periodos'`, f.Org.ID, past)
	tdb.Exec(t, `UPDATE objectives SET archived_at = now() WHERE org_id = $1 AND title = 'Lanzar app Periodos'`, f.Org.ID)

	e, _ := signIn(t, f.Boss.Email)
	page := e.GET("/settings/periods").Expect().Status(http.StatusOK).Body()
	page.Contains("Periodos").Contains("Nuevo periodo").Contains("Trimestres de un año fiscal").Contains(`name="_csrf"`)
	frag := htmx(e.GET("/fragments/periods/table")).Expect().Status(http.StatusOK).Body().Raw()
	if strings.Contains(frag, "<html") {
		t.Fatal("the table fragment is a whole document")
	}
	for _, body := range []string{page.Raw(), frag} {
		ids, current, objectives := periodsOfTable(body)
		if want := []string{next, quarter, year, past}; !slices.Equal(ids, want) {
			t.Fatalf("order %v, want %v (newest first)", ids, want)
		}
		var wantCurrent string
		tdb.Get(t, &wantCurrent, `SELECT id FROM periods WHERE org_id = $1 AND archived_at IS NULL
			AND start_date <= $2 AND end_date >= $2 ORDER BY start_date DESC, id LIMIT 1`, f.Org.ID, today)
		if current != wantCurrent || current != quarter {
			t.Errorf("current %s, want %s", current, wantCurrent)
		}
		var counts []struct {
			ID string `db:"id"`
			N  int    `db:"n"`
		}
		tdb.Select(t, &counts, `SELECT p.id, count(o.id) AS n FROM periods p
			LEFT JOIN objectives o ON o.org_id = p.org_id AND o.period_id = p.id AND o.archived_at IS NULL
			WHERE p.org_id = $1 GROUP BY p.id`, f.Org.ID)
		for _, c := range counts {
			if objectives[c.ID] != strconv.Itoa(c.N) {
				t.Errorf("period %s shows %s objectives, SQL says %d", c.ID, objectives[c.ID], c.N)
			}
		}
	}
	page.Contains("Actual").Contains("En curso").Contains("Próximo").Contains("Finalizado")

	empty := tdb.NewOrg(t, "Sin Periodos")
	u := tdb.Member(t, empty, "Sol Sinperiodos", "corporativo")
	eu, _ := signIn(t, u.Email)
	eu.GET("/settings/periods").Expect().Status(http.StatusOK).Body().Contains("No hay periodos")
}

// TestCreateEditDeletePeriod: the happy paths, the bad inputs (422,
// nothing written), a name in use (409), a stale form (409), and deletion
// after a confirmation that counts what loses its period.
func TestCreateEditDeletePeriod(t *testing.T) {
	f := newOrgFixture(t, "Ciclos")
	e, token := signIn(t, f.Boss.Email)
	postFields(e, "/settings/periods", token, map[string]string{"name": "T1 2027", "start_date": "2027-01-01",
		"end_date": "2027-03-31"}, false).Status(http.StatusSeeOther).Header("Location").IsEqual("/settings/periods?hecho=creado")
	get(e, "/settings/periods?hecho=creado").Expect().Status(http.StatusOK).Body().Contains("Periodo creado.").Contains("T1 2027")
	r := postFields(e, "/settings/periods", token, map[string]string{"name": "T2 2027", "start_date": "2027-04-01",
		"end_date": "2027-06-30"}, true).Status(http.StatusOK)
	r.Header("HX-Trigger").IsEqual("periods-changed")
	r.Body().Contains("Periodo «T2 2027» creado.").Contains(`id="period-form"`).NotContains(`value="T2 2027"`).NotContains("<html")
	var id string
	tdb.Get(t, &id, `SELECT id FROM periods WHERE org_id = $1 AND name = 'T1 2027'`, f.Org.ID)
	var got string
	tdb.Get(t, &got, `SELECT start_date || '/' || end_date FROM periods WHERE id = $1`, id)
	if got != "2027-01-01/2027-03-31" {
		t.Fatalf("stored dates %s", got)
	}

	before := periodsSnapshot(t, f.Org.ID)
	valid := map[string]string{"name": "S1 2027", "start_date": "2027-01-01", "end_date": "2027-06-30"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range valid {
			m[a] = b
		}
		m[k] = v
		return m
	}
	for _, tc := range []struct {
		fields map[string]string
		status int
		msg    string
	}{
		{with("name", "  "), 422, "Escribe el nombre del periodo."},
		{with("name", strings.Repeat("x", 61)), 422, "hasta 60 caracteres"},
		{with("start_date", "01/01/2027"), 422, "fecha de inicio válida"},
		{with("end_date", ""), 422, "fecha de fin válida"},
		{with("start_date", "1899-12-31"), 422, "fecha de inicio válida"},
		{with("end_date", "2026-12-31"), 422, "no puede ser anterior a la de inicio"},
		{with("name", "T1 2027"), 409, "Ya existe un periodo con ese nombre."},
	} {
		postFields(e, "/settings/periods", token, tc.fields, false).Status(tc.status).Body().
			Contains(html.EscapeString(tc.msg)).Contains("<html").Contains(`aria-invalid="true"`)
		postFields(e, "/settings/periods", token, tc.fields, true).Status(tc.status).Body().
			Contains(html.EscapeString(tc.msg)).NotContains("<html").Contains(`id="period-form"`)
	}
	if periodsSnapshot(t, f.Org.ID) != before {
		t.Fatal("refused forms changed the periods")
	}

	// editing, with the version
	e.GET("/settings/periods/" + id + "/edit").Expect().Status(http.StatusOK).Body().Contains("Editar periodo").
		Contains(`name="version" value="1"`).Contains(`value="2027-01-01"`)
	edit := map[string]string{"name": "Primer trimestre 2027", "start_date": "2027-01-01", "end_date": "2027-03-30", "version": "1"}
	postFields(e, "/settings/periods/"+id, token, edit, true).Status(http.StatusOK).
		Header("HX-Redirect").IsEqual("/settings/periods?hecho=guardado")
	if periodVersion(t, id) != "2" {
		t.Fatal("the edit did not bump the version")
	}
	before = periodsSnapshot(t, f.Org.ID)
	edit["name"] = "Pisado"
	postFields(e, "/settings/periods/"+id, token, edit, false).Status(http.StatusConflict).Body().Contains("Otra persona cambió esto")
	postFields(e, "/settings/periods/"+id, token, map[string]string{"name": "T2 2027", "start_date": "2027-01-01",
		"end_date": "2027-03-31", "version": "2"}, true).Status(http.StatusConflict).Body().Contains("Ya existe un periodo con ese nombre.")
	postFields(e, "/settings/periods/"+id, token, map[string]string{"name": "X", "start_date": "2027-05-01",
		"end_date": "2027-03-31", "version": "2"}, false).Status(http.StatusUnprocessableEntity).Body().Contains("no puede ser anterior")
	postFields(e, "/settings/periods/"+id, token, map[string]string{"name": "X", "start_date": "2027-01-01",
		"end_date": "2027-03-31"}, false).Status(http.StatusUnprocessableEntity).Body().Contains("Falta la versión")
	if periodsSnapshot(t, f.Org.ID) != before {
		t.Fatal("refused edits changed the periods")
	}

	// deletion: objectives (archived ones too) lose their period, members
	// who chose it go back to the current one, the stats stay whole
	tdb.Exec(t, `UPDATE objectives SET period_id = $2 WHERE org_id = $1 AND title IN ('Vender más Ciclos', 'Lanzar app Ciclos')`, f.Org.ID, id)
	tdb.Exec(t, `UPDATE objectives SET archived_at = now() WHERE org_id = $1 AND title = 'Lanzar app Ciclos'`, f.Org.ID)
	tdb.Exec(t, `UPDATE memberships SET period_mode = 'chosen', period_id = $2 WHERE org_id = $1 AND user_id = $3`, f.Org.ID, id, f.Emp.ID)
	statsBefore := stats(htmx(e.GET("/fragments/objectives/stats").WithQuery("period", "all")).Expect().Body().Raw())
	confirm := e.GET("/settings/periods/" + id + "/delete").Expect().Status(http.StatusOK).Body()
	confirm.Contains("¿Borrar el periodo «Primer trimestre 2027»?").Contains(`data-count="objectives">2<`).
		Contains("1 de ellos archivados").Contains(`data-count="members">1<`).Contains(`name="version" value="2"`)
	postFields(e, "/settings/periods/"+id+"/delete", token, map[string]string{"version": "1"}, false).Status(http.StatusConflict)
	postFields(e, "/settings/periods/"+id+"/delete", token, nil, false).Status(http.StatusUnprocessableEntity)
	postFields(e, "/settings/periods/"+id+"/delete", token, map[string]string{"version": "2"}, false).
		Status(http.StatusSeeOther).Header("Location").IsEqual("/settings/periods?hecho=borrado")
	var left struct {
		Periods, Objectives int
		Mode                string
	}
	tdb.Get(t, &left, `SELECT (SELECT count(*) FROM periods WHERE id = $2) AS periods,
		(SELECT count(*) FROM objectives WHERE org_id = $1 AND title IN ('Vender más Ciclos', 'Lanzar app Ciclos')
		   AND period_id IS NULL) AS objectives,
		(SELECT period_mode || coalesce(period_id::text, '') FROM memberships WHERE org_id = $1 AND user_id = $3) AS mode`,
		f.Org.ID, id, f.Emp.ID)
	if left.Periods != 0 || left.Objectives != 2 || left.Mode != "chosen" {
		t.Fatalf("after deletion: %+v", left)
	}
	if after := stats(htmx(e.GET("/fragments/objectives/stats").WithQuery("period", "all")).Expect().Body().Raw()); !mapsEqual(after, statsBefore) {
		t.Fatalf("objective stats changed with the period's deletion: %v, before %v", after, statsBefore)
	}
	ee, _ := signIn(t, f.Emp.Email) // their choice is gone: they see the current period again
	ee.GET("/objectives").Expect().Status(http.StatusOK)
	e.GET("/settings/periods/" + id + "/edit").Expect().Status(http.StatusNotFound)
	postFields(e, "/settings/periods/"+id+"/delete", token, map[string]string{"version": "2"}, false).Status(http.StatusNotFound)
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestFiscalQuarters(t *testing.T) {
	for _, tc := range []struct {
		year, month int
		want        []string
	}{
		{2027, 1, []string{"T1 2027 2027-01-01 2027-03-31", "T2 2027 2027-04-01 2027-06-30", "T3 2027 2027-07-01 2027-09-30", "T4 2027 2027-10-01 2027-12-31"}},
		{2027, 4, []string{"T1 2027 2027-04-01 2027-06-30", "T2 2027 2027-07-01 2027-09-30", "T3 2027 2027-10-01 2027-12-31", "T4 2027 2028-01-01 2028-03-31"}},
		{2028, 12, []string{"T1 2028 2028-12-01 2029-02-28", "T2 2028 2029-03-01 2029-05-31", "T3 2028 2029-06-01 2029-08-31", "T4 2028 2029-09-01 2029-11-30"}},
		{2027, 12, []string{"T1 2027 2027-12-01 2028-02-29", "T2 2027 2028-03-01 2028-05-31", "T3 2027 2028-06-01 2028-08-31", "T4 2027 2028-09-01 2028-11-30"}},
	} {
		var got []string
		for _, q := range fiscalQuarters(tc.year, tc.month) {
			got = append(got, q.Name+" "+q.Start.Format(time.DateOnly)+" "+q.End.Format(time.DateOnly))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("fiscal year %d from month %d: %v, want %v", tc.year, tc.month, got, tc.want)
		}
	}
}

// TestCreateFiscalYearQuarters: the four quarters from the organisation's
// fiscal year start, only those missing, and a clear message either way.
func TestCreateFiscalYearQuarters(t *testing.T) {
	f := newOrgFixture(t, "Fiscal")
	tdb.Exec(t, `UPDATE organizations SET fiscal_year_start = 4 WHERE id = $1`, f.Org.ID)
	insertPeriod(t, f.Org, "T2 2027", time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 9, 30, 0, 0, 0, 0, time.UTC))
	e, token := signIn(t, f.Boss.Email)
	e.GET("/settings/periods").Expect().Status(http.StatusOK).Body().Contains("Tu año fiscal empieza en abril")

	r := postFields(e, "/settings/periods/quarters", token, map[string]string{"year": "2027"}, true).Status(http.StatusOK)
	r.Header("HX-Trigger").IsEqual("periods-changed")
	r.Body().Contains("Se crearon T1 2027, T3 2027 y T4 2027.").Contains("T2 2027 ya existía.").NotContains("<html")
	var got []string
	tdb.Select(t, &got, `SELECT name || ' ' || start_date || ' ' || end_date FROM periods WHERE org_id = $1 ORDER BY start_date`, f.Org.ID)
	want := []string{"T1 2027 2027-04-01 2027-06-30", "T2 2027 2027-07-01 2027-09-30", "T3 2027 2027-10-01 2027-12-31",
		"T4 2027 2028-01-01 2028-03-31"}
	if !slices.Equal(got, want) {
		t.Fatalf("periods %v, want %v", got, want)
	}
	r = postFields(e, "/settings/periods/quarters", token, map[string]string{"year": "2027"}, true).Status(http.StatusOK)
	r.Header("HX-Trigger").IsEmpty()
	r.Body().Contains("ya existían; no se creó ninguno")
	postFields(e, "/settings/periods/quarters", token, map[string]string{"year": "2028"}, false).Status(http.StatusSeeOther).
		Header("Location").IsEqual("/settings/periods?hecho=trimestres&creados=4&anio=2028")
	get(e, "/settings/periods?hecho=trimestres&creados=4&anio=2028").Expect().Status(http.StatusOK).Body().
		Contains("Se crearon 4 trimestres del año fiscal 2028.")
	get(e, "/settings/periods?hecho=trimestres&creados=9&anio=2028").Expect().Status(http.StatusOK).Body().
		NotContains("Se crearon")

	before := periodsSnapshot(t, f.Org.ID)
	for _, year := range []string{"", "dos mil", "1999", "2101", "2027.5"} {
		postFields(e, "/settings/periods/quarters", token, map[string]string{"year": year}, true).
			Status(http.StatusUnprocessableEntity).Body().Contains("Indica un año entre 2000 y 2100.").Contains(`id="quarters-form"`)
		postFields(e, "/settings/periods/quarters", token, map[string]string{"year": year}, false).
			Status(http.StatusUnprocessableEntity).Body().Contains("Indica un año entre 2000 y 2100.").Contains("<html")
	}
	if periodsSnapshot(t, f.Org.ID) != before {
		t.Fatal("refused requests changed the periods")
	}
}

// TestPeriodsPermissions: only a corporativo manages periods; every route
// answers 403 to the others and writes nothing.
func TestPeriodsPermissions(t *testing.T) {
	f := newOrgFixture(t, "Permisos Periodos")
	id := insertPeriod(t, f.Org, "Semestre", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC))
	before := periodsSnapshot(t, f.Org.ID)
	for _, u := range []testpg.User{f.Manager, f.Emp} {
		e, token := signIn(t, u.Email)
		for _, path := range []string{"/settings/periods", "/settings/periods/" + id + "/edit", "/settings/periods/" + id + "/delete"} {
			e.GET(path).Expect().Status(http.StatusForbidden).Body().Contains("Solo un corporativo puede gestionar los periodos")
		}
		htmx(e.GET("/fragments/periods/table")).Expect().Status(http.StatusForbidden).Body().NotContains("Semestre")
		fields := map[string]string{"name": "Intruso", "start_date": "2027-01-01", "end_date": "2027-02-01", "version": "1", "year": "2027"}
		for _, path := range []string{"/settings/periods", "/settings/periods/quarters", "/settings/periods/" + id,
			"/settings/periods/" + id + "/delete"} {
			postFields(e, path, token, fields, false).Status(http.StatusForbidden)
			postFields(e, path, token, fields, true).Status(http.StatusForbidden).Header("HX-Retarget").IsEqual("#flash")
		}
	}
	if periodsSnapshot(t, f.Org.ID) != before {
		t.Fatal("refused requests changed the periods")
	}
	e, _ := signIn(t, f.Boss.Email)
	e.GET("/settings/periods").Expect().Status(http.StatusOK).Body().Contains("Semestre")
}

// TestPeriodsIsolation: another organisation's periods are never listed,
// and their ids answer 404 on every route, changing nothing; the member's
// own period works (the positive control).
func TestPeriodsIsolation(t *testing.T) {
	a, b := newOrgFixture(t, "Alfa Periodos"), newOrgFixture(t, "Beta Periodos")
	day := func(m, d int) time.Time { return time.Date(2027, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	pa := insertPeriod(t, a.Org, "Periodo Alfa", day(1, 1), day(3, 31))
	pb := insertPeriod(t, b.Org, "Periodo Beta", day(1, 1), day(3, 31))
	for _, tc := range []struct {
		own          orgFixture
		ownID, other string
		otherOrg     testpg.Org
		otherName    string
	}{{a, pa, pb, b.Org, "Periodo Beta"}, {b, pb, pa, a.Org, "Periodo Alfa"}} {
		e, token := signIn(t, tc.own.Boss.Email)
		for _, body := range []string{e.GET("/settings/periods").Expect().Status(http.StatusOK).Body().Raw(),
			htmx(e.GET("/fragments/periods/table")).Expect().Status(http.StatusOK).Body().Raw()} {
			if !strings.Contains(body, `data-id="`+tc.ownID+`"`) {
				t.Errorf("as %s: own period missing", tc.own.Tag)
			}
			if strings.Contains(body, tc.other) || strings.Contains(body, tc.otherName) {
				t.Errorf("as %s: shows the other organisation's period", tc.own.Tag)
			}
		}
		before := periodsSnapshot(t, tc.otherOrg.ID)
		e.GET("/settings/periods/" + tc.other + "/edit").Expect().Status(http.StatusNotFound)
		e.GET("/settings/periods/" + tc.other + "/delete").Expect().Status(http.StatusNotFound)
		fields := map[string]string{"name": "Tomado", "start_date": "2027-01-01", "end_date": "2027-02-01", "version": "1"}
		postFields(e, "/settings/periods/"+tc.other, token, fields, false).Status(http.StatusNotFound)
		postFields(e, "/settings/periods/"+tc.other, token, map[string]string{}, true).Status(http.StatusNotFound)
		postFields(e, "/settings/periods/"+tc.other+"/delete", token, fields, false).Status(http.StatusNotFound)
		for _, id := range []string{"nope", "00000000-0000-0000-0000-000000000000"} {
			e.GET("/settings/periods/" + id + "/edit").Expect().Status(http.StatusNotFound)
			postFields(e, "/settings/periods/"+id+"/delete", token, fields, false).Status(http.StatusNotFound)
		}
		if periodsSnapshot(t, tc.otherOrg.ID) != before {
			t.Fatalf("as %s: the other organisation's periods changed", tc.own.Tag)
		}
		// the same name is free in each organisation, and the own period works
		postFields(e, "/settings/periods", token, map[string]string{"name": tc.otherName, "start_date": "2027-01-01",
			"end_date": "2027-03-31"}, false).Status(http.StatusSeeOther)
		e.GET("/settings/periods/" + tc.ownID + "/edit").Expect().Status(http.StatusOK)
		e.GET("/settings/periods/" + tc.ownID + "/delete").Expect().Status(http.StatusOK)
	}
}
