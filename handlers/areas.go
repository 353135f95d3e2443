package handlers

import (
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/lib/pq"
)

// Areas: the department tree with its stats cards, and creating, editing,
// archiving and restoring areas (corporativo only; everyone else reads).
// The tree's rules — no cycles, and no live area under an archived one —
// are the database's (migrations/00010_areas.sql), race-free; the handlers
// check the same things first for clear field messages and turn the
// database's refusals into the same messages when a concurrent change wins.
// The periods settings page lives in periods_settings.go; its routes are
// registered here too.

var areaStatuses = []string{"active", "inactive", "planning"}

var areaStatusLabels = map[string]string{"active": "Activa", "inactive": "Inactiva", "planning": "En planificación"}

const defaultAreaColor = "#6b7280"

var (
	areaCodeRe  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,20}$`)
	areaColorRe = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)
)

const (
	msgAreaCycle        = "Un área no puede depender de sí misma ni de sus subáreas."
	msgAreaParentGone   = "Esa área no existe en tu organización."
	msgAreaParentArch   = "Esa área está archivada; elige un área activa."
	msgAreaManager      = "Esa persona no es miembro actual de tu organización."
	msgAreaCodeTaken    = "Ese código ya está en uso."
	msgAreaArchivedEdit = "Esta área está archivada; restáurala para editarla."
)

// areaRoutes registers the areas routes and the periods settings routes.
func (s *Server) areaRoutes(app *fiber.App) {
	app.Get("/areas", s.withTx(s.areasPage))
	app.Get("/fragments/areas/stats", s.withTx(s.areasStatsFragment))
	app.Get("/fragments/areas/tree", s.withTx(s.areasTreeFragment))
	app.Get("/areas/new", s.withTx(s.areaNew))
	app.Post("/areas", s.csrf, s.withTx(s.areaCreate))
	app.Get("/areas/:id/edit", s.withTx(s.areaEdit))
	app.Post("/areas/:id", s.csrf, s.withTx(s.areaUpdate))
	app.Post("/areas/:id/archive", s.csrf, s.withTx(s.areaArchive(false)))
	app.Post("/areas/:id/restore", s.csrf, s.withTx(s.areaArchive(true)))
	s.periodSettingsRoutes(app) // periods_settings.go
}

// areaNotices are the confirmations a redirect after a write asks for, by
// code, so a link cannot make the page say arbitrary things.
var areaNotices = map[string]string{
	"creada":     "Área creada.",
	"guardada":   "Cambios guardados.",
	"archivada":  "Área archivada. Puedes restaurarla desde «Áreas archivadas».",
	"archivadas": "Área archivada junto con sus subáreas. Puedes restaurarlas desde «Áreas archivadas».",
	"restaurada": "Área restaurada.",
}

type areaStats struct {
	Total    int64 `db:"total"`
	Active   int64 `db:"active"`
	Inactive int64 `db:"inactive"`
	Planning int64 `db:"planning"`
	Members  int64 `db:"members"`
}

func (s *Server) loadAreaStats(r *request) (areaStats, error) {
	var st areaStats
	if err := r.tx.GetContext(r.ctx, &st, s.q.AreasStats, r.sess.OrgID); err != nil {
		return st, fmt.Errorf("areas-stats: %w", err)
	}
	return st, nil
}

// areaRow is one row of areas-tree.
type areaRow struct {
	ID          string `db:"id"`
	Name        string `db:"name"`
	Code        string `db:"code"`
	Description string `db:"description"`
	Status      string `db:"status"`
	Color       string `db:"color"`
	ParentID    string `db:"parent_id"`
	ManagerName string `db:"manager_name"`
	Members     int    `db:"members"`
}

// areaNode is one area of the tree with its sub-areas.
type areaNode struct {
	areaRow
	StatusLabel string
	Children    areaTree
}

// areaTree is one level of the tree. "areas/tree" renders itself for each
// level, so the whole tree comes from one template with no depth limit.
type areaTree struct {
	Nodes     []areaNode
	Root      bool // the top level, which shows the empty state
	CanManage bool
}

// buildAreaTree nests the live areas under their parents, keeping the
// rows' order (by name) among siblings. An area whose parent is not among
// them (archived, which the database refuses for live areas but older data
// could hold) is shown at the top level, and so is an area on a loop: the
// tree never loses an area.
func buildAreaTree(rows []areaRow, canManage bool) areaTree {
	live := make(map[string]bool, len(rows))
	for _, a := range rows {
		live[a.ID] = true
	}
	children := map[string][]int{}
	var roots []int
	for i, a := range rows {
		if a.ParentID != "" && live[a.ParentID] {
			children[a.ParentID] = append(children[a.ParentID], i)
		} else {
			roots = append(roots, i)
		}
	}
	placed := make([]bool, len(rows))
	var level func(idx []int) areaTree
	level = func(idx []int) areaTree {
		t := areaTree{CanManage: canManage}
		for _, i := range idx {
			if placed[i] {
				continue
			}
			placed[i] = true
			n := areaNode{areaRow: rows[i], StatusLabel: areaStatusLabels[rows[i].Status]}
			n.Children = level(children[rows[i].ID])
			t.Nodes = append(t.Nodes, n)
		}
		return t
	}
	tree := level(roots)
	for i := range rows {
		if !placed[i] {
			tree.Nodes = append(tree.Nodes, level([]int{i}).Nodes...)
		}
	}
	tree.Root = true
	return tree
}

func (s *Server) loadAreaTree(r *request) (areaTree, error) {
	var rows []areaRow
	if err := r.tx.SelectContext(r.ctx, &rows, s.q.AreasTree, r.sess.OrgID); err != nil {
		return areaTree{}, fmt.Errorf("areas-tree: %w", err)
	}
	return buildAreaTree(rows, r.can(actAreasManage)), nil
}

// archivedArea is one row of areas-archived.
type archivedArea struct {
	ID             string       `db:"id"`
	Name           string       `db:"name"`
	Code           string       `db:"code"`
	Color          string       `db:"color"`
	ArchivedAt     sql.NullTime `db:"archived_at"`
	ParentName     string       `db:"parent_name"`
	ParentArchived bool         `db:"parent_archived"`
}

type areasPage struct {
	Stats     areaStats
	Tree      areaTree
	Archived  []archivedArea
	CanManage bool
	CSRF      string
	Notice    string
}

// GET /areas
func (s *Server) areasPage(c *fiber.Ctx, r *request) error {
	p := areasPage{CanManage: r.can(actAreasManage), Notice: areaNotices[c.Query("hecho")]}
	var err error
	if p.Stats, err = s.loadAreaStats(r); err != nil {
		return err
	}
	if p.Tree, err = s.loadAreaTree(r); err != nil {
		return err
	}
	if p.CanManage {
		p.CSRF = r.csrf()
		if err := r.tx.SelectContext(r.ctx, &p.Archived, s.q.AreasArchived, r.sess.OrgID); err != nil {
			return fmt.Errorf("areas-archived: %w", err)
		}
	}
	return s.page(c, r, "areas/index", "Áreas", "areas", p)
}

// GET /fragments/areas/stats
func (s *Server) areasStatsFragment(c *fiber.Ctx, r *request) error {
	if s.notModified(c, r) {
		return nil
	}
	st, err := s.loadAreaStats(r)
	if err != nil {
		return err
	}
	return s.fragment(c, "areas/stats", st)
}

// GET /fragments/areas/tree
func (s *Server) areasTreeFragment(c *fiber.Ctx, r *request) error {
	if s.notModified(c, r) {
		return nil
	}
	t, err := s.loadAreaTree(r)
	if err != nil {
		return err
	}
	return s.fragment(c, "areas/tree", t)
}

// areaDetail is one area as area-by-id reads it.
type areaDetail struct {
	ID              string       `db:"id"`
	Name            string       `db:"name"`
	Code            string       `db:"code"`
	Description     string       `db:"description"`
	ParentID        string       `db:"parent_id"`
	ManagerID       string       `db:"manager_id"`
	Status          string       `db:"status"`
	Color           string       `db:"color"`
	Version         int          `db:"version"`
	ArchivedAt      sql.NullTime `db:"archived_at"`
	ParentName      string       `db:"parent_name"`
	ParentArchived  bool         `db:"parent_archived"`
	LiveDescendants int          `db:"live_descendants"`
}

// loadArea finds an area of the request's organisation by the :id in the
// path. Malformed, unknown and other organisations' ids are all the same
// 404: RLS hides the last kind entirely.
func (s *Server) loadArea(c *fiber.Ctx, r *request) (areaDetail, error) {
	var a areaDetail
	id := strings.ToLower(c.Params("id"))
	if !isUUID(id) {
		return a, errNotFound
	}
	err := r.tx.GetContext(r.ctx, &a, s.q.AreaByID, r.sess.OrgID, id)
	if errors.Is(err, sql.ErrNoRows) {
		return a, errNotFound
	}
	if err != nil {
		return a, fmt.Errorf("area-by-id: %w", err)
	}
	return a, nil
}

// areaForm is the create and edit form's values, messages and choices.
type areaForm struct {
	CSRF, ID, Action, Submit                                string
	Version                                                 int
	Name, Code, Description, Parent, Manager, Status, Color string
	Errors                                                  map[string]string
	FormError                                               string
	Parents, Managers, Statuses                             []option
	// LiveDescendants are the sub-areas an archive takes along (edit page).
	LiveDescendants int
}

func (f *areaForm) editing() bool { return f.ID != "" }

func areaFromRequest(c *fiber.Ctx) areaForm {
	return areaForm{
		Name: strings.TrimSpace(c.FormValue("name")), Code: strings.TrimSpace(c.FormValue("code")),
		Description: strings.TrimSpace(c.FormValue("description")),
		Parent:      strings.ToLower(strings.TrimSpace(c.FormValue("parent"))),
		Manager:     strings.ToLower(strings.TrimSpace(c.FormValue("manager"))),
		Status:      c.FormValue("status", "active"),
		Color:       strings.ToLower(strings.TrimSpace(c.FormValue("color", defaultAreaColor))),
		Errors:      map[string]string{},
	}
}

// validateAreaForm checks every field's shape; areaRefs then checks what
// the parent and manager point at.
func validateAreaForm(f *areaForm) {
	switch n := utf8.RuneCountInString(f.Name); {
	case n == 0:
		f.Errors["name"] = "Escribe el nombre del área."
	case n > 120:
		f.Errors["name"] = "El nombre admite hasta 120 caracteres."
	}
	if f.Code != "" && !areaCodeRe.MatchString(f.Code) {
		f.Errors["code"] = "El código admite de 1 a 20 letras sin tilde, números, guiones y guiones bajos, sin espacios."
	}
	if utf8.RuneCountInString(f.Description) > 2000 {
		f.Errors["description"] = "La descripción admite hasta 2.000 caracteres."
	}
	switch {
	case f.Parent != "" && !isUUID(f.Parent):
		f.Errors["parent"] = msgAreaParentGone
	case f.editing() && f.Parent == f.ID:
		f.Errors["parent"] = msgAreaCycle
	}
	if f.Manager != "" && !isUUID(f.Manager) {
		f.Errors["manager"] = msgAreaManager
	}
	if !slices.Contains(areaStatuses, f.Status) {
		f.Errors["status"] = "Elige un estado de la lista."
	}
	if !areaColorRe.MatchString(f.Color) {
		f.Errors["color"] = "Elige un color en formato #rrggbb (por ejemplo, #2563eb)."
	}
}

// checkAreaRefs adds messages for a parent that is missing (or another
// organisation's: RLS makes the two the same) or archived, and for a
// manager who is not a current member. Values already refused by their
// shape are not sent to the database.
func (s *Server) checkAreaRefs(r *request, f *areaForm) error {
	var parent, manager any
	if f.Errors["parent"] == "" {
		parent = nullable(f.Parent)
	}
	if f.Errors["manager"] == "" {
		manager = nullable(f.Manager)
	}
	if parent == nil && manager == nil {
		return nil
	}
	var refs struct {
		ParentState string `db:"parent_state"`
		ManagerOK   bool   `db:"manager_ok"`
	}
	if err := r.tx.GetContext(r.ctx, &refs, s.q.AreaRefs, r.sess.OrgID, parent, manager); err != nil {
		return fmt.Errorf("area-refs: %w", err)
	}
	switch refs.ParentState {
	case "missing":
		f.Errors["parent"] = msgAreaParentGone
	case "archived":
		f.Errors["parent"] = msgAreaParentArch
	}
	if !refs.ManagerOK {
		f.Errors["manager"] = msgAreaManager
	}
	return nil
}

// areaConstraintErrors turns the database's refusals of a form's values
// into field messages, with the status to answer (409 for a code in use,
// 422 otherwise). ok is false for any other error.
func areaConstraintErrors(err error, f *areaForm) (status int, ok bool) {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) {
		return 0, false
	}
	switch {
	case pqErr.Code == "23505" && strings.Contains(pqErr.Constraint, "code"):
		f.Errors["code"] = msgAreaCodeTaken
		return fiber.StatusConflict, true
	case pqErr.Code == "23514" && (pqErr.Constraint == "areas_tree_no_cycle" || pqErr.Constraint == "areas_check"):
		f.Errors["parent"] = msgAreaCycle
	case pqErr.Code == "23514" && pqErr.Constraint == "areas_tree_live_parent":
		f.Errors["parent"] = msgAreaParentArch
	case pqErr.Code == "23503" && strings.Contains(pqErr.Constraint, "parent"):
		f.Errors["parent"] = msgAreaParentGone
	case pqErr.Code == "23503" && strings.Contains(pqErr.Constraint, "manager"):
		f.Errors["manager"] = msgAreaManager
	default:
		return 0, false
	}
	return fiber.StatusUnprocessableEntity, true
}

func (s *Server) fillAreaForm(r *request, f *areaForm) error {
	var parents []struct {
		ID   string `db:"id"`
		Name string `db:"name"`
	}
	if err := r.tx.SelectContext(r.ctx, &parents, s.q.AreaParentOptions, r.sess.OrgID, nullable(f.ID)); err != nil {
		return fmt.Errorf("area-parent-options: %w", err)
	}
	f.Parents = f.Parents[:0]
	for _, p := range parents {
		f.Parents = append(f.Parents, option{Value: p.ID, Label: p.Name, Selected: p.ID == f.Parent})
	}
	var err error
	if f.Managers, err = s.options(r, s.q.MembersOptions, f.Manager); err != nil {
		return err
	}
	f.Statuses = nil
	for _, st := range areaStatuses {
		f.Statuses = append(f.Statuses, option{Value: st, Label: areaStatusLabels[st], Selected: st == f.Status})
	}
	f.CSRF = r.csrf()
	f.Action, f.Submit = "/areas", "Crear área"
	if f.editing() {
		f.Action, f.Submit = "/areas/"+f.ID, "Guardar cambios"
	}
	return nil
}

// rejectAreaForm answers 422 (or the 409 already set) with the form and
// its messages: the form alone for htmx, the whole page otherwise.
// Nothing was written.
func (s *Server) rejectAreaForm(c *fiber.Ctx, r *request, f areaForm) error {
	if err := s.fillAreaForm(r, &f); err != nil {
		return err
	}
	if f.editing() {
		return s.rejectForm(c, r, "areas/form", "areas/edit", "Editar área", "areas", f)
	}
	return s.rejectForm(c, r, "areas/form", "areas/new", "Nueva área", "areas", f)
}

// areaSaved answers a successful write: htmx follows HX-Redirect (and the
// cards listening for areas-changed refresh), a plain form gets 303.
func (s *Server) areaSaved(c *fiber.Ctx, notice string) error {
	return redirectAfterWrite(c, "areas-changed", "/areas?hecho="+notice)
}

// GET /areas/new
func (s *Server) areaNew(c *fiber.Ctx, r *request) error {
	if err := r.require(actAreasManage); err != nil {
		return err
	}
	f := areaForm{Status: "active", Color: defaultAreaColor}
	if err := s.fillAreaForm(r, &f); err != nil {
		return err
	}
	return s.page(c, r, "areas/new", "Nueva área", "areas", f)
}

// POST /areas
func (s *Server) areaCreate(c *fiber.Ctx, r *request) error {
	if err := r.require(actAreasManage); err != nil {
		return err
	}
	f := areaFromRequest(c)
	validateAreaForm(&f)
	if err := s.checkAreaRefs(r, &f); err != nil {
		return err
	}
	if len(f.Errors) > 0 {
		return s.rejectAreaForm(c, r, f)
	}
	var id string
	err := r.attempt(func() error {
		return r.tx.GetContext(r.ctx, &id, s.q.AreaCreate, f.Name, nullable(f.Code), f.Description,
			nullable(f.Parent), nullable(f.Manager), f.Status, f.Color)
	})
	if status, ok := areaConstraintErrors(err, &f); ok {
		c.Status(status)
		return s.rejectAreaForm(c, r, f)
	}
	if err != nil {
		return fmt.Errorf("area-create: %w", err)
	}
	return s.areaSaved(c, "creada")
}

// GET /areas/:id/edit
func (s *Server) areaEdit(c *fiber.Ctx, r *request) error {
	if err := r.require(actAreasManage); err != nil {
		return err
	}
	a, err := s.loadArea(c, r)
	if err != nil {
		return err
	}
	if a.ArchivedAt.Valid {
		return &Error{Status: fiber.StatusConflict, Message: msgAreaArchivedEdit}
	}
	f := areaForm{ID: a.ID, Version: a.Version, Name: a.Name, Code: a.Code, Description: a.Description,
		Parent: a.ParentID, Manager: a.ManagerID, Status: a.Status, Color: strings.ToLower(a.Color),
		LiveDescendants: a.LiveDescendants}
	if err := s.fillAreaForm(r, &f); err != nil {
		return err
	}
	return s.page(c, r, "areas/edit", "Editar área", "areas", f)
}

// POST /areas/:id saves an edit made on the version the form carries.
func (s *Server) areaUpdate(c *fiber.Ctx, r *request) error {
	if err := r.require(actAreasManage); err != nil {
		return err
	}
	a, err := s.loadArea(c, r)
	if err != nil {
		return err
	}
	if a.ArchivedAt.Valid {
		return &Error{Status: fiber.StatusConflict, Message: msgAreaArchivedEdit}
	}
	f := areaFromRequest(c)
	f.ID, f.LiveDescendants = a.ID, a.LiveDescendants
	if f.Version, err = strconv.Atoi(c.FormValue("version")); err != nil {
		f.FormError = "Falta la versión del formulario; recarga la página."
	}
	validateAreaForm(&f)
	if err := s.checkAreaRefs(r, &f); err != nil {
		return err
	}
	if len(f.Errors) > 0 || f.FormError != "" {
		return s.rejectAreaForm(c, r, f)
	}
	err = r.updateVersioned(s.q.AreaUpdate, s.q.AreaExists, a.ID, r.sess.OrgID, a.ID, f.Version,
		f.Name, nullable(f.Code), f.Description, nullable(f.Parent), nullable(f.Manager), f.Status, f.Color)
	if status, ok := areaConstraintErrors(err, &f); ok {
		c.Status(status)
		return s.rejectAreaForm(c, r, f)
	}
	if errors.Is(err, errStale) {
		f.FormError = errStale.Message
		c.Status(fiber.StatusConflict)
		return s.rejectAreaForm(c, r, f)
	}
	if err != nil {
		return fmt.Errorf("area-update: %w", err)
	}
	return s.areaSaved(c, "guardada")
}

// POST /areas/:id/archive and /restore. Archiving takes the area's live
// sub-areas along (one timestamp); restoring brings back exactly the
// sub-areas archived with it, and only under a live parent.
func (s *Server) areaArchive(restore bool) txHandler {
	return func(c *fiber.Ctx, r *request) error {
		if err := r.require(actAreasManage); err != nil {
			return err
		}
		a, err := s.loadArea(c, r)
		if err != nil {
			return err
		}
		conflict := func(msg string) error { return &Error{Status: fiber.StatusConflict, Message: msg} }
		parentArchived := conflict("Primero restaura «" + a.ParentName + "», el área de la que depende.")
		query, notice := s.q.AreaArchive, "archivada"
		switch {
		case restore && !a.ArchivedAt.Valid:
			return conflict("Esta área no está archivada.")
		case restore && a.ParentArchived:
			return parentArchived
		case restore:
			query, notice = s.q.AreaRestore, "restaurada"
		case a.ArchivedAt.Valid:
			return conflict("Esta área ya está archivada.")
		}
		var n int
		err = r.attempt(func() error { return r.tx.GetContext(r.ctx, &n, query, r.sess.OrgID, a.ID) })
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Code == "23514" {
			// A concurrent request won: it hung a sub-area from this one
			// while it was being archived, or archived the parent of the
			// one being restored.
			if pqErr.Constraint == "areas_tree_live_parent" {
				return parentArchived
			}
			return conflict("Alguien cambió las subáreas de esta área mientras tanto; recarga e inténtalo de nuevo.")
		}
		if err != nil {
			return fmt.Errorf("area archive/restore: %w", err)
		}
		if n == 0 {
			return errStale // archived or restored by someone else in the meantime
		}
		if !restore && n > 1 {
			notice = "archivadas"
		}
		return s.areaSaved(c, notice)
	}
}
