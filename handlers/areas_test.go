package handlers

import (
	"context"
	"encoding/xml"
	"errors"
	"html"
	"io"
	"net/http"
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

// areaSpec describes a fixture area; empty values get the table's defaults.
type areaSpec struct {
	Name, Code, Description, Parent, Manager, Status, Color string
	Archived                                                bool
}

// insertArea writes a fixture area as rumbo_owner and returns its id.
func insertArea(t *testing.T, org testpg.Org, a areaSpec) string {
	t.Helper()
	if a.Status == "" {
		a.Status = "active"
	}
	if a.Color == "" {
		a.Color = "#2563eb"
	}
	var id string
	tdb.Get(t, &id, `INSERT INTO areas (org_id, name, code, description, parent_id, manager_id, status, color)
		VALUES ($1, $2, nullif($3, ''), $4, nullif($5, '')::uuid, nullif($6, '')::uuid, $7, $8) RETURNING id`,
		org.ID, a.Name, a.Code, a.Description, a.Parent, a.Manager, a.Status, a.Color)
	if a.Archived {
		tdb.Exec(t, `UPDATE areas SET archived_at = now() WHERE org_id = $1 AND id = $2`, org.ID, id)
	}
	return id
}

// areasSnapshot is every area of an organisation, all columns, so a test
// can tell that nothing changed.
func areasSnapshot(t *testing.T, orgID string) string {
	t.Helper()
	var s string
	tdb.Get(t, &s, `SELECT coalesce(string_agg(concat_ws('|', id, name, code, description, parent_id, manager_id,
		status, color, version, archived_at), E'\n' ORDER BY id), '') FROM areas WHERE org_id = $1`, orgID)
	return s
}

// areaTreeShape reads the tree fragment's nested lists and returns the
// areas in document order with each one's parent in the markup ("" at the
// top level).
func areaTreeShape(t *testing.T, body string) (order []string, parent map[string]string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader("<root>" + body + "</root>"))
	d.Strict, d.AutoClose, d.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
	parent = map[string]string{}
	var stack []string // data-ids of the open <li>s ("" for other elements)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("tree markup: %v\n%s", err, body)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			id := ""
			if el.Name.Local == "li" {
				for _, a := range el.Attr {
					if a.Name.Local == "data-id" {
						id = a.Value
					}
				}
			}
			if id != "" {
				up := ""
				for i := len(stack) - 1; i >= 0; i-- {
					if stack[i] != "" {
						up = stack[i]
						break
					}
				}
				order, parent[id] = append(order, id), up
			}
			stack = append(stack, id)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	return order, parent
}

// postFields posts a form as a plain form or with htmx.
func postFields(e *httpexpect.Expect, path, token string, fields map[string]string, hx bool) *httpexpect.Response {
	r := e.POST(path).WithFormField("_csrf", token)
	if hx {
		r = htmx(r)
	}
	for k, v := range fields {
		r = r.WithFormField(k, v)
	}
	return r.Expect()
}

func areaVersion(t *testing.T, id string) string {
	t.Helper()
	var v int
	tdb.Get(t, &v, `SELECT version FROM areas WHERE id = $1`, id)
	return strconv.Itoa(v)
}

// areaFields are a valid edit of area id as the form would send it.
func areaFields(t *testing.T, id string, changes map[string]string) map[string]string {
	t.Helper()
	var a struct {
		Name, Code, Description, Parent, Manager, Status, Color string
	}
	tdb.Get(t, &a, `SELECT name, coalesce(code, '') AS code, description, coalesce(parent_id::text, '') AS parent,
		coalesce(manager_id::text, '') AS manager, status, color FROM areas WHERE id = $1`, id)
	m := map[string]string{"name": a.Name, "code": a.Code, "description": a.Description, "parent": a.Parent,
		"manager": a.Manager, "status": a.Status, "color": a.Color, "version": areaVersion(t, id)}
	for k, v := range changes {
		m[k] = v
	}
	return m
}

// TestAreasTreeAndStats: the tree nests sub-areas under their parents,
// hides archived areas, shows manager, code, status and members; the stats
// equal SQL's truth; everyone reads, only a corporativo gets the actions.
func TestAreasTreeAndStats(t *testing.T) {
	org := tdb.NewOrg(t, "Arbolado")
	boss := tdb.Member(t, org, "Bea Arbolado", "corporativo")
	dir := insertArea(t, org, areaSpec{Name: "Dirección", Code: "DIR", Description: "Gobierno de la empresa", Manager: boss.ID})
	com := insertArea(t, org, areaSpec{Name: "Comercial", Code: "COM", Parent: dir, Status: "active"})
	ven := insertArea(t, org, areaSpec{Name: "Ventas", Code: "VEN", Parent: com, Status: "planning", Color: "#dc2626"})
	mkt := insertArea(t, org, areaSpec{Name: "Marketing", Parent: com, Status: "inactive"})
	ops := insertArea(t, org, areaSpec{Name: "Operaciones", Code: "OPE"})
	old := insertArea(t, org, areaSpec{Name: "Legado archivado", Code: "OLD", Parent: dir, Archived: true})
	mgr := tdb.NewUser(t, "Gonzalo Arbolado")
	tdb.AddMember(t, org, mgr, "gerente", ven)
	tdb.Exec(t, `UPDATE areas SET manager_id = $2 WHERE id = $1`, ven, mgr.ID)
	emp := tdb.NewUser(t, "Eva Arbolado")
	tdb.AddMember(t, org, emp, "empleado", ven)
	gone := tdb.NewUser(t, "Ido Arbolado")
	tdb.AddMember(t, org, gone, "empleado", ven)
	tdb.Exec(t, `UPDATE memberships SET removed_at = now() WHERE org_id = $1 AND user_id = $2`, org.ID, gone.ID)
	ghost := tdb.NewUser(t, "Olvido Arbolado")
	tdb.AddMember(t, org, ghost, "empleado", old) // in an archived area: not counted
	tdb.Exec(t, `UPDATE memberships SET area_id = $3 WHERE org_id = $1 AND user_id = $2`, org.ID, boss.ID, ops)

	ee, _ := signIn(t, emp.Email)
	page := ee.GET("/areas").Expect().Status(http.StatusOK).Body()
	page.Contains("Áreas organizacionales").Contains("Gestiona la estructura organizacional de tu empresa").
		NotContains(`href="/areas/new"`).NotContains("/edit").NotContains("Áreas archivadas").NotContains("Legado archivado")

	frag := htmx(ee.GET("/fragments/areas/tree")).Expect().Status(http.StatusOK).Body().Raw()
	if strings.Contains(frag, "<html") {
		t.Fatal("the tree fragment is a whole document")
	}
	order, parent := areaTreeShape(t, frag)
	// siblings by name, children right after their parent
	if want := []string{dir, com, mkt, ven, ops}; !slices.Equal(order, want) {
		t.Fatalf("tree order %v, want %v", order, want)
	}
	for id, want := range map[string]string{dir: "", com: dir, ven: com, mkt: com, ops: ""} {
		if parent[id] != want {
			t.Errorf("area %s is under %q in the markup, want %q", id, parent[id], want)
		}
	}
	for _, s := range []string{"Gonzalo Arbolado", "Bea Arbolado", "Gobierno de la empresa", ">VEN<", "En planificación",
		"Inactiva", "Activa", `fill="#dc2626"`, "Sin asignar"} {
		if !strings.Contains(frag, s) {
			t.Errorf("tree lacks %q", s)
		}
	}
	// members per area, as SQL counts them (current members only)
	var counts []struct {
		ID string `db:"id"`
		N  int    `db:"n"`
	}
	tdb.Select(t, &counts, `SELECT a.id, count(m.user_id) AS n FROM areas a
		LEFT JOIN memberships m ON m.org_id = a.org_id AND m.area_id = a.id AND m.removed_at IS NULL
		WHERE a.org_id = $1 AND a.archived_at IS NULL GROUP BY a.id`, org.ID)
	for _, c := range counts {
		i := strings.Index(frag, `data-id="`+c.ID+`"`)
		j := strings.Index(frag[i:], `class="area-members">`)
		got := frag[i+j+len(`class="area-members">`):]
		got = got[:strings.Index(got, "<")]
		if got != strconv.Itoa(c.N) {
			t.Errorf("area %s shows %s members, SQL says %d", c.ID, got, c.N)
		}
	}

	var want struct {
		Total, Active, Inactive, Planning, Members int
	}
	tdb.Get(t, &want, `SELECT count(*) AS total, count(*) FILTER (WHERE status = 'active') AS active,
		count(*) FILTER (WHERE status = 'inactive') AS inactive, count(*) FILTER (WHERE status = 'planning') AS planning,
		(SELECT count(*) FROM memberships m JOIN areas x ON x.org_id = m.org_id AND x.id = m.area_id
		  WHERE m.org_id = $1 AND m.removed_at IS NULL AND x.archived_at IS NULL) AS members
		FROM areas WHERE org_id = $1 AND archived_at IS NULL`, org.ID)
	if want.Total != 5 || want.Planning != 1 || want.Inactive != 1 || want.Members != 3 {
		t.Fatalf("fixture drifted: %+v", want)
	}
	wantStats := map[string]int{"total": want.Total, "active": want.Active, "inactive": want.Inactive,
		"planning": want.Planning, "members": want.Members}
	for _, body := range []string{page.Raw(), htmx(ee.GET("/fragments/areas/stats")).Expect().Status(http.StatusOK).Body().Raw()} {
		got := stats(body)
		for name, w := range wantStats {
			if got[name] != strconv.Itoa(w) {
				t.Errorf("data-stat %s = %q, SQL says %d", name, got[name], w)
			}
		}
	}

	// the corporativo gets the actions and the archived areas
	eb, _ := signIn(t, boss.Email)
	body := eb.GET("/areas").Expect().Status(http.StatusOK).Body()
	body.Contains(`href="/areas/new"`).Contains(`href="/areas/` + ven + `/edit"`).Contains("Áreas archivadas (1)").
		Contains("Legado archivado").Contains(`action="/areas/` + old + `/restore"`)
	if _, p := areaTreeShape(t, htmx(eb.GET("/fragments/areas/tree")).Expect().Body().Raw()); len(p) != 5 {
		t.Errorf("the corporativo's tree shows %d areas, want 5", len(p))
	}
}

func TestAreasEmptyState(t *testing.T) {
	org := tdb.NewOrg(t, "Sin Áreas")
	boss := tdb.Member(t, org, "Sara Sinareas", "corporativo")
	emp := tdb.Member(t, org, "Emilio Sinareas", "empleado")
	eb, _ := signIn(t, boss.Email)
	body := eb.GET("/areas").Expect().Status(http.StatusOK).Body()
	body.Contains("No hay áreas registradas").Contains("Crear primera área").NotContains("Áreas archivadas")
	for name, v := range stats(body.Raw()) {
		if v != "0" {
			t.Errorf("empty organisation: %s = %s", name, v)
		}
	}
	ee, _ := signIn(t, emp.Email)
	htmx(ee.GET("/fragments/areas/tree")).Expect().Status(http.StatusOK).Body().
		Contains("No hay áreas registradas").NotContains("Crear primera área").Contains("Un corporativo")
}

func TestBuildAreaTreeNeverLosesAnArea(t *testing.T) {
	rows := []areaRow{
		{ID: "a", Name: "A"}, {ID: "b", Name: "B", ParentID: "a"},
		{ID: "c", Name: "C", ParentID: "archived"},                               // parent not live: shown at the top
		{ID: "x", Name: "X", ParentID: "y"}, {ID: "y", Name: "Y", ParentID: "x"}, // a loop the database refuses
	}
	tree := buildAreaTree(rows, true)
	var seen []string
	var walk func(t areaTree, depth int)
	walk = func(tr areaTree, depth int) {
		for _, n := range tr.Nodes {
			seen = append(seen, strings.Repeat(">", depth)+n.ID)
			walk(n.Children, depth+1)
		}
	}
	walk(tree, 0)
	if want := []string{"a", ">b", "c", "x", ">y"}; !slices.Equal(seen, want) {
		t.Fatalf("tree %v, want %v", seen, want)
	}
	if !tree.Root || tree.Nodes[0].Children.Root || !tree.Nodes[0].Children.CanManage {
		t.Fatal("levels carry the wrong flags")
	}
}

// TestCreateAndEditArea: the happy paths, plain and htmx, then the bad
// inputs (each 422 with its message, nothing written), the duplicate code
// (409) and a stale version (409).
func TestCreateAndEditArea(t *testing.T) {
	f := newOrgFixture(t, "Rho")
	other := newOrgFixture(t, "Sigma")
	otherArea := insertArea(t, other.Org, areaSpec{Name: "Ajena", Code: "AJN"})
	archived := insertArea(t, f.Org, areaSpec{Name: "Antigua Rho", Code: "ANT", Archived: true})
	gone := tdb.NewUser(t, "Exmiembro Rho")
	tdb.AddMember(t, f.Org, gone, "empleado", "")
	tdb.Exec(t, `UPDATE memberships SET removed_at = now() WHERE org_id = $1 AND user_id = $2`, f.Org.ID, gone.ID)
	e, token := signIn(t, f.Boss.Email)

	e.GET("/areas/new").Expect().Status(http.StatusOK).Body().Contains("Nueva área").Contains(`name="_csrf"`).
		Contains(`value="` + f.AreaA + `"`).NotContains(`value="` + archived + `"`).NotContains(otherArea)

	valid := map[string]string{"name": "Desarrollo de Software", "code": "DEV-001", "description": "Producto y plataforma",
		"parent": f.AreaB, "manager": f.Manager.ID, "status": "planning", "color": "#7C3AED"}
	loc := postFields(e, "/areas", token, valid, false).Status(http.StatusSeeOther).Header("Location").Raw()
	if loc != "/areas?hecho=creada" {
		t.Fatalf("redirect to %q", loc)
	}
	get(e, loc).Expect().Status(http.StatusOK).Body().Contains("Área creada.").Contains("Desarrollo de Software")
	var row struct {
		ID, Code, Description, Parent, Manager, Status, Color, Org string
	}
	tdb.Get(t, &row, `SELECT id, code, description, parent_id AS parent, manager_id AS manager, status, color,
		org_id AS org FROM areas WHERE name = 'Desarrollo de Software'`)
	if row.Code != "DEV-001" || row.Parent != f.AreaB || row.Manager != f.Manager.ID || row.Status != "planning" ||
		row.Color != "#7c3aed" || row.Org != f.Org.ID || row.Description != "Producto y plataforma" {
		t.Fatalf("created row %+v", row)
	}
	r := postFields(e, "/areas", token, map[string]string{"name": "Soporte", "status": "active", "color": "#0ea5e9"}, true).
		Status(http.StatusOK)
	r.Header("HX-Trigger").IsEqual("areas-changed")
	r.Header("HX-Redirect").IsEqual("/areas?hecho=creada")

	// a hostile name comes out escaped
	postFields(e, "/areas", token, map[string]string{"name": `<img src=x onerror=alert(1)>`, "color": "#111111"}, false).
		Status(http.StatusSeeOther)
	tree := htmx(e.GET("/fragments/areas/tree")).Expect().Body().Raw()
	if strings.Contains(tree, "<img src=x") || !strings.Contains(tree, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Fatal("the area name is not escaped in the tree")
	}

	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range valid {
			m[a] = b
		}
		m["code"] = "NEW-1"
		m[k] = v
		return m
	}
	before, otherBefore := areasSnapshot(t, f.Org.ID), areasSnapshot(t, other.Org.ID)
	for _, tc := range []struct {
		fields map[string]string
		msg    string
	}{
		{with("name", "   "), "Escribe el nombre del área."},
		{with("name", strings.Repeat("ñ", 121)), "hasta 120 caracteres"},
		{with("code", "DEV 001"), "sin espacios"},
		{with("code", strings.Repeat("X", 21)), "de 1 a 20"},
		{with("code", "ÁREA"), "sin tilde"},
		{with("description", strings.Repeat("x", 2001)), "hasta 2.000 caracteres"},
		{with("color", "red"), "formato #rrggbb"},
		{with("color", "#12345g"), "formato #rrggbb"},
		{with("status", "activa"), "Elige un estado de la lista."},
		{with("parent", "no-es-un-id"), msgAreaParentGone},
		{with("parent", otherArea), msgAreaParentGone},
		{with("parent", "00000000-0000-0000-0000-000000000000"), msgAreaParentGone},
		{with("parent", archived), msgAreaParentArch},
		{with("manager", other.Boss.ID), msgAreaManager},
		{with("manager", gone.ID), msgAreaManager},
		{with("manager", "123"), msgAreaManager},
	} {
		postFields(e, "/areas", token, tc.fields, false).Status(http.StatusUnprocessableEntity).Body().
			Contains(html.EscapeString(tc.msg)).Contains("<html").Contains(`aria-invalid="true"`)
		postFields(e, "/areas", token, tc.fields, true).Status(http.StatusUnprocessableEntity).Body().
			Contains(html.EscapeString(tc.msg)).NotContains("<html").Contains(`id="area-form"`)
	}
	// the same code, in any case, is taken: 409
	for _, code := range []string{"DEV-001", "dev-001"} {
		postFields(e, "/areas", token, with("code", code), true).Status(http.StatusConflict).Body().
			Contains(msgAreaCodeTaken).Contains(`id="area-form"`)
	}
	// ... but another organisation may use it
	eo, otherToken := signIn(t, other.Boss.Email)
	if after := areasSnapshot(t, f.Org.ID); after != before {
		t.Fatalf("refused forms changed the areas:\n%s\n---\n%s", before, after)
	}
	if areasSnapshot(t, other.Org.ID) != otherBefore {
		t.Fatal("the other organisation's areas changed")
	}
	postFields(eo, "/areas", otherToken, map[string]string{"name": "Desarrollo", "code": "DEV-001", "color": "#222222"}, false).
		Status(http.StatusSeeOther)

	// editing
	id := row.ID
	e.GET("/areas/" + id + "/edit").Expect().Status(http.StatusOK).Body().Contains("Editar área").
		Contains(`name="version" value="1"`).Contains(`value="#7c3aed"`).Contains("Archivar área")
	edit := areaFields(t, id, map[string]string{"name": "Ingeniería", "status": "active", "parent": ""})
	postFields(e, "/areas/"+id, token, edit, false).Status(http.StatusSeeOther).Header("Location").IsEqual("/areas?hecho=guardada")
	var name, version string
	tdb.Get(t, &name, `SELECT name || '/' || status || '/' || coalesce(parent_id::text, '-') FROM areas WHERE id = $1`, id)
	if version = areaVersion(t, id); name != "Ingeniería/active/-" || version != "2" {
		t.Fatalf("after the edit: %s version %s", name, version)
	}
	// two people edit the same area: the second save, made on the version
	// both forms carried, is refused and overwrites nothing
	boss2 := tdb.Member(t, f.Org, "Segunda Jefa Rho", "corporativo")
	e2, token2 := signIn(t, boss2.Email)
	form2 := e2.GET("/areas/" + id + "/edit").Expect().Status(http.StatusOK).Body().Raw()
	if !strings.Contains(form2, `name="version" value="2"`) {
		t.Fatal("the second person's form does not carry version 2")
	}
	postFields(e, "/areas/"+id, token, areaFields(t, id, map[string]string{"description": "Primera en guardar"}), false).
		Status(http.StatusSeeOther)
	postFields(e2, "/areas/"+id, token2, areaFields(t, id, map[string]string{"description": "Segunda", "version": "2"}), true).
		Status(http.StatusConflict).Body().Contains("Otra persona cambió esto").Contains(`id="area-form"`)
	var desc string
	tdb.Get(t, &desc, `SELECT description || '/' || version FROM areas WHERE id = $1`, id)
	if desc != "Primera en guardar/3" {
		t.Fatalf("after the stale save: %s", desc)
	}
	// the form of version 1 is stale too: 409, nothing overwritten
	stale := areaFields(t, id, map[string]string{"name": "Pisado", "version": "1"})
	postFields(e, "/areas/"+id, token, stale, false).Status(http.StatusConflict).Body().
		Contains("Otra persona cambió esto").Contains("<html")
	postFields(e, "/areas/"+id, token, stale, true).Status(http.StatusConflict).Body().
		Contains("Otra persona cambió esto").Contains(`value="Pisado"`).NotContains("<html")
	delete(stale, "version")
	postFields(e, "/areas/"+id, token, stale, false).Status(http.StatusUnprocessableEntity).Body().Contains("Falta la versión")
	// edits go through the same checks
	postFields(e, "/areas/"+id, token, areaFields(t, id, map[string]string{"code": "VEN"}), false).Status(http.StatusSeeOther)
	before = areasSnapshot(t, f.Org.ID)
	postFields(e, "/areas/"+f.AreaA, token, areaFields(t, f.AreaA, map[string]string{"code": "ven"}), true).
		Status(http.StatusConflict).Body().Contains(msgAreaCodeTaken)
	postFields(e, "/areas/"+f.AreaA, token, areaFields(t, f.AreaA, map[string]string{"color": "red"}), true).
		Status(http.StatusUnprocessableEntity).Body().Contains("formato #rrggbb")
	postFields(e, "/areas/"+f.AreaA, token, areaFields(t, f.AreaA, map[string]string{"manager": gone.ID}), false).
		Status(http.StatusUnprocessableEntity).Body().Contains(msgAreaManager)
	if areasSnapshot(t, f.Org.ID) != before {
		t.Fatal("refused edits changed the areas")
	}
	e.GET("/areas/" + archived + "/edit").Expect().Status(http.StatusConflict).Body().Contains("restáurala para editarla")
	postFields(e, "/areas/"+archived, token, areaFields(t, archived, nil), false).Status(http.StatusConflict)
}

// TestAreaParentsCannotFormACycle: through the forms and as rumbo_app
// directly (any other write path), an area cannot hang from itself or from
// one of its sub-areas.
func TestAreaParentsCannotFormACycle(t *testing.T) {
	f := newOrgFixture(t, "Ciclo")
	a := insertArea(t, f.Org, areaSpec{Name: "A Ciclo"})
	b := insertArea(t, f.Org, areaSpec{Name: "B Ciclo", Parent: a})
	c := insertArea(t, f.Org, areaSpec{Name: "C Ciclo", Parent: b})
	e, token := signIn(t, f.Boss.Email)
	before := areasSnapshot(t, f.Org.ID)
	for _, tc := range []struct{ id, parent string }{{a, a}, {a, b}, {a, c}, {b, c}} {
		for _, hx := range []bool{false, true} {
			postFields(e, "/areas/"+tc.id, token, areaFields(t, tc.id, map[string]string{"parent": tc.parent}), hx).
				Status(http.StatusUnprocessableEntity).Body().Contains(msgAreaCycle)
		}
	}
	if areasSnapshot(t, f.Org.ID) != before {
		t.Fatal("a refused move changed the areas")
	}
	// the edit form does not offer the area itself or its sub-areas
	form := e.GET("/areas/" + a + "/edit").Expect().Status(http.StatusOK).Body().Raw()
	for _, id := range []string{b, c} {
		if strings.Contains(form, `<option value="`+id+`"`) {
			t.Errorf("the parent picker offers sub-area %s", id)
		}
	}
	if !strings.Contains(form, `<option value="`+f.AreaA+`"`) {
		t.Error("the parent picker lacks an unrelated area")
	}
	// the rule is the database's: other write paths meet it too
	for _, tc := range []struct{ id, parent, code string }{{a, c, "23514"}, {b, b, "23514"}} {
		err := areaAppExec(t, f.Boss, `UPDATE areas SET parent_id = $2 WHERE id = $1`, tc.id, tc.parent)
		if pqErr := (*pq.Error)(nil); !errors.As(err, &pqErr) || string(pqErr.Code) != tc.code {
			t.Errorf("moving %s under %s as rumbo_app: %v, want SQLSTATE %s", tc.id, tc.parent, err, tc.code)
		}
	}
	// a legal move still works, and the tree follows
	postFields(e, "/areas/"+c, token, areaFields(t, c, map[string]string{"parent": a}), false).Status(http.StatusSeeOther)
	_, parent := areaTreeShape(t, htmx(e.GET("/fragments/areas/tree")).Expect().Body().Raw())
	if parent[c] != a || parent[b] != a {
		t.Fatalf("after moving C under A the tree says %v", parent)
	}
}

// areaTestSession stores a session for u and returns its token hash, for
// tests that run statements through the server's pool as rumbo_app.
func areaTestSession(t *testing.T, u testpg.User) []byte {
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

// areaAppExec runs one statement as rumbo_app in u's request context.
func areaAppExec(t *testing.T, u testpg.User, query string, args ...any) error {
	t.Helper()
	return srv.pool.Request(context.Background(), areaTestSession(t, u), false,
		func(ctx context.Context, tx *sqlx.Tx, _ *rls.Session) error {
			_, err := tx.ExecContext(ctx, query, args...)
			return err
		})
}

// raceAreas runs first in a request transaction and keeps it open until
// second (another transaction, started after first's statement) waits on
// a lock first holds, then commits first. It returns both errors and
// whether second was seen waiting.
func raceAreas(t *testing.T, u testpg.User, first, second func(ctx context.Context, tx *sqlx.Tx, orgID string) error) (err1, err2 error, blocked bool) {
	t.Helper()
	h1, h2 := areaTestSession(t, u), areaTestSession(t, u)
	done := make(chan error, 1)
	started := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		err1 = srv.pool.Request(context.Background(), h1, false, func(ctx context.Context, tx *sqlx.Tx, s *rls.Session) error {
			if err := first(ctx, tx, s.OrgID); err != nil {
				close(started)
				return err
			}
			var pid int
			if err := tx.GetContext(ctx, &pid, `SELECT pg_backend_pid()`); err != nil {
				close(started)
				return err
			}
			close(started)
			deadline := time.Now().Add(5 * time.Second)
			for time.Now().Before(deadline) && len(done) == 0 {
				tdb.Get(t, &blocked, `SELECT EXISTS (SELECT 1 FROM pg_locks AS w
					WHERE NOT w.granted AND $1 = ANY (pg_blocking_pids(w.pid)))`, pid)
				if blocked {
					return nil
				}
				time.Sleep(2 * time.Millisecond)
			}
			return nil
		})
	}()
	<-started
	done <- srv.pool.Request(context.Background(), h2, false, func(ctx context.Context, tx *sqlx.Tx, s *rls.Session) error {
		return second(ctx, tx, s.OrgID)
	})
	wg.Wait()
	return err1, <-done, blocked
}

// TestConcurrentMovesCannotCloseALoop: A under B and B under A, at the same
// moment. Each alone is fine; together they would make a loop. The second
// waits for the first (the trigger locks the organisation's row), then
// sees its commit and fails. Without the lock both would commit.
func TestConcurrentMovesCannotCloseALoop(t *testing.T) {
	f := newOrgFixture(t, "Carrera Áreas")
	move := func(id, parent string) func(ctx context.Context, tx *sqlx.Tx, orgID string) error {
		return func(ctx context.Context, tx *sqlx.Tx, orgID string) error {
			var a struct {
				Name, Status, Color string
				Version             int
			}
			if err := tx.GetContext(ctx, &a, `SELECT name, status, color, version FROM areas WHERE id = $1`, id); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, srv.q.AreaUpdate, orgID, id, a.Version, a.Name, nil, "", parent, nil, a.Status, a.Color)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errors.New("area not updated")
			}
			return nil
		}
	}
	err1, err2, blocked := raceAreas(t, f.Boss, move(f.AreaA, f.AreaB), move(f.AreaB, f.AreaA))
	if err1 != nil {
		t.Fatalf("first move: %v", err1)
	}
	if !blocked {
		t.Error("the second move never waited for the first: nothing serialises them")
	}
	var pqErr *pq.Error
	if !errors.As(err2, &pqErr) || pqErr.Code != "23514" || pqErr.Constraint != "areas_tree_no_cycle" {
		t.Fatalf("second move: %v, want the loop refused (23514 areas_tree_no_cycle)", err2)
	}
	var parents string
	tdb.Get(t, &parents, `SELECT string_agg(coalesce(parent_id::text, '-'), ',' ORDER BY id = $2) FROM areas
		WHERE org_id = $1 AND id IN ($2, $3)`, f.Org.ID, f.AreaA, f.AreaB)
	if parents != "-,"+f.AreaB {
		t.Fatalf("parents (B, A) = %s, want B at the top and A under B", parents)
	}

	// The same race through HTTP: one answer is 303, the other 422.
	tdb.Exec(t, `UPDATE areas SET parent_id = NULL WHERE id IN ($1, $2)`, f.AreaA, f.AreaB)
	e1, t1 := signIn(t, f.Boss.Email)
	e2, t2 := signIn(t, f.Boss.Email)
	fa := areaFields(t, f.AreaA, map[string]string{"parent": f.AreaB})
	fb := areaFields(t, f.AreaB, map[string]string{"parent": f.AreaA})
	codes := make(chan int, 2)
	var wg sync.WaitGroup
	for _, p := range []struct {
		e      *httpexpect.Expect
		token  string
		id     string
		fields map[string]string
	}{{e1, t1, f.AreaA, fa}, {e2, t2, f.AreaB, fb}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- postFields(p.e, "/areas/"+p.id, p.token, p.fields, false).Raw().StatusCode
		}()
	}
	wg.Wait()
	close(codes)
	var got []int
	for c := range codes {
		got = append(got, c)
	}
	slices.Sort(got)
	if !slices.Equal(got, []int{http.StatusSeeOther, http.StatusUnprocessableEntity}) {
		t.Fatalf("concurrent moves answered %v, want one 303 and one 422", got)
	}
}

// TestArchiveAndRestoreAreas: archiving takes the live sub-areas along,
// restoring brings back exactly those, an area cannot come back under an
// archived parent, and a sub-area hung from an area being archived at the
// same moment is refused.
func TestArchiveAndRestoreAreas(t *testing.T) {
	f := newOrgFixture(t, "Archivo")
	root := insertArea(t, f.Org, areaSpec{Name: "Raíz Archivo"})
	kid := insertArea(t, f.Org, areaSpec{Name: "Hija Archivo", Parent: root})
	grandkid := insertArea(t, f.Org, areaSpec{Name: "Nieta Archivo", Parent: kid})
	early := insertArea(t, f.Org, areaSpec{Name: "Archivada antes", Parent: root})
	e, token := signIn(t, f.Boss.Email)
	postFields(e, "/areas/"+early+"/archive", token, nil, false).Status(http.StatusSeeOther).
		Header("Location").IsEqual("/areas?hecho=archivada")

	e.GET("/areas/" + root + "/edit").Expect().Status(http.StatusOK).Body().Contains("sus 2 subáreas")
	r := postFields(e, "/areas/"+root+"/archive", token, nil, true).Status(http.StatusOK)
	r.Header("HX-Redirect").IsEqual("/areas?hecho=archivadas")
	r.Header("HX-Trigger").IsEqual("areas-changed")
	var stamps []string
	tdb.Select(t, &stamps, `SELECT DISTINCT archived_at::text FROM areas WHERE id IN ($1, $2, $3)`, root, kid, grandkid)
	if len(stamps) != 1 || stamps[0] == "" {
		t.Fatalf("the subtree was archived with %v, want one timestamp", stamps)
	}
	page := get(e, "/areas?hecho=archivadas").Expect().Status(http.StatusOK).Body()
	page.Contains("junto con sus subáreas").Contains("Áreas archivadas (4)")
	order, _ := areaTreeShape(t, htmx(e.GET("/fragments/areas/tree")).Expect().Body().Raw())
	if !slices.Equal(order, []string{f.AreaB, f.AreaA}) { // Tecnología, Ventas
		t.Fatalf("the tree still shows archived areas: %v", order)
	}
	if got := stats(page.Raw())["total"]; got != "2" {
		t.Fatalf("total %s after archiving, want 2", got)
	}

	before := areasSnapshot(t, f.Org.ID)
	postFields(e, "/areas/"+root+"/archive", token, nil, false).Status(http.StatusConflict).Body().Contains("ya está archivada")
	postFields(e, "/areas/"+f.AreaA+"/restore", token, nil, false).Status(http.StatusConflict).Body().Contains("no está archivada")
	postFields(e, "/areas/"+kid+"/restore", token, nil, true).Status(http.StatusConflict).
		Header("HX-Retarget").IsEqual("#flash")
	postFields(e, "/areas/"+kid+"/restore", token, nil, false).Status(http.StatusConflict).Body().
		Contains("Primero restaura «Raíz Archivo»")
	// as rumbo_app directly: a live area under an archived one is refused
	err := areaAppExec(t, f.Boss, `INSERT INTO areas (name, parent_id) VALUES ('Colada', $1)`, root)
	if pqErr := (*pq.Error)(nil); !errors.As(err, &pqErr) || pqErr.Constraint != "areas_tree_live_parent" {
		t.Fatalf("a new area under an archived one: %v, want areas_tree_live_parent", err)
	}
	if areasSnapshot(t, f.Org.ID) != before {
		t.Fatal("refused archive and restore requests changed the areas")
	}

	postFields(e, "/areas/"+root+"/restore", token, nil, false).Status(http.StatusSeeOther).
		Header("Location").IsEqual("/areas?hecho=restaurada")
	var live []string
	tdb.Select(t, &live, `SELECT name FROM areas WHERE org_id = $1 AND archived_at IS NULL ORDER BY name`, f.Org.ID)
	if want := []string{"Hija Archivo", "Nieta Archivo", "Raíz Archivo", "Tecnología Archivo", "Ventas Archivo"}; !slices.Equal(live, want) {
		t.Fatalf("live after restoring: %v, want %v (the area archived before stays archived)", live, want)
	}
	_, parent := areaTreeShape(t, htmx(e.GET("/fragments/areas/tree")).Expect().Body().Raw())
	if parent[grandkid] != kid || parent[kid] != root {
		t.Fatalf("the restored subtree is not nested: %v", parent)
	}
	postFields(e, "/areas/"+early+"/restore", token, nil, false).Status(http.StatusSeeOther)

	// archiving while another request hangs a sub-area from the same area:
	// the second waits for the first and is refused.
	archive := func(ctx context.Context, tx *sqlx.Tx, orgID string) error {
		var n int
		return tx.GetContext(ctx, &n, srv.q.AreaArchive, orgID, f.AreaA)
	}
	hang := func(ctx context.Context, tx *sqlx.Tx, orgID string) error {
		_, err := tx.ExecContext(ctx, srv.q.AreaCreate, "Colgada", nil, "", f.AreaA, nil, "active", "#000000")
		return err
	}
	err1, err2, blocked := raceAreas(t, f.Boss, archive, hang)
	var pqErr *pq.Error
	if err1 != nil || !blocked || !errors.As(err2, &pqErr) || pqErr.Constraint != "areas_tree_live_parent" {
		t.Fatalf("archive vs new sub-area: first %v, blocked %v, second %v; want the sub-area refused", err1, blocked, err2)
	}
	var hung int
	tdb.Get(t, &hung, `SELECT count(*) FROM areas WHERE org_id = $1 AND name = 'Colgada'`, f.Org.ID)
	if hung != 0 {
		t.Fatal("the refused sub-area was written")
	}
}

// TestAreaPermissions: everyone reads the page; only a corporativo
// creates, edits, archives and restores.
func TestAreaPermissions(t *testing.T) {
	f := newOrgFixture(t, "Permisos Áreas")
	archived := insertArea(t, f.Org, areaSpec{Name: "Archivada Permisos", Archived: true})
	before := areasSnapshot(t, f.Org.ID)
	for _, u := range []testpg.User{f.Manager, f.Emp} {
		e, token := signIn(t, u.Email)
		e.GET("/areas").Expect().Status(http.StatusOK).Body().Contains("Ventas Permisos Áreas").NotContains("Nueva área")
		htmx(e.GET("/fragments/areas/tree")).Expect().Status(http.StatusOK).Body().NotContains("/edit")
		htmx(e.GET("/fragments/areas/stats")).Expect().Status(http.StatusOK)
		e.GET("/areas/new").Expect().Status(http.StatusForbidden).Body().Contains("Solo un corporativo puede gestionar las áreas")
		e.GET("/areas/" + f.AreaA + "/edit").Expect().Status(http.StatusForbidden)
		postFields(e, "/areas", token, map[string]string{"name": "Intrusa", "color": "#000000"}, false).Status(http.StatusForbidden)
		postFields(e, "/areas/"+f.AreaA, token, areaFields(t, f.AreaA, map[string]string{"name": "Renombrada"}), false).
			Status(http.StatusForbidden)
		postFields(e, "/areas/"+f.AreaA, token, areaFields(t, f.AreaA, map[string]string{"name": "Renombrada"}), true).
			Status(http.StatusForbidden).Header("HX-Retarget").IsEqual("#flash")
		postFields(e, "/areas/"+f.AreaB+"/archive", token, nil, false).Status(http.StatusForbidden)
		postFields(e, "/areas/"+archived+"/restore", token, nil, false).Status(http.StatusForbidden)
	}
	if areasSnapshot(t, f.Org.ID) != before {
		t.Fatal("refused requests changed the areas")
	}
	e, token := signIn(t, f.Boss.Email)
	e.GET("/areas/new").Expect().Status(http.StatusOK)
	e.GET("/areas/" + f.AreaA + "/edit").Expect().Status(http.StatusOK)
	postFields(e, "/areas/"+f.AreaB+"/archive", token, nil, false).Status(http.StatusSeeOther)
	postFields(e, "/areas/"+archived+"/restore", token, nil, false).Status(http.StatusSeeOther)
}

// TestAreasIsolation: another organisation's areas are never shown, and
// their ids answer 404 on every route, GET and POST, changing nothing; the
// member's own areas are shown and editable (the positive control).
func TestAreasIsolation(t *testing.T) {
	a, b := newOrgFixture(t, "Alfa Áreas"), newOrgFixture(t, "Beta Áreas")
	bArchived := insertArea(t, b.Org, areaSpec{Name: "Archivada Beta Áreas", Archived: true})
	aArchived := insertArea(t, a.Org, areaSpec{Name: "Archivada Alfa Áreas", Archived: true})
	for _, pair := range [][2]orgFixture{{a, b}, {b, a}} {
		own, foreign := pair[0], pair[1]
		e, token := signIn(t, own.Boss.Email)
		page := e.GET("/areas").Expect().Status(http.StatusOK).Body().Raw()
		tree := htmx(e.GET("/fragments/areas/tree")).Expect().Status(http.StatusOK).Body().Raw()
		for _, body := range []string{page, tree} {
			for _, id := range []string{own.AreaA, own.AreaB} {
				if !strings.Contains(body, `data-id="`+id+`"`) {
					t.Errorf("as %s: own area %s missing", own.Tag, id)
				}
			}
			if strings.Contains(body, foreign.Tag) || strings.Contains(body, foreign.AreaA) || strings.Contains(body, foreign.AreaB) {
				t.Errorf("as %s: shows %s's areas", own.Tag, foreign.Tag)
			}
		}
		if got := stats(page)["total"]; got != "2" {
			t.Errorf("as %s: total %s, want 2", own.Tag, got)
		}
		foreignArchived := bArchived
		if foreign.Tag == a.Tag {
			foreignArchived = aArchived
		}
		foreignBefore := areasSnapshot(t, foreign.Org.ID)
		for _, id := range []string{foreign.AreaA, foreignArchived} {
			e.GET("/areas/" + id + "/edit").Expect().Status(http.StatusNotFound)
			postFields(e, "/areas/"+id, token, areaFields(t, id, map[string]string{"name": "Tomada"}), false).Status(http.StatusNotFound)
			postFields(e, "/areas/"+id, token, map[string]string{}, true).Status(http.StatusNotFound)
			postFields(e, "/areas/"+id+"/archive", token, nil, false).Status(http.StatusNotFound)
			postFields(e, "/areas/"+id+"/restore", token, nil, false).Status(http.StatusNotFound)
		}
		for _, id := range []string{"not-a-uuid", "00000000-0000-0000-0000-000000000000", strings.Repeat("a", 36)} {
			e.GET("/areas/" + id + "/edit").Expect().Status(http.StatusNotFound)
			postFields(e, "/areas/"+id+"/archive", token, nil, false).Status(http.StatusNotFound)
		}
		if areasSnapshot(t, foreign.Org.ID) != foreignBefore {
			t.Fatalf("as %s: %s's areas changed", own.Tag, foreign.Tag)
		}
		// positive control: the same requests on the member's own area work
		e.GET("/areas/" + own.AreaA + "/edit").Expect().Status(http.StatusOK).Body().Contains(html.EscapeString("Ventas " + own.Tag))
		postFields(e, "/areas/"+own.AreaA, token, areaFields(t, own.AreaA, map[string]string{"description": "Propia"}), false).
			Status(http.StatusSeeOther)
	}
}

// TestAreaAndPeriodFragmentsAnswerConditionalRequests: the areas and
// periods fragments answer 304 while nothing changed, and 200 after a write
// in the organisation.
func TestAreaAndPeriodFragmentsAnswerConditionalRequests(t *testing.T) {
	f := newOrgFixture(t, "Etiqueta")
	e, token := signIn(t, f.Boss.Email)
	for i, path := range []string{"/fragments/areas/stats", "/fragments/areas/tree", "/fragments/periods/table"} {
		tag := htmx(e.GET(path)).Expect().Status(http.StatusOK).Header("ETag").NotEmpty().Raw()
		htmx(e.GET(path)).WithHeader("If-None-Match", tag).Expect().Status(http.StatusNotModified).Body().IsEmpty()
		n := strconv.Itoa(i)
		postFields(e, "/areas", token, map[string]string{"name": "Nueva " + n, "color": "#123456"}, false).Status(http.StatusSeeOther)
		postFields(e, "/settings/periods", token, map[string]string{"name": "P" + n, "start_date": "2027-01-01",
			"end_date": "2027-01-31"}, false).Status(http.StatusSeeOther)
		r := htmx(e.GET(path)).WithHeader("If-None-Match", tag).Expect().Status(http.StatusOK)
		r.Header("ETag").NotEqual(tag)
	}
	// a refused request is never cached
	emp, _ := signIn(t, f.Emp.Email)
	htmx(emp.GET("/fragments/periods/table")).Expect().Status(http.StatusForbidden).Header("ETag").IsEmpty()
}
