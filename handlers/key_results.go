package handlers

import (
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/lib/pq"

	"rumbo/views"
)

// Key results (created, edited and archived by whoever may edit their
// objective) and check-ins (recorded by the key result's owner, a gerente
// of its area or a corporativo). The database derives every progress from
// the values saved here (00004), in the same transaction.

var (
	krKinds      = []string{"number", "percent", "currency", "boolean", "milestone"}
	krDirections = []string{"increase", "decrease"}
)

// keyResultForm is the key result form's values, errors and choices.
type keyResultForm struct {
	CSRF, ID, ObjectiveID, ObjectiveTitle, Action, Submit string
	Version                                               int
	Title, Kind, Direction, Start, Target, Current        string
	Unit, Weight, Owner                                   string
	Errors                                                map[string]string
	FormError                                             string
	Owners, Kinds, Directions                             []option
}

func (f *keyResultForm) editing() bool { return f.ID != "" }

// krValues are a validated form's numbers, as PostgreSQL numeric text.
type krValues struct{ start, target, current, weight string }

func (s *Server) fillKeyResultForm(r *request, f *keyResultForm) error {
	var err error
	if f.Owners, err = s.options(r, s.q.MembersOptions, f.Owner); err != nil {
		return err
	}
	f.Kinds, f.Directions = nil, nil
	for _, k := range krKinds {
		f.Kinds = append(f.Kinds, option{Value: k, Label: views.Label("kr_kind", k), Selected: k == f.Kind})
	}
	for _, d := range krDirections {
		f.Directions = append(f.Directions, option{Value: d, Label: views.Label("direction", d), Selected: d == f.Direction})
	}
	f.CSRF = r.csrf()
	f.Action, f.Submit = "/objectives/"+f.ObjectiveID+"/key-results", "Crear resultado clave"
	if f.editing() {
		f.Action, f.Submit = "/key-results/"+f.ID, "Guardar cambios"
	}
	return nil
}

func keyResultFromRequest(c *fiber.Ctx) keyResultForm {
	return keyResultForm{
		Title: strings.TrimSpace(c.FormValue("title")), Kind: c.FormValue("kind", "number"),
		Direction: c.FormValue("direction", "increase"), Start: strings.TrimSpace(c.FormValue("start_value", "0")),
		Target: strings.TrimSpace(c.FormValue("target_value")), Current: strings.TrimSpace(c.FormValue("current_value", "0")),
		Unit: strings.TrimSpace(c.FormValue("unit")), Weight: strings.TrimSpace(c.FormValue("weight", "1")),
		Owner: c.FormValue("owner"), Errors: map[string]string{},
	}
}

// parseDecimal reads a number as people type it here: "1234.5", "1234,5"
// or "1.234,5", up to two decimals and within numeric(16, 2).
func parseDecimal(s string) (string, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	if strings.Contains(s, ",") {
		s = strings.ReplaceAll(s, ".", "")
		s = strings.Replace(s, ",", ".", 1)
	}
	if strings.Count(s, ".") > 1 {
		s = strings.ReplaceAll(s, ".", "") // "1.234.567": thousands
	}
	if s == "" || strings.ContainsAny(s, "eE") {
		return "", false
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return "", false
	}
	hundredths := new(big.Rat).Mul(r, big.NewRat(100, 1))
	if !hundredths.IsInt() || r.Cmp(big.NewRat(1e14, 1)) >= 0 || r.Cmp(big.NewRat(-1e14, 1)) <= 0 {
		return "", false
	}
	return r.FloatString(2), true
}

// plainNumber shows a numeric value for editing: "1500000.50" → "1500000.5",
// "12.00" → "12".
func plainNumber(v string) string {
	if strings.Contains(v, ".") {
		v = strings.TrimRight(strings.TrimRight(v, "0"), ".")
	}
	return v
}

// compareDecimal compares two values parseDecimal accepted.
func compareDecimal(a, b string) int {
	x, _ := new(big.Rat).SetString(a)
	y, _ := new(big.Rat).SetString(b)
	return x.Cmp(y)
}

// validateKeyResult checks every field; yes/no key results always go from
// 0 (no) to 1 (yes).
func validateKeyResult(f *keyResultForm) krValues {
	var v krValues
	switch n := utf8.RuneCountInString(f.Title); {
	case n == 0:
		f.Errors["title"] = "Escribe qué se va a medir."
	case n > 200:
		f.Errors["title"] = "El título admite hasta 200 caracteres."
	}
	if !slices.Contains(krKinds, f.Kind) {
		f.Errors["kind"] = "Elige un tipo de la lista."
	}
	if !slices.Contains(krDirections, f.Direction) {
		f.Errors["direction"] = "Elige si hay que aumentar o reducir."
	}
	if utf8.RuneCountInString(f.Unit) > 20 {
		f.Errors["unit"] = "La unidad admite hasta 20 caracteres."
	}
	if f.Kind == "currency" && f.Unit == "" {
		f.Errors["unit"] = "Indica la moneda (por ejemplo €, USD o MXN)."
	}
	if f.Owner != "" && !isUUID(f.Owner) {
		f.Errors["owner"] = "Ese responsable no existe en tu organización."
	}
	if f.Kind == "boolean" {
		f.Direction, f.Start, f.Target, f.Unit = "increase", "0", "1", ""
		if f.Current != "1" {
			f.Current = "0"
		}
	}
	var ok bool
	if v.start, ok = parseDecimal(f.Start); !ok {
		f.Errors["start_value"] = "El valor inicial es un número con hasta dos decimales."
	}
	if v.target, ok = parseDecimal(f.Target); !ok {
		f.Errors["target_value"] = "La meta es un número con hasta dos decimales."
	}
	if v.current, ok = parseDecimal(f.Current); !ok {
		f.Errors["current_value"] = "El valor actual es un número con hasta dos decimales."
	}
	if f.Kind == "percent" {
		for field, val := range map[string]string{"start_value": v.start, "target_value": v.target, "current_value": v.current} {
			if f.Errors[field] == "" && (compareDecimal(val, "0") < 0 || compareDecimal(val, "100") > 0) {
				f.Errors[field] = "Un porcentaje va de 0 a 100."
			}
		}
	}
	if f.Kind == "milestone" {
		for field, val := range map[string]string{"start_value": v.start, "target_value": v.target, "current_value": v.current} {
			if f.Errors[field] == "" && (compareDecimal(val, "0") < 0 || !strings.HasSuffix(val, ".00")) {
				f.Errors[field] = "Los hitos se cuentan con números enteros, desde 0."
			}
		}
	}
	if f.Errors["start_value"] == "" && f.Errors["target_value"] == "" && f.Errors["direction"] == "" {
		switch c := compareDecimal(v.target, v.start); {
		case f.Direction == "increase" && c < 0:
			f.Errors["target_value"] = "Para aumentar, la meta no puede ser menor que el valor inicial."
		case f.Direction == "decrease" && c > 0:
			f.Errors["target_value"] = "Para reducir, la meta no puede ser mayor que el valor inicial."
		}
	}
	weight, err := strconv.ParseFloat(strings.Replace(f.Weight, ",", ".", 1), 64)
	if err != nil || weight <= 0 || weight >= 10000 {
		f.Errors["weight"] = "El peso es un número mayor que 0 (1 por defecto)."
	} else {
		v.weight = strconv.FormatFloat(weight, 'f', 2, 64)
	}
	return v
}

// keyResultConstraintErrors maps the database's refusals to field messages.
func keyResultConstraintErrors(err error, f *keyResultForm) bool {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) {
		return false
	}
	switch {
	case pqErr.Code == "23503" && strings.Contains(pqErr.Constraint, "owner"):
		f.Errors["owner"] = "Ese responsable no existe en tu organización."
	case pqErr.Code == "23503":
		f.FormError = "El objetivo ya no existe en tu organización."
	case pqErr.Code == "23514":
		f.FormError = "Los valores no son coherentes; revisa el inicio, la meta y la dirección."
	default:
		return false
	}
	return true
}

// keyResultSaved answers a successful write: htmx follows HX-Redirect to
// the objective (whose stats and tables listen for objectives-changed), a
// plain form gets 303.
func (s *Server) keyResultSaved(c *fiber.Ctx, objectiveID string) error {
	return s.objectiveSaved(c, "/objectives/"+objectiveID)
}

func (s *Server) rejectKeyResultForm(c *fiber.Ctx, r *request, f keyResultForm) error {
	if err := s.fillKeyResultForm(r, &f); err != nil {
		return err
	}
	return s.rejectForm(c, r, "key_results/form", "key_results/edit", keyResultFormTitle(f), "objectives", f)
}

func keyResultFormTitle(f keyResultForm) string {
	if f.editing() {
		return "Editar resultado clave"
	}
	return "Nuevo resultado clave"
}

// GET /objectives/:id/key-results/new
func (s *Server) keyResultNew(c *fiber.Ctx, r *request) error {
	o, err := s.loadObjectiveForEdit(r, c.Params("id"))
	if err != nil {
		return err
	}
	if o.Archived {
		return &Error{Status: fiber.StatusConflict, Message: "Este objetivo está archivado; restáuralo para añadirle resultados clave."}
	}
	f := keyResultForm{ObjectiveID: o.ID, ObjectiveTitle: o.Title, Kind: "number", Direction: "increase",
		Start: "0", Current: "0", Weight: "1", Owner: o.Owner}
	if err := s.fillKeyResultForm(r, &f); err != nil {
		return err
	}
	return s.page(c, r, "key_results/edit", "Nuevo resultado clave", "objectives", f)
}

// POST /objectives/:id/key-results
func (s *Server) keyResultCreate(c *fiber.Ctx, r *request) error {
	o, err := s.loadObjectiveForEdit(r, c.Params("id"))
	if err != nil {
		return err
	}
	f := keyResultFromRequest(c)
	f.ObjectiveID, f.ObjectiveTitle = o.ID, o.Title
	if o.Archived {
		f.FormError = "Este objetivo está archivado; restáuralo para añadirle resultados clave."
		c.Status(fiber.StatusConflict)
		return s.rejectKeyResultForm(c, r, f)
	}
	v := validateKeyResult(&f)
	if len(f.Errors) > 0 {
		return s.rejectKeyResultForm(c, r, f)
	}
	err = r.attempt(func() error {
		var id string
		return r.tx.GetContext(r.ctx, &id, s.q.KeyResultCreate, r.sess.OrgID, o.ID, f.Title, f.Kind, f.Direction,
			v.start, v.target, v.current, f.Unit, v.weight, nullable(f.Owner))
	})
	if keyResultConstraintErrors(err, &f) {
		return s.rejectKeyResultForm(c, r, f)
	}
	if err != nil {
		return fmt.Errorf("key-result-create: %w", err)
	}
	return s.keyResultSaved(c, o.ID)
}

// keyResultForEdit is a key result with what its permissions depend on.
type keyResultForEdit struct {
	ID             string `db:"id"`
	ObjectiveID    string `db:"objective_id"`
	ObjectiveTitle string `db:"objective_title"`
	Area           string `db:"area"`
	Title          string `db:"title"`
	Kind           string `db:"kind"`
	Direction      string `db:"direction"`
	Start          string `db:"start_value"`
	Target         string `db:"target_value"`
	Current        string `db:"current_value"`
	Unit           string `db:"unit"`
	Weight         string `db:"weight"`
	Owner          string `db:"owner"`
	OwnerName      string `db:"owner_name"`
	Version        int    `db:"version"`
	Progress       int    `db:"progress"`
	Archived       bool   `db:"archived"`
	ObjectiveGone  bool   `db:"objective_archived"`
}

// loadKeyResult reads a key result of the request's organisation; another
// organisation's id is as unknown as a made-up one.
func (s *Server) loadKeyResult(r *request, id string) (keyResultForEdit, error) {
	var k keyResultForEdit
	if !isUUID(id) {
		return k, errNotFound
	}
	err := r.tx.GetContext(r.ctx, &k, s.q.KeyResultForEdit, r.sess.OrgID, id)
	if errors.Is(err, sql.ErrNoRows) {
		return k, errNotFound
	}
	if err != nil {
		return k, fmt.Errorf("key-result-for-edit: %w", err)
	}
	return k, nil
}

// GET /key-results/:id/edit
func (s *Server) keyResultEdit(c *fiber.Ctx, r *request) error {
	k, err := s.loadKeyResult(r, c.Params("id"))
	if err != nil {
		return err
	}
	if err := r.requireInArea(actObjectiveEdit, k.Area); err != nil {
		return err
	}
	if k.Archived {
		return &Error{Status: fiber.StatusConflict, Message: "Este resultado clave está archivado; restáuralo para editarlo."}
	}
	f := keyResultForm{ID: k.ID, ObjectiveID: k.ObjectiveID, ObjectiveTitle: k.ObjectiveTitle, Version: k.Version,
		Title: k.Title, Kind: k.Kind, Direction: k.Direction, Start: plainNumber(k.Start), Target: plainNumber(k.Target),
		Current: plainNumber(k.Current), Unit: k.Unit, Weight: plainNumber(k.Weight), Owner: k.Owner}
	if err := s.fillKeyResultForm(r, &f); err != nil {
		return err
	}
	return s.page(c, r, "key_results/edit", "Editar resultado clave", "objectives", f)
}

// POST /key-results/:id saves an edit made on the form's version.
func (s *Server) keyResultUpdate(c *fiber.Ctx, r *request) error {
	k, err := s.loadKeyResult(r, c.Params("id"))
	if err != nil {
		return err
	}
	if err := r.requireInArea(actObjectiveEdit, k.Area); err != nil {
		return err
	}
	f := keyResultFromRequest(c)
	f.ID, f.ObjectiveID, f.ObjectiveTitle = k.ID, k.ObjectiveID, k.ObjectiveTitle
	if f.Version, err = strconv.Atoi(c.FormValue("version")); err != nil {
		f.FormError = "Falta la versión del formulario; recarga la página."
		return s.rejectKeyResultForm(c, r, f)
	}
	v := validateKeyResult(&f)
	if len(f.Errors) > 0 {
		return s.rejectKeyResultForm(c, r, f)
	}
	err = r.updateVersioned(s.q.KeyResultUpdate, s.q.KeyResultExists, k.ID, r.sess.OrgID, k.ID, f.Version,
		f.Title, f.Kind, f.Direction, v.start, v.target, v.current, f.Unit, v.weight, nullable(f.Owner))
	if keyResultConstraintErrors(err, &f) {
		return s.rejectKeyResultForm(c, r, f)
	}
	if errors.Is(err, errStale) {
		f.FormError = errStale.Message
		c.Status(fiber.StatusConflict)
		return s.rejectKeyResultForm(c, r, f)
	}
	if err != nil {
		return err
	}
	return s.keyResultSaved(c, k.ObjectiveID)
}

// POST /key-results/:id/archive and /restore: an archived key result
// leaves its objective's progress until it is restored.
func (s *Server) keyResultArchive(restore bool) txHandler {
	return func(c *fiber.Ctx, r *request) error {
		k, err := s.loadKeyResult(r, c.Params("id"))
		if err != nil {
			return err
		}
		if err := r.requireInArea(actObjectiveEdit, k.Area); err != nil {
			return err
		}
		query := s.q.KeyResultArchive
		if restore {
			query = s.q.KeyResultRestore
		}
		if _, err := r.tx.ExecContext(r.ctx, query, r.sess.OrgID, k.ID); err != nil {
			return fmt.Errorf("key result archive/restore: %w", err)
		}
		return s.keyResultSaved(c, k.ObjectiveID)
	}
}

// requireCheckIn applies the check-in rule: a corporativo anywhere, a
// gerente in their area, an empleado on the key results they own.
func (r *request) requireCheckIn(k keyResultForEdit) error {
	if err := r.require(actCheckIn); err != nil {
		return err
	}
	switch r.sess.Role {
	case "gerente":
		if !r.inArea(k.Area) && k.Owner != r.sess.UserID {
			return forbidden("Como gerente solo puedes registrar avances en tu área.")
		}
	case "empleado":
		if k.Owner != r.sess.UserID {
			return forbidden(refusals[actCheckIn])
		}
	}
	return nil
}

// canCheckIn is requireCheckIn as a yes/no, for showing the button.
func (r *request) canCheckIn(area, owner string) bool {
	return r.requireCheckIn(keyResultForEdit{Area: area, Owner: owner}) == nil
}

// keyResultPage is the key result's page: its figures, the check-in form
// (for whoever may check in), every check-in, its history and comments.
type keyResultPage struct {
	CSRF                    string
	KeyResult               keyResultForEdit
	Value, Confidence, Note string
	Errors                  map[string]string
	FormError               string
	Start, Current, Target  string
	Weight                  string
	CanCheckIn, CanEdit     bool
	CheckIns                []checkInEntry
	History                 []historyEntry
	Comments                commentsBlock
}

type checkInEntry struct {
	Value      string        `db:"value"`
	Confidence sql.NullInt16 `db:"confidence"`
	Note       string        `db:"note"`
	CreatedAt  time.Time     `db:"created_at"`
	Author     string        `db:"author"`
}

// fillKeyResultPage loads what the page shows besides the form's values.
func (s *Server) fillKeyResultPage(r *request, p *keyResultPage) error {
	k := p.KeyResult
	p.CSRF = r.csrf()
	p.Start, p.Current, p.Target = formatValue(k.Kind, k.Start, k.Unit), formatValue(k.Kind, k.Current, k.Unit),
		formatValue(k.Kind, k.Target, k.Unit)
	p.Weight = views.NumberES(k.Weight)
	p.CanCheckIn = !k.Archived && r.requireCheckIn(k) == nil
	p.CanEdit = !k.ObjectiveGone && r.requireInArea(actObjectiveEdit, k.Area) == nil
	if err := r.tx.SelectContext(r.ctx, &p.CheckIns, s.q.CheckInsForKeyResult, r.sess.OrgID, k.ID); err != nil {
		return fmt.Errorf("check-ins-for-key-result: %w", err)
	}
	for i := range p.CheckIns {
		p.CheckIns[i].Value = formatValue(k.Kind, p.CheckIns[i].Value, k.Unit)
	}
	var err error
	if p.History, err = s.loadHistory(r, "key_result", k.ID); err != nil {
		return err
	}
	p.Comments, err = s.loadComments(r, "key_result", k.ID)
	return err
}

// GET /key-results/:id
func (s *Server) keyResultShow(c *fiber.Ctx, r *request) error {
	k, err := s.loadKeyResult(r, c.Params("id"))
	if err != nil {
		return err
	}
	p := keyResultPage{KeyResult: k, Value: plainNumber(k.Current)}
	if err := s.fillKeyResultPage(r, &p); err != nil {
		return err
	}
	return s.page(c, r, "key_results/show", k.Title, "objectives", p)
}

// rejectCheckIn answers 422 (409 for an archived key result) with the
// form and its messages; nothing was written.
func (s *Server) rejectCheckIn(c *fiber.Ctx, r *request, p keyResultPage) error {
	if err := s.fillKeyResultPage(r, &p); err != nil {
		return err
	}
	return s.rejectForm(c, r, "key_results/check_in_form", "key_results/show", p.KeyResult.Title, "objectives", p)
}

// POST /key-results/:id/check-ins records a value: the check-in joins the
// append-only history and the key result (and its objective) move to it.
func (s *Server) checkInCreate(c *fiber.Ctx, r *request) error {
	k, err := s.loadKeyResult(r, c.Params("id"))
	if err != nil {
		return err
	}
	if err := r.requireCheckIn(k); err != nil {
		return err
	}
	f := keyResultPage{KeyResult: k, Value: strings.TrimSpace(c.FormValue("value")),
		Confidence: strings.TrimSpace(c.FormValue("confidence")), Note: strings.TrimSpace(c.FormValue("note")),
		Errors: map[string]string{}}
	if k.Archived {
		f.FormError = "Este resultado clave está archivado; restáuralo para registrar avances."
		c.Status(fiber.StatusConflict)
		return s.rejectCheckIn(c, r, f)
	}
	value, ok := parseDecimal(f.Value)
	switch {
	case !ok:
		f.Errors["value"] = "Indica el valor con un número de hasta dos decimales."
	case k.Kind == "boolean" && value != "0.00" && value != "1.00":
		f.Errors["value"] = "Elige Sí o No."
	case k.Kind == "percent" && (compareDecimal(value, "0") < 0 || compareDecimal(value, "100") > 0):
		f.Errors["value"] = "Un porcentaje va de 0 a 100."
	case k.Kind == "milestone" && (compareDecimal(value, "0") < 0 || !strings.HasSuffix(value, ".00")):
		f.Errors["value"] = "Los hitos se cuentan con números enteros, desde 0."
	}
	var confidence sql.NullInt16
	if f.Confidence != "" {
		n, err := strconv.Atoi(f.Confidence)
		if err != nil || n < 0 || n > 10 {
			f.Errors["confidence"] = "La confianza es un número entero de 0 a 10."
		}
		confidence = sql.NullInt16{Int16: int16(n), Valid: err == nil}
	}
	if utf8.RuneCountInString(f.Note) > 2000 {
		f.Errors["note"] = "La nota admite hasta 2.000 caracteres."
	}
	if len(f.Errors) > 0 {
		return s.rejectCheckIn(c, r, f)
	}
	if _, err := r.tx.ExecContext(r.ctx, s.q.CheckInCreate, r.sess.OrgID, k.ID, value, confidence, f.Note,
		r.sess.UserID); err != nil {
		return fmt.Errorf("check-in-create: %w", err)
	}
	if _, err := r.tx.ExecContext(r.ctx, s.q.KeyResultSetCurrent, r.sess.OrgID, k.ID, value); err != nil {
		return fmt.Errorf("key-result-set-current: %w", err)
	}
	return s.objectiveSaved(c, "/key-results/"+k.ID)
}
