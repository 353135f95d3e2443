package handlers

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gavv/httpexpect/v2"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rumbo/internal/auth"
	"rumbo/internal/rls"
	"rumbo/internal/testpg"
)

// memberState fingerprints everything the member and organisation actions
// may write for one organisation (last activity aside): refused requests
// must leave it unchanged.
func memberState(t *testing.T, orgID string) string {
	t.Helper()
	var s string
	tdb.Get(t, &s, `SELECT concat_ws(' | ',
		(SELECT json_agg(json_build_array(user_id, role, area_id, manager_id, removed_at, role_changed_at, version)
		        ORDER BY user_id)::text FROM memberships WHERE org_id = $1),
		(SELECT json_build_array(name, timezone, currency, locale, fiscal_year_start, md5(logo), logo_type,
		        color_primary, color_secondary, color_accent, look_version, version, updated_at)::text
		   FROM organizations WHERE id = $1),
		(SELECT count(*)::text FROM password_resets AS r JOIN memberships AS m ON m.user_id = r.user_id AND m.org_id = $1))`,
		orgID)
	return s
}

// memberVersion is a member's current version, for the edit form.
func memberVersion(t *testing.T, orgID, userID string) string {
	t.Helper()
	var v int
	tdb.Get(t, &v, `SELECT version FROM memberships WHERE org_id = $1 AND user_id = $2`, orgID, userID)
	return strconv.Itoa(v)
}

// editMember posts the member form with the member's current version
// unless fields override it.
func editMember(e *httpexpect.Expect, token, orgID, userID string, t *testing.T, fields map[string]string) *httpexpect.Response {
	r := e.POST("/settings/members/"+userID).WithFormField("_csrf", token)
	if _, ok := fields["version"]; !ok {
		r = r.WithFormField("version", memberVersion(t, orgID, userID))
	}
	for k, v := range fields {
		r = r.WithFormField(k, v)
	}
	return r.Expect()
}

func memberRole(t *testing.T, orgID, userID string) string {
	t.Helper()
	var role string
	tdb.Get(t, &role, `SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2`, orgID, userID)
	return role
}

// TestMembersPermissionMatrix: every member action, for each role. Refusals
// answer 403 with the matrix's Spanish message and write nothing; the
// corporativo's column is the positive control.
func TestMembersPermissionMatrix(t *testing.T) {
	f := newOrgFixture(t, "Matriz")
	target := f.Emp.ID
	type cell struct {
		name   string
		do     func(e *httpexpect.Expect, token string) *httpexpect.Response
		allows map[string]bool
		msg    string
	}
	view := map[string]bool{"corporativo": true, "gerente": true}
	manage := map[string]bool{"corporativo": true}
	cells := []cell{
		{"view members", func(e *httpexpect.Expect, _ string) *httpexpect.Response {
			return e.GET("/settings/members").Expect()
		}, view, refusals[actMembersView]},
		{"members table", func(e *httpexpect.Expect, _ string) *httpexpect.Response {
			return htmx(e.GET("/fragments/members/table")).Expect()
		}, view, refusals[actMembersView]},
		{"members stats", func(e *httpexpect.Expect, _ string) *httpexpect.Response {
			return htmx(e.GET("/fragments/members/stats")).Expect()
		}, view, refusals[actMembersView]},
		{"edit page", func(e *httpexpect.Expect, _ string) *httpexpect.Response {
			return e.GET("/settings/members/" + target).Expect()
		}, manage, refusals[actMembersManage]},
		{"change role", func(e *httpexpect.Expect, token string) *httpexpect.Response {
			return editMember(e, token, f.Org.ID, target, t, map[string]string{"role": "gerente", "area": f.AreaA})
		}, manage, refusals[actMembersManage]},
		{"change area and manager", func(e *httpexpect.Expect, token string) *httpexpect.Response {
			return editMember(e, token, f.Org.ID, target, t, map[string]string{"role": "gerente", "area": f.AreaB, "manager": f.Boss.ID})
		}, manage, refusals[actMembersManage]},
		{"reset link", func(e *httpexpect.Expect, token string) *httpexpect.Response {
			return e.POST("/settings/members/"+target+"/reset-link").WithFormField("_csrf", token).Expect()
		}, manage, refusals[actMembersManage]},
		{"remove: confirmation", func(e *httpexpect.Expect, _ string) *httpexpect.Response {
			return e.GET("/settings/members/" + target + "/remove").Expect()
		}, manage, refusals[actMembersManage]},
		{"organization page", func(e *httpexpect.Expect, _ string) *httpexpect.Response {
			return e.GET("/settings/organization").Expect()
		}, manage, refusals[actOrganizationManage]},
		{"organization save", func(e *httpexpect.Expect, token string) *httpexpect.Response {
			return e.POST("/settings/organization").WithFormField("_csrf", token).WithFormField("name", "Matriz Renombrada").
				WithFormField("timezone", "America/Lima").WithFormField("currency", "PEN").WithFormField("locale", "es").
				WithFormField("fiscal_year_start", "4").WithFormField("version", orgVersion(t, f.Org.ID)).Expect()
		}, manage, refusals[actOrganizationManage]},
		{"logo upload", func(e *httpexpect.Expect, token string) *httpexpect.Response {
			return uploadLogo(e, token, "logo.png", pngImage(t, 8, 8))
		}, manage, refusals[actOrganizationManage]},
		{"colours", func(e *httpexpect.Expect, token string) *httpexpect.Response {
			return e.POST("/settings/organization/colors").WithFormField("_csrf", token).
				WithFormField("color_primary", "#1d4ed8").WithFormField("color_secondary", "").WithFormField("color_accent", "").
				WithFormField("version", lookVersion(t, f.Org.ID)).Expect()
		}, manage, refusals[actOrganizationManage]},
		{"logo removal", func(e *httpexpect.Expect, token string) *httpexpect.Response {
			return e.POST("/settings/organization/logo/remove").WithFormField("_csrf", token).Expect()
		}, manage, refusals[actOrganizationManage]},
		{"remove member", func(e *httpexpect.Expect, token string) *httpexpect.Response {
			return e.POST("/settings/members/"+target+"/remove").WithFormField("_csrf", token).Expect()
		}, manage, refusals[actMembersManage]},
	}
	// The refused roles first (so the target still exists for them), then
	// the corporativo, in the order above.
	for _, role := range []string{"empleado", "gerente", "corporativo"} {
		u := map[string]testpg.User{"corporativo": f.Boss, "gerente": f.Manager, "empleado": f.Emp}[role]
		e, token := signIn(t, u.Email)
		for _, c := range cells {
			before := memberState(t, f.Org.ID)
			r := c.do(e, token)
			if !c.allows[role] {
				r.Status(http.StatusForbidden).Body().Contains(html.EscapeString(c.msg))
				if after := memberState(t, f.Org.ID); after != before {
					t.Errorf("%s refused to %s wrote:\nbefore %s\nafter  %s", c.name, role, before, after)
				}
				continue
			}
			if code := r.Raw().StatusCode; code != http.StatusOK && code != http.StatusSeeOther {
				t.Errorf("%s as %s: status %d, want 200 or 303", c.name, role, code)
			}
		}
	}
	// the corporativo's writes happened
	var got struct {
		Role      string `db:"role"`
		Area      string `db:"area_id"`
		Manager   string `db:"manager_id"`
		Removed   bool   `db:"removed"`
		Resets    int    `db:"resets"`
		OrgName   string `db:"org_name"`
		Primary   string `db:"color_primary"`
		HasLogo   bool   `db:"has_logo"`
		LookAbove bool   `db:"look_above"`
	}
	tdb.Get(t, &got, `SELECT m.role, m.area_id, m.manager_id, m.removed_at IS NOT NULL AS removed,
		(SELECT count(*) FROM password_resets WHERE user_id = m.user_id) AS resets,
		o.name AS org_name, o.color_primary, o.logo IS NOT NULL AS has_logo, o.look_version > 1 AS look_above
		FROM memberships AS m JOIN organizations AS o ON o.id = m.org_id WHERE m.org_id = $1 AND m.user_id = $2`, f.Org.ID, target)
	want := struct {
		Role      string `db:"role"`
		Area      string `db:"area_id"`
		Manager   string `db:"manager_id"`
		Removed   bool   `db:"removed"`
		Resets    int    `db:"resets"`
		OrgName   string `db:"org_name"`
		Primary   string `db:"color_primary"`
		HasLogo   bool   `db:"has_logo"`
		LookAbove bool   `db:"look_above"`
	}{"gerente", f.AreaB, f.Boss.ID, true, 1, "Matriz Renombrada", "#1d4ed8", false, true}
	if got != want {
		t.Errorf("after the corporativo's actions: %+v, want %+v", got, want)
	}
	// Every member, whatever the role, gets the organisation's look.
	e, _ := signIn(t, f.Manager.Email)
	e.GET("/org/theme.css").Expect().Status(http.StatusOK).Body().Contains("--primary:")
	e.GET("/org/logo").Expect().Status(http.StatusNotFound)
}

// TestMembersListAndFilters: the page and its fragments show the
// organisation's current members with the contract's markup, and the
// filters (q, role, area, status) narrow them.
func TestMembersListAndFilters(t *testing.T) {
	f := newOrgFixture(t, "Lista")
	free := tdb.Member(t, f.Org, "Libre Sinárea", "empleado")
	gone := tdb.Member(t, f.Org, "Ido Antiguo", "empleado")
	tdb.Exec(t, `UPDATE memberships SET removed_at = now() - interval '3 days' WHERE org_id = $1 AND user_id = $2`, f.Org.ID, gone.ID)
	tdb.Exec(t, `UPDATE memberships SET last_active_at = now() - interval '2 days' WHERE org_id = $1 AND user_id = $2`, f.Org.ID, f.Emp.ID)
	e, _ := signIn(t, f.Boss.Email)

	page := e.GET("/settings/members").Expect().Status(http.StatusOK).Body().Raw()
	ids := rowIDs(page)
	slices.Sort(ids)
	want := []string{f.Boss.ID, f.Manager.ID, f.Emp.ID, free.ID}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("rows %v, want the current members %v", ids, want)
	}
	for _, s := range []string{html.EscapeString(f.Emp.Email), "Gerente", "Ventas Lista", "Hace 2 días", "Nunca", "Jefa Lista", "Gestionar"} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	st := stats(e.GET("/fragments/members/stats").Expect().Status(http.StatusOK).Body().Raw())
	var never string
	tdb.Get(t, &never, `SELECT count(*)::text FROM memberships WHERE org_id = $1 AND removed_at IS NULL AND last_active_at IS NULL`, f.Org.ID)
	for k, v := range map[string]string{"total": "4", "corporativo": "1", "gerente": "1", "empleado": "2",
		"without_area": "2", "never_active": never, "removed": "1"} {
		if st[k] != v {
			t.Errorf("data-stat %s = %q, want %s (all: %v)", k, st[k], v, st)
		}
	}
	table := func(query string, wantIDs ...string) {
		t.Helper()
		body := get(e, "/fragments/members/table?"+query).Expect().Status(http.StatusOK).Body().Raw()
		got := rowIDs(body)
		slices.Sort(got)
		slices.Sort(wantIDs)
		if !slices.Equal(got, wantIDs) {
			t.Errorf("table?%s: rows %v, want %v", query, got, wantIDs)
		}
	}
	table("q="+strings.SplitN(f.Emp.Email, "@", 2)[0], f.Emp.ID)
	table("q=JEFA", f.Boss.ID)
	table("q=100%25", []string{}...) // a literal %, not a wildcard
	table("role=gerente", f.Manager.ID)
	table("area="+f.AreaA, f.Manager.ID, f.Emp.ID)
	table("area=none", f.Boss.ID, free.ID)
	table("status=removed", gone.ID)
	table("status=removed&q=ido", gone.ID)
	removed := get(e, "/fragments/members/table?status=removed").Expect().Body().Raw()
	if !strings.Contains(removed, "Antiguo miembro") || strings.Contains(removed, "Gestionar") {
		t.Errorf("former members are listed with their status and without actions:\n%s", removed)
	}
	// a filter change moves the address bar to the page's URL
	htmx(e.GET("/fragments/members/table").WithQuery("role", "gerente").WithHeader("HX-Trigger", "members-filters")).
		Expect().Status(http.StatusOK).Header("HX-Push-Url").IsEqual("/settings/members?role=gerente")
	// fragments are fragments
	for _, p := range []string{"/fragments/members/table", "/fragments/members/stats"} {
		htmx(e.GET(p)).Expect().Status(http.StatusOK).Body().NotContains("<html")
	}
	// the gerente sees the list without the management links
	g, _ := signIn(t, f.Manager.Email)
	g.GET("/settings/members").Expect().Status(http.StatusOK).Body().Contains(f.Emp.Email).NotContains("Gestionar").
		Contains("Solo un corporativo puede cambiar")
}

func TestMembersTablePaginates(t *testing.T) {
	org := tdb.NewOrg(t, "Paginada")
	boss := tdb.Member(t, org, "Aaa Jefa", "corporativo")
	for i := range membersPageSize + 5 {
		tdb.Member(t, org, fmt.Sprintf("Persona %03d", i), "empleado")
	}
	e, _ := signIn(t, boss.Email)
	first := e.GET("/settings/members").Expect().Status(http.StatusOK).Body().Raw()
	if n := len(rowIDs(first)); n != membersPageSize {
		t.Fatalf("first page has %d rows, want %d", n, membersPageSize)
	}
	if !strings.Contains(first, "56 miembros") {
		t.Error("the count says how many match")
	}
	m := nextRe.FindStringSubmatch(first)
	if m == nil {
		t.Fatal("no next link")
	}
	second := get(e, html.UnescapeString(m[1])).Expect().Status(http.StatusOK).Body().Raw()
	ids := append(rowIDs(first), rowIDs(second)...)
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	if len(ids) != membersPageSize+6 || len(seen) != len(ids) {
		t.Fatalf("two pages hold %d rows (%d distinct), want %d", len(ids), len(seen), membersPageSize+6)
	}
	if nextRe.MatchString(second) || !strings.Contains(second, "« Primera") {
		t.Error("the last page has no next link and links back to the first")
	}
}

func TestMembersTableRefusesBadFilters(t *testing.T) {
	f := newOrgFixture(t, "Filtros")
	e, _ := signIn(t, f.Boss.Email)
	for q, msg := range map[string]string{
		"role=jefe":                     "El rol elegido no existe",
		"area=ventas":                   "El área elegida no es válida",
		"status=todos":                  "El estado elegido no existe",
		"after=xyz":                     "El enlace de paginación no es válido",
		"q=" + strings.Repeat("a", 101): "hasta 100 caracteres",
	} {
		get(e, "/fragments/members/table?"+q).Expect().Status(http.StatusUnprocessableEntity).Body().Contains(msg).NotContains("data-id")
		page := get(e, "/settings/members?"+q).Expect().Status(http.StatusUnprocessableEntity).Body()
		page.Contains(msg).Contains(`data-stat="total"`)
	}
}

// TestMemberEditChangesRoleAreaAndManager, and the member's session is
// rotated on their next request because their role changed.
func TestMemberEditRotatesTheMembersSession(t *testing.T) {
	f := newOrgFixture(t, "Editar")
	emp, _ := signIn(t, f.Emp.Email)
	oldCookie := emp.GET("/objectives").Expect().Status(http.StatusOK).Raw().Request.Header.Get("Cookie")
	e, token := signIn(t, f.Boss.Email)
	page := e.GET("/settings/members/" + f.Emp.ID).Expect().Status(http.StatusOK).Body()
	page.Contains(f.Emp.Email).Contains(`name="version"`).Contains("Restablecer la contraseña").Contains("Quitar a ")
	page.NotContains(`<option value="` + f.Emp.ID + `"`) // nobody manages themselves
	editMember(e, token, f.Org.ID, f.Emp.ID, t, map[string]string{"role": "gerente", "area": f.AreaB, "manager": f.Manager.ID}).
		Status(http.StatusSeeOther).Header("Location").IsEqual("/settings/members/" + f.Emp.ID + "?hecho=guardado")
	e.GET("/settings/members/"+f.Emp.ID).WithQuery("hecho", "guardado").Expect().Status(http.StatusOK).
		Body().Contains("Cambios guardados.")
	var row struct {
		Role    string `db:"role"`
		Area    string `db:"area_id"`
		Manager string `db:"manager_id"`
		Fresh   bool   `db:"fresh"`
	}
	tdb.Get(t, &row, `SELECT role, area_id, manager_id, role_changed_at > now() - interval '1 minute' AS fresh
		FROM memberships WHERE org_id = $1 AND user_id = $2`, f.Org.ID, f.Emp.ID)
	if row.Role != "gerente" || row.Area != f.AreaB || row.Manager != f.Manager.ID || !row.Fresh {
		t.Fatalf("after the edit: %+v", row)
	}
	// The member's next request swaps their token; the old one is dead.
	r := emp.GET("/objectives").Expect().Status(http.StatusOK)
	r.Header("Set-Cookie").Contains(sessionCookie + "=")
	r.Body().Contains("Gerente")
	// the page was rendered for the new session: its CSRF token works
	emp.POST("/preferences/period").WithFormField("_csrf", csrfFrom(t, r.Body().Raw())).
		WithFormField("period", "all").Expect().Status(http.StatusSeeOther)
	newCookie := emp.GET("/objectives").Expect().Status(http.StatusOK).Raw().Request.Header.Get("Cookie")
	if newCookie == oldCookie {
		t.Fatal("the member's session token did not change")
	}
	client(t).GET("/objectives").WithHeader("Cookie", oldCookie).Expect().Status(http.StatusSeeOther)

	// Area and manager alone do not touch role_changed_at (no rotation).
	var before time.Time
	tdb.Get(t, &before, `SELECT role_changed_at FROM memberships WHERE org_id = $1 AND user_id = $2`, f.Org.ID, f.Emp.ID)
	editMember(e, token, f.Org.ID, f.Emp.ID, t, map[string]string{"role": "gerente", "area": "", "manager": ""}).
		Status(http.StatusSeeOther)
	var after time.Time
	tdb.Get(t, &after, `SELECT role_changed_at FROM memberships WHERE org_id = $1 AND user_id = $2`, f.Org.ID, f.Emp.ID)
	if !after.Equal(before) {
		t.Error("changing only area and manager stamped role_changed_at")
	}
	// htmx gets a redirect header and the refresh event
	htmx(e.POST("/settings/members/"+f.Emp.ID)).WithHeader("X-CSRF-Token", token).WithFormField("role", "empleado").
		WithFormField("version", memberVersion(t, f.Org.ID, f.Emp.ID)).Expect().Status(http.StatusOK).
		Header("HX-Trigger").IsEqual("members-changed")
}

func TestMemberEditBadInputs(t *testing.T) {
	f := newOrgFixture(t, "Malos")
	other := newOrgFixture(t, "Ajenos")
	gone := tdb.Member(t, f.Org, "Ida Removida", "empleado")
	tdb.Exec(t, `UPDATE memberships SET removed_at = now() WHERE org_id = $1 AND user_id = $2`, f.Org.ID, gone.ID)
	archived := tdb.NewArea(t, f.Org, "Archivada")
	tdb.Exec(t, `UPDATE areas SET archived_at = now() WHERE org_id = $1 AND id = $2`, f.Org.ID, archived)
	e, token := signIn(t, f.Boss.Email)
	before := memberState(t, f.Org.ID)
	for _, tc := range []struct {
		name   string
		fields map[string]string
		status int
		msg    string
	}{
		{"unknown role", map[string]string{"role": "jefe"}, 422, "Elige un rol de la lista"},
		{"no role", map[string]string{"role": ""}, 422, "Elige un rol de la lista"},
		{"foreign area", map[string]string{"role": "empleado", "area": other.AreaA}, 422, "Esa área no existe en tu organización"},
		{"archived area", map[string]string{"role": "empleado", "area": archived}, 422, "Esa área no existe en tu organización"},
		{"malformed area", map[string]string{"role": "empleado", "area": "ventas"}, 422, "Esa área no existe en tu organización"},
		{"foreign manager", map[string]string{"role": "empleado", "manager": other.Boss.ID}, 422, "no es miembro de tu organización"},
		{"former member as manager", map[string]string{"role": "empleado", "manager": gone.ID}, 422, "no es miembro de tu organización"},
		{"malformed manager", map[string]string{"role": "empleado", "manager": "x"}, 422, "no es miembro de tu organización"},
		{"own manager", map[string]string{"role": "empleado", "manager": f.Emp.ID}, 422, "Nadie puede ser su propio responsable"},
		{"no version", map[string]string{"role": "empleado", "version": ""}, 422, "El formulario no es válido"},
		{"stale version", map[string]string{"role": "gerente", "version": "0"}, 409, "Alguien cambió a este miembro"},
	} {
		body := editMember(e, token, f.Org.ID, f.Emp.ID, t, tc.fields).Status(tc.status).Body()
		body.Contains(html.EscapeString(tc.msg)).Contains(`name="role"`)
		if after := memberState(t, f.Org.ID); after != before {
			t.Errorf("%s wrote:\nbefore %s\nafter  %s", tc.name, before, after)
		}
	}
	// Malformed, unknown and former members' ids are 404s, for every route.
	for _, id := range []string{"no-es-un-id", "00000000-0000-4000-8000-000000000000", gone.ID} {
		e.GET("/settings/members/" + id).Expect().Status(http.StatusNotFound)
		e.GET("/settings/members/" + id + "/remove").Expect().Status(http.StatusNotFound)
		e.POST("/settings/members/"+id).WithFormField("_csrf", token).WithFormField("role", "gerente").
			WithFormField("version", "1").Expect().Status(http.StatusNotFound)
		e.POST("/settings/members/"+id+"/remove").WithFormField("_csrf", token).Expect().Status(http.StatusNotFound)
		e.POST("/settings/members/"+id+"/reset-link").WithFormField("_csrf", token).Expect().Status(http.StatusNotFound)
	}
	if after := memberState(t, f.Org.ID); after != before {
		t.Errorf("404s wrote:\nbefore %s\nafter  %s", before, after)
	}
	// An area archived since it was set may be kept (it is the current
	// value), just not newly chosen.
	tdb.Exec(t, `UPDATE areas SET archived_at = now() WHERE org_id = $1 AND id = $2`, f.Org.ID, f.AreaA)
	e.GET("/settings/members/" + f.Emp.ID).Expect().Status(http.StatusOK).Body().Contains("(archivada)")
	editMember(e, token, f.Org.ID, f.Emp.ID, t, map[string]string{"role": "gerente", "area": f.AreaA}).Status(http.StatusSeeOther)
	var area string
	tdb.Get(t, &area, `SELECT area_id FROM memberships WHERE org_id = $1 AND user_id = $2`, f.Org.ID, f.Emp.ID)
	if area != f.AreaA || memberRole(t, f.Org.ID, f.Emp.ID) != "gerente" {
		t.Errorf("keeping an archived area: area %s, role %s", area, memberRole(t, f.Org.ID, f.Emp.ID))
	}
}

// TestLastCorporativoStays: the only corporativo can be neither demoted nor
// removed (409, nothing written), by themselves or anyone; with a second
// corporativo both work.
func TestLastCorporativoStays(t *testing.T) {
	f := newOrgFixture(t, "Ultimo")
	e, token := signIn(t, f.Boss.Email)
	before := memberState(t, f.Org.ID)
	editMember(e, token, f.Org.ID, f.Boss.ID, t, map[string]string{"role": "gerente"}).
		Status(http.StatusConflict).Body().Contains("La organización necesita al menos un corporativo").Contains(`name="role"`)
	e.GET("/settings/members/" + f.Boss.ID + "/remove").Expect().Status(http.StatusOK).
		Body().Contains("es el único corporativo").NotContains("Sí, quitar")
	e.POST("/settings/members/"+f.Boss.ID+"/remove").WithFormField("_csrf", token).Expect().
		Status(http.StatusConflict).Body().Contains("La organización necesita al menos un corporativo")
	if after := memberState(t, f.Org.ID); after != before {
		t.Fatalf("refused changes to the last corporativo wrote:\nbefore %s\nafter  %s", before, after)
	}
	// The rule lives in the database, whatever path writes.
	err := rumboAppExec(t, f.Boss, `UPDATE memberships SET role = 'empleado' WHERE user_id = $1`, f.Boss.ID)
	if pqCode(err) != "23R09" {
		t.Fatalf("demoting the last corporativo as rumbo_app: %v, want SQLSTATE 23R09", err)
	}
	err = rumboAppExec(t, f.Boss, `DELETE FROM memberships WHERE user_id = $1`, f.Boss.ID)
	if pqCode(err) != "23R09" {
		t.Fatalf("deleting the last corporativo as rumbo_app: %v, want SQLSTATE 23R09", err)
	}

	// With a second corporativo, demoting the first works.
	editMember(e, token, f.Org.ID, f.Manager.ID, t, map[string]string{"role": "corporativo", "area": f.AreaA}).
		Status(http.StatusSeeOther)
	// demoting oneself leads back to the list, not to a page one may no longer open
	editMember(e, token, f.Org.ID, f.Boss.ID, t, map[string]string{"role": "empleado"}).Status(http.StatusSeeOther).
		Header("Location").IsEqual("/settings/members?hecho=guardado")
	if r := memberRole(t, f.Org.ID, f.Boss.ID); r != "empleado" {
		t.Fatalf("role is %s after demotion", r)
	}
	// ... and now the other is the last one.
	m, mt := signIn(t, f.Manager.Email)
	m.POST("/settings/members/"+f.Manager.ID+"/remove").WithFormField("_csrf", mt).Expect().Status(http.StatusConflict)
}

// rumboAppExec runs one statement as rumbo_app in u's request context (a
// session made directly), the way any handler would.
func rumboAppExec(t *testing.T, u testpg.User, query string, args ...any) error {
	t.Helper()
	hash := directSession(t, u)
	return srv.pool.Request(context.Background(), hash, false, func(ctx context.Context, tx *sqlx.Tx, _ *rls.Session) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	})
}

// directSession stores a session for u (in u's last organisation) and
// returns its token hash.
func directSession(t *testing.T, u testpg.User) []byte {
	t.Helper()
	_, hash, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	tdb.Exec(t, `INSERT INTO sessions (token_hash, user_id, current_org_id, expires_at, idle_timeout)
		SELECT $1, $2, org_id, now() + interval '1 hour', interval '1 hour' FROM memberships
		WHERE user_id = $2 AND removed_at IS NULL ORDER BY created_at LIMIT 1`, hash, u.ID)
	return hash
}

func pqCode(err error) string {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return string(pqErr.Code)
	}
	return ""
}

// TestConcurrentDemotionsKeepOneCorporativo: the only two corporativos each
// demote themselves at the same moment. The second transaction's UPDATE is
// made to run while the first is still open (it blocks on the
// organisation's row, which the trigger locks); when the first commits, the
// second sees it and fails. Without the lock both would commit.
func TestConcurrentDemotionsKeepOneCorporativo(t *testing.T) {
	org := tdb.NewOrg(t, "Carrera")
	a := tdb.Member(t, org, "Ana Carrera", "corporativo")
	b := tdb.Member(t, org, "Beto Carrera", "corporativo")
	tdb.Member(t, org, "Ciro Carrera", "empleado")
	ha, hb := directSession(t, a), directSession(t, b)
	va, vb := memberVersion(t, org.ID, a.ID), memberVersion(t, org.ID, b.ID)
	demote := func(hash []byte, user, version string, hold func(pid int)) error {
		return srv.pool.Request(context.Background(), hash, false, func(ctx context.Context, tx *sqlx.Tx, s *rls.Session) error {
			var v int
			if err := tx.GetContext(ctx, &v, srv.q.MemberUpdate, s.OrgID, user, "empleado", nil, nil, version); err != nil {
				return err
			}
			var pid int
			if err := tx.GetContext(ctx, &pid, `SELECT pg_backend_pid()`); err != nil {
				return err
			}
			hold(pid)
			return nil
		})
	}
	updated := make(chan struct{})
	second := make(chan error, 1)
	var firstErr, pollErr error
	var blocked bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var once sync.Once
		defer once.Do(func() { close(updated) }) // also when the UPDATE failed
		firstErr = demote(ha, a.ID, va, func(pid int) {
			once.Do(func() { close(updated) })
			// Keep the first transaction open until the second waits on a
			// lock it holds (or, if nothing makes it wait, has finished).
			deadline := time.Now().Add(3 * time.Second)
			for time.Now().Before(deadline) && len(second) == 0 {
				if pollErr = tdb.Owner.GetContext(context.Background(), &blocked, `SELECT EXISTS (SELECT 1 FROM pg_locks AS w
					WHERE NOT w.granted AND $1 = ANY (pg_blocking_pids(w.pid)))`, pid); pollErr != nil || blocked {
					return
				}
				time.Sleep(2 * time.Millisecond)
			}
		})
	}()
	<-updated
	second <- demote(hb, b.ID, vb, func(int) {})
	wg.Wait()
	secondErr := <-second
	if firstErr != nil || pollErr != nil {
		t.Fatalf("first demotion: %v (lock poll: %v)", firstErr, pollErr)
	}
	if !blocked {
		t.Error("the second demotion never waited for the first: nothing serialises them")
	}
	if pqCode(secondErr) != "23R09" {
		t.Fatalf("second demotion: %v, want SQLSTATE 23R09 (the organisation would have no corporativo)", secondErr)
	}
	var n int
	tdb.Get(t, &n, `SELECT count(*) FROM memberships WHERE org_id = $1 AND role = 'corporativo' AND removed_at IS NULL`, org.ID)
	if n != 1 || memberRole(t, org.ID, b.ID) != "corporativo" {
		t.Fatalf("%d corporativos left (Beto is %s), want Beto alone", n, memberRole(t, org.ID, b.ID))
	}

	// The same race through HTTP: one answer is 303, the other 409.
	tdb.Exec(t, `UPDATE memberships SET role = 'corporativo' WHERE org_id = $1 AND user_id = $2`, org.ID, a.ID)
	ea, ta := signIn(t, a.Email)
	eb, tb := signIn(t, b.Email)
	codes := make(chan int, 2)
	for _, p := range []struct {
		e     *httpexpect.Expect
		token string
		user  string
	}{{ea, ta, a.ID}, {eb, tb, b.ID}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- editMember(p.e, p.token, org.ID, p.user, t, map[string]string{"role": "empleado"}).Raw().StatusCode
		}()
	}
	wg.Wait()
	close(codes)
	var got []int
	for c := range codes {
		got = append(got, c)
	}
	slices.Sort(got)
	if !slices.Equal(got, []int{http.StatusSeeOther, http.StatusConflict}) {
		t.Fatalf("concurrent demotions answered %v, want one 303 and one 409", got)
	}
}

// TestRemovedMemberLosesAccessButKeepsTheirName: removal goes through the
// confirmation page; the member's next request is refused; their
// objectives still show their name; the people they managed are left
// without a manager.
func TestRemovedMemberLosesAccessButKeepsTheirName(t *testing.T) {
	f := newOrgFixture(t, "Quitar")
	report := tdb.NewUser(t, "Reporte Quitar")
	tdb.AddMember(t, f.Org, report, "empleado", f.AreaA)
	tdb.Exec(t, `UPDATE memberships SET manager_id = $3 WHERE org_id = $1 AND user_id = $2`, f.Org.ID, report.ID, f.Emp.ID)
	emp, _ := signIn(t, f.Emp.Email)
	tdb.AddMember(t, tdb.NewOrg(t, "Otra Quitar"), f.Emp, "empleado", "")
	e, token := signIn(t, f.Boss.Email)
	confirm := e.GET("/settings/members/" + f.Emp.ID + "/remove").Expect().Status(http.StatusOK).Body()
	confirm.Contains("¿Quitar a " + f.Emp.Name).Contains("Sí, quitar").Contains("se conservan")
	e.POST("/settings/members/"+f.Emp.ID+"/remove").WithFormField("_csrf", token).Expect().
		Status(http.StatusSeeOther).Header("Location").IsEqual("/settings/members?hecho=quitado")
	e.GET("/settings/members").WithQuery("hecho", "quitado").Expect().Status(http.StatusOK).Body().
		Contains("ya no es miembro").NotContains(`data-id="` + f.Emp.ID + `"`)

	// The removed member still belongs to another organisation: the next
	// request here is refused and offers that one.
	emp.GET("/objectives").Expect().Status(http.StatusForbidden).Body().Contains("ya no pertenece").
		Contains("Ir a Otra Quitar").NotContains("Atrasado Quitar")
	htmx(emp.GET("/fragments/objectives/table")).Expect().Status(http.StatusForbidden).Body().NotContains("Atrasado Quitar")

	// Their objectives stay, with their name (the positive control: the
	// page does list the organisation's objectives).
	list := e.GET("/objectives").Expect().Status(http.StatusOK).Body()
	list.Contains("Atrasado Quitar").Contains(html.EscapeString(f.Emp.Name))
	e.GET("/objectives/" + f.Objectives["Atrasado Quitar"]).Expect().Status(http.StatusOK).Body().Contains(html.EscapeString(f.Emp.Name))

	var manager *string
	tdb.Get(t, &manager, `SELECT manager_id FROM memberships WHERE org_id = $1 AND user_id = $2`, f.Org.ID, report.ID)
	if manager != nil {
		t.Errorf("the removed member still manages %s", report.Name)
	}
	get(e, "/fragments/members/table?status=removed").Expect().Status(http.StatusOK).Body().
		Contains(`data-id="` + f.Emp.ID + `"`).Contains("Antiguo miembro")
	// once removed, the member is gone from the management routes
	e.GET("/settings/members/" + f.Emp.ID).Expect().Status(http.StatusNotFound)
}

func TestResetLinkForAMember(t *testing.T) {
	f := newOrgFixture(t, "Enlace")
	e, token := signIn(t, f.Boss.Email)
	body := e.POST("/settings/members/"+f.Emp.ID+"/reset-link").WithFormField("_csrf", token).Expect().
		Status(http.StatusOK).Body()
	body.Contains(f.Emp.Name).Contains("un solo uso")
	m := regexp.MustCompile(`value="(http://rumbo\.test/password/reset/([A-Za-z0-9_-]+))"`).FindStringSubmatch(body.Raw())
	if m == nil {
		t.Fatalf("no reset link on the page:\n%s", body.Raw())
	}
	var row struct {
		Stored   bool `db:"stored"`
		Lifetime bool `db:"lifetime"`
	}
	tdb.Get(t, &row, `SELECT true AS stored, expires_at BETWEEN now() + interval '23 hours 59 minutes' AND now() + interval '24 hours 1 minute' AS lifetime
		FROM password_resets WHERE token_hash = $1 AND user_id = $2`, auth.HashToken(m[2]), f.Emp.ID)
	if !row.Stored || !row.Lifetime {
		t.Fatalf("reset link row: %+v (stored hashed, 24 h)", row)
	}
	// the link opens the reset page for that member
	client(t).GET(strings.TrimPrefix(m[1], "http://rumbo.test")).Expect().Status(http.StatusOK).Body().Contains(f.Emp.Email)
}

// TestMembersIsolation: a corporativo of another organisation can neither
// see nor touch these members (404, nothing changes), while their own
// members show (positive control).
func TestMembersIsolation(t *testing.T) {
	a, b := newOrgFixture(t, "Iso A"), newOrgFixture(t, "Iso B")
	e, token := signIn(t, b.Boss.Email)
	page := e.GET("/settings/members").Expect().Status(http.StatusOK).Body().Raw()
	for _, own := range []testpg.User{b.Boss, b.Manager, b.Emp} {
		if !strings.Contains(page, `data-id="`+own.ID+`"`) {
			t.Errorf("B's own member %s is missing", own.Name)
		}
	}
	for _, foreign := range []testpg.User{a.Boss, a.Manager, a.Emp} {
		if strings.Contains(page, foreign.ID) || strings.Contains(page, html.EscapeString(foreign.Email)) {
			t.Errorf("B sees A's member %s", foreign.Name)
		}
	}
	get(e, "/fragments/members/table?area="+a.AreaA).Expect().Status(http.StatusOK).Body().NotContains("data-id")
	if st := stats(e.GET("/fragments/members/stats").Expect().Body().Raw()); st["total"] != "3" {
		t.Errorf("B's stats count %s members, want 3", st["total"])
	}
	before := memberState(t, a.Org.ID)
	e.GET("/settings/members/" + a.Emp.ID).Expect().Status(http.StatusNotFound)
	e.GET("/settings/members/" + a.Emp.ID + "/remove").Expect().Status(http.StatusNotFound)
	e.POST("/settings/members/"+a.Emp.ID).WithFormField("_csrf", token).WithFormField("role", "corporativo").
		WithFormField("version", memberVersion(t, a.Org.ID, a.Emp.ID)).Expect().Status(http.StatusNotFound)
	e.POST("/settings/members/"+a.Boss.ID+"/remove").WithFormField("_csrf", token).Expect().Status(http.StatusNotFound)
	e.POST("/settings/members/"+a.Emp.ID+"/reset-link").WithFormField("_csrf", token).Expect().Status(http.StatusNotFound)
	// B's members cannot be pointed at A's area or people either
	editMember(e, token, b.Org.ID, b.Emp.ID, t, map[string]string{"role": "empleado", "manager": a.Boss.ID}).
		Status(http.StatusUnprocessableEntity)
	if after := memberState(t, a.Org.ID); after != before {
		t.Fatalf("B's requests changed A:\nbefore %s\nafter  %s", before, after)
	}
	// positive control: the same requests on B's own member work
	e.GET("/settings/members/" + b.Emp.ID).Expect().Status(http.StatusOK)
	editMember(e, token, b.Org.ID, b.Emp.ID, t, map[string]string{"role": "gerente"}).Status(http.StatusSeeOther)
}

// TestMemberPostsNeedCSRF: no token, a forged one, or a cross-site origin
// are refused (403) with nothing written.
func TestMemberPostsNeedCSRF(t *testing.T) {
	f := newOrgFixture(t, "Csrf Miembros")
	e, token := signIn(t, f.Boss.Email)
	before := memberState(t, f.Org.ID)
	paths := []string{"/settings/members/" + f.Emp.ID, "/settings/members/" + f.Emp.ID + "/remove",
		"/settings/members/" + f.Emp.ID + "/reset-link", "/settings/organization", "/settings/organization/logo",
		"/settings/organization/logo/remove", "/settings/organization/colors"}
	for _, p := range paths {
		e.POST(p).WithFormField("role", "gerente").WithFormField("name", "X").Expect().Status(http.StatusForbidden).
			Body().Contains("token de seguridad")
		e.POST(p).WithFormField("_csrf", "forjado").WithFormField("role", "gerente").Expect().Status(http.StatusForbidden)
		e.POST(p).WithFormField("_csrf", token).WithFormField("role", "gerente").WithHeader("Sec-Fetch-Site", "cross-site").
			Expect().Status(http.StatusForbidden).Body().Contains("otro sitio web")
		e.POST(p).WithFormField("_csrf", token).WithFormField("role", "gerente").WithHeader("Origin", "https://evil.example").
			Expect().Status(http.StatusForbidden)
	}
	uploadLogoWith(e.POST("/settings/organization/logo"), "", "logo.png", pngImage(t, 4, 4)).Status(http.StatusForbidden)
	if after := memberState(t, f.Org.ID); after != before {
		t.Fatalf("refused POSTs wrote:\nbefore %s\nafter  %s", before, after)
	}
}
