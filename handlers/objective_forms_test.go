package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"rumbo/internal/testpg"
)

// objectiveFields are a valid edit of the objective id, at its current
// version.
func objectiveFields(t *testing.T, id string) map[string]string {
	t.Helper()
	var o struct {
		Title, Status, Priority, Start, End, Owner, Area, Parent string
		Version                                                  int
	}
	tdb.Get(t, &o, `SELECT title, status, priority, start_date::text AS start, end_date::text AS end,
		coalesce(owner_id::text, '') AS owner, coalesce(area_id::text, '') AS area,
		coalesce(parent_id::text, '') AS parent, version FROM objectives WHERE id = $1`, id)
	return map[string]string{"title": o.Title, "status": o.Status, "priority": o.Priority, "start_date": o.Start,
		"end_date": o.End, "owner": o.Owner, "area": o.Area, "parent": o.Parent, "progress_manual": "0",
		"version": strconv.Itoa(o.Version)}
}

func TestEditObjective(t *testing.T) {
	f := newOrgFixture(t, "Lambda")
	other := newOrgFixture(t, "Mu")
	id := f.Objectives["Vender más Lambda"]
	boss, token := signIn(t, f.Boss.Email)
	boss.GET("/objectives/" + id + "/edit").Expect().Status(http.StatusOK).Body().
		Contains("Editar objetivo").Contains(`name="version" value="1"`).Contains("Vender más Lambda")
	valid := objectiveFields(t, id)
	path := "/objectives/" + id

	for _, tc := range []struct {
		fields map[string]string
		msg    string
	}{
		{with(valid, "title", ""), "Escribe un título."},
		{with(valid, "end_date", "2000-01-01"), "no puede ser anterior"},
		{with(valid, "progress_manual", "101"), "entre 0 y 100"},
		{with(valid, "progress_manual", "-1"), "entre 0 y 100"},
		{with(valid, "parent", id), "no puede alinearse consigo mismo"},
		{with(valid, "parent", other.Objectives["Vender más Mu"]), "Ese objetivo no existe en tu organización"},
		{with(valid, "period", "nope"), "Ese periodo no existe"},
		{with(valid, "version", ""), "Falta la versión"},
	} {
		postForm(boss, path, token, tc.fields).Expect().Status(http.StatusUnprocessableEntity).Body().Contains(tc.msg)
		htmx(postForm(boss, path, token, tc.fields)).Expect().Status(http.StatusUnprocessableEntity).Body().
			Contains(tc.msg).NotContains("<html")
	}
	var title string
	var version int
	tdb.Get(t, &title, `SELECT title FROM objectives WHERE id = $1`, id)
	tdb.Get(t, &version, `SELECT version FROM objectives WHERE id = $1`, id)
	if title != "Vender más Lambda" || version != 1 {
		t.Fatalf("rejected edits wrote: %q v%d", title, version)
	}

	// a loop through a child is refused by the database (the trigger)
	child := tdb.NewObjective(t, f.Org, testpg.Objective{Title: "Hijo Lambda", Parent: id, Area: f.AreaA})
	postForm(boss, path, token, with(valid, "parent", child)).Expect().Status(http.StatusUnprocessableEntity).
		Body().Contains("no puede alinearse consigo mismo ni con uno de sus subobjetivos")

	// a valid edit: 303 to the page, which shows it; the history records it
	postForm(boss, path, token, with(valid, "title", "Vender mucho más Lambda", "status", "completed")).
		Expect().Status(http.StatusSeeOther).Header("Location").IsEqual(path)
	page := boss.GET(path).Expect().Status(http.StatusOK).Body()
	page.Contains("Vender mucho más Lambda").Contains("Completado")
	page.Contains("Título").Contains("Vender más Lambda").Contains("Jefa Lambda")

	// two sessions load version 2; the first save wins, the second gets 409
	// and overwrites nothing
	first, firstToken := signIn(t, f.Boss.Email)
	second, secondToken := signIn(t, f.Manager.Email)
	v2 := objectiveFields(t, id)
	if v2["version"] != "2" {
		t.Fatalf("version after one edit: %s", v2["version"])
	}
	postForm(first, path, firstToken, with(v2, "title", "Primera versión")).Expect().Status(http.StatusSeeOther)
	r := htmx(postForm(second, path, secondToken, with(v2, "title", "Segunda versión"))).Expect().
		Status(http.StatusConflict)
	r.Body().Contains("Otra persona cambió esto; recarga para ver la versión actual").Contains("Segunda versión")
	postForm(second, path, secondToken, with(v2, "title", "Segunda versión")).Expect().Status(http.StatusConflict)
	tdb.Get(t, &title, `SELECT title FROM objectives WHERE id = $1`, id)
	if title != "Primera versión" {
		t.Fatalf("a stale save overwrote the title: %q", title)
	}

	// htmx save: the event and the redirect
	r = htmx(postForm(boss, path, token, objectiveFields(t, id))).Expect().Status(http.StatusOK)
	r.Header("HX-Trigger").IsEqual("objectives-changed")
	r.Header("HX-Redirect").IsEqual(path)

	// roles: an empleado cannot edit; a gerente only in their area
	emp, empToken := signIn(t, f.Emp.Email)
	emp.GET(path + "/edit").Expect().Status(http.StatusForbidden)
	postForm(emp, path, empToken, objectiveFields(t, id)).Expect().Status(http.StatusForbidden)
	mgr, mgrToken := signIn(t, f.Manager.Email)
	inB := f.Objectives["Lanzar app Lambda"]
	mgr.GET("/objectives/" + inB + "/edit").Expect().Status(http.StatusForbidden).Body().Contains("en tu área")
	postForm(mgr, "/objectives/"+inB, mgrToken, objectiveFields(t, inB)).Expect().Status(http.StatusForbidden)
	postForm(mgr, path, mgrToken, with(objectiveFields(t, id), "area", f.AreaB)).
		Expect().Status(http.StatusUnprocessableEntity).Body().Contains("solo puedes asignar objetivos a tu área")
	postForm(mgr, path, mgrToken, with(objectiveFields(t, id), "title", "Editado por gerente")).
		Expect().Status(http.StatusSeeOther)

	// the detail page offers only what the member may do
	emp.GET(path).Expect().Body().NotContains(`href="` + path + `/edit"`).NotContains(path + `/delete"`)
	mgr.GET(path).Expect().Body().Contains(`href="` + path + `/edit"`).NotContains(path + `/delete"`)
	boss.GET(path).Expect().Body().Contains(`href="` + path + `/edit"`).Contains(path + `/delete"`)

	// another organisation's objective is not found, and is not changed
	foreign := other.Objectives["Vender más Mu"]
	boss.GET("/objectives/" + foreign + "/edit").Expect().Status(http.StatusNotFound)
	postForm(boss, "/objectives/"+foreign, token, with(objectiveFields(t, foreign), "title", "Robado")).
		Expect().Status(http.StatusNotFound)
	tdb.Get(t, &title, `SELECT title FROM objectives WHERE id = $1`, foreign)
	if title != "Vender más Mu" {
		t.Fatalf("another organisation's objective changed: %q", title)
	}
}

func TestArchiveAndRestoreObjective(t *testing.T) {
	f := newOrgFixture(t, "Nu")
	id := f.Objectives["Vender más Nu"]
	kr := tdb.NewKeyResult(t, f.Org, id, testpg.KeyResult{Title: "Clientes Nu", Target: 10, Current: 5})
	var initiative string
	tdb.Get(t, &initiative, `INSERT INTO initiatives (org_id, objective_id, title, start_date, end_date)
		VALUES ($1, $2, 'Campaña Nu', current_date, current_date + 30) RETURNING id`, f.Org.ID, id)
	boss, token := signIn(t, f.Boss.Email)
	before := stats(boss.GET("/fragments/objectives/stats").Expect().Status(http.StatusOK).Body().Raw())

	emp, empToken := signIn(t, f.Emp.Email)
	emp.POST("/objectives/"+id+"/archive").WithFormField("_csrf", empToken).Expect().Status(http.StatusForbidden)

	progress := objectiveProgress(t, id)
	boss.POST("/objectives/"+id+"/archive").WithFormField("_csrf", token).Expect().Status(http.StatusSeeOther)
	if p := objectiveProgress(t, id); p != progress || p != 50 {
		t.Fatalf("archiving changed the objective's progress from %d to %d", progress, p)
	}
	table := boss.GET("/fragments/objectives/table").Expect().Status(http.StatusOK).Body().Raw()
	if strings.Contains(table, id) {
		t.Fatal("an archived objective is still listed")
	}
	after := stats(boss.GET("/fragments/objectives/stats").Expect().Body().Raw())
	if want := mustAtoi(t, before["total"]) - 1; mustAtoi(t, after["total"]) != want {
		t.Fatalf("total after archiving = %s, want %d", after["total"], want)
	}
	var archivedKR, archivedInitiative bool
	tdb.Get(t, &archivedKR, `SELECT archived_at IS NOT NULL FROM key_results WHERE id = $1`, kr)
	tdb.Get(t, &archivedInitiative, `SELECT archived_at IS NOT NULL FROM initiatives WHERE id = $1`, initiative)
	if !archivedKR || !archivedInitiative {
		t.Fatalf("children not archived with the objective: kr %v initiative %v", archivedKR, archivedInitiative)
	}
	page := boss.GET("/objectives/" + id).Expect().Status(http.StatusOK).Body()
	page.Contains("Este objetivo está archivado").Contains("/objectives/" + id + "/restore")
	boss.GET("/objectives/" + id + "/edit").Expect().Status(http.StatusConflict).Body().Contains("restáuralo")

	r := htmx(boss.POST("/objectives/"+id+"/restore")).WithHeader("X-CSRF-Token", token).Expect().Status(http.StatusOK)
	r.Header("HX-Trigger").IsEqual("objectives-changed")
	if got := stats(boss.GET("/fragments/objectives/stats").Expect().Body().Raw()); got["total"] != before["total"] {
		t.Fatalf("total after restoring = %s, want %s", got["total"], before["total"])
	}
	tdb.Get(t, &archivedKR, `SELECT archived_at IS NOT NULL FROM key_results WHERE id = $1`, kr)
	if archivedKR {
		t.Fatal("restoring the objective did not restore its key result")
	}
	boss.GET("/fragments/objectives/table").Expect().Body().Contains(id)
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.ReplaceAll(s, ".", ""))
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}

func TestDeleteObjective(t *testing.T) {
	f := newOrgFixture(t, "Xi")
	other := newOrgFixture(t, "Omicron")
	id := f.Objectives["Vender más Xi"]
	kr := tdb.NewKeyResult(t, f.Org, id, testpg.KeyResult{Title: "Clientes Xi", Target: 10})
	tdb.Exec(t, `INSERT INTO check_ins (org_id, key_result_id, value) VALUES ($1, $2, 3), ($1, $2, 4)`, f.Org.ID, kr)
	var initiative string
	tdb.Get(t, &initiative, `INSERT INTO initiatives (org_id, objective_id, title, start_date, end_date)
		VALUES ($1, $2, 'Campaña Xi', current_date, current_date + 30) RETURNING id`, f.Org.ID, id)
	tdb.Exec(t, `INSERT INTO activities (org_id, initiative_id, title, due_date) VALUES ($1, $2, 'Llamar', current_date)`,
		f.Org.ID, initiative)
	child := tdb.NewObjective(t, f.Org, testpg.Objective{Title: "Alineado Xi", Parent: id})
	path := "/objectives/" + id + "/delete"

	mgr, mgrToken := signIn(t, f.Manager.Email)
	mgr.GET(path).Expect().Status(http.StatusForbidden).Body().Contains("Solo un corporativo puede borrar")
	mgr.POST(path).WithFormField("_csrf", mgrToken).Expect().Status(http.StatusForbidden)

	boss, token := signIn(t, f.Boss.Email)
	body := boss.GET(path).Expect().Status(http.StatusOK).Body()
	body.Contains(`data-count="key_results">1<`).Contains(`data-count="check_ins">2<`).
		Contains(`data-count="initiatives">1<`).Contains(`data-count="activities">1<`).Contains(`data-count="aligned">1<`)
	boss.GET("/objectives/" + other.Objectives["Vender más Omicron"] + "/delete").Expect().Status(http.StatusNotFound)
	boss.POST("/objectives/"+other.Objectives["Vender más Omicron"]+"/delete").WithFormField("_csrf", token).
		Expect().Status(http.StatusNotFound)

	boss.POST(path).WithFormField("_csrf", token).Expect().Status(http.StatusSeeOther).Header("Location").IsEqual("/objectives")
	boss.GET("/objectives/" + id).Expect().Status(http.StatusNotFound)
	for table, want := range map[string]int{"key_results": 0, "check_ins": 0, "initiatives": 0, "activities": 0} {
		if n := countRows(t, table, f.Org.ID); n != want {
			t.Errorf("%s left: %d", table, n)
		}
	}
	var parent *string
	tdb.Get(t, &parent, `SELECT parent_id FROM objectives WHERE id = $1`, child)
	if parent != nil {
		t.Fatalf("the aligned objective kept a deleted parent")
	}
	if n := countRows(t, "objectives", other.Org.ID); n != len(other.Objectives) {
		t.Fatalf("the other organisation lost objectives: %d", n)
	}
	boss.GET("/objectives/" + child).Expect().Status(http.StatusOK).Body().NotContains("<dt>Alineado con</dt>").
		Contains("(ya no existe)").NotContains(id)
}
