package handlers

import (
	"net/http"
	"strings"
	"testing"
)

func TestCommentsOnAnObjective(t *testing.T) {
	f := newOrgFixture(t, "Upsilon")
	other := newOrgFixture(t, "Phi")
	id := f.Objectives["Vender más Upsilon"]
	emp, empToken := signIn(t, f.Emp.Email)
	path := "/objectives/" + id + "/comments"

	emp.POST(path).WithFormField("_csrf", empToken).WithFormField("body", "Vamos bien con los distribuidores").
		Expect().Status(http.StatusSeeOther).Header("Location").IsEqual("/objectives/" + id + "#comentarios")
	r := htmx(emp.POST(path)).WithHeader("X-CSRF-Token", empToken).WithFormField("body", "Segundo <b>comentario</b>").
		Expect().Status(http.StatusOK)
	r.Header("HX-Trigger").IsEqual("comments-changed")
	r.Body().Contains("Vamos bien con los distribuidores").Contains("Segundo &lt;b&gt;comentario&lt;/b&gt;").
		Contains("Empleado Upsilon").NotContains("<html")
	page := emp.GET("/objectives/" + id).Expect().Status(http.StatusOK).Body()
	page.Contains("Comentarios").Contains("Vamos bien con los distribuidores").Contains("Historial de cambios")

	// bad input: a clear message, nothing written
	before := countRows(t, "comments", f.Org.ID)
	htmx(emp.POST(path)).WithHeader("X-CSRF-Token", empToken).WithFormField("body", "   ").
		Expect().Status(http.StatusUnprocessableEntity).Body().Contains("Escribe un comentario.")
	emp.POST(path).WithFormField("_csrf", empToken).WithFormField("body", strings.Repeat("x", 5001)).
		Expect().Status(http.StatusUnprocessableEntity).Body().Contains("hasta 5.000")
	// another organisation's objective, or none: 404
	for _, target := range []string{other.Objectives["Vender más Phi"], "00000000-0000-0000-0000-000000000000", "nope"} {
		emp.POST("/objectives/"+target+"/comments").WithFormField("_csrf", empToken).WithFormField("body", "Hola").
			Expect().Status(http.StatusNotFound)
	}
	if n := countRows(t, "comments", f.Org.ID); n != before {
		t.Fatalf("refused comments wrote %d rows", n-before)
	}
	if n := countRows(t, "comments", other.Org.ID); n != 0 {
		t.Fatalf("a comment landed in the other organisation")
	}

	var commentID string
	tdb.Get(t, &commentID, `SELECT id FROM comments WHERE org_id = $1 AND body = 'Vamos bien con los distribuidores'`, f.Org.ID)
	// only the author edits; the author or a corporativo deletes
	mgr, mgrToken := signIn(t, f.Manager.Email)
	mgr.POST("/comments/"+commentID).WithFormField("_csrf", mgrToken).WithFormField("body", "Cambiado").
		Expect().Status(http.StatusForbidden)
	mgr.POST("/comments/"+commentID+"/delete").WithFormField("_csrf", mgrToken).Expect().Status(http.StatusForbidden)
	htmx(emp.POST("/comments/"+commentID)).WithHeader("X-CSRF-Token", empToken).WithFormField("body", "Vamos muy bien").
		Expect().Status(http.StatusOK).Body().Contains("Vamos muy bien").Contains("editado")
	boss, bossToken := signIn(t, f.Boss.Email)
	boss.POST("/comments/"+commentID+"/delete").WithFormField("_csrf", bossToken).Expect().Status(http.StatusSeeOther)
	emp.GET("/objectives/" + id).Expect().Body().NotContains("Vamos muy bien").Contains("Segundo")
	// another organisation's member cannot touch it
	var second string
	tdb.Get(t, &second, `SELECT id FROM comments WHERE org_id = $1`, f.Org.ID)
	stranger, strangerToken := signIn(t, other.Boss.Email)
	stranger.POST("/comments/"+second+"/delete").WithFormField("_csrf", strangerToken).Expect().Status(http.StatusNotFound)
	stranger.POST("/comments/"+second).WithFormField("_csrf", strangerToken).WithFormField("body", "x").
		Expect().Status(http.StatusNotFound)
	if n := countRows(t, "comments", f.Org.ID); n != 1 {
		t.Fatalf("%d comments left, want 1", n)
	}
}
