package handlers

import (
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gavv/httpexpect/v2"

	"rumbo/internal/auth"
	"rumbo/internal/testpg"
)

// signUp creates an account through the form and returns the signed-in
// client (no organisation yet) and its session CSRF token.
func signUp(t *testing.T, name, email, password string) *httpexpect.Expect {
	t.Helper()
	e := client(t)
	token := csrfFrom(t, e.GET("/signup").Expect().Status(http.StatusOK).Body().Raw())
	e.POST("/signup").WithFormField("_csrf", token).WithFormField("name", name).WithFormField("email", email).
		WithFormField("password", password).Expect().Status(http.StatusSeeOther).Header("Location").IsEqual("/onboarding")
	return e
}

func countUsers(t *testing.T, email string) int {
	t.Helper()
	var n int
	tdb.Get(t, &n, `SELECT count(*) FROM users WHERE email = $1`, email)
	return n
}

func TestSignUpValidatesEveryField(t *testing.T) {
	e := client(t)
	token := csrfFrom(t, e.GET("/signup").Expect().Status(http.StatusOK).Body().Raw())
	post := func(name, email, password string) *httpexpect.Response {
		return e.POST("/signup").WithFormField("_csrf", token).WithFormField("name", name).
			WithFormField("email", email).WithFormField("password", password).Expect()
	}
	for _, tc := range []struct{ name, email, password, msg string }{
		{"", "nadie@example.test", "una clave bastante larga", "Escribe tu nombre."},
		{"Nadia", "no-es-correo", "una clave bastante larga", "no parece válido"},
		{"Nadia", "nadia@example", "una clave bastante larga", "no parece válido"},
		{"Nadia", "nadia@example.test", "corta", "al menos 10 caracteres"},
		{"Nadia", "nadia@example.test", "1234567890", "de las más usadas"},
		{"Nadia", "nadia@example.test", "Contraseña123", "de las más usadas"},
		{"Nadia", "nadia@example.test", "nadia@example.test", "no puede ser tu correo"},
	} {
		body := post(tc.name, tc.email, tc.password).Status(http.StatusUnprocessableEntity).Body().Contains(tc.msg)
		if tc.password != tc.email { // the password is never echoed back
			body.NotContains(tc.password)
		}
	}
	if n := countUsers(t, "nadia@example.test"); n != 0 {
		t.Fatalf("refused sign-ups wrote %d users", n)
	}
	signUp(t, "Nadia Nueva", "Nadia@Example.test", "brújula de madera 77")
	if n := countUsers(t, "nadia@example.test"); n != 1 {
		t.Fatalf("the sign-up stored %d users with the lower-cased e-mail", n)
	}
	var hash string
	tdb.Get(t, &hash, `SELECT password_hash FROM users WHERE email = 'nadia@example.test'`)
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("stored hash %q", hash)
	}
	// the same e-mail again: 409, nothing new
	post("Otra Nadia", "NADIA@example.test", "otra clave muy larga").Status(http.StatusConflict).
		Body().Contains("Ya existe una cuenta con ese correo")
	if n := countUsers(t, "nadia@example.test"); n != 1 {
		t.Fatalf("a duplicate sign-up left %d users", n)
	}
	// without the pre-session token: refused
	client(t).POST("/signup").WithFormField("name", "X").WithFormField("email", "x@example.test").
		WithFormField("password", "una clave bastante larga").Expect().Status(http.StatusForbidden)
}

func TestOnboardingCreatesTheOrganisation(t *testing.T) {
	e := signUp(t, "Olga Onboarding", "olga@example.test", "brújula de madera 77")
	page := e.GET("/onboarding").Expect().Status(http.StatusOK).Body()
	page.Contains("Crea tu organización").Contains("Olga Onboarding")
	token := csrfFrom(t, page.Raw())
	// no organisation yet: the app's pages send her here
	e.GET("/objectives").Expect().Status(http.StatusSeeOther).Header("Location").IsEqual("/onboarding")

	// a half-filled form survives a reload
	htmx(e.POST("/onboarding/draft")).WithHeader("X-CSRF-Token", token).WithFormField("name", "Ópalo Andino").
		WithFormField("timezone", "America/Lima").WithFormField("currency", "PEN").
		Expect().Status(http.StatusNoContent)
	e.GET("/onboarding").Expect().Body().Contains(`value="Ópalo Andino"`).
		Contains(`value="America/Lima" selected`).Contains(`value="PEN" selected`)

	form := func(fields map[string]string) *httpexpect.Request {
		r := e.POST("/onboarding").WithFormField("_csrf", token)
		for k, v := range fields {
			r = r.WithFormField(k, v)
		}
		return r
	}
	valid := map[string]string{"name": "Ópalo Andino", "slug": "", "timezone": "America/Lima", "currency": "PEN",
		"locale": "es", "fiscal_year_start": "4"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range valid {
			m[a] = b
		}
		m[k] = v
		return m
	}
	taken := tdb.NewOrg(t, "Taken")
	before := orgCount(t)
	for _, tc := range []struct {
		fields map[string]string
		status int
		msg    string
	}{
		{with("name", " "), http.StatusUnprocessableEntity, "Escribe el nombre de la organización."},
		{with("slug", "Mayúsculas No"), http.StatusUnprocessableEntity, "solo admite minúsculas"},
		{with("slug", "-guion"), http.StatusUnprocessableEntity, "solo admite minúsculas"},
		{with("slug", taken.Slug), http.StatusConflict, "Ese identificador ya está en uso."},
		{with("timezone", "Mars/Olympus"), http.StatusUnprocessableEntity, "Elige una zona horaria válida."},
		{with("currency", "XYZ"), http.StatusUnprocessableEntity, "Elige una moneda de la lista."},
		{with("locale", "fr"), http.StatusUnprocessableEntity, "Elige un idioma"},
		{with("fiscal_year_start", "13"), http.StatusUnprocessableEntity, "Elige un mes"},
	} {
		form(tc.fields).Expect().Status(tc.status).Body().Contains(tc.msg)
	}
	if n := orgCount(t); n != before {
		t.Fatalf("refused onboarding created %d organisations", n-before)
	}

	form(valid).Expect().Status(http.StatusSeeOther).Header("Location").IsEqual("/")
	var org struct {
		ID, Slug, Timezone, Currency string
		Fiscal                       int
	}
	tdb.Get(t, &org, `SELECT id, slug, timezone, currency, fiscal_year_start AS fiscal FROM organizations WHERE name = 'Ópalo Andino'`)
	if org.Slug != "opalo-andino" || org.Timezone != "America/Lima" || org.Currency != "PEN" || org.Fiscal != 4 {
		t.Fatalf("created %+v", org)
	}
	var role string
	tdb.Get(t, &role, `SELECT role FROM memberships WHERE org_id = $1`, org.ID)
	if role != "corporativo" {
		t.Fatalf("the creator is %q", role)
	}
	body := e.GET("/objectives").Expect().Status(http.StatusOK).Body()
	body.Contains("Ópalo Andino").Contains("Corporativo").Contains("No hay objetivos")
	var draft string
	tdb.Get(t, &draft, `SELECT onboarding_draft::text FROM users WHERE email = 'olga@example.test'`)
	if draft != "{}" {
		t.Fatalf("the draft outlived the onboarding: %s", draft)
	}
}

func orgCount(t *testing.T) int {
	t.Helper()
	var n int
	tdb.Get(t, &n, `SELECT count(*) FROM organizations`)
	return n
}

// TestSwitchingOrganisations: a user in two organisations sees only the
// current one, then only the other after switching.
func TestSwitchingOrganisations(t *testing.T) {
	a, b := newOrgFixture(t, "Mu"), newOrgFixture(t, "Nu")
	both := tdb.NewUser(t, "Gabo Ambos")
	tdb.AddMember(t, a.Org, both, "gerente", a.AreaA)
	tdb.AddMember(t, b.Org, both, "empleado", "")
	tdb.Exec(t, `UPDATE users SET last_org_id = $1 WHERE id = $2`, a.Org.ID, both.ID)
	e, token := signIn(t, both.Email)
	check := func(own, foreign orgFixture) {
		t.Helper()
		page := e.GET("/objectives").Expect().Status(http.StatusOK).Body().Raw()
		for title := range own.Objectives {
			if !strings.Contains(page, title) {
				t.Errorf("in %s: own objective %q missing", own.Tag, title)
			}
		}
		for title, id := range foreign.Objectives {
			if strings.Contains(page, title) {
				t.Errorf("in %s: shows %s's %q", own.Tag, foreign.Tag, title)
			}
			e.GET("/objectives/" + id).Expect().Status(http.StatusNotFound)
		}
		if !strings.Contains(page, "Cambiar de organización") || !strings.Contains(page, foreign.Org.Name) {
			t.Errorf("in %s: the menu does not offer %s", own.Tag, foreign.Org.Name)
		}
	}
	check(a, b)
	e.POST("/session/org").WithFormField("_csrf", token).WithFormField("org", b.Org.ID).
		Expect().Status(http.StatusSeeOther).Header("Location").IsEqual("/")
	check(b, a)
	// back, and the choice is remembered for the next login
	e.POST("/session/org").WithFormField("_csrf", token).WithFormField("org", a.Org.ID).Expect().Status(http.StatusSeeOther)
	e.POST("/session/org").WithFormField("_csrf", token).WithFormField("org", b.Org.ID).Expect().Status(http.StatusSeeOther)
	again, _ := signIn(t, both.Email)
	again.GET("/objectives").Expect().Body().Contains("Vender más Nu").NotContains("Vender más Mu")

	// an organisation she does not belong to: 404, nothing changes
	stranger := tdb.NewOrg(t, "Xi")
	e.POST("/session/org").WithFormField("_csrf", token).WithFormField("org", stranger.ID).Expect().Status(http.StatusNotFound)
	e.POST("/session/org").WithFormField("_csrf", token).WithFormField("org", "not-a-uuid").Expect().Status(http.StatusNotFound)
	check(b, a)
}

func TestLogoutEverywhere(t *testing.T) {
	f := newOrgFixture(t, "Omicrón")
	laptop, token := signIn(t, f.Emp.Email)
	phone, _ := signIn(t, f.Emp.Email)
	phone.GET("/objectives").Expect().Status(http.StatusOK)
	laptop.POST("/logout/all").WithFormField("_csrf", token).Expect().Status(http.StatusSeeOther).
		Header("Location").IsEqual("/login")
	phone.GET("/objectives").Expect().Status(http.StatusSeeOther)
	laptop.GET("/objectives").Expect().Status(http.StatusSeeOther)
	var n int
	tdb.Get(t, &n, `SELECT count(*) FROM sessions WHERE user_id = $1`, f.Emp.ID)
	if n != 0 {
		t.Fatalf("%d sessions survived", n)
	}
}

func TestLoginThrottling(t *testing.T) {
	f := newOrgFixture(t, "Pi")
	e := client(t)
	token := csrfFrom(t, e.GET("/login").Expect().Body().Raw())
	attempt := func(e *httpexpect.Expect, token, email, password string) *httpexpect.Response {
		return e.POST("/login").WithFormField("_csrf", token).WithFormField("email", email).
			WithFormField("password", password).Expect()
	}
	for i := 0; i < 5; i++ {
		attempt(e, token, f.Emp.Email, "equivocada-"+strconv.Itoa(i)).Status(http.StatusUnauthorized)
	}
	// the account now waits, even from another address and with the right password
	other := client(t)
	otherToken := csrfFrom(t, other.GET("/login").Expect().Body().Raw())
	r := attempt(other, otherToken, f.Emp.Email, testpg.Password).Status(http.StatusTooManyRequests)
	r.Header("Retry-After").IsEqual("1")
	r.Body().Contains("Demasiados intentos; espera 1 segundos.")
	// and so does the address, for any account
	attempt(e, token, f.Boss.Email, testpg.Password).Status(http.StatusTooManyRequests)
	// others are not affected
	signIn(t, f.Manager.Email)

	// once the wait is over the right password works and clears the counters
	tdb.Exec(t, `UPDATE login_attempts SET last_failure_at = now() - interval '1 minute'`)
	attempt(other, otherToken, f.Emp.Email, testpg.Password).Status(http.StatusSeeOther)
	var n int
	tdb.Get(t, &n, `SELECT count(*) FROM login_attempts WHERE key = $1`, "email:"+f.Emp.Email)
	if n != 0 {
		t.Fatal("a successful login did not clear the account's failures")
	}
}

func TestHardLockAfterAHundredFailures(t *testing.T) {
	f := newOrgFixture(t, "Rho")
	tdb.Exec(t, `UPDATE users SET failed_logins = 99 WHERE id = $1`, f.Emp.ID)
	e := client(t)
	token := csrfFrom(t, e.GET("/login").Expect().Body().Raw())
	e.POST("/login").WithFormField("_csrf", token).WithFormField("email", f.Emp.Email).
		WithFormField("password", "la número cien").Expect().Status(http.StatusUnauthorized)
	// the right password no longer opens it (the delays are not what stops it)
	tdb.Exec(t, `DELETE FROM login_attempts`)
	e.POST("/login").WithFormField("_csrf", token).WithFormField("email", f.Emp.Email).
		WithFormField("password", testpg.Password).Expect().Status(http.StatusForbidden).Body().Contains("está bloqueada")
	// a wrong password on a locked account says nothing more than usual
	e.POST("/login").WithFormField("_csrf", token).WithFormField("email", f.Emp.Email).
		WithFormField("password", "otra equivocada").Expect().Status(http.StatusUnauthorized).Body().NotContains("bloqueada")

	// a password reset lifts the lock
	link := memberResetLink(t, f.Emp.ID)
	page := e.GET(link).Expect().Status(http.StatusOK).Body().Raw()
	e.POST(link).WithFormField("_csrf", csrfFrom(t, page)).WithFormField("password", "una nueva de verdad 9").
		WithFormField("password_confirm", "una nueva de verdad 9").Expect().Status(http.StatusSeeOther)
	tdb.Exec(t, `DELETE FROM login_attempts`)
	e.POST("/login").WithFormField("_csrf", token).WithFormField("email", f.Emp.Email).
		WithFormField("password", "una nueva de verdad 9").Expect().Status(http.StatusSeeOther)
}

// memberResetLink stores a reset link for a user as rumbo_owner (what a
// corporativo's "reset link" action does) and returns its path.
func memberResetLink(t *testing.T, userID string) string {
	t.Helper()
	token, hash, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	tdb.Exec(t, `INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES (decode($1, 'hex'), $2, now() + interval '1 day')`,
		hex.EncodeToString(hash), userID)
	return "/password/reset/" + token
}

func TestPasswordResetLinks(t *testing.T) {
	f := newOrgFixture(t, "Sigma")
	old, _ := signIn(t, f.Emp.Email)
	link := memberResetLink(t, f.Emp.ID)
	e := client(t)
	page := e.GET(link).Expect().Status(http.StatusOK).Body()
	page.Contains(f.Emp.Email).Contains("Elige una contraseña nueva")
	token := csrfFrom(t, page.Raw())
	post := func(pw, confirm string) *httpexpect.Response {
		return e.POST(link).WithFormField("_csrf", token).WithFormField("password", pw).
			WithFormField("password_confirm", confirm).Expect()
	}
	post("corta", "corta").Status(http.StatusUnprocessableEntity).Body().Contains("al menos 10")
	post("qwertyuiop", "qwertyuiop").Status(http.StatusUnprocessableEntity).Body().Contains("de las más usadas")
	post("una clave distinta 1", "una clave distinta 2").Status(http.StatusUnprocessableEntity).Body().Contains("no coinciden")
	post("la definitiva del año", "la definitiva del año").Status(http.StatusSeeOther).
		Header("Location").IsEqual("/login?reset=1")
	e.GET("/login").WithQuery("reset", "1").Expect().Body().Contains("Tu contraseña se actualizó")
	// every session ended; the old password is gone; the new one works
	old.GET("/objectives").Expect().Status(http.StatusSeeOther)
	lt := csrfFrom(t, e.GET("/login").Expect().Body().Raw())
	e.POST("/login").WithFormField("_csrf", lt).WithFormField("email", f.Emp.Email).
		WithFormField("password", testpg.Password).Expect().Status(http.StatusUnauthorized)
	e.POST("/login").WithFormField("_csrf", lt).WithFormField("email", f.Emp.Email).
		WithFormField("password", "la definitiva del año").Expect().Status(http.StatusSeeOther)
	// single use
	e.GET(link).Expect().Status(http.StatusGone).Body().Contains("ya se usó")
	post("otra más distinta 33", "otra más distinta 33").Status(http.StatusGone)
	// expired and unknown links
	expired := memberResetLink(t, f.Emp.ID)
	tdb.Exec(t, `UPDATE password_resets SET expires_at = now() - interval '1 second' WHERE used_at IS NULL`)
	e.GET(expired).Expect().Status(http.StatusGone).Body().Contains("caducó")
	e.GET("/password/reset/inventado").Expect().Status(http.StatusNotFound).Body().Contains("no existe")
}

func TestForgotPasswordWithoutMail(t *testing.T) {
	e := client(t)
	page := e.GET("/password/forgot").Expect().Status(http.StatusOK).Body()
	page.Contains("no envía correos").Contains("corporativo")
	token := csrfFrom(t, e.GET("/login").Expect().Body().Raw())
	e.POST("/password/forgot").WithFormField("_csrf", token).WithFormField("email", "alguien@example.test").
		Expect().Status(http.StatusOK).Body().Contains("no envía correos")
	var n int
	tdb.Get(t, &n, `SELECT count(*) FROM password_resets r JOIN users u ON u.id = r.user_id WHERE u.email = 'alguien@example.test'`)
	if n != 0 {
		t.Fatal("a reset link was stored without a way to send it")
	}
}

// TestRoleChangeRotatesTheSessionToken: after a corporativo changes a
// member's role, the member's next request swaps their token; the old one
// stops working.
func TestRoleChangeRotatesTheSessionToken(t *testing.T) {
	f := newOrgFixture(t, "Tau")
	e, _ := signIn(t, f.Emp.Email)
	before := e.GET("/objectives").Expect().Raw().Request.Header.Get("Cookie")
	tdb.Exec(t, `UPDATE memberships SET role = 'gerente', role_changed_at = now() WHERE org_id = $1 AND user_id = $2`,
		f.Org.ID, f.Emp.ID)
	r := e.GET("/objectives").Expect().Status(http.StatusOK)
	r.Header("Set-Cookie").Contains(sessionCookie + "=")
	r.Body().Contains("Gerente")
	after := e.GET("/objectives").Expect().Status(http.StatusOK).Raw().Request.Header.Get("Cookie")
	if before == after {
		t.Fatal("the token did not change")
	}
	client(t).GET("/objectives").WithHeader("Cookie", before).Expect().Status(http.StatusSeeOther)
	e.GET("/objectives").Expect().Status(http.StatusOK).Header("Set-Cookie").IsEmpty()
}
