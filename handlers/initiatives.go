package handlers

import (
	"cmp"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"net/url"
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

// Initiatives: the list page with its stats and table fragments, the
// detail page, the create and edit forms, archiving and permanent
// deletion. It follows objectives.go's pattern; the database keeps the
// rest (progress from the activities, area and period from the objective,
// the archive cascade, the history: migrations 00004, 00005 and 00009).

var initiativeStatuses = []string{"planning", "in_progress", "completed", "cancelled"}

var initiativeSorts = []sortSpec{
	{Name: "end_date", Key: "i.end_date", Type: "date", Label: "Fecha de fin"},
	{Name: "title", Key: "lower(i.title)", Type: "text", Label: "Título"},
	{Name: "progress", Key: "i.progress", Type: "smallint", Label: "Progreso"},
	{Name: "start_date", Key: "i.start_date", Type: "date", Label: "Fecha de inicio"},
}

// initiativeSortChoices are the options of the "Ordenar por" select.
var initiativeSortChoices = []option{
	{Value: "end_date", Label: "Fin más próximo"},
	{Value: "-end_date", Label: "Fin más lejano"},
	{Value: "title", Label: "Título (A–Z)"},
	{Value: "-title", Label: "Título (Z–A)"},
	{Value: "-progress", Label: "Más avance"},
	{Value: "progress", Label: "Menos avance"},
	{Value: "start_date", Label: "Inicio más antiguo"},
	{Value: "-start_date", Label: "Inicio más reciente"},
}

// initiativeHandlers are the initiatives routes; the table's listing is
// built once, with the routes.
type initiativeHandlers struct {
	*Server
	list *listing
}

func newInitiativesListing(q *queries.Queries) (*listing, error) {
	return newListing("/initiatives", "/fragments/initiatives/table", q.InitiativesList, initiativeSorts, "end_date")
}

// initiativeRoutes registers the initiatives routes. The list query is
// embedded, so a template that does not expand is a defect of the build:
// it stops start-up.
func (s *Server) initiativeRoutes(app *fiber.App) {
	l, err := newInitiativesListing(s.q)
	if err != nil {
		panic(fmt.Errorf("initiatives-list: %w", err))
	}
	h := &initiativeHandlers{Server: s, list: l}
	app.Get("/initiatives", s.withTx(h.index))
	app.Get("/initiatives/new", s.withTx(h.newForm))
	app.Post("/initiatives", s.csrf, s.withTx(h.create))
	app.Get("/fragments/initiatives/stats", s.withTx(periodFragment(s, "initiatives/stats", h.loadStats)))
	app.Get("/fragments/initiatives/table", s.withTx(h.tableFragment))
	app.Get("/initiatives/:id", s.withTx(h.show))
	app.Get("/initiatives/:id/edit", s.withTx(h.editForm))
	app.Post("/initiatives/:id", s.csrf, s.withTx(h.update))
	app.Post("/initiatives/:id/archive", s.csrf, s.withTx(h.archive(false)))
	app.Post("/initiatives/:id/restore", s.csrf, s.withTx(h.archive(true)))
	app.Get("/initiatives/:id/delete", s.withTx(h.deleteConfirm))
	app.Post("/initiatives/:id/delete", s.csrf, s.withTx(h.delete))
	app.Post("/initiatives/:id/comments", s.csrf, s.withTx(s.commentCreate("initiative")))
}

// initiativeFilters are the table's parameters, validated.
type initiativeFilters struct {
	Status, Area, Owner, Parent, Q string
	period
	listParams
}

func (f initiativeFilters) filtered() bool {
	return f.Status != "" || f.Area != "" || f.Owner != "" || f.Parent != "" || f.Q != ""
}

// values are the filters as URL parameters (no sort, no cursor).
func (f initiativeFilters) values() url.Values {
	v := url.Values{}
	for _, kv := range [][2]string{{"q", f.Q}, {"status", f.Status}, {"area", f.Area}, {"owner", f.Owner},
		{"parent", f.Parent}, {"period", f.Param}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	return v
}

// parseFilters reads the table parameters; unknown or malformed values are
// refused (422), never ignored.
func (h *initiativeHandlers) parseFilters(c *fiber.Ctx, r *request) (initiativeFilters, error) {
	f := initiativeFilters{Status: c.Query("status"), Area: c.Query("area"), Owner: c.Query("owner"),
		Parent: c.Query("parent"), Q: strings.TrimSpace(c.Query("q"))}
	var err error
	if f.listParams, err = h.list.parseParams(c); err != nil {
		return f, err
	}
	if f.period, err = periodOf(c, r); err != nil {
		return f, err
	}
	if f.Status != "" && !slices.Contains(initiativeStatuses, f.Status) {
		return f, invalid("El estado elegido no existe. Elige Planificación, En progreso, Completada o Cancelada.")
	}
	if f.Area != "" && !isUUID(f.Area) {
		return f, invalid("El área elegida no es válida.")
	}
	if f.Owner != "" && !isUUID(f.Owner) {
		return f, invalid("El responsable elegido no es válido.")
	}
	if f.Parent != "" && !isUUID(f.Parent) {
		return f, invalid("El objetivo elegido no es válido.")
	}
	if utf8.RuneCountInString(f.Q) > 100 {
		return f, invalid("La búsqueda admite hasta 100 caracteres.")
	}
	return f, nil
}

// initiativeStats is the stats fragment's view-model.
type initiativeStats struct {
	Total       int64 `db:"total"`
	Planning    int64 `db:"planning"`
	InProgress  int64 `db:"in_progress"`
	Completed   int64 `db:"completed"`
	Cancelled   int64 `db:"cancelled"`
	AvgProgress int64 `db:"avg_progress"`
	Overdue     int64 `db:"overdue"`
}

func (h *initiativeHandlers) loadStats(r *request, p period) (initiativeStats, error) {
	var st initiativeStats
	if err := r.tx.GetContext(r.ctx, &st, h.q.InitiativesStats, r.sess.OrgID, r.sess.Today, p.arg()); err != nil {
		return st, fmt.Errorf("initiatives-stats: %w", err)
	}
	return st, nil
}

// initiativeRow is one row of initiatives-list, in its column order.
type initiativeRow struct {
	ID, Title, Status           string
	Progress                    int
	StartDate, EndDate          time.Time
	ObjectiveID, ObjectiveTitle string
	OwnerName, SortKey          string
	Matches                     int
}

// scanInitiativeRows runs initiatives-list and scans by position (the
// table is a hot fragment; sqlx's reflection shows in profiles).
func scanInitiativeRows(r *request, dest *[]initiativeRow, query string, args []any) error {
	rows, err := r.tx.QueryContext(r.ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var i initiativeRow
		if err := rows.Scan(&i.ID, &i.Title, &i.Status, &i.Progress, &i.StartDate, &i.EndDate,
			&i.ObjectiveID, &i.ObjectiveTitle, &i.OwnerName, &i.SortKey, &i.Matches); err != nil {
			return err
		}
		*dest = append(*dest, i)
	}
	return rows.Err()
}

// initiativeOpen reports a status that can still fall behind its dates.
func initiativeOpen(status string) bool { return status == "planning" || status == "in_progress" }

// initiativesTable is the table fragment's view-model.
type initiativesTable struct {
	Rows      []initiativeRow
	RowsHTML  template.HTML // see views.InitiativeRowsHTML
	Error     string
	Filtered  bool
	CanCreate bool
	Columns   []tableColumn
	pager
}

func (h *initiativeHandlers) loadTable(r *request, f initiativeFilters) (initiativesTable, error) {
	l := h.list
	base := f.values()
	t := initiativesTable{Filtered: f.filtered(), CanCreate: r.can(actInitiativeEdit), Columns: []tableColumn{
		l.column(base, f.listParams, "Título", "", "title"),
		l.column(base, f.listParams, "Objetivo", "", ""),
		l.column(base, f.listParams, "Responsable", "", ""),
		l.column(base, f.listParams, "Estado", "", ""),
		l.column(base, f.listParams, "Progreso", "", "progress"),
		l.column(base, f.listParams, "Inicio", "", "start_date"),
		l.column(base, f.listParams, "Fin", "", "end_date"),
	}}
	curKey, curID, err := h.cursorArgs(l, r.sess.OrgID, f.listParams)
	if err != nil {
		return t, err
	}
	args := []any{r.sess.OrgID, f.Status, nullable(f.Area), nullable(f.Owner), nullable(f.Parent), likePattern(f.Q)}
	if err := scanInitiativeRows(r, &t.Rows, l.query(f.listParams),
		append(args, curKey, curID, pageSize+1, countCap+1, f.arg())); err != nil {
		return t, fmt.Errorf("initiatives-list: %w", err)
	}
	matches := 0
	if len(t.Rows) > 0 {
		matches = t.Rows[0].Matches
	} else if err := r.tx.GetContext(r.ctx, &matches, h.q.InitiativesCount, append(args, countCap+1, f.arg())...); err != nil {
		return t, fmt.Errorf("initiatives-count: %w", err)
	}
	more := len(t.Rows) > pageSize
	if more {
		t.Rows = t.Rows[:pageSize]
	}
	if f.backward() {
		slices.Reverse(t.Rows)
	}
	rows := make([]views.InitiativeRow, len(t.Rows))
	for i, row := range t.Rows {
		rows[i] = views.InitiativeRow{
			ID: row.ID, Title: row.Title, ObjectiveID: row.ObjectiveID, ObjectiveTitle: row.ObjectiveTitle,
			OwnerName: row.OwnerName, Status: row.Status, StatusLabel: views.Label("initiative", row.Status),
			Progress: row.Progress,
			StartISO: row.StartDate.Format(time.DateOnly), StartLabel: views.DateES(row.StartDate),
			EndISO: row.EndDate.Format(time.DateOnly), EndLabel: views.DateES(row.EndDate),
			Overdue: row.EndDate.Before(r.sess.Today) && initiativeOpen(row.Status),
		}
	}
	t.RowsHTML = views.InitiativeRowsHTML(rows)
	if len(t.Rows) > 0 {
		first, last := t.Rows[0], t.Rows[len(t.Rows)-1]
		t.pager = h.pagerFor(l, r.sess.OrgID, base, f.listParams,
			[2]string{first.SortKey, first.ID}, [2]string{last.SortKey, last.ID}, more)
	}
	t.CountLabel = countLabel(matches, "iniciativa", "iniciativas")
	return t, nil
}

// initiativeFilterForm is the filter form above the table.
type initiativeFilterForm struct {
	Q, Period                                  string
	Statuses, Areas, Owners, Objectives, Sorts []option
}

func (h *initiativeHandlers) filterForm(r *request, f initiativeFilters) (initiativeFilterForm, error) {
	form := initiativeFilterForm{Q: f.Q, Period: f.Param, Sorts: sortOptions(initiativeSortChoices, f.listParams)}
	for _, st := range initiativeStatuses {
		form.Statuses = append(form.Statuses, option{Value: st, Label: views.Label("initiative", st), Selected: st == f.Status})
	}
	var err error
	if form.Areas, err = h.options(r, h.q.AreasOptions, f.Area); err != nil {
		return form, err
	}
	if form.Owners, err = h.options(r, h.q.MembersOptions, f.Owner); err != nil {
		return form, err
	}
	// The chosen objective is always offered, wherever it is; a malformed
	// one (the table already refused it) is not looked up.
	var chosen any
	if isUUID(f.Parent) {
		chosen = f.Parent
	}
	form.Objectives, err = h.objectiveOptions(r, f.Parent, h.q.InitiativeObjectiveFilter, f.arg(), chosen)
	return form, err
}

// objectiveOptions loads objectives (id, name) for a picker, marking the
// selected one.
func (h *initiativeHandlers) objectiveOptions(r *request, selected, query string, args ...any) ([]option, error) {
	var rows []struct {
		ID   string `db:"id"`
		Name string `db:"name"`
	}
	if err := r.tx.SelectContext(r.ctx, &rows, query, append([]any{r.sess.OrgID}, args...)...); err != nil {
		return nil, fmt.Errorf("initiative objective options: %w", err)
	}
	out := make([]option, len(rows))
	for i, row := range rows {
		out[i] = option{Value: row.ID, Label: row.Name, Selected: row.ID == selected}
	}
	return out, nil
}

type initiativesPage struct {
	Stats     initiativeStats
	Table     initiativesTable
	Filters   initiativeFilterForm
	CanCreate bool
}

// GET /initiatives
func (h *initiativeHandlers) index(c *fiber.Ctx, r *request) error {
	p := initiativesPage{CanCreate: r.can(actInitiativeEdit)}
	var err error
	f, ferr := h.parseFilters(c, r)
	if p.Stats, err = h.loadStats(r, f.period); err != nil {
		return err
	}
	if ferr == nil {
		p.Table, ferr = h.loadTable(r, f)
	}
	if ferr != nil {
		if p.Table.Error, err = tableError(ferr); err != nil {
			return err
		}
		p.Table.Rows = nil
		c.Status(fiber.StatusUnprocessableEntity)
	}
	if p.Filters, err = h.filterForm(r, f); err != nil {
		return err
	}
	return h.page(c, r, "initiatives/index", "Iniciativas", "initiatives", p)
}

// GET /fragments/initiatives/table
func (h *initiativeHandlers) tableFragment(c *fiber.Ctx, r *request) error {
	if h.notModified(c, r) {
		return nil
	}
	f, err := h.parseFilters(c, r)
	var t initiativesTable
	if err == nil {
		t, err = h.loadTable(r, f)
	}
	return h.answerTable(c, "initiatives/table", &t, err, func() string { return h.list.pushURL(f.values(), f.listParams) })
}

func (t *initiativesTable) refuse(msg string) { t.Error, t.Rows = msg, nil }

// initiativeDetail is one initiative as initiative-by-id reads it.
type initiativeDetail struct {
	ID                     string       `db:"id"`
	Title                  string       `db:"title"`
	Description            string       `db:"description"`
	Status                 string       `db:"status"`
	Priority               string       `db:"priority"`
	Progress               int          `db:"progress"`
	ProgressManual         int          `db:"progress_manual"`
	StartDate              time.Time    `db:"start_date"`
	EndDate                time.Time    `db:"end_date"`
	ArchivedAt             sql.NullTime `db:"archived_at"`
	Version                int          `db:"version"`
	ObjectiveID            string       `db:"objective_id"`
	ObjectiveTitle         string       `db:"objective_title"`
	ObjectiveArchived      bool         `db:"objective_archived"`
	OwnerID                string       `db:"owner_id"`
	OwnerName              string       `db:"owner_name"`
	AreaID                 string       `db:"area_id"`
	AreaName               string       `db:"area_name"`
	PeriodName             string       `db:"period_name"`
	ActivitiesLive         int          `db:"activities_live"`
	ActivitiesCompleted    int          `db:"activities_completed"`
	ActivitiesCancelled    int          `db:"activities_cancelled"`
	ActivitiesArchivedWith int          `db:"activities_archived_with"`
}

// load reads one initiative; malformed, unknown and other organisations'
// ids are all the same 404 (RLS makes "foreign" look like "none").
func (h *initiativeHandlers) load(r *request, id string) (initiativeDetail, error) {
	var d initiativeDetail
	if !isUUID(id) {
		return d, errNotFound
	}
	err := r.tx.GetContext(r.ctx, &d, h.q.InitiativeByID, r.sess.OrgID, id)
	if errors.Is(err, sql.ErrNoRows) {
		return d, errNotFound
	}
	if err != nil {
		return d, fmt.Errorf("initiative-by-id: %w", err)
	}
	return d, nil
}

// initiativeExplanation is the "¿Cómo se calcula?" of an initiative's
// progress: the activities that made it, or why it is the manual one.
type initiativeExplanation struct {
	Summary string
	Parts   []string
}

func explainInitiativeProgress(d initiativeDetail) initiativeExplanation {
	counted := d.ActivitiesLive - d.ActivitiesCancelled
	switch {
	case d.ArchivedAt.Valid:
		return initiativeExplanation{Summary: fmt.Sprintf("Está archivada, con sus actividades: mientras tanto muestra "+
			"el progreso indicado a mano, %d %%. Al restaurarla vuelve a calcularse con sus actividades.", d.ProgressManual)}
	case d.ActivitiesLive == 0:
		return initiativeExplanation{Summary: fmt.Sprintf("No tiene actividades, así que muestra el progreso "+
			"indicado a mano: %d %%.", d.ProgressManual)}
	case counted == 0:
		return initiativeExplanation{
			Summary: fmt.Sprintf("Todas sus actividades están canceladas y no cuentan, así que muestra el "+
				"progreso indicado a mano: %d %%.", d.ProgressManual),
			Parts: []string{spanishCount(d.ActivitiesCancelled, "actividad cancelada", "actividades canceladas")},
		}
	}
	return initiativeExplanation{
		Summary: fmt.Sprintf("Es la parte completada de sus actividades, sin contar las canceladas: %d de %d = %d %%.",
			d.ActivitiesCompleted, counted, d.Progress),
		Parts: []string{
			spanishCount(d.ActivitiesLive, "actividad", "actividades"),
			spanishCount(d.ActivitiesCompleted, "completada", "completadas"),
			spanishCount(d.ActivitiesCancelled, "cancelada, que no cuenta", "canceladas, que no cuentan"),
		},
	}
}

// spanishCount is "1 actividad", "3 actividades", "0 actividades".
func spanishCount(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return views.NumberES(strconv.Itoa(n)) + " " + many
}

// initiativeActivity is one activity listed on an initiative's page.
type initiativeActivity struct {
	ID           string       `db:"id"`
	Title        string       `db:"title"`
	Status       string       `db:"status"`
	DueDate      sql.NullTime `db:"due_date"`
	AssigneeName string       `db:"assignee_name"`
	Overdue      bool
}

type initiativeShow struct {
	Initiative     initiativeDetail
	Overdue        bool
	Explain        initiativeExplanation
	Activities     []initiativeActivity
	MoreActivities int
	CanEdit        bool
	CanDelete      bool
	CSRF           string
	History        []historyEntry
	Comments       commentsBlock
}

// mayEditInitiative reports whether the member may edit an initiative of
// this area.
func mayEditInitiative(r *request, areaID string) bool {
	return r.requireInArea(actInitiativeEdit, areaID) == nil
}

// GET /initiatives/:id
func (h *initiativeHandlers) show(c *fiber.Ctx, r *request) error {
	d, err := h.load(r, c.Params("id"))
	if err != nil {
		return err
	}
	v := initiativeShow{Initiative: d, Explain: explainInitiativeProgress(d), CSRF: r.csrf(),
		CanEdit: mayEditInitiative(r, d.AreaID), CanDelete: r.can(actInitiativeDelete),
		Overdue: d.EndDate.Before(r.sess.Today) && initiativeOpen(d.Status) && !d.ArchivedAt.Valid}
	if err := r.tx.SelectContext(r.ctx, &v.Activities, h.q.InitiativeActivities, r.sess.OrgID, d.ID, d.ArchivedAt); err != nil {
		return fmt.Errorf("initiative-activities: %w", err)
	}
	for i := range v.Activities {
		a := &v.Activities[i]
		a.Overdue = a.DueDate.Valid && a.DueDate.Time.Before(r.sess.Today) && (a.Status == "todo" || a.Status == "in_progress")
	}
	listed := d.ActivitiesLive
	if d.ArchivedAt.Valid {
		listed = d.ActivitiesArchivedWith
	}
	v.MoreActivities = max(listed-len(v.Activities), 0)
	if v.History, err = h.loadHistory(r, "initiative", d.ID); err != nil {
		return err
	}
	if v.Comments, err = h.loadComments(r, "initiative", d.ID); err != nil {
		return err
	}
	return h.page(c, r, "initiatives/show", d.Title, "initiatives", v)
}

// initiativeForm is the create and edit form: values, per-field errors and
// choices.
type initiativeForm struct {
	CSRF, ID, Action, Submit                             string
	Version                                              int
	Objective, Title, Description, Owner                 string
	Status, Priority, StartDate, EndDate, ProgressManual string
	Errors                                               map[string]string
	FormError                                            string
	Objectives, Owners, Statuses, Priorities             []option
	// keepObjective and keepOwner are choices the pickers offer although
	// they would not list them: the initiative's current objective and
	// owner (a removed member stays its owner until someone changes it).
	keepObjective, keepOwner option
}

func (f *initiativeForm) editing() bool { return f.ID != "" }

// initiativeFormFrom reads the posted fields; creating fills in the
// defaults of a form that omits status, priority or progress.
func initiativeFormFrom(c *fiber.Ctx, creating bool) initiativeForm {
	f := initiativeForm{
		Objective: strings.TrimSpace(c.FormValue("objective")), Title: strings.TrimSpace(c.FormValue("title")),
		Description: strings.TrimSpace(c.FormValue("description")), Owner: strings.TrimSpace(c.FormValue("owner")),
		Status: c.FormValue("status"), Priority: c.FormValue("priority"),
		StartDate: c.FormValue("start_date"), EndDate: c.FormValue("end_date"),
		ProgressManual: strings.TrimSpace(c.FormValue("progress_manual")), Errors: map[string]string{},
	}
	if creating {
		f.Status, f.Priority = cmp.Or(f.Status, "planning"), cmp.Or(f.Priority, "medium")
		f.ProgressManual = cmp.Or(f.ProgressManual, "0")
	}
	return f
}

// validateInitiativeForm checks every field and returns the parsed dates
// and manual progress.
func validateInitiativeForm(f *initiativeForm) (start, end time.Time, manual int) {
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
	case f.Objective == "":
		f.Errors["objective"] = "Elige el objetivo al que pertenece."
	case !isUUID(f.Objective):
		f.Errors["objective"] = "Ese objetivo no existe en tu organización."
	}
	if f.Owner != "" && !isUUID(f.Owner) {
		f.Errors["owner"] = "Ese responsable no existe en tu organización."
	}
	if !slices.Contains(initiativeStatuses, f.Status) {
		f.Errors["status"] = "Elige un estado de la lista."
	}
	if !slices.Contains(priorities, f.Priority) {
		f.Errors["priority"] = "Elige una prioridad de la lista."
	}
	var err error
	if start, err = parseDate(f.StartDate); err != nil {
		f.Errors["start_date"] = "Indica una fecha de inicio válida."
	}
	if end, err = parseDate(f.EndDate); err != nil {
		f.Errors["end_date"] = "Indica una fecha de fin válida."
	}
	if f.Errors["start_date"] == "" && f.Errors["end_date"] == "" && end.Before(start) {
		f.Errors["end_date"] = "La fecha de fin no puede ser anterior a la de inicio."
	}
	if manual, err = strconv.Atoi(f.ProgressManual); err != nil || manual < 0 || manual > 100 {
		f.Errors["progress_manual"] = "El progreso es un número entero entre 0 y 100."
	}
	return start, end, manual
}

// checkObjective checks the objective an initiative goes under: it must
// exist in the organisation and be live (else a field message), and the
// member must be allowed to act in its area (else 403).
func (h *initiativeHandlers) checkObjective(r *request, f *initiativeForm) error {
	if f.Errors["objective"] != "" {
		return nil
	}
	var o struct {
		AreaID   string `db:"area_id"`
		Archived bool   `db:"archived"`
	}
	err := r.tx.GetContext(r.ctx, &o, h.q.InitiativeObjective, r.sess.OrgID, f.Objective)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		f.Errors["objective"] = "Ese objetivo no existe en tu organización."
		return nil
	case err != nil:
		return fmt.Errorf("initiative-objective: %w", err)
	case o.Archived:
		f.Errors["objective"] = "Ese objetivo está archivado; elige uno activo."
		return nil
	}
	return r.requireInArea(actInitiativeEdit, o.AreaID)
}

// fillForm loads the pickers: live objectives (a gerente's: those of their
// area) and current members.
func (h *initiativeHandlers) fillForm(r *request, f *initiativeForm) error {
	var err error
	all := r.sess.Role == "corporativo"
	if f.Objectives, err = h.objectiveOptions(r, f.Objective, h.q.InitiativeObjectiveChoices, all, r.sess.AreaID); err != nil {
		return err
	}
	if f.Owners, err = h.options(r, h.q.MembersOptions, f.Owner); err != nil {
		return err
	}
	f.Objectives = keepChoice(f.Objectives, f.keepObjective, f.Objective)
	f.Owners = keepChoice(f.Owners, f.keepOwner, f.Owner)
	f.Statuses, f.Priorities = nil, nil
	for _, st := range initiativeStatuses {
		f.Statuses = append(f.Statuses, option{Value: st, Label: views.Label("initiative", st), Selected: st == f.Status})
	}
	for _, p := range priorities {
		f.Priorities = append(f.Priorities, option{Value: p, Label: views.Label("priority", p), Selected: p == f.Priority})
	}
	f.CSRF = r.csrf()
	f.Action, f.Submit = "/initiatives", "Crear iniciativa"
	if f.editing() {
		f.Action, f.Submit = "/initiatives/"+f.ID, "Guardar cambios"
	}
	return nil
}

// keepChoice adds keep to a picker's options unless they list it (or it
// is empty) and marks the selected value.
func keepChoice(opts []option, keep option, selected string) []option {
	if keep.Value != "" && !slices.ContainsFunc(opts, func(o option) bool { return o.Value == keep.Value }) {
		opts = append(opts, keep)
	}
	for i := range opts {
		opts[i].Selected = opts[i].Value == selected
	}
	return opts
}

// GET /initiatives/new (?objective=<id> preselects it)
func (h *initiativeHandlers) newForm(c *fiber.Ctx, r *request) error {
	if err := r.require(actInitiativeEdit); err != nil {
		return err
	}
	objective := c.Query("objective")
	if objective != "" && !isUUID(objective) {
		return invalid("El objetivo elegido no es válido.")
	}
	today := r.sess.Today
	f := initiativeForm{Objective: objective, Status: "planning", Priority: "medium", Owner: r.sess.UserID,
		ProgressManual: "0", StartDate: today.Format(time.DateOnly), EndDate: today.AddDate(0, 3, 0).Format(time.DateOnly)}
	if err := h.fillForm(r, &f); err != nil {
		return err
	}
	return h.page(c, r, "initiatives/new", "Nueva iniciativa", "initiatives", f)
}

// POST /initiatives
func (h *initiativeHandlers) create(c *fiber.Ctx, r *request) error {
	if err := r.require(actInitiativeEdit); err != nil {
		return err
	}
	f := initiativeFormFrom(c, true)
	start, end, manual := validateInitiativeForm(&f)
	if err := h.checkObjective(r, &f); err != nil {
		return err
	}
	if len(f.Errors) > 0 {
		return h.rejectForm(c, r, f)
	}
	var id string
	err := r.attempt(func() error {
		return r.tx.GetContext(r.ctx, &id, h.q.InitiativeCreate, r.sess.OrgID, f.Objective, f.Title, f.Description,
			nullable(f.Owner), f.Status, f.Priority, start, end, manual, r.sess.UserID)
	})
	if initiativeConstraintErrors(err, &f) {
		return h.rejectForm(c, r, f)
	}
	if err != nil {
		return fmt.Errorf("initiative-create: %w", err)
	}
	return initiativeSaved(c, "/initiatives/"+id)
}

// initiativeConstraintErrors turns the database's refusal of a form's
// values into field messages: the composite foreign keys refuse another
// organisation's owner or objective exactly like one that does not exist
// (for the objective, the trigger that copies its area says so first,
// naming no constraint).
func initiativeConstraintErrors(err error, f *initiativeForm) bool {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) || pqErr.Code != "23503" {
		return false
	}
	switch {
	case strings.Contains(pqErr.Constraint, "owner"):
		f.Errors["owner"] = "Ese responsable no existe en tu organización."
	case pqErr.Constraint == "" || strings.Contains(pqErr.Constraint, "objective"):
		f.Errors["objective"] = "Ese objetivo no existe en tu organización."
	default:
		f.FormError = "Un elemento relacionado no existe en tu organización."
	}
	return true
}

// initiativeSaved answers a successful write: htmx follows HX-Redirect and
// every card listening for initiatives-changed refreshes; a plain form
// gets 303.
func initiativeSaved(c *fiber.Ctx, target string) error {
	return redirectAfterWrite(c, "initiatives-changed", target)
}

// rejectForm answers 422 (or the 409 already set) with the form and its
// messages: the form alone for htmx, the whole page otherwise. Nothing was
// written.
func (h *initiativeHandlers) rejectForm(c *fiber.Ctx, r *request, f initiativeForm) error {
	if err := h.fillForm(r, &f); err != nil {
		return err
	}
	name, title := "initiatives/new", "Nueva iniciativa"
	if f.editing() {
		name, title = "initiatives/edit", "Editar iniciativa"
	}
	return h.Server.rejectForm(c, r, "initiatives/form", name, title, "initiatives", f)
}

var errInitiativeArchived = &Error{Status: fiber.StatusConflict,
	Message: "Esta iniciativa está archivada; restáurala para editarla."}

// loadForEdit reads an initiative and checks the member may edit it (by
// its current area).
func (h *initiativeHandlers) loadForEdit(r *request, id string) (initiativeDetail, error) {
	d, err := h.load(r, id)
	if err != nil {
		return d, err
	}
	return d, r.requireInArea(actInitiativeEdit, d.AreaID)
}

// keepCurrent makes the pickers offer the initiative's current objective
// and owner even when they would not list them.
func (f *initiativeForm) keepCurrent(d initiativeDetail) {
	f.keepObjective = option{Value: d.ObjectiveID, Label: d.ObjectiveTitle}
	if d.OwnerID != "" {
		f.keepOwner = option{Value: d.OwnerID, Label: d.OwnerName + " (ya no es miembro)"}
	}
}

// GET /initiatives/:id/edit
func (h *initiativeHandlers) editForm(c *fiber.Ctx, r *request) error {
	d, err := h.loadForEdit(r, c.Params("id"))
	if err != nil {
		return err
	}
	if d.ArchivedAt.Valid {
		return errInitiativeArchived
	}
	f := initiativeForm{ID: d.ID, Version: d.Version, Objective: d.ObjectiveID, Title: d.Title,
		Description: d.Description, Owner: d.OwnerID, Status: d.Status, Priority: d.Priority,
		StartDate: d.StartDate.Format(time.DateOnly), EndDate: d.EndDate.Format(time.DateOnly),
		ProgressManual: strconv.Itoa(d.ProgressManual)}
	f.keepCurrent(d)
	if err := h.fillForm(r, &f); err != nil {
		return err
	}
	return h.page(c, r, "initiatives/edit", "Editar iniciativa", "initiatives", f)
}

// POST /initiatives/:id saves an edit made on the version the form
// carries. Moving the initiative to another objective needs the right to
// act in both areas; its activities follow (triggers).
func (h *initiativeHandlers) update(c *fiber.Ctx, r *request) error {
	d, err := h.loadForEdit(r, c.Params("id"))
	if err != nil {
		return err
	}
	if d.ArchivedAt.Valid {
		return errInitiativeArchived
	}
	f := initiativeFormFrom(c, false)
	f.ID = d.ID
	f.keepCurrent(d)
	if f.Version, err = strconv.Atoi(c.FormValue("version")); err != nil {
		f.FormError = "Falta la versión del formulario; recarga la página."
		return h.rejectForm(c, r, f)
	}
	start, end, manual := validateInitiativeForm(&f)
	if f.Objective != d.ObjectiveID {
		if err := h.checkObjective(r, &f); err != nil {
			return err
		}
	}
	if len(f.Errors) > 0 {
		return h.rejectForm(c, r, f)
	}
	err = r.updateVersioned(h.q.InitiativeUpdate, h.q.InitiativeExists, d.ID, r.sess.OrgID, d.ID,
		f.Objective, f.Title, f.Description, nullable(f.Owner), f.Status, f.Priority, start, end, manual, f.Version)
	if initiativeConstraintErrors(err, &f) {
		return h.rejectForm(c, r, f)
	}
	if errors.Is(err, errStale) {
		f.FormError = errStale.Message
		c.Status(fiber.StatusConflict)
		return h.rejectForm(c, r, f)
	}
	if err != nil {
		return err
	}
	return initiativeSaved(c, "/initiatives/"+d.ID)
}

// POST /initiatives/:id/archive and /restore. Archiving hides the
// initiative and its activities from lists and stats; restoring brings
// back exactly the activities archived with it. Both are idempotent, and
// an initiative whose objective is archived comes back with the objective.
func (h *initiativeHandlers) archive(restore bool) txHandler {
	return func(c *fiber.Ctx, r *request) error {
		d, err := h.loadForEdit(r, c.Params("id"))
		if err != nil {
			return err
		}
		query := h.q.InitiativeArchive
		if restore {
			if d.ArchivedAt.Valid && d.ObjectiveArchived {
				return &Error{Status: fiber.StatusConflict,
					Message: "Su objetivo está archivado: restaura primero el objetivo y la iniciativa volverá con él."}
			}
			query = h.q.InitiativeRestore
		}
		if _, err := r.tx.ExecContext(r.ctx, query, r.sess.OrgID, d.ID); err != nil {
			return fmt.Errorf("initiative archive/restore: %w", err)
		}
		return initiativeSaved(c, "/initiatives/"+d.ID)
	}
}

// initiativeDeletion is the confirmation page's view-model.
type initiativeDeletion struct {
	CSRF, ID, Title string
	Archived        bool
	Activities      int `db:"activities"`
	Comments        int `db:"comments"`
	Changes         int `db:"changes"`
}

// Consequence says what a deletion takes with it.
func (d initiativeDeletion) Consequence() string {
	return "Se borrarán " + spanishCount(d.Activities, "actividad", "actividades") + ", " +
		spanishCount(d.Comments, "comentario", "comentarios") + " y " +
		spanishCount(d.Changes, "cambio del historial", "cambios del historial") + "."
}

// GET /initiatives/:id/delete asks for confirmation, saying what goes.
func (h *initiativeHandlers) deleteConfirm(c *fiber.Ctx, r *request) error {
	if err := r.require(actInitiativeDelete); err != nil {
		return err
	}
	d, err := h.load(r, c.Params("id"))
	if err != nil {
		return err
	}
	v := initiativeDeletion{CSRF: r.csrf(), ID: d.ID, Title: d.Title, Archived: d.ArchivedAt.Valid}
	if err := r.tx.GetContext(r.ctx, &v, h.q.InitiativeDeleteCounts, r.sess.OrgID, d.ID); err != nil {
		return fmt.Errorf("initiative-delete-counts: %w", err)
	}
	return h.page(c, r, "initiatives/delete", "Borrar iniciativa", "initiatives", v)
}

// POST /initiatives/:id/delete deletes for good (corporativo only).
func (h *initiativeHandlers) delete(c *fiber.Ctx, r *request) error {
	if err := r.require(actInitiativeDelete); err != nil {
		return err
	}
	id := c.Params("id")
	if !isUUID(id) {
		return errNotFound
	}
	res, err := r.tx.ExecContext(r.ctx, h.q.InitiativeDelete, r.sess.OrgID, id)
	if err != nil {
		return fmt.Errorf("initiative-delete: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("initiative-delete: %w", err)
	}
	if n != 1 {
		return errNotFound
	}
	return initiativeSaved(c, "/initiatives")
}

// InitiativesListSQL is the initiatives-list statement for one sort, as
// the table fragment runs it, for `make bench` to replay through pgbench.
func InitiativesListSQL(q *queries.Queries, sort string, desc, backward bool) (string, error) {
	l, err := newInitiativesListing(q)
	if err != nil {
		return "", err
	}
	sqlText, ok := l.sql[listKey(sort, desc, backward)]
	if !ok {
		return "", fmt.Errorf("no sort %q", sort)
	}
	return sqlText, nil
}
