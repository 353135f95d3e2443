package views

import (
	"strings"
	"testing"
)

func TestInitiativeRowsEscapeEverything(t *testing.T) {
	hostile := `"><script>alert(1)</script><a x='`
	out := string(InitiativeRowsHTML([]InitiativeRow{{
		ID: "0f0f0f0f-0000-4000-8000-000000000000", Title: hostile, ObjectiveID: `x" onclick="y`,
		ObjectiveTitle: hostile, OwnerName: hostile, Status: `planning" onmouseover="x`, StatusLabel: hostile,
		Progress: 140, StartISO: hostile, StartLabel: hostile, EndISO: `2026-01-01" onfocus="x`, EndLabel: hostile,
		Overdue: true,
	}, {ID: "1f0f0f0f-0000-4000-8000-000000000000", Title: "Sin datos", Progress: -5, Status: "completed"}}))
	for _, bad := range []string{"<script", `" onmouseover`, `" onclick`, `" onfocus`, "<a x="} {
		if strings.Contains(out, bad) {
			t.Fatalf("unescaped %q in:\n%s", bad, out)
		}
	}
	for _, want := range []string{
		`<tr data-id="0f0f0f0f-0000-4000-8000-000000000000">`, `href="/initiatives/0f0f0f0f-0000-4000-8000-000000000000"`,
		`href="/objectives/x&#34; onclick=&#34;y"`, `&lt;script&gt;`, `value="100"`, `aria-label="Progreso 140%"`,
		`class="nowrap overdue"`, `class="badge danger">Vencida`,
		`<tr data-id="1f0f0f0f-0000-4000-8000-000000000000">`, `value="0"`, `Sin asignar`, `class="badge status-completed"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("rows lack %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "<tr ") != 2 || strings.Count(out, "</tr>") != 2 || strings.Count(out, "Vencida") != 1 {
		t.Errorf("want two rows, one overdue:\n%s", out)
	}
}
