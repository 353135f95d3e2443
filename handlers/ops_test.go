package handlers

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"rumbo/internal/database"
	"rumbo/internal/rls"
	"rumbo/internal/testpg"
	"rumbo/queries"
)

func TestHealthReadinessAndMetrics(t *testing.T) {
	e := client(t)
	e.GET("/healthz").Expect().Status(http.StatusOK).Body().IsEqual("ok")
	e.GET("/readyz").Expect().Status(http.StatusOK).Body().IsEqual("ready")
	e.GET("/static/app.css").Expect().Status(http.StatusOK).Header("Cache-Control").Contains("max-age")
	e.GET("/static/htmx-2.0.11.min.js").Expect().Status(http.StatusOK).Body().Contains(`version:"2.0.11"`)
	m := e.GET("/metrics").Expect().Status(http.StatusOK).Body()
	m.Contains(`rumbo_http_requests_total{route="/healthz",method="GET",code="200"}`).
		Contains(`rumbo_http_request_duration_seconds_bucket{route="/readyz",le="+Inf"}`).
		Contains("rumbo_db_connections_open").Contains("process_resident_memory_bytes")
	// route patterns, never raw paths, become labels
	e.GET("/objectives/00000000-0000-0000-0000-000000000001").Expect()
	e.GET("/metrics").Expect().Body().NotContains("00000000-0000-0000-0000-000000000001")
}

func TestReadinessNoticesAnOldSchema(t *testing.T) {
	ahead, err := newTestServer(srv.pool)
	if err != nil {
		t.Fatal(err)
	}
	ahead.opts.SchemaVersion++
	clientFor(t, ahead.App(), "http://rumbo.test").GET("/readyz").Expect().
		Status(http.StatusServiceUnavailable).Body().Contains("expects")
}

// TestDatabaseDownShowsRetryStates: with the database unreachable, a
// fragment answers with its error state and a "Reintentar" button for the
// same URL (never a blank card or a raw error), a page with an error page,
// and /readyz with 503; /healthz still answers.
func TestDatabaseDownShowsRetryStates(t *testing.T) {
	dead, err := database.OpenLogin("host=/nonexistent-rumbo-socket port=1 dbname=x sslmode=disable", testpg.Secret, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	down, err := newTestServer(rls.NewPool(dead, queries.MustLoad(), time.Second))
	if err != nil {
		t.Fatal(err)
	}
	e := clientFor(t, down.App(), "http://rumbo.test")
	cookie := func() string { return "ignored-because-the-database-is-down" }
	frag := htmx(e.GET("/fragments/objectives/table").WithQuery("status", "draft").WithCookie(sessionCookie, cookie())).
		Expect().Status(http.StatusServiceUnavailable).Body()
	frag.Contains("Error cargando datos").Contains("Reintentar").
		Contains(`hx-get="/fragments/objectives/table?status=draft"`).NotContains("<html").NotContains("pq:")
	page := e.GET("/objectives").WithCookie(sessionCookie, cookie()).Expect().Status(http.StatusServiceUnavailable).Body()
	page.Contains("<html").Contains("No se pudo conectar con la base de datos").NotContains("dial")
	e.GET("/readyz").Expect().Status(http.StatusServiceUnavailable)
	e.GET("/healthz").Expect().Status(http.StatusOK)
}

// TestNoGetRouteChangesState requests every registered GET route as a
// signed-in member and checks that no table's content changed (besides the
// session's own idle clock, refreshed in its own transaction).
func TestNoGetRouteChangesState(t *testing.T) {
	f := newOrgFixture(t, "Lambda")
	e, _ := signIn(t, f.Boss.Email)
	id := f.Objectives["Vender más Lambda"]
	before := digest(t)
	var routes []string
	for _, r := range testApp.GetRoutes(true) {
		if r.Method != http.MethodGet || r.Path == "/" && r.Method == "USE" {
			continue
		}
		path := strings.ReplaceAll(r.Path, ":id", id)
		if strings.Contains(path, "*") || strings.HasPrefix(path, "/static") {
			continue
		}
		routes = append(routes, path)
		code := e.GET(path).Expect().Raw().StatusCode
		if code >= 500 {
			t.Errorf("GET %s: %d", path, code)
		}
	}
	if len(routes) < 8 {
		t.Fatalf("only %d GET routes found: %v", len(routes), routes)
	}
	if after := digest(t); after != before {
		t.Fatalf("GET routes %v changed the database", routes)
	}
	// and every POST route is guarded by the CSRF check
	for _, r := range testApp.GetRoutes(true) {
		if r.Method == http.MethodPost {
			client(t).POST(strings.ReplaceAll(r.Path, ":id", id)).Expect().Status(http.StatusForbidden)
		}
	}
}

var volatileColumns = regexp.MustCompile(`"(last_seen_at|last_active_at)":"[^"]*"`)

// digest fingerprints every table of the rumbo schema except the idle
// clocks.
func digest(t *testing.T) string {
	t.Helper()
	var tables []string
	tdb.Select(t, &tables, `SELECT relname FROM pg_class WHERE relnamespace = 'rumbo'::regnamespace AND relkind = 'r'
		AND relname NOT LIKE 'goose%' ORDER BY relname`)
	var b strings.Builder
	for _, table := range tables {
		var rows []string
		tdb.Select(t, &rows, `SELECT row_to_json(x)::text FROM `+table+` AS x ORDER BY 1`)
		for _, r := range rows {
			b.WriteString(volatileColumns.ReplaceAllString(r, ""))
		}
	}
	return b.String()
}
