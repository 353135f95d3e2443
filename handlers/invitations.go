package handlers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rumbo/internal/auth"
	rumbomail "rumbo/internal/mail"
	"rumbo/views"
)

// Invitations: the management page (/settings/invitations) with its stats
// and table fragments, and inviting, resending and revoking — all under RLS
// in the request transaction, a gerente limited to their own area and to
// the empleado role — and the invitation link itself (/invite/:token),
// which works signed out and therefore goes only through the SECURITY
// DEFINER functions of migrations/00007_invitations.sql.

const (
	invitationsPageSize = 20
	maxInvitesAtOnce    = 50
	// defaultInvitationTTL is how long an invitation link works (DESIGN:
	// seven days, configurable; see invitationTTL).
	defaultInvitationTTL = 7 * 24 * time.Hour
	// E-mails go out after the transaction commits, a few at a time, within
	// a budget that leaves room under the server's 30 s write timeout.
	inviteMailConcurrency = 4
	inviteMailBudget      = 20 * time.Second
)

// invitationTTL is the lifetime of new and resent invitation links.
func (s *Server) invitationTTL() time.Duration { return defaultInvitationTTL }

var invitationStates = []string{"pending", "accepted", "expired", "revoked"}

var invitationStateLabels = map[string]string{
	"pending": "Pendiente", "accepted": "Aceptada", "expired": "Expirada", "revoked": "Revocada",
}

// inviteRoles are the roles in the order the form offers them, with what
// each may do: Hint for the inviter, Yours for the invited person.
var inviteRoles = []struct{ Value, Hint, Yours string }{
	{"empleado", "ve los objetivos de la organización y actualiza los suyos.",
		"podrás ver los objetivos de la organización y actualizar los tuyos."},
	{"gerente", "gestiona los objetivos de su área e invita a su equipo.",
		"podrás gestionar los objetivos de tu área e invitar a tu equipo."},
	{"corporativo", "administra toda la organización: miembros, áreas y configuración.",
		"podrás administrar toda la organización: miembros, áreas y configuración."},
}

// roleHint tells the invited person what the role lets them do.
func roleHint(role string) string {
	for _, r := range inviteRoles {
		if r.Value == role {
			return r.Yours
		}
	}
	return ""
}

func (s *Server) invitationRoutes(app *fiber.App) {
	app.Get("/settings/invitations", s.withTx(s.invitationsPage))
	app.Get("/fragments/invitations/stats", s.withTx(s.invitationsStats))
	app.Get("/fragments/invitations/table", s.withTx(s.invitationsTable))
	app.Post("/settings/invitations", s.csrf, s.invite)
	app.Post("/settings/invitations/:id/resend", s.csrf, s.invitationResend)
	app.Post("/settings/invitations/:id/revoke", s.csrf, s.withTx(s.invitationRevoke))
	app.Get("/invite/:token", s.invitePage)
	app.Post("/invite/:token/accept", s.csrf, s.inviteAccept)
}

// invitationScope is the part of the organisation's invitations a member
// manages: all of them for a corporativo, their own area's for a gerente
// (none when the gerente has no area: area_id = NULL matches nothing).
func invitationScope(r *request) (scoped bool, area any) {
	if r.sess.Role == "corporativo" {
		return false, nil
	}
	if r.sess.AreaID.Valid {
		return true, r.sess.AreaID.String
	}
	return true, nil
}

// --- Stats -----------------------------------------------------------------

type invitationStats struct {
	Total    int64 `db:"total"`
	Pending  int64 `db:"pending"`
	Accepted int64 `db:"accepted"`
	Expired  int64 `db:"expired"`
	Revoked  int64 `db:"revoked"`
	// AcceptanceRate is accepted / (accepted + expired + revoked) as a
	// whole percentage; "" while none has been decided, never NaN.
	AcceptanceRate string
}

func (s *Server) loadInvitationStats(r *request) (invitationStats, error) {
	var st invitationStats
	scoped, area := invitationScope(r)
	if err := r.tx.GetContext(r.ctx, &st, s.q.InvitationsStats, r.sess.OrgID, scoped, area); err != nil {
		return st, fmt.Errorf("invitations-stats: %w", err)
	}
	st.AcceptanceRate = acceptanceRate(st.Accepted, st.Accepted+st.Expired+st.Revoked)
	return st, nil
}

// acceptanceRate rounds half up; with nothing decided there is no rate.
func acceptanceRate(accepted, decided int64) string {
	if decided <= 0 {
		return ""
	}
	return strconv.FormatInt((accepted*200+decided)/(2*decided), 10)
}

// --- Table -----------------------------------------------------------------

// invitationFilters are the table's parameters, validated.
type invitationFilters struct {
	Q, Status string
	Page      int
}

func (f invitationFilters) filtered() bool { return f.Q != "" || f.Status != "" }

// values are the filters as URL parameters (the page only when not 1).
func (f invitationFilters) values() url.Values {
	v := url.Values{}
	if f.Q != "" {
		v.Set("q", f.Q)
	}
	if f.Status != "" {
		v.Set("status", f.Status)
	}
	if f.Page > 1 {
		v.Set("page", strconv.Itoa(f.Page))
	}
	return v
}

func invitationsLink(v url.Values) *link {
	q := v.Encode()
	if q != "" {
		q = "?" + q
	}
	return &link{Page: "/settings/invitations" + q, Frag: "/fragments/invitations/table" + q}
}

// parseInvitationFilters reads q, status and page (from the URL for the
// fragment, from the form after a write). Unknown or malformed values are
// refused with a message, never silently widened.
func parseInvitationFilters(get func(key string) string) (invitationFilters, error) {
	f := invitationFilters{Q: strings.TrimSpace(get("q")), Status: get("status"), Page: 1}
	if f.Status != "" && !slices.Contains(invitationStates, f.Status) {
		return invitationFilters{Page: 1}, invalid("El estado elegido no existe. Elige Pendiente, Aceptada, Expirada o Revocada.")
	}
	if utf8.RuneCountInString(f.Q) > 100 {
		return invitationFilters{Page: 1}, invalid("La búsqueda admite hasta 100 caracteres.")
	}
	if p := get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 100000 {
			return invitationFilters{Page: 1}, invalid("La página pedida no es válida. Vuelve a la primera.")
		}
		f.Page = n
	}
	return f, nil
}

// formFilters are the filters an action form carried, so the table comes
// back as the person was looking at it; after a successful write a bad
// value just falls back to the first page of everything.
func formFilters(c *fiber.Ctx) invitationFilters {
	f, err := parseInvitationFilters(func(k string) string { return c.FormValue(k) })
	if err != nil {
		return invitationFilters{Page: 1}
	}
	return f
}

type invitationRow struct {
	ID          string       `db:"id"`
	Email       string       `db:"email"`
	Role        string       `db:"role"`
	AreaName    string       `db:"area_name"`
	State       string       `db:"state"`
	ExpiresOn   time.Time    `db:"expires_on"`
	AcceptedOn  sql.NullTime `db:"accepted_on"`
	RevokedOn   sql.NullTime `db:"revoked_on"`
	InviterName string       `db:"inviter_name"`
	Total       int          `db:"total"`

	RoleLabel, StateLabel, When string
	CanAct                      bool // pending, and within the member's reach
}

type invitationsTable struct {
	Rows       []invitationRow
	Error      string
	Filtered   bool
	OutOfRange bool // a page past the last one
	CountLabel string
	PageLabel  string
	Prev, Next *link
	First      *link
	CSRF       string
	Filters    invitationFilters // carried by the action forms
}

func (s *Server) loadInvitationsTable(r *request, f invitationFilters) (invitationsTable, error) {
	t := invitationsTable{Filtered: f.filtered(), CSRF: r.csrf(), Filters: f}
	scoped, area := invitationScope(r)
	if err := r.tx.SelectContext(r.ctx, &t.Rows, s.q.InvitationsList, r.sess.OrgID, scoped, area,
		likePattern(strings.ToLower(f.Q)), f.Status, invitationsPageSize, (f.Page-1)*invitationsPageSize,
		r.sess.OrgTimezone); err != nil {
		return t, fmt.Errorf("invitations-list: %w", err)
	}
	if len(t.Rows) == 0 {
		if f.Page > 1 {
			t.OutOfRange = true
			first := f
			first.Page = 1
			t.First = invitationsLink(first.values())
		}
		return t, nil
	}
	for i := range t.Rows {
		row := &t.Rows[i]
		row.RoleLabel = views.Label("role", row.Role)
		row.StateLabel = invitationStateLabels[row.State]
		// the date itself never breaks across lines ("4 dic 2026")
		date := func(t time.Time) string { return strings.ReplaceAll(views.DateES(t), " ", "\u00a0") }
		switch {
		case row.State == "accepted" && row.AcceptedOn.Valid:
			row.When = "Aceptada el " + date(row.AcceptedOn.Time)
		case row.State == "revoked" && row.RevokedOn.Valid:
			row.When = "Revocada el " + date(row.RevokedOn.Time)
		case row.State == "expired":
			row.When = "Venció el " + date(row.ExpiresOn)
		default:
			row.When = "Vence el " + date(row.ExpiresOn)
		}
		row.CanAct = row.State == "pending" && (r.sess.Role == "corporativo" || row.Role == "empleado")
	}
	total := t.Rows[0].Total
	pages := (total + invitationsPageSize - 1) / invitationsPageSize
	t.CountLabel = countLabel(total, "invitación", "invitaciones")
	if pages > 1 {
		t.PageLabel = fmt.Sprintf("Página %d de %d", f.Page, pages)
	}
	at := func(page int) *link {
		g := f
		g.Page = page
		return invitationsLink(g.values())
	}
	if f.Page > 1 {
		t.Prev = at(f.Page - 1)
	}
	if f.Page < pages {
		t.Next = at(f.Page + 1)
	}
	return t, nil
}

// invitationsTableError turns a filter problem into the table's own error
// state (422); anything else propagates.
func invitationsTableError(t *invitationsTable, err error) (int, error) {
	var e *Error
	if errors.As(err, &e) && e.Status == fiber.StatusUnprocessableEntity {
		t.Error, t.Rows = e.Message, nil
		return e.Status, nil
	}
	return 0, err
}

// --- The page ----------------------------------------------------------------

type inviteRoleOption struct {
	Value, Label, Hint string
	Selected           bool
}

// inviteForm is the invite form's values and messages.
type inviteForm struct {
	CSRF               string
	Emails, Role, Area string
	Roles              []inviteRoleOption
	Areas              []option
	Gerente            bool // role and area are fixed by the role ceiling
	NoArea             bool // a gerente without an area cannot invite
	Max                int
	Error              string
	Errors             map[string]string
	OOB                bool // swapped out of band after an htmx invite
}

func (s *Server) fillInviteForm(r *request, f *inviteForm) error {
	f.CSRF, f.Max = r.csrf(), maxInvitesAtOnce
	if f.Role == "" {
		f.Role = "empleado"
	}
	f.Gerente = r.sess.Role != "corporativo"
	f.Roles = nil
	for _, role := range inviteRoles {
		if f.Gerente && role.Value != "empleado" {
			continue
		}
		f.Roles = append(f.Roles, inviteRoleOption{Value: role.Value, Label: views.Label("role", role.Value),
			Hint: role.Hint, Selected: role.Value == f.Role})
	}
	areas, err := s.options(r, s.q.AreasOptions, f.Area)
	if err != nil {
		return err
	}
	f.Areas = areas
	if f.Gerente {
		f.Areas = nil
		f.NoArea = !r.sess.AreaID.Valid
		for _, a := range areas {
			if r.sess.AreaID.Valid && a.Value == r.sess.AreaID.String {
				a.Selected = true
				f.Areas = append(f.Areas, a)
			}
		}
	}
	return nil
}

type invitationsPage struct {
	Stats   invitationStats
	Table   invitationsTable
	Filters struct {
		Q        string
		Statuses []option
	}
	Form    inviteForm
	Results inviteResults
}

// GET /settings/invitations
func (s *Server) invitationsPage(c *fiber.Ctx, r *request) error {
	if err := r.require(actInvitationsManage); err != nil {
		return err
	}
	f, ferr := parseInvitationFilters(func(k string) string { return c.Query(k) })
	return s.renderInvitationsPage(c, r, fiber.StatusOK, inviteForm{}, f, ferr)
}

func (s *Server) renderInvitationsPage(c *fiber.Ctx, r *request, status int, form inviteForm, f invitationFilters, ferr error) error {
	var p invitationsPage
	var err error
	if p.Stats, err = s.loadInvitationStats(r); err != nil {
		return err
	}
	if ferr == nil {
		p.Table, ferr = s.loadInvitationsTable(r, f)
	}
	if ferr != nil {
		tableStatus, err := invitationsTableError(&p.Table, ferr)
		if err != nil {
			return err
		}
		if status == fiber.StatusOK {
			status = tableStatus
		}
	}
	p.Filters.Q = f.Q
	for _, st := range invitationStates {
		p.Filters.Statuses = append(p.Filters.Statuses, option{Value: st, Label: invitationStateLabels[st], Selected: st == f.Status})
	}
	if err := s.fillInviteForm(r, &form); err != nil {
		return err
	}
	p.Form = form
	c.Status(status)
	return s.page(c, r, "invitations/index", "Invitaciones", "invitations", p)
}

// GET /fragments/invitations/stats
func (s *Server) invitationsStats(c *fiber.Ctx, r *request) error {
	if err := r.require(actInvitationsManage); err != nil {
		return err
	}
	st, err := s.loadInvitationStats(r)
	if err != nil {
		return err
	}
	return s.fragment(c, "invitations/stats", st)
}

// GET /fragments/invitations/table
func (s *Server) invitationsTable(c *fiber.Ctx, r *request) error {
	if err := r.require(actInvitationsManage); err != nil {
		return err
	}
	f, err := parseInvitationFilters(func(k string) string { return c.Query(k) })
	var t invitationsTable
	if err == nil {
		t, err = s.loadInvitationsTable(r, f)
	}
	if err != nil {
		status, err := invitationsTableError(&t, err)
		if err != nil {
			return err
		}
		c.Status(status)
		return s.fragment(c, "invitations/table", t)
	}
	// The address bar follows the filters and the pager, so a reload (or
	// a shared link) shows the same view.
	if isHTMX(c) {
		c.Set("HX-Push-Url", invitationsLink(f.values()).Page)
	}
	return s.fragment(c, "invitations/table", t)
}

// --- Inviting ----------------------------------------------------------------

// inviteResult is what happened to one e-mail of an invite (or a resend).
type inviteResult struct {
	Email    string
	Kind     string // invited, resent, member, pending, malformed
	Message  string
	Link     string // shown to copy: no SMTP, or the e-mail failed
	ResendID string // the pending invitation the person may resend instead

	sent, failed bool
}

type inviteResults struct {
	Items   []*inviteResult
	Summary string
	Notice  string // one sentence, after a revoke
	CSRF    string
	Back    string // the management page, as the person left it
	OOB     bool
}

// invitationMail is an e-mail to send once the transaction has committed.
type invitationMail struct {
	id       string
	result   *inviteResult
	data     rumbomail.InvitationData
	reminder bool
}

// invitationWrite is what an invite or a resend leaves for after the
// commit: the e-mails to send and everything the answer shows, loaded
// inside the transaction so the answer needs no database.
type invitationWrite struct {
	results inviteResults
	table   invitationsTable
	form    *inviteForm
	mails   []*invitationMail
	changed bool
}

// splitEmails reads the textarea: addresses separated by commas,
// semicolons, whitespace or line breaks (a pasted "<ana@x.com>" loses its
// brackets), lower-cased, each once, in order.
func splitEmails(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) }) {
		e := strings.ToLower(strings.Trim(f, "<>"))
		if e != "" && !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}

// validEmail accepts a plain ASCII address with a dotted domain: what the
// database's check allows, SMTP can deliver without extensions, and people
// actually mean.
func validEmail(e string) bool {
	if len(e) > 254 || strings.Count(e, "@") != 1 {
		return false
	}
	for i := 0; i < len(e); i++ {
		if e[i] <= ' ' || e[i] > '~' {
			return false
		}
	}
	local, domain, _ := strings.Cut(e, "@")
	if local == "" || len(local) > 64 || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") ||
		strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return false
	}
	a, err := mail.ParseAddress(e)
	return err == nil && a.Address == e
}

// POST /settings/invitations
func (s *Server) invite(c *fiber.Ctx) error {
	var w *invitationWrite
	err := s.withTx(func(c *fiber.Ctx, r *request) error {
		var err error
		w, err = s.inviteWrite(c, r)
		return err
	})(c)
	if err != nil || w == nil {
		return err // an error, or withTx / a refused form already answered
	}
	s.sendInvitationMails(c.UserContext(), w)
	return s.answerInvitationWrite(c, w)
}

// inviteWrite validates the form and creates the invitations. A refused
// form is answered here (422, nothing written) and returns nil.
func (s *Server) inviteWrite(c *fiber.Ctx, r *request) (*invitationWrite, error) {
	if err := r.require(actInvite); err != nil {
		return nil, err
	}
	form := inviteForm{
		Emails: c.FormValue("emails"), Role: c.FormValue("role", "empleado"), Area: strings.ToLower(strings.TrimSpace(c.FormValue("area"))),
		Errors: map[string]string{},
	}
	// The role ceiling: a gerente invites empleados into their own area and
	// nothing else, whatever the form was made to send.
	if r.sess.Role != "corporativo" {
		switch {
		case form.Role != "empleado":
			return nil, forbidden("Como gerente solo puedes invitar con el rol Empleado.")
		case !r.sess.AreaID.Valid:
			return nil, forbidden("No tienes un área asignada, así que no puedes invitar. Pide a un corporativo que te asigne una.")
		case form.Area == "":
			form.Area = r.sess.AreaID.String
		case form.Area != strings.ToLower(r.sess.AreaID.String):
			return nil, forbidden("Como gerente solo puedes invitar a personas a tu propia área.")
		}
	}
	if roleHint(form.Role) == "" {
		form.Errors["role"] = "Elige un rol de la lista."
	}
	if form.Area != "" && !isUUID(form.Area) {
		form.Errors["area"] = "Esa área no existe en tu organización."
	}
	emails := splitEmails(form.Emails)
	var valid, malformed []string
	for _, e := range emails {
		if validEmail(e) {
			valid = append(valid, e)
		} else {
			malformed = append(malformed, e)
		}
	}
	switch {
	case len(emails) == 0:
		form.Errors["emails"] = "Escribe al menos un correo."
	case len(emails) > maxInvitesAtOnce:
		form.Errors["emails"] = fmt.Sprintf("Puedes invitar hasta %d correos a la vez; escribiste %d.", maxInvitesAtOnce, len(emails))
	case len(valid) == 0:
		form.Errors["emails"] = "Ninguno es un correo válido: " + shortList(malformed) + "."
	}
	if len(form.Errors) > 0 {
		return nil, s.rejectInviteForm(c, r, form)
	}

	var prepared []struct {
		Email       string         `db:"email"`
		Member      bool           `db:"member"`
		PendingID   sql.NullString `db:"pending_id"`
		PendingRole sql.NullString `db:"pending_role"`
		PendingArea sql.NullString `db:"pending_area"`
	}
	if err := r.tx.SelectContext(r.ctx, &prepared, s.q.InvitationsPrepare, r.sess.OrgID, pq.Array(valid)); err != nil {
		return nil, fmt.Errorf("invitations-prepare: %w", err)
	}
	results := map[string]*inviteResult{}
	tokens := map[string]string{}
	var newEmails []string
	var hashes [][]byte
	for _, p := range prepared {
		switch {
		case p.Member:
			results[p.Email] = &inviteResult{Email: p.Email, Kind: "member", Message: "Ya es miembro de la organización."}
		case p.PendingID.Valid:
			res := &inviteResult{Email: p.Email, Kind: "pending", Message: "Ya tiene una invitación pendiente."}
			if r.sess.Role == "corporativo" || p.PendingRole.String == "empleado" && p.PendingArea.Valid &&
				r.sess.AreaID.Valid && p.PendingArea.String == r.sess.AreaID.String {
				res.ResendID = p.PendingID.String
				res.Message += " Puedes reenviarla con un enlace nuevo."
			}
			results[p.Email] = res
		default:
			token, hash, err := auth.NewToken()
			if err != nil {
				return nil, err
			}
			tokens[p.Email] = token
			newEmails = append(newEmails, p.Email)
			hashes = append(hashes, hash)
		}
	}

	w := &invitationWrite{}
	if len(newEmails) > 0 {
		var created []struct {
			ID        string    `db:"id"`
			Email     string    `db:"email"`
			ExpiresAt time.Time `db:"expires_at"`
			AreaName  string    `db:"area_name"`
		}
		err := r.attempt(func() error {
			return r.tx.SelectContext(r.ctx, &created, s.q.InvitationsCreate, r.sess.OrgID, form.Role, nullable(form.Area),
				r.sess.UserID, pq.Array(newEmails), pq.ByteaArray(hashes), interval(s.invitationTTL().Seconds()))
		})
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Code == "23503" {
			// the composite foreign key refuses an area of another
			// organisation exactly like one that does not exist
			form.Errors["area"] = "Esa área no existe en tu organización."
			return nil, s.rejectInviteForm(c, r, form)
		}
		if err != nil {
			return nil, fmt.Errorf("invitations-create: %w", err)
		}
		loc := orgLocation(r.sess.OrgTimezone)
		for _, cr := range created {
			res := &inviteResult{Email: cr.Email, Kind: "invited", Link: s.inviteLink(c, tokens[cr.Email])}
			results[cr.Email] = res
			w.mails = append(w.mails, &invitationMail{id: cr.ID, result: res, data: rumbomail.InvitationData{
				To: cr.Email, InviterName: r.sess.UserName, OrgName: r.sess.OrgName, Role: form.Role,
				AreaName: cr.AreaName, Link: res.Link, ExpiresAt: cr.ExpiresAt.In(loc),
			}})
		}
		w.changed = len(created) > 0
		// An e-mail that got a pending invitation from someone else
		// between our check and our insert was skipped by ON CONFLICT.
		for _, e := range newEmails {
			if results[e] == nil {
				results[e] = &inviteResult{Email: e, Kind: "pending", Message: "Ya tiene una invitación pendiente."}
			}
		}
	}
	for _, e := range malformed {
		results[e] = &inviteResult{Email: e, Kind: "malformed", Message: "No es un correo válido."}
	}
	for _, e := range emails {
		w.results.Items = append(w.results.Items, results[e])
	}

	f := formFilters(c)
	f.Page = 1
	var err error
	if w.table, err = s.loadInvitationsTable(r, f); err != nil {
		return nil, err
	}
	// The fresh form keeps the role and area and only the addresses that
	// need fixing.
	next := inviteForm{Emails: strings.Join(malformed, "\n"), Role: form.Role, Area: form.Area, OOB: true}
	if err := s.fillInviteForm(r, &next); err != nil {
		return nil, err
	}
	w.form = &next
	w.results.CSRF, w.results.Back = r.csrf(), invitationsLink(f.values()).Page
	return w, nil
}

// shortList names a few addresses in a sentence.
func shortList(emails []string) string {
	if len(emails) > 5 {
		return strings.Join(emails[:5], ", ") + fmt.Sprintf(" y %d más", len(emails)-5)
	}
	return strings.Join(emails, ", ")
}

// rejectInviteForm answers 422 with the form and its messages: the form
// alone for htmx (swapped in place of the form), else the whole page.
func (s *Server) rejectInviteForm(c *fiber.Ctx, r *request, form inviteForm) error {
	if isHTMX(c) {
		if err := s.fillInviteForm(r, &form); err != nil {
			return err
		}
		c.Status(fiber.StatusUnprocessableEntity)
		c.Set("HX-Retarget", "#invite-form")
		c.Set("HX-Reswap", "outerHTML")
		return s.fragment(c, "invitations/form", form)
	}
	return s.renderInvitationsPage(c, r, fiber.StatusUnprocessableEntity, form, invitationFilters{Page: 1}, nil)
}

// inviteLink is the absolute link a person opens to accept: the public
// base URL when configured, never a guess that could point elsewhere.
func (s *Server) inviteLink(c *fiber.Ctx, token string) string {
	return strings.TrimRight(s.baseURL(c), "/") + "/invite/" + token
}

var orgLocations sync.Map

// orgLocation loads (once) an organisation's time zone; the database
// already checked the name, UTC covers a machine without zone data.
func orgLocation(name string) *time.Location {
	if l, ok := orgLocations.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		l = time.UTC
	}
	orgLocations.Store(name, l)
	return l
}

// sendInvitationMails sends the e-mails of a committed invite or resend,
// a few at a time. A failure is logged and leaves the link on screen to
// copy: the invitation exists either way.
func (s *Server) sendInvitationMails(ctx context.Context, w *invitationWrite) {
	if s.opts.Mailer == nil || len(w.mails) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, inviteMailBudget)
	defer cancel()
	slots := make(chan struct{}, inviteMailConcurrency)
	var wg sync.WaitGroup
	for _, m := range w.mails {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			render := rumbomail.Invitation
			if m.reminder {
				render = rumbomail.InvitationReminder
			}
			msg, err := render(m.data)
			if err == nil {
				err = s.opts.Mailer.Send(ctx, msg)
			}
			if err != nil {
				s.log.Error("invitation e-mail failed", "invitation", m.id, "err", err)
				m.result.failed = true
				return
			}
			m.result.sent = true
		}()
	}
	wg.Wait()
}

// answerInvitationWrite answers an invite or a resend once its e-mails
// are out: htmx gets the table, the results and (after an invite) a fresh
// form, plus invitations-changed for the stats; a plain form gets a 303
// to the page, unless there is something the person must see once — a
// link to copy (only its hash is stored, a redirect would lose it) or an
// address that was not invited — which a results page shows instead.
func (s *Server) answerInvitationWrite(c *fiber.Ctx, w *invitationWrite) error {
	mustShow := false
	counts := map[string]int{}
	for _, res := range w.results.Items {
		switch {
		case res.Kind != "invited" && res.Kind != "resent":
			mustShow = true
		case res.sent:
			res.Link = ""
			if res.Kind == "invited" {
				res.Message = "Invitación enviada por correo."
			} else {
				res.Message = "Invitación reenviada por correo; el enlace anterior ya no funciona."
			}
		case res.failed:
			mustShow = true
			res.Message = "No pudimos enviar el correo. Copia el enlace y envíaselo tú:"
		default:
			mustShow = true
			if res.Kind == "invited" {
				res.Message = "Invitación creada. Copia el enlace y envíaselo:"
			} else {
				res.Message = "Enlace nuevo creado; el anterior ya no funciona. Copia este:"
			}
		}
		counts[res.Kind]++
	}
	w.results.Summary = resultsSummary(counts, s.opts.Mailer != nil)
	if isHTMX(c) {
		if w.changed {
			c.Set("HX-Trigger", "invitations-changed")
		}
		if err := s.fragment(c, "invitations/table", w.table); err != nil {
			return err
		}
		w.results.OOB = true
		if err := s.fragment(c, "invitations/results", w.results); err != nil {
			return err
		}
		if w.form != nil {
			return s.fragment(c, "invitations/form", w.form)
		}
		return nil
	}
	if !mustShow {
		return c.Redirect(w.results.Back, fiber.StatusSeeOther)
	}
	c.Type("html", "utf-8")
	return s.views.Page(c, "invitations/result", views.Layout{Title: "Invitaciones", CSRF: w.results.CSRF}, w.results)
}

func resultsSummary(counts map[string]int, mailer bool) string {
	plural := func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.Itoa(n) + " " + many
	}
	var parts []string
	if n := counts["invited"]; n > 0 {
		if mailer {
			parts = append(parts, plural(n, "invitación nueva", "invitaciones nuevas"))
		} else {
			parts = append(parts, plural(n, "invitación nueva (copia su enlace)", "invitaciones nuevas (copia sus enlaces)"))
		}
	}
	if n := counts["resent"]; n > 0 {
		parts = append(parts, plural(n, "invitación reenviada", "invitaciones reenviadas"))
	}
	if n := counts["member"]; n > 0 {
		parts = append(parts, plural(n, "ya es miembro", "ya son miembros"))
	}
	if n := counts["pending"]; n > 0 {
		parts = append(parts, plural(n, "ya tenía una invitación pendiente", "ya tenían una invitación pendiente"))
	}
	if n := counts["malformed"]; n > 0 {
		parts = append(parts, plural(n, "correo no válido", "correos no válidos"))
	}
	return strings.Join(parts, " · ")
}

// --- Resend and revoke -------------------------------------------------------

type lockedInvitation struct {
	ID       string         `db:"id"`
	Email    string         `db:"email"`
	Role     string         `db:"role"`
	AreaID   sql.NullString `db:"area_id"`
	AreaName string         `db:"area_name"`
	State    string         `db:"state"`
}

// lockInvitation finds and locks one invitation the member may act on.
// Another organisation's (hidden by RLS), a malformed id and, for a
// gerente, another area's are all the same 404; a gerente acting on an
// invitation above the empleado role gets 403; one no longer pending, 409.
func (s *Server) lockInvitation(r *request, id, verb string) (lockedInvitation, error) {
	var inv lockedInvitation
	if !isUUID(id) {
		return inv, errNotFound
	}
	if err := r.tx.GetContext(r.ctx, &inv, s.q.InvitationLock, r.sess.OrgID, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return inv, errNotFound
		}
		return inv, fmt.Errorf("invitation-lock: %w", err)
	}
	if r.sess.Role != "corporativo" {
		if !r.sess.AreaID.Valid || inv.AreaID.String != r.sess.AreaID.String {
			return inv, errNotFound
		}
		if inv.Role != "empleado" {
			return inv, forbidden("Como gerente solo puedes gestionar invitaciones con el rol Empleado.")
		}
	}
	if inv.State != "pending" {
		msg := fmt.Sprintf("Esta invitación ya no está pendiente (está %s), así que no se puede %s.",
			strings.ToLower(invitationStateLabels[inv.State]), verb)
		if inv.State == "expired" {
			msg += " Para volver a invitar a esa persona, usa el formulario."
		}
		return inv, &Error{Status: fiber.StatusConflict, Message: msg}
	}
	return inv, nil
}

// POST /settings/invitations/:id/resend: a new link (the old one stops
// working) and a new expiry.
func (s *Server) invitationResend(c *fiber.Ctx) error {
	var w *invitationWrite
	err := s.withTx(func(c *fiber.Ctx, r *request) error {
		if err := r.require(actInvitationsManage); err != nil {
			return err
		}
		inv, err := s.lockInvitation(r, c.Params("id"), "reenviar")
		if err != nil {
			return err
		}
		token, hash, err := auth.NewToken()
		if err != nil {
			return err
		}
		var expires time.Time
		if err := r.tx.GetContext(r.ctx, &expires, s.q.InvitationRenew, r.sess.OrgID, inv.ID, hash,
			interval(s.invitationTTL().Seconds())); err != nil {
			return fmt.Errorf("invitation-renew: %w", err)
		}
		res := &inviteResult{Email: inv.Email, Kind: "resent", Link: s.inviteLink(c, token)}
		w = &invitationWrite{changed: true}
		w.results.Items = []*inviteResult{res}
		w.mails = []*invitationMail{{id: inv.ID, result: res, reminder: true, data: rumbomail.InvitationData{
			To: inv.Email, InviterName: r.sess.UserName, OrgName: r.sess.OrgName, Role: inv.Role,
			AreaName: inv.AreaName, Link: res.Link, ExpiresAt: expires.In(orgLocation(r.sess.OrgTimezone)),
		}}}
		f := formFilters(c)
		if w.table, err = s.loadInvitationsTable(r, f); err != nil {
			return err
		}
		w.results.CSRF, w.results.Back = r.csrf(), invitationsLink(f.values()).Page
		return nil
	})(c)
	if err != nil || w == nil {
		return err
	}
	s.sendInvitationMails(c.UserContext(), w)
	return s.answerInvitationWrite(c, w)
}

// POST /settings/invitations/:id/revoke
func (s *Server) invitationRevoke(c *fiber.Ctx, r *request) error {
	if err := r.require(actInvitationsManage); err != nil {
		return err
	}
	inv, err := s.lockInvitation(r, c.Params("id"), "revocar")
	if err != nil {
		return err
	}
	if _, err := r.tx.ExecContext(r.ctx, s.q.InvitationRevoke, r.sess.OrgID, inv.ID); err != nil {
		return fmt.Errorf("invitation-revoke: %w", err)
	}
	f := formFilters(c)
	if !isHTMX(c) {
		return c.Redirect(invitationsLink(f.values()).Page, fiber.StatusSeeOther)
	}
	t, err := s.loadInvitationsTable(r, f)
	if err != nil {
		return err
	}
	c.Set("HX-Trigger", "invitations-changed")
	if err := s.fragment(c, "invitations/table", t); err != nil {
		return err
	}
	return s.fragment(c, "invitations/results", inviteResults{
		Notice: "Se revocó la invitación de " + inv.Email + ": su enlace ya no funciona.", OOB: true,
	})
}

// --- The invitation link -------------------------------------------------------

// invitationLink is what app.invitation_by_token tells about a token.
type invitationLink struct {
	State       string         `db:"state"`
	Email       string         `db:"email"`
	Role        string         `db:"role"`
	OrgName     string         `db:"org_name"`
	OrgTimezone string         `db:"org_timezone"`
	AreaName    string         `db:"area_name"`
	InviterName string         `db:"inviter_name"`
	ExpiresAt   time.Time      `db:"expires_at"`
	AcceptedAt  sql.NullTime   `db:"accepted_at"`
	ViewerEmail sql.NullString `db:"viewer_email"`
}

// plausibleToken is a cheap check before any lookup: tokens are 43
// base64url characters; anything else cannot be one.
func plausibleToken(t string) bool {
	if len(t) < 20 || len(t) > 100 {
		return false
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// lookupInvitation reads an invitation by its token (nil: unknown), and
// whether the session (if any) is signed in and as whom.
func (s *Server) lookupInvitation(ctx context.Context, token string, session []byte) (*invitationLink, error) {
	if !plausibleToken(token) {
		return nil, nil
	}
	var sessionArg any
	if session != nil {
		sessionArg = session
	}
	var inv invitationLink
	err := s.pool.Anonymous(ctx, true, func(ctx context.Context, tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &inv, s.q.InvitationByToken, auth.HashToken(token), sessionArg)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("invitation-by-token: %w", err)
	}
	return &inv, nil
}

const msgInviteUnknown = "Esta invitación no existe o ya no es válida. Si te la reenviaron, usa el enlace del correo más reciente; si no, pide una nueva a quien te invitó."

// inviteGone is the sentence for an invitation that can no longer be used.
func inviteGone(inv *invitationLink) string {
	loc := orgLocation(inv.OrgTimezone)
	switch inv.State {
	case "accepted":
		msg := "Esta invitación ya se usó"
		if inv.AcceptedAt.Valid {
			msg += " el " + views.DateES(inv.AcceptedAt.Time.In(loc))
		}
		return msg + ". Si fuiste tú, inicia sesión con " + inv.Email + " para entrar en " + inv.OrgName + "."
	case "revoked":
		return inv.OrgName + " revocó esta invitación, así que ya no es válida. Si crees que es un error, pide una nueva a quien te invitó."
	}
	return "Esta invitación venció el " + views.DateES(inv.ExpiresAt.In(loc)) + " y ya no es válida. Pide a quien te invitó que te envíe una nueva."
}

// inviteView is the invitation page.
type inviteView struct {
	State                                string // pending, accepted, expired, revoked, unknown, mismatch, member
	Heading, Message                     string
	OrgName, Email, RoleLabel, RoleHint  string
	AreaName, InviterName, Expires       string
	SignedIn                             bool
	ViewerEmail                          string
	CSRF, AcceptURL, LoginURL, SignupURL string
}

func (s *Server) renderInvite(c *fiber.Ctx, status int, v inviteView) error {
	c.Status(status)
	c.Type("html", "utf-8")
	return s.views.Page(c, "invitations/invite", views.Layout{Title: v.Heading, CSRF: v.CSRF}, v)
}

// inviteViewFor builds the page for a token as the visitor sees it, and
// its status: 200 pending, 404 unknown, 410 used, expired or revoked.
func (s *Server) inviteViewFor(c *fiber.Ctx, token string) (int, inviteView, error) {
	hash := s.sessionHash(c)
	inv, err := s.lookupInvitation(c.UserContext(), token, hash)
	if err != nil {
		return 0, inviteView{}, err
	}
	if inv == nil {
		return fiber.StatusNotFound, inviteView{State: "unknown", Heading: "Invitación no válida", Message: msgInviteUnknown}, nil
	}
	v := inviteView{
		State: inv.State, OrgName: inv.OrgName, Email: inv.Email, RoleLabel: views.Label("role", inv.Role),
		RoleHint: roleHint(inv.Role), AreaName: inv.AreaName, InviterName: inv.InviterName,
		Expires:  views.DateES(inv.ExpiresAt.In(orgLocation(inv.OrgTimezone))),
		SignedIn: inv.ViewerEmail.Valid, ViewerEmail: inv.ViewerEmail.String,
		AcceptURL: "/invite/" + token + "/accept",
		LoginURL:  "/login?next=" + url.QueryEscape("/invite/"+token),
		SignupURL: "/signup?invite=" + url.QueryEscape(token),
	}
	if v.SignedIn {
		v.CSRF = s.csrfFor(hash)
	}
	switch inv.State {
	case "pending":
		v.Heading = "Te invitaron a unirte a " + inv.OrgName
		if v.SignedIn && v.ViewerEmail != inv.Email {
			v.Message = "Esta invitación es para " + inv.Email + " y entraste como " + v.ViewerEmail +
				". Inicia sesión con la cuenta de " + inv.Email + " para aceptarla."
		}
		return fiber.StatusOK, v, nil
	case "accepted":
		v.Heading = "Esta invitación ya se usó"
	case "revoked":
		v.Heading = "Invitación revocada"
	default:
		v.Heading = "Invitación vencida"
	}
	v.Message = inviteGone(inv)
	return fiber.StatusGone, v, nil
}

// GET /invite/:token — works signed out, signed in, and signed in without
// any membership yet (just after sign-up).
func (s *Server) invitePage(c *fiber.Ctx) error {
	status, v, err := s.inviteViewFor(c, c.Params("token"))
	if err != nil {
		return err
	}
	return s.renderInvite(c, status, v)
}

// POST /invite/:token/accept — for the signed-in account whose e-mail the
// invitation names, and for no one else.
func (s *Server) inviteAccept(c *fiber.Ctx) error {
	token := c.Params("token")
	hash := s.sessionHash(c)
	if hash == nil {
		return s.inviteSignIn(c, token)
	}
	var res struct {
		Outcome      string         `db:"outcome"`
		Org          sql.NullString `db:"org"`
		OrgName      sql.NullString `db:"org_name"`
		InvitedEmail sql.NullString `db:"invited_email"`
	}
	res.Outcome = "unknown"
	if plausibleToken(token) {
		err := s.pool.Anonymous(c.UserContext(), false, func(ctx context.Context, tx *sqlx.Tx) error {
			return tx.GetContext(ctx, &res, s.q.InvitationAccept, hash, auth.HashToken(token))
		})
		if err != nil {
			return fmt.Errorf("invitation-accept: %w", err)
		}
	}
	switch res.Outcome {
	case "no_session":
		s.clearSessionCookie(c)
		return s.inviteSignIn(c, token)
	case "accepted":
		if isHTMX(c) {
			c.Set("HX-Redirect", "/")
			return c.SendStatus(fiber.StatusNoContent)
		}
		return c.Redirect("/", fiber.StatusSeeOther)
	case "already_member":
		return s.renderInvite(c, fiber.StatusOK, inviteView{
			State: "member", Heading: "Ya eres miembro de " + res.OrgName.String, OrgName: res.OrgName.String,
			Message: "Tu cuenta ya pertenecía a " + res.OrgName.String + "; la invitación no cambia tu rol. Ahora estás trabajando en esa organización.",
		})
	case "mismatch":
		return s.renderInvite(c, fiber.StatusForbidden, inviteView{
			State: "mismatch", Heading: "Esta invitación es para otra cuenta", CSRF: s.csrfFor(hash),
			Message: "Esta invitación es para " + res.InvitedEmail.String + "; inicia sesión con esa cuenta.",
			Email:   res.InvitedEmail.String, LoginURL: "/login?next=" + url.QueryEscape("/invite/"+token),
		})
	}
	// unknown, used, expired, revoked: the page for the token as it is now
	status, v, err := s.inviteViewFor(c, token)
	if err != nil {
		return err
	}
	return s.renderInvite(c, status, v)
}

// inviteSignIn sends a visitor without a session to log in and come back.
func (s *Server) inviteSignIn(c *fiber.Ctx, token string) error {
	next := "/login?next=" + url.QueryEscape("/invite/"+token)
	if isHTMX(c) {
		c.Set("HX-Redirect", next)
		return c.SendStatus(fiber.StatusUnauthorized)
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}
