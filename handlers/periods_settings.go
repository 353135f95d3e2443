package handlers

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/lib/pq"

	"rumbo/views"
)

// Periods under settings (corporativo only): the list with the current
// period and how many objectives use each, creating and editing periods
// (names unique per organisation, end not before start, optimistic
// concurrency), the four quarters of a fiscal year in one go, and deletion
// after a confirmation that says what loses its period (the foreign keys
// set it to NULL). The period selector itself is periods.go's.

const msgPeriodNameTaken = "Ya existe un periodo con ese nombre."

func (s *Server) periodSettingsRoutes(app *fiber.App) {
	app.Get("/settings/periods", s.withTx(s.periodsSettingsPage))
	app.Get("/fragments/periods/table", s.withTx(s.periodsSettingsTable))
	app.Post("/settings/periods", s.csrf, s.withTx(s.periodSettingsCreate))
	app.Post("/settings/periods/quarters", s.csrf, s.withTx(s.periodSettingsQuarters))
	app.Get("/settings/periods/:id/edit", s.withTx(s.periodSettingsEdit))
	app.Post("/settings/periods/:id", s.csrf, s.withTx(s.periodSettingsUpdate))
	app.Get("/settings/periods/:id/delete", s.withTx(s.periodSettingsDeleteConfirm))
	app.Post("/settings/periods/:id/delete", s.csrf, s.withTx(s.periodSettingsDelete))
}

var periodNotices = map[string]string{
	"creado":   "Periodo creado.",
	"guardado": "Cambios guardados.",
	"borrado":  "Periodo borrado. Lo que tenía ese periodo quedó sin periodo.",
}

// periodListRow is one row of periods-list, plus how it is shown.
type periodListRow struct {
	ID         string    `db:"id"`
	Name       string    `db:"name"`
	StartDate  time.Time `db:"start_date"`
	EndDate    time.Time `db:"end_date"`
	Version    int       `db:"version"`
	Current    bool      `db:"current"`
	Objectives int       `db:"objectives"`
	State      string
	StateLabel string
}

type periodsTable struct {
	Rows []periodListRow
}

func (s *Server) loadPeriodsTable(r *request) (periodsTable, error) {
	var t periodsTable
	if err := r.tx.SelectContext(r.ctx, &t.Rows, s.q.PeriodsList, r.sess.OrgID, r.sess.Today); err != nil {
		return t, fmt.Errorf("periods-list: %w", err)
	}
	today := r.sess.Today
	for i := range t.Rows {
		p := &t.Rows[i]
		switch {
		case p.Current:
			p.State, p.StateLabel = "current", "Actual"
		case p.StartDate.After(today):
			p.State, p.StateLabel = "upcoming", "Próximo"
		case p.EndDate.Before(today):
			p.State, p.StateLabel = "past", "Finalizado"
		default: // covers today too, but a later-starting period is the current one
			p.State, p.StateLabel = "ongoing", "En curso"
		}
	}
	return t, nil
}

// periodEditForm is the create and edit form's values and messages.
type periodEditForm struct {
	CSRF, ID, Action, Submit string
	Version                  int
	Name, StartDate, EndDate string
	Errors                   map[string]string
	FormError, Saved         string
}

func (f *periodEditForm) editing() bool { return f.ID != "" }

func (f *periodEditForm) fill(r *request) {
	f.CSRF = r.csrf()
	f.Action, f.Submit = "/settings/periods", "Crear periodo"
	if f.editing() {
		f.Action, f.Submit = "/settings/periods/"+f.ID, "Guardar cambios"
	}
}

// quartersForm creates the four quarters of a fiscal year.
type quartersForm struct {
	CSRF, Year, Error, Saved string
	StartMonth               string // "enero", the month the fiscal year starts
	Example                  string // what the default year's quarters are
}

var monthNamesES = [...]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
	"septiembre", "octubre", "noviembre", "diciembre"}

// fiscalQuarter is one quarter of a fiscal year.
type fiscalQuarter struct {
	Name       string
	Start, End time.Time
}

// fiscalQuarters are the quarters of fiscal year `year`, which starts on
// the first day of month startMonth (1-12) of that calendar year: with
// April, "T1 2027" is April to June 2027 and "T4 2027" January to March
// 2028.
func fiscalQuarters(year, startMonth int) []fiscalQuarter {
	out := make([]fiscalQuarter, 4)
	for q := range out {
		start := time.Date(year, time.Month(startMonth+3*q), 1, 0, 0, 0, 0, time.UTC)
		out[q] = fiscalQuarter{Name: "T" + strconv.Itoa(q+1) + " " + strconv.Itoa(year), Start: start,
			End: start.AddDate(0, 3, -1)}
	}
	return out
}

func (s *Server) fiscalYearStart(r *request) (int, error) {
	var m int
	if err := r.tx.GetContext(r.ctx, &m, s.q.PeriodsFiscalYearStart, r.sess.OrgID); err != nil {
		return 0, fmt.Errorf("periods-fiscal-year-start: %w", err)
	}
	return m, nil
}

func (s *Server) fillQuartersForm(r *request, f *quartersForm) error {
	m, err := s.fiscalYearStart(r)
	if err != nil {
		return err
	}
	f.CSRF, f.StartMonth = r.csrf(), monthNamesES[m-1]
	if f.Year == "" {
		f.Year = strconv.Itoa(r.sess.Today.Year())
	}
	year, err := strconv.Atoi(f.Year)
	if err != nil || year < 2000 || year > 2100 {
		year = r.sess.Today.Year()
	}
	qs := fiscalQuarters(year, m)
	f.Example = fmt.Sprintf("%s: del %s al %s; %s: del %s al %s.", qs[0].Name, views.DateES(qs[0].Start),
		views.DateES(qs[0].End), qs[3].Name, views.DateES(qs[3].Start), views.DateES(qs[3].End))
	return nil
}

type periodsSettings struct {
	Table    periodsTable
	Form     periodEditForm
	Quarters quartersForm
	Notice   string
}

// GET /settings/periods
func (s *Server) periodsSettingsPage(c *fiber.Ctx, r *request) error {
	if err := r.require(actPeriodsManage); err != nil {
		return err
	}
	return s.renderPeriodsSettings(c, r, periodEditForm{}, quartersForm{}, periodSettingsNotice(c))
}

// periodSettingsNotice is the confirmation a redirect asked for: a fixed
// message by code, or for the quarters numbers only, so a link cannot make
// the page say arbitrary things.
func periodSettingsNotice(c *fiber.Ctx) string {
	if c.Query("hecho") != "trimestres" {
		return periodNotices[c.Query("hecho")]
	}
	n, err1 := strconv.Atoi(c.Query("creados"))
	year, err2 := strconv.Atoi(c.Query("anio"))
	if err1 != nil || err2 != nil || n < 0 || n > 4 || year < 2000 || year > 2100 {
		return ""
	}
	return quartersMessage(year, n, nil, nil)
}

// renderPeriodsSettings renders the whole page around the given forms.
func (s *Server) renderPeriodsSettings(c *fiber.Ctx, r *request, form periodEditForm, quarters quartersForm, notice string) error {
	p := periodsSettings{Form: form, Quarters: quarters, Notice: notice}
	var err error
	if p.Table, err = s.loadPeriodsTable(r); err != nil {
		return err
	}
	p.Form.fill(r)
	if err := s.fillQuartersForm(r, &p.Quarters); err != nil {
		return err
	}
	return s.page(c, r, "periods/index", "Periodos", "periods", p)
}

// GET /fragments/periods/table
func (s *Server) periodsSettingsTable(c *fiber.Ctx, r *request) error {
	if err := r.require(actPeriodsManage); err != nil {
		return err
	}
	if s.notModified(c, r) {
		return nil
	}
	t, err := s.loadPeriodsTable(r)
	if err != nil {
		return err
	}
	return s.fragment(c, "periods/table", t)
}

func periodFromRequest(c *fiber.Ctx) periodEditForm {
	return periodEditForm{Name: strings.TrimSpace(c.FormValue("name")),
		StartDate: strings.TrimSpace(c.FormValue("start_date")), EndDate: strings.TrimSpace(c.FormValue("end_date")),
		Errors: map[string]string{}}
}

// validatePeriodForm checks every field and returns the parsed dates.
func validatePeriodForm(f *periodEditForm) (start, end time.Time) {
	switch n := utf8.RuneCountInString(f.Name); {
	case n == 0:
		f.Errors["name"] = "Escribe el nombre del periodo."
	case n > 60:
		f.Errors["name"] = "El nombre admite hasta 60 caracteres."
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
	return start, end
}

// isPeriodNameTaken recognises the unique (org_id, name) refusal.
func isPeriodNameTaken(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "23505" && strings.Contains(pqErr.Constraint, "name")
}

// rejectPeriodForm answers 422 (or the 409 already set) with the form and
// its messages: the form alone for htmx, the whole page otherwise.
func (s *Server) rejectPeriodForm(c *fiber.Ctx, r *request, f periodEditForm) error {
	if c.Response().StatusCode() != fiber.StatusConflict {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	f.fill(r)
	switch {
	case isHTMX(c):
		return s.fragment(c, "periods/form", f)
	case f.editing():
		return s.page(c, r, "periods/edit", "Editar periodo", "periods", f)
	}
	return s.renderPeriodsSettings(c, r, f, quartersForm{}, "")
}

// POST /settings/periods
func (s *Server) periodSettingsCreate(c *fiber.Ctx, r *request) error {
	if err := r.require(actPeriodsManage); err != nil {
		return err
	}
	f := periodFromRequest(c)
	start, end := validatePeriodForm(&f)
	if len(f.Errors) > 0 {
		return s.rejectPeriodForm(c, r, f)
	}
	var id string
	err := r.attempt(func() error {
		return r.tx.GetContext(r.ctx, &id, s.q.PeriodCreate, f.Name, start, end)
	})
	if isPeriodNameTaken(err) {
		f.Errors["name"] = msgPeriodNameTaken
		c.Status(fiber.StatusConflict)
		return s.rejectPeriodForm(c, r, f)
	}
	if err != nil {
		return fmt.Errorf("period-create: %w", err)
	}
	if isHTMX(c) {
		// A fresh form for the next one; the table refreshes itself.
		blank := periodEditForm{Saved: "Periodo «" + f.Name + "» creado."}
		blank.fill(r)
		c.Set("HX-Trigger", "periods-changed")
		return s.fragment(c, "periods/form", blank)
	}
	return c.Redirect("/settings/periods?hecho=creado", fiber.StatusSeeOther)
}

// quartersMessage says what creating a fiscal year's quarters did; the
// names are known only to the htmx answer (the redirect carries numbers).
func quartersMessage(year, created int, createdNames, existing []string) string {
	switch {
	case created == 0:
		return "Los cuatro trimestres del año fiscal " + strconv.Itoa(year) + " ya existían; no se creó ninguno."
	case createdNames == nil:
		return "Se crearon " + strconv.Itoa(created) + " trimestres del año fiscal " + strconv.Itoa(year) + "."
	}
	msg := "Se crearon " + spanishAnd(createdNames) + "."
	if created == 1 {
		msg = "Se creó " + createdNames[0] + "."
	}
	switch len(existing) {
	case 0:
	case 1:
		msg += " " + existing[0] + " ya existía."
	default:
		msg += " " + spanishAnd(existing) + " ya existían."
	}
	return msg
}

// spanishAnd joins words as "a, b y c".
func spanishAnd(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " y " + words[len(words)-1]
}

// POST /settings/periods/quarters creates the quarters of a fiscal year
// that do not exist yet (by name), from the organisation's fiscal year
// start.
func (s *Server) periodSettingsQuarters(c *fiber.Ctx, r *request) error {
	if err := r.require(actPeriodsManage); err != nil {
		return err
	}
	f := quartersForm{Year: strings.TrimSpace(c.FormValue("year"))}
	year, err := strconv.Atoi(f.Year)
	if err != nil || year < 2000 || year > 2100 {
		f.Error = "Indica un año entre 2000 y 2100."
		if err := s.fillQuartersForm(r, &f); err != nil {
			return err
		}
		c.Status(fiber.StatusUnprocessableEntity)
		if isHTMX(c) {
			return s.fragment(c, "periods/quarters", f)
		}
		return s.renderPeriodsSettings(c, r, periodEditForm{}, f, "")
	}
	m, err := s.fiscalYearStart(r)
	if err != nil {
		return err
	}
	qs := fiscalQuarters(year, m)
	names, starts, ends := make([]string, 4), make([]string, 4), make([]string, 4)
	for i, q := range qs {
		names[i], starts[i], ends[i] = q.Name, q.Start.Format(time.DateOnly), q.End.Format(time.DateOnly)
	}
	var created []string
	if err := r.tx.SelectContext(r.ctx, &created, s.q.PeriodsCreateQuarters,
		pq.Array(names), pq.Array(starts), pq.Array(ends)); err != nil {
		return fmt.Errorf("periods-create-quarters: %w", err)
	}
	if !isHTMX(c) {
		return c.Redirect(fmt.Sprintf("/settings/periods?hecho=trimestres&creados=%d&anio=%d", len(created), year),
			fiber.StatusSeeOther)
	}
	var made, existing []string
	for _, n := range names { // in quarter order
		if slices.Contains(created, n) {
			made = append(made, n)
		} else {
			existing = append(existing, n)
		}
	}
	f.Saved = quartersMessage(year, len(made), made, existing)
	if err := s.fillQuartersForm(r, &f); err != nil {
		return err
	}
	if len(made) > 0 {
		c.Set("HX-Trigger", "periods-changed")
	}
	return s.fragment(c, "periods/quarters", f)
}

// periodRecord is one period as period-by-id reads it.
type periodRecord struct {
	ID        string    `db:"id"`
	Name      string    `db:"name"`
	StartDate time.Time `db:"start_date"`
	EndDate   time.Time `db:"end_date"`
	Version   int       `db:"version"`
}

// loadPeriod finds a live period of the request's organisation by the :id
// in the path; malformed, unknown and other organisations' ids are the
// same 404.
func (s *Server) loadPeriod(c *fiber.Ctx, r *request) (periodRecord, error) {
	var p periodRecord
	id := strings.ToLower(c.Params("id"))
	if !isUUID(id) {
		return p, errNotFound
	}
	err := r.tx.GetContext(r.ctx, &p, s.q.PeriodByID, r.sess.OrgID, id)
	if errors.Is(err, sql.ErrNoRows) {
		return p, errNotFound
	}
	if err != nil {
		return p, fmt.Errorf("period-by-id: %w", err)
	}
	return p, nil
}

// GET /settings/periods/:id/edit
func (s *Server) periodSettingsEdit(c *fiber.Ctx, r *request) error {
	if err := r.require(actPeriodsManage); err != nil {
		return err
	}
	p, err := s.loadPeriod(c, r)
	if err != nil {
		return err
	}
	f := periodEditForm{ID: p.ID, Version: p.Version, Name: p.Name,
		StartDate: p.StartDate.Format(time.DateOnly), EndDate: p.EndDate.Format(time.DateOnly)}
	f.fill(r)
	return s.page(c, r, "periods/edit", "Editar periodo", "periods", f)
}

// POST /settings/periods/:id saves an edit made on the version the form
// carries.
func (s *Server) periodSettingsUpdate(c *fiber.Ctx, r *request) error {
	if err := r.require(actPeriodsManage); err != nil {
		return err
	}
	p, err := s.loadPeriod(c, r)
	if err != nil {
		return err
	}
	f := periodFromRequest(c)
	f.ID = p.ID
	if f.Version, err = strconv.Atoi(c.FormValue("version")); err != nil {
		f.FormError = "Falta la versión del formulario; recarga la página."
	}
	start, end := validatePeriodForm(&f)
	if len(f.Errors) > 0 || f.FormError != "" {
		return s.rejectPeriodForm(c, r, f)
	}
	err = r.updateVersioned(s.q.PeriodUpdate, s.q.PeriodExists, p.ID, r.sess.OrgID, p.ID, f.Version, f.Name, start, end)
	switch {
	case isPeriodNameTaken(err):
		f.Errors["name"] = msgPeriodNameTaken
		c.Status(fiber.StatusConflict)
		return s.rejectPeriodForm(c, r, f)
	case errors.Is(err, errStale):
		f.FormError = errStale.Message
		c.Status(fiber.StatusConflict)
		return s.rejectPeriodForm(c, r, f)
	case err != nil:
		return fmt.Errorf("period-update: %w", err)
	}
	return s.periodSaved(c, "guardado")
}

// periodSaved answers a successful edit or deletion: htmx follows
// HX-Redirect, a plain form gets 303.
func (s *Server) periodSaved(c *fiber.Ctx, notice string) error {
	return redirectAfterWrite(c, "periods-changed", "/settings/periods?hecho="+notice)
}

// periodDeletion is the confirmation page's view-model.
type periodDeletion struct {
	CSRF               string
	Period             periodRecord
	Objectives         int `db:"objectives"`
	ArchivedObjectives int `db:"archived_objectives"`
	Initiatives        int `db:"initiatives"`
	Activities         int `db:"activities"`
	Members            int `db:"members"`
}

// GET /settings/periods/:id/delete asks for confirmation, saying what
// loses its period.
func (s *Server) periodSettingsDeleteConfirm(c *fiber.Ctx, r *request) error {
	if err := r.require(actPeriodsManage); err != nil {
		return err
	}
	p, err := s.loadPeriod(c, r)
	if err != nil {
		return err
	}
	d := periodDeletion{CSRF: r.csrf(), Period: p}
	if err := r.tx.GetContext(r.ctx, &d, s.q.PeriodDeleteCounts, r.sess.OrgID, p.ID); err != nil {
		return fmt.Errorf("period-delete-counts: %w", err)
	}
	return s.page(c, r, "periods/delete", "Borrar periodo", "periods", d)
}

// POST /settings/periods/:id/delete deletes the period if it is still the
// version the confirmation showed.
func (s *Server) periodSettingsDelete(c *fiber.Ctx, r *request) error {
	if err := r.require(actPeriodsManage); err != nil {
		return err
	}
	p, err := s.loadPeriod(c, r)
	if err != nil {
		return err
	}
	version, err := strconv.Atoi(c.FormValue("version"))
	if err != nil {
		return invalid("Falta la versión del formulario; recarga la página.")
	}
	if err := r.updateVersioned(s.q.PeriodDelete, s.q.PeriodExists, p.ID, r.sess.OrgID, p.ID, version); err != nil {
		return err
	}
	return s.periodSaved(c, "borrado")
}
