package handlers

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gavv/httpexpect/v2"
	"github.com/gofiber/fiber/v2"

	"rumbo/internal/auth"
	"rumbo/internal/mail"
	"rumbo/internal/mail/mailtest"
	"rumbo/internal/testpg"
	"rumbo/views"
)

var (
	inviteLinkRe = regexp.MustCompile(`value="(http://rumbo\.test/invite/([A-Za-z0-9_-]{43}))"`)
	mailLinkRe   = regexp.MustCompile(`http://rumbo\.test/invite/([A-Za-z0-9_-]{43})`)
	resultRe     = regexp.MustCompile(`data-email="([^"]+)" data-result="([a-z]+)"`)
)

// inviteLinks are the copyable links an invite answer shows, by token.
func inviteLinks(body string) []string {
	var out []string
	for _, m := range inviteLinkRe.FindAllStringSubmatch(body, -1) {
		out = append(out, m[2])
	}
	return out
}

// resultsOf maps each e-mail of an invite answer to what happened.
func resultsOf(body string) map[string]string {
	out := map[string]string{}
	for _, m := range resultRe.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// storedInvitation is an invitation row, read as rumbo_owner.
type storedInvitation struct {
	ID         string         `db:"id"`
	Email      string         `db:"email"`
	Role       string         `db:"role"`
	AreaID     sql.NullString `db:"area_id"`
	Status     string         `db:"status"`
	TokenHash  []byte         `db:"token_hash"`
	InvitedBy  sql.NullString `db:"invited_by"`
	ExpiresAt  time.Time      `db:"expires_at"`
	AcceptedAt sql.NullTime   `db:"accepted_at"`
	RevokedAt  sql.NullTime   `db:"revoked_at"`
}

func invitationOf(t *testing.T, orgID, email string) storedInvitation {
	t.Helper()
	var inv storedInvitation
	tdb.Get(t, &inv, `SELECT id, email, role, area_id, status, token_hash, invited_by, expires_at, accepted_at, revoked_at
		FROM invitations WHERE org_id = $1 AND email = $2 ORDER BY created_at DESC LIMIT 1`, orgID, email)
	return inv
}

// newInvitation writes an invitation as a fixture and returns its id and
// the token of its link.
func newInvitation(t *testing.T, org testpg.Org, email, role, area, invitedBy, status string) (id, token string) {
	t.Helper()
	token, hash, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	tdb.Get(t, &id, `INSERT INTO invitations (org_id, email, role, area_id, token_hash, invited_by, status, expires_at,
		accepted_at, revoked_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, now() + interval '7 days',
		        CASE WHEN $7 = 'accepted' THEN now() END, CASE WHEN $7 = 'revoked' THEN now() END) RETURNING id`,
		org.ID, email, role, nullable(area), hash, nullable(invitedBy), status)
	return id, token
}

func membershipOf(t *testing.T, orgID, userID string) (role string, area sql.NullString, ok bool) {
	t.Helper()
	var rows []struct {
		Role string         `db:"role"`
		Area sql.NullString `db:"area_id"`
	}
	tdb.Select(t, &rows, `SELECT role, area_id FROM memberships WHERE org_id = $1 AND user_id = $2 AND removed_at IS NULL`, orgID, userID)
	if len(rows) == 0 {
		return "", sql.NullString{}, false
	}
	return rows[0].Role, rows[0].Area, true
}

// logIn signs in through the login form, following an invitation's
// "next", for accounts that may belong to no organisation yet.
func logIn(t *testing.T, e *httpexpect.Expect, email, next string) {
	t.Helper()
	page := e.GET("/login").WithQuery("next", next).Expect().Status(http.StatusOK).Body().Raw()
	e.POST("/login").WithFormField("_csrf", csrfFrom(t, page)).WithFormField("email", email).
		WithFormField("password", testpg.Password).WithFormField("next", next).
		Expect().Status(http.StatusSeeOther).Header("Location").IsEqual(next)
}

// postInvite sends the invite form as htmx does.
func postInvite(e *httpexpect.Expect, csrf, emails, role, area string) *httpexpect.Response {
	return htmx(e.POST("/settings/invitations")).WithHeader("X-CSRF-Token", csrf).
		WithFormField("emails", emails).WithFormField("role", role).WithFormField("area", area).Expect()
}

// mailServer is the test app with SMTP: the same pool, queries and views
// (so its renders count for the every-template check), Mailer set.
func mailServer(t *testing.T) (*fiber.App, *mailtest.Server) {
	t.Helper()
	smtpd := mailtest.Start(t)
	m, err := mail.NewSMTP(smtpd.URL())
	if err != nil {
		t.Fatal(err)
	}
	opts := srv.opts
	opts.Mailer = m
	s, err := New(srv.pool, srv.q, srv.views, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s.App(), smtpd
}

// signInOn is signIn against another app.
func signInOn(t *testing.T, app *fiber.App, email string) (*httpexpect.Expect, string) {
	t.Helper()
	e := clientFor(t, app, "http://rumbo.test")
	logIn(t, e, email, "/objectives")
	page := e.GET("/settings/invitations").Expect().Status(http.StatusOK).Body().Raw()
	return e, csrfFrom(t, page)
}

// TestInviteWithoutSMTPAndAccept: the whole path without SMTP — the
// inviter copies the link, the invited person (an account in no
// organisation yet) opens it signed out, signs in through it and accepts.
func TestInviteWithoutSMTPAndAccept(t *testing.T) {
	f := newOrgFixture(t, "Iota")
	invitee := tdb.NewUser(t, "Inés Invitada")
	other := "nueva-" + strings.ToLower(f.Org.Slug) + "@example.test"
	e, csrf := signIn(t, f.Boss.Email)

	page := e.GET("/settings/invitations").Expect().Status(http.StatusOK).Body()
	page.Contains("Enviar invitaciones").Contains(`data-stat="total">0<`).Contains("Aún no hay invitaciones")
	page.Contains(`aria-current="page">Invitaciones`)

	// the invited address is typed in capitals: stored and matched in lower case
	r := postInvite(e, csrf, strings.ToUpper(invitee.Email)+";\n"+other, "gerente", f.AreaB).Status(http.StatusOK)
	r.Header("HX-Trigger").IsEqual("invitations-changed")
	body := r.Body().Raw()
	if got := resultsOf(body); got[invitee.Email] != "invited" || got[other] != "invited" {
		t.Fatalf("results %v", got)
	}
	links := inviteLinks(body)
	if len(links) != 2 || !strings.Contains(body, "Copia el enlace") {
		t.Fatalf("without SMTP the answer shows the links to copy; got %v", links)
	}
	if !strings.Contains(body, `id="invite-results" class="invite-results" aria-live="polite" hx-swap-oob="true"`) ||
		!strings.Contains(body, `id="invite-form"`) || strings.Contains(body, "<html") {
		t.Fatal("the htmx answer is the table plus the results and a fresh form, out of band")
	}
	inv := invitationOf(t, f.Org.ID, invitee.Email)
	if len(rowIDs(body)) != 2 || !slices.Contains(rowIDs(body), inv.ID) {
		t.Fatalf("table rows %v lack %s", rowIDs(body), inv.ID)
	}
	if inv.Status != "pending" || inv.Role != "gerente" || inv.AreaID.String != f.AreaB || inv.InvitedBy.String != f.Boss.ID {
		t.Fatalf("stored %+v", inv)
	}
	if d := time.Until(inv.ExpiresAt); d < 7*24*time.Hour-time.Minute || d > 7*24*time.Hour+time.Minute {
		t.Fatalf("expires in %v, want 7 days", d)
	}
	// only the token's SHA-256 is stored
	i := slices.IndexFunc(links, func(tok string) bool { sum := sha256.Sum256([]byte(tok)); return bytes.Equal(sum[:], inv.TokenHash) })
	if i < 0 {
		t.Fatal("no link's token hashes to the stored hash")
	}
	token := links[i]
	var stored int
	tdb.Get(t, &stored, `SELECT count(*) FROM invitations WHERE position(convert_to($1, 'UTF8') IN token_hash) > 0`, token)
	if stored != 0 {
		t.Fatal("the token itself is stored")
	}

	// signed out: what, who, until when, and the ways in
	visitor := client(t)
	invite := visitor.GET("/invite/" + token).Expect().Status(http.StatusOK).Body()
	invite.Contains("Te invitaron a unirte a Org Iota").Contains("Gerente").Contains("Tecnología Iota").
		Contains("Jefa Iota").Contains(invitee.Email).Contains(views.DateES(inv.ExpiresAt.UTC())).
		Contains(`href="/login?next=%2Finvite%2F` + token + `"`).Contains(`href="/signup?invite=` + token + `"`).
		NotContains("Aceptar invitación")
	logIn(t, visitor, invitee.Email, "/invite/"+token)
	signedIn := visitor.GET("/invite/" + token).Expect().Status(http.StatusOK).Body()
	signedIn.Contains("Aceptar invitación").Contains("Entraste como " + invitee.Email)
	visitor.POST("/invite/"+token+"/accept").WithFormField("_csrf", csrfFrom(t, signedIn.Raw())).
		Expect().Status(http.StatusSeeOther).Header("Location").IsEqual("/")

	role, area, ok := membershipOf(t, f.Org.ID, invitee.ID)
	if !ok || role != "gerente" || area.String != f.AreaB {
		t.Fatalf("membership %v %q %v", ok, role, area)
	}
	if got := invitationOf(t, f.Org.ID, invitee.Email); got.Status != "accepted" || !got.AcceptedAt.Valid {
		t.Fatalf("invitation after accept: %+v", got)
	}
	visitor.GET("/objectives").Expect().Status(http.StatusOK).Body().Contains("Org Iota").Contains("Vender más Iota")
	// the link is spent
	visitor.GET("/invite/" + token).Expect().Status(http.StatusGone).Body().Contains("ya se usó")

	// the inviter's table and stats now say so
	e.GET("/fragments/invitations/stats").Expect().Status(http.StatusOK).Body().
		Contains(`data-stat="accepted">1<`).Contains(`data-stat="pending">1<`).Contains(`data-stat="acceptance_rate">100<`)

	// a plain form (no JavaScript) gets a page with the links: a redirect would lose them
	third := "tercera-" + strings.ToLower(f.Org.Slug) + "@example.test"
	plain := e.POST("/settings/invitations").WithFormField("_csrf", csrf).WithFormField("emails", third).
		WithFormField("role", "empleado").WithFormField("area", "").Expect().Status(http.StatusOK).Body()
	plain.Contains("<html").Contains("Volver a Invitaciones")
	if len(inviteLinks(plain.Raw())) != 1 {
		t.Fatal("the plain answer shows no link")
	}
}

// TestInviteBySMTPEndToEnd: with SMTP the answer says "enviada" and shows
// no link; the e-mail arrives in Spanish, its link leads to the page, and
// the invited person signs in and accepts. A resend mails a reminder with a
// new link and the old one stops working.
func TestInviteBySMTPEndToEnd(t *testing.T) {
	app, smtpd := mailServer(t)
	f := newOrgFixture(t, "Kappa")
	invitee := tdb.NewUser(t, "Kevin Correo")
	e, csrf := signInOn(t, app, f.Boss.Email)

	r := postInvite(e, csrf, invitee.Email, "empleado", f.AreaA).Status(http.StatusOK)
	body := r.Body().Raw()
	if len(inviteLinks(body)) != 0 || !strings.Contains(body, "Invitación enviada por correo.") {
		t.Fatalf("with SMTP the answer must say sent and show no link:\n%s", body)
	}
	msg := smtpd.WaitFor(t, invitee.Email)
	if msg.Subject != "Jefa Kappa te invitó a unirte a Org Kappa en Rumbo" {
		t.Errorf("subject %q", msg.Subject)
	}
	for _, want := range []string{"Rol: Empleado", "Área: Ventas Kappa", "vence el "} {
		if !strings.Contains(msg.Text, want) {
			t.Errorf("mail text lacks %q:\n%s", want, msg.Text)
		}
	}
	m := mailLinkRe.FindStringSubmatch(msg.Text)
	if m == nil || !strings.Contains(msg.HTML, `href="`+m[0]+`"`) {
		t.Fatalf("no link in the mail:\n%s", msg.Text)
	}
	oldToken := m[1]

	// resend: a reminder with a new link; the first link no longer works
	inv := invitationOf(t, f.Org.ID, invitee.Email)
	tdb.Exec(t, `UPDATE invitations SET expires_at = now() + interval '1 day' WHERE id = $1`, inv.ID)
	htmx(e.POST("/settings/invitations/"+inv.ID+"/resend")).WithHeader("X-CSRF-Token", csrf).Expect().
		Status(http.StatusOK).Body().Contains("reenviada por correo").Contains(`data-id="` + inv.ID + `"`)
	var reminder mailtest.Message
	for _, msg := range smtpd.MessagesTo(invitee.Email) {
		if strings.HasPrefix(msg.Subject, "Recordatorio: ") {
			reminder = msg
		}
	}
	m = mailLinkRe.FindStringSubmatch(reminder.Text)
	if m == nil || m[1] == oldToken {
		t.Fatalf("reminder %q carries no new link:\n%s", reminder.Subject, reminder.Text)
	}
	token := m[1]
	if d := time.Until(invitationOf(t, f.Org.ID, invitee.Email).ExpiresAt); d < 7*24*time.Hour-time.Minute {
		t.Fatalf("a resend did not extend the expiry: %v left", d)
	}
	visitor := clientFor(t, app, "http://rumbo.test")
	visitor.GET("/invite/" + oldToken).Expect().Status(http.StatusNotFound).Body().Contains("ya no es válida")
	visitor.GET("/invite/" + token).Expect().Status(http.StatusOK).Body().Contains("Org Kappa")

	logIn(t, visitor, invitee.Email, "/invite/"+token)
	page := visitor.GET("/invite/" + token).Expect().Status(http.StatusOK).Body().Raw()
	visitor.POST("/invite/"+oldToken+"/accept").WithFormField("_csrf", csrfFrom(t, page)).
		Expect().Status(http.StatusNotFound)
	visitor.POST("/invite/"+token+"/accept").WithFormField("_csrf", csrfFrom(t, page)).
		Expect().Status(http.StatusSeeOther)
	if role, _, ok := membershipOf(t, f.Org.ID, invitee.ID); !ok || role != "empleado" {
		t.Fatalf("membership %v %q", ok, role)
	}

	// a plain form whose e-mails all went out gets the usual 303
	e.POST("/settings/invitations").WithFormField("_csrf", csrf).
		WithFormField("emails", "plain-"+strings.ToLower(f.Org.Slug)+"@example.test").WithFormField("role", "empleado").
		Expect().Status(http.StatusSeeOther).Header("Location").IsEqual("/settings/invitations")
}

// TestDeadInvitationLinks: expired, revoked, used and unknown tokens each
// get their own page, and none can be accepted.
func TestDeadInvitationLinks(t *testing.T) {
	f := newOrgFixture(t, "Lambda2")
	u := tdb.NewUser(t, "Lucía Links")
	_, expired := newInvitation(t, f.Org, u.Email, "empleado", "", f.Boss.ID, "pending")
	tdb.Exec(t, `UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE org_id = $1 AND email = $2`, f.Org.ID, u.Email)
	_, revoked := newInvitation(t, f.Org, u.Email, "empleado", "", f.Boss.ID, "revoked")
	_, used := newInvitation(t, f.Org, u.Email, "empleado", "", f.Boss.ID, "accepted")
	unknown, _, _ := auth.NewToken()

	cases := []struct {
		token  string
		status int
		says   string
	}{
		{expired, http.StatusGone, "venció el"},
		{revoked, http.StatusGone, "revocó esta invitación"},
		{used, http.StatusGone, "ya se usó"},
		{unknown, http.StatusNotFound, "no existe o ya no es válida"},
		{"corto", http.StatusNotFound, "no existe o ya no es válida"},
		{strings.Repeat("x", 200), http.StatusNotFound, "no existe o ya no es válida"},
	}
	visitor := client(t)
	for _, c := range cases {
		visitor.GET("/invite/" + c.token).Expect().Status(c.status).Body().Contains(c.says).
			NotContains("Aceptar invitación").NotContains("Iniciar sesión para aceptar")
	}
	logIn(t, visitor, u.Email, "/invite/"+expired)
	page := visitor.GET("/invite/" + expired).Expect().Status(http.StatusGone).Body().Raw()
	token := csrfFrom(t, page)
	for _, c := range cases {
		visitor.POST("/invite/"+c.token+"/accept").WithFormField("_csrf", token).Expect().Status(c.status).
			Body().Contains(c.says)
	}
	if _, _, ok := membershipOf(t, f.Org.ID, u.ID); ok {
		t.Fatal("a dead invitation made a membership")
	}
	// the lapsed one is now marked expired in its row too
	if got := invitationOf(t, f.Org.ID, u.Email); got.Status == "pending" {
		t.Fatal("nothing is pending any more")
	}
	var statuses []string
	tdb.Select(t, &statuses, `SELECT status FROM invitations WHERE org_id = $1 ORDER BY status`, f.Org.ID)
	if strings.Join(statuses, ",") != "accepted,expired,revoked" {
		t.Fatalf("statuses %v", statuses)
	}
}

// TestAcceptRequiresTheInvitedAccount: signed in with another e-mail, the
// page says so and accepting answers 403 with nothing written; signed out,
// accepting leads to the login page.
func TestAcceptRequiresTheInvitedAccount(t *testing.T) {
	f := newOrgFixture(t, "Mu")
	invited := "invitada-" + strings.ToLower(f.Org.Slug) + "@example.test"
	_, token := newInvitation(t, f.Org, invited, "corporativo", "", f.Boss.ID, "pending")
	stranger := newOrgFixture(t, "Nu").Boss

	e, _ := signIn(t, stranger.Email)
	page := e.GET("/invite/" + token).Expect().Status(http.StatusOK).Body()
	page.Contains("Esta invitación es para " + invited).Contains("entraste como " + stranger.Email).
		NotContains("Aceptar invitación")
	e.POST("/invite/"+token+"/accept").WithFormField("_csrf", csrfFrom(t, page.Raw())).Expect().
		Status(http.StatusForbidden).Body().Contains("Esta invitación es para " + invited + "; inicia sesión con esa cuenta")
	if _, _, ok := membershipOf(t, f.Org.ID, stranger.ID); ok {
		t.Fatal("the wrong account joined")
	}
	if got := invitationOf(t, f.Org.ID, invited); got.Status != "pending" || got.AcceptedAt.Valid {
		t.Fatalf("a refused accept changed the invitation: %+v", got)
	}
	var current string
	tdb.Get(t, &current, `SELECT current_org_id FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1`, stranger.ID)
	if current == f.Org.ID {
		t.Fatal("a refused accept moved the session")
	}

	// signed out: to the login page, and back here afterwards
	visitor := client(t)
	pre := csrfFrom(t, visitor.GET("/login").Expect().Body().Raw())
	visitor.POST("/invite/"+token+"/accept").WithFormField("_csrf", pre).Expect().Status(http.StatusSeeOther).
		Header("Location").IsEqual("/login?next=%2Finvite%2F" + token)
	htmx(visitor.POST("/invite/"+token+"/accept")).WithHeader("X-CSRF-Token", pre).Expect().
		Status(http.StatusUnauthorized).Header("HX-Redirect").IsEqual("/login?next=%2Finvite%2F" + token)

	// and the invitation works for its own account, e-mail compared without case
	u := testpg.User{Name: "Invitada Mu", Email: invited}
	tdb.Get(t, &u.ID, `INSERT INTO users (email, name, password_hash) SELECT $1, $2, password_hash FROM users WHERE id = $3 RETURNING id`,
		invited, u.Name, stranger.ID)
	owner := client(t)
	logIn(t, owner, strings.ToUpper(invited), "/invite/"+token)
	ok := owner.GET("/invite/" + token).Expect().Status(http.StatusOK).Body().Raw()
	owner.POST("/invite/"+token+"/accept").WithFormField("_csrf", csrfFrom(t, ok)).Expect().Status(http.StatusSeeOther)
	if role, _, ok := membershipOf(t, f.Org.ID, u.ID); !ok || role != "corporativo" {
		t.Fatalf("membership %v %q", ok, role)
	}
}

// TestInviteRoleCeiling: a gerente invites only empleados, only into
// their own area; everything else is refused with nothing written. They
// see and manage only their area's invitations.
func TestInviteRoleCeiling(t *testing.T) {
	f := newOrgFixture(t, "Xi")
	e, csrf := signIn(t, f.Manager.Email)
	form := e.GET("/settings/invitations").Expect().Status(http.StatusOK).Body()
	form.Contains(`<option value="empleado" selected>Empleado</option>`).NotContains(`<option value="gerente"`).
		NotContains(`<option value="corporativo"`).Contains(`value="` + f.AreaA + `" selected`).NotContains(`value="` + f.AreaB + `"`)

	for _, c := range []struct{ role, area, says string }{
		{"gerente", f.AreaA, "solo puedes invitar con el rol Empleado"},
		{"corporativo", "", "solo puedes invitar con el rol Empleado"},
		{"empleado", f.AreaB, "tu propia área"},
		{"empleado", newOrgFixture(t, "Omicron").AreaA, "tu propia área"},
	} {
		postInvite(e, csrf, "alguien-"+c.role+"@example.test", c.role, c.area).Status(http.StatusForbidden).
			Body().Contains(c.says)
	}
	e.POST("/settings/invitations").WithFormField("_csrf", csrf).WithFormField("emails", "x@example.test").
		WithFormField("role", "corporativo").Expect().Status(http.StatusForbidden).Body().Contains("<html").Contains("Acceso denegado")
	if n := countRows(t, "invitations", f.Org.ID); n != 0 {
		t.Fatalf("refused invites wrote %d rows", n)
	}

	// empleado into their own area: explicit, or by default
	postInvite(e, csrf, "emp1-xi@example.test", "empleado", f.AreaA).Status(http.StatusOK)
	postInvite(e, csrf, "emp2-xi@example.test", "empleado", "").Status(http.StatusOK)
	for _, email := range []string{"emp1-xi@example.test", "emp2-xi@example.test"} {
		if inv := invitationOf(t, f.Org.ID, email); inv.Role != "empleado" || inv.AreaID.String != f.AreaA {
			t.Fatalf("%s stored as %+v", email, inv)
		}
	}

	// what the corporativo invited elsewhere is out of the gerente's reach
	otherArea, _ := newInvitation(t, f.Org, "b-xi@example.test", "empleado", f.AreaB, f.Boss.ID, "pending")
	higher, _ := newInvitation(t, f.Org, "g-xi@example.test", "gerente", f.AreaA, f.Boss.ID, "pending")
	table := e.GET("/fragments/invitations/table").Expect().Status(http.StatusOK).Body()
	table.Contains("emp1-xi@example.test").Contains("g-xi@example.test").NotContains("b-xi@example.test")
	e.GET("/fragments/invitations/stats").Expect().Body().Contains(`data-stat="total">3<`)
	for _, action := range []string{"resend", "revoke"} {
		htmx(e.POST("/settings/invitations/"+otherArea+"/"+action)).WithHeader("X-CSRF-Token", csrf).Expect().
			Status(http.StatusNotFound)
		htmx(e.POST("/settings/invitations/"+higher+"/"+action)).WithHeader("X-CSRF-Token", csrf).Expect().
			Status(http.StatusForbidden).Body().Contains("Empleado")
	}
	var pending int
	tdb.Get(t, &pending, `SELECT count(*) FROM invitations WHERE org_id = $1 AND status = 'pending' AND id IN ($2, $3)`,
		f.Org.ID, otherArea, higher)
	if pending != 2 {
		t.Fatal("a refused resend or revoke changed an invitation")
	}

	// a gerente without an area cannot invite at all
	lost := tdb.Member(t, f.Org, "Gerente Sin Área", "gerente")
	e2, csrf2 := signIn(t, lost.Email)
	e2.GET("/settings/invitations").Expect().Status(http.StatusOK).Body().Contains("No tienes un área asignada")
	postInvite(e2, csrf2, "z-xi@example.test", "empleado", "").Status(http.StatusForbidden).Body().Contains("No tienes un área asignada")
	e2.GET("/fragments/invitations/table").Expect().Status(http.StatusOK).Body().Contains("Aún no hay invitaciones")
}

// TestEmpleadoCannotUseInvitations: every management route answers 403.
func TestEmpleadoCannotUseInvitations(t *testing.T) {
	f := newOrgFixture(t, "Pi")
	id, _ := newInvitation(t, f.Org, "p-pi@example.test", "empleado", f.AreaA, f.Boss.ID, "pending")
	e, csrf := signIn(t, f.Emp.Email)
	e.GET("/settings/invitations").Expect().Status(http.StatusForbidden).Body().Contains("gestionar invitaciones")
	htmx(e.GET("/fragments/invitations/table")).Expect().Status(http.StatusForbidden)
	htmx(e.GET("/fragments/invitations/stats")).Expect().Status(http.StatusForbidden)
	postInvite(e, csrf, "q-pi@example.test", "empleado", f.AreaA).Status(http.StatusForbidden).Body().Contains("invitar")
	for _, action := range []string{"resend", "revoke"} {
		htmx(e.POST("/settings/invitations/"+id+"/"+action)).WithHeader("X-CSRF-Token", csrf).Expect().Status(http.StatusForbidden)
	}
	e.GET("/objectives").Expect().Status(http.StatusOK).Body().NotContains(`href="/settings/invitations"`)
	if n := countRows(t, "invitations", f.Org.ID); n != 1 {
		t.Fatalf("%d invitations", n)
	}
	if got := invitationOf(t, f.Org.ID, "p-pi@example.test"); got.Status != "pending" {
		t.Fatalf("status %s", got.Status)
	}
}

// TestInviteBadInput: every bad input answers 4xx with a Spanish message
// and writes nothing; per-e-mail problems are reported next to the
// e-mails that did go out.
func TestInviteBadInput(t *testing.T) {
	f := newOrgFixture(t, "Rho")
	foreignArea := newOrgFixture(t, "Sigma").AreaA
	e, csrf := signIn(t, f.Boss.Email)

	var many []string
	for i := range 51 {
		many = append(many, fmt.Sprintf("p%d@example.test", i))
	}
	for _, c := range []struct{ emails, role, area, says string }{
		{strings.Join(many, ", "), "empleado", "", "hasta 50 correos a la vez; escribiste 51"},
		{"  \n ,; ", "empleado", "", "Escribe al menos un correo."},
		{"no-es-correo, tampoco@, @nadie.test", "empleado", "", "Ninguno es un correo válido"},
		{"a@example.test", "jefe", "", "Elige un rol de la lista."},
		{"a@example.test", "empleado", "no-es-uuid", "Esa área no existe en tu organización."},
		{"a@example.test", "empleado", foreignArea, "Esa área no existe en tu organización."},
	} {
		r := postInvite(e, csrf, c.emails, c.role, c.area).Status(http.StatusUnprocessableEntity)
		r.Header("HX-Retarget").IsEqual("#invite-form")
		r.Body().Contains(c.says).Contains(`id="invite-form"`).NotContains("<html")
	}
	// the same without JavaScript: the page again, with the message
	e.POST("/settings/invitations").WithFormField("_csrf", csrf).WithFormField("emails", strings.Join(many, "\n")).
		Expect().Status(http.StatusUnprocessableEntity).Body().Contains("<html").Contains("hasta 50 correos")
	if n := countRows(t, "invitations", f.Org.ID); n != 0 {
		t.Fatalf("bad input wrote %d invitations", n)
	}

	// exactly 50 is fine; malformed, members and pending ones are reported
	_, _ = newInvitation(t, f.Org, "pendiente-rho@example.test", "empleado", "", f.Boss.ID, "pending")
	fifty := append([]string{"no-es-correo", strings.ToUpper(f.Emp.Email), "pendiente-rho@example.test", "Ana <ana-rho@example.test>"}, many[:45]...)
	body := postInvite(e, csrf, strings.Join(fifty, "\n"), "empleado", "").Status(http.StatusOK).Body().Raw()
	got := resultsOf(body)
	want := map[string]string{"no-es-correo": "malformed", "ana": "malformed", f.Emp.Email: "member",
		"pendiente-rho@example.test": "pending", "ana-rho@example.test": "invited", "p0@example.test": "invited"}
	for email, kind := range want {
		if got[email] != kind {
			t.Errorf("%s: %q, want %q", email, got[email], kind)
		}
	}
	for _, says := range []string{"No es un correo válido.", "Ya es miembro de la organización.", "Ya tiene una invitación pendiente.",
		"Puedes reenviarla", "46 invitaciones nuevas"} {
		if !strings.Contains(body, says) {
			t.Errorf("answer lacks %q", says)
		}
	}
	// the fresh form keeps the addresses to fix
	if !strings.Contains(body, ">no-es-correo\nana</textarea>") {
		t.Error("the form does not keep the malformed addresses")
	}
	if n := countRows(t, "invitations", f.Org.ID); n != 47 {
		t.Fatalf("%d invitations, want 1 + 46", n)
	}

	// the table's parameters
	for q, says := range map[string]string{
		"status=aceptadas":              "El estado elegido no existe",
		"page=0":                        "La página pedida no es válida",
		"page=abc":                      "La página pedida no es válida",
		"page=99999999999999999999":     "La página pedida no es válida",
		"q=" + strings.Repeat("a", 101): "hasta 100 caracteres",
		"status=" + url.QueryEscape("pending' --"): "El estado elegido no existe",
	} {
		get(e, "/fragments/invitations/table?"+q).Expect().Status(http.StatusUnprocessableEntity).Body().
			Contains(says).Contains("Quitar filtros").NotContains("<html")
		get(e, "/settings/invitations?"+q).Expect().Status(http.StatusUnprocessableEntity).Body().
			Contains(says).Contains(`data-stat="total"`)
	}
	get(e, "/fragments/invitations/table?page=40").Expect().Status(http.StatusOK).Body().Contains("Esta página no existe")
	// ids that are malformed, unknown or another organisation's: 404
	for _, id := range []string{"nope", "00000000-0000-4000-8000-000000000000"} {
		htmx(e.POST("/settings/invitations/"+id+"/revoke")).WithHeader("X-CSRF-Token", csrf).Expect().Status(http.StatusNotFound)
	}
}

// TestResendAndRevoke: only pending invitations can be resent or revoked
// (409 otherwise); a revoked link stops working.
func TestResendAndRevoke(t *testing.T) {
	f := newOrgFixture(t, "Tau")
	e, csrf := signIn(t, f.Boss.Email)
	body := postInvite(e, csrf, "r-tau@example.test", "empleado", "").Status(http.StatusOK).Body().Raw()
	first := inviteLinks(body)[0]
	inv := invitationOf(t, f.Org.ID, "r-tau@example.test")

	r := htmx(e.POST("/settings/invitations/"+inv.ID+"/resend")).WithHeader("X-CSRF-Token", csrf).
		WithFormField("status", "pending").Expect().Status(http.StatusOK)
	r.Header("HX-Trigger").IsEqual("invitations-changed")
	second := inviteLinks(r.Body().Raw())
	if len(second) != 1 || second[0] == first || !strings.Contains(r.Body().Raw(), "el anterior ya no funciona") {
		t.Fatalf("resend links %v (first %s)", second, first)
	}
	e.GET("/invite/" + first).Expect().Status(http.StatusNotFound).Body().Contains("ya no es válida")
	e.GET("/invite/" + second[0]).Expect().Status(http.StatusOK)

	// a plain revoke: 303 back to the same view
	e.POST("/settings/invitations/"+inv.ID+"/revoke").WithFormField("_csrf", csrf).WithFormField("q", "tau").
		WithFormField("status", "pending").WithFormField("page", "1").Expect().Status(http.StatusSeeOther).
		Header("Location").IsEqual("/settings/invitations?q=tau&status=pending")
	got := invitationOf(t, f.Org.ID, "r-tau@example.test")
	if got.Status != "revoked" || !got.RevokedAt.Valid {
		t.Fatalf("after revoke %+v", got)
	}
	e.GET("/invite/" + second[0]).Expect().Status(http.StatusGone).Body().Contains("revocó esta invitación")
	for _, action := range []string{"resend", "revoke"} {
		htmx(e.POST("/settings/invitations/"+inv.ID+"/"+action)).WithHeader("X-CSRF-Token", csrf).Expect().
			Status(http.StatusConflict).Body().Contains("ya no está pendiente (está revocada)")
	}
	// a lapsed invitation cannot be resent, but the e-mail can be invited again
	lapsed, _ := newInvitation(t, f.Org, "v-tau@example.test", "empleado", "", f.Boss.ID, "pending")
	tdb.Exec(t, `UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = $1`, lapsed)
	htmx(e.POST("/settings/invitations/"+lapsed+"/resend")).WithHeader("X-CSRF-Token", csrf).Expect().
		Status(http.StatusConflict).Body().Contains("usa el formulario")
	body = postInvite(e, csrf, "v-tau@example.test", "empleado", "").Status(http.StatusOK).Body().Raw()
	if resultsOf(body)["v-tau@example.test"] != "invited" {
		t.Fatal("an expired invitation blocks a new one")
	}

	// htmx revoke answers the table and a notice
	fresh := invitationOf(t, f.Org.ID, "v-tau@example.test")
	rv := htmx(e.POST("/settings/invitations/"+fresh.ID+"/revoke")).WithHeader("X-CSRF-Token", csrf).Expect().Status(http.StatusOK)
	rv.Header("HX-Trigger").IsEqual("invitations-changed")
	rv.Body().Contains("Se revocó la invitación de v-tau@example.test").Contains(`data-id="` + fresh.ID + `"`).Contains("Revocada")
}

// TestInvitationStatsAndTable: counts per state (an invitation past its
// expiry counts as expired whatever its row says), the acceptance rate
// (and "—" when nothing is decided, never NaN), search, filter, pages.
func TestInvitationStatsAndTable(t *testing.T) {
	f := newOrgFixture(t, "Upsilon")
	e, _ := signIn(t, f.Boss.Email)
	st := stats(e.GET("/fragments/invitations/stats").Expect().Status(http.StatusOK).Body().Raw())
	for _, name := range []string{"total", "pending", "accepted", "expired", "revoked"} {
		if st[name] != "0" {
			t.Errorf("%s = %q on an empty organisation", name, st[name])
		}
	}
	if rate, ok := st["acceptance_rate"]; !ok || rate != "" {
		t.Fatalf("acceptance_rate %q (present %v), want empty", rate, ok)
	}
	newInvitation(t, f.Org, "p1-ups@example.test", "empleado", "", f.Boss.ID, "pending")
	newInvitation(t, f.Org, "p2-ups@example.test", "empleado", f.AreaA, f.Boss.ID, "pending")
	// all pending: still nothing decided
	page := e.GET("/settings/invitations").Expect().Status(http.StatusOK).Body()
	page.Contains(`data-stat="acceptance_rate"></span><span class="muted">—</span>`).NotContains("NaN")

	lapsed, _ := newInvitation(t, f.Org, "l-ups@example.test", "empleado", "", f.Boss.ID, "pending")
	tdb.Exec(t, `UPDATE invitations SET expires_at = now() - interval '1 hour' WHERE id = $1`, lapsed)
	newInvitation(t, f.Org, "a-ups@example.test", "gerente", "", f.Boss.ID, "accepted")
	newInvitation(t, f.Org, "r-ups@example.test", "empleado", "", f.Boss.ID, "revoked")
	newInvitation(t, f.Org, "e-ups@example.test", "empleado", "", f.Boss.ID, "expired")
	st = stats(e.GET("/fragments/invitations/stats").Expect().Body().Raw())
	want := map[string]string{"total": "6", "pending": "2", "accepted": "1", "expired": "2", "revoked": "1", "acceptance_rate": "25"}
	for k, v := range want {
		if st[k] != v {
			t.Errorf("%s = %q, want %q", k, st[k], v)
		}
	}
	// acceptance rate rounds half up: 1 of 8 decided is 12.5 → 13
	tdb.Exec(t, `INSERT INTO invitations (org_id, email, role, token_hash, status, expires_at)
		SELECT $1, 'x' || g || '-ups@example.test', 'empleado', sha256(convert_to(gen_random_uuid()::text, 'UTF8')), 'revoked', now()
		FROM generate_series(1, 4) AS g`, f.Org.ID)
	if rate := stats(e.GET("/fragments/invitations/stats").Expect().Body().Raw())["acceptance_rate"]; rate != "13" {
		t.Errorf("acceptance_rate %q, want 13", rate)
	}

	expired := e.GET("/fragments/invitations/table").WithQuery("status", "expired").Expect().Status(http.StatusOK)
	expired.Header("HX-Push-Url").IsEmpty()
	body := expired.Body().Raw()
	if ids := rowIDs(body); len(ids) != 2 || !slices.Contains(ids, lapsed) {
		t.Fatalf("expired rows %v (lapsed %s)", ids, lapsed)
	}
	if strings.Contains(body, "Reenviar") || !strings.Contains(body, "Venció el") {
		t.Error("an expired row offers actions or lacks its date")
	}
	htmx(e.GET("/fragments/invitations/table")).WithQuery("q", "P1-UPS").Expect().Status(http.StatusOK).
		Header("HX-Push-Url").IsEqual("/settings/invitations?q=P1-UPS")
	search := e.GET("/fragments/invitations/table").WithQuery("q", "P1-UPS").Expect().Body().Raw()
	if n := len(rowIDs(search)); n != 1 || !strings.Contains(search, "p1-ups@example.test") {
		t.Fatalf("search found %d rows", n)
	}
	e.GET("/fragments/invitations/table").WithQuery("q", "%").Expect().Body().Contains("No hay invitaciones que coincidan")

	// pages of 20, newest first, with a total
	tdb.Exec(t, `INSERT INTO invitations (org_id, email, role, token_hash, expires_at, created_at)
		SELECT $1, 'bulk' || g || '-ups@example.test', 'empleado', sha256(convert_to(gen_random_uuid()::text, 'UTF8')),
		       now() + interval '7 days', now() - g * interval '1 minute'
		FROM generate_series(1, 25) AS g`, f.Org.ID)
	first := e.GET("/fragments/invitations/table").Expect().Body().Raw()
	if n := len(rowIDs(first)); n != 20 || !strings.Contains(first, "35 invitaciones · Página 1 de 2") {
		t.Fatalf("first page: %d rows", n)
	}
	next := nextRe.FindStringSubmatch(first)
	if next == nil || next[1] != "/settings/invitations?page=2" {
		t.Fatalf("next link %v", next)
	}
	second := e.GET("/fragments/invitations/table").WithQuery("page", "2").Expect().Body().Raw()
	seen := map[string]bool{}
	for _, id := range append(rowIDs(first), rowIDs(second)...) {
		seen[id] = true
	}
	if len(seen) != 35 || !strings.Contains(second, `rel="prev"`) {
		t.Fatalf("two pages show %d distinct rows", len(seen))
	}
}

// TestUserInTwoOrganisations: an existing member of B accepts an
// invitation to A: two memberships, the session moves to A and shows only
// A's data until the user switches back.
func TestUserInTwoOrganisations(t *testing.T) {
	a, b := newOrgFixture(t, "Phi"), newOrgFixture(t, "Chi")
	u := b.Emp
	_, token := newInvitation(t, a.Org, u.Email, "empleado", a.AreaB, a.Boss.ID, "pending")

	e, _ := signIn(t, u.Email)
	e.GET("/objectives").Expect().Body().Contains("Vender más Chi").NotContains("Vender más Phi")
	page := e.GET("/invite/" + token).Expect().Status(http.StatusOK).Body()
	page.Contains("Aceptar invitación")
	e.POST("/invite/"+token+"/accept").WithFormField("_csrf", csrfFrom(t, page.Raw())).
		Expect().Status(http.StatusSeeOther).Header("Location").IsEqual("/")

	var memberships int
	tdb.Get(t, &memberships, `SELECT count(*) FROM memberships WHERE user_id = $1 AND removed_at IS NULL`, u.ID)
	if memberships != 2 {
		t.Fatalf("%d memberships", memberships)
	}
	var lastOrg string
	tdb.Get(t, &lastOrg, `SELECT last_org_id FROM users WHERE id = $1`, u.ID)
	if lastOrg != a.Org.ID {
		t.Fatal("last_org_id did not move to the new organisation")
	}
	if role, area, _ := membershipOf(t, b.Org.ID, u.ID); role != "empleado" || area.String != b.AreaA {
		t.Fatal("the old membership changed")
	}
	e.GET("/objectives").Expect().Status(http.StatusOK)
	inA := e.GET("/objectives").Expect().Status(http.StatusOK).Body()
	inA.Contains("Vender más Phi").Contains("Org Phi").NotContains("Vender más Chi")

	// switching back shows B again, and A's data no more
	e.POST("/session/org").WithFormField("_csrf", csrfFrom(t, inA.Raw())).WithFormField("org", b.Org.ID).
		Expect().Status(http.StatusSeeOther)
	e.GET("/objectives").Expect().Status(http.StatusOK).Body().Contains("Vender más Chi").NotContains("Vender más Phi")
}

// TestAcceptWhenAlreadyOrFormerlyAMember: an invitation of someone who is
// already a member is marked accepted without touching their role; a
// removed member's is let back in with the invitation's role.
func TestAcceptWhenAlreadyOrFormerlyAMember(t *testing.T) {
	f := newOrgFixture(t, "Psi")
	late := tdb.NewUser(t, "Lorena Tarde")
	_, token := newInvitation(t, f.Org, late.Email, "gerente", "", f.Boss.ID, "pending")
	tdb.AddMember(t, f.Org, late, "empleado", "")
	e, _ := signIn(t, late.Email)
	page := e.GET("/invite/" + token).Expect().Status(http.StatusOK).Body().Raw()
	e.POST("/invite/"+token+"/accept").WithFormField("_csrf", csrfFrom(t, page)).Expect().Status(http.StatusOK).
		Body().Contains("Ya eres miembro de Org Psi").Contains("no cambia tu rol")
	if role, _, _ := membershipOf(t, f.Org.ID, late.ID); role != "empleado" {
		t.Fatalf("role became %q", role)
	}
	if got := invitationOf(t, f.Org.ID, late.Email); got.Status != "accepted" {
		t.Fatalf("status %s", got.Status)
	}

	// removed: invitable again, and back with the new role
	gone := f.Emp
	tdb.Exec(t, `UPDATE memberships SET removed_at = now() WHERE org_id = $1 AND user_id = $2`, f.Org.ID, gone.ID)
	boss, csrf := signIn(t, f.Boss.Email)
	body := postInvite(boss, csrf, gone.Email, "gerente", f.AreaB).Status(http.StatusOK).Body().Raw()
	if resultsOf(body)[gone.Email] != "invited" {
		t.Fatalf("a removed member cannot be invited again: %v", resultsOf(body))
	}
	back := client(t)
	token = inviteLinks(body)[0]
	logIn(t, back, gone.Email, "/invite/"+token)
	page = back.GET("/invite/" + token).Expect().Status(http.StatusOK).Body().Raw()
	back.POST("/invite/"+token+"/accept").WithFormField("_csrf", csrfFrom(t, page)).Expect().Status(http.StatusSeeOther)
	if role, area, ok := membershipOf(t, f.Org.ID, gone.ID); !ok || role != "gerente" || area.String != f.AreaB {
		t.Fatalf("rejoined as %v %q %v", ok, role, area)
	}
}

// TestSimultaneousAcceptsMakeOneMembership: two accepts of the same link
// at once: one joins, the other is told the link was used.
func TestSimultaneousAcceptsMakeOneMembership(t *testing.T) {
	f := newOrgFixture(t, "Omega")
	u := tdb.NewUser(t, "Olga Doble")
	_, token := newInvitation(t, f.Org, u.Email, "empleado", "", f.Boss.ID, "pending")
	e := client(t)
	logIn(t, e, u.Email, "/invite/"+token)
	resp := e.GET("/invite/" + token).Expect().Status(http.StatusOK)
	cookie := resp.Raw().Request.Header.Get("Cookie")
	form := url.Values{"_csrf": {csrfFrom(t, resp.Body().Raw())}}.Encode()

	hc := &http.Client{Transport: httpexpect.NewFastBinder(testApp.Handler()),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	codes := make([]int, 2)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, "http://rumbo.test/invite/"+token+"/accept", strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Cookie", cookie)
			if res, err := hc.Do(req); err == nil {
				codes[i] = res.StatusCode
				res.Body.Close()
			}
		}()
	}
	wg.Wait()
	if !(codes[0] == http.StatusSeeOther && codes[1] == http.StatusGone || codes[0] == http.StatusGone && codes[1] == http.StatusSeeOther) {
		t.Fatalf("statuses %v, want one 303 and one 410", codes)
	}
	var n int
	tdb.Get(t, &n, `SELECT count(*) FROM memberships WHERE org_id = $1 AND user_id = $2`, f.Org.ID, u.ID)
	if n != 1 {
		t.Fatalf("%d memberships", n)
	}
}

// TestInvitationsIsolation: an organisation's corporativo sees, resends
// and revokes only their own organisation's invitations (the positive
// control included); another's look like ids that do not exist.
func TestInvitationsIsolation(t *testing.T) {
	a, b := newOrgFixture(t, "Alef"), newOrgFixture(t, "Bet")
	aID, aToken := newInvitation(t, a.Org, "solo-alef@example.test", "empleado", a.AreaA, a.Boss.ID, "pending")
	bID, _ := newInvitation(t, b.Org, "solo-bet@example.test", "empleado", b.AreaA, b.Boss.ID, "pending")
	before := invitationOf(t, a.Org.ID, "solo-alef@example.test")

	e, csrf := signIn(t, b.Boss.Email)
	for _, route := range []string{"/settings/invitations", "/fragments/invitations/table", "/fragments/invitations/table?q=solo"} {
		body := get(e, route).Expect().Status(http.StatusOK).Body()
		body.Contains("solo-bet@example.test").Contains(bID).NotContains("solo-alef@example.test").NotContains(aID)
	}
	e.GET("/fragments/invitations/stats").Expect().Body().Contains(`data-stat="total">1<`)
	for _, action := range []string{"resend", "revoke"} {
		htmx(e.POST("/settings/invitations/"+aID+"/"+action)).WithHeader("X-CSRF-Token", csrf).Expect().
			Status(http.StatusNotFound).Body().Contains("No encontramos")
		e.POST("/settings/invitations/"+aID+"/"+action).WithFormField("_csrf", csrf).Expect().Status(http.StatusNotFound)
	}
	after := invitationOf(t, a.Org.ID, "solo-alef@example.test")
	if after.Status != "pending" || !bytes.Equal(after.TokenHash, before.TokenHash) || !after.ExpiresAt.Equal(before.ExpiresAt) {
		t.Fatal("another organisation's corporativo changed the invitation")
	}
	client(t).GET("/invite/" + aToken).Expect().Status(http.StatusOK)
	// inviting an address that has a pending invitation elsewhere is no conflict here
	body := postInvite(e, csrf, "solo-alef@example.test", "empleado", "").Status(http.StatusOK).Body().Raw()
	if resultsOf(body)["solo-alef@example.test"] != "invited" {
		t.Fatalf("results %v", resultsOf(body))
	}
}

// TestInvitationPostsNeedCSRFAndSameOrigin: missing tokens and cross-site
// requests are refused before anything is written.
func TestInvitationPostsNeedCSRFAndSameOrigin(t *testing.T) {
	f := newOrgFixture(t, "Gimel")
	id, token := newInvitation(t, f.Org, "csrf-gimel@example.test", "empleado", "", f.Boss.ID, "pending")
	e, csrf := signIn(t, f.Boss.Email)
	posts := []func() *httpexpect.Request{
		func() *httpexpect.Request {
			return e.POST("/settings/invitations").WithFormField("emails", "c1-gimel@example.test").WithFormField("role", "empleado")
		},
		func() *httpexpect.Request { return e.POST("/settings/invitations/" + id + "/resend") },
		func() *httpexpect.Request { return e.POST("/settings/invitations/" + id + "/revoke") },
	}
	for _, post := range posts {
		post().Expect().Status(http.StatusForbidden).Body().Contains("token de seguridad")
		post().WithFormField("_csrf", csrf).WithHeader("Sec-Fetch-Site", "cross-site").Expect().
			Status(http.StatusForbidden).Body().Contains("otro sitio web")
		post().WithFormField("_csrf", csrf).WithHeader("Origin", "https://evil.example").Expect().Status(http.StatusForbidden)
	}
	if n := countRows(t, "invitations", f.Org.ID); n != 1 {
		t.Fatalf("%d invitations", n)
	}
	if inv := invitationOf(t, f.Org.ID, "csrf-gimel@example.test"); inv.Status != "pending" {
		t.Fatal("a refused POST changed the invitation")
	}

	u := tdb.NewUser(t, "Gema Cruzada")
	tdb.Exec(t, `UPDATE invitations SET email = $1 WHERE id = $2`, u.Email, id)
	v := client(t)
	logIn(t, v, u.Email, "/invite/"+token)
	page := v.GET("/invite/" + token).Expect().Status(http.StatusOK).Body().Raw()
	v.POST("/invite/" + token + "/accept").Expect().Status(http.StatusForbidden)
	v.POST("/invite/"+token+"/accept").WithFormField("_csrf", csrfFrom(t, page)).WithHeader("Sec-Fetch-Site", "cross-site").
		Expect().Status(http.StatusForbidden)
	if _, _, ok := membershipOf(t, f.Org.ID, u.ID); ok {
		t.Fatal("a cross-site accept made a membership")
	}
}
