package handlers

import (
	"net/http"
	"testing"
)

func TestFragmentsAnswerConditionalRequests(t *testing.T) {
	f := newOrgFixture(t, "Chi")
	other := newOrgFixture(t, "Psi")
	boss, token := signIn(t, f.Boss.Email)
	for _, path := range []string{"/fragments/objectives/stats", "/fragments/objectives/table", "/fragments/initiatives/stats",
		"/fragments/initiatives/table", "/fragments/activities/stats", "/fragments/activities/table"} {
		first := htmx(boss.GET(path)).Expect().Status(http.StatusOK)
		tag := first.Header("ETag").NotEmpty().Raw()
		first.Header("Cache-Control").IsEqual("private, no-cache")
		first.Body().NotEmpty()

		// unchanged data: 304 with no body, as often as asked
		for range 2 {
			r := htmx(boss.GET(path)).WithHeader("If-None-Match", tag).Expect().Status(http.StatusNotModified)
			r.Body().IsEmpty()
			r.Header("ETag").IsEqual(tag)
		}
		// a list of tags, one of them current
		htmx(boss.GET(path)).WithHeader("If-None-Match", `W/"old", `+tag).Expect().Status(http.StatusNotModified)
		// without htmx the same URL is another representation
		boss.GET(path).WithHeader("If-None-Match", tag).Expect().Status(http.StatusOK)
		// another member of the organisation has their own copy
		mgr, _ := signIn(t, f.Manager.Email)
		htmx(mgr.GET(path)).WithHeader("If-None-Match", tag).Expect().Status(http.StatusOK)

		// another organisation's write leaves this one's copy current
		stranger, strangerToken := signIn(t, other.Boss.Email)
		postForm(stranger, "/objectives", strangerToken, map[string]string{"title": "Ajeno", "status": "draft",
			"priority": "low", "start_date": "2026-01-01", "end_date": "2026-02-01"}).Expect().Status(http.StatusSeeOther)
		htmx(boss.GET(path)).WithHeader("If-None-Match", tag).Expect().Status(http.StatusNotModified)

		// a write in this organisation changes the tag and the answer
		postForm(boss, "/objectives", token, map[string]string{"title": "Nuevo " + path, "status": "draft",
			"priority": "low", "start_date": "2026-01-01", "end_date": "2026-02-01"}).Expect().Status(http.StatusSeeOther)
		r := htmx(boss.GET(path)).WithHeader("If-None-Match", tag).Expect().Status(http.StatusOK)
		r.Header("ETag").NotEqual(tag)
		newTag := r.Header("ETag").Raw()

		// so does choosing another period (the same URL, another view)
		postForm(boss, "/preferences/period", token, map[string]string{"period": "all"}).Expect()
		htmx(boss.GET(path)).WithHeader("If-None-Match", newTag).Expect().Status(http.StatusOK)
		postForm(boss, "/preferences/period", token, map[string]string{"period": "current"}).Expect()
	}
}

func TestDataVersionCountsOncePerTransaction(t *testing.T) {
	f := newOrgFixture(t, "Digamma")
	boss, token := signIn(t, f.Boss.Email)
	version := func() int64 {
		var v int64
		tdb.Get(t, &v, `SELECT coalesce((SELECT version FROM org_data_versions WHERE org_id = $1), 0)`, f.Org.ID)
		return v
	}
	before := version()
	// archiving an objective writes it, its key results and initiatives: one bump
	id := f.Objectives["Vender más Digamma"]
	boss.POST("/objectives/"+id+"/archive").WithFormField("_csrf", token).Expect().Status(http.StatusSeeOther)
	if got := version(); got != before+1 {
		t.Fatalf("data version went from %d to %d in one request, want +1", before, got)
	}
	// reads and fixture writes without a request context do not bump it
	boss.GET("/objectives").Expect().Status(http.StatusOK)
	tdb.Exec(t, `UPDATE objectives SET title = title || '.' WHERE org_id = $1`, f.Org.ID)
	if got := version(); got != before+1 {
		t.Fatalf("data version moved without a write in context: %d", got)
	}
}
