package handlers

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"rumbo/views"
)

// The dashboard ("Dashboard OKR"): KPI cards, recent objectives, the
// member's pending activities, progress by area and the weekly trend. Each
// card is a fragment rendered inline with the page and refreshed on its
// own; all follow the period selector (or an explicit `period`).

func (s *Server) dashboardRoutes(app *fiber.App) {
	app.Get("/dashboard", s.withTx(s.dashboardPage))
	app.Get("/fragments/dashboard/stats", s.withTx(dashboardFragment(s, "dashboard/stats", s.loadDashboardStats)))
	app.Get("/fragments/dashboard/recent", s.withTx(dashboardFragment(s, "dashboard/recent", s.loadDashboardRecent)))
	app.Get("/fragments/dashboard/my-activities", s.withTx(dashboardFragment(s, "dashboard/my-activities", s.loadDashboardMine)))
	app.Get("/fragments/dashboard/areas", s.withTx(dashboardFragment(s, "dashboard/areas", s.loadDashboardAreas)))
	app.Get("/fragments/dashboard/trend", s.withTx(dashboardFragment(s, "dashboard/trend", s.loadDashboardTrend)))
}

type dashboardStats struct {
	Objectives            int64         `db:"objectives"`
	Active                int64         `db:"active"`
	InitiativesInProgress int64         `db:"initiatives_in_progress"`
	ActivitiesCompleted   int64         `db:"activities_completed"`
	OverallProgress       int64         `db:"overall_progress"`
	Members               int64         `db:"members"`
	DaysToDeadline        sql.NullInt64 `db:"days_to_deadline"`
	Ring                  views.Ring
}

type recentObjective struct {
	ID        string    `db:"id"`
	Title     string    `db:"title"`
	Status    string    `db:"status"`
	Progress  int       `db:"progress"`
	EndDate   time.Time `db:"end_date"`
	UpdatedAt time.Time `db:"updated_at"`
	OwnerName string    `db:"owner_name"`
	AreaName  string    `db:"area_name"`
	AreaColor string    `db:"area_color"`
	Overdue   bool
}

type dashboardRecent struct{ Rows []recentObjective }

type myActivity struct {
	ID              string       `db:"id"`
	Title           string       `db:"title"`
	Status          string       `db:"status"`
	Priority        string       `db:"priority"`
	DueDate         sql.NullTime `db:"due_date"`
	InitiativeID    string       `db:"initiative_id"`
	InitiativeTitle string       `db:"initiative_title"`
	OpenTotal       int64        `db:"open_total"`
	Overdue, Today  bool
}

type dashboardMine struct {
	Rows    []myActivity
	Open    int64
	More    int64 // open ones beyond the list
	Overdue int
	Link    string // the activities page filtered to the member
}

type areaProgress struct {
	AreaID    string `db:"area_id"`
	Name      string `db:"name"`
	Color     string `db:"color"`
	Total     int64  `db:"total"`
	Completed int64  `db:"completed"`
	Progress  int    `db:"progress"`
}

type dashboardAreas struct {
	Chart views.HBarChart
	Rows  []areaProgress
}

type dashboardTrend struct {
	Period            string // the period's name, "" for all
	Empty             string // why there is nothing to draw, if so
	Progress          views.LineChart
	Completions       views.BarChart
	Since             string // the first recorded week, when the record starts inside the range
	Objectives, Inits int64  // completed in the range
	Activities, Weeks int64
	Current           int // the latest week's progress
}

type dashboardPageData struct {
	Greeting  string
	CanCreate bool
	Query     string // the explicit period, carried into the fragments' URLs
	Stats     dashboardStats
	Recent    dashboardRecent
	Mine      dashboardMine
	Areas     dashboardAreas
	Trend     dashboardTrend
	Events    string
}

// periodQuery is "?period=…" when the URL names the period, so fragment
// refreshes show the same view as the page.
func periodQuery(p period) string {
	if p.Param == "" {
		return ""
	}
	return "?" + url.Values{"period": {p.Param}}.Encode()
}

// GET /dashboard
func (s *Server) dashboardPage(c *fiber.Ctx, r *request) error {
	p, err := periodOf(c, r)
	if err != nil {
		return err
	}
	d := dashboardPageData{Greeting: r.sess.UserName, Query: periodQuery(p), Events: okrEvents,
		CanCreate: r.can(actObjectiveCreate)}
	loaders := []func() error{
		func() (err error) {
			d.Stats, err = dashboardCard(s, r, "dashboard/stats", p, s.loadDashboardStats)
			return
		},
		func() (err error) {
			d.Recent, err = dashboardCard(s, r, "dashboard/recent", p, s.loadDashboardRecent)
			return
		},
		func() (err error) {
			d.Mine, err = dashboardCard(s, r, "dashboard/my-activities", p, s.loadDashboardMine)
			return
		},
		func() (err error) {
			d.Areas, err = dashboardCard(s, r, "dashboard/areas", p, s.loadDashboardAreas)
			return
		},
		func() (err error) {
			d.Trend, err = dashboardCard(s, r, "dashboard/trend", p, s.loadDashboardTrend)
			return
		},
	}
	for _, load := range loaders {
		if err := load(); err != nil {
			return err
		}
	}
	return s.page(c, r, "dashboard/index", "Dashboard OKR", "dashboard", d)
}

// dashboardCard is one card's data for the period, remembered until the
// organisation's data changes (memo.go); the page and the fragment share it.
func dashboardCard[T any](s *Server, r *request, name string, p period, load func(*request, period) (T, error)) (T, error) {
	return remember(s, r, []string{name, p.Param, p.ID.String}, func() (T, error) { return load(r, p) }, nil)
}

// dashboardFragment serves one card, remembered (dashboardCard).
func dashboardFragment[T any](s *Server, name string, load func(*request, period) (T, error)) txHandler {
	return periodFragment(s, name, func(r *request, p period) (T, error) { return dashboardCard(s, r, name, p, load) })
}

func (s *Server) loadDashboardStats(r *request, p period) (dashboardStats, error) {
	var st dashboardStats
	if err := r.tx.GetContext(r.ctx, &st, s.q.DashboardStats, r.sess.OrgID, r.sess.Today, p.arg()); err != nil {
		return st, fmt.Errorf("dashboard-stats: %w", err)
	}
	st.Ring = views.NewRing("Progreso general", int(st.OverallProgress))
	return st, nil
}

func (s *Server) loadDashboardRecent(r *request, p period) (dashboardRecent, error) {
	var d dashboardRecent
	if err := r.tx.SelectContext(r.ctx, &d.Rows, s.q.DashboardRecent, r.sess.OrgID, p.arg()); err != nil {
		return d, fmt.Errorf("dashboard-recent: %w", err)
	}
	for i := range d.Rows {
		o := &d.Rows[i]
		o.Overdue = o.EndDate.Before(r.sess.Today) && (o.Status == "draft" || o.Status == "in_progress")
	}
	return d, nil
}

func (s *Server) loadDashboardMine(r *request, p period) (dashboardMine, error) {
	d := dashboardMine{Link: "/activities?" + url.Values{"owner": {r.sess.UserID}}.Encode()}
	if err := r.tx.SelectContext(r.ctx, &d.Rows, s.q.DashboardMyActivities, r.sess.OrgID, r.sess.UserID, p.arg()); err != nil {
		return d, fmt.Errorf("dashboard-my-activities: %w", err)
	}
	if len(d.Rows) > 0 {
		d.Open = d.Rows[0].OpenTotal
	} else if err := r.tx.GetContext(r.ctx, &d.Open, s.q.DashboardMyOpen, r.sess.OrgID, r.sess.UserID, p.arg()); err != nil {
		return d, fmt.Errorf("dashboard-my-open: %w", err)
	}
	d.More = max(d.Open-int64(len(d.Rows)), 0)
	for i := range d.Rows {
		a := &d.Rows[i]
		if a.DueDate.Valid {
			a.Overdue = a.DueDate.Time.Before(r.sess.Today)
			a.Today = sameDay(a.DueDate.Time, r.sess.Today)
		}
		if a.Overdue {
			d.Overdue++
		}
	}
	if p.Param != "" {
		d.Link += "&" + url.Values{"period": {p.Param}}.Encode()
	}
	return d, nil
}

func (s *Server) loadDashboardAreas(r *request, p period) (dashboardAreas, error) {
	var d dashboardAreas
	if err := r.tx.SelectContext(r.ctx, &d.Rows, s.q.DashboardAreas, r.sess.OrgID, p.arg()); err != nil {
		return d, fmt.Errorf("dashboard-areas: %w", err)
	}
	bars := make([]views.HBar, len(d.Rows))
	for i, a := range d.Rows {
		bars[i] = views.HBar{ID: areaRowID(a.AreaID), Label: areaName(a.Name), Value: a.Progress, Color: a.Color,
			Note: completedOf(a.Completed, a.Total)}
	}
	d.Chart = views.NewHBarChart("Progreso por área",
		"Progreso promedio de los objetivos de cada área, sin contar los cancelados, de 0 a 100 %.", bars, -1)
	return d, nil
}

// noArea is how the aggregates store "no area" (and "no period").
const noArea = "00000000-0000-0000-0000-000000000000"

// areaRowID is an area row's data-id; the row of objectives without an
// area has none.
func areaRowID(id string) string {
	if id == noArea {
		return ""
	}
	return id
}

// areaName names the objectives without an area.
func areaName(name string) string {
	if name == "" {
		return "Sin área"
	}
	return name
}

func completedOf(done, total int64) string {
	word := "objetivos"
	if total == 1 {
		word = "objetivo"
	}
	return strconv.FormatInt(done, 10) + " de " + strconv.FormatInt(total, 10) + " " + word + " completados"
}

// maxTrendWeeks bounds the trend: a long period shows its latest weeks.
const maxTrendWeeks = 26

func (s *Server) loadDashboardTrend(r *request, p period) (dashboardTrend, error) {
	var d dashboardTrend
	today := r.sess.Today
	last := weekStart(today)
	first := last.AddDate(0, 0, -7*11) // all periods: the last 12 weeks
	if p.ID.Valid {
		var per struct {
			Name  string    `db:"name"`
			Start time.Time `db:"start_date"`
			End   time.Time `db:"end_date"`
		}
		err := r.tx.GetContext(r.ctx, &per, s.q.DashboardPeriod, r.sess.OrgID, p.ID.String)
		if errors.Is(err, sql.ErrNoRows) {
			d.Empty = "Ese periodo no existe en tu organización."
			return d, nil
		}
		if err != nil {
			return d, fmt.Errorf("dashboard-period: %w", err)
		}
		d.Period = per.Name
		if per.Start.After(today) {
			d.Empty = "El periodo " + per.Name + " empieza el " + views.DateES(per.Start) + "; su tendencia se verá desde entonces."
			return d, nil
		}
		first = weekStart(per.Start)
		if per.End.Before(today) {
			last = weekStart(per.End)
		}
	}
	if first.Before(last.AddDate(0, 0, -7*(maxTrendWeeks-1))) {
		first = last.AddDate(0, 0, -7*(maxTrendWeeks-1))
	}
	var weeks []time.Time
	var labels []string
	for w := first; !w.After(last); w = w.AddDate(0, 0, 7) {
		weeks = append(weeks, w)
		labels = append(labels, weekLabel(w))
	}
	var rows []progressWeek
	if err := r.tx.SelectContext(r.ctx, &rows, s.q.DashboardProgressWeeks, r.sess.OrgID, p.arg(), first, last); err != nil {
		return d, fmt.Errorf("dashboard-progress-weeks: %w", err)
	}
	values, known := carryForward(rows, weeks)
	var done []struct {
		Week        time.Time `db:"week"`
		Objectives  int64     `db:"objectives"`
		Initiatives int64     `db:"initiatives"`
		Activities  int64     `db:"activities"`
	}
	lastDay := last.AddDate(0, 0, 6)
	if lastDay.After(today) {
		lastDay = today
	}
	if err := r.tx.SelectContext(r.ctx, &done, s.q.DashboardCompletionsWeeks, r.sess.OrgID, p.arg(), first, lastDay); err != nil {
		return d, fmt.Errorf("dashboard-completions-weeks: %w", err)
	}
	perWeek := make([]int, len(weeks))
	for _, w := range done {
		for i, wk := range weeks {
			if sameDay(wk, w.Week) {
				perWeek[i] = int(w.Activities)
			}
		}
		d.Objectives += w.Objectives
		d.Inits += w.Initiatives
		d.Activities += w.Activities
	}
	d.Weeks = int64(len(weeks))
	for i, k := range known {
		if k {
			if i > 0 {
				d.Since = views.DateES(weeks[i])
			}
			break
		}
	}
	if len(known) > 0 && known[len(known)-1] {
		d.Current = values[len(values)-1]
	}
	what := "todos los periodos, últimas 12 semanas"
	if d.Period != "" {
		what = d.Period
	}
	d.Progress = views.NewLineChart("Progreso promedio por semana ("+what+")",
		"Progreso promedio de los objetivos sin cancelar al cierre de cada semana, de 0 a 100 %.", labels, values, known, -1)
	d.Completions = views.NewBarChart("Actividades completadas por semana ("+what+")",
		"Cuántas actividades se completaron cada semana.", labels,
		[]views.Series{{Name: "Actividades completadas", Class: "s1", Values: perWeek}})
	if d.Progress.Empty && d.Completions.Empty {
		d.Empty = "Todavía no hay datos de tendencia: aparecerán a medida que se creen objetivos y se completen actividades."
	}
	return d, nil
}
