package handlers

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/lib/pq"

	"rumbo/internal/auth"
	"rumbo/views"
)

// Members under settings: corporativos and gerentes see the list;
// corporativos change a member's role, area and manager, remove members and
// create one-time password-reset links for them. That an organisation keeps
// an active corporativo is the database's rule (app.keep_a_corporativo in
// migration 00008, race-free); the handlers turn its 23R09 into a 409.

const (
	membersPageSize = 50
	resetLinkTTL    = 24 * time.Hour
	// activeDays: a member seen within this many days counts as active.
	activeDays = 30
)

var memberRoles = []string{"corporativo", "gerente", "empleado"}

const (
	msgLastCorporativo = "La organización necesita al menos un corporativo. Nombra a otra persona corporativa antes de cambiar el rol de esta o de quitarla."
	msgMemberStale     = "Alguien cambió a este miembro mientras lo editabas. Revisa los datos actuales y vuelve a guardar."
)

// memberRoutes registers every member and organisation settings route
// (the organisation's are in organization.go).
func (s *Server) memberRoutes(app *fiber.App) {
	app.Get("/settings/members", s.withTx(s.membersPage))
	app.Get("/fragments/members/stats", s.withTx(s.membersStats))
	app.Get("/fragments/members/table", s.withTx(s.membersTable))
	app.Get("/settings/members/:id", s.withTx(s.memberEdit))
	app.Post("/settings/members/:id", s.csrf, s.withTx(s.memberUpdate))
	app.Get("/settings/members/:id/remove", s.withTx(s.memberRemoveConfirm))
	app.Post("/settings/members/:id/remove", s.csrf, s.withTx(s.memberRemove))
	app.Post("/settings/members/:id/reset-link", s.csrf, s.withTx(s.memberResetLink))
	s.organizationRoutes(app)
}

// isLastCorporativo recognises the trigger's refusal.
func isLastCorporativo(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "23R09"
}

type memberStats struct {
	Total       int64 `db:"total"`
	Corporativo int64 `db:"corporativo"`
	Gerente     int64 `db:"gerente"`
	Empleado    int64 `db:"empleado"`
	WithoutArea int64 `db:"without_area"`
	NeverActive int64 `db:"never_active"`
	Removed     int64 `db:"removed"`
}

func (s *Server) loadMemberStats(r *request) (memberStats, error) {
	var st memberStats
	if err := r.tx.GetContext(r.ctx, &st, s.q.MembersStats, r.sess.OrgID); err != nil {
		return st, fmt.Errorf("members-stats: %w", err)
	}
	return st, nil
}

// memberFilters are the table's parameters, validated.
type memberFilters struct {
	Q, Role, Area, After string
	Removed              bool // former members instead of current ones
}

func (f memberFilters) filtered() bool { return f.Q != "" || f.Role != "" || f.Area != "" }

func (f memberFilters) values() url.Values {
	v := url.Values{}
	for _, kv := range [][2]string{{"q", f.Q}, {"role", f.Role}, {"area", f.Area}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	if f.Removed {
		v.Set("status", "removed")
	}
	return v
}

func membersLink(v url.Values) *link {
	q := v.Encode()
	if q != "" {
		q = "?" + q
	}
	return &link{Page: "/settings/members" + q, Frag: "/fragments/members/table" + q}
}

// parseMemberFilters refuses unknown values with a 422 (like the objectives
// table): a URL that says "filtered" must not show everyone.
func parseMemberFilters(c *fiber.Ctx) (memberFilters, error) {
	f := memberFilters{Q: strings.TrimSpace(c.Query("q")), Role: c.Query("role"), Area: c.Query("area"), After: c.Query("after")}
	switch c.Query("status") {
	case "", "active":
	case "removed":
		f.Removed = true
	default:
		return f, invalid("El estado elegido no existe. Elige miembros actuales o antiguos miembros.")
	}
	if f.Role != "" && !slices.Contains(memberRoles, f.Role) {
		return f, invalid("El rol elegido no existe. Elige Corporativo, Gerente o Empleado.")
	}
	if f.Area != "" && f.Area != "none" && !isUUID(f.Area) {
		return f, invalid("El área elegida no es válida.")
	}
	if utf8.RuneCountInString(f.Q) > 100 {
		return f, invalid("La búsqueda admite hasta 100 caracteres.")
	}
	if f.After != "" && !isUUID(f.After) {
		return f, invalid("El enlace de paginación no es válido. Vuelve a la primera página.")
	}
	return f, nil
}

// memberRow is one row of members-list, plus what the row shows.
type memberRow struct {
	ID          string       `db:"id"`
	Name        string       `db:"name"`
	Email       string       `db:"email"`
	Role        string       `db:"role"`
	AreaName    string       `db:"area_name"`
	AreaColor   string       `db:"area_color"`
	ManagerName string       `db:"manager_name"`
	LastDay     sql.NullTime `db:"last_active_day"`
	RemovedDay  sql.NullTime `db:"removed_day"`
	Matches     int          `db:"matches"`

	Self                            bool
	LastLabel, LastISO, LastDate    string
	Status, StatusLabel, RemovedISO string
	RemovedLabel                    string
}

type membersTable struct {
	Rows        []memberRow
	Error       string
	Filtered    bool
	Removed     bool
	CountLabel  string
	CanManage   bool
	First, Next *link
}

// sessionLocation is the organisation's time zone for dates shown in Go (UTC
// if Go does not know it: the database accepted it, and a page is better
// with a UTC date than with an error).
func sessionLocation(r *request) *time.Location {
	if loc, err := time.LoadLocation(r.sess.OrgTimezone); err == nil {
		return loc
	}
	return time.UTC
}

// dateOnly is t's calendar day, at midnight UTC, like the dates the
// database returns (so day arithmetic with r.sess.Today is exact).
func dateOnly(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// lastActivity says when a member was last seen, relative to today in the
// organisation's time zone.
func lastActivity(day sql.NullTime, today time.Time) (label string, days int) {
	if !day.Valid {
		return "Nunca", -1
	}
	days = int(today.Sub(day.Time).Hours() / 24)
	switch {
	case days <= 0:
		return "Hoy", 0
	case days == 1:
		return "Ayer", 1
	case days < activeDays:
		return "Hace " + strconv.Itoa(days) + " días", days
	}
	return views.DateES(day.Time), days
}

func (s *Server) loadMembersTable(r *request, f memberFilters) (membersTable, error) {
	t := membersTable{Filtered: f.filtered(), Removed: f.Removed, CanManage: r.can(actMembersManage)}
	var area any
	if f.Area != "" && f.Area != "none" {
		area = f.Area
	}
	if err := r.tx.SelectContext(r.ctx, &t.Rows, s.q.MembersList, r.sess.OrgID, f.Removed, f.Role, area,
		f.Area == "none", likePattern(f.Q), nullable(f.After), membersPageSize+1, countCap+1, r.sess.OrgTimezone); err != nil {
		return t, fmt.Errorf("members-list: %w", err)
	}
	matches := 0
	if len(t.Rows) > 0 {
		matches = t.Rows[0].Matches
	}
	if f.Removed {
		t.CountLabel = countLabel(matches, "antiguo miembro", "antiguos miembros")
	} else {
		t.CountLabel = countLabel(matches, "miembro", "miembros")
	}
	more := len(t.Rows) > membersPageSize
	if more {
		t.Rows = t.Rows[:membersPageSize]
	}
	for i := range t.Rows {
		m := &t.Rows[i]
		m.Self = m.ID == r.sess.UserID
		var days int
		m.LastLabel, days = lastActivity(m.LastDay, r.sess.Today)
		if m.LastDay.Valid {
			m.LastISO, m.LastDate = m.LastDay.Time.Format(time.DateOnly), views.DateES(m.LastDay.Time)
		}
		switch {
		case m.RemovedDay.Valid:
			m.Status, m.StatusLabel = "removed", "Antiguo miembro"
			m.RemovedISO, m.RemovedLabel = m.RemovedDay.Time.Format(time.DateOnly), views.DateES(m.RemovedDay.Time)
		case days < 0:
			m.Status, m.StatusLabel = "never", "Nunca ha entrado"
		case days <= activeDays:
			m.Status, m.StatusLabel = "active", "Activo"
		default:
			m.Status, m.StatusLabel = "idle", "Inactivo"
		}
	}
	if f.After != "" {
		t.First = membersLink(f.values())
	}
	if more {
		v := f.values()
		v.Set("after", t.Rows[len(t.Rows)-1].ID)
		t.Next = membersLink(v)
	}
	return t, nil
}

// memberTableError turns a filter problem into the table's error state
// (422); anything else propagates.
func memberTableError(t *membersTable, err error) (int, error) {
	var e *Error
	if errors.As(err, &e) && e.Status == fiber.StatusUnprocessableEntity {
		t.Error, t.Rows = e.Message, nil
		return e.Status, nil
	}
	return 0, err
}

type memberFilterForm struct {
	Q                      string
	Roles, Areas, Statuses []option
}

func (s *Server) memberFilterForm(r *request, f memberFilters) (memberFilterForm, error) {
	form := memberFilterForm{Q: f.Q}
	for _, role := range memberRoles {
		form.Roles = append(form.Roles, option{Value: role, Label: views.Label("role", role), Selected: role == f.Role})
	}
	form.Statuses = []option{
		{Value: "", Label: "Miembros actuales", Selected: !f.Removed},
		{Value: "removed", Label: "Antiguos miembros", Selected: f.Removed},
	}
	areas, err := s.options(r, s.q.AreasOptions, f.Area)
	if err != nil {
		return form, err
	}
	form.Areas = append([]option{{Value: "none", Label: "Sin área", Selected: f.Area == "none"}}, areas...)
	return form, nil
}

type membersPage struct {
	Stats     memberStats
	Table     membersTable
	Filters   memberFilterForm
	CanManage bool
	Notice    string
}

// notices are the confirmations a redirect after a write asks for, by
// code, so a link cannot make the page say arbitrary things.
var notices = map[string]string{
	"guardado":            "Cambios guardados.",
	"quitado":             "La persona ya no es miembro de la organización. Sus objetivos y tareas se conservan con su nombre.",
	"general":             "Configuración guardada.",
	"logo":                "Logo actualizado.",
	"logo-quitado":        "Logo quitado.",
	"colores":             "Colores guardados.",
	"colores-restaurados": "Se restauraron los colores predeterminados.",
}

// GET /settings/members
func (s *Server) membersPage(c *fiber.Ctx, r *request) error {
	if err := r.require(actMembersView); err != nil {
		return err
	}
	p := membersPage{CanManage: r.can(actMembersManage), Notice: notices[c.Query("hecho")]}
	var err error
	if p.Stats, err = s.loadMemberStats(r); err != nil {
		return err
	}
	status := fiber.StatusOK
	f, ferr := parseMemberFilters(c)
	if ferr == nil {
		p.Table, ferr = s.loadMembersTable(r, f)
	}
	if ferr != nil {
		if status, err = memberTableError(&p.Table, ferr); err != nil {
			return err
		}
	}
	if p.Filters, err = s.memberFilterForm(r, f); err != nil {
		return err
	}
	c.Status(status)
	return s.page(c, r, "settings/members", "Miembros", "members", p)
}

// GET /fragments/members/stats
func (s *Server) membersStats(c *fiber.Ctx, r *request) error {
	if err := r.require(actMembersView); err != nil {
		return err
	}
	st, err := s.loadMemberStats(r)
	if err != nil {
		return err
	}
	return s.fragment(c, "settings/members-stats", st)
}

// GET /fragments/members/table
func (s *Server) membersTable(c *fiber.Ctx, r *request) error {
	if err := r.require(actMembersView); err != nil {
		return err
	}
	var t membersTable
	f, err := parseMemberFilters(c)
	if err == nil {
		t, err = s.loadMembersTable(r, f)
	}
	if err != nil {
		status, err := memberTableError(&t, err)
		if err != nil {
			return err
		}
		c.Status(status)
		return s.fragment(c, "settings/members-table", t)
	}
	// Filters and pager links move the address bar to the page's own URL
	// (a reload shows the same view); the wrapper's refresh does not.
	if isHTMX(c) && c.Get("HX-Trigger") != "members-table" {
		v := f.values()
		if f.After != "" {
			v.Set("after", f.After)
		}
		c.Set("HX-Push-Url", membersLink(v).Page)
	}
	return s.fragment(c, "settings/members-table", t)
}

// memberDetail is one current member, for the edit and removal pages.
type memberDetail struct {
	ID           string         `db:"id"`
	Name         string         `db:"name"`
	Email        string         `db:"email"`
	Role         string         `db:"role"`
	AreaID       sql.NullString `db:"area_id"`
	ManagerID    sql.NullString `db:"manager_id"`
	Version      int            `db:"version"`
	CreatedAt    time.Time      `db:"created_at"`
	LastActiveAt sql.NullTime   `db:"last_active_at"`
	AreaName     string         `db:"area_name"`
	ManagerName  string         `db:"manager_name"`
}

// loadMember finds a current member of the request's organisation by the
// :id in the path. Malformed, unknown, former and other organisations'
// members are all the same 404: RLS hides the last kind entirely.
func (s *Server) loadMember(c *fiber.Ctx, r *request) (memberDetail, error) {
	var m memberDetail
	id := c.Params("id")
	if !isUUID(id) {
		return m, errNotFound
	}
	err := r.tx.GetContext(r.ctx, &m, s.q.MemberByID, r.sess.OrgID, strings.ToLower(id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, errNotFound
	}
	if err != nil {
		return m, fmt.Errorf("member-by-id: %w", err)
	}
	return m, nil
}

// memberForm is the edit page: the member, the form's values and messages.
type memberForm struct {
	CSRF                   string
	Member                 memberDetail
	Self                   bool
	Role, Area, Manager    string
	Version                int
	Roles, Areas, Managers []option
	Errors                 map[string]string
	FormError              string
	Saved                  bool
	LastLabel, LastDate    string
	CreatedLabel           string
	ResetTTLHours          int
}

func (s *Server) fillMemberForm(r *request, f *memberForm) error {
	f.CSRF = r.csrf()
	f.Self = f.Member.ID == r.sess.UserID
	f.Roles = nil
	for _, role := range memberRoles {
		f.Roles = append(f.Roles, option{Value: role, Label: views.Label("role", role), Selected: role == f.Role})
	}
	var err error
	if f.Areas, err = s.options(r, s.q.AreasOptions, f.Area); err != nil {
		return err
	}
	all, err := s.options(r, s.q.MembersOptions, f.Manager)
	if err != nil {
		return err
	}
	// Nobody manages themselves (the table's CHECK says so too).
	f.Managers = slices.DeleteFunc(all, func(o option) bool { return o.Value == f.Member.ID })
	// An area archived (or a manager removed) since it was set stays
	// selectable as the current value, so saving the other fields does not
	// clear it behind the person's back.
	if m := f.Member; m.AreaID.Valid && !slices.ContainsFunc(f.Areas, func(o option) bool { return o.Value == m.AreaID.String }) {
		f.Areas = append(f.Areas, option{Value: m.AreaID.String, Label: m.AreaName + " (archivada)", Selected: f.Area == m.AreaID.String})
	}
	if m := f.Member; m.ManagerID.Valid && !slices.ContainsFunc(f.Managers, func(o option) bool { return o.Value == m.ManagerID.String }) {
		f.Managers = append(f.Managers, option{Value: m.ManagerID.String, Label: m.ManagerName + " (antiguo miembro)", Selected: f.Manager == m.ManagerID.String})
	}
	// Dates as the organisation's calendar has them.
	loc := sessionLocation(r)
	f.LastLabel, f.LastDate = "Nunca", ""
	if last := f.Member.LastActiveAt; last.Valid {
		day := dateOnly(last.Time.In(loc))
		f.LastLabel, _ = lastActivity(sql.NullTime{Time: day, Valid: true}, r.sess.Today)
		if f.LastLabel != views.DateES(day) {
			f.LastDate = views.DateES(day)
		}
	}
	f.CreatedLabel = views.DateES(f.Member.CreatedAt.In(loc))
	f.ResetTTLHours = int(resetLinkTTL.Hours())
	return nil
}

func memberFormFrom(m memberDetail) memberForm {
	return memberForm{Member: m, Role: m.Role, Area: m.AreaID.String, Manager: m.ManagerID.String,
		Version: m.Version, Errors: map[string]string{}}
}

// GET /settings/members/:id
func (s *Server) memberEdit(c *fiber.Ctx, r *request) error {
	if err := r.require(actMembersManage); err != nil {
		return err
	}
	m, err := s.loadMember(c, r)
	if err != nil {
		return err
	}
	f := memberFormFrom(m)
	f.Saved = c.Query("hecho") == "guardado"
	if err := s.fillMemberForm(r, &f); err != nil {
		return err
	}
	return s.page(c, r, "settings/member", m.Name, "members", f)
}

// POST /settings/members/:id changes role, area and manager. The form
// carries the member's version: a change made meanwhile by someone else is
// a 409, not a silent overwrite.
func (s *Server) memberUpdate(c *fiber.Ctx, r *request) error {
	if err := r.require(actMembersManage); err != nil {
		return err
	}
	m, err := s.loadMember(c, r)
	if err != nil {
		return err
	}
	f := memberFormFrom(m)
	f.Role, f.Area, f.Manager = c.FormValue("role"), strings.ToLower(c.FormValue("area")), strings.ToLower(c.FormValue("manager"))
	version, verr := strconv.Atoi(c.FormValue("version"))
	if !slices.Contains(memberRoles, f.Role) {
		f.Errors["role"] = "Elige un rol de la lista: Corporativo, Gerente o Empleado."
	}
	if f.Area != "" && !isUUID(f.Area) {
		f.Errors["area"] = "Esa área no existe en tu organización."
	}
	switch {
	case f.Manager == m.ID:
		f.Errors["manager"] = "Nadie puede ser su propio responsable."
	case f.Manager != "" && !isUUID(f.Manager):
		f.Errors["manager"] = "Ese responsable no es miembro de tu organización."
	}
	if verr != nil {
		f.FormError = "El formulario no es válido. Recarga la página e inténtalo de nuevo."
	} else {
		f.Version = version
	}
	if len(f.Errors) == 0 && f.FormError == "" {
		var ok struct {
			Area    bool `db:"area_ok"`
			Manager bool `db:"manager_ok"`
		}
		// Keeping the current area or manager is always allowed (see
		// fillMemberForm); only a new choice must be live and current.
		area, manager := f.Area, f.Manager
		if area == m.AreaID.String {
			area = ""
		}
		if manager == m.ManagerID.String {
			manager = ""
		}
		if err := r.tx.GetContext(r.ctx, &ok, s.q.MemberChoicesCheck, r.sess.OrgID, nullable(area), nullable(manager)); err != nil {
			return fmt.Errorf("member-choices-check: %w", err)
		}
		if !ok.Area {
			f.Errors["area"] = "Esa área no existe en tu organización."
		}
		if !ok.Manager {
			f.Errors["manager"] = "Ese responsable no es miembro de tu organización."
		}
	}
	if len(f.Errors) > 0 || f.FormError != "" {
		return s.rejectMemberForm(c, r, fiber.StatusUnprocessableEntity, f)
	}
	var newVersion int
	err = r.attempt(func() error {
		return r.tx.GetContext(r.ctx, &newVersion, s.q.MemberUpdate, r.sess.OrgID, m.ID, f.Role,
			nullable(f.Area), nullable(f.Manager), version)
	})
	switch {
	case isLastCorporativo(err):
		f.FormError = msgLastCorporativo
		return s.rejectMemberForm(c, r, fiber.StatusConflict, f)
	case errors.Is(err, sql.ErrNoRows):
		// loadMember found them a moment ago: only the version differs.
		// The page shows the member as they are now and carries the
		// current version, so saving again is a choice made knowingly.
		f.FormError = msgMemberStale
		f.Version = m.Version
		return s.rejectMemberForm(c, r, fiber.StatusConflict, f)
	case err != nil:
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Code == "23503" {
			// A composite foreign key refused an area or manager that
			// vanished since the check above.
			f.FormError = "El área o el responsable elegidos ya no existen en tu organización."
			return s.rejectMemberForm(c, r, fiber.StatusUnprocessableEntity, f)
		}
		return fmt.Errorf("member-update: %w", err)
	}
	target := "/settings/members/" + m.ID + "?hecho=guardado"
	if m.ID == r.sess.UserID && f.Role != "corporativo" {
		// They just gave up managing members: back to the list they may still see.
		target = "/settings/members?hecho=guardado"
	}
	return redirectAfterWrite(c, "members-changed", target)
}

// rejectMemberForm answers with the edit page, the values sent and the
// messages; nothing was written.
func (s *Server) rejectMemberForm(c *fiber.Ctx, r *request, status int, f memberForm) error {
	if err := s.fillMemberForm(r, &f); err != nil {
		return err
	}
	c.Status(status)
	return s.page(c, r, "settings/member", f.Member.Name, "members", f)
}

type memberRemoval struct {
	CSRF            string
	Member          memberDetail
	Self            bool
	LastCorporativo bool
	Error           string
}

func (s *Server) renderRemoval(c *fiber.Ctx, r *request, status int, m memberDetail, msg string) error {
	st, err := s.loadMemberStats(r)
	if err != nil {
		return err
	}
	d := memberRemoval{CSRF: r.csrf(), Member: m, Self: m.ID == r.sess.UserID, Error: msg,
		LastCorporativo: m.Role == "corporativo" && st.Corporativo <= 1}
	c.Status(status)
	return s.page(c, r, "settings/member-remove", "Quitar a "+m.Name, "members", d)
}

// GET /settings/members/:id/remove asks for confirmation: removal works
// without JavaScript, and never from a single click.
func (s *Server) memberRemoveConfirm(c *fiber.Ctx, r *request) error {
	if err := r.require(actMembersManage); err != nil {
		return err
	}
	m, err := s.loadMember(c, r)
	if err != nil {
		return err
	}
	return s.renderRemoval(c, r, fiber.StatusOK, m, "")
}

// POST /settings/members/:id/remove
func (s *Server) memberRemove(c *fiber.Ctx, r *request) error {
	if err := r.require(actMembersManage); err != nil {
		return err
	}
	m, err := s.loadMember(c, r)
	if err != nil {
		return err
	}
	var name string
	err = r.attempt(func() error {
		return r.tx.GetContext(r.ctx, &name, s.q.MemberRemove, r.sess.OrgID, m.ID)
	})
	switch {
	case isLastCorporativo(err):
		return s.renderRemoval(c, r, fiber.StatusConflict, m, msgLastCorporativo)
	case errors.Is(err, sql.ErrNoRows):
		return errNotFound // removed by someone else meanwhile
	case err != nil:
		return fmt.Errorf("member-remove: %w", err)
	}
	// Whoever removes themselves has no access left here.
	target := "/settings/members?hecho=quitado"
	if m.ID == r.sess.UserID {
		target = "/"
	}
	return redirectAfterWrite(c, "members-changed", target)
}

type resetLinkPage struct {
	Member       memberDetail
	Link         string
	ExpiresLabel string
	Self         bool
}

// POST /settings/members/:id/reset-link makes a one-time password-reset
// link (stored hashed, valid 24 hours) and shows it once, to copy: without
// SMTP this is how a member who forgot their password gets back in. The
// link is never put in a URL of ours or a redirect.
func (s *Server) memberResetLink(c *fiber.Ctx, r *request) error {
	if err := r.require(actMembersManage); err != nil {
		return err
	}
	m, err := s.loadMember(c, r)
	if err != nil {
		return err
	}
	token, hash, err := auth.NewToken()
	if err != nil {
		return err
	}
	if _, err := r.tx.ExecContext(r.ctx, s.q.MemberResetCreate, m.ID, hash, interval(resetLinkTTL.Seconds())); err != nil {
		return fmt.Errorf("member-reset-create: %w", err)
	}
	expires := time.Now().Add(resetLinkTTL).In(sessionLocation(r))
	return s.page(c, r, "settings/reset-link", "Enlace para "+m.Name, "members", resetLinkPage{
		Member: m, Self: m.ID == r.sess.UserID,
		Link:         s.baseURL(c) + "/password/reset/" + token,
		ExpiresLabel: views.DateES(expires) + " a las " + expires.Format("15:04"),
	})
}
