package views

import (
	"html"
	"html/template"
	"strconv"
	"strings"
)

// ActivityStatuses are the activity statuses in the order pickers show them.
var ActivityStatuses = []string{"todo", "in_progress", "completed", "cancelled"}

// ActivityRow is what one row of the activities table shows, and what the
// viewer may change in it.
type ActivityRow struct {
	ID, Title, Status, Priority   string
	InitiativeID, InitiativeTitle string
	ObjectiveID, ObjectiveTitle   string
	AssigneeName                  string
	DueISO, DueLabel              string // empty: no due date
	CompletedISO, CompletedLabel  string // empty: not completed
	Overdue                       bool
	Version                       int
	CanEdit, CanReassign          bool
}

// ActivityRowsHTML writes the activities table's rows by hand, for the
// reason ObjectiveRowsHTML gives: this is the hottest fragment (250,000
// activities in the benchmark organisation) and html/template's reflective
// escapers cost more than its SQL. Every interpolated value goes through
// html.EscapeString; activity_rows_test.go checks hostile values come out
// inert. csrf is the session's token, for the inline forms to work without
// JavaScript (htmx sends it as a header too).
//
// A row the viewer may edit carries a status <select> that htmx posts on
// change (its submit button is for browsers without JavaScript and hidden
// by the stylesheet when scripting is on) and, if they may reassign it, a
// "Cambiar" link that loads the assignee picker into the cell (the edit
// page without JavaScript): a picker of every member in each of 25 rows
// would outweigh the table.
func ActivityRowsHTML(rows []ActivityRow, csrf string) template.HTML {
	var b strings.Builder
	b.Grow(len(rows) * 1400)
	e := func(s string) { b.WriteString(html.EscapeString(s)) }
	for _, r := range rows {
		b.WriteString(`<tr data-id="`)
		e(r.ID)
		b.WriteString(`"><td class="title-cell act-`)
		e(r.Status)
		b.WriteString(`"><a href="/activities/`)
		e(r.ID)
		b.WriteString(`">`)
		e(r.Title)
		b.WriteString(`</a></td><td class="act-parent"><a href="/initiatives/`)
		e(r.InitiativeID)
		b.WriteString(`">`)
		e(r.InitiativeTitle)
		b.WriteString(`</a><small><a href="/objectives/`)
		e(r.ObjectiveID)
		b.WriteString(`">`)
		e(r.ObjectiveTitle)
		b.WriteString(`</a></small></td><td class="act-assignee">`)
		if r.AssigneeName != "" {
			e(r.AssigneeName)
		} else {
			b.WriteString(`<span class="muted">Sin asignar</span>`)
		}
		if r.CanReassign {
			b.WriteString(` <a class="inline-edit" href="/activities/`)
			e(r.ID)
			b.WriteString(`/edit" hx-get="/fragments/activities/`)
			e(r.ID)
			b.WriteString(`/assignee" hx-target="closest td" hx-swap="innerHTML" aria-label="Cambiar la persona asignada a «`)
			e(r.Title)
			b.WriteString(`»">Cambiar</a>`)
		}
		b.WriteString(`</td><td><span class="badge priority-`)
		e(r.Priority)
		b.WriteString(`">`)
		e(Label("priority", r.Priority))
		b.WriteString(`</span></td><td class="act-due`)
		if r.Overdue {
			b.WriteString(` overdue`)
		}
		b.WriteString(`">`)
		if r.DueISO != "" {
			b.WriteString(`<time datetime="`)
			e(r.DueISO)
			b.WriteString(`">`)
			e(r.DueLabel)
			b.WriteString(`</time>`)
		} else {
			b.WriteString(`<span class="muted">Sin fecha</span>`)
		}
		if r.Overdue {
			b.WriteString(` <span class="badge danger">Vencida</span>`)
		}
		if r.CompletedISO != "" {
			b.WriteString(`<small class="done-on">Completada el <time datetime="`)
			e(r.CompletedISO)
			b.WriteString(`">`)
			e(r.CompletedLabel)
			b.WriteString(`</time></small>`)
		}
		b.WriteString(`</td><td class="act-status">`)
		if r.CanEdit {
			writeStatusForm(&b, r, csrf)
		} else {
			b.WriteString(`<span class="badge status-`)
			e(r.Status)
			b.WriteString(`">`)
			e(Label("activity", r.Status))
			b.WriteString(`</span>`)
		}
		b.WriteString("</td></tr>\n")
	}
	return template.HTML(b.String()) //nolint:gosec // every value above is escaped
}

// writeStatusForm is a row's inline status change: htmx posts it on change
// and swaps the row it gets back; without JavaScript the button submits it
// and the server redirects back to the list.
func writeStatusForm(b *strings.Builder, r ActivityRow, csrf string) {
	e := func(s string) { b.WriteString(html.EscapeString(s)) }
	b.WriteString(`<form class="inline-form" method="post" action="/activities/`)
	e(r.ID)
	b.WriteString(`/status" hx-post="/activities/`)
	e(r.ID)
	b.WriteString(`/status" hx-trigger="change" hx-target="closest tr" hx-swap="outerHTML" hx-indicator="closest tr"><input type="hidden" name="_csrf" value="`)
	e(csrf)
	b.WriteString(`"><input type="hidden" name="version" value="`)
	b.WriteString(strconv.Itoa(r.Version))
	b.WriteString(`"><select name="status" class="status-select status-`)
	e(r.Status)
	b.WriteString(`" aria-label="Estado de «`)
	e(r.Title)
	b.WriteString(`»">`)
	for _, st := range ActivityStatuses {
		b.WriteString(`<option value="`)
		b.WriteString(st)
		b.WriteString(`"`)
		if st == r.Status {
			b.WriteString(` selected`)
		}
		b.WriteString(`>`)
		b.WriteString(Labels["activity"][st])
		b.WriteString(`</option>`)
	}
	b.WriteString(`</select><button type="submit" class="button secondary small no-js-only">Guardar</button></form>`)
}
