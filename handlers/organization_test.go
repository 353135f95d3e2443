package handlers

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gavv/httpexpect/v2"
	"github.com/jmoiron/sqlx"

	"rumbo/internal/rls"
)

func orgVersion(t *testing.T, orgID string) string {
	t.Helper()
	var v int
	tdb.Get(t, &v, `SELECT version FROM organizations WHERE id = $1`, orgID)
	return strconv.Itoa(v)
}

func lookVersion(t *testing.T, orgID string) string {
	t.Helper()
	var v int
	tdb.Get(t, &v, `SELECT look_version FROM organizations WHERE id = $1`, orgID)
	return strconv.Itoa(v)
}

func pngImage(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(x * 40), 0x76, uint8(y * 40), 0xff})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegImage(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func uploadLogo(e *httpexpect.Expect, token, name string, data []byte) *httpexpect.Response {
	return uploadLogoWith(e.POST("/settings/organization/logo"), token, name, data)
}

// uploadLogoWith sends the logo form as a browser does (multipart); the
// part's Content-Type is application/octet-stream, so only the content
// can tell what the file is.
func uploadLogoWith(r *httpexpect.Request, token, name string, data []byte) *httpexpect.Response {
	r = r.WithMultipart().WithFile("logo", name, bytes.NewReader(data))
	if token != "" {
		r = r.WithFormField("_csrf", token)
	}
	return r.Expect()
}

// saveSettings posts the general settings form with the organisation's
// current version unless fields override it.
func saveSettings(t *testing.T, e *httpexpect.Expect, token, orgID string, fields map[string]string) *httpexpect.Response {
	t.Helper()
	all := map[string]string{"name": "Ajustes SA", "timezone": "America/Bogota", "currency": "COP", "locale": "es",
		"fiscal_year_start": "1", "version": orgVersion(t, orgID)}
	for k, v := range fields {
		all[k] = v
	}
	r := e.POST("/settings/organization").WithFormField("_csrf", token)
	for k, v := range all {
		r = r.WithFormField(k, v)
	}
	return r.Expect()
}

func TestOrganizationSettingsSave(t *testing.T) {
	f := newOrgFixture(t, "Ajustes")
	e, token := signIn(t, f.Boss.Email)
	page := e.GET("/settings/organization").Expect().Status(http.StatusOK).Body()
	page.Contains("Org Ajustes").Contains(f.Org.Slug).Contains(`value="UTC"`).Contains(`enctype="multipart/form-data"`)
	before := memberState(t, f.Org.ID)
	for _, tc := range []struct {
		name   string
		fields map[string]string
		status int
		msg    string
	}{
		{"no name", map[string]string{"name": "  "}, 422, "Escribe el nombre de la organización."},
		{"long name", map[string]string{"name": strings.Repeat("n", 121)}, 422, "hasta 120 caracteres"},
		{"unknown zone", map[string]string{"timezone": "Mars/Olympus"}, 422, "Esa zona horaria no existe"},
		{"offset, not a zone", map[string]string{"timezone": "UTC+3"}, 422, "Esa zona horaria no existe"},
		{"Go's local zone", map[string]string{"timezone": "Local"}, 422, "Esa zona horaria no existe"},
		{"path", map[string]string{"timezone": "../../etc/passwd"}, 422, "Esa zona horaria no existe"},
		{"unknown currency", map[string]string{"currency": "XYZ"}, 422, "Elige una moneda de la lista."},
		{"unknown language", map[string]string{"locale": "fr"}, 422, "Elige un idioma de la lista"},
		{"month 13", map[string]string{"fiscal_year_start": "13"}, 422, "Elige el mes en que empieza el año fiscal"},
		{"month 0", map[string]string{"fiscal_year_start": "0"}, 422, "Elige el mes en que empieza el año fiscal"},
		{"month name", map[string]string{"fiscal_year_start": "marzo"}, 422, "Elige el mes en que empieza el año fiscal"},
		{"no version", map[string]string{"version": ""}, 422, "El formulario no es válido"},
		{"stale version", map[string]string{"version": "0"}, 409, "Alguien cambió la configuración"},
	} {
		body := saveSettings(t, e, token, f.Org.ID, tc.fields).Status(tc.status).Body()
		body.Contains(html.EscapeString(tc.msg)).Contains(`name="timezone"`)
		if after := memberState(t, f.Org.ID); after != before {
			t.Errorf("%s wrote:\nbefore %s\nafter  %s", tc.name, before, after)
		}
	}
	saveSettings(t, e, token, f.Org.ID, map[string]string{"name": "Ajustes Nuevos", "timezone": "America/Argentina/Buenos_Aires",
		"currency": "ars", "locale": "en", "fiscal_year_start": "7"}).
		Status(http.StatusSeeOther).Header("Location").IsEqual("/settings/organization?hecho=general")
	var o struct {
		Name     string `db:"name"`
		Timezone string `db:"timezone"`
		Currency string `db:"currency"`
		Locale   string `db:"locale"`
		Month    int    `db:"fiscal_year_start"`
	}
	tdb.Get(t, &o, `SELECT name, timezone, currency, locale, fiscal_year_start FROM organizations WHERE id = $1`, f.Org.ID)
	if o.Name != "Ajustes Nuevos" || o.Timezone != "America/Argentina/Buenos_Aires" || o.Currency != "ARS" || o.Locale != "en" || o.Month != 7 {
		t.Fatalf("saved %+v", o)
	}
	saved := e.GET("/settings/organization").WithQuery("hecho", "general").Expect().Status(http.StatusOK).Body()
	saved.Contains("Configuración guardada.").Contains(`<option value="7" selected>Julio</option>`)
	// the new name is what every page's layout shows
	e.GET("/objectives").Expect().Status(http.StatusOK).Body().Contains("Ajustes Nuevos")
}

// TestOrganizationRowIsGuardedInTheDatabase: whatever a handler does, the
// app role can change only the settings columns of its own organisation,
// and no path can store a time zone the server cannot use.
func TestOrganizationRowIsGuardedInTheDatabase(t *testing.T) {
	a, b := newOrgFixture(t, "Guarda A"), newOrgFixture(t, "Guarda B")
	for _, stmt := range []string{
		`UPDATE organizations SET slug = 'robado'`,
		`UPDATE organizations SET look_version = 1`,
		`UPDATE organizations SET id = gen_random_uuid()`,
	} {
		if code := pqCode(rumboAppExec(t, a.Boss, stmt)); code != "42501" {
			t.Errorf("%s as rumbo_app: SQLSTATE %q, want 42501", stmt, code)
		}
	}
	var touched int
	err := srv.pool.Request(context.Background(), directSession(t, a.Boss), false, func(ctx context.Context, tx *sqlx.Tx, _ *rls.Session) error {
		return tx.GetContext(ctx, &touched, `WITH u AS (UPDATE organizations SET name = 'Toda' WHERE id = $1 RETURNING 1) SELECT count(*) FROM u`, b.Org.ID)
	})
	if err != nil || touched != 0 {
		t.Fatalf("A's corporativo updated B's organisation: %d rows, %v", touched, err)
	}
	if code := pqCode(rumboAppExec(t, a.Boss, `UPDATE organizations SET timezone = 'Mars/Olympus'`)); code != "22023" {
		t.Errorf("an unknown time zone through rumbo_app: SQLSTATE %q, want 22023", code)
	}
	if code := pqCode(rumboAppExec(t, a.Boss, `UPDATE organizations SET name = 'Guarda Propia'`)); code != "" {
		t.Errorf("A's own name as rumbo_app: SQLSTATE %q, want success", code)
	}
	var names []string
	tdb.Select(t, &names, `SELECT name FROM organizations WHERE id IN ($1, $2) ORDER BY name`, a.Org.ID, b.Org.ID)
	if strings.Join(names, ",") != "Guarda Propia,Org Guarda B" {
		t.Fatalf("organisation names now %v", names)
	}
}

func TestLogoRoundTrip(t *testing.T) {
	f := newOrgFixture(t, "Logo")
	other := newOrgFixture(t, "Sin Logo")
	e, token := signIn(t, f.Boss.Email)
	e.GET("/org/logo").Expect().Status(http.StatusNotFound)
	before := lookVersion(t, f.Org.ID)

	logo := pngImage(t, 6, 4)
	// named .jpg and sent as octet-stream: the content says PNG
	uploadLogo(e, token, "logo.jpg", logo).Status(http.StatusSeeOther).Header("Location").IsEqual("/settings/organization?hecho=logo")
	v := lookVersion(t, f.Org.ID)
	if v == before {
		t.Fatal("a new logo kept the look version")
	}
	var typ string
	tdb.Get(t, &typ, `SELECT logo_type FROM organizations WHERE id = $1`, f.Org.ID)
	if typ != "image/png" {
		t.Fatalf("stored type %q, want image/png from the content", typ)
	}
	r := e.GET("/org/logo").WithQuery("v", v).Expect().Status(http.StatusOK)
	r.Header("Content-Type").IsEqual("image/png")
	r.Header("Cache-Control").IsEqual("private, max-age=31536000, immutable")
	r.Header("X-Content-Type-Options").IsEqual("nosniff")
	if got := []byte(r.Body().Raw()); !bytes.Equal(got, logo) {
		t.Fatalf("served %d bytes, uploaded %d", len(got), len(logo))
	}
	e.GET("/org/logo").WithQuery("v", before).Expect().Status(http.StatusOK).Header("Cache-Control").IsEqual("private, no-cache")
	page := e.GET("/settings/organization").WithQuery("hecho", "logo").Expect().Status(http.StatusOK).Body()
	page.Contains("Logo actualizado.").Contains(`class="org-logo" src="/org/logo?v=` + v + `"`).Contains("PNG, ")

	// JPEG works too, and is served as such
	photo := jpegImage(t, 5, 5)
	uploadLogo(e, token, "foto.png", photo).Status(http.StatusSeeOther)
	r = e.GET("/org/logo").Expect().Status(http.StatusOK)
	r.Header("Content-Type").IsEqual("image/jpeg")
	if !bytes.Equal([]byte(r.Body().Raw()), photo) {
		t.Fatal("the JPEG came back different")
	}

	// another organisation's member gets their own (none), never this one
	o, _ := signIn(t, other.Boss.Email)
	o.GET("/org/logo").Expect().Status(http.StatusNotFound)

	e.POST("/settings/organization/logo/remove").WithFormField("_csrf", token).Expect().
		Status(http.StatusSeeOther).Header("Location").IsEqual("/settings/organization?hecho=logo-quitado")
	e.GET("/org/logo").Expect().Status(http.StatusNotFound)
	e.GET("/objectives").Expect().Status(http.StatusOK).Body().NotContains(`class="org-logo"`)
}

func TestLogoBadUploads(t *testing.T) {
	f := newOrgFixture(t, "Logo Malo")
	e, token := signIn(t, f.Boss.Email)
	valid := pngImage(t, 2, 2)
	tooBig := append(append([]byte{}, valid...), make([]byte, maxLogoBytes+1-len(valid))...)
	before := memberState(t, f.Org.ID)
	for _, tc := range []struct {
		name, file string
		data       []byte
		msg        string
	}{
		{"svg", "logo.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "SVG no se admiten"},
		{"svg with prolog", "logo.svg", []byte(`<?xml version="1.0"?>` + "\n" + `<svg xmlns="http://www.w3.org/2000/svg"/>`), "SVG no se admiten"},
		{"gif", "logo.gif", []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"), "es un GIF"},
		{"webp", "logo.webp", []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"), "es un WebP"},
		{"garbage", "logo.png", []byte("esto no es una imagen, solo texto"), "no es una imagen PNG o JPEG"},
		{"html", "logo.jpg", []byte("<html><script>alert(1)</script></html>"), "no es una imagen PNG o JPEG"},
		{"truncated png", "logo.png", valid[:12], "dañada o incompleta"},
		{"jpeg magic, no jpeg", "logo.jpg", []byte("\xff\xd8\xff\xe0 nada más"), "dañada o incompleta"},
		{"huge dimensions", "ancho.png", pngImage(t, maxLogoSide+1, 1), "el máximo es 4096 × 4096"},
		{"over 1 MB", "grande.png", tooBig, "el máximo es 1 MB"},
		{"empty", "vacio.png", nil, "El archivo está vacío"},
	} {
		body := uploadLogo(e, token, tc.file, tc.data).Status(http.StatusUnprocessableEntity).Body()
		body.Contains(html.EscapeString(tc.msg)).Contains(`name="logo"`)
		if after := memberState(t, f.Org.ID); after != before {
			t.Errorf("%s wrote:\nbefore %s\nafter  %s", tc.name, before, after)
		}
	}
	e.POST("/settings/organization/logo").WithMultipart().WithFormField("_csrf", token).Expect().
		Status(http.StatusUnprocessableEntity).Body().Contains("Elige un archivo PNG o JPEG")
	if after := memberState(t, f.Org.ID); after != before {
		t.Errorf("a form without a file wrote:\nbefore %s\nafter  %s", before, after)
	}
}

// TestLogoOverTheBodyLimit goes through a real listener: an upload far over
// 1 MB is cut by the server's body limit (1 MiB) before any handler runs,
// and still gets a Spanish page, not a dropped connection. Only the
// headers are sent: the server answers from the announced length.
func TestLogoOverTheBodyLimit(t *testing.T) {
	base := liveServer(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /settings/organization/logo HTTP/1.1\r\nHost: rumbo.test\r\n"+
		"Content-Type: multipart/form-data; boundary=limite\r\nContent-Length: %d\r\n\r\n", 2<<20)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(page), "demasiado grande") {
		t.Fatalf("2 MiB upload: %d\n%.300s", resp.StatusCode, page)
	}
}

var themeVar = regexp.MustCompile(`(--[a-z-]+): (#[0-9a-f]{6});`)

func themeVars(css string) map[string]string {
	out := map[string]string{}
	for _, m := range themeVar.FindAllStringSubmatch(css, -1) {
		out[m[1]] = m[2]
	}
	return out
}

func TestThemeColours(t *testing.T) {
	f := newOrgFixture(t, "Tema")
	other := newOrgFixture(t, "Tema Otro")
	e, token := signIn(t, f.Boss.Email)
	v0 := lookVersion(t, f.Org.ID)
	css := e.GET("/org/theme.css").WithQuery("v", v0).Expect().Status(http.StatusOK)
	css.Header("Content-Type").IsEqual("text/css; charset=utf-8")
	css.Body().IsEmpty()
	e.GET("/objectives").Expect().Body().Contains(`<link rel="stylesheet" href="/org/theme.css?v=` + v0 + `">`)

	post := func(fields map[string]string) *httpexpect.Response {
		r := e.POST("/settings/organization/colors").WithFormField("_csrf", token)
		if _, ok := fields["version"]; !ok {
			r = r.WithFormField("version", lookVersion(t, f.Org.ID))
		}
		for k, v := range fields {
			r = r.WithFormField(k, v)
		}
		return r.Expect()
	}
	before := memberState(t, f.Org.ID)
	for _, tc := range []struct {
		fields map[string]string
		status int
		msg    string
	}{
		{map[string]string{"color_primary": "red"}, 422, "El color primario debe escribirse como #rrggbb"},
		{map[string]string{"color_secondary": "#12345g"}, 422, "El color secundario debe escribirse como #rrggbb"},
		{map[string]string{"color_accent": "#fff"}, 422, "El color de acento debe escribirse como #rrggbb"},
		{map[string]string{"color_primary": "#1d4ed8;}body{display:none"}, 422, "El color primario debe escribirse"},
		{map[string]string{"color_primary": "#1d4ed8", "version": "x"}, 422, "El formulario no es válido"},
		{map[string]string{"color_primary": "#1d4ed8", "version": "0"}, 409, "cambió mientras lo editabas"},
	} {
		post(tc.fields).Status(tc.status).Body().Contains(html.EscapeString(tc.msg)).Contains(`type="color"`)
		if after := memberState(t, f.Org.ID); after != before {
			t.Errorf("%v wrote:\nbefore %s\nafter  %s", tc.fields, before, after)
		}
	}

	// The prototype's defaults: a light red primary (white text on it is
	// only 4:1), a mid green secondary, an orange accent.
	post(map[string]string{"color_primary": "#FF0000", "color_secondary": "#00AA55", "color_accent": "#ff6633"}).
		Status(http.StatusSeeOther).Header("Location").IsEqual("/settings/organization?hecho=colores")
	var stored string
	tdb.Get(t, &stored, `SELECT concat_ws(',', color_primary, color_secondary, color_accent) FROM organizations WHERE id = $1`, f.Org.ID)
	if stored != "#ff0000,#00aa55,#ff6633" {
		t.Fatalf("stored %q, want the colours in lower case", stored)
	}
	v1 := lookVersion(t, f.Org.ID)
	if v1 == v0 {
		t.Fatal("new colours kept the look version")
	}
	r := e.GET("/org/theme.css").WithQuery("v", v1).Expect().Status(http.StatusOK)
	r.Header("Cache-Control").IsEqual("private, max-age=31536000, immutable")
	vars := themeVars(r.Body().Raw())
	for _, name := range []string{"--primary", "--primary-strong", "--primary-soft", "--secondary", "--sidebar-bg", "--accent", "--brand-accent"} {
		if vars[name] == "" {
			t.Errorf("theme.css lacks %s:\n%s", name, r.Body().Raw())
		}
	}
	if vars["--accent"] != "#ff6633" || vars["--secondary"] != "#00aa55" {
		t.Errorf("theme vars %v", vars)
	}
	check := func(fg, bg string, min float64) {
		t.Helper()
		a, _ := hexRGB(vars[fg])
		b := white
		if bg != "white" {
			b, _ = hexRGB(vars[bg])
		}
		if c := contrast(a, b); c < min {
			t.Errorf("%s (%s) on %s: contrast %.2f, want ≥ %.1f", fg, vars[fg], bg, c, min)
		}
	}
	check("--primary", "white", 4.5)
	check("--primary-strong", "--primary-soft", 4.5)
	check("--brand-accent", "--sidebar-bg", 3)
	if vars["--primary"] == "#ff0000" {
		t.Error("white text on #ff0000 is 4:1; the buttons must use a darker shade")
	}
	page := e.GET("/settings/organization").WithQuery("hecho", "colores").Expect().Status(http.StatusOK).Body()
	page.Contains("Colores guardados.").Contains("es claro para texto blanco").Contains(vars["--primary"]).
		Contains(`href="/org/theme.css?v=` + v1 + `"`).Contains(`fill="#ff0000"`)
	e.GET("/org/theme.css").WithQuery("v", v0).Expect().Header("Cache-Control").IsEqual("private, no-cache")

	// another organisation keeps its own look (positive control: it has one)
	o, ot := signIn(t, other.Boss.Email)
	o.POST("/settings/organization/colors").WithFormField("_csrf", ot).WithFormField("color_primary", "#1d4ed8").
		WithFormField("version", lookVersion(t, other.Org.ID)).Expect().Status(http.StatusSeeOther)
	ov := themeVars(o.GET("/org/theme.css").Expect().Status(http.StatusOK).Body().Raw())
	if ov["--primary"] != "#1d4ed8" || ov["--accent"] != "" {
		t.Errorf("the other organisation's theme: %v", ov)
	}
	if lookVersion(t, other.Org.ID) == v1 {
		t.Error("two organisations share a look version: a browser would show one's cached theme in the other")
	}

	// a colour equal to the default look is "not set"; reset clears all
	post(map[string]string{"color_primary": defaultPrimary, "color_secondary": "", "color_accent": "#FF6633"}).Status(http.StatusSeeOther)
	vars = themeVars(e.GET("/org/theme.css").Expect().Body().Raw())
	if _, ok := vars["--primary"]; ok || vars["--accent"] != "#ff6633" || vars["--secondary"] != "" {
		t.Errorf("after keeping only the accent: %v", vars)
	}
	post(map[string]string{"action": "reset", "color_primary": "#123456"}).
		Status(http.StatusSeeOther).Header("Location").IsEqual("/settings/organization?hecho=colores-restaurados")
	e.GET("/org/theme.css").Expect().Status(http.StatusOK).Body().IsEmpty()
	e.GET("/settings/organization").WithQuery("hecho", "colores-restaurados").Expect().Body().
		Contains("Se restauraron los colores predeterminados.").Contains(`value="` + defaultPrimary + `"`)
}

// TestThemeKeepsTextReadable checks the derived shades over a spread of
// colours, the light and the dark extremes included.
func TestThemeKeepsTextReadable(t *testing.T) {
	for _, c := range []string{"#ffffff", "#ffff00", "#f5f5f5", "#00ff00", "#0066cc", "#000000", "#ff6633", "#7c3aed", "#0f766e"} {
		th := buildTheme(c, c, c)
		v := map[string]rgb{}
		for _, kv := range th.vars {
			v[kv[0]], _ = hexRGB(kv[1])
		}
		for _, p := range []struct {
			fg, bg rgb
			what   string
			min    float64
		}{
			{white, v["--primary"], "white text on --primary", 4.5},
			{v["--primary-strong"], white, "--primary-strong links on white", 4.5},
			{v["--primary-strong"], v["--primary-soft"], "--primary-strong on --primary-soft", 4.5},
			{sidebarText, v["--sidebar-bg"], "sidebar text on --sidebar-bg", 4.5},
			{v["--brand-accent"], v["--sidebar-bg"], "brand mark on --sidebar-bg", 3},
		} {
			if got := contrast(p.fg, p.bg); got < p.min {
				t.Errorf("%s: %s is %.2f, want ≥ %.1f (%v)", c, p.what, got, p.min, th.vars)
			}
		}
	}
	if css := buildTheme("", "", "").css(); css != "" {
		t.Errorf("no colours give %q, want an empty stylesheet", css)
	}
	if got := fmt.Sprint(buildTheme("#0f766e", "", "").vars[0]); got != "[--primary #0f766e]" {
		t.Errorf("a dark enough primary is kept as chosen: %s", got)
	}
}
