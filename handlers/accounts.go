package handlers

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/text/unicode/norm"

	"rumbo/internal/auth"
	rumbomail "rumbo/internal/mail"
	"rumbo/views"
)

// Accounts: sign-up, onboarding (creating an organisation), switching
// organisations, logging out everywhere and password resets. Until a
// membership exists nothing here can use withTx (begin_request needs one),
// so these handlers run as rumbo_app without context and act only through
// the SECURITY DEFINER functions of migrations/00006_accounts.sql, passing
// the session token's hash for them to check.

// account is the signed-in user behind a session, member or not yet.
type account struct {
	UserID        string `db:"user_id"`
	Name          string `db:"name"`
	Email         string `db:"email"`
	Draft         []byte `db:"onboarding_draft"`
	Organizations int    `db:"organizations"`
}

// accountRequest is what an account handler gets: an anonymous
// transaction (rumbo_app, no context) and the session's account.
type accountRequest struct {
	ctx  context.Context
	tx   *sqlx.Tx
	acc  account
	hash []byte
}

type accountHandler func(c *fiber.Ctx, r *accountRequest) error

// withAccount is withTx for pages a signed-in user reaches before (or
// besides) having a membership: it checks the session through
// app.session_account instead of begin_request.
func (s *Server) withAccount(h accountHandler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		hash := s.sessionHash(c)
		if hash == nil {
			return s.unauthenticated(c)
		}
		readOnly := c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead
		err := s.pool.Anonymous(c.UserContext(), readOnly, func(ctx context.Context, tx *sqlx.Tx) error {
			r := &accountRequest{ctx: ctx, tx: tx, hash: hash}
			if err := tx.GetContext(ctx, &r.acc, s.q.AccountBySession, hash); err != nil {
				return err
			}
			return h(c, r)
		})
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Code == "RB401" {
			s.clearSessionCookie(c)
			return s.unauthenticated(c)
		}
		return err
	}
}

// noMembership answers a signed-in user whose session has no (or no
// longer a) membership in its organisation: to onboarding when they belong
// nowhere, else a page that lets them switch to one of theirs.
func (s *Server) noMembership(c *fiber.Ctx, hash []byte) error {
	var acc account
	var orgs []views.LayoutOrg
	err := s.pool.Anonymous(c.UserContext(), true, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &acc, s.q.AccountBySession, hash); err != nil {
			return err
		}
		return tx.SelectContext(ctx, &orgs, s.q.SessionOrganizations, hash)
	})
	if err != nil {
		return err
	}
	if acc.Organizations == 0 {
		if isHTMX(c) {
			c.Set("HX-Redirect", "/onboarding")
			c.Status(fiber.StatusForbidden)
			return nil
		}
		return c.Redirect("/onboarding", fiber.StatusSeeOther)
	}
	msg := "Tu cuenta ya no pertenece a esta organización. Elige otra de las tuyas o pide una nueva invitación."
	if isHTMX(c) {
		return &Error{Status: fiber.StatusForbidden, Message: msg}
	}
	c.Status(fiber.StatusForbidden)
	return s.authPage(c, "auth/message", "Sin acceso", messagePage{
		Heading: "Ya no perteneces a esta organización", Message: msg, Orgs: orgs, CSRF: s.csrfFor(hash),
		Links: []views.NavItem{{Label: "Crear una organización", Href: "/onboarding"}},
	})
}

type messagePage struct {
	Heading, Message, CSRF string
	Orgs                   []views.LayoutOrg
	Links                  []views.NavItem
}

// authPage renders a page of the bare layout (no navigation).
func (s *Server) authPage(c *fiber.Ctx, name, title string, data any) error {
	csrf := ""
	if hash := s.sessionHash(c); hash != nil {
		csrf = s.csrfFor(hash)
	} else {
		token, err := s.preSessionToken(c)
		if err != nil {
			return err
		}
		csrf = token
	}
	c.Type("html", "utf-8")
	return s.views.Page(c, name, views.Layout{Title: title, CSRF: csrf}, data)
}

// --- Sign-up -----------------------------------------------------------

type signupForm struct {
	CSRF, Name, Email, Invite, InviteOrg, Error string
	Errors                                      map[string]string
}

// GET /signup (?invite=<token> pre-fills and fixes the invitation's e-mail)
func (s *Server) signupPage(c *fiber.Ctx) error {
	f := signupForm{Invite: c.Query("invite")}
	if f.Invite != "" {
		inv, err := s.invitationForSignup(c.UserContext(), f.Invite)
		if err != nil {
			return err
		}
		if inv == nil {
			f.Invite = ""
			f.Error = "La invitación no es válida o ya no está pendiente; puedes crear tu cuenta igualmente."
		} else {
			f.Email, f.InviteOrg = inv.Email, inv.OrgName
		}
	}
	return s.renderSignup(c, fiber.StatusOK, f)
}

func (s *Server) renderSignup(c *fiber.Ctx, status int, f signupForm) error {
	token, err := s.preSessionToken(c)
	if err != nil {
		return err
	}
	f.CSRF = token
	c.Status(status)
	c.Type("html", "utf-8")
	return s.views.Page(c, "auth/signup", views.Layout{Title: "Crear cuenta", CSRF: token}, f)
}

// signupInvitation is what sign-up needs to know about an invitation.
type signupInvitation struct {
	Email   string `db:"email"`
	OrgName string `db:"org_name"`
}

// invitationForSignup looks a pending invitation up by its token (nil
// when unknown or no longer pending).
func (s *Server) invitationForSignup(ctx context.Context, token string) (*signupInvitation, error) {
	if token == "" || len(token) > 100 {
		return nil, nil
	}
	var inv signupInvitation
	err := s.pool.Anonymous(ctx, true, func(ctx context.Context, tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &inv, s.q.InvitationForSignup, auth.HashToken(token))
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &inv, nil
}

// POST /signup
func (s *Server) signup(c *fiber.Ctx) error {
	f := signupForm{
		Name: strings.TrimSpace(c.FormValue("name")), Email: strings.ToLower(strings.TrimSpace(c.FormValue("email"))),
		Invite: c.FormValue("invite"), Errors: map[string]string{},
	}
	if f.Invite != "" {
		inv, err := s.invitationForSignup(c.UserContext(), f.Invite)
		if err != nil {
			return err
		}
		if inv == nil {
			f.Invite = ""
			f.Error = "La invitación no es válida o ya no está pendiente."
			return s.renderSignup(c, fiber.StatusUnprocessableEntity, f)
		}
		// The invitation fixes the e-mail, whatever the form says.
		f.Email, f.InviteOrg = inv.Email, inv.OrgName
	}
	password := c.FormValue("password")
	switch n := utf8.RuneCountInString(f.Name); {
	case n == 0:
		f.Errors["name"] = "Escribe tu nombre."
	case n > 120:
		f.Errors["name"] = "El nombre admite hasta 120 caracteres."
	}
	if msg := emailProblem(f.Email); msg != "" {
		f.Errors["email"] = msg
	}
	if msg := auth.PasswordProblem(password, f.Email, f.Name); msg != "" {
		f.Errors["password"] = msg
	}
	if len(f.Errors) > 0 {
		return s.renderSignup(c, fiber.StatusUnprocessableEntity, f)
	}
	hash, err := auth.Hash(password)
	if err != nil {
		return err
	}
	token, tokenHash, err := auth.NewToken()
	if err != nil {
		return err
	}
	err = s.pool.Anonymous(c.UserContext(), false, func(ctx context.Context, tx *sqlx.Tx) error {
		var userID string
		if err := tx.GetContext(ctx, &userID, s.q.SignUp, f.Email, f.Name, hash); err != nil {
			return err
		}
		var org sql.NullString
		return tx.GetContext(ctx, &org, s.q.SessionStart, tokenHash, userID,
			interval(s.opts.SessionIdle.Seconds()), interval(s.opts.SessionMax.Seconds()),
			c.Get(fiber.HeaderUserAgent), c.IP())
	})
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" {
		f.Errors["email"] = "Ya existe una cuenta con ese correo. Inicia sesión o restablece tu contraseña."
		return s.renderSignup(c, fiber.StatusConflict, f)
	}
	if err != nil {
		return err
	}
	s.setSessionCookie(c, token)
	if f.Invite != "" {
		return c.Redirect("/invite/"+f.Invite, fiber.StatusSeeOther)
	}
	return c.Redirect("/onboarding", fiber.StatusSeeOther)
}

// emailProblem validates an address the way people type them.
func emailProblem(email string) string {
	if email == "" {
		return "Escribe tu correo."
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || len(email) > 254 || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
		return "Ese correo no parece válido."
	}
	return ""
}

// --- Onboarding --------------------------------------------------------

type onboardingForm struct {
	CSRF, UserName, Error                  string
	Name, Slug, Timezone, Currency, Locale string
	FiscalYearStart                        string
	Errors                                 map[string]string
	Timezones, Currencies, Locales, Months []option
}

// draft is the onboarding form as saved between visits.
type onboardingDraft struct {
	Name            string `json:"name,omitempty"`
	Slug            string `json:"slug,omitempty"`
	Timezone        string `json:"timezone,omitempty"`
	Currency        string `json:"currency,omitempty"`
	Locale          string `json:"locale,omitempty"`
	FiscalYearStart string `json:"fiscal_year_start,omitempty"`
}

// Timezones offered first; any IANA zone PostgreSQL knows is accepted.
var timezoneChoices = []option{
	{Value: "America/Mexico_City", Label: "Ciudad de México"}, {Value: "America/Bogota", Label: "Bogotá"},
	{Value: "America/Lima", Label: "Lima"}, {Value: "America/Guayaquil", Label: "Guayaquil"},
	{Value: "America/Caracas", Label: "Caracas"}, {Value: "America/La_Paz", Label: "La Paz"},
	{Value: "America/Santiago", Label: "Santiago"}, {Value: "America/Argentina/Buenos_Aires", Label: "Buenos Aires"},
	{Value: "America/Montevideo", Label: "Montevideo"}, {Value: "America/Asuncion", Label: "Asunción"},
	{Value: "America/Sao_Paulo", Label: "São Paulo"}, {Value: "America/Guatemala", Label: "Guatemala"},
	{Value: "America/Costa_Rica", Label: "San José (Costa Rica)"}, {Value: "America/Panama", Label: "Panamá"},
	{Value: "America/Santo_Domingo", Label: "Santo Domingo"}, {Value: "America/New_York", Label: "Nueva York"},
	{Value: "America/Los_Angeles", Label: "Los Ángeles"}, {Value: "Europe/Madrid", Label: "Madrid"},
	{Value: "Atlantic/Canary", Label: "Canarias"}, {Value: "Europe/London", Label: "Londres"}, {Value: "UTC", Label: "UTC"},
}

var currencyChoices = []option{
	{Value: "USD", Label: "USD — dólar estadounidense"}, {Value: "EUR", Label: "EUR — euro"},
	{Value: "MXN", Label: "MXN — peso mexicano"}, {Value: "COP", Label: "COP — peso colombiano"},
	{Value: "ARS", Label: "ARS — peso argentino"}, {Value: "CLP", Label: "CLP — peso chileno"},
	{Value: "PEN", Label: "PEN — sol peruano"}, {Value: "BRL", Label: "BRL — real brasileño"},
	{Value: "UYU", Label: "UYU — peso uruguayo"}, {Value: "GBP", Label: "GBP — libra esterlina"},
}

var localeChoices = []option{{Value: "es", Label: "Español"}, {Value: "en", Label: "English"}}

var monthNames = []string{"Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto", "Septiembre",
	"Octubre", "Noviembre", "Diciembre"}

func choose(opts []option, value string) []option {
	out := make([]option, len(opts))
	for i, o := range opts {
		o.Selected = o.Value == value
		out[i] = o
	}
	return out
}

func (f *onboardingForm) fill() {
	zones := timezoneChoices
	if f.Timezone != "" && !slices.ContainsFunc(zones, func(o option) bool { return o.Value == f.Timezone }) {
		zones = append([]option{{Value: f.Timezone, Label: f.Timezone}}, zones...)
	}
	f.Timezones, f.Currencies, f.Locales = choose(zones, f.Timezone), choose(currencyChoices, f.Currency),
		choose(localeChoices, f.Locale)
	f.Months = nil
	for i, m := range monthNames {
		v := strconv.Itoa(i + 1)
		f.Months = append(f.Months, option{Value: v, Label: m, Selected: v == f.FiscalYearStart})
	}
}

// GET /onboarding — "Crea tu organización", with the draft of an earlier
// visit.
func (s *Server) onboardingPage(c *fiber.Ctx, r *accountRequest) error {
	f := onboardingForm{UserName: r.acc.Name, Timezone: "America/Bogota", Currency: "USD", Locale: "es", FiscalYearStart: "1"}
	var d onboardingDraft
	if len(r.acc.Draft) > 0 && json.Unmarshal(r.acc.Draft, &d) == nil {
		f.Name, f.Slug = d.Name, d.Slug
		f.Timezone = cmpOr(d.Timezone, f.Timezone)
		f.Currency = cmpOr(d.Currency, f.Currency)
		f.Locale = cmpOr(d.Locale, f.Locale)
		f.FiscalYearStart = cmpOr(d.FiscalYearStart, f.FiscalYearStart)
	}
	return s.renderOnboarding(c, r, fiber.StatusOK, f)
}

func cmpOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func (s *Server) renderOnboarding(c *fiber.Ctx, r *accountRequest, status int, f onboardingForm) error {
	f.CSRF, f.UserName = s.csrfFor(r.hash), r.acc.Name
	f.fill()
	c.Status(status)
	c.Type("html", "utf-8")
	return s.views.Page(c, "auth/onboarding", views.Layout{Title: "Crea tu organización", CSRF: f.CSRF}, f)
}

// POST /onboarding/draft keeps the half-filled form (htmx, on change).
func (s *Server) onboardingDraft(c *fiber.Ctx, r *accountRequest) error {
	d := onboardingDraft{
		Name: truncate(c.FormValue("name"), 120), Slug: truncate(c.FormValue("slug"), 63),
		Timezone: truncate(c.FormValue("timezone"), 64), Currency: truncate(c.FormValue("currency"), 3),
		Locale: truncate(c.FormValue("locale"), 2), FiscalYearStart: truncate(c.FormValue("fiscal_year_start"), 2),
	}
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	if _, err := r.tx.ExecContext(r.ctx, s.q.OnboardingDraftSave, r.hash, string(b)); err != nil {
		return fmt.Errorf("onboarding-draft-save: %w", err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

var slugRe = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// slugFrom derives an identifier from a name: "Acme Andina S.A." →
// "acme-andina-s-a".
func slugFrom(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(strings.ToLower(name)) {
		switch {
		case unicode.Is(unicode.Mn, r): // accents, after decomposition
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
	}
	return truncate(strings.Trim(b.String(), "-"), 63)
}

// POST /onboarding creates the organisation, with the caller as its first
// corporativo, in one transaction.
func (s *Server) onboardingCreate(c *fiber.Ctx, r *accountRequest) error {
	f := onboardingForm{
		Name: strings.TrimSpace(c.FormValue("name")), Slug: strings.TrimSpace(c.FormValue("slug")),
		Timezone: c.FormValue("timezone"), Currency: c.FormValue("currency"), Locale: c.FormValue("locale"),
		FiscalYearStart: c.FormValue("fiscal_year_start"), Errors: map[string]string{},
	}
	switch n := utf8.RuneCountInString(f.Name); {
	case n == 0:
		f.Errors["name"] = "Escribe el nombre de la organización."
	case n > 120:
		f.Errors["name"] = "El nombre admite hasta 120 caracteres."
	}
	if f.Slug == "" {
		f.Slug = slugFrom(f.Name)
	}
	if f.Errors["name"] == "" && (!slugRe.MatchString(f.Slug) || len(f.Slug) > 63) {
		f.Errors["slug"] = "El identificador solo admite minúsculas, números y guiones (sin guiones al principio ni al final)."
	}
	if _, err := time.LoadLocation(f.Timezone); err != nil || f.Timezone == "" || f.Timezone == "Local" {
		f.Errors["timezone"] = "Elige una zona horaria válida."
	}
	if !slices.ContainsFunc(currencyChoices, func(o option) bool { return o.Value == f.Currency }) {
		f.Errors["currency"] = "Elige una moneda de la lista."
	}
	if f.Locale != "es" && f.Locale != "en" {
		f.Errors["locale"] = "Elige un idioma de la lista."
	}
	month, err := strconv.Atoi(f.FiscalYearStart)
	if err != nil || month < 1 || month > 12 {
		f.Errors["fiscal_year_start"] = "Elige un mes de la lista."
	}
	if len(f.Errors) > 0 {
		return s.renderOnboarding(c, r, fiber.StatusUnprocessableEntity, f)
	}
	var orgID string
	err = r.attempt(func() error {
		return r.tx.GetContext(r.ctx, &orgID, s.q.OrganizationCreate, r.hash, f.Name, f.Slug, f.Timezone,
			f.Currency, f.Locale, month)
	})
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code {
		case "23505":
			f.Errors["slug"] = "Ese identificador ya está en uso."
			return s.renderOnboarding(c, r, fiber.StatusConflict, f)
		case "22023":
			f.Errors["timezone"] = "Elige una zona horaria válida."
			return s.renderOnboarding(c, r, fiber.StatusUnprocessableEntity, f)
		}
	}
	if err != nil {
		return fmt.Errorf("organization-create: %w", err)
	}
	return c.Redirect("/", fiber.StatusSeeOther)
}

// attempt is request.attempt for account transactions.
func (r *accountRequest) attempt(fn func() error) error {
	return (&request{ctx: r.ctx, tx: r.tx}).attempt(fn)
}

// --- Switching organisations and logging out everywhere ---------------

// POST /session/org
func (s *Server) switchOrganization(c *fiber.Ctx, r *accountRequest) error {
	org := c.FormValue("org")
	if !isUUID(org) {
		return errNotFound
	}
	var ok bool
	if err := r.tx.GetContext(r.ctx, &ok, s.q.OrganizationSwitch, r.hash, org); err != nil {
		return fmt.Errorf("organization-switch: %w", err)
	}
	if !ok {
		return errNotFound
	}
	if isHTMX(c) {
		c.Set("HX-Redirect", "/")
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect("/", fiber.StatusSeeOther)
}

// POST /logout/all ends every session of the user, this one included.
func (s *Server) logoutEverywhere(c *fiber.Ctx, r *accountRequest) error {
	if _, err := r.tx.ExecContext(r.ctx, s.q.SessionsEndAll, r.hash); err != nil {
		return fmt.Errorf("sessions-end-all: %w", err)
	}
	s.clearSessionCookie(c)
	if isHTMX(c) {
		c.Set("HX-Redirect", "/login")
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// rotate gives the session a new token after a role change (its own write
// transaction, so GET requests stay read-only).
func (s *Server) rotate(c *fiber.Ctx, old []byte) ([]byte, error) {
	token, hash, err := auth.NewToken()
	if err != nil {
		return nil, err
	}
	err = s.pool.Anonymous(c.UserContext(), false, func(ctx context.Context, tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, s.q.SessionRotate, old, hash)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.setSessionCookie(c, token)
	return hash, nil
}

// --- Password reset ------------------------------------------------------

// resetTTL is how long an e-mailed reset link lives.
const resetTTL = time.Hour

type forgotForm struct {
	CSRF, Email, Error, Sent string
	NoMail                   bool
}

// GET /password/forgot
func (s *Server) forgotPage(c *fiber.Ctx) error {
	return s.authPage(c, "auth/forgot", "Restablecer contraseña", s.forgotForm(c, forgotForm{NoMail: s.opts.Mailer == nil}))
}

func (s *Server) forgotForm(c *fiber.Ctx, f forgotForm) forgotForm {
	if hash := s.sessionHash(c); hash != nil {
		f.CSRF = s.csrfFor(hash)
	} else if token, err := s.preSessionToken(c); err == nil {
		f.CSRF = token
	}
	return f
}

// POST /password/forgot sends a reset link when the account exists and
// SMTP is configured; the answer is the same either way, so it tells
// nobody which addresses have accounts.
func (s *Server) forgot(c *fiber.Ctx) error {
	if s.opts.Mailer == nil {
		return s.authPage(c, "auth/forgot", "Restablecer contraseña", s.forgotForm(c, forgotForm{NoMail: true}))
	}
	email := strings.ToLower(strings.TrimSpace(c.FormValue("email")))
	if msg := emailProblem(email); msg != "" {
		c.Status(fiber.StatusUnprocessableEntity)
		return s.authPage(c, "auth/forgot", "Restablecer contraseña", s.forgotForm(c, forgotForm{Email: email, Error: msg}))
	}
	token, hash, err := auth.NewToken()
	if err != nil {
		return err
	}
	var to []struct {
		Name  string `db:"name"`
		Email string `db:"email"`
	}
	err = s.pool.Anonymous(c.UserContext(), false, func(ctx context.Context, tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &to, s.q.PasswordResetCreate, email, hash, interval(resetTTL.Seconds()))
	})
	if err != nil {
		return err
	}
	for _, u := range to {
		msg, err := rumbomail.PasswordReset(rumbomail.PasswordResetData{To: u.Email, Name: u.Name,
			Link: s.baseURL(c) + "/password/reset/" + token, ValidFor: resetTTL})
		if err != nil {
			return err
		}
		if err := s.opts.Mailer.Send(c.UserContext(), msg); err != nil {
			s.log.Error("password reset mail failed", "err", err)
			return &Error{Status: fiber.StatusBadGateway, Message: "No pudimos enviar el correo. Inténtalo de nuevo en unos minutos."}
		}
	}
	return s.authPage(c, "auth/forgot", "Restablecer contraseña", s.forgotForm(c, forgotForm{
		Sent: "Si existe una cuenta con ese correo, te enviamos un enlace para restablecer la contraseña. Caduca en una hora.",
	}))
}

type resetForm struct {
	CSRF, Token, Email, Error string
}

type resetInfo struct {
	State string `db:"state"`
	Email string `db:"email"`
	Name  string `db:"name"`
}

// resetLinkGone explains a used, expired or unknown link.
func (s *Server) resetLinkGone(c *fiber.Ctx, state string) error {
	status, msg := fiber.StatusNotFound, "Este enlace para restablecer la contraseña no existe. Revisa que lo copiaste entero."
	switch state {
	case "used":
		status, msg = fiber.StatusGone, "Este enlace ya se usó. Si necesitas cambiar la contraseña otra vez, pide uno nuevo."
	case "expired":
		status, msg = fiber.StatusGone, "Este enlace caducó. Pide uno nuevo."
	}
	c.Status(status)
	return s.authPage(c, "auth/message", "Enlace no válido", messagePage{
		Heading: "Enlace no válido", Message: msg,
		Links: []views.NavItem{{Label: "Pedir un enlace nuevo", Href: "/password/forgot"}, {Label: "Iniciar sesión", Href: "/login"}},
	})
}

func (s *Server) lookupReset(ctx context.Context, token string) (resetInfo, error) {
	var info resetInfo
	if token == "" || len(token) > 100 {
		return info, nil
	}
	err := s.pool.Anonymous(ctx, true, func(ctx context.Context, tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &info, s.q.PasswordResetInfo, auth.HashToken(token))
	})
	if errors.Is(err, sql.ErrNoRows) {
		return resetInfo{}, nil
	}
	return info, err
}

// GET /password/reset/:token
func (s *Server) resetPage(c *fiber.Ctx) error {
	token := strings.Clone(c.Params("token"))
	info, err := s.lookupReset(c.UserContext(), token)
	if err != nil {
		return err
	}
	if info.State != "valid" {
		return s.resetLinkGone(c, info.State)
	}
	return s.authPage(c, "auth/reset", "Nueva contraseña", s.withResetCSRF(c, resetForm{Token: token, Email: info.Email}))
}

func (s *Server) withResetCSRF(c *fiber.Ctx, f resetForm) resetForm {
	if hash := s.sessionHash(c); hash != nil {
		f.CSRF = s.csrfFor(hash)
	} else if token, err := s.preSessionToken(c); err == nil {
		f.CSRF = token
	}
	return f
}

// POST /password/reset/:token sets the new password, unlocks the account
// and ends every session; then the person signs in again.
func (s *Server) reset(c *fiber.Ctx) error {
	token := strings.Clone(c.Params("token"))
	info, err := s.lookupReset(c.UserContext(), token)
	if err != nil {
		return err
	}
	if info.State != "valid" {
		return s.resetLinkGone(c, info.State)
	}
	password := c.FormValue("password")
	f := resetForm{Token: token, Email: info.Email}
	if msg := auth.PasswordProblem(password, info.Email, info.Name); msg != "" {
		f.Error = msg
	} else if password != c.FormValue("password_confirm") {
		f.Error = "Las dos contraseñas no coinciden."
	}
	if f.Error != "" {
		c.Status(fiber.StatusUnprocessableEntity)
		return s.authPage(c, "auth/reset", "Nueva contraseña", s.withResetCSRF(c, f))
	}
	hash, err := auth.Hash(password)
	if err != nil {
		return err
	}
	var state string
	err = s.pool.Anonymous(c.UserContext(), false, func(ctx context.Context, tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &state, s.q.PasswordResetUse, auth.HashToken(token), hash)
	})
	if err != nil {
		return err
	}
	if state != "valid" { // used by a concurrent request a moment ago
		return s.resetLinkGone(c, state)
	}
	s.clearSessionCookie(c)
	return c.Redirect("/login?reset=1", fiber.StatusSeeOther)
}
