package handlers

import (
	"crypto/sha256"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"rumbo/internal/testpg"
)

// orgItems are one item of every kind a route addresses by :id.
type orgItems map[string]string // kind → id

// newOrgItems gives the fixture organisation one item of every kind.
func newOrgItems(t *testing.T, f orgFixture) orgItems {
	t.Helper()
	items := orgItems{"objective": f.Objectives["Vender más "+f.Tag], "member": f.Emp.ID, "area": f.AreaA}
	items["key_result"] = tdb.NewKeyResult(t, f.Org, items["objective"], testpg.KeyResult{Title: "KR " + f.Tag, Target: 10})
	get := func(kind, query string, args ...any) {
		var id string
		tdb.Get(t, &id, query, args...)
		items[kind] = id
	}
	get("initiative", `INSERT INTO initiatives (org_id, objective_id, title, start_date, end_date)
		VALUES ($1, $2, 'Iniciativa', current_date, current_date + 30) RETURNING id`, f.Org.ID, items["objective"])
	get("activity", `INSERT INTO activities (org_id, initiative_id, title, due_date)
		VALUES ($1, $2, 'Actividad', current_date + 3) RETURNING id`, f.Org.ID, items["initiative"])
	get("comment", `INSERT INTO comments (org_id, objective_id, author_id, body)
		VALUES ($1, $2, $3, 'Comentario') RETURNING id`, f.Org.ID, items["objective"], f.Boss.ID)
	get("period", `INSERT INTO periods (org_id, name, start_date, end_date)
		VALUES ($1, 'Periodo '||$2, '2026-01-01', '2026-03-31') RETURNING id`, f.Org.ID, f.Tag)
	hash := sha256.Sum256([]byte("invitation " + f.Tag))
	get("invitation", `INSERT INTO invitations (org_id, email, token_hash, invited_by, expires_at)
		VALUES ($1, lower($2)||'@example.test', $3, $4, now() + interval '7 days') RETURNING id`,
		f.Org.ID, f.Tag, hash[:], f.Boss.ID)
	items["insight"] = "pace-" + items["objective"] // insight keys are <kind>-<item id>
	return items
}

// routeKinds say which kind of item a route's :id names, by its prefix.
// A new route with an :id fails TestEveryIDRouteIsIsolated until it is
// listed here, so no route escapes the probe.
var routeKinds = []struct{ prefix, kind string }{
	{"/objectives/", "objective"},
	{"/key-results/", "key_result"},
	{"/initiatives/", "initiative"},
	{"/activities/", "activity"},
	{"/fragments/activities/", "activity"},
	{"/areas/", "area"},
	{"/comments/", "comment"},
	{"/settings/members/", "member"},
	{"/settings/invitations/", "invitation"},
	{"/settings/periods/", "period"},
	{"/insights/", "insight"},
}

// tokenRoutes carry a secret token, not an organisation's id: they are
// global by design and tested by their own tests (invitations, reset).
var tokenRoute = regexp.MustCompile(`/:token(/|$)`)

// orgFingerprint hashes every row of every table that has an org_id, for
// one organisation: equal before and after means nothing was written.
func orgFingerprint(t *testing.T, orgID string) map[string]string {
	t.Helper()
	var tables []string
	tdb.Select(t, &tables, `SELECT table_name FROM information_schema.columns
		WHERE table_schema = 'rumbo' AND column_name = 'org_id' ORDER BY table_name`)
	out := map[string]string{}
	for _, table := range tables {
		var sum string
		tdb.Get(t, &sum, `SELECT coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '') FROM rumbo.`+table+
			` AS x WHERE org_id = $1`, orgID)
		out[table] = sum
	}
	return out
}

// TestEveryIDRouteIsIsolated probes every registered route with an :id,
// GET and POST, with another organisation's item of the right kind: each
// answers 404 and the other organisation's data stays exactly as it was.
// GETs with the member's own item answer something else than 404, so the
// probe is known to use the right kind of id.
func TestEveryIDRouteIsIsolated(t *testing.T) {
	own, other := newOrgFixture(t, "Ypsilon"), newOrgFixture(t, "Omega")
	mine, theirs := newOrgItems(t, own), newOrgItems(t, other)
	e, token := signIn(t, own.Boss.Email) // corporativo: no 403 can hide a leak
	before := orgFingerprint(t, other.Org.ID)
	probed := 0
	for _, route := range testApp.GetRoutes(true) {
		if !strings.Contains(route.Path, ":") || tokenRoute.MatchString(route.Path) {
			continue
		}
		if route.Method != http.MethodGet && route.Method != http.MethodPost {
			continue
		}
		kind := ""
		for _, rk := range routeKinds {
			if strings.HasPrefix(route.Path, rk.prefix) {
				kind = rk.kind
				break
			}
		}
		if kind == "" || !strings.Contains(route.Path, ":id") {
			t.Errorf("%s %s: unknown id route; add it to routeKinds", route.Method, route.Path)
			continue
		}
		foreign := strings.Replace(route.Path, ":id", theirs[kind], 1)
		switch route.Method {
		case http.MethodGet:
			e.GET(foreign).Expect().Status(http.StatusNotFound)
			htmx(e.GET(foreign)).Expect().Status(http.StatusNotFound)
			ownPath := strings.Replace(route.Path, ":id", mine[kind], 1)
			if status := e.GET(ownPath).Expect().Raw().StatusCode; status == http.StatusNotFound {
				t.Errorf("GET %s: 404 for the member's own %s, so the probe proves nothing", route.Path, kind)
			}
		case http.MethodPost:
			// plausible fields, so a handler that validates before it looks
			// the item up cannot answer 422 instead
			e.POST(foreign).WithFormField("_csrf", token).WithFormField("title", "Intruso").
				WithFormField("body", "Intruso").WithFormField("version", "1").WithFormField("value", "1").
				WithFormField("status", "completed").WithFormField("assignee", own.Boss.ID).
				Expect().Status(http.StatusNotFound)
		}
		probed++
	}
	if probed < 40 {
		t.Fatalf("only %d id routes probed", probed)
	}
	after := orgFingerprint(t, other.Org.ID)
	for table, sum := range before {
		if after[table] != sum {
			t.Errorf("the other organisation's %s changed", table)
		}
	}
}
