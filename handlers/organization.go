package handlers

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig reads JPEG headers: logos are checked by content
	_ "image/png"  // and PNG headers
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones are validated with Go's database too, also on hosts without /usr/share/zoneinfo
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/lib/pq"
)

// Organisation settings (corporativo only): name, time zone, currency,
// language and fiscal year start; the logo (PNG or JPEG, checked by
// content, stored in the database) and the theme colours, served to every
// member as /org/logo and /org/theme.css. The Content-Security-Policy
// forbids inline styles, so the colours reach pages only as that
// stylesheet.

func (s *Server) organizationRoutes(app *fiber.App) {
	app.Get("/settings/organization", s.withTx(s.organizationPage))
	app.Post("/settings/organization", s.csrf, s.withTx(s.organizationUpdate))
	app.Post("/settings/organization/logo", s.csrf, s.withTx(s.organizationLogoSave))
	app.Post("/settings/organization/logo/remove", s.csrf, s.withTx(s.organizationLogoRemove))
	app.Post("/settings/organization/colors", s.csrf, s.withTx(s.organizationColorsSave))
	app.Get("/org/logo", s.withTx(s.organizationLogo))
	app.Get("/org/theme.css", s.withTx(s.organizationTheme))
}

// maxLogoBytes is 1 MB. It stays under the server's 1 MiB body limit with
// room for the multipart envelope, so a logo just over it still reaches the
// handler and gets the precise message; only far bigger uploads meet the
// server's generic 413.
const (
	maxLogoBytes = 1_000_000
	maxLogoSide  = 4096
)

// settingsCurrencies are the currencies offered (ISO 4217), the region's first.
var settingsCurrencies = []struct{ Code, Name string }{
	{"USD", "Dólar estadounidense"}, {"EUR", "Euro"}, {"MXN", "Peso mexicano"}, {"COP", "Peso colombiano"},
	{"ARS", "Peso argentino"}, {"CLP", "Peso chileno"}, {"PEN", "Sol peruano"}, {"BRL", "Real brasileño"},
	{"UYU", "Peso uruguayo"}, {"PYG", "Guaraní paraguayo"}, {"BOB", "Boliviano"}, {"CRC", "Colón costarricense"},
	{"GTQ", "Quetzal guatemalteco"}, {"HNL", "Lempira hondureño"}, {"NIO", "Córdoba nicaragüense"},
	{"PAB", "Balboa panameño"}, {"DOP", "Peso dominicano"}, {"VES", "Bolívar venezolano"}, {"CUP", "Peso cubano"},
	{"GBP", "Libra esterlina"}, {"CAD", "Dólar canadiense"}, {"CHF", "Franco suizo"}, {"JPY", "Yen japonés"},
	{"CNY", "Yuan chino"},
}

var settingsLocales = []struct{ Code, Name string }{{"es", "Español"}, {"en", "Inglés (English)"}}

var settingsMonths = [...]string{"Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto",
	"Septiembre", "Octubre", "Noviembre", "Diciembre"}

// settingsTimezones are suggestions for the time zone field; any IANA name that
// both Go and PostgreSQL know is accepted.
var settingsTimezones = []string{
	"America/Mexico_City", "America/Bogota", "America/Lima", "America/Santiago", "America/Argentina/Buenos_Aires",
	"America/Montevideo", "America/Asuncion", "America/La_Paz", "America/Caracas", "America/Guayaquil",
	"America/Panama", "America/Costa_Rica", "America/Guatemala", "America/El_Salvador", "America/Tegucigalpa",
	"America/Managua", "America/Santo_Domingo", "America/Havana", "America/Puerto_Rico", "America/Sao_Paulo",
	"America/Tijuana", "America/Cancun", "America/New_York", "America/Chicago", "America/Denver",
	"America/Los_Angeles", "Europe/Madrid", "Atlantic/Canary", "Europe/Lisbon", "Europe/London", "UTC",
}

// The look without an organisation's colours (static/app.css): what the
// colour pickers start at, and what "same as default" is compared with.
const (
	defaultPrimary   = "#0f766e"
	defaultSecondary = "#0b1f24"
	defaultAccent    = "#2dd4bf"
)

type orgSettings struct {
	ID              string `db:"id"`
	Name            string `db:"name"`
	Slug            string `db:"slug"`
	Timezone        string `db:"timezone"`
	Currency        string `db:"currency"`
	Locale          string `db:"locale"`
	FiscalYearStart int    `db:"fiscal_year_start"`
	Version         int    `db:"version"`
	LogoSize        int    `db:"logo_size"`
	LogoType        string `db:"logo_type"`
	ColorPrimary    string `db:"color_primary"`
	ColorSecondary  string `db:"color_secondary"`
	ColorAccent     string `db:"color_accent"`
	LookVersion     int    `db:"look_version"`
}

// orgPage is the settings page: three forms (general, logo, colours), each
// with its own messages, so a mistake in one re-renders all three intact.
type orgPage struct {
	CSRF   string
	Org    orgSettings
	Notice string

	Name, Timezone, Currency, Locale, FiscalYearStart string
	Version                                           int
	Currencies, Locales, Months                       []option
	Timezones                                         []string
	Errors                                            map[string]string
	FormError                                         string

	LogoError, LogoLabel string
	MaxLogoLabel         string

	Primary, Secondary, Accent string
	LookVersion                int
	ColorErrors                map[string]string
	ColorsError                string
	Swatches                   []swatch
	ThemeNotes                 []string
}

type swatch struct{ Label, Color string }

func (s *Server) loadOrgSettings(r *request) (orgSettings, error) {
	var o orgSettings
	if err := r.tx.GetContext(r.ctx, &o, s.q.OrganizationSettings, r.sess.OrgID); err != nil {
		return o, fmt.Errorf("organization-settings: %w", err)
	}
	return o, nil
}

// newOrgPage fills every form from the stored settings; handlers then
// overwrite the one form that was sent.
func newOrgPage(o orgSettings) orgPage {
	return orgPage{
		Org: o, Name: o.Name, Timezone: o.Timezone, Currency: o.Currency, Locale: o.Locale,
		FiscalYearStart: strconv.Itoa(o.FiscalYearStart), Version: o.Version,
		Primary: or(o.ColorPrimary, defaultPrimary), Secondary: or(o.ColorSecondary, defaultSecondary),
		Accent: or(o.ColorAccent, defaultAccent), LookVersion: o.LookVersion,
		Errors: map[string]string{}, ColorErrors: map[string]string{},
	}
}

func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

func (s *Server) renderOrgPage(c *fiber.Ctx, r *request, status int, p orgPage) error {
	p.CSRF = r.csrf()
	p.Currencies, p.Locales, p.Months = nil, nil, nil
	listed := false
	for _, cur := range settingsCurrencies {
		listed = listed || cur.Code == p.Currency
		p.Currencies = append(p.Currencies, option{Value: cur.Code, Label: cur.Code + " · " + cur.Name, Selected: cur.Code == p.Currency})
	}
	// A currency stored by an older list stays selectable, so saving the
	// other fields never fails on it.
	if !listed && p.Org.Currency != "" {
		p.Currencies = append(p.Currencies, option{Value: p.Org.Currency, Label: p.Org.Currency, Selected: p.Currency == p.Org.Currency})
	}
	for _, l := range settingsLocales {
		p.Locales = append(p.Locales, option{Value: l.Code, Label: l.Name, Selected: l.Code == p.Locale})
	}
	for i, m := range settingsMonths {
		v := strconv.Itoa(i + 1)
		p.Months = append(p.Months, option{Value: v, Label: m, Selected: v == p.FiscalYearStart})
	}
	p.Timezones = settingsTimezones
	if p.Org.LogoSize > 0 {
		p.LogoLabel = strings.ToUpper(strings.TrimPrefix(p.Org.LogoType, "image/")) + ", " + sizeLabel(p.Org.LogoSize)
	}
	p.MaxLogoLabel = sizeLabel(maxLogoBytes)
	t := buildTheme(p.Org.ColorPrimary, p.Org.ColorSecondary, p.Org.ColorAccent)
	p.ThemeNotes = t.notes
	p.Swatches = []swatch{
		{"Primario", or(p.Org.ColorPrimary, defaultPrimary)},
		{"Secundario", or(p.Org.ColorSecondary, defaultSecondary)},
		{"Acento", or(p.Org.ColorAccent, defaultAccent)},
	}
	c.Status(status)
	return s.page(c, r, "settings/organization", "Organización", "organization", p)
}

// sizeLabel writes a byte count the Spanish way ("850 KB", "1 MB").
func sizeLabel(n int) string {
	switch {
	case n >= 1_000_000:
		return strings.Replace(strconv.FormatFloat(math.Round(float64(n)/100_000)/10, 'f', -1, 64), ".", ",", 1) + " MB"
	case n >= 1000:
		return strconv.Itoa((n+500)/1000) + " KB"
	}
	return strconv.Itoa(n) + " bytes"
}

// GET /settings/organization
func (s *Server) organizationPage(c *fiber.Ctx, r *request) error {
	if err := r.require(actOrganizationManage); err != nil {
		return err
	}
	o, err := s.loadOrgSettings(r)
	if err != nil {
		return err
	}
	p := newOrgPage(o)
	p.Notice = notices[c.Query("hecho")]
	return s.renderOrgPage(c, r, fiber.StatusOK, p)
}

// validTimezoneName: a name Go's zone database knows, spelled like IANA
// names are ("Local" and "" mean something else to Go).
func validTimezoneName(tz string) bool {
	if tz == "" || tz == "Local" || len(tz) > 64 {
		return false
	}
	for _, r := range tz {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/_+-", r)) {
			return false
		}
	}
	_, err := time.LoadLocation(tz)
	return err == nil
}

// POST /settings/organization saves the general settings. A time zone is
// checked against Go's zone database and PostgreSQL's before it is stored:
// begin_request computes every request's "today" with it.
func (s *Server) organizationUpdate(c *fiber.Ctx, r *request) error {
	if err := r.require(actOrganizationManage); err != nil {
		return err
	}
	o, err := s.loadOrgSettings(r)
	if err != nil {
		return err
	}
	p := newOrgPage(o)
	p.Name, p.Timezone = strings.TrimSpace(c.FormValue("name")), strings.TrimSpace(c.FormValue("timezone"))
	p.Currency, p.Locale, p.FiscalYearStart = strings.ToUpper(strings.TrimSpace(c.FormValue("currency"))), c.FormValue("locale"), c.FormValue("fiscal_year_start")
	version, verr := strconv.Atoi(c.FormValue("version"))
	switch n := utf8.RuneCountInString(p.Name); {
	case n == 0:
		p.Errors["name"] = "Escribe el nombre de la organización."
	case n > 120:
		p.Errors["name"] = "El nombre admite hasta 120 caracteres."
	}
	if !validTimezoneName(p.Timezone) {
		p.Errors["timezone"] = "Esa zona horaria no existe. Usa un nombre IANA como America/Bogota o Europe/Madrid."
	}
	if !slices.ContainsFunc(settingsCurrencies, func(cur struct{ Code, Name string }) bool { return cur.Code == p.Currency }) &&
		p.Currency != o.Currency {
		p.Errors["currency"] = "Elige una moneda de la lista."
	}
	if !slices.ContainsFunc(settingsLocales, func(l struct{ Code, Name string }) bool { return l.Code == p.Locale }) {
		p.Errors["locale"] = "Elige un idioma de la lista: español o inglés."
	}
	month, merr := strconv.Atoi(p.FiscalYearStart)
	if merr != nil || month < 1 || month > 12 {
		p.Errors["fiscal_year_start"] = "Elige el mes en que empieza el año fiscal (de enero a diciembre)."
	}
	if verr != nil {
		p.FormError = "El formulario no es válido. Recarga la página e inténtalo de nuevo."
	} else {
		p.Version = version
	}
	if p.Errors["timezone"] == "" {
		var known bool
		if err := r.tx.GetContext(r.ctx, &known, s.q.TimezoneKnown, p.Timezone); err != nil {
			return fmt.Errorf("timezone-known: %w", err)
		}
		if !known {
			p.Errors["timezone"] = "La base de datos no reconoce esa zona horaria. Usa un nombre IANA como America/Bogota o Europe/Madrid."
		}
	}
	if len(p.Errors) > 0 || p.FormError != "" {
		return s.renderOrgPage(c, r, fiber.StatusUnprocessableEntity, p)
	}
	var newVersion int
	err = r.attempt(func() error {
		return r.tx.GetContext(r.ctx, &newVersion, s.q.OrganizationUpdate, r.sess.OrgID, p.Name, p.Timezone,
			p.Currency, p.Locale, month, version)
	})
	var pqErr *pq.Error
	switch {
	case errors.Is(err, sql.ErrNoRows):
		p.FormError = "Alguien cambió la configuración mientras la editabas. Revisa los datos actuales y vuelve a guardar."
		p.Version = o.Version
		return s.renderOrgPage(c, r, fiber.StatusConflict, p)
	case errors.As(err, &pqErr) && pqErr.Code.Class() == "23":
		p.FormError = "Algún dato no es válido. Revisa los campos y vuelve a guardar."
		return s.renderOrgPage(c, r, fiber.StatusUnprocessableEntity, p)
	case err != nil:
		return fmt.Errorf("organization-update: %w", err)
	}
	return s.afterOrgWrite(c, "general")
}

// afterOrgWrite sends the browser back to the settings page, which then
// loads with the new look version (new /org/theme.css and logo URLs).
func (s *Server) afterOrgWrite(c *fiber.Ctx, notice string) error {
	return redirectAfterWrite(c, "", "/settings/organization?hecho="+notice)
}

var (
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
	jpegMagic = []byte{0xff, 0xd8, 0xff}
)

// sniffLogo decides what a logo is by its bytes, never by its name or the
// browser's Content-Type: the magic number, then the format's own header
// as Go's decoders read it. SVG is refused (it can carry script), and so
// is everything that is not PNG or JPEG.
func sniffLogo(data []byte) (contentType string, err error) {
	head := bytes.ToLower(bytes.TrimSpace(data[:min(len(data), 512)]))
	var want string
	switch {
	case bytes.HasPrefix(data, pngMagic):
		want, contentType = "png", "image/png"
	case bytes.HasPrefix(data, jpegMagic):
		want, contentType = "jpeg", "image/jpeg"
	case bytes.Contains(head, []byte("<svg")) || bytes.HasPrefix(head, []byte("<?xml")):
		return "", invalid("Los logos SVG no se admiten porque pueden contener código. Sube un PNG o un JPEG.")
	case bytes.HasPrefix(data, []byte("GIF8")):
		return "", invalid("El archivo es un GIF. Solo se admiten logos PNG o JPEG.")
	case len(data) >= 12 && bytes.Equal(data[:4], []byte("RIFF")) && bytes.Equal(data[8:12], []byte("WEBP")):
		return "", invalid("El archivo es un WebP. Solo se admiten logos PNG o JPEG.")
	default:
		return "", invalid("El archivo no es una imagen PNG o JPEG. Elige otro.")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || format != want {
		return "", invalid("La imagen está dañada o incompleta. Vuelve a exportarla como PNG o JPEG.")
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > maxLogoSide || cfg.Height > maxLogoSide {
		return "", invalid(fmt.Sprintf("La imagen mide %d × %d píxeles; el máximo es %d × %d.", cfg.Width, cfg.Height, maxLogoSide, maxLogoSide))
	}
	return contentType, nil
}

// readLogo reads the uploaded file of field "logo", at most one byte past
// the limit (enough to know it is too big).
func readLogo(c *fiber.Ctx) ([]byte, error) {
	fh, err := c.FormFile("logo")
	if err != nil {
		return nil, invalid("Elige un archivo PNG o JPEG para el logo.")
	}
	if fh.Size > maxLogoBytes {
		return nil, invalid("El logo pesa " + sizeLabel(int(fh.Size)) + "; el máximo es " + sizeLabel(maxLogoBytes) + ".")
	}
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("logo: open upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxLogoBytes+1))
	if err != nil {
		return nil, fmt.Errorf("logo: read upload: %w", err)
	}
	switch {
	case len(data) == 0:
		return nil, invalid("El archivo está vacío. Elige un PNG o un JPEG.")
	case len(data) > maxLogoBytes:
		return nil, invalid("El logo pesa más de " + sizeLabel(maxLogoBytes) + ".")
	}
	return data, nil
}

// POST /settings/organization/logo (multipart/form-data, field "logo")
func (s *Server) organizationLogoSave(c *fiber.Ctx, r *request) error {
	if err := r.require(actOrganizationManage); err != nil {
		return err
	}
	data, err := readLogo(c)
	var contentType string
	if err == nil {
		contentType, err = sniffLogo(data)
	}
	var e *Error
	if errors.As(err, &e) && e.Status == fiber.StatusUnprocessableEntity {
		o, lerr := s.loadOrgSettings(r)
		if lerr != nil {
			return lerr
		}
		p := newOrgPage(o)
		p.LogoError = e.Message
		return s.renderOrgPage(c, r, fiber.StatusUnprocessableEntity, p)
	}
	if err != nil {
		return err
	}
	if _, err := r.tx.ExecContext(r.ctx, s.q.OrganizationLogoSave, r.sess.OrgID, data, contentType); err != nil {
		return fmt.Errorf("organization-logo-save: %w", err)
	}
	return s.afterOrgWrite(c, "logo")
}

// POST /settings/organization/logo/remove
func (s *Server) organizationLogoRemove(c *fiber.Ctx, r *request) error {
	if err := r.require(actOrganizationManage); err != nil {
		return err
	}
	if _, err := r.tx.ExecContext(r.ctx, s.q.OrganizationLogoRemove, r.sess.OrgID); err != nil {
		return fmt.Errorf("organization-logo-remove: %w", err)
	}
	return s.afterOrgWrite(c, "logo-quitado")
}

// parseColor accepts #rrggbb (any case) and returns it in lower case.
func parseColor(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) != 7 || s[0] != '#' {
		return "", false
	}
	for _, r := range s[1:] {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return "", false
		}
	}
	return s, true
}

// POST /settings/organization/colors sets the three theme colours, or with
// action=reset ("Restaurar predeterminados") clears them. A colour equal to
// the default look (or left empty) is stored as "not set", so the theme
// carries only real choices.
func (s *Server) organizationColorsSave(c *fiber.Ctx, r *request) error {
	if err := r.require(actOrganizationManage); err != nil {
		return err
	}
	o, err := s.loadOrgSettings(r)
	if err != nil {
		return err
	}
	p := newOrgPage(o)
	version, verr := strconv.Atoi(c.FormValue("version"))
	reset := c.FormValue("action") == "reset"
	values := [3]any{}
	if !reset {
		fields := []struct {
			name, label, fallback string
			shown                 *string
		}{
			{"color_primary", "primario", defaultPrimary, &p.Primary},
			{"color_secondary", "secundario", defaultSecondary, &p.Secondary},
			{"color_accent", "de acento", defaultAccent, &p.Accent},
		}
		for i, f := range fields {
			raw := strings.TrimSpace(c.FormValue(f.name))
			*f.shown = raw
			if raw == "" {
				continue
			}
			hex, ok := parseColor(raw)
			if !ok {
				p.ColorErrors[f.name] = "El color " + f.label + " debe escribirse como #rrggbb, por ejemplo " + f.fallback + "."
				continue
			}
			*f.shown = hex
			if hex != f.fallback {
				values[i] = hex
			}
		}
	}
	if verr != nil {
		p.ColorsError = "El formulario no es válido. Recarga la página e inténtalo de nuevo."
	}
	if len(p.ColorErrors) > 0 || p.ColorsError != "" {
		return s.renderOrgPage(c, r, fiber.StatusUnprocessableEntity, p)
	}
	var newVersion int
	err = r.tx.GetContext(r.ctx, &newVersion, s.q.OrganizationColorsSave, r.sess.OrgID, values[0], values[1], values[2], version)
	if errors.Is(err, sql.ErrNoRows) {
		p.ColorsError = "El aspecto de la organización cambió mientras lo editabas (otro logo o colores). Revisa los colores actuales y vuelve a guardar."
		return s.renderOrgPage(c, r, fiber.StatusConflict, p)
	}
	if err != nil {
		return fmt.Errorf("organization-colors-save: %w", err)
	}
	if reset {
		return s.afterOrgWrite(c, "colores-restaurados")
	}
	return s.afterOrgWrite(c, "colores")
}

// lookCache lets the browser keep the logo and the theme for a year when
// the URL names the current look version (it changes with every edit, and
// is unique across organisations, see migration 00008); any other URL is
// revalidated every time.
func lookCache(c *fiber.Ctx, version int) {
	if c.Query("v") == strconv.Itoa(version) {
		c.Set(fiber.HeaderCacheControl, "private, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "private, no-cache")
	}
}

// GET /org/logo: the request's organisation's logo, for every member.
func (s *Server) organizationLogo(c *fiber.Ctx, r *request) error {
	var l struct {
		Logo        []byte `db:"logo"`
		Type        string `db:"logo_type"`
		LookVersion int    `db:"look_version"`
	}
	err := r.tx.GetContext(r.ctx, &l, s.q.OrganizationLogo, r.sess.OrgID)
	if errors.Is(err, sql.ErrNoRows) {
		return errNotFound
	}
	if err != nil {
		return fmt.Errorf("organization-logo: %w", err)
	}
	// Only the two types the column's CHECK allows ever get here; the
	// global nosniff header keeps browsers from guessing otherwise.
	c.Set(fiber.HeaderContentType, l.Type)
	lookCache(c, l.LookVersion)
	return c.Send(l.Logo)
}

// GET /org/theme.css: the organisation's colours as CSS custom properties
// (empty when it has none). Values are validated hex colours and derived
// ones, never text a person typed.
func (s *Server) organizationTheme(c *fiber.Ctx, r *request) error {
	var t struct {
		Primary     string `db:"color_primary"`
		Secondary   string `db:"color_secondary"`
		Accent      string `db:"color_accent"`
		LookVersion int    `db:"look_version"`
	}
	if err := r.tx.GetContext(r.ctx, &t, s.q.OrganizationTheme, r.sess.OrgID); err != nil {
		return fmt.Errorf("organization-theme: %w", err)
	}
	c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
	lookCache(c, t.LookVersion)
	return c.SendString(buildTheme(t.Primary, t.Secondary, t.Accent).css())
}

// Colours. Contrast follows WCAG 2: text needs 4.5:1 against its
// background, large marks 3:1.

type rgb struct{ r, g, b float64 } // 0..255

func hexRGB(s string) (rgb, bool) {
	s, ok := parseColor(s)
	if !ok {
		return rgb{}, false
	}
	n, _ := strconv.ParseUint(s[1:], 16, 32)
	return rgb{float64(n >> 16 & 0xff), float64(n >> 8 & 0xff), float64(n & 0xff)}, true
}

func (c rgb) hex() string {
	ch := func(v float64) uint64 { return uint64(math.Round(min(max(v, 0), 255))) }
	return fmt.Sprintf("#%02x%02x%02x", ch(c.r), ch(c.g), ch(c.b))
}

func (c rgb) luminance() float64 {
	lin := func(v float64) float64 {
		v /= 255
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.r) + 0.7152*lin(c.g) + 0.0722*lin(c.b)
}

func contrast(a, b rgb) float64 {
	la, lb := a.luminance(), b.luminance()
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// mix moves c towards to by t (0: c, 1: to).
func (c rgb) mix(to rgb, t float64) rgb {
	return rgb{c.r + (to.r-c.r)*t, c.g + (to.g-c.g)*t, c.b + (to.b-c.b)*t}
}

var (
	white = rgb{255, 255, 255}
	black = rgb{0, 0, 0}
	// sidebarText is the dimmest text on the sidebar (.brand small).
	sidebarText = rgb{0x94, 0xa3, 0xb8}
)

// towards mixes c with to in small steps until it reaches ratio against
// other; it keeps the hue, only darker or lighter.
func towards(c, to, other rgb, ratio float64) rgb {
	for t := 0.0; t <= 1; t += 0.02 {
		if m := c.mix(to, t); contrast(m, other) >= ratio {
			return m
		}
	}
	return to
}

type theme struct {
	vars  [][2]string
	notes []string
}

// buildTheme derives the stylesheet's variables from the stored colours
// (empty = not set). White text sits on --primary buttons and on the
// sidebar's active item, so a light primary is darkened until white text on
// it reaches 4.5:1, instead of refusing a brand's colour; the page says
// which shade the buttons use. The secondary colour tints the sidebar,
// darkened until its light text reads; the accent colours the brand mark,
// lightened until it stands out from the sidebar (3:1).
func buildTheme(primary, secondary, accent string) theme {
	var t theme
	add := func(name string, c rgb) { t.vars = append(t.vars, [2]string{name, c.hex()}) }
	if p, ok := hexRGB(primary); ok {
		button := towards(p, black, white, 4.5)
		soft := p.mix(white, 0.85)
		strong := towards(button.mix(black, 0.2), black, soft, 4.5)
		add("--primary", button)
		add("--primary-strong", strong)
		add("--primary-soft", soft)
		if button.hex() != p.hex() {
			t.notes = append(t.notes, "El color primario "+p.hex()+" es claro para texto blanco: los botones y los enlaces usan "+
				button.hex()+", un tono más oscuro del mismo color, para que se lean bien.")
		}
	}
	sidebar, _ := hexRGB(defaultSecondary)
	if sc, ok := hexRGB(secondary); ok {
		sidebar = towards(sc, black, sidebarText, 4.5)
		add("--secondary", sc)
		add("--sidebar-bg", sidebar)
		if sidebar.hex() != sc.hex() {
			t.notes = append(t.notes, "La barra lateral usa "+sidebar.hex()+", un tono oscuro del color secundario "+sc.hex()+
				", para que su texto claro se lea.")
		}
	}
	if a, ok := hexRGB(accent); ok {
		add("--accent", a)
		add("--brand-accent", towards(a, white, sidebar, 3))
	}
	return t
}

func (t theme) css() string {
	if len(t.vars) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(":root {\n")
	for _, v := range t.vars {
		b.WriteString("  " + v[0] + ": " + v[1] + ";\n")
	}
	b.WriteString("}\n")
	return b.String()
}
