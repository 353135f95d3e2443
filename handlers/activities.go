package handlers

import (
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/lib/pq"

	"rumbo/queries"
	"rumbo/views"
)

// Activities: the list page (stats, filters and a table whose rows change
// status and assignee inline), the detail page, the create and edit forms,
// archive and restore, and permanent deletion.
//
// Who may do what (docs/security.md, actActivityEdit and actActivityDelete):
//   - everyone reads every activity of the organisation;
//   - a corporativo edits any activity; a gerente those of their area (the
//     area the activity inherits from its objective); an empleado only the
//     activities assigned to them, and of those only the status, the hours
//     and the description — they cannot reassign them;
//   - a corporativo creates activities anywhere; a gerente in initiatives of
//     their area; an empleado too, in initiatives of their area, always
//     assigned to themselves;
//   - only a corporativo deletes for good.

var activityStatuses = views.ActivityStatuses

// activityPriorityKey sorts by priority (high first) and, within one
// priority, by due date with undated activities last: both packed into one
// bigint so the keyset stays (key, id). A due date is at most a few
// thousand years from 2000, far inside the 10,000,000-day band.
const activityPriorityKey = `(CASE a.priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END)::bigint * 10000000` +
	` + coalesce(a.due_date - DATE '2000-01-01', 9999999)`

var activitySorts = []sortSpec{
	// Undated activities sort after every date: a NULL cannot take part in
	// a keyset comparison, 'infinity' can (and an expression index serves it).
	{Name: "due_date", Key: "coalesce(a.due_date, 'infinity'::date)", Type: "date", Label: "Vencimiento"},
	{Name: "priority", Key: activityPriorityKey, Type: "bigint", Label: "Prioridad"},
	{Name: "title", Key: "lower(a.title)", Type: "text", Label: "Título"},
	{Name: "created_at", Key: "a.created_at", Type: "timestamptz", Label: "Fecha de creación"},
}

// activitySortChoices are the options of the "Ordenar por" select.
var activitySortChoices = []option{
	{Value: "due_date", Label: "Vencimiento más próximo"},
	{Value: "-due_date", Label: "Vencimiento más lejano"},
	{Value: "priority", Label: "Prioridad (alta primero)"},
	{Value: "-priority", Label: "Prioridad (baja primero)"},
	{Value: "title", Label: "Título (A–Z)"},
	{Value: "-title", Label: "Título (Z–A)"},
	{Value: "-created_at", Label: "Más recientes"},
	{Value: "created_at", Label: "Más antiguas"},
}

// activityInitiativeCap bounds the initiative pickers: the benchmark
// organisation has 50,000 initiatives, and a <select> of them all would
// outweigh the page. The chosen one is always offered.
const activityInitiativeCap = 200

var errActivityArchived = &Error{Status: fiber.StatusConflict,
	Message: "Esta actividad está archivada; restáurala para poder cambiarla."}

var errActivityOwnWork = forbidden("Como empleado solo puedes cambiar el estado, las horas y la descripción de tus actividades.")

var errActivityReassign = forbidden("Como empleado no puedes reasignar actividades; pide a tu gerente que lo haga.")

func newActivitiesListing(q *queries.Queries) (*listing, error) {
	return newListing("/activities", "/fragments/activities/table", q.ActivitiesList, activitySorts, "due_date")
}

// activityHandlers are the activities routes with their table's listing.
type activityHandlers struct {
	*Server
	list *listing
}

// activityRoutes registers the activities routes.
func (s *Server) activityRoutes(app *fiber.App) {
	list, err := newActivitiesListing(s.q)
	if err != nil {
		// The list query is embedded in the binary: a template that does
		// not expand is a build defect, which any test run reports.
		panic(err)
	}
	h := &activityHandlers{Server: s, list: list}
	app.Get("/activities", s.withTx(h.activitiesPage))
	app.Get("/activities/new", s.withTx(h.activityNew))
	app.Post("/activities", s.csrf, s.withTx(h.activityCreate))
	app.Get("/activities/:id", s.withTx(h.activityShow))
	app.Get("/activities/:id/edit", s.withTx(h.activityEdit))
	app.Post("/activities/:id", s.csrf, s.withTx(h.activityUpdate))
	app.Post("/activities/:id/status", s.csrf, s.withTx(h.activitySetStatus))
	app.Post("/activities/:id/assignee", s.csrf, s.withTx(h.activitySetAssignee))
	app.Post("/activities/:id/archive", s.csrf, s.withTx(h.activityArchive))
	app.Post("/activities/:id/restore", s.csrf, s.withTx(h.activityRestore))
	app.Get("/activities/:id/delete", s.withTx(h.activityDeleteConfirm))
	app.Post("/activities/:id/delete", s.csrf, s.withTx(h.activityDelete))
	app.Post("/activities/:id/comments", s.csrf, s.withTx(s.commentCreate("activity")))
	app.Get("/fragments/activities/stats", s.withTx(periodFragment(s, "activities/stats", h.loadActivityStats)))
	app.Get("/fragments/activities/table", s.withTx(h.activitiesTable))
	app.Get("/fragments/activities/:id/row", s.withTx(h.activityRowFragment))
	app.Get("/fragments/activities/:id/assignee", s.withTx(h.activityAssigneeFragment))
}

// ActivitiesListSQL is the activities-list statement for one sort, as the
// table fragment runs it, for `make bench` to replay through pgbench.
func ActivitiesListSQL(q *queries.Queries, sort string, desc, backward bool) (string, error) {
	l, err := newActivitiesListing(q)
	if err != nil {
		return "", err
	}
	sqlText, ok := l.sql[listKey(sort, desc, backward)]
	if !ok {
		return "", fmt.Errorf("no sort %q", sort)
	}
	return sqlText, nil
}

// Permissions.

// activityScope is what the permission rules look at: the activity's area
// (inherited from its objective) and its assignee.
type activityScope struct{ AreaID, AssigneeID string }

func (r *request) canEditActivity(a activityScope) bool {
	if !r.can(actActivityEdit) {
		return false
	}
	switch r.sess.Role {
	case "corporativo":
		return true
	case "gerente":
		return r.inArea(a.AreaID)
	case "empleado":
		return a.AssigneeID != "" && a.AssigneeID == r.sess.UserID
	}
	return false
}

// canReassignActivity: an empleado edits their own activities but never
// hands them to someone else.
func (r *request) canReassignActivity(a activityScope) bool {
	return r.sess.Role != "empleado" && r.canEditActivity(a)
}

func (r *request) requireActivityEdit(a activityScope) error {
	if err := r.require(actActivityEdit); err != nil {
		return err
	}
	switch {
	case r.canEditActivity(a):
		return nil
	case r.sess.Role == "gerente":
		return forbidden("Como gerente solo puedes editar las actividades de tu área.")
	}
	return forbidden(refusals[actActivityEdit])
}

// canCreateActivityIn: a corporativo anywhere; a gerente or an empleado in
// initiatives of their own area (an empleado's are assigned to them).
func (r *request) canCreateActivityIn(areaID string) bool {
	switch r.sess.Role {
	case "corporativo":
		return true
	case "gerente", "empleado":
		return r.sess.AreaID.Valid && areaID != "" && r.sess.AreaID.String == areaID
	}
	return false
}

func (r *request) activityCreateRefusal() string {
	if r.sess.Role == "gerente" {
		return "Como gerente solo puedes poner actividades en iniciativas de tu área."
	}
	return "Solo puedes crear actividades en iniciativas de tu área."
}

// activityScopeArea is the area a member's pickers are limited to: their own for a
// gerente or an empleado, none (all) for a corporativo.
func (r *request) activityScopeArea() string {
	if r.sess.Role != "corporativo" && r.sess.AreaID.Valid {
		return r.sess.AreaID.String
	}
	return ""
}

func activityOpen(status string) bool { return status == "todo" || status == "in_progress" }

// The list page.

// activityFilters are the table's parameters, validated.
type activityFilters struct {
	Status, Priority, Area, Owner, Parent, Q string
	period
	listParams
}

func (f activityFilters) filtered() bool {
	return f.Status != "" || f.Priority != "" || f.Area != "" || f.Owner != "" || f.Parent != "" || f.Q != ""
}

// values are the filters as URL parameters (no sort, no cursor).
func (f activityFilters) values() url.Values {
	v := url.Values{}
	for _, kv := range [][2]string{{"q", f.Q}, {"status", f.Status}, {"priority", f.Priority}, {"area", f.Area},
		{"owner", f.Owner}, {"parent", f.Parent}, {"period", f.Param}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	return v
}

// parseActivityFilters reads the table parameters; an unknown or malformed
// value is refused (422), never ignored.
func (h *activityHandlers) parseActivityFilters(c *fiber.Ctx, r *request) (activityFilters, error) {
	f := activityFilters{Status: c.Query("status"), Priority: c.Query("priority"), Area: strings.ToLower(c.Query("area")),
		Owner: strings.ToLower(c.Query("owner")), Parent: strings.ToLower(c.Query("parent")), Q: strings.TrimSpace(c.Query("q"))}
	var err error
	if f.listParams, err = h.list.parseParams(c); err != nil {
		return f, err
	}
	if f.period, err = periodOf(c, r); err != nil {
		return f, err
	}
	switch {
	case f.Status != "" && !slices.Contains(activityStatuses, f.Status):
		return f, invalid("El estado elegido no existe. Elige Pendiente, En progreso, Completada o Cancelada.")
	case f.Priority != "" && !slices.Contains(priorities, f.Priority):
		return f, invalid("La prioridad elegida no existe. Elige Alta, Media o Baja.")
	case f.Area != "" && !isUUID(f.Area):
		return f, invalid("El área elegida no es válida.")
	case f.Owner != "" && !isUUID(f.Owner):
		return f, invalid("La persona asignada elegida no es válida.")
	case f.Parent != "" && !isUUID(f.Parent):
		return f, invalid("La iniciativa elegida no es válida.")
	case utf8.RuneCountInString(f.Q) > 100:
		return f, invalid("La búsqueda admite hasta 100 caracteres.")
	}
	return f, nil
}

type activityStats struct {
	Total      int64 `db:"total"`
	Todo       int64 `db:"todo"`
	InProgress int64 `db:"in_progress"`
	Completed  int64 `db:"completed"`
	Cancelled  int64 `db:"cancelled"`
	Overdue    int64 `db:"overdue"`
	DueSoon    int64 `db:"due_soon"`
}

// activityRow is one row of activities-list (and activity-row), in its
// column order.
type activityRow struct {
	ID, Title, Status, Priority string
	Due, CompletedOn            sql.NullTime
	AssigneeID, AssigneeName    string
	AreaID                      string
	Version                     int
	InitiativeID                string
	InitiativeTitle             string
	ObjectiveID, ObjectiveTitle string
	SortKey                     string
	Matches                     int
}

// scanActivityRows scans by position: the table fragment is the hottest
// path, and sqlx's reflection showed in the objectives' profiles.
func scanActivityRows(r *request, dest *[]activityRow, query string, args ...any) error {
	rows, err := r.tx.QueryContext(r.ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a activityRow
		if err := rows.Scan(&a.ID, &a.Title, &a.Status, &a.Priority, &a.Due, &a.CompletedOn, &a.AssigneeID,
			&a.AssigneeName, &a.AreaID, &a.Version, &a.InitiativeID, &a.InitiativeTitle, &a.ObjectiveID,
			&a.ObjectiveTitle, &a.SortKey, &a.Matches); err != nil {
			return err
		}
		*dest = append(*dest, a)
	}
	return rows.Err()
}

// viewRow is what the row shows to this member, with what they may change.
func viewActivityRow(r *request, a activityRow) views.ActivityRow {
	scope := activityScope{AreaID: a.AreaID, AssigneeID: a.AssigneeID}
	v := views.ActivityRow{
		ID: a.ID, Title: a.Title, Status: a.Status, Priority: a.Priority,
		InitiativeID: a.InitiativeID, InitiativeTitle: a.InitiativeTitle,
		ObjectiveID: a.ObjectiveID, ObjectiveTitle: a.ObjectiveTitle,
		AssigneeName: a.AssigneeName, Version: a.Version,
		CanEdit: r.canEditActivity(scope), CanReassign: r.canReassignActivity(scope),
	}
	if a.Due.Valid {
		v.DueISO, v.DueLabel = a.Due.Time.Format(time.DateOnly), views.DateES(a.Due.Time)
		v.Overdue = a.Due.Time.Before(r.sess.Today) && activityOpen(a.Status)
	}
	if a.CompletedOn.Valid && a.Status == "completed" {
		v.CompletedISO, v.CompletedLabel = a.CompletedOn.Time.Format(time.DateOnly), views.DateES(a.CompletedOn.Time)
	}
	return v
}

type activitiesTable struct {
	Rows     []activityRow
	RowsHTML template.HTML // see views.ActivityRowsHTML
	Error    string
	Filtered bool
	Columns  []tableColumn
	pager
}

type activityFilterForm struct {
	Q, Period                                           string
	Statuses, Priorities, Areas, Owners, Parents, Sorts []option
	ParentsCapped                                       bool
}

type activitiesPage struct {
	Stats    activityStats
	StatsURL string // the card's refresh, keeping an explicit period
	Table    activitiesTable
	Filters  activityFilterForm
}

func (h *activityHandlers) loadActivityStats(r *request, p period) (activityStats, error) {
	var st activityStats
	if err := r.tx.GetContext(r.ctx, &st, h.q.ActivitiesStats, r.sess.OrgID, r.sess.Today, p.arg()); err != nil {
		return st, fmt.Errorf("activities-stats: %w", err)
	}
	return st, nil
}

func (h *activityHandlers) loadActivitiesTable(r *request, f activityFilters) (activitiesTable, error) {
	l := h.list
	base := f.values()
	t := activitiesTable{Filtered: f.filtered(), Columns: []tableColumn{
		l.column(base, f.listParams, "Actividad", "", "title"),
		l.column(base, f.listParams, "Iniciativa y objetivo", "", ""),
		l.column(base, f.listParams, "Asignada a", "", ""),
		l.column(base, f.listParams, "Prioridad", "", "priority"),
		l.column(base, f.listParams, "Vencimiento", "", "due_date"),
		l.column(base, f.listParams, "Estado", "", ""),
	}}
	curKey, curID, err := h.cursorArgs(l, r.sess.OrgID, f.listParams)
	if err != nil {
		return t, err
	}
	org, area, owner, like, parent := r.sess.OrgID, nullable(f.Area), nullable(f.Owner), likePattern(f.Q), nullable(f.Parent)
	if err := scanActivityRows(r, &t.Rows, l.query(f.listParams), org, f.Status, area, owner, like, curKey, curID,
		pageSize+1, countCap+1, f.arg(), f.Priority, parent, r.sess.OrgTimezone); err != nil {
		return t, fmt.Errorf("activities-list: %w", err)
	}
	matches := 0
	if len(t.Rows) > 0 {
		matches = t.Rows[0].Matches
	} else if err := r.tx.GetContext(r.ctx, &matches, h.q.ActivitiesCount, org, f.Status, area, owner, like,
		countCap+1, f.arg(), f.Priority, parent); err != nil {
		return t, fmt.Errorf("activities-count: %w", err)
	}
	more := len(t.Rows) > pageSize
	if more {
		t.Rows = t.Rows[:pageSize]
	}
	if f.backward() {
		slices.Reverse(t.Rows)
	}
	rows := make([]views.ActivityRow, len(t.Rows))
	for i, row := range t.Rows {
		rows[i] = viewActivityRow(r, row)
	}
	t.RowsHTML = views.ActivityRowsHTML(rows, r.csrf())
	if len(t.Rows) > 0 {
		first, last := t.Rows[0], t.Rows[len(t.Rows)-1]
		t.pager = h.pagerFor(l, r.sess.OrgID, base, f.listParams,
			[2]string{first.SortKey, first.ID}, [2]string{last.SortKey, last.ID}, more)
	}
	t.CountLabel = countLabel(matches, "actividad", "actividades")
	return t, nil
}

// activityInitiativeChoice is one initiative a picker offers.
type activityInitiativeChoice struct {
	ID        string `db:"id"`
	Title     string `db:"title"`
	Objective string `db:"objective_title"`
}

// initiativeOptions loads an initiative picker: the chosen one plus the
// first activityInitiativeCap live ones of the period and area, by title.
// capped says there were more to offer.
func (h *activityHandlers) initiativeOptions(r *request, p period, area, selected string, withObjective bool) ([]option, bool, error) {
	var rows []activityInitiativeChoice
	var chosen any
	if isUUID(selected) {
		chosen = selected
	}
	if err := r.tx.SelectContext(r.ctx, &rows, h.q.ActivityInitiativeOptions, r.sess.OrgID, p.arg(), nullable(area),
		chosen, activityInitiativeCap+1); err != nil {
		return nil, false, fmt.Errorf("activity-initiative-options: %w", err)
	}
	slices.SortFunc(rows, func(a, b activityInitiativeChoice) int {
		return strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title))
	})
	out := make([]option, len(rows))
	for i, row := range rows {
		label := row.Title
		if withObjective {
			label += " — " + row.Objective
		}
		out[i] = option{Value: row.ID, Label: label, Selected: row.ID == selected}
	}
	return out, len(rows) > activityInitiativeCap, nil
}

func (h *activityHandlers) activityFilterForm(r *request, f activityFilters) (activityFilterForm, error) {
	form := activityFilterForm{Q: f.Q, Period: f.Param, Sorts: sortOptions(activitySortChoices, f.listParams)}
	for _, st := range activityStatuses {
		form.Statuses = append(form.Statuses, option{Value: st, Label: views.Label("activity", st), Selected: st == f.Status})
	}
	for _, p := range []string{"high", "medium", "low"} {
		form.Priorities = append(form.Priorities, option{Value: p, Label: views.Label("priority", p), Selected: p == f.Priority})
	}
	var err error
	if form.Areas, err = h.options(r, h.q.AreasOptions, f.Area); err != nil {
		return form, err
	}
	if form.Owners, err = h.options(r, h.q.MembersOptions, f.Owner); err != nil {
		return form, err
	}
	form.Parents, form.ParentsCapped, err = h.initiativeOptions(r, f.period, "", f.Parent, false)
	return form, err
}

// GET /activities
func (h *activityHandlers) activitiesPage(c *fiber.Ctx, r *request) error {
	var p activitiesPage
	var err error
	f, ferr := h.parseActivityFilters(c, r)
	if p.Stats, err = h.loadActivityStats(r, f.period); err != nil {
		return err
	}
	if ferr == nil {
		p.Table, ferr = h.loadActivitiesTable(r, f)
	}
	if ferr != nil {
		if p.Table.Error, err = tableError(ferr); err != nil {
			return err
		}
		p.Table.Rows = nil
		c.Status(fiber.StatusUnprocessableEntity)
	}
	if p.Filters, err = h.activityFilterForm(r, f); err != nil {
		return err
	}
	p.StatsURL = "/fragments/activities/stats"
	if f.Param != "" {
		p.StatsURL += "?period=" + url.QueryEscape(f.Param)
	}
	return h.page(c, r, "activities/index", "Actividades", "activities", p)
}

// GET /fragments/activities/table
func (h *activityHandlers) activitiesTable(c *fiber.Ctx, r *request) error {
	if h.notModified(c, r) {
		return nil
	}
	f, err := h.parseActivityFilters(c, r)
	var t activitiesTable
	if err == nil {
		t, err = h.loadActivitiesTable(r, f)
	}
	return h.answerTable(c, "activities/table", &t, err, func() string { return h.list.pushURL(f.values(), f.listParams) })
}

func (t *activitiesTable) refuse(msg string) { t.Error, t.Rows = msg, nil }

// One activity.

type activityDetail struct {
	ID                 string         `db:"id"`
	Title              string         `db:"title"`
	Description        string         `db:"description"`
	Status             string         `db:"status"`
	Priority           string         `db:"priority"`
	StartDate          sql.NullTime   `db:"start_date"`
	DueDate            sql.NullTime   `db:"due_date"`
	CompletedAt        sql.NullTime   `db:"completed_at"` // wall time in the organisation's zone
	EstimatedHours     sql.NullString `db:"estimated_hours"`
	ActualHours        sql.NullString `db:"actual_hours"`
	CreatedAt          time.Time      `db:"created_at"`  // wall time in the organisation's zone
	ArchivedAt         sql.NullTime   `db:"archived_at"` // wall time in the organisation's zone
	Version            int            `db:"version"`
	AssigneeID         string         `db:"assignee_id"`
	AssigneeName       string         `db:"assignee_name"`
	AreaID             string         `db:"area_id"`
	AreaName           string         `db:"area_name"`
	PeriodName         string         `db:"period_name"`
	CreatorName        string         `db:"creator_name"`
	InitiativeID       string         `db:"initiative_id"`
	InitiativeTitle    string         `db:"initiative_title"`
	InitiativeArchived bool           `db:"initiative_archived"`
	ObjectiveID        string         `db:"objective_id"`
	ObjectiveTitle     string         `db:"objective_title"`
	Overdue            bool
}

func (d activityDetail) scope() activityScope {
	return activityScope{AreaID: d.AreaID, AssigneeID: d.AssigneeID}
}

// loadActivity reads one activity. Unknown, malformed and foreign ids are
// all the same 404: RLS hides other organisations' rows.
func (h *activityHandlers) loadActivity(r *request, id string) (activityDetail, error) {
	var d activityDetail
	if !isUUID(id) {
		return d, errNotFound
	}
	err := r.tx.GetContext(r.ctx, &d, h.q.ActivityByID, r.sess.OrgID, id, r.sess.OrgTimezone)
	if errors.Is(err, sql.ErrNoRows) {
		return d, errNotFound
	}
	if err != nil {
		return d, fmt.Errorf("activity-by-id: %w", err)
	}
	d.Overdue = d.DueDate.Valid && d.DueDate.Time.Before(r.sess.Today) && activityOpen(d.Status)
	return d, nil
}

// activityHoursLabel shows a number of hours the Spanish way ("1,5 h").
func activityHoursLabel(h sql.NullString) string {
	if !h.Valid {
		return ""
	}
	return views.NumberES(h.String) + " h"
}

type activityShowPage struct {
	Activity           activityDetail
	Estimated, Actual  string
	CSRF               string
	CanEdit, CanDelete bool
	Statuses           []option
	History            []historyEntry
	Comments           commentsBlock
}

// GET /activities/:id
func (h *activityHandlers) activityShow(c *fiber.Ctx, r *request) error {
	d, err := h.loadActivity(r, c.Params("id"))
	if err != nil {
		return err
	}
	p := activityShowPage{Activity: d, Estimated: activityHoursLabel(d.EstimatedHours), Actual: activityHoursLabel(d.ActualHours),
		CSRF: r.csrf(), CanEdit: r.canEditActivity(d.scope()), CanDelete: r.can(actActivityDelete)}
	for _, st := range activityStatuses {
		p.Statuses = append(p.Statuses, option{Value: st, Label: views.Label("activity", st), Selected: st == d.Status})
	}
	if p.History, err = h.loadHistory(r, "activity", d.ID); err != nil {
		return err
	}
	if p.Comments, err = h.loadComments(r, "activity", d.ID); err != nil {
		return err
	}
	return h.page(c, r, "activities/show", d.Title, "activities", p)
}

// GET /fragments/activities/:id/row — one row as the table shows it (the
// assignee picker's "Cancelar").
func (h *activityHandlers) activityRowFragment(c *fiber.Ctx, r *request) error {
	id := c.Params("id")
	if !isUUID(id) {
		return errNotFound
	}
	return h.sendActivityRow(c, r, id)
}

func (h *activityHandlers) sendActivityRow(c *fiber.Ctx, r *request, id string) error {
	var rows []activityRow
	if err := scanActivityRows(r, &rows, h.q.ActivityRow, r.sess.OrgID, id, r.sess.OrgTimezone); err != nil {
		return fmt.Errorf("activity-row: %w", err)
	}
	if len(rows) == 0 {
		return errNotFound
	}
	c.Type("html", "utf-8")
	return c.SendString(string(views.ActivityRowsHTML([]views.ActivityRow{viewActivityRow(r, rows[0])}, r.csrf())))
}

// activityVersion reads the version an edit was made on.
func activityVersion(c *fiber.Ctx) (int, error) {
	v, err := strconv.Atoi(c.FormValue("version"))
	if err != nil || v < 1 {
		return 0, invalid("Falta la versión de lo que editas o no es válida; recarga la página e inténtalo de nuevo.")
	}
	return v, nil
}

// changed answers an inline change: htmx gets the updated row (and the
// stats card an event to refresh itself), a plain form goes back to the
// page it was posted from.
func (h *activityHandlers) changed(c *fiber.Ctx, r *request, id string) error {
	if !isHTMX(c) {
		return c.Redirect(localReferer(c, "/activities"), fiber.StatusSeeOther)
	}
	c.Set("HX-Trigger", "activities-changed")
	return h.sendActivityRow(c, r, id)
}

// execVersioned runs an update guarded by the version the member saw; the
// activity was just read, so no row touched means someone else changed it
// in between.
func (h *activityHandlers) execVersioned(r *request, name, query string, args ...any) error {
	res, err := r.tx.ExecContext(r.ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if n != 1 {
		return errStale
	}
	return nil
}

// POST /activities/:id/status
func (h *activityHandlers) activitySetStatus(c *fiber.Ctx, r *request) error {
	d, err := h.loadActivity(r, c.Params("id"))
	if err != nil {
		return err
	}
	if err := r.requireActivityEdit(d.scope()); err != nil {
		return err
	}
	if d.ArchivedAt.Valid {
		return errActivityArchived
	}
	status := c.FormValue("status")
	if !slices.Contains(activityStatuses, status) {
		return invalid("Elige un estado de la lista: Pendiente, En progreso, Completada o Cancelada.")
	}
	version, err := activityVersion(c)
	if err != nil {
		return err
	}
	if version != d.Version {
		return errStale
	}
	if err := h.execVersioned(r, "activity-set-status", h.q.ActivitySetStatus, r.sess.OrgID, d.ID, status, version); err != nil {
		return err
	}
	return h.changed(c, r, d.ID)
}

// POST /activities/:id/assignee
func (h *activityHandlers) activitySetAssignee(c *fiber.Ctx, r *request) error {
	d, err := h.loadActivity(r, c.Params("id"))
	if err != nil {
		return err
	}
	if err := r.requireActivityEdit(d.scope()); err != nil {
		return err
	}
	assignee := strings.ToLower(c.FormValue("assignee"))
	if !r.canReassignActivity(d.scope()) && assignee != d.AssigneeID {
		return errActivityReassign
	}
	if d.ArchivedAt.Valid {
		return errActivityArchived
	}
	if assignee != "" {
		msg, err := h.assigneeProblem(r, assignee)
		if err != nil {
			return err
		}
		if msg != "" {
			return invalid(msg)
		}
	}
	version, err := activityVersion(c)
	if err != nil {
		return err
	}
	if version != d.Version {
		return errStale
	}
	if err := h.execVersioned(r, "activity-set-assignee", h.q.ActivitySetAssignee, r.sess.OrgID, d.ID,
		nullable(assignee), version); err != nil {
		return err
	}
	return h.changed(c, r, d.ID)
}

// keepFormerAssignee offers the current assignee even when they are no
// longer a member (the pickers list current members only), so saving a form
// does not unassign them behind the member's back.
func keepFormerAssignee(opts []option, id, name, selected string) []option {
	if id == "" || slices.ContainsFunc(opts, func(o option) bool { return o.Value == id }) {
		return opts
	}
	return append(opts, option{Value: id, Label: name + " (ya no es miembro)", Selected: id == selected})
}

type activityAssigneePicker struct {
	ID, Title, CSRF string
	Version         int
	Members         []option
}

// GET /fragments/activities/:id/assignee — the assignee picker a row loads
// into its cell.
func (h *activityHandlers) activityAssigneeFragment(c *fiber.Ctx, r *request) error {
	d, err := h.loadActivity(r, c.Params("id"))
	if err != nil {
		return err
	}
	if !r.canReassignActivity(d.scope()) {
		if err := r.requireActivityEdit(d.scope()); err != nil {
			return err
		}
		return errActivityReassign
	}
	if d.ArchivedAt.Valid {
		return errActivityArchived
	}
	p := activityAssigneePicker{ID: d.ID, Title: d.Title, CSRF: r.csrf(), Version: d.Version}
	if p.Members, err = h.options(r, h.q.MembersOptions, d.AssigneeID); err != nil {
		return err
	}
	p.Members = keepFormerAssignee(p.Members, d.AssigneeID, d.AssigneeName, d.AssigneeID)
	return h.fragment(c, "activities/assignee", p)
}

// Forms.

// activityForm is the create and edit form's values and per-field errors.
type activityForm struct {
	CSRF                           string
	Edit                           bool
	ID                             string
	Version                        int
	Initiative, Title, Description string
	Assignee, Status, Priority     string
	StartDate, DueDate             string
	EstimatedHours, ActualHours    string
	Errors                         map[string]string
	FormError                      string
	// OwnWork: an empleado editing their activity changes only its
	// status, hours and description; the other fields are shown disabled.
	OwnWork bool
	// SelfAssigned: an empleado's new activity is theirs.
	SelfAssigned                  bool
	InitiativeTitle, AssigneeName string
	// storedAssignee is the edited activity's assignee, offered even if
	// they have left the organisation.
	storedAssignee         string
	InitiativesCapped      bool
	Initiatives, Assignees []option
	Statuses, Priorities   []option
}

// Action is where the form posts.
func (f activityForm) Action() string {
	if f.Edit {
		return "/activities/" + f.ID
	}
	return "/activities"
}

func readActivityForm(c *fiber.Ctx) activityForm {
	return activityForm{
		Initiative: strings.ToLower(strings.TrimSpace(c.FormValue("initiative"))),
		Title:      strings.TrimSpace(c.FormValue("title")), Description: strings.TrimSpace(c.FormValue("description")),
		Assignee: strings.ToLower(strings.TrimSpace(c.FormValue("assignee"))),
		Status:   c.FormValue("status"), Priority: c.FormValue("priority"),
		StartDate: strings.TrimSpace(c.FormValue("start_date")), DueDate: strings.TrimSpace(c.FormValue("due_date")),
		EstimatedHours: strings.TrimSpace(c.FormValue("estimated_hours")),
		ActualHours:    strings.TrimSpace(c.FormValue("actual_hours")),
		Errors:         map[string]string{},
	}
}

var activityHoursRe = regexp.MustCompile(`^[0-9]{1,4}([.,][0-9]{1,2})?$`)

// activityHours reads an hours field: empty, or 0 to 9999.99 with at most
// two decimals (a comma is accepted as the decimal separator). The value
// goes to PostgreSQL as decimal text, never through a float.
func activityHours(f *activityForm, field string, v *string) any {
	if *v == "" {
		return nil
	}
	if !activityHoursRe.MatchString(*v) {
		f.Errors[field] = "Indica las horas como un número de 0 a 9999,99, con dos decimales como mucho."
		return nil
	}
	*v = strings.Replace(*v, ",", ".", 1)
	return *v
}

// validateActivityForm checks every field and returns the values to store.
func validateActivityForm(f *activityForm) (start, due, estimated, actual any) {
	switch n := utf8.RuneCountInString(f.Title); {
	case n == 0:
		f.Errors["title"] = "Escribe un título."
	case n > 200:
		f.Errors["title"] = "El título admite hasta 200 caracteres."
	}
	if utf8.RuneCountInString(f.Description) > 5000 {
		f.Errors["description"] = "La descripción admite hasta 5.000 caracteres."
	}
	switch {
	case f.Initiative == "":
		f.Errors["initiative"] = "Elige una iniciativa."
	case !isUUID(f.Initiative):
		f.Errors["initiative"] = "Esa iniciativa no existe en tu organización."
	}
	if f.Assignee != "" && !isUUID(f.Assignee) {
		f.Errors["assignee"] = "Esa persona no es miembro de tu organización."
	}
	if !slices.Contains(activityStatuses, f.Status) {
		f.Errors["status"] = "Elige un estado de la lista."
	}
	if !slices.Contains(priorities, f.Priority) {
		f.Errors["priority"] = "Elige una prioridad de la lista."
	}
	s, err := parseDate(f.StartDate)
	if err != nil {
		f.Errors["start_date"] = "Indica una fecha de inicio válida."
	} else {
		start = s
	}
	if f.DueDate != "" {
		d, err := parseDate(f.DueDate)
		switch {
		case err != nil:
			f.Errors["due_date"] = "Indica una fecha de vencimiento válida, o déjala vacía."
		case start != nil && d.Before(s):
			f.Errors["due_date"] = "La fecha de vencimiento no puede ser anterior a la de inicio."
		default:
			due = d
		}
	}
	estimated = activityHours(f, "estimated_hours", &f.EstimatedHours)
	actual = activityHours(f, "actual_hours", &f.ActualHours)
	return start, due, estimated, actual
}

// activityParentProblem is why an activity cannot hang from an initiative.
type activityParentProblem int

const (
	activityParentOK activityParentProblem = iota
	activityParentMissing
	activityParentArchived
	activityParentOutOfArea
)

// checkParent checks the initiative a new or moved activity hangs from: it
// exists in the organisation, is live, and the member may create there.
func (h *activityHandlers) checkParent(r *request, initiative string) (activityParentProblem, error) {
	var p struct {
		AreaID   string `db:"area_id"`
		Archived bool   `db:"archived"`
	}
	err := r.tx.GetContext(r.ctx, &p, h.q.ActivityParent, r.sess.OrgID, initiative)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return activityParentMissing, nil
	case err != nil:
		return activityParentOK, fmt.Errorf("activity-parent: %w", err)
	case p.Archived:
		return activityParentArchived, nil
	case !r.canCreateActivityIn(p.AreaID):
		return activityParentOutOfArea, nil
	}
	return activityParentOK, nil
}

// activityParentMessage is a parent problem in words.
func (r *request) activityParentMessage(p activityParentProblem) string {
	switch p {
	case activityParentMissing:
		return "Esa iniciativa no existe en tu organización."
	case activityParentArchived:
		return "Esa iniciativa está archivada; elige otra."
	case activityParentOutOfArea:
		return r.activityCreateRefusal()
	}
	return ""
}

// checkParentField records a parent problem next to the initiative field.
func (h *activityHandlers) checkParentField(r *request, f *activityForm) error {
	p, err := h.checkParent(r, f.Initiative)
	if p != activityParentOK {
		f.Errors["initiative"] = r.activityParentMessage(p)
	}
	return err
}

// assigneeProblem says why id cannot be given activities, or "".
func (h *activityHandlers) assigneeProblem(r *request, id string) (string, error) {
	const msg = "Esa persona no es miembro de tu organización."
	if !isUUID(id) {
		return msg, nil
	}
	var ok bool
	if err := r.tx.GetContext(r.ctx, &ok, h.q.ActivityAssigneeOK, r.sess.OrgID, id); err != nil {
		return "", fmt.Errorf("activity-assignee-ok: %w", err)
	}
	if !ok {
		return msg, nil
	}
	return "", nil
}

// checkAssigneeField records an assignee problem next to its field.
func (h *activityHandlers) checkAssigneeField(r *request, f *activityForm) error {
	if f.Assignee == "" || f.Errors["assignee"] != "" {
		return nil
	}
	msg, err := h.assigneeProblem(r, f.Assignee)
	if msg != "" {
		f.Errors["assignee"] = msg
	}
	return err
}

func (h *activityHandlers) fillActivityForm(r *request, f *activityForm) error {
	var err error
	switch {
	case f.OwnWork:
		f.Initiatives = []option{{Value: f.Initiative, Label: f.InitiativeTitle, Selected: true}}
	default:
		if f.Initiatives, f.InitiativesCapped, err = h.initiativeOptions(r, period{ID: r.sess.PeriodID},
			r.activityScopeArea(), f.Initiative, true); err != nil {
			return err
		}
	}
	switch {
	case f.OwnWork || f.SelfAssigned:
		f.Assignees = nil
		if f.Assignee != "" {
			f.Assignees = []option{{Value: f.Assignee, Label: f.AssigneeName, Selected: true}}
		}
	default:
		if f.Assignees, err = h.options(r, h.q.MembersOptions, f.Assignee); err != nil {
			return err
		}
		f.Assignees = keepFormerAssignee(f.Assignees, f.storedAssignee, f.AssigneeName, f.Assignee)
	}
	f.Statuses, f.Priorities = nil, nil
	for _, st := range activityStatuses {
		f.Statuses = append(f.Statuses, option{Value: st, Label: views.Label("activity", st), Selected: st == f.Status})
	}
	for _, p := range []string{"high", "medium", "low"} {
		f.Priorities = append(f.Priorities, option{Value: p, Label: views.Label("priority", p), Selected: p == f.Priority})
	}
	f.CSRF = r.csrf()
	return nil
}

// rejectActivityForm answers 422 with the form and its messages: the form
// alone for htmx, the whole page otherwise. Nothing was written.
func (h *activityHandlers) rejectActivityForm(c *fiber.Ctx, r *request, f activityForm) error {
	if err := h.fillActivityForm(r, &f); err != nil {
		return err
	}
	c.Status(fiber.StatusUnprocessableEntity)
	if isHTMX(c) {
		return h.fragment(c, "activities/form", f)
	}
	if f.Edit {
		return h.page(c, r, "activities/edit", "Editar actividad", "activities", f)
	}
	return h.page(c, r, "activities/new", "Nueva actividad", "activities", f)
}

// activitySaved sends the member to the activity's page after a save.
func activitySaved(c *fiber.Ctx, id string) error {
	return redirectAfterWrite(c, "activities-changed", "/activities/"+id)
}

// fkActivityField names the form field a foreign-key refusal is about: the
// composite keys (and the ancestry trigger) refuse another organisation's
// member or initiative exactly like one that does not exist.
func fkActivityField(err error, f *activityForm) {
	var pqErr *pq.Error
	errors.As(err, &pqErr)
	switch {
	case pqErr != nil && strings.Contains(pqErr.Constraint, "assignee"):
		f.Errors["assignee"] = "Esa persona no es miembro de tu organización."
	case pqErr != nil && (strings.Contains(pqErr.Constraint, "initiative") || strings.Contains(pqErr.Message, "initiative")):
		f.Errors["initiative"] = "Esa iniciativa no existe en tu organización."
	default:
		f.FormError = "Un elemento relacionado no existe en tu organización."
	}
}

// GET /activities/new[?initiative=<id>]
func (h *activityHandlers) activityNew(c *fiber.Ctx, r *request) error {
	if err := r.require(actActivityEdit); err != nil {
		return err
	}
	f := activityForm{Status: "todo", Priority: "medium", Assignee: r.sess.UserID,
		StartDate: r.sess.Today.Format(time.DateOnly), Errors: map[string]string{}}
	if r.sess.Role == "empleado" {
		f.SelfAssigned, f.AssigneeName = true, r.sess.UserName
	}
	if id := c.Query("initiative"); id != "" {
		f.Initiative = strings.ToLower(id)
		if !isUUID(f.Initiative) {
			return errNotFound
		}
		p, err := h.checkParent(r, f.Initiative)
		switch {
		case err != nil:
			return err
		case p == activityParentMissing:
			return errNotFound
		case p == activityParentArchived:
			return &Error{Status: fiber.StatusConflict, Message: r.activityParentMessage(p)}
		case p == activityParentOutOfArea:
			return forbidden(r.activityParentMessage(p))
		}
	}
	if err := h.fillActivityForm(r, &f); err != nil {
		return err
	}
	return h.page(c, r, "activities/new", "Nueva actividad", "activities", f)
}

// POST /activities
func (h *activityHandlers) activityCreate(c *fiber.Ctx, r *request) error {
	if err := r.require(actActivityEdit); err != nil {
		return err
	}
	f := readActivityForm(c)
	if f.Status == "" {
		f.Status = "todo"
	}
	if f.Priority == "" {
		f.Priority = "medium"
	}
	if r.sess.Role == "empleado" {
		f.SelfAssigned, f.AssigneeName = true, r.sess.UserName
		if f.Assignee != "" && f.Assignee != r.sess.UserID {
			f.Errors["assignee"] = "Como empleado solo puedes crear actividades asignadas a ti."
		}
		f.Assignee = r.sess.UserID
	}
	start, due, estimated, actual := validateActivityForm(&f)
	if f.Errors["initiative"] == "" {
		if err := h.checkParentField(r, &f); err != nil {
			return err
		}
	}
	if err := h.checkAssigneeField(r, &f); err != nil {
		return err
	}
	if len(f.Errors) > 0 {
		return h.rejectActivityForm(c, r, f)
	}
	var id string
	err := r.attempt(func() error {
		return r.tx.GetContext(r.ctx, &id, h.q.ActivityCreate, f.Initiative, f.Title, f.Description, nullable(f.Assignee),
			f.Status, f.Priority, start, due, estimated, actual, r.sess.UserID)
	})
	if isForeignKey(err) {
		fkActivityField(err, &f)
		return h.rejectActivityForm(c, r, f)
	}
	if err != nil {
		return fmt.Errorf("activity-create: %w", err)
	}
	return activitySaved(c, id)
}

// activityEditForm is the edit form filled from the stored activity.
func activityEditForm(d activityDetail, role string) activityForm {
	f := activityForm{Edit: true, ID: d.ID, Version: d.Version, Initiative: d.InitiativeID, Title: d.Title,
		Description: d.Description, Assignee: d.AssigneeID, Status: d.Status, Priority: d.Priority,
		InitiativeTitle: d.InitiativeTitle, AssigneeName: d.AssigneeName, storedAssignee: d.AssigneeID,
		OwnWork: role == "empleado",
		Errors:  map[string]string{}}
	if d.StartDate.Valid {
		f.StartDate = d.StartDate.Time.Format(time.DateOnly)
	}
	if d.DueDate.Valid {
		f.DueDate = d.DueDate.Time.Format(time.DateOnly)
	}
	if d.EstimatedHours.Valid {
		f.EstimatedHours = d.EstimatedHours.String
	}
	if d.ActualHours.Valid {
		f.ActualHours = d.ActualHours.String
	}
	return f
}

// GET /activities/:id/edit
func (h *activityHandlers) activityEdit(c *fiber.Ctx, r *request) error {
	d, err := h.loadActivity(r, c.Params("id"))
	if err != nil {
		return err
	}
	if err := r.requireActivityEdit(d.scope()); err != nil {
		return err
	}
	if d.ArchivedAt.Valid {
		return errActivityArchived
	}
	f := activityEditForm(d, r.sess.Role)
	if err := h.fillActivityForm(r, &f); err != nil {
		return err
	}
	return h.page(c, r, "activities/edit", "Editar actividad", "activities", f)
}

// POST /activities/:id
func (h *activityHandlers) activityUpdate(c *fiber.Ctx, r *request) error {
	d, err := h.loadActivity(r, c.Params("id"))
	if err != nil {
		return err
	}
	if err := r.requireActivityEdit(d.scope()); err != nil {
		return err
	}
	if d.ArchivedAt.Valid {
		return errActivityArchived
	}
	version, err := activityVersion(c)
	if err != nil {
		return err
	}
	f := readActivityForm(c)
	stored := activityEditForm(d, r.sess.Role)
	f.Edit, f.ID, f.Version, f.OwnWork = true, d.ID, version, stored.OwnWork
	f.InitiativeTitle, f.AssigneeName, f.storedAssignee = stored.InitiativeTitle, stored.AssigneeName, stored.storedAssignee
	if f.OwnWork {
		// The fields an empleado may not change are disabled in their form
		// (so not sent) and keep their stored values; sending another value
		// is refused, not silently dropped.
		if f.Assignee != "" && f.Assignee != stored.Assignee {
			return errActivityReassign
		}
		for _, l := range []struct {
			sent   *string
			stored string
		}{{&f.Initiative, stored.Initiative}, {&f.Title, stored.Title}, {&f.Priority, stored.Priority},
			{&f.StartDate, stored.StartDate}, {&f.DueDate, stored.DueDate}} {
			if *l.sent != "" && *l.sent != l.stored {
				return errActivityOwnWork
			}
			*l.sent = l.stored
		}
		f.Assignee = stored.Assignee
	}
	start, due, estimated, actual := validateActivityForm(&f)
	if f.Initiative != d.InitiativeID && f.Errors["initiative"] == "" {
		if err := h.checkParentField(r, &f); err != nil {
			return err
		}
	}
	if f.Assignee != d.AssigneeID {
		if err := h.checkAssigneeField(r, &f); err != nil {
			return err
		}
	}
	if len(f.Errors) > 0 {
		return h.rejectActivityForm(c, r, f)
	}
	err = r.updateVersioned(h.q.ActivityUpdate, h.q.ActivityExists, d.ID, r.sess.OrgID, d.ID, f.Initiative, f.Title,
		f.Description, nullable(f.Assignee), f.Status, f.Priority, start, due, estimated, actual, version)
	if isForeignKey(err) {
		fkActivityField(err, &f)
		return h.rejectActivityForm(c, r, f)
	}
	if err != nil {
		return err
	}
	return activitySaved(c, d.ID)
}

// Archive, restore, delete.

// POST /activities/:id/archive
func (h *activityHandlers) activityArchive(c *fiber.Ctx, r *request) error {
	return h.archiveOrRestore(c, r, true)
}

// POST /activities/:id/restore
func (h *activityHandlers) activityRestore(c *fiber.Ctx, r *request) error {
	return h.archiveOrRestore(c, r, false)
}

func (h *activityHandlers) archiveOrRestore(c *fiber.Ctx, r *request, archive bool) error {
	d, err := h.loadActivity(r, c.Params("id"))
	if err != nil {
		return err
	}
	if err := r.requireActivityEdit(d.scope()); err != nil {
		return err
	}
	version, err := activityVersion(c)
	if err != nil {
		return err
	}
	// Archiving an archived activity (or restoring a live one) has nothing
	// left to do: a double click, or two people agreeing.
	if d.ArchivedAt.Valid != archive {
		if !archive && d.InitiativeArchived {
			return &Error{Status: fiber.StatusConflict,
				Message: "Su iniciativa está archivada: restaura primero la iniciativa, y sus actividades volverán con ella."}
		}
		if version != d.Version {
			return errStale
		}
		name, query := "activity-archive", h.q.ActivityArchive
		if !archive {
			name, query = "activity-restore", h.q.ActivityRestore
		}
		if err := h.execVersioned(r, name, query, r.sess.OrgID, d.ID, version); err != nil {
			return err
		}
	}
	return activitySaved(c, d.ID)
}

type activityDeletePage struct {
	Activity                    activityDetail
	CSRF                        string
	CommentsLabel, ChangesLabel string
}

// activityPlural says "1 comentario", "3 comentarios".
func activityPlural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return views.NumberES(strconv.Itoa(n)) + " " + many
}

// GET /activities/:id/delete — the confirmation, with what goes with it.
func (h *activityHandlers) activityDeleteConfirm(c *fiber.Ctx, r *request) error {
	d, err := h.loadActivity(r, c.Params("id"))
	if err != nil {
		return err
	}
	if err := r.require(actActivityDelete); err != nil {
		return err
	}
	p := activityDeletePage{Activity: d, CSRF: r.csrf()}
	var counts struct {
		Comments int `db:"comments"`
		Changes  int `db:"changes"`
	}
	if err := r.tx.GetContext(r.ctx, &counts, h.q.ActivityDeleteCounts, r.sess.OrgID, d.ID); err != nil {
		return fmt.Errorf("activity-delete-counts: %w", err)
	}
	p.CommentsLabel = activityPlural(counts.Comments, "comentario", "comentarios")
	p.ChangesLabel = activityPlural(counts.Changes, "entrada de su historial", "entradas de su historial")
	return h.page(c, r, "activities/delete", "Eliminar actividad", "activities", p)
}

// POST /activities/:id/delete
func (h *activityHandlers) activityDelete(c *fiber.Ctx, r *request) error {
	d, err := h.loadActivity(r, c.Params("id"))
	if err != nil {
		return err
	}
	if err := r.require(actActivityDelete); err != nil {
		return err
	}
	version, err := activityVersion(c)
	if err != nil {
		return err
	}
	if version != d.Version {
		return errStale
	}
	if err := h.execVersioned(r, "activity-delete", h.q.ActivityDelete, r.sess.OrgID, d.ID, version); err != nil {
		return err
	}
	if isHTMX(c) {
		c.Set("HX-Trigger", "activities-changed")
		c.Set("HX-Redirect", "/activities")
		return c.SendStatus(fiber.StatusOK)
	}
	return c.Redirect("/activities", fiber.StatusSeeOther)
}
