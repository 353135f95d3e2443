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

// Creating, editing, archiving, restoring and deleting objectives. The
// form works with htmx (422 swaps the form with its messages) and without
// (the whole page comes back); edits carry the row's version so a stale
// form never overwrites someone else's change.

// objectiveForm is the form's values, per-field errors and choices.
type objectiveForm struct {
	CSRF, ID, Action, Submit                        string
	Version                                         int
	Title, Description, Owner, Area, Period, Parent string
	Status, Priority, StartDate, EndDate, Progress  string
	Errors                                          map[string]string
	FormError                                       string
	Owners, Areas, Periods, Parents                 []option
	Statuses, Priorities                            []option
}

func (f *objectiveForm) editing() bool { return f.ID != "" }

func (s *Server) fillObjectiveForm(r *request, f *objectiveForm) error {
	var err error
	if f.Owners, err = s.options(r, s.q.MembersOptions, f.Owner); err != nil {
		return err
	}
	if f.Areas, err = s.options(r, s.q.AreasOptions, f.Area); err != nil {
		return err
	}
	if f.Periods, err = s.options(r, s.q.PeriodsOptions, f.Period); err != nil {
		return err
	}
	var parents []struct {
		ID   string `db:"id"`
		Name string `db:"name"`
	}
	if err := r.tx.SelectContext(r.ctx, &parents, s.q.ObjectiveParents, r.sess.OrgID, nullable(f.ID)); err != nil {
		return fmt.Errorf("objective-parents-options: %w", err)
	}
	f.Parents = nil
	for _, p := range parents {
		f.Parents = append(f.Parents, option{Value: p.ID, Label: p.Name, Selected: p.ID == f.Parent})
	}
	f.Statuses, f.Priorities = nil, nil
	for _, st := range objectiveStatuses {
		f.Statuses = append(f.Statuses, option{Value: st, Label: views.Label("objective", st), Selected: st == f.Status})
	}
	for _, p := range priorities {
		f.Priorities = append(f.Priorities, option{Value: p, Label: views.Label("priority", p), Selected: p == f.Priority})
	}
	f.CSRF = r.csrf()
	f.Action, f.Submit = "/objectives", "Crear objetivo"
	if f.editing() {
		f.Action, f.Submit = "/objectives/"+f.ID, "Guardar cambios"
	}
	return nil
}

// objectiveFromRequest reads the form's fields.
func objectiveFromRequest(c *fiber.Ctx) objectiveForm {
	return objectiveForm{
		Title: strings.TrimSpace(c.FormValue("title")), Description: strings.TrimSpace(c.FormValue("description")),
		Owner: c.FormValue("owner"), Area: c.FormValue("area"), Period: c.FormValue("period"),
		Parent: c.FormValue("parent"), Status: c.FormValue("status", "draft"), Priority: c.FormValue("priority", "medium"),
		StartDate: c.FormValue("start_date"), EndDate: c.FormValue("end_date"),
		Progress: strings.TrimSpace(c.FormValue("progress_manual", "0")), Errors: map[string]string{},
	}
}

// GET /objectives/new
func (s *Server) objectiveNew(c *fiber.Ctx, r *request) error {
	if err := r.require(actObjectiveCreate); err != nil {
		return err
	}
	today := r.sess.Today
	f := objectiveForm{Status: "draft", Priority: "medium", Owner: r.sess.UserID, Progress: "0",
		StartDate: today.Format(time.DateOnly), EndDate: today.AddDate(0, 3, 0).Format(time.DateOnly),
		Period: r.sess.PeriodID.String, Parent: c.Query("parent")}
	if r.sess.Role == "gerente" && r.sess.AreaID.Valid {
		f.Area = r.sess.AreaID.String
	}
	if err := s.fillObjectiveForm(r, &f); err != nil {
		return err
	}
	return s.page(c, r, "objectives/new", "Nuevo objetivo", "objectives", f)
}

// POST /objectives
func (s *Server) objectiveCreate(c *fiber.Ctx, r *request) error {
	if err := r.require(actObjectiveCreate); err != nil {
		return err
	}
	f := objectiveFromRequest(c)
	start, end, progress := validateObjectiveForm(&f)
	if r.sess.Role == "gerente" && !r.inArea(f.Area) {
		f.Errors["area"] = "Como gerente solo puedes crear objetivos de tu área."
	}
	if len(f.Errors) > 0 {
		return s.rejectObjectiveForm(c, r, f)
	}
	var id string
	err := r.attempt(func() error {
		return r.tx.GetContext(r.ctx, &id, s.q.ObjectiveCreate, r.sess.OrgID, f.Title, f.Description, nullable(f.Owner),
			nullable(f.Area), nullable(f.Period), nullable(f.Parent), f.Status, f.Priority, start, end, progress, r.sess.UserID)
	})
	if objectiveConstraintErrors(err, &f) {
		return s.rejectObjectiveForm(c, r, f)
	}
	if err != nil {
		return fmt.Errorf("objective-create: %w", err)
	}
	return s.objectiveSaved(c, "/objectives/"+id)
}

// objectiveConstraintErrors turns the database's refusals of a form's
// values into field messages: the composite foreign keys refuse an owner,
// area, period or parent of another organisation exactly like one that
// does not exist; the alignment trigger refuses a loop.
func objectiveConstraintErrors(err error, f *objectiveForm) bool {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) {
		return false
	}
	switch {
	case pqErr.Code == "23503" && strings.Contains(pqErr.Constraint, "owner"):
		f.Errors["owner"] = "Ese responsable no existe en tu organización."
	case pqErr.Code == "23503" && strings.Contains(pqErr.Constraint, "area"):
		f.Errors["area"] = "Esa área no existe en tu organización."
	case pqErr.Code == "23503" && strings.Contains(pqErr.Constraint, "period"):
		f.Errors["period"] = "Ese periodo no existe en tu organización."
	case pqErr.Code == "23503" && strings.Contains(pqErr.Constraint, "parent"):
		f.Errors["parent"] = "Ese objetivo no existe en tu organización."
	case pqErr.Code == "23503":
		f.FormError = "Un elemento relacionado no existe en tu organización."
	case pqErr.Code == "23514" && pqErr.Constraint == "objectives_alignment_tree":
		f.Errors["parent"] = "Un objetivo no puede alinearse consigo mismo ni con uno de sus subobjetivos."
	default:
		return false
	}
	return true
}

// objectiveSaved answers a successful create or edit: htmx follows
// HX-Redirect (and every card listening for objectives-changed refreshes),
// a plain form gets 303.
func (s *Server) objectiveSaved(c *fiber.Ctx, target string) error {
	return redirectAfterWrite(c, "objectives-changed", target)
}

// rejectObjectiveForm answers 422 (or 409) with the form and its messages:
// the form alone for htmx, the whole page otherwise. Nothing was written.
func (s *Server) rejectObjectiveForm(c *fiber.Ctx, r *request, f objectiveForm) error {
	if err := s.fillObjectiveForm(r, &f); err != nil {
		return err
	}
	name, title := "objectives/new", "Nuevo objetivo"
	if f.editing() {
		name, title = "objectives/edit", "Editar objetivo"
	}
	return s.rejectForm(c, r, "objectives/form", name, title, "objectives", f)
}

// validateObjectiveForm checks every field and returns the parsed dates
// and manual progress.
func validateObjectiveForm(f *objectiveForm) (start, end time.Time, progress int) {
	switch n := utf8.RuneCountInString(f.Title); {
	case n == 0:
		f.Errors["title"] = "Escribe un título."
	case n > 200:
		f.Errors["title"] = "El título admite hasta 200 caracteres."
	}
	if utf8.RuneCountInString(f.Description) > 5000 {
		f.Errors["description"] = "La descripción admite hasta 5.000 caracteres."
	}
	for field, v := range map[string]string{"owner": f.Owner, "area": f.Area, "period": f.Period, "parent": f.Parent} {
		if v != "" && !isUUID(v) {
			f.Errors[field] = map[string]string{"owner": "Ese responsable", "area": "Esa área", "period": "Ese periodo",
				"parent": "Ese objetivo"}[field] + " no existe en tu organización."
		}
	}
	if f.editing() && f.Parent == f.ID {
		f.Errors["parent"] = "Un objetivo no puede alinearse consigo mismo ni con uno de sus subobjetivos."
	}
	if !slices.Contains(objectiveStatuses, f.Status) {
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
	if progress, err = strconv.Atoi(f.Progress); err != nil || progress < 0 || progress > 100 {
		f.Errors["progress_manual"] = "El progreso es un número entero entre 0 y 100."
	}
	return start, end, progress
}

// objectiveForEdit is what the edit form starts from.
type objectiveForEdit struct {
	ID          string    `db:"id"`
	Title       string    `db:"title"`
	Description string    `db:"description"`
	Owner       string    `db:"owner"`
	Area        string    `db:"area"`
	Period      string    `db:"period"`
	Parent      string    `db:"parent"`
	Status      string    `db:"status"`
	Priority    string    `db:"priority"`
	StartDate   time.Time `db:"start_date"`
	EndDate     time.Time `db:"end_date"`
	Progress    int       `db:"progress_manual"`
	Version     int       `db:"version"`
	Archived    bool      `db:"archived"`
}

// loadObjectiveForEdit reads an objective and checks the member may edit
// it (by its current area).
func (s *Server) loadObjectiveForEdit(r *request, id string) (objectiveForEdit, error) {
	var o objectiveForEdit
	if !isUUID(id) {
		return o, errNotFound
	}
	err := r.tx.GetContext(r.ctx, &o, s.q.ObjectiveForEdit, r.sess.OrgID, id)
	if errors.Is(err, sql.ErrNoRows) {
		return o, errNotFound
	}
	if err != nil {
		return o, fmt.Errorf("objective-for-edit: %w", err)
	}
	return o, r.requireInArea(actObjectiveEdit, o.Area)
}

// GET /objectives/:id/edit
func (s *Server) objectiveEdit(c *fiber.Ctx, r *request) error {
	o, err := s.loadObjectiveForEdit(r, c.Params("id"))
	if err != nil {
		return err
	}
	if o.Archived {
		return &Error{Status: fiber.StatusConflict, Message: "Este objetivo está archivado; restáuralo para editarlo."}
	}
	f := objectiveForm{ID: o.ID, Version: o.Version, Title: o.Title, Description: o.Description, Owner: o.Owner,
		Area: o.Area, Period: o.Period, Parent: o.Parent, Status: o.Status, Priority: o.Priority,
		StartDate: o.StartDate.Format(time.DateOnly), EndDate: o.EndDate.Format(time.DateOnly),
		Progress: strconv.Itoa(o.Progress)}
	if err := s.fillObjectiveForm(r, &f); err != nil {
		return err
	}
	return s.page(c, r, "objectives/edit", "Editar objetivo", "objectives", f)
}

// POST /objectives/:id saves an edit made on the version the form carries.
func (s *Server) objectiveUpdate(c *fiber.Ctx, r *request) error {
	o, err := s.loadObjectiveForEdit(r, c.Params("id"))
	if err != nil {
		return err
	}
	f := objectiveFromRequest(c)
	f.ID = o.ID
	if f.Version, err = strconv.Atoi(c.FormValue("version")); err != nil {
		f.FormError = "Falta la versión del formulario; recarga la página."
		return s.rejectObjectiveForm(c, r, f)
	}
	start, end, progress := validateObjectiveForm(&f)
	if r.sess.Role == "gerente" && !r.inArea(f.Area) {
		f.Errors["area"] = "Como gerente solo puedes asignar objetivos a tu área."
	}
	if len(f.Errors) > 0 || f.FormError != "" {
		return s.rejectObjectiveForm(c, r, f)
	}
	err = r.updateVersioned(s.q.ObjectiveUpdate, s.q.ObjectiveExists, o.ID, r.sess.OrgID, o.ID, f.Version,
		f.Title, f.Description, nullable(f.Owner), nullable(f.Area), nullable(f.Period), nullable(f.Parent),
		f.Status, f.Priority, start, end, progress)
	if objectiveConstraintErrors(err, &f) {
		return s.rejectObjectiveForm(c, r, f)
	}
	if errors.Is(err, errStale) {
		f.FormError = errStale.Message
		c.Status(fiber.StatusConflict)
		return s.rejectObjectiveForm(c, r, f)
	}
	if err != nil {
		return err
	}
	return s.objectiveSaved(c, "/objectives/"+o.ID)
}

// POST /objectives/:id/archive and /restore: archiving hides the objective
// with its key results and initiatives (and their activities) from lists
// and stats; restoring brings back exactly what was archived with it.
func (s *Server) objectiveArchive(restore bool) txHandler {
	return func(c *fiber.Ctx, r *request) error {
		o, err := s.loadObjectiveForEdit(r, c.Params("id"))
		if err != nil {
			return err
		}
		query := s.q.ObjectiveArchive
		if restore {
			query = s.q.ObjectiveRestore
		}
		if _, err := r.tx.ExecContext(r.ctx, query, r.sess.OrgID, o.ID); err != nil {
			return fmt.Errorf("objective archive/restore: %w", err)
		}
		return s.objectiveSaved(c, "/objectives/"+o.ID)
	}
}

// objectiveDeletion is the confirmation page's view-model.
type objectiveDeletion struct {
	CSRF, ID, Title string
	KeyResults      int `db:"key_results"`
	CheckIns        int `db:"check_ins"`
	Initiatives     int `db:"initiatives"`
	Activities      int `db:"activities"`
	Comments        int `db:"comments"`
	Aligned         int `db:"aligned"`
}

// GET /objectives/:id/delete asks for confirmation, saying what goes.
func (s *Server) objectiveDeleteConfirm(c *fiber.Ctx, r *request) error {
	if err := r.require(actObjectiveDelete); err != nil {
		return err
	}
	o, err := s.loadObjectiveForEdit(r, c.Params("id"))
	if err != nil {
		return err
	}
	d := objectiveDeletion{CSRF: r.csrf(), ID: o.ID, Title: o.Title}
	if err := r.tx.GetContext(r.ctx, &d, s.q.ObjectiveDeleteCounts, r.sess.OrgID, o.ID); err != nil {
		return fmt.Errorf("objective-delete-counts: %w", err)
	}
	return s.page(c, r, "objectives/delete", "Borrar objetivo", "objectives", d)
}

// POST /objectives/:id/delete deletes for good (corporativo only).
func (s *Server) objectiveDelete(c *fiber.Ctx, r *request) error {
	if err := r.require(actObjectiveDelete); err != nil {
		return err
	}
	o, err := s.loadObjectiveForEdit(r, c.Params("id"))
	if err != nil {
		return err
	}
	if _, err := r.tx.ExecContext(r.ctx, s.q.ObjectiveDelete, r.sess.OrgID, o.ID); err != nil {
		return fmt.Errorf("objective-delete: %w", err)
	}
	return s.objectiveSaved(c, "/objectives")
}
