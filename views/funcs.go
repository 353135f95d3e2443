package views

import (
	"html/template"
	"strconv"
	"strings"
	"time"
)

var monthsES = [...]string{"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"}

// DateES formats a calendar date the Spanish way: "27 nov 2026".
func DateES(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.Itoa(t.Day()) + " " + monthsES[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// Labels maps the stable English codes stored in the database to the
// Spanish words on screen.
var Labels = map[string]map[string]string{
	"objective": {"draft": "Borrador", "in_progress": "En progreso", "completed": "Completado", "cancelled": "Cancelado"},
	"initiative": {"planning": "Planificación", "in_progress": "En progreso", "completed": "Completada",
		"cancelled": "Cancelada"},
	"activity": {"todo": "Pendiente", "in_progress": "En progreso", "completed": "Completada", "cancelled": "Cancelada"},
	"priority": {"low": "Baja", "medium": "Media", "high": "Alta"},
	"role":     {"corporativo": "Corporativo", "gerente": "Gerente", "empleado": "Empleado"},
	"kr_kind": {"number": "Número", "percent": "Porcentaje", "currency": "Moneda", "boolean": "Sí/No",
		"milestone": "Hito"},
	"direction": {"increase": "Aumentar", "decrease": "Reducir"},
}

// Label is the Spanish word for a code, or the code itself if unknown.
func Label(kind, code string) string {
	if l, ok := Labels[kind][code]; ok {
		return l
	}
	return code
}

// NumberES formats a decimal string ("1234567.50") with Spanish separators
// ("1.234.567,5"): thousands with dots, decimals with a comma, no trailing
// zeros.
func NumberES(s string) string {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	frac = strings.TrimRight(frac, "0")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteByte(',')
		b.WriteString(frac)
	}
	return b.String()
}

// initials gives the avatar letters for a name ("Ana Pérez" → "AP").
func initials(name string) string {
	var out []rune
	for _, w := range strings.Fields(name) {
		for _, r := range w {
			out = append(out, []rune(strings.ToUpper(string(r)))...)
			break
		}
		if len(out) == 2 {
			break
		}
	}
	return string(out)
}

var funcs = template.FuncMap{
	"date":     DateES,
	"dateISO":  func(t time.Time) string { return t.Format("2006-01-02") },
	"label":    Label,
	"number":   NumberES,
	"initials": initials,
	// clamp keeps a bar's width in 0-100 whatever the data says.
	"clamp": func(p int) int { return min(max(p, 0), 100) },
}

// NavItem is one link of the main navigation.
type NavItem struct{ Key, Label, Href string }

// Nav lists the pages that exist, in the prototype's order (Dashboard,
// Objetivos, Iniciativas, Actividades, Áreas, Analytics, Insights): a page
// joins this list when it is built, never before, so no link 404s.
var Nav = []NavItem{
	{Key: "dashboard", Label: "Dashboard", Href: "/dashboard"},
	{Key: "objectives", Label: "Objetivos", Href: "/objectives"},
	{Key: "initiatives", Label: "Iniciativas", Href: "/initiatives"},
	{Key: "activities", Label: "Actividades", Href: "/activities"},
	{Key: "areas", Label: "Áreas", Href: "/areas"},
	{Key: "analytics", Label: "Analytics", Href: "/analytics"},
	{Key: "insights", Label: "Insights", Href: "/insights"},
}

func init() {
	funcs["navItems"] = func() []NavItem { return Nav }
}
