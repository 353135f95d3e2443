package handlers

import (
	"testing"

	"github.com/valyala/fasthttp"
)

func BenchmarkTableFragment(b *testing.B) {
	org := tdb.NewOrg(b, "Bench")
	u := tdb.Member(b, org, "Bench User", "corporativo")
	tdb.Exec(b, `INSERT INTO objectives (org_id, title, status, start_date, end_date, owner_id)
		SELECT $1, 'Objetivo ' || g, 'in_progress', current_date, current_date + g % 30, $2 FROM generate_series(1, 200) g`, org.ID, u.ID)
	e, _ := signIn(&testing.T{}, u.Email)
	cookie := e.GET("/objectives").Expect().Raw().Request.Header.Get("Cookie")
	h := testApp.Handler()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var ctx fasthttp.RequestCtx
		ctx.Request.SetRequestURI("/fragments/objectives/table")
		ctx.Request.Header.Set("Cookie", cookie)
		ctx.Request.Header.Set("HX-Request", "true")
		h(&ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatal(ctx.Response.StatusCode())
		}
	}
}
