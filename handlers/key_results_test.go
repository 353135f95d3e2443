package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"rumbo/internal/testpg"
)

func TestParseDecimal(t *testing.T) {
	for in, want := range map[string]string{
		"12": "12.00", "12.5": "12.50", "12,5": "12.50", "1.234,56": "1234.56", "1.234.567": "1234567.00",
		" 7 ": "7.00", "-3": "-3.00", "0": "0.00", "99999999999999.99": "99999999999999.99",
	} {
		if got, ok := parseDecimal(in); !ok || got != want {
			t.Errorf("parseDecimal(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	// not numbers, exponents, more than two decimals (numeric(16, 2) would
	// round them) and values beyond numeric(16, 2)
	for _, in := range []string{"", "abc", "1e5", "1.234", "1,001", "12.345", "100000000000000", "NaN", "Inf"} {
		if got, ok := parseDecimal(in); ok {
			t.Errorf("parseDecimal(%q) = %q, accepted", in, got)
		}
	}
	if plainNumber("1500000.50") != "1500000.5" || plainNumber("12.00") != "12" || plainNumber("0.00") != "0" {
		t.Error("plainNumber")
	}
}

// krFields is a valid key result form.
func krFields() map[string]string {
	return map[string]string{"title": "Cerrar clientes nuevos", "kind": "number", "direction": "increase",
		"start_value": "0", "target_value": "40", "current_value": "10", "unit": "clientes", "weight": "1"}
}

func objectiveProgress(t *testing.T, id string) int {
	t.Helper()
	var p int
	tdb.Get(t, &p, `SELECT progress FROM objectives WHERE id = $1`, id)
	return p
}

func TestKeyResultForms(t *testing.T) {
	f := newOrgFixture(t, "Pi")
	other := newOrgFixture(t, "Rho")
	id := f.Objectives["Vender más Pi"]
	boss, token := signIn(t, f.Boss.Email)
	newPath, createPath := "/objectives/"+id+"/key-results/new", "/objectives/"+id+"/key-results"
	boss.GET(newPath).Expect().Status(http.StatusOK).Body().Contains("Nuevo resultado clave").Contains("Vender más Pi")

	valid := krFields()
	for _, tc := range []struct {
		fields map[string]string
		msg    string
	}{
		{with(valid, "title", " "), "Escribe qué se va a medir."},
		{with(valid, "kind", "ratio"), "Elige un tipo"},
		{with(valid, "direction", "sideways"), "aumentar o reducir"},
		{with(valid, "target_value", ""), "La meta es un número"},
		{with(valid, "target_value", "diez"), "La meta es un número"},
		{with(valid, "start_value", "1,234"), "El valor inicial es un número con hasta dos decimales"},
		{with(valid, "target_value", "-5"), "Para aumentar, la meta no puede ser menor"},
		{with(valid, "direction", "decrease"), "Para reducir, la meta no puede ser mayor"},
		{with(valid, "kind", "percent", "target_value", "120"), "Un porcentaje va de 0 a 100."},
		{with(valid, "kind", "milestone", "target_value", "2.5"), "Los hitos se cuentan con números enteros"},
		{with(valid, "kind", "currency", "unit", ""), "Indica la moneda"},
		{with(valid, "unit", strings.Repeat("u", 21)), "hasta 20 caracteres"},
		{with(valid, "weight", "0"), "El peso es un número mayor que 0"},
		{with(valid, "weight", "x"), "El peso es un número mayor que 0"},
		{with(valid, "owner", other.Boss.ID), "Ese responsable no existe en tu organización"},
		{with(valid, "owner", "nadie"), "Ese responsable no existe en tu organización"},
	} {
		postForm(boss, createPath, token, tc.fields).Expect().Status(http.StatusUnprocessableEntity).Body().
			Contains(tc.msg).Contains("<html")
		htmx(postForm(boss, createPath, token, tc.fields)).Expect().Status(http.StatusUnprocessableEntity).Body().
			Contains(tc.msg).Contains(`id="key-result-form"`).NotContains("<html")
	}
	if n := countRows(t, "key_results", f.Org.ID); n != 0 {
		t.Fatalf("rejected forms wrote %d key results", n)
	}

	// progress arithmetic through the forms: weighted mean, decreasing
	// targets, start = target, yes/no
	r := htmx(postForm(boss, createPath, token, with(valid, "owner", f.Emp.ID))).Expect().Status(http.StatusOK)
	r.Header("HX-Redirect").IsEqual("/objectives/" + id)
	r.Header("HX-Trigger").IsEqual("objectives-changed")
	if p := objectiveProgress(t, id); p != 25 { // 10 of 40
		t.Fatalf("progress with one key result = %d, want 25", p)
	}
	postForm(boss, createPath, token, with(valid, "title", "Reducir reclamaciones", "direction", "decrease",
		"start_value", "48", "target_value", "12", "current_value", "30", "weight", "3")).
		Expect().Status(http.StatusSeeOther).Header("Location").IsEqual("/objectives/" + id)
	if p := objectiveProgress(t, id); p != 44 { // (25×1 + 50×3) / 4 = 43.75
		t.Fatalf("weighted progress = %d, want 44", p)
	}
	postForm(boss, createPath, token, with(valid, "title", "Política publicada", "kind", "boolean",
		"current_value", "1", "target_value", "ignorado")).Expect().Status(http.StatusSeeOther)
	postForm(boss, createPath, token, with(valid, "title", "Mantener cero incidentes", "direction", "decrease",
		"start_value", "0", "target_value", "0", "current_value", "0", "unit", "incidentes")).
		Expect().Status(http.StatusSeeOther)
	var krs []struct {
		Title    string
		Progress int
		Start    string
		Target   string
	}
	tdb.Select(t, &krs, `SELECT title, progress, start_value::text AS start, target_value::text AS target
		FROM key_results WHERE objective_id = $1 ORDER BY position`, id)
	want := map[string]int{"Cerrar clientes nuevos": 25, "Reducir reclamaciones": 50, "Política publicada": 100,
		"Mantener cero incidentes": 100}
	for _, k := range krs {
		if want[k.Title] != k.Progress {
			t.Errorf("%s: progress %d, want %d", k.Title, k.Progress, want[k.Title])
		}
		if k.Title == "Política publicada" && (k.Start != "0.00" || k.Target != "1.00") {
			t.Errorf("yes/no stored as %s → %s", k.Start, k.Target)
		}
	}
	// (25 + 50×3 + 100 + 100) / 6 = 62.5 → 63
	if p := objectiveProgress(t, id); p != 63 {
		t.Fatalf("objective progress = %d, want 63", p)
	}
	page := boss.GET("/objectives/" + id).Expect().Status(http.StatusOK).Body()
	page.Contains(`data-stat="progress">63<`).Contains("pesos que suman 6").Contains("Reducir reclamaciones").
		Contains("50 %").Contains("Cuenta")

	// edit with the version; a stale one gets 409
	var krID string
	var version int
	tdb.Get(t, &krID, `SELECT id FROM key_results WHERE objective_id = $1 AND title = 'Cerrar clientes nuevos'`, id)
	tdb.Get(t, &version, `SELECT version FROM key_results WHERE id = $1`, krID)
	editPath := "/key-results/" + krID
	boss.GET(editPath + "/edit").Expect().Status(http.StatusOK).Body().Contains(`value="40"`).Contains(`name="version"`)
	v := strconv.Itoa(version)
	postForm(boss, editPath, token, with(valid, "version", v, "target_value", "20")).Expect().Status(http.StatusSeeOther)
	postForm(boss, editPath, token, with(valid, "version", v, "target_value", "80")).Expect().
		Status(http.StatusConflict).Body().Contains("Otra persona cambió esto")
	var target string
	tdb.Get(t, &target, `SELECT target_value::text FROM key_results WHERE id = $1`, krID)
	if target != "20.00" {
		t.Fatalf("target after a stale save = %s", target)
	}
	postForm(boss, editPath, token, with(valid, "version", strconv.Itoa(version+1), "target_value", "-1")).
		Expect().Status(http.StatusUnprocessableEntity).Body().Contains("Para aumentar")
	boss.GET(editPath).Expect().Status(http.StatusOK).Body().Contains("Historial de cambios").Contains("Meta").
		Contains("Jefa Pi")

	// archive leaves the objective's progress; restore brings it back
	before := objectiveProgress(t, id)
	boss.POST(editPath+"/archive").WithFormField("_csrf", token).Expect().Status(http.StatusSeeOther)
	if p := objectiveProgress(t, id); p == before {
		t.Fatalf("archiving a key result did not change the objective's progress (%d)", p)
	}
	boss.GET("/objectives/" + id).Expect().Body().Contains("Resultados clave archivados (1)")
	boss.GET(editPath + "/edit").Expect().Status(http.StatusConflict)
	boss.POST(editPath+"/restore").WithFormField("_csrf", token).Expect().Status(http.StatusSeeOther)
	if p := objectiveProgress(t, id); p != before {
		t.Fatalf("progress after restoring = %d, want %d", p, before)
	}

	// roles: a gerente only in their area, an empleado never
	emp, empToken := signIn(t, f.Emp.Email)
	emp.GET(newPath).Expect().Status(http.StatusForbidden)
	postForm(emp, createPath, empToken, valid).Expect().Status(http.StatusForbidden)
	postForm(emp, editPath+"/archive", empToken, nil).Expect().Status(http.StatusForbidden)
	mgr, mgrToken := signIn(t, f.Manager.Email)
	inB := f.Objectives["Lanzar app Pi"]
	postForm(mgr, "/objectives/"+inB+"/key-results", mgrToken, valid).Expect().Status(http.StatusForbidden)
	postForm(mgr, createPath, mgrToken, with(valid, "title", "Del gerente")).Expect().Status(http.StatusSeeOther)

	// another organisation's objective or key result: 404, nothing written
	foreign := other.Objectives["Vender más Rho"]
	foreignKR := tdb.NewKeyResult(t, other.Org, foreign, testpg.KeyResult{Title: "Ajeno", Target: 5})
	boss.GET("/objectives/" + foreign + "/key-results/new").Expect().Status(http.StatusNotFound)
	postForm(boss, "/objectives/"+foreign+"/key-results", token, valid).Expect().Status(http.StatusNotFound)
	postForm(boss, "/key-results/"+foreignKR, token, with(valid, "version", "1")).Expect().Status(http.StatusNotFound)
	postForm(boss, "/key-results/"+foreignKR+"/archive", token, nil).Expect().Status(http.StatusNotFound)
	if n := countRows(t, "key_results", other.Org.ID); n != 1 {
		t.Fatalf("the other organisation has %d key results", n)
	}
}

func TestCheckIns(t *testing.T) {
	f := newOrgFixture(t, "Sigma")
	other := newOrgFixture(t, "Tau")
	id := f.Objectives["Vender más Sigma"] // area A
	kr := tdb.NewKeyResult(t, f.Org, id, testpg.KeyResult{Title: "Clientes Sigma", Target: 40, Current: 10})
	tdb.Exec(t, `UPDATE key_results SET owner_id = $2, unit = 'clientes' WHERE id = $1`, kr, f.Emp.ID)
	notMine := tdb.NewKeyResult(t, f.Org, id, testpg.KeyResult{Title: "Sin dueño Sigma", Target: 10})
	inB := tdb.NewKeyResult(t, f.Org, f.Objectives["Lanzar app Sigma"], testpg.KeyResult{Title: "Área B", Target: 10})
	yesNo := tdb.NewKeyResult(t, f.Org, id, testpg.KeyResult{Title: "¿Firmado?", Kind: "boolean", Target: 1})
	path := "/key-results/" + kr + "/check-ins"

	emp, empToken := signIn(t, f.Emp.Email)
	page := emp.GET("/key-results/" + kr).Expect().Status(http.StatusOK).Body()
	page.Contains("Registrar avance").Contains(`id="check-in-form"`).Contains(`value="10"`)
	emp.GET("/objectives/" + id).Expect().Body().Contains(`href="/key-results/` + kr + `#registrar"`).
		NotContains(`href="/key-results/` + notMine + `#registrar"`)

	for _, tc := range []struct {
		fields map[string]string
		msg    string
	}{
		{map[string]string{"value": ""}, "Indica el valor"},
		{map[string]string{"value": "mucho"}, "Indica el valor"},
		{map[string]string{"value": "12", "confidence": "11"}, "La confianza es un número entero de 0 a 10."},
		{map[string]string{"value": "12", "confidence": "alta"}, "La confianza es un número entero de 0 a 10."},
		{map[string]string{"value": "12", "note": strings.Repeat("n", 2001)}, "hasta 2.000 caracteres"},
	} {
		postForm(emp, path, empToken, tc.fields).Expect().Status(http.StatusUnprocessableEntity).Body().Contains(tc.msg)
		htmx(postForm(emp, path, empToken, tc.fields)).Expect().Status(http.StatusUnprocessableEntity).Body().
			Contains(tc.msg).Contains(`id="check-in-form"`).NotContains("<html")
	}
	postForm(emp, "/key-results/"+yesNo+"/check-ins", empToken, map[string]string{"value": "2"}).
		Expect().Status(http.StatusForbidden) // not the owner
	if n := countRows(t, "check_ins", f.Org.ID); n != 0 {
		t.Fatalf("refused check-ins wrote %d rows", n)
	}

	// the owner checks in: the value, the history, the progress
	postForm(emp, path, empToken, map[string]string{"value": "30", "confidence": "7", "note": "Buen mes"}).
		Expect().Status(http.StatusSeeOther).Header("Location").IsEqual("/key-results/" + kr)
	r := htmx(postForm(emp, path, empToken, map[string]string{"value": "20,5"})).Expect().Status(http.StatusOK)
	r.Header("HX-Trigger").IsEqual("objectives-changed")
	var current string
	tdb.Get(t, &current, `SELECT current_value::text FROM key_results WHERE id = $1`, kr)
	if current != "20.50" {
		t.Fatalf("current value after check-ins = %s", current)
	}
	page = emp.GET("/key-results/" + kr).Expect().Status(http.StatusOK).Body()
	page.Contains("Historial de avances").Contains("Buen mes").Contains("Confianza 7/10").Contains("20,5 clientes").
		Contains("30 clientes").Contains("Empleado Sigma")
	if strings.Index(page.Raw(), "20,5 clientes") > strings.Index(page.Raw(), "30 clientes") {
		t.Error("check-ins are not newest first")
	}
	emp.GET("/objectives/" + id).Expect().Body().Contains("Avances recientes (2)").Contains("Buen mes")

	// the rule: empleado only their own; gerente their area; corporativo any
	postForm(emp, "/key-results/"+notMine+"/check-ins", empToken, map[string]string{"value": "1"}).
		Expect().Status(http.StatusForbidden).Body().Contains("Solo quien es responsable")
	mgr, mgrToken := signIn(t, f.Manager.Email)
	postForm(mgr, "/key-results/"+notMine+"/check-ins", mgrToken, map[string]string{"value": "1"}).
		Expect().Status(http.StatusSeeOther)
	postForm(mgr, "/key-results/"+inB+"/check-ins", mgrToken, map[string]string{"value": "1"}).
		Expect().Status(http.StatusForbidden).Body().Contains("en tu área")
	boss, bossToken := signIn(t, f.Boss.Email)
	postForm(boss, "/key-results/"+inB+"/check-ins", bossToken, map[string]string{"value": "5"}).
		Expect().Status(http.StatusSeeOther)
	postForm(boss, "/key-results/"+yesNo+"/check-ins", bossToken, map[string]string{"value": "2"}).
		Expect().Status(http.StatusUnprocessableEntity).Body().Contains("Elige Sí o No.")
	postForm(boss, "/key-results/"+yesNo+"/check-ins", bossToken, map[string]string{"value": "1"}).
		Expect().Status(http.StatusSeeOther)
	var yesProgress int
	tdb.Get(t, &yesProgress, `SELECT progress FROM key_results WHERE id = $1`, yesNo)
	if yesProgress != 100 {
		t.Fatalf("a yes/no key result checked in as yes: %d %%", yesProgress)
	}

	// archived: 409, nothing written
	before := countRows(t, "check_ins", f.Org.ID)
	postForm(boss, "/key-results/"+kr+"/archive", bossToken, nil).Expect().Status(http.StatusSeeOther)
	postForm(emp, path, empToken, map[string]string{"value": "35"}).Expect().Status(http.StatusConflict).
		Body().Contains("está archivado")
	if n := countRows(t, "check_ins", f.Org.ID); n != before {
		t.Fatal("a check-in on an archived key result was written")
	}

	// another organisation: 404 for its key results, nothing written there
	foreignKR := tdb.NewKeyResult(t, other.Org, other.Objectives["Vender más Tau"], testpg.KeyResult{Title: "Ajeno", Target: 5})
	boss.GET("/key-results/" + foreignKR).Expect().Status(http.StatusNotFound)
	postForm(boss, "/key-results/"+foreignKR+"/check-ins", bossToken, map[string]string{"value": "5"}).
		Expect().Status(http.StatusNotFound)
	if n := countRows(t, "check_ins", other.Org.ID); n != 0 {
		t.Fatal("a check-in landed in the other organisation")
	}
}
