package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"
)

// The e-mails' Spanish templates: a text and an HTML version of each, the
// HTML one escaped by html/template (names and organisations are typed by
// people).
//
//go:embed templates/*.txt templates/*.html
var templateFS embed.FS

// InvitationData fills the invitation and reminder e-mails.
type InvitationData struct {
	To          string // the invited address
	InviterName string
	OrgName     string
	Role        string // corporativo, gerente or empleado
	AreaName    string // empty when the invitation has no area
	Link        string // the absolute /invite/<token> URL
	// ExpiresAt is shown as a date; give it in the organisation's time zone.
	ExpiresAt time.Time
}

// PasswordResetData fills the password reset e-mail.
type PasswordResetData struct {
	To       string
	Name     string
	Link     string // the absolute /password/reset/<token> URL
	ValidFor time.Duration
}

// roles are the Spanish name and a one-line description of each role.
var roles = map[string][2]string{
	"corporativo": {"Corporativo", "Podrás administrar toda la organización: miembros, áreas, objetivos y configuración."},
	"gerente":     {"Gerente", "Podrás gestionar los objetivos de tu área e invitar a tu equipo."},
	"empleado":    {"Empleado", "Podrás ver los objetivos de la organización y actualizar los tuyos."},
}

var monthsES = [...]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
	"septiembre", "octubre", "noviembre", "diciembre"}

// longDate is a date in running Spanish text: "27 de noviembre de 2026".
func longDate(t time.Time) string {
	return strconv.Itoa(t.Day()) + " de " + monthsES[t.Month()-1] + " de " + strconv.Itoa(t.Year())
}

// spanDuration says a link's lifetime: "1 hora", "30 minutos", "2 días".
func spanDuration(d time.Duration) string {
	unit := func(n int64, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.FormatInt(n, 10) + " " + many
	}
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return unit(int64(d/(24*time.Hour)), "día", "días")
	case d >= time.Hour && d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hora", "horas")
	}
	return unit(max(1, int64(d.Round(time.Minute)/time.Minute)), "minuto", "minutos")
}

var funcs = map[string]any{
	"date":     longDate,
	"duration": spanDuration,
	"role": func(code string) string {
		if r, ok := roles[code]; ok {
			return r[0]
		}
		return code
	},
	"roleHint": func(code string) string { return roles[code][1] },
	"button":   func(link, label string) map[string]string { return map[string]string{"Link": link, "Label": label} },
}

var (
	textTemplates = texttemplate.Must(texttemplate.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.txt"))
	htmlTemplates = htmltemplate.Must(htmltemplate.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html"))
)

// Invitation is the e-mail that invites someone to an organisation.
func Invitation(d InvitationData) (Message, error) {
	if err := d.check(); err != nil {
		return Message{}, err
	}
	subject := oneLine(d.InviterName + " te invitó a unirte a " + d.OrgName + " en Rumbo")
	return render("invitation", d.To, subject, invitationView{d, subject})
}

// InvitationReminder is the e-mail a resend sends: the same invitation
// with a new link (the old one no longer works).
func InvitationReminder(d InvitationData) (Message, error) {
	if err := d.check(); err != nil {
		return Message{}, err
	}
	subject := oneLine("Recordatorio: " + d.InviterName + " te invitó a unirte a " + d.OrgName + " en Rumbo")
	return render("reminder", d.To, subject, invitationView{d, subject})
}

// PasswordReset is the e-mail with a link to choose a new password.
func PasswordReset(d PasswordResetData) (Message, error) {
	if d.To == "" || !absoluteLink(d.Link) || d.ValidFor <= 0 {
		return Message{}, errors.New("mail: a password reset needs To, an absolute Link and ValidFor")
	}
	subject := "Restablece tu contraseña de Rumbo"
	return render("password_reset", d.To, subject, resetView{d, subject})
}

func (d InvitationData) check() error {
	if d.To == "" || d.InviterName == "" || d.OrgName == "" || !absoluteLink(d.Link) || d.ExpiresAt.IsZero() {
		return errors.New("mail: an invitation needs To, InviterName, OrgName, an absolute Link and ExpiresAt")
	}
	return nil
}

// absoluteLink accepts http(s) URLs only: a link in an e-mail must work
// outside the site, and nothing else (javascript:, data:) belongs there.
func absoluteLink(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

// The templates see the data's fields and the subject (the HTML title).
type invitationView struct {
	InvitationData
	Subject string
}

type resetView struct {
	PasswordResetData
	Subject string
}

// render executes name.txt and name.html.
func render(name, to, subject string, view any) (Message, error) {
	var text, html bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&text, name+".txt", view); err != nil {
		return Message{}, fmt.Errorf("mail: %s.txt: %w", name, err)
	}
	if err := htmlTemplates.ExecuteTemplate(&html, name+".html", view); err != nil {
		return Message{}, fmt.Errorf("mail: %s.html: %w", name, err)
	}
	return Message{To: to, Subject: subject, Text: text.String(), HTML: html.String()}, nil
}
