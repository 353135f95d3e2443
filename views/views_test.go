package views

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestDateES(t *testing.T) {
	for in, want := range map[string]string{"2026-11-27": "27 nov 2026", "2027-01-05": "5 ene 2027", "2026-09-30": "30 sept 2026"} {
		d, _ := time.Parse(time.DateOnly, in)
		if got := DateES(d); got != want {
			t.Errorf("DateES(%s) = %q, want %q", in, got, want)
		}
	}
	if DateES(time.Time{}) != "" {
		t.Error("the zero date is not empty")
	}
}

func TestNumberES(t *testing.T) {
	for in, want := range map[string]string{"1234567.50": "1.234.567,5", "0.00": "0", "-1500": "-1.500", "12.25": "12,25", "999": "999"} {
		if got := NumberES(in); got != want {
			t.Errorf("NumberES(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestTemplatesParseAndFragmentsStandAlone(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := v.Fragment(&b, "partials/flash", struct{ Kind, Message string }{"error", "<b>hola</b>"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "&lt;b&gt;hola&lt;/b&gt;") {
		t.Fatalf("not escaped: %s", b.String())
	}
	if !v.Rendered("partials/flash") || v.Rendered("errors/page") {
		t.Fatal("rendered bookkeeping is wrong")
	}
	if len(v.Defined()) < 8 {
		t.Fatalf("only %d defines", len(v.Defined()))
	}
}

func TestLabels(t *testing.T) {
	if Label("objective", "in_progress") != "En progreso" || Label("role", "gerente") != "Gerente" || Label("x", "y") != "y" {
		t.Fatal("labels")
	}
}

func TestObjectiveRowsEscapeEverything(t *testing.T) {
	hostile := `"><script>alert(1)</script><a x='`
	out := string(ObjectiveRowsHTML([]ObjectiveRow{{
		ID: "0f0f0f0f-0000-4000-8000-000000000000", Title: hostile, Status: `draft" onmouseover="x`, OwnerName: hostile,
		AreaName: hostile, AreaColor: `#fff" onload="x`, Progress: 140, High: true, Overdue: true,
		StatusLabel: hostile, EndISO: hostile, EndLabel: hostile,
	}, {ID: "1f0f0f0f-0000-4000-8000-000000000000", Title: "Sin datos", Progress: -5}}))
	for _, bad := range []string{"<script", `" onmouseover`, `" onload`, "<a x="} {
		if strings.Contains(out, bad) {
			t.Fatalf("unescaped %q in:\n%s", bad, out)
		}
	}
	for _, want := range []string{
		`<tr data-id="0f0f0f0f-0000-4000-8000-000000000000">`, `&lt;script&gt;`, `value="100"`, `aria-label="Progreso 140%"`,
		`class="badge priority-high"`, `class="nowrap overdue"`, `class="badge danger">Vencido`,
		`<tr data-id="1f0f0f0f-0000-4000-8000-000000000000">`, `value="0"`, `Sin asignar`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("rows lack %q:\n%s", want, out)
		}
	}
}
