package handlers

import (
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"math/big"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"rumbo/queries"
	"rumbo/views"
)

// Objectives: the list page with its stats and table fragments, the detail
// page, and creation. This file is the pattern the other nouns copy.

var objectiveStatuses = []string{"draft", "in_progress", "completed", "cancelled"}
var priorities = []string{"low", "medium", "high"}

var objectiveSorts = []sortSpec{
	{Name: "end_date", Key: "o.end_date", Type: "date", Label: "Fecha de fin"},
	{Name: "title", Key: "lower(o.title)", Type: "text", Label: "Título"},
	{Name: "progress", Key: "o.progress", Type: "smallint", Label: "Progreso"},
	{Name: "created_at", Key: "o.created_at", Type: "timestamptz", Label: "Fecha de creación"},
}

// objectiveSortChoices are the options of the "Ordenar por" select.
var objectiveSortChoices = []option{
	{Value: "end_date", Label: "Fin más próximo"},
	{Value: "-end_date", Label: "Fin más lejano"},
	{Value: "title", Label: "Título (A–Z)"},
	{Value: "-title", Label: "Título (Z–A)"},
	{Value: "-progress", Label: "Más avance"},
	{Value: "progress", Label: "Menos avance"},
	{Value: "-created_at", Label: "Más recientes"},
	{Value: "created_at", Label: "Más antiguos"},
}

func newObjectivesListing(q *queries.Queries) (*listing, error) {
	return newListing("/objectives", "/fragments/objectives/table", q.ObjectivesList, objectiveSorts, "end_date")
}

// objectiveFilters are the table's parameters, validated.
type objectiveFilters struct {
	Status, Area, Owner, Q string
	period
	listParams
}

func (f objectiveFilters) filtered() bool {
	return f.Status != "" || f.Area != "" || f.Owner != "" || f.Q != ""
}

// values are the filters as URL parameters (no sort, no cursor).
func (f objectiveFilters) values() url.Values {
	v := url.Values{}
	for _, kv := range [][2]string{{"q", f.Q}, {"status", f.Status}, {"area", f.Area}, {"owner", f.Owner},
		{"period", f.Param}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	return v
}

// parseObjectiveFilters reads the table parameters. Unknown or malformed
// values are refused with a 422 and a message, never silently ignored: a
// URL that says "filtered" must not show unfiltered rows.
func (s *Server) parseObjectiveFilters(c *fiber.Ctx, r *request) (objectiveFilters, error) {
	f := objectiveFilters{Status: c.Query("status"), Area: c.Query("area"), Owner: c.Query("owner"),
		Q: strings.TrimSpace(c.Query("q"))}
	var err error
	if f.listParams, err = s.objList.parseParams(c); err != nil {
		return f, err
	}
	if f.period, err = periodOf(c, r); err != nil {
		return f, err
	}
	if f.Status != "" && !slices.Contains(objectiveStatuses, f.Status) {
		return f, invalid("El estado elegido no existe. Elige Borrador, En progreso, Completado o Cancelado.")
	}
	if f.Area != "" && !isUUID(f.Area) {
		return f, invalid("El área elegida no es válida.")
	}
	if f.Owner != "" && !isUUID(f.Owner) {
		return f, invalid("El responsable elegido no es válido.")
	}
	if utf8.RuneCountInString(f.Q) > 100 {
		return f, invalid("La búsqueda admite hasta 100 caracteres.")
	}
	return f, nil
}

// The view-models: one per fragment, shared by the page and the fragment
// route so both always show the same numbers.

type objectiveStats struct {
	Total       int64 `db:"total"`
	Draft       int64 `db:"draft"`
	InProgress  int64 `db:"in_progress"`
	Completed   int64 `db:"completed"`
	Cancelled   int64 `db:"cancelled"`
	AvgProgress int64 `db:"avg_progress"`
	Overdue     int64 `db:"overdue"`
}

// objectiveRow is one row of objectives-list, in its column order.
type objectiveRow struct {
	ID, Title, Status, Priority string
	Progress                    int
	EndDate                     time.Time
	OwnerName, AreaName         string
	AreaColor, SortKey          string
	Matches                     int
}

// scanObjectiveRows runs objectives-list and scans by position: the table
// fragment is the hottest path, and sqlx's reflection showed in profiles.
func scanObjectiveRows(r *request, dest *[]objectiveRow, query string, args []any) error {
	rows, err := r.tx.QueryContext(r.ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var o objectiveRow
		if err := rows.Scan(&o.ID, &o.Title, &o.Status, &o.Priority, &o.Progress, &o.EndDate,
			&o.OwnerName, &o.AreaName, &o.AreaColor, &o.SortKey, &o.Matches); err != nil {
			return err
		}
		*dest = append(*dest, o)
	}
	return rows.Err()
}

type objectivesTable struct {
	Rows     []objectiveRow
	RowsHTML template.HTML // see views.ObjectiveRowsHTML
	Error    string
	Filtered bool
	Columns  []tableColumn
	pager
}

type filterForm struct {
	Q                              string
	Statuses, Areas, Owners, Sorts []option
}

type objectivesPage struct {
	Stats   objectiveStats
	Table   objectivesTable
	Filters filterForm
}

func (s *Server) loadObjectiveStats(r *request, p period) (objectiveStats, error) {
	var st objectiveStats
	if err := r.tx.GetContext(r.ctx, &st, s.q.ObjectivesStats, r.sess.OrgID, r.sess.Today, p.arg()); err != nil {
		return st, fmt.Errorf("objectives-stats: %w", err)
	}
	return st, nil
}

func (s *Server) loadObjectivesTable(r *request, f objectiveFilters) (objectivesTable, error) {
	l := s.objList
	base := f.values()
	t := objectivesTable{Filtered: f.filtered(), Columns: []tableColumn{
		l.column(base, f.listParams, "Título", "", "title"),
		l.column(base, f.listParams, "Responsable", "", ""),
		l.column(base, f.listParams, "Área", "", ""),
		l.column(base, f.listParams, "Estado", "", ""),
		l.column(base, f.listParams, "Progreso", "", "progress"),
		l.column(base, f.listParams, "Fin", "", "end_date"),
	}}
	curKey, curID, err := s.cursorArgs(l, r.sess.OrgID, f.listParams)
	if err != nil {
		return t, err
	}
	args := []any{r.sess.OrgID, f.Status, nullable(f.Area), nullable(f.Owner), likePattern(f.Q)}
	if err := scanObjectiveRows(r, &t.Rows, l.query(f.listParams),
		append(args, curKey, curID, pageSize+1, countCap+1, f.arg())); err != nil {
		return t, fmt.Errorf("objectives-list: %w", err)
	}
	matches := 0
	if len(t.Rows) > 0 {
		matches = t.Rows[0].Matches
	} else if err := r.tx.GetContext(r.ctx, &matches, s.q.ObjectivesCount, append(args, countCap+1, f.arg())...); err != nil {
		return t, fmt.Errorf("objectives-count: %w", err)
	}
	more := len(t.Rows) > pageSize
	if more {
		t.Rows = t.Rows[:pageSize]
	}
	if f.backward() {
		slices.Reverse(t.Rows)
	}
	rows := make([]views.ObjectiveRow, len(t.Rows))
	for i, row := range t.Rows {
		rows[i] = views.ObjectiveRow{
			ID: row.ID, Title: row.Title, Status: row.Status, OwnerName: row.OwnerName,
			AreaName: row.AreaName, AreaColor: row.AreaColor, Progress: row.Progress,
			High:        row.Priority == "high",
			Overdue:     row.EndDate.Before(r.sess.Today) && (row.Status == "draft" || row.Status == "in_progress"),
			StatusLabel: views.Label("objective", row.Status),
			EndISO:      row.EndDate.Format(time.DateOnly), EndLabel: views.DateES(row.EndDate),
		}
	}
	t.RowsHTML = views.ObjectiveRowsHTML(rows)
	if len(t.Rows) > 0 {
		first, last := t.Rows[0], t.Rows[len(t.Rows)-1]
		t.pager = s.pagerFor(l, r.sess.OrgID, base, f.listParams,
			[2]string{first.SortKey, first.ID}, [2]string{last.SortKey, last.ID}, more)
	}
	t.CountLabel = countLabel(matches, "objetivo", "objetivos")
	return t, nil
}

func (s *Server) filterForm(r *request, f objectiveFilters) (filterForm, error) {
	form := filterForm{Q: f.Q, Sorts: sortOptions(objectiveSortChoices, f.listParams)}
	for _, st := range objectiveStatuses {
		form.Statuses = append(form.Statuses, option{Value: st, Label: views.Label("objective", st), Selected: st == f.Status})
	}
	var err error
	if form.Areas, err = s.options(r, s.q.AreasOptions, f.Area); err != nil {
		return form, err
	}
	form.Owners, err = s.options(r, s.q.MembersOptions, f.Owner)
	return form, err
}

// GET /objectives
func (s *Server) objectivesPage(c *fiber.Ctx, r *request) error {
	var p objectivesPage
	var err error
	f, ferr := s.parseObjectiveFilters(c, r)
	if p.Stats, err = s.loadObjectiveStats(r, f.period); err != nil {
		return err
	}
	if ferr == nil {
		p.Table, ferr = s.loadObjectivesTable(r, f)
	}
	if ferr != nil {
		if p.Table.Error, err = tableError(ferr); err != nil {
			return err
		}
		p.Table.Rows = nil
		c.Status(fiber.StatusUnprocessableEntity)
	}
	if p.Filters, err = s.filterForm(r, f); err != nil {
		return err
	}
	return s.page(c, r, "objectives/index", "Objetivos", "objectives", p)
}

// GET /fragments/objectives/table
func (s *Server) objectivesTable(c *fiber.Ctx, r *request) error {
	if s.notModified(c, r) {
		return nil
	}
	f, err := s.parseObjectiveFilters(c, r)
	var t objectivesTable
	if err == nil {
		t, err = s.loadObjectivesTable(r, f)
	}
	return s.answerTable(c, "objectives/table", &t, err, func() string { return s.objList.pushURL(f.values(), f.listParams) })
}

func (t *objectivesTable) refuse(msg string) { t.Error, t.Rows = msg, nil }

type objectiveDetail struct {
	ID             string         `db:"id"`
	Title          string         `db:"title"`
	Description    string         `db:"description"`
	Status         string         `db:"status"`
	Priority       string         `db:"priority"`
	Progress       int            `db:"progress"`
	StartDate      time.Time      `db:"start_date"`
	EndDate        time.Time      `db:"end_date"`
	CreatedAt      time.Time      `db:"created_at"`
	UpdatedAt      time.Time      `db:"updated_at"`
	ArchivedAt     sql.NullTime   `db:"archived_at"`
	Version        int            `db:"version"`
	OwnerName      string         `db:"owner_name"`
	AreaName       string         `db:"area_name"`
	PeriodName     string         `db:"period_name"`
	ParentID       sql.NullString `db:"parent_id"`
	ParentTitle    string         `db:"parent_title"`
	KeyResultCount int            `db:"key_result_count"`
	AreaID         string         `db:"area_id"`
	ProgressManual int            `db:"progress_manual"`
	Overdue        bool
}

type keyResultRow struct {
	ID          string       `db:"id"`
	Title       string       `db:"title"`
	Kind        string       `db:"kind"`
	Direction   string       `db:"direction"`
	Start       string       `db:"start_value"`
	Target      string       `db:"target_value"`
	Current     string       `db:"current_value"`
	Unit        string       `db:"unit"`
	Weight      string       `db:"weight"`
	Progress    int          `db:"progress"`
	OwnerName   string       `db:"owner_name"`
	Owner       string       `db:"owner"`
	Archived    bool         `db:"archived"`
	LastCheckIn sql.NullTime `db:"last_check_in"`
	// Share is the key result's part of the objective's progress (its
	// weight over the live key results' total), for the explanation.
	Share      string
	CanCheckIn bool
	CheckIns   []checkInEntry
}

// objectiveChild is an aligned objective or an initiative under one.
type objectiveChild struct {
	Kind      string    `db:"kind"`
	ID        string    `db:"id"`
	Title     string    `db:"title"`
	Status    string    `db:"status"`
	Progress  int       `db:"progress"`
	EndDate   time.Time `db:"end_date"`
	OwnerName string    `db:"owner_name"`
}

// objectivePage is the detail page's view-model.
type objectivePage struct {
	Objective            objectiveDetail
	KeyResults, Archived []keyResultRow
	Aligned, Initiatives []objectiveChild
	History              []historyEntry
	Comments             commentsBlock
	CSRF                 string
	CanEdit, CanDelete   bool
	WeightTotal          string
}

// formatValue shows a key result's number with its unit, the Spanish way.
func formatValue(kind, value, unit string) string {
	switch kind {
	case "boolean":
		if strings.Trim(value, "0.") == "" {
			return "No"
		}
		return "Sí"
	case "percent":
		return views.NumberES(value) + " %"
	}
	if unit == "" {
		return views.NumberES(value)
	}
	return views.NumberES(value) + " " + unit
}

// GET /objectives/:id — unknown, malformed and foreign ids are all the same
// 404: RLS hides other organisations' rows, so "foreign" looks like "none".
func (s *Server) objectiveShow(c *fiber.Ctx, r *request) error {
	id := c.Params("id")
	if !isUUID(id) {
		return errNotFound
	}
	var d objectivePage
	if err := r.tx.GetContext(r.ctx, &d.Objective, s.q.ObjectiveByID, r.sess.OrgID, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return errNotFound
		}
		return fmt.Errorf("objective-by-id: %w", err)
	}
	o := &d.Objective
	o.Overdue = o.EndDate.Before(r.sess.Today) && (o.Status == "draft" || o.Status == "in_progress")
	d.CSRF = r.csrf()
	d.CanEdit = r.requireInArea(actObjectiveEdit, o.AreaID) == nil
	d.CanDelete = r.can(actObjectiveDelete)
	if err := s.loadObjectiveKeyResults(r, &d); err != nil {
		return err
	}
	var children []objectiveChild
	if err := r.tx.SelectContext(r.ctx, &children, s.q.ObjectiveChildren, r.sess.OrgID, id); err != nil {
		return fmt.Errorf("objective-children: %w", err)
	}
	for _, ch := range children {
		if ch.Kind == "objective" {
			d.Aligned = append(d.Aligned, ch)
		} else {
			d.Initiatives = append(d.Initiatives, ch)
		}
	}
	var err error
	if d.History, err = s.loadHistory(r, "objective", id); err != nil {
		return err
	}
	if d.Comments, err = s.loadComments(r, "objective", id); err != nil {
		return err
	}
	return s.page(c, r, "objectives/show", o.Title, "objectives", d)
}

// loadObjectiveKeyResults fills the key results (live and archived), their
// latest check-ins, who may check in, and each one's share of the progress.
func (s *Server) loadObjectiveKeyResults(r *request, d *objectivePage) error {
	var all []keyResultRow
	if err := r.tx.SelectContext(r.ctx, &all, s.q.ObjectiveKeyResults, r.sess.OrgID, d.Objective.ID); err != nil {
		return fmt.Errorf("objective-key-results: %w", err)
	}
	var checkIns []struct {
		KeyResultID string `db:"key_result_id"`
		checkInEntry
	}
	if err := r.tx.SelectContext(r.ctx, &checkIns, s.q.CheckInsForObjective, r.sess.OrgID, d.Objective.ID); err != nil {
		return fmt.Errorf("check-ins-for-objective: %w", err)
	}
	total := new(big.Rat)
	for _, k := range all {
		if w, ok := new(big.Rat).SetString(k.Weight); ok && !k.Archived {
			total.Add(total, w)
		}
	}
	d.WeightTotal = views.NumberES(total.FloatString(2))
	for _, k := range all {
		k.CanCheckIn = !k.Archived && !d.Objective.ArchivedAt.Valid && r.canCheckIn(d.Objective.AreaID, k.Owner)
		for _, c := range checkIns {
			if c.KeyResultID == k.ID {
				c.Value = formatValue(k.Kind, c.Value, k.Unit)
				k.CheckIns = append(k.CheckIns, c.checkInEntry)
			}
		}
		if w, ok := new(big.Rat).SetString(k.Weight); ok && total.Sign() > 0 && !k.Archived {
			k.Share = views.NumberES(new(big.Rat).Quo(new(big.Rat).Mul(w, big.NewRat(100, 1)), total).FloatString(1))
		}
		k.Weight = views.NumberES(k.Weight)
		k.Start, k.Current, k.Target = formatValue(k.Kind, k.Start, k.Unit), formatValue(k.Kind, k.Current, k.Unit),
			formatValue(k.Kind, k.Target, k.Unit)
		if k.Archived {
			d.Archived = append(d.Archived, k)
		} else {
			d.KeyResults = append(d.KeyResults, k)
		}
	}
	return nil
}

// parseDate reads an <input type=date> value, within years PostgreSQL and
// people both handle.
func parseDate(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return t, err
	}
	if t.Year() < 1900 || t.Year() > 2999 {
		return t, errors.New("date out of range")
	}
	return t, nil
}

// isUUID accepts the canonical 8-4-4-4-12 hex form only.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
				return false
			}
		}
	}
	return true
}

// ObjectivesListSQL is the objectives-list statement for one sort, as the
// table fragment runs it; `make bench` replays it through pgbench to
// measure the HTTP path's overhead over bare SQL.
func ObjectivesListSQL(q *queries.Queries, sort string, desc, backward bool) (string, error) {
	l, err := newObjectivesListing(q)
	if err != nil {
		return "", err
	}
	sqlText, ok := l.sql[listKey(sort, desc, backward)]
	if !ok {
		return "", fmt.Errorf("no sort %q", sort)
	}
	return sqlText, nil
}
