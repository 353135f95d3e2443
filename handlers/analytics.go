package handlers

import (
	"database/sql"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"rumbo/views"
)

// Analytics: overview cards, progress by area against the organisation's
// target, top performers, monthly completions, upcoming deadlines and the
// distribution of objectives, filtered by period and area, each table also
// as a CSV download. Every card is a fragment rendered inline with the page
// and refreshed on its own (with the filter form's values).

func (s *Server) analyticsRoutes(app *fiber.App) {
	app.Get("/analytics", s.withTx(s.analyticsPage))
	app.Get("/analytics/export.csv", s.withTx(s.analyticsExport))
	app.Post("/analytics/target", s.csrf, s.withTx(s.analyticsTargetSave))
	for name, load := range map[string]func(*request, analyticsFilters) (any, error){
		"overview": func(r *request, f analyticsFilters) (any, error) { return s.loadAnalyticsOverview(r, f) },
		"areas":    func(r *request, f analyticsFilters) (any, error) { return s.loadAnalyticsAreas(r, f) },
		"performers": func(r *request, f analyticsFilters) (any, error) {
			return s.loadAnalyticsPerformers(r, f, topPerformers)
		},
		"monthly": func(r *request, f analyticsFilters) (any, error) { return s.loadAnalyticsMonthly(r, f) },
		"deadlines": func(r *request, f analyticsFilters) (any, error) {
			return s.loadAnalyticsDeadlines(r, f, deadlinesShown)
		},
		"distribution": func(r *request, f analyticsFilters) (any, error) { return s.loadAnalyticsDistribution(r, f) },
	} {
		app.Get("/fragments/analytics/"+name, s.withTx(s.analyticsFragment("analytics/"+name, load)))
	}
}

const (
	topPerformers  = 5
	deadlinesShown = 10
	csvMaxRows     = 1000
	deadlineDays   = 30
	trendWeeks     = 4
)

// analyticsFilters are the page's filters: the period (explicit or the
// member's) and an area.
type analyticsFilters struct {
	period
	Area string
}

func (f analyticsFilters) areaArg() any { return nullable(f.Area) }

// values are the explicit filters as URL parameters.
func (f analyticsFilters) values() url.Values {
	v := url.Values{}
	if f.Param != "" {
		v.Set("period", f.Param)
	}
	if f.Area != "" {
		v.Set("area", f.Area)
	}
	return v
}

// exportURL is the CSV download of one table with these filters.
func (f analyticsFilters) exportURL(table string) string {
	v := f.values()
	v.Set("table", table)
	return "/analytics/export.csv?" + v.Encode()
}

// parseAnalyticsFilters refuses a malformed period or area (422) instead
// of showing unfiltered numbers under a filtered URL. A well-formed id of
// another organisation matches nothing.
func parseAnalyticsFilters(c *fiber.Ctx, r *request) (analyticsFilters, error) {
	f := analyticsFilters{Area: strings.ToLower(c.Query("area"))}
	var err error
	if f.period, err = periodOf(c, r); err != nil {
		return f, err
	}
	if f.Area != "" && (!isUUID(f.Area) || f.Area == noArea) {
		return f, invalid("El área elegida no es válida.")
	}
	return f, nil
}

type analyticsOverview struct {
	Objectives          int64 `db:"objectives"`
	Completed           int64 `db:"completed"`
	OverallProgress     int64 `db:"overall_progress"`
	ActiveInitiatives   int64 `db:"active_initiatives"`
	CompletedActivities int64 `db:"completed_activities"`
	SuccessRate         int64 `db:"success_rate"`
	ActiveAreas         int64 `db:"active_areas"`
	Ring                views.Ring
}

type analyticsArea struct {
	AreaID                    string        `db:"area_id"`
	Name                      string        `db:"name"`
	Color                     string        `db:"color"`
	Total                     int64         `db:"total"`
	Completed                 int64         `db:"completed"`
	Progress                  int           `db:"progress"`
	PastProgress              sql.NullInt64 `db:"past_progress"`
	ID                        string        // data-id ("" for objectives without an area)
	Label                     string
	Standing                  string // met, near, below: against the target
	Trend                     string // up, down, flat, new; "" without enough history
	Delta                     int
	StandingLabel, TrendLabel string
}

type analyticsAreas struct {
	Rows         []analyticsArea
	Chart        views.HBarChart
	Target       int
	Version      int
	Since        string // the weekly record's first week, when too recent for a trend
	HasTrend     bool
	CanEdit      bool
	CSRF         string
	Action       string // the target form's URL (filters kept)
	TargetValue  string
	TargetError  string
	Export       string
	TrendWeeks   int
	NearBoundary int
}

type performer struct {
	ID        string `db:"id"`
	Name      string `db:"name"`
	Completed int64  `db:"completed"`
	Active    int64  `db:"active"`
	Rank      int
}

type analyticsPerformers struct {
	Rows   []performer
	Export string
}

type monthCount struct {
	Month       time.Time `db:"month"`
	Objectives  int64     `db:"objectives"`
	Initiatives int64     `db:"initiatives"`
	Activities  int64     `db:"activities"`
	Label       string
}

type analyticsMonthly struct {
	Rows   []monthCount
	Chart  views.BarChart
	Total  int64
	Export string
}

type deadline struct {
	Kind      string    `db:"kind"`
	ID        string    `db:"id"`
	Title     string    `db:"title"`
	Status    string    `db:"status"`
	Priority  string    `db:"priority"`
	Due       time.Time `db:"due"`
	OwnerName string    `db:"owner_name"`
	DaysLeft  int
	Soon      bool
	KindLabel string
	Href      string
}

type analyticsDeadlines struct {
	Rows   []deadline
	Days   int
	Export string
}

type distributionRow struct {
	Label string
	N     int64
	Key   string
}

type analyticsDistribution struct {
	Bands, Statuses        []distributionRow
	BandChart, StatusChart views.BarChart
	Total, Live, Cancelled int64
	Export                 string
}

// analyticsForm is the filter form.
type analyticsForm struct {
	Periods, Areas []option
	Follow         string // what "the selector's period" is now
}

type analyticsPageData struct {
	Error        string
	Form         analyticsForm
	Overview     analyticsOverview
	Areas        analyticsAreas
	Performers   analyticsPerformers
	Monthly      analyticsMonthly
	Deadlines    analyticsDeadlines
	Distribution analyticsDistribution
	Events       string
}

// GET /analytics
func (s *Server) analyticsPage(c *fiber.Ctx, r *request) error {
	f, ferr := parseAnalyticsFilters(c, r)
	d, err := s.analyticsPageData(r, f, ferr)
	if err != nil {
		return err
	}
	if d.Error != "" {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return s.page(c, r, "analytics/index", "Analytics", "analytics", d)
}

// analyticsPageData loads every card for f, or only the form and the
// message when the filters were refused (ferr, a 422).
func (s *Server) analyticsPageData(r *request, f analyticsFilters, ferr error) (analyticsPageData, error) {
	d := analyticsPageData{Events: okrEvents}
	var err error
	if d.Form, err = s.analyticsForm(r, f); err != nil {
		return d, err
	}
	if ferr != nil {
		d.Error, err = tableError(ferr)
		return d, err
	}
	loaders := []func() error{
		func() (err error) {
			d.Overview, err = analyticsCard(s, r, "analytics/overview", f, func() (analyticsOverview, error) { return s.loadAnalyticsOverview(r, f) })
			return
		},
		func() (err error) {
			d.Areas, err = analyticsCard(s, r, "analytics/areas", f, func() (analyticsAreas, error) { return s.loadAnalyticsAreas(r, f) })
			return
		},
		func() (err error) {
			d.Performers, err = analyticsCard(s, r, "analytics/performers", f, func() (analyticsPerformers, error) { return s.loadAnalyticsPerformers(r, f, topPerformers) })
			return
		},
		func() (err error) {
			d.Monthly, err = analyticsCard(s, r, "analytics/monthly", f, func() (analyticsMonthly, error) { return s.loadAnalyticsMonthly(r, f) })
			return
		},
		func() (err error) {
			d.Deadlines, err = analyticsCard(s, r, "analytics/deadlines", f, func() (analyticsDeadlines, error) { return s.loadAnalyticsDeadlines(r, f, deadlinesShown) })
			return
		},
		func() (err error) {
			d.Distribution, err = analyticsCard(s, r, "analytics/distribution", f, func() (analyticsDistribution, error) { return s.loadAnalyticsDistribution(r, f) })
			return
		},
	}
	for _, load := range loaders {
		if err := load(); err != nil {
			return d, err
		}
	}
	return d, nil
}

func (s *Server) analyticsForm(r *request, f analyticsFilters) (analyticsForm, error) {
	var form analyticsForm
	pc, err := s.periodChoices(r)
	if err != nil {
		return form, err
	}
	switch {
	case r.sess.PeriodMode == "all" || !r.sess.PeriodID.Valid:
		form.Follow = "todos"
	case pc.Resolved != "":
		form.Follow = pc.Resolved
	}
	form.Periods = append(form.Periods, option{Value: "all", Label: "Todos los periodos", Selected: f.Param == "all"})
	for _, p := range pc.Options {
		form.Periods = append(form.Periods, option{Value: p.Value, Label: p.Label, Selected: f.Param == p.Value})
	}
	form.Areas, err = s.options(r, s.q.AreasOptions, f.Area)
	return form, err
}

// analyticsCard is one card's data for the filters, remembered until the
// organisation's data changes (memo.go); the page and the fragment share it.
func analyticsCard[T any](s *Server, r *request, name string, f analyticsFilters, load func() (T, error)) (T, error) {
	v, err := remember(s, r, []string{name, f.Param, f.ID.String, f.Area}, func() (any, error) { return load() },
		func(v any, csrf string) any {
			if a, ok := v.(analyticsAreas); ok { // the target form
				a.CSRF = csrf
				return a
			}
			return v
		})
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// analyticsFragment serves one card: 304 when nothing changed, the card's
// own error state (422) for refused filters, else the card.
func (s *Server) analyticsFragment(name string, load func(*request, analyticsFilters) (any, error)) txHandler {
	return func(c *fiber.Ctx, r *request) error {
		if s.notModified(c, r) {
			return nil
		}
		f, err := parseAnalyticsFilters(c, r)
		if err != nil {
			msg, err := tableError(err)
			if err != nil {
				return err
			}
			c.Status(fiber.StatusUnprocessableEntity)
			return s.fragment(c, "analytics/filter-error", msg)
		}
		data, err := analyticsCard(s, r, name, f, func() (any, error) { return load(r, f) })
		if err != nil {
			return err
		}
		return s.fragment(c, name, data)
	}
}

func (s *Server) loadAnalyticsOverview(r *request, f analyticsFilters) (analyticsOverview, error) {
	var o analyticsOverview
	if err := r.tx.GetContext(r.ctx, &o, s.q.AnalyticsOverview, r.sess.OrgID, f.arg(), f.areaArg()); err != nil {
		return o, fmt.Errorf("analytics-overview: %w", err)
	}
	o.Ring = views.NewRing("Progreso general", int(o.OverallProgress))
	return o, nil
}

// The trend mark compares an area's progress with trendWeeks weeks ago;
// "near" the target is within nearTarget points below it.
const nearTarget = 15

func (s *Server) loadAnalyticsAreas(r *request, f analyticsFilters) (analyticsAreas, error) {
	a := analyticsAreas{Export: f.exportURL("areas"), CanEdit: r.can(actOrganizationManage), TrendWeeks: trendWeeks,
		NearBoundary: nearTarget}
	var t struct {
		Target  int          `db:"progress_target"`
		Version int          `db:"version"`
		Since   sql.NullTime `db:"history_since"`
	}
	if err := r.tx.GetContext(r.ctx, &t, s.q.AnalyticsTarget, r.sess.OrgID); err != nil {
		return a, fmt.Errorf("analytics-target: %w", err)
	}
	a.Target, a.Version, a.TargetValue = t.Target, t.Version, strconv.Itoa(t.Target)
	if a.CanEdit {
		a.CSRF = r.csrf()
		a.Action = "/analytics/target"
		if q := f.values().Encode(); q != "" {
			a.Action += "?" + q
		}
	}
	cut := weekStart(r.sess.Today).AddDate(0, 0, -7*trendWeeks)
	a.HasTrend = t.Since.Valid && !t.Since.Time.After(cut)
	if t.Since.Valid && !a.HasTrend {
		a.Since = views.DateES(t.Since.Time)
	}
	if err := r.tx.SelectContext(r.ctx, &a.Rows, s.q.AnalyticsAreas, r.sess.OrgID, f.arg(), f.areaArg(), cut); err != nil {
		return a, fmt.Errorf("analytics-areas: %w", err)
	}
	bars := make([]views.HBar, len(a.Rows))
	for i := range a.Rows {
		row := &a.Rows[i]
		row.ID, row.Label = areaRowID(row.AreaID), areaName(row.Name)
		switch {
		case row.Progress >= a.Target:
			row.Standing = "met"
		case row.Progress >= a.Target-nearTarget:
			row.Standing = "near"
		default:
			row.Standing = "below"
		}
		if a.HasTrend {
			switch {
			case !row.PastProgress.Valid:
				row.Trend = "new"
			case int64(row.Progress) > row.PastProgress.Int64:
				row.Trend, row.Delta = "up", row.Progress-int(row.PastProgress.Int64)
			case int64(row.Progress) < row.PastProgress.Int64:
				row.Trend, row.Delta = "down", int(row.PastProgress.Int64)-row.Progress
			default:
				row.Trend = "flat"
			}
		}
		row.StandingLabel, row.TrendLabel = standingLabel(row.Standing), trendLabel(row.Trend, row.Delta)
		bars[i] = views.HBar{ID: row.ID, Label: row.Label, Value: row.Progress, Color: row.Color,
			Note: completedOf(row.Completed, row.Total)}
	}
	a.Chart = views.NewHBarChart("Progreso por área frente a la meta del "+strconv.Itoa(a.Target)+" %",
		"Progreso promedio de los objetivos de cada área, sin contar los cancelados, de 0 a 100 %; la línea vertical marca la meta.",
		bars, a.Target)
	return a, nil
}

func (s *Server) loadAnalyticsPerformers(r *request, f analyticsFilters, limit int) (analyticsPerformers, error) {
	p := analyticsPerformers{Export: f.exportURL("performers")}
	if err := r.tx.SelectContext(r.ctx, &p.Rows, s.q.AnalyticsPerformers, r.sess.OrgID, f.arg(), f.areaArg(), limit); err != nil {
		return p, fmt.Errorf("analytics-performers: %w", err)
	}
	for i := range p.Rows {
		p.Rows[i].Rank = i + 1
	}
	return p, nil
}

// monthsShown is the monthly chart's span: this month and the five before.
const monthsShown = 6

func (s *Server) loadAnalyticsMonthly(r *request, f analyticsFilters) (analyticsMonthly, error) {
	m := analyticsMonthly{Export: f.exportURL("monthly")}
	first := monthStart(r.sess.Today).AddDate(0, -(monthsShown - 1), 0)
	var got []monthCount
	if err := r.tx.SelectContext(r.ctx, &got, s.q.AnalyticsMonthly, r.sess.OrgID, f.arg(), f.areaArg(), first, r.sess.Today); err != nil {
		return m, fmt.Errorf("analytics-monthly: %w", err)
	}
	var labels []string
	var obj, ini, act []int
	for i := range monthsShown {
		month := first.AddDate(0, i, 0)
		row := monthCount{Month: month, Label: monthLabel(month, true)}
		for _, g := range got {
			if g.Month.Year() == month.Year() && g.Month.Month() == month.Month() {
				row.Objectives, row.Initiatives, row.Activities = g.Objectives, g.Initiatives, g.Activities
			}
		}
		m.Total += row.Objectives + row.Initiatives + row.Activities
		m.Rows = append(m.Rows, row)
		labels = append(labels, monthLabel(month, false))
		obj, ini, act = append(obj, int(row.Objectives)), append(ini, int(row.Initiatives)), append(act, int(row.Activities))
	}
	m.Chart = views.NewBarChart("Completados por mes, últimos seis meses",
		"Objetivos, iniciativas y actividades completados cada mes.", labels, []views.Series{
			{Name: "Objetivos", Class: "s1", Values: obj},
			{Name: "Iniciativas", Class: "s2", Values: ini},
			{Name: "Actividades", Class: "s3", Values: act},
		})
	return m, nil
}

var deadlineKinds = map[string]struct{ Label, Path, Labels string }{
	"objective":  {"Objetivo", "/objectives/", "objective"},
	"initiative": {"Iniciativa", "/initiatives/", "initiative"},
	"activity":   {"Actividad", "/activities/", "activity"},
}

func (s *Server) loadAnalyticsDeadlines(r *request, f analyticsFilters, limit int) (analyticsDeadlines, error) {
	d := analyticsDeadlines{Days: deadlineDays, Export: f.exportURL("deadlines")}
	until := r.sess.Today.AddDate(0, 0, deadlineDays)
	if err := r.tx.SelectContext(r.ctx, &d.Rows, s.q.AnalyticsDeadlines, r.sess.OrgID, f.arg(), f.areaArg(),
		r.sess.Today, until, limit); err != nil {
		return d, fmt.Errorf("analytics-deadlines: %w", err)
	}
	for i := range d.Rows {
		row := &d.Rows[i]
		k := deadlineKinds[row.Kind]
		row.KindLabel, row.Href = k.Label, k.Path+row.ID
		row.DaysLeft = daysBetween(r.sess.Today, row.Due)
		row.Soon = row.DaysLeft <= 7
		row.Status = views.Label(k.Labels, row.Status)
	}
	return d, nil
}

// daysBetween counts calendar days from a to b.
func daysBetween(a, b time.Time) int {
	da := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

var progressBands = []string{"0–24 %", "25–49 %", "50–74 %", "75–99 %", "100 %"}

func (s *Server) loadAnalyticsDistribution(r *request, f analyticsFilters) (analyticsDistribution, error) {
	d := analyticsDistribution{Export: f.exportURL("distribution")}
	var rows []struct {
		Status string `db:"status"`
		Band   int    `db:"band"`
		N      int64  `db:"n"`
	}
	if err := r.tx.SelectContext(r.ctx, &rows, s.q.AnalyticsDistribution, r.sess.OrgID, f.arg(), f.areaArg()); err != nil {
		return d, fmt.Errorf("analytics-distribution: %w", err)
	}
	bands := make([]int64, len(progressBands))
	statuses := map[string]int64{}
	for _, row := range rows {
		statuses[row.Status] += row.N
		d.Total += row.N
		if row.Status == "cancelled" {
			d.Cancelled += row.N
			continue
		}
		if row.Band >= 0 && row.Band < len(bands) {
			bands[row.Band] += row.N
			d.Live += row.N
		}
	}
	var bandValues, statusValues []int
	var statusLabels []string
	for i, name := range progressBands {
		d.Bands = append(d.Bands, distributionRow{Label: name, N: bands[i], Key: "band_" + strconv.Itoa(i)})
		bandValues = append(bandValues, int(bands[i]))
	}
	for _, st := range objectiveStatuses {
		label := views.Label("objective", st)
		d.Statuses = append(d.Statuses, distributionRow{Label: label, N: statuses[st], Key: st})
		statusLabels = append(statusLabels, label)
		statusValues = append(statusValues, int(statuses[st]))
	}
	d.BandChart = views.NewBarChart("Objetivos por tramo de progreso",
		"Cuántos objetivos sin cancelar tienen su progreso en cada tramo.", progressBands,
		[]views.Series{{Name: "Objetivos", Class: "s1", Values: bandValues}})
	d.StatusChart = views.NewBarChart("Objetivos por estado", "Cuántos objetivos hay en cada estado.", statusLabels,
		[]views.Series{{Name: "Objetivos", Class: "s2", Values: statusValues}})
	return d, nil
}

// POST /analytics/target: a corporativo sets the organisation's progress
// target (0-100 %), guarded by the settings' version.
func (s *Server) analyticsTargetSave(c *fiber.Ctx, r *request) error {
	if err := r.require(actOrganizationManage); err != nil {
		return err
	}
	f, err := parseAnalyticsFilters(c, r)
	if err != nil {
		return err
	}
	version, err := strconv.Atoi(c.FormValue("version"))
	if err != nil {
		return invalid("Falta la versión del formulario; recarga la página e inténtalo de nuevo.")
	}
	raw := strings.TrimSpace(c.FormValue("target"))
	target, err := strconv.Atoi(raw)
	if err != nil || target < 0 || target > 100 {
		a, err := s.loadAnalyticsAreas(r, f)
		if err != nil {
			return err
		}
		a.TargetValue, a.TargetError = raw, "La meta debe ser un número entero entre 0 y 100."
		c.Status(fiber.StatusUnprocessableEntity)
		if isHTMX(c) {
			return s.fragment(c, "analytics/areas", a)
		}
		d, err := s.analyticsPageData(r, f, nil)
		if err != nil {
			return err
		}
		d.Areas = a
		return s.page(c, r, "analytics/index", "Analytics", "analytics", d)
	}
	if err := r.updateVersioned(s.q.AnalyticsTargetSave, s.q.AnalyticsTargetExists, r.sess.OrgID,
		r.sess.OrgID, version, target); err != nil {
		return err
	}
	if isHTMX(c) {
		a, err := s.loadAnalyticsAreas(r, f)
		if err != nil {
			return err
		}
		return s.fragment(c, "analytics/areas", a)
	}
	page := "/analytics"
	if q := f.values().Encode(); q != "" {
		page += "?" + q
	}
	return c.Redirect(page, fiber.StatusSeeOther)
}

// GET /analytics/export.csv?table=…: one table of the page, with its
// filters, as a spreadsheet-safe CSV download.
func (s *Server) analyticsExport(c *fiber.Ctx, r *request) error {
	f, err := parseAnalyticsFilters(c, r)
	if err != nil {
		return err
	}
	table := c.Query("table")
	name := "rumbo-" + table + "-" + r.sess.Today.Format(time.DateOnly) + ".csv"
	switch table {
	case "areas":
		a, err := s.loadAnalyticsAreas(r, f)
		if err != nil {
			return err
		}
		rows := make([][]string, len(a.Rows))
		for i, x := range a.Rows {
			rows[i] = []string{x.Label, itoa(x.Total), itoa(x.Completed), strconv.Itoa(x.Progress),
				strconv.Itoa(a.Target), standingLabel(x.Standing), trendLabel(x.Trend, x.Delta)}
		}
		return sendCSV(c, name, []string{"Área", "Objetivos", "Completados", "Progreso (%)", "Meta (%)", "Situación",
			"Tendencia (" + strconv.Itoa(trendWeeks) + " semanas)"}, rows)
	case "performers":
		p, err := s.loadAnalyticsPerformers(r, f, csvMaxRows)
		if err != nil {
			return err
		}
		rows := make([][]string, len(p.Rows))
		for i, x := range p.Rows {
			rows[i] = []string{strconv.Itoa(x.Rank), x.Name, itoa(x.Completed), itoa(x.Active)}
		}
		return sendCSV(c, name, []string{"Puesto", "Miembro", "Actividades completadas", "Actividades activas"}, rows)
	case "monthly":
		m, err := s.loadAnalyticsMonthly(r, f)
		if err != nil {
			return err
		}
		rows := make([][]string, len(m.Rows))
		for i, x := range m.Rows {
			rows[i] = []string{x.Month.Format("2006-01"), itoa(x.Objectives), itoa(x.Initiatives), itoa(x.Activities)}
		}
		return sendCSV(c, name, []string{"Mes", "Objetivos completados", "Iniciativas completadas", "Actividades completadas"}, rows)
	case "deadlines":
		d, err := s.loadAnalyticsDeadlines(r, f, csvMaxRows)
		if err != nil {
			return err
		}
		rows := make([][]string, len(d.Rows))
		for i, x := range d.Rows {
			rows[i] = []string{x.KindLabel, x.Title, x.OwnerName, x.Status, views.Label("priority", x.Priority),
				x.Due.Format(time.DateOnly), strconv.Itoa(x.DaysLeft)}
		}
		return sendCSV(c, name, []string{"Tipo", "Título", "Responsable", "Estado", "Prioridad", "Vence", "Días restantes"}, rows)
	case "distribution":
		d, err := s.loadAnalyticsDistribution(r, f)
		if err != nil {
			return err
		}
		var rows [][]string
		for _, x := range d.Bands {
			rows = append(rows, []string{"Progreso (sin cancelados)", x.Label, itoa(x.N)})
		}
		for _, x := range d.Statuses {
			rows = append(rows, []string{"Estado", x.Label, itoa(x.N)})
		}
		return sendCSV(c, name, []string{"Distribución", "Grupo", "Objetivos"}, rows)
	}
	return invalid("Esa tabla no existe. Elige areas, performers, monthly, deadlines o distribution.")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func standingLabel(s string) string {
	switch s {
	case "met":
		return "En meta"
	case "near":
		return "Cerca"
	}
	return "Por debajo"
}

func trendLabel(trend string, delta int) string {
	switch trend {
	case "up":
		return "Sube " + strconv.Itoa(delta) + " pts"
	case "down":
		return "Baja " + strconv.Itoa(delta) + " pts"
	case "flat":
		return "Sin cambio"
	case "new":
		return "Nueva"
	}
	return "Sin historial"
}
