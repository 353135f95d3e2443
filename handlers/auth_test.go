package handlers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gavv/httpexpect/v2"

	"rumbo/internal/testpg"
)

func TestLoginSetsHardenedSessionCookie(t *testing.T) {
	org := tdb.NewOrg(t, "Cookie Org")
	u := tdb.Member(t, org, "Carla Cookie", "corporativo")
	e := client(t)
	page := e.GET("/login").Expect().Status(http.StatusOK)
	page.Cookie(preSessionCookie).HasMaxAge()
	token := csrfFrom(t, page.Body().Raw())

	r := e.POST("/login").WithFormField("_csrf", token).WithFormField("email", strings.ToUpper(u.Email)).
		WithFormField("password", testpg.Password).Expect().Status(http.StatusSeeOther)
	r.Header("Location").IsEqual("/")
	setCookie := r.Header("Set-Cookie").Raw()
	for _, want := range []string{sessionCookie + "=", "httponly", "samesite=lax", "path=/"} {
		if !strings.Contains(strings.ToLower(setCookie), strings.ToLower(want)) {
			t.Errorf("Set-Cookie %q lacks %q", setCookie, want)
		}
	}
	if strings.Contains(strings.ToLower(setCookie), "secure") || strings.Contains(setCookie, "__Host-") {
		t.Errorf("plain-HTTP cookie must not be Secure/__Host-: %q", setCookie)
	}
	e.GET("/objectives").Expect().Status(http.StatusOK).Body().Contains("Carla Cookie").Contains("Cookie Org")
}

func TestLoginBehindTrustedTLSProxyUsesHostPrefixAndSecure(t *testing.T) {
	pool := srv.pool
	proxied, err := newTestServer(pool)
	if err != nil {
		t.Fatal(err)
	}
	proxied.opts.TrustedProxies = []string{"0.0.0.0/0", "::/0"}
	app := proxied.App()
	org := tdb.NewOrg(t, "Proxy Org")
	u := tdb.Member(t, org, "Pedro Proxy", "corporativo")
	e := clientFor(t, app, "https://rumbo.test")
	token := csrfFrom(t, e.GET("/login").WithHeader("X-Forwarded-Proto", "https").Expect().Body().Raw())
	r := e.POST("/login").WithHeader("X-Forwarded-Proto", "https").WithFormField("_csrf", token).
		WithFormField("email", u.Email).WithFormField("password", testpg.Password).
		Expect().Status(http.StatusSeeOther)
	setCookie := r.Header("Set-Cookie").Raw()
	for _, want := range []string{"__Host-rumbo_session=", "secure", "httponly", "samesite=lax", "path=/"} {
		if !strings.Contains(strings.ToLower(setCookie), strings.ToLower(want)) {
			t.Errorf("Set-Cookie %q lacks %q", setCookie, want)
		}
	}
	if strings.Contains(strings.ToLower(setCookie), "domain=") {
		t.Errorf("__Host- cookie must not carry a Domain: %q", setCookie)
	}
}

func TestForwardedProtoFromUntrustedClientIsIgnored(t *testing.T) {
	org := tdb.NewOrg(t, "Spoof Org")
	u := tdb.Member(t, org, "Sofía Spoof", "corporativo")
	e := client(t)
	token := csrfFrom(t, e.GET("/login").Expect().Body().Raw())
	setCookie := e.POST("/login").WithHeader("X-Forwarded-Proto", "https").WithFormField("_csrf", token).
		WithFormField("email", u.Email).WithFormField("password", testpg.Password).
		Expect().Status(http.StatusSeeOther).Header("Set-Cookie").Raw()
	if strings.Contains(setCookie, "__Host-") {
		t.Errorf("an untrusted X-Forwarded-Proto changed the cookie: %q", setCookie)
	}
}

func TestLoginFailuresLookAlike(t *testing.T) {
	org := tdb.NewOrg(t, "Fail Org")
	u := tdb.Member(t, org, "Fabio Fail", "corporativo")
	e := client(t)
	token := csrfFrom(t, e.GET("/login").Expect().Body().Raw())
	wrong := e.POST("/login").WithFormField("_csrf", token).WithFormField("email", u.Email).
		WithFormField("password", "no-es-esta").Expect().Status(http.StatusUnauthorized)
	wrong.Body().Contains(msgBadLogin)
	wrong.Header("Set-Cookie").NotContains(sessionCookie)
	unknown := e.POST("/login").WithFormField("_csrf", token).WithFormField("email", "nadie@example.test").
		WithFormField("password", "no-es-esta").Expect().Status(http.StatusUnauthorized)
	unknown.Body().Contains(msgBadLogin)
	// the typed e-mail is kept, the password never echoed
	unknown.Body().Contains(`value="nadie@example.test"`).NotContains("no-es-esta")

	e.POST("/login").WithFormField("_csrf", token).WithFormField("email", "").WithFormField("password", "").
		Expect().Status(http.StatusUnprocessableEntity).Body().Contains("Escribe tu correo y tu contraseña.")
	e.POST("/login").WithFormField("_csrf", token).WithFormField("email", strings.Repeat("a", 300)+"@x.test").
		WithFormField("password", "x").Expect().Status(http.StatusUnauthorized).Body().Contains(msgBadLogin)
}

func TestPostWithoutCSRFTokenIsRefused(t *testing.T) {
	org := tdb.NewOrg(t, "Csrf Org")
	u := tdb.Member(t, org, "Celia Csrf", "corporativo")
	e := client(t)
	e.GET("/login").Expect().Status(http.StatusOK)
	e.POST("/login").WithFormField("email", u.Email).WithFormField("password", testpg.Password).
		Expect().Status(http.StatusForbidden).Body().Contains("token de seguridad")
	e.POST("/login").WithFormField("_csrf", "forjado").WithFormField("email", u.Email).
		WithFormField("password", testpg.Password).Expect().Status(http.StatusForbidden)

	signed, token := signIn(t, u.Email)
	before := countRows(t, "objectives", org.ID)
	signed.POST("/objectives").WithFormField("title", "Sin token").WithFormField("start_date", "2026-01-01").
		WithFormField("end_date", "2026-12-31").Expect().Status(http.StatusForbidden)
	// a pre-session token is not a session token
	other := client(t)
	preToken := csrfFrom(t, other.GET("/login").Expect().Body().Raw())
	signed.POST("/objectives").WithFormField("_csrf", preToken).WithFormField("title", "Token ajeno").
		WithFormField("start_date", "2026-01-01").WithFormField("end_date", "2026-12-31").
		Expect().Status(http.StatusForbidden)
	if after := countRows(t, "objectives", org.ID); after != before {
		t.Fatalf("a refused POST wrote rows: %d → %d", before, after)
	}
	// the real token works, in the header as htmx sends it
	htmx(signed.POST("/objectives")).WithHeader("X-CSRF-Token", token).WithFormField("title", "Con token").
		WithFormField("status", "draft").WithFormField("priority", "low").
		WithFormField("start_date", "2026-01-01").WithFormField("end_date", "2026-12-31").
		Expect().Status(http.StatusOK).Header("HX-Trigger").IsEqual("objectives-changed")
}

func TestCrossSitePostIsRefused(t *testing.T) {
	org := tdb.NewOrg(t, "Cross Org")
	u := tdb.Member(t, org, "Ciro Cross", "corporativo")
	e, token := signIn(t, u.Email)
	post := func() *httpexpect.Request {
		return e.POST("/objectives").WithFormField("_csrf", token).WithFormField("title", "Cruzado").
			WithFormField("start_date", "2026-01-01").WithFormField("end_date", "2026-12-31")
	}
	post().WithHeader("Sec-Fetch-Site", "cross-site").Expect().Status(http.StatusForbidden).
		Body().Contains("otro sitio web")
	post().WithHeader("Sec-Fetch-Site", "same-site").Expect().Status(http.StatusForbidden)
	post().WithHeader("Origin", "https://evil.example").Expect().Status(http.StatusForbidden)
	post().WithHeader("Origin", "null").Expect().Status(http.StatusForbidden)
	if n := countRows(t, "objectives", org.ID); n != 0 {
		t.Fatalf("cross-site POSTs wrote %d rows", n)
	}
	post().WithHeader("Sec-Fetch-Site", "same-origin").WithHeader("Origin", "http://rumbo.test").
		Expect().Status(http.StatusSeeOther)
}

func TestLogoutEndsTheSessionServerSide(t *testing.T) {
	org := tdb.NewOrg(t, "Logout Org")
	u := tdb.Member(t, org, "Luis Logout", "corporativo")
	e, token := signIn(t, u.Email)
	var before int
	tdb.Get(t, &before, `SELECT count(*) FROM sessions WHERE user_id = $1`, u.ID)
	// keep the cookie to replay it after logout
	stolen := e.GET("/objectives").Expect().Raw().Request.Header.Get("Cookie")
	e.POST("/logout").WithFormField("_csrf", token).Expect().Status(http.StatusSeeOther).Header("Location").IsEqual("/login")
	var after int
	tdb.Get(t, &after, `SELECT count(*) FROM sessions WHERE user_id = $1`, u.ID)
	if after != before-1 {
		t.Fatalf("sessions before %d, after logout %d", before, after)
	}
	replay := client(t)
	replay.GET("/objectives").WithHeader("Cookie", stolen).Expect().Status(http.StatusSeeOther).
		Header("Location").IsEqual("/login?next=%2Fobjectives")
}

func TestLoginRotatesTheSessionToken(t *testing.T) {
	org := tdb.NewOrg(t, "Rotate Org")
	u := tdb.Member(t, org, "Rita Rotate", "corporativo")
	e, _ := signIn(t, u.Email)
	first := e.GET("/objectives").Expect().Raw().Request.Header.Get("Cookie")
	token := csrfFrom(t, e.GET("/login").Expect().Body().Raw())
	e.POST("/login").WithFormField("_csrf", token).WithFormField("email", u.Email).
		WithFormField("password", testpg.Password).Expect().Status(http.StatusSeeOther)
	second := e.GET("/objectives").Expect().Status(http.StatusOK).Raw().Request.Header.Get("Cookie")
	if first == second {
		t.Fatal("logging in again kept the same session token")
	}
	client(t).GET("/objectives").WithHeader("Cookie", first).Expect().Status(http.StatusSeeOther)
}

func TestUnauthenticatedRequests(t *testing.T) {
	e := client(t)
	e.GET("/objectives").WithQuery("status", "draft").Expect().Status(http.StatusSeeOther).
		Header("Location").IsEqual("/login?next=%2Fobjectives%3Fstatus%3Ddraft")
	e.GET("/").Expect().Status(http.StatusSeeOther).Header("Location").IsEqual("/login")
	r := htmx(e.GET("/fragments/objectives/stats")).Expect().Status(http.StatusUnauthorized)
	r.Header("HX-Redirect").IsEqual("/login")
	r.Body().IsEmpty()
	// a forged cookie is no session either, and is cleared
	e.GET("/objectives").WithCookie(sessionCookie, "inventado").Expect().Status(http.StatusSeeOther)
}

func TestLoginRedirectStaysOnThisSite(t *testing.T) {
	for next, want := range map[string]string{
		"/objectives?status=draft": "/objectives?status=draft",
		"//evil.example/x":         "/",
		"/\\evil.example":          "/",
		"https://evil.example":     "/",
		"objectives":               "/",
	} {
		org := tdb.NewOrg(t, "Next Org")
		u := tdb.Member(t, org, "Nora Next", "corporativo")
		e := client(t)
		token := csrfFrom(t, e.GET("/login").WithQuery("next", next).Expect().Body().Raw())
		e.POST("/login").WithFormField("_csrf", token).WithFormField("next", next).WithFormField("email", u.Email).
			WithFormField("password", testpg.Password).Expect().Status(http.StatusSeeOther).
			Header("Location").IsEqual(want)
	}
}

func TestHomeLeadsToObjectives(t *testing.T) {
	org := tdb.NewOrg(t, "Home Org")
	u := tdb.Member(t, org, "Hugo Home", "corporativo")
	e, _ := signIn(t, u.Email)
	e.GET("/").Expect().Status(http.StatusSeeOther).Header("Location").IsEqual("/dashboard")
}

func TestRemovedMemberLosesAccessOnTheNextRequest(t *testing.T) {
	org := tdb.NewOrg(t, "Removed Org")
	other := tdb.NewOrg(t, "Still Mine")
	u := tdb.Member(t, org, "Ramón Removed", "empleado")
	tdb.NewObjective(t, org, testpg.Objective{Title: "Lo que dejó Ramón", Owner: u.ID})
	e, _ := signIn(t, u.Email)
	e.GET("/objectives").Expect().Status(http.StatusOK).Body().Contains("Lo que dejó Ramón")
	tdb.Exec(t, `UPDATE memberships SET removed_at = now() WHERE org_id = $1 AND user_id = $2`, org.ID, u.ID)
	// belonging nowhere now: off to create an organisation
	e.GET("/objectives").Expect().Status(http.StatusSeeOther).Header("Location").IsEqual("/onboarding")
	r := htmx(e.GET("/fragments/objectives/table")).Expect().Status(http.StatusForbidden)
	r.Header("HX-Redirect").IsEqual("/onboarding")
	r.Body().NotContains("Lo que dejó Ramón")

	// a member of another organisation is offered a switch instead
	tdb.AddMember(t, other, u, "empleado", "")
	page := e.GET("/objectives").Expect().Status(http.StatusForbidden).Body()
	page.Contains("ya no pertenece").Contains("Ir a Still Mine").NotContains("Lo que dejó Ramón")
	htmx(e.GET("/fragments/objectives/table")).Expect().Status(http.StatusForbidden).Body().Contains("ya no pertenece")
}

func TestSessionExpiryIsEnforcedServerSide(t *testing.T) {
	org := tdb.NewOrg(t, "Expiry Org")
	u := tdb.Member(t, org, "Eva Expiry", "corporativo")
	e, _ := signIn(t, u.Email)
	tdb.Exec(t, `UPDATE sessions SET last_seen_at = now() - idle_timeout - interval '1 second' WHERE user_id = $1`, u.ID)
	e.GET("/objectives").Expect().Status(http.StatusSeeOther)

	e, _ = signIn(t, u.Email)
	tdb.Exec(t, `UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1`, u.ID)
	e.GET("/objectives").Expect().Status(http.StatusSeeOther)
}

func TestIdleClockIsRefreshedOutsideReadOnlyRequests(t *testing.T) {
	org := tdb.NewOrg(t, "Touch Org")
	u := tdb.Member(t, org, "Tomás Touch", "corporativo")
	e, _ := signIn(t, u.Email)
	tdb.Exec(t, `UPDATE sessions SET last_seen_at = now() - interval '10 minutes' WHERE user_id = $1`, u.ID)
	e.GET("/fragments/objectives/stats").Expect().Status(http.StatusOK)
	var fresh bool
	tdb.Get(t, &fresh, `SELECT last_seen_at > now() - interval '1 minute' FROM sessions WHERE user_id = $1`, u.ID)
	if !fresh {
		t.Fatal("a request after 10 idle minutes did not refresh last_seen_at")
	}
	var active bool
	tdb.Get(t, &active, `SELECT last_active_at IS NOT NULL FROM memberships WHERE org_id = $1 AND user_id = $2`, org.ID, u.ID)
	if !active {
		t.Fatal("the member's last activity was not recorded")
	}
}

// countRows counts an organisation's rows of a table, as rumbo_owner.
func countRows(t *testing.T, table, orgID string) int {
	t.Helper()
	var n int
	tdb.Get(t, &n, `SELECT count(*) FROM `+table+` WHERE org_id = $1`, orgID)
	return n
}
