package views

import (
	"strings"
	"testing"
)

func TestActivityRowsEscapeEverything(t *testing.T) {
	hostile := `"><script>alert(1)</script><a x='`
	out := string(ActivityRowsHTML([]ActivityRow{{
		ID: "0f0f0f0f-0000-4000-8000-000000000000", Title: hostile, Status: `todo" onmouseover="x`,
		Priority: `high" onfocus="x`, InitiativeID: `1" onclick="x`, InitiativeTitle: hostile,
		ObjectiveID: `2" onclick="x`, ObjectiveTitle: hostile, AssigneeName: hostile,
		DueISO: hostile, DueLabel: hostile, CompletedISO: hostile, CompletedLabel: hostile,
		Overdue: true, Version: 7, CanEdit: true, CanReassign: true,
	}, {
		ID: "1f0f0f0f-0000-4000-8000-000000000000", Title: "Sin datos", Status: "completed", Priority: "low",
		InitiativeID: "2f0f0f0f-0000-4000-8000-000000000000", InitiativeTitle: "Iniciativa",
		ObjectiveID: "3f0f0f0f-0000-4000-8000-000000000000", ObjectiveTitle: "Objetivo",
	}}, `tok"en<`))
	for _, bad := range []string{"<script", `" onmouseover`, `" onfocus`, `" onclick`, "<a x=", `tok"en<`} {
		if strings.Contains(out, bad) {
			t.Fatalf("unescaped %q in:\n%s", bad, out)
		}
	}
	for _, want := range []string{
		`<tr data-id="0f0f0f0f-0000-4000-8000-000000000000">`, `&lt;script&gt;`, `class="act-due overdue"`,
		`class="badge danger">Vencida`, `name="version" value="7"`, `value="tok&#34;en&lt;"`,
		`hx-post="/activities/0f0f0f0f-0000-4000-8000-000000000000/status"`, `hx-target="closest tr"`,
		`hx-get="/fragments/activities/0f0f0f0f-0000-4000-8000-000000000000/assignee"`,
		`<option value="todo">Pendiente</option>`, `Completada el`,
		// the second row: read-only badges, no date, nobody assigned
		`<tr data-id="1f0f0f0f-0000-4000-8000-000000000000">`, `<span class="badge status-completed">Completada</span>`,
		`<span class="badge priority-low">Baja</span>`, `Sin fecha`, `Sin asignar`, `title-cell act-completed`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("rows lack %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "<form"); n != 1 {
		t.Errorf("%d inline forms, want 1 (the read-only row has none)", n)
	}
	if strings.Count(out, "Cambiar</a>") != 1 {
		t.Error("only the first row may be reassigned")
	}
}

func TestActivityRowsSelectTheCurrentStatus(t *testing.T) {
	out := string(ActivityRowsHTML([]ActivityRow{{ID: "0f0f0f0f-0000-4000-8000-000000000000", Title: "x",
		Status: "in_progress", Priority: "medium", CanEdit: true}}, "t"))
	if !strings.Contains(out, `<option value="in_progress" selected>En progreso</option>`) ||
		strings.Count(out, " selected") != 1 {
		t.Fatalf("the current status is not the one selected:\n%s", out)
	}
}
