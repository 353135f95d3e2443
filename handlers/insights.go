package handlers

import (
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/lib/pq"

	"rumbo/internal/insights"
	"rumbo/views"
)

// Insights: deterministic rules over the organisation's OKR data, each
// explained with its numbers (internal/insights holds the rules, the SQL in
// queries/insights.sql finds the items). Every insight has a key,
// "<kind>-<item uuid>": pace-<objective>, stale-kr-<key result>,
// stalled-<initiative>, forecast-<key result>, overdue-area-<area> and
// overdue-person-<member> (the zero uuid: no area / unassigned). A member
// dismisses an insight for themselves only; it stays hidden until they
// restore it, whatever happens to the item (the simplest honest rule: a
// dismissal never comes back by surprise, and "Mostrar descartados" lists
// every dismissed insight that still applies).

const (
	insightListLimit   = 20  // items listed per rule
	insightClusterList = 10  // overdue clusters listed per dimension
	insightCountCap    = 100 // counts over the big organisation stop here ("más de 100")
	forecastCandidates = 100 // key results evaluated by the forecast, soonest objective end first
	clusterMin         = 3   // overdue items that make a cluster
	zeroUUID           = "00000000-0000-0000-0000-000000000000"
)

// insightKinds maps a key's kind to the item it names.
var insightKinds = map[string]string{
	"pace": "objective", "stale-kr": "key_result", "forecast": "key_result", "stalled": "initiative",
	"overdue-area": "area", "overdue-person": "member",
}

func (s *Server) insightRoutes(app *fiber.App) {
	app.Get("/insights", s.withTx(s.insightsPage))
	app.Get("/fragments/insights/summary", s.withTx(s.insightsSummaryFragment))
	app.Get("/fragments/insights/pace", s.withTx(s.insightsFragment("pace")))
	app.Get("/fragments/insights/stale", s.withTx(s.insightsFragment("stale")))
	app.Get("/fragments/insights/overdue", s.withTx(s.insightsFragment("overdue")))
	app.Get("/fragments/insights/forecast", s.withTx(s.insightsFragment("forecast")))
	app.Post("/insights/:id/dismiss", s.csrf, s.withTx(s.insightDismiss(true)))
	app.Post("/insights/:id/restore", s.csrf, s.withTx(s.insightDismiss(false)))
}

// insightParams are the page's and fragments' parameters, validated.
type insightParams struct {
	period
	ShowDismissed bool
}

func parseInsightParams(c *fiber.Ctx, r *request) (insightParams, error) {
	var p insightParams
	switch c.Query("dismissed") {
	case "", "0":
	case "1":
		p.ShowDismissed = true
	default:
		return p, invalid("El parámetro «dismissed» admite 0 o 1.")
	}
	var err error
	p.period, err = periodOf(c, r)
	return p, err
}

// query is the fragments' query string for these parameters.
func (p insightParams) query() string {
	var parts []string
	if p.Param != "" {
		parts = append(parts, "period="+p.Param)
	}
	if p.ShowDismissed {
		parts = append(parts, "dismissed=1")
	}
	if len(parts) == 0 {
		return ""
	}
	return "?" + strings.Join(parts, "&")
}

// insightItem is one insight as the page lists it.
type insightItem struct {
	Key, Level, LevelLabel string
	Title, Href            string
	Context, ContextHref   string // the item's parent (objective), if any
	Why                    string // the numbers and the rule
	Meta                   string // owner, area
	Dismissed              bool
	CSRF                   string // for its dismiss/restore form
}

// insightList is one rule's fragment.
type insightList struct {
	Items           []insightItem
	Count, Shown    int
	Risk, Attention int  // pace only
	Capped          bool // Count reached the cap: "más de"
	DismissedCount  int
	ShowDismissed   bool
	CSRF, PageQuery string
	// ShowURL and HideURL are the page with and without dismissed insights.
	ShowURL, HideURL string
	// OnTrack and NoTrend are the forecast's other key results (Items are
	// the off-track ones).
	OnTrack, NoTrend []insightItem
}

// insightsOpen is how many items a list shows before "Ver N más" (the
// rest are in the page too, folded, so nothing needs JavaScript).
const insightsOpen = 5

// Head and Tail split the listed items at insightsOpen.
func (l insightList) Head() []insightItem { return l.Items[:min(len(l.Items), insightsOpen)] }
func (l insightList) Tail() []insightItem { return l.Items[min(len(l.Items), insightsOpen):] }

// More is how many flagged items the list leaves out.
func (l insightList) More() int { return max(0, l.Count-l.visible()) }

func (l insightList) visible() int {
	n := 0
	for _, it := range l.Items {
		if !it.Dismissed {
			n++
		}
	}
	return n
}

// staleView is the stale fragment: key results and initiatives.
type staleView struct{ KeyResults, Initiatives insightList }

// overdueView is the overdue fragment: clusters per area and per person.
type overdueView struct {
	Areas, People insightList
	Clusters      int // clusters not dismissed, both dimensions
}

// insightsSummary is the summary fragment's numbers (dismissed insights
// are not counted: it sums what the member sees).
type insightsSummary struct {
	AtRisk, Attention, StaleKeyResults, StalledInitiatives, OverdueClusters, OffTrackForecasts int
	StaleCapped, StalledCapped                                                                 bool
	ForecastEvaluated                                                                          int
}

type insightsPage struct {
	Summary  insightsSummary
	Pace     insightList
	Stale    staleView
	Overdue  overdueView
	Forecast insightList
	Query    string // the fragments' query string
	Error    string
}

func (s *Server) newList(r *request, p insightParams) insightList {
	show, hide := p, p
	show.ShowDismissed, hide.ShowDismissed = true, false
	return insightList{ShowDismissed: p.ShowDismissed, CSRF: r.csrf(), PageQuery: p.query(),
		ShowURL: "/insights" + show.query(), HideURL: "/insights" + hide.query()}
}

// add appends an item with the list's CSRF token for its form.
func (l *insightList) add(it insightItem) {
	it.CSRF = l.CSRF
	l.Items = append(l.Items, it)
}

// window is the start of the 14-day window (today - 13, at midnight in the
// organisation's time zone, which the request transaction uses).
func insightWindow(r *request) string {
	return r.sess.Today.AddDate(0, 0, -(insights.Window - 1)).Format(time.DateOnly)
}

func pct(n int) string { return strconv.Itoa(n) + " %" }

func daysAgo(r *request, t time.Time) string {
	switch n := insights.DaysBetween(t.In(orgLocation(r.sess.OrgTimezone)), r.sess.Today); n {
	case 0:
		return "hoy"
	case 1:
		return "ayer"
	default:
		return "hace " + strconv.Itoa(n) + " días"
	}
}

func joinMeta(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " · ")
}

// computePace lists the objectives behind pace.
func (s *Server) computePace(r *request, p insightParams, limit int) (insightList, error) {
	l := s.newList(r, p)
	q, err := r.tx.QueryContext(r.ctx, s.q.InsightsPace, r.sess.OrgID, r.sess.Today, p.arg(), r.sess.UserID, p.ShowDismissed, limit)
	if err != nil {
		return l, fmt.Errorf("insights-pace: %w", err)
	}
	defer q.Close()
	for q.Next() {
		var id, title, status, owner, area sql.NullString
		var progress sql.NullInt64
		var start, end sql.NullTime
		var dismissed sql.NullBool
		if err := q.Scan(&l.Risk, &l.Attention, &l.DismissedCount, &id, &title, &status, &progress, &start, &end,
			&dismissed, &owner, &area); err != nil {
			return l, fmt.Errorf("insights-pace: %w", err)
		}
		l.Count = l.Risk + l.Attention
		if !id.Valid {
			continue
		}
		v := insights.PaceOf(start.Time, end.Time, r.sess.Today, int(progress.Int64), status.String)
		if !v.Flagged() {
			continue // the SQL and the rule agree (tests check it); never show an unexplained item
		}
		it := insightItem{
			Key: "pace-" + id.String, Level: string(v.State), Title: title.String,
			Href: "/objectives/" + id.String, Dismissed: dismissed.Bool, Meta: joinMeta(owner.String, area.String),
		}
		lower := fmt.Sprintf("por debajo del %d %% del ritmo esperado", insights.RiskPercent)
		it.LevelLabel = "En riesgo"
		if v.State == insights.PaceAttention {
			it.LevelLabel = "Atención"
			lower = fmt.Sprintf("entre el %d %% y el %d %% del ritmo esperado", insights.RiskPercent, insights.AttentionPercent)
		}
		span := "del " + views.DateES(start.Time) + " al " + views.DateES(end.Time)
		if v.TotalDays == 0 {
			span = "plazo de un solo día, el " + views.DateES(end.Time)
		}
		it.Why = fmt.Sprintf("Lleva %s con %s del tiempo transcurrido (%s): %s.", pct(v.Progress), pct(v.Expected), span, lower)
		l.add(it)
	}
	if err := q.Err(); err != nil {
		return l, fmt.Errorf("insights-pace: %w", err)
	}
	l.Shown = len(l.Items)
	return l, nil
}

// computeStaleKeyResults lists key results without recent check-ins.
func (s *Server) computeStaleKeyResults(r *request, p insightParams, limit int) (insightList, error) {
	l := s.newList(r, p)
	q, err := r.tx.QueryContext(r.ctx, s.q.InsightsStaleKeyResults, r.sess.OrgID, r.sess.Today, p.arg(), r.sess.UserID,
		p.ShowDismissed, limit, insightWindow(r), insightCountCap+1)
	if err != nil {
		return l, fmt.Errorf("insights-stale-key-results: %w", err)
	}
	defer q.Close()
	for q.Next() {
		var total, dismissedCount int
		var id, title, objID, objTitle, owner sql.NullString
		var created, last sql.NullTime
		var dismissed sql.NullBool
		if err := q.Scan(&total, &dismissedCount, &id, &title, &objID, &objTitle, &created, &last, &dismissed, &owner); err != nil {
			return l, fmt.Errorf("insights-stale-key-results: %w", err)
		}
		l.Count, l.DismissedCount = total, dismissedCount
		if !id.Valid {
			continue
		}
		it := insightItem{Key: "stale-kr-" + id.String, Level: "stale", LevelLabel: "Sin seguimiento", Title: title.String,
			Href: "/key-results/" + id.String, Context: objTitle.String, ContextHref: "/objectives/" + objID.String,
			Meta: owner.String, Dismissed: dismissed.Bool}
		if last.Valid {
			it.Why = fmt.Sprintf("Último seguimiento el %s (%s): más de %d días sin registrar avances.",
				views.DateES(last.Time.In(orgLocation(r.sess.OrgTimezone))), daysAgo(r, last.Time), insights.Window-1)
		} else {
			it.Why = fmt.Sprintf("Ningún seguimiento desde que se creó el %s (%s).",
				views.DateES(created.Time.In(orgLocation(r.sess.OrgTimezone))), daysAgo(r, created.Time))
		}
		l.add(it)
	}
	if err := q.Err(); err != nil {
		return l, fmt.Errorf("insights-stale-key-results: %w", err)
	}
	l.capCount()
	return l, nil
}

func (l *insightList) capCount() {
	if l.Count > insightCountCap {
		l.Count, l.Capped = insightCountCap, true
	}
	l.Shown = len(l.Items)
}

// computeStalledInitiatives lists initiatives in progress with no completed
// activity in the window.
func (s *Server) computeStalledInitiatives(r *request, p insightParams, limit int) (insightList, error) {
	l := s.newList(r, p)
	q, err := r.tx.QueryContext(r.ctx, s.q.InsightsStalledInitiatives, r.sess.OrgID, r.sess.Today, p.arg(), r.sess.UserID,
		p.ShowDismissed, limit, insightWindow(r), insightCountCap+1)
	if err != nil {
		return l, fmt.Errorf("insights-stalled-initiatives: %w", err)
	}
	defer q.Close()
	for q.Next() {
		var total, dismissedCount int
		var id, title, owner sql.NullString
		var start, end, last sql.NullTime
		var progress, open sql.NullInt64
		var dismissed sql.NullBool
		if err := q.Scan(&total, &dismissedCount, &id, &title, &start, &end, &progress, &last, &open, &dismissed, &owner); err != nil {
			return l, fmt.Errorf("insights-stalled-initiatives: %w", err)
		}
		l.Count, l.DismissedCount = total, dismissedCount
		if !id.Valid {
			continue
		}
		it := insightItem{Key: "stalled-" + id.String, Level: "stalled", LevelLabel: "Estancada", Title: title.String,
			Href: "/initiatives/" + id.String, Meta: owner.String, Dismissed: dismissed.Bool}
		since := "Ninguna actividad completada todavía"
		if last.Valid {
			since = fmt.Sprintf("La última actividad se completó el %s (%s)", views.DateES(last.Time.In(orgLocation(r.sess.OrgTimezone))), daysAgo(r, last.Time))
		}
		it.Why = fmt.Sprintf("En progreso desde el %s, sin actividades completadas en los últimos %d días. %s; %d abiertas, %s de avance.",
			views.DateES(start.Time), insights.Window, since, open.Int64, pct(int(progress.Int64)))
		l.add(it)
	}
	if err := q.Err(); err != nil {
		return l, fmt.Errorf("insights-stalled-initiatives: %w", err)
	}
	l.capCount()
	return l, nil
}

// plural writes "1 objetivo" / "3 objetivos".
func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(n, 10) + " " + many
}

// computeOverdue lists the overdue clusters per area and per person.
func (s *Server) computeOverdue(r *request, p insightParams, limit int) (overdueView, error) {
	v := overdueView{Areas: s.newList(r, p), People: s.newList(r, p)}
	q, err := r.tx.QueryContext(r.ctx, s.q.InsightsOverdueClusters, r.sess.OrgID, r.sess.Today, p.arg(), r.sess.UserID,
		p.ShowDismissed, limit, clusterMin)
	if err != nil {
		return v, fmt.Errorf("insights-overdue-clusters: %w", err)
	}
	defer q.Close()
	for q.Next() {
		var total, dismissedCount int
		var dim, key, name sql.NullString
		var objectives, initiatives, activities, clusterTotal sql.NullInt64
		var dismissed sql.NullBool
		if err := q.Scan(&total, &dismissedCount, &dim, &key, &name, &objectives, &initiatives, &activities,
			&clusterTotal, &dismissed); err != nil {
			return v, fmt.Errorf("insights-overdue-clusters: %w", err)
		}
		v.Clusters, v.Areas.DismissedCount = total, dismissedCount
		if !dim.Valid {
			continue
		}
		it := insightItem{Key: "overdue-" + dim.String + "-" + key.String, Level: "overdue", Dismissed: dismissed.Bool,
			Title: name.String, LevelLabel: plural(clusterTotal.Int64, "vencido", "vencidos")}
		var parts []string
		for _, part := range []struct {
			n         int64
			one, many string
		}{{objectives.Int64, "objetivo", "objetivos"}, {initiatives.Int64, "iniciativa", "iniciativas"},
			{activities.Int64, "actividad", "actividades"}} {
			if part.n > 0 {
				parts = append(parts, plural(part.n, part.one, part.many))
			}
		}
		it.Why = "Vencidos (fecha de fin o de vencimiento anterior a hoy, sin completar ni cancelar): " + joinSpanishList(parts) + "."
		list := &v.Areas
		if dim.String == "area" {
			it.Href = "/activities?area=" + key.String
			if key.String == zeroUUID {
				it.Title, it.Href = "Sin área", "/activities"
			}
		} else {
			list = &v.People
			it.Href = "/activities?owner=" + key.String
			if key.String == zeroUUID {
				it.Title, it.Href = "Sin responsable", "/activities"
			}
		}
		list.add(it)
	}
	if err := q.Err(); err != nil {
		return v, fmt.Errorf("insights-overdue-clusters: %w", err)
	}
	v.Areas.Shown, v.People.Shown = len(v.Areas.Items), len(v.People.Items)
	v.Areas.Count, v.People.Count = v.Clusters, v.Clusters
	return v, nil
}

// joinSpanishList joins "a", "b" and "c" the Spanish way.
func joinSpanishList(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " y " + parts[len(parts)-1]
}

// krValue formats a forecast number with the key result's unit, rounded
// as far as a projection deserves: whole from 100 up, one decimal below.
func krValue(kind, unit string, v float64) string {
	if kind == "percent" {
		v = min(max(v, 0), 100)
	}
	places := 1
	if math.Abs(v) >= 100 {
		places = 0
	}
	return formatValue(kind, strconv.FormatFloat(v, 'f', places, 64), unit)
}

// computeForecast evaluates the first candidates' check-in histories.
func (s *Server) computeForecast(r *request, p insightParams, limit int) (insightList, insightsSummary, error) {
	l := s.newList(r, p)
	var sum insightsSummary
	q, err := r.tx.QueryContext(r.ctx, s.q.InsightsForecastCandidates, r.sess.OrgID, r.sess.Today, p.arg(), r.sess.UserID,
		forecastCandidates)
	if err != nil {
		return l, sum, fmt.Errorf("insights-forecast-candidates: %w", err)
	}
	defer q.Close()
	loc := orgLocation(r.sess.OrgTimezone)
	var off, on, rest []insightItem
	for q.Next() {
		var id, title, kind, unit, direction, objID, objTitle, owner string
		var start, target, current, endAt float64
		var end time.Time
		var vals, ats pq.Float64Array
		var dismissed bool
		if err := q.Scan(&id, &title, &kind, &unit, &direction, &start, &target, &current, &objID, &objTitle, &end,
			&endAt, &vals, &ats, &dismissed, &owner); err != nil {
			return l, sum, fmt.Errorf("insights-forecast-candidates: %w", err)
		}
		if kind == "boolean" {
			continue // a yes/no has no line to extend
		}
		sum.ForecastEvaluated++
		points := make([]insights.Point, len(vals))
		for i := range vals {
			points[i] = insights.Point{At: time.Unix(0, int64(ats[i]*1e9)).In(loc), Value: vals[i]}
		}
		kr := insights.KeyResult{Start: start, Target: target, Current: current, Decrease: direction == "decrease"}
		f := insights.ForecastOf(kr, points, time.Unix(int64(endAt), 0).In(loc))
		if f.State == insights.ForecastReached {
			continue
		}
		if dismissed {
			l.DismissedCount++
		} else if f.OffTrack() {
			l.Count++
		}
		if dismissed && !p.ShowDismissed {
			continue
		}
		it := insightItem{Key: "forecast-" + id, Level: string(f.State), Title: title, Href: "/key-results/" + id,
			Context: objTitle, ContextHref: "/objectives/" + objID, Meta: owner, Dismissed: dismissed}
		tgt, endLabel := krValue(kind, unit, target), views.DateES(end)
		switch f.State {
		case insights.ForecastOnTrack:
			it.LevelLabel = "En camino"
			it.Why = fmt.Sprintf("Llegará a la meta hacia el %s (fin del objetivo: %s), según %d seguimientos.",
				views.DateES(f.ReachOn.In(loc)), endLabel, f.Points)
			on = append(on, it)
		case insights.ForecastOffTrack:
			it.LevelLabel = "No llega"
			atEnd := krValue(kind, unit, f.AtEnd)
			switch {
			case f.Flat:
				it.Why = fmt.Sprintf("Sin cambios en %d seguimientos: al ritmo actual se quedará en %s de %s el %s.", f.Points, atEnd, tgt, endLabel)
			case f.Away:
				it.Why = fmt.Sprintf("Se aleja de la meta: al ritmo actual llegará a %s de %s el %s (%d seguimientos).", atEnd, tgt, endLabel, f.Points)
			default:
				it.Why = fmt.Sprintf("Al ritmo actual llegará a %s de %s el %s; alcanzaría la meta hacia el %s (%d seguimientos).",
					atEnd, tgt, endLabel, views.DateES(f.ReachOn.In(loc)), f.Points)
			}
			off = append(off, it)
		case insights.ForecastSameDay:
			it.LevelLabel = "Sin tendencia"
			it.Why = fmt.Sprintf("Sus %d seguimientos son del mismo día: no hay tiempo entre ellos para trazar una tendencia.", f.Points)
			rest = append(rest, it)
		default:
			it.LevelLabel = "Sin tendencia"
			it.Why = "Con un solo seguimiento no hay tendencia todavía: hacen falta al menos dos, en días distintos."
			if f.Points == 0 {
				it.Why = "Sin seguimientos: no hay datos para pronosticar."
			}
			rest = append(rest, it)
		}
	}
	if err := q.Err(); err != nil {
		return l, sum, fmt.Errorf("insights-forecast-candidates: %w", err)
	}
	for _, it := range off[:min(len(off), limit)] {
		l.add(it)
	}
	for _, it := range on[:min(len(on), limit)] {
		it.CSRF = l.CSRF
		l.OnTrack = append(l.OnTrack, it)
	}
	for _, it := range rest[:min(len(rest), limit)] {
		it.CSRF = l.CSRF
		l.NoTrend = append(l.NoTrend, it)
	}
	l.Shown = len(l.Items)
	sum.OffTrackForecasts = l.Count
	return l, sum, nil
}

// loadInsightsSummary takes every rule's counts. It asks for the same lists
// the page and the fragments show (the counts cost the same with or without
// them), so one computation of each rule serves the summary and its list.
func (s *Server) loadInsightsSummary(r *request, p insightParams) (insightsSummary, error) {
	p.ShowDismissed = false
	pace, err := s.loadPace(r, p, insightListLimit)
	if err != nil {
		return insightsSummary{}, err
	}
	stale, err := s.loadStaleKeyResults(r, p, insightListLimit)
	if err != nil {
		return insightsSummary{}, err
	}
	stalled, err := s.loadStalledInitiatives(r, p, insightListLimit)
	if err != nil {
		return insightsSummary{}, err
	}
	overdue, err := s.loadOverdue(r, p, insightClusterList)
	if err != nil {
		return insightsSummary{}, err
	}
	_, sum, err := s.loadForecast(r, p, insightListLimit)
	if err != nil {
		return insightsSummary{}, err
	}
	sum.AtRisk, sum.Attention = pace.Risk, pace.Attention
	sum.StaleKeyResults, sum.StaleCapped = stale.Count, stale.Capped
	sum.StalledInitiatives, sum.StalledCapped = stalled.Count, stalled.Capped
	sum.OverdueClusters = overdue.Clusters
	return sum, nil
}

// GET /insights
func (s *Server) insightsPage(c *fiber.Ctx, r *request) error {
	p, err := parseInsightParams(c, r)
	var pg insightsPage
	if err != nil {
		if pg.Error, err = tableError(err); err != nil {
			return err
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return s.page(c, r, "insights/index", "Insights", "insights", pg)
	}
	pg.Query = p.query()
	if pg.Summary, err = s.loadInsightsSummary(r, p); err != nil {
		return err
	}
	if pg.Pace, err = s.loadPace(r, p, insightListLimit); err != nil {
		return err
	}
	if pg.Stale, err = s.loadStale(r, p); err != nil {
		return err
	}
	if pg.Overdue, err = s.loadOverdue(r, p, insightClusterList); err != nil {
		return err
	}
	if pg.Forecast, _, err = s.loadForecast(r, p, insightListLimit); err != nil {
		return err
	}
	return s.page(c, r, "insights/index", "Insights", "insights", pg)
}

func (s *Server) loadStale(r *request, p insightParams) (staleView, error) {
	var v staleView
	var err error
	if v.KeyResults, err = s.loadStaleKeyResults(r, p, insightListLimit); err != nil {
		return v, err
	}
	v.Initiatives, err = s.loadStalledInitiatives(r, p, insightListLimit)
	return v, err
}

// GET /fragments/insights/summary
func (s *Server) insightsSummaryFragment(c *fiber.Ctx, r *request) error {
	if s.notModified(c, r) {
		return nil
	}
	p, err := parseInsightParams(c, r)
	if err != nil {
		return err
	}
	sum, err := s.loadInsightsSummary(r, p)
	if err != nil {
		return err
	}
	return s.fragment(c, "insights/summary", sum)
}

// GET /fragments/insights/{pace,stale,overdue,forecast}
func (s *Server) insightsFragment(name string) txHandler {
	return func(c *fiber.Ctx, r *request) error {
		if s.notModified(c, r) {
			return nil
		}
		p, err := parseInsightParams(c, r)
		if err != nil {
			return err
		}
		var data any
		switch name {
		case "pace":
			data, err = s.loadPace(r, p, insightListLimit)
		case "stale":
			data, err = s.loadStale(r, p)
		case "overdue":
			data, err = s.loadOverdue(r, p, insightClusterList)
		default:
			data, _, err = s.loadForecast(r, p, insightListLimit)
		}
		if err != nil {
			return err
		}
		return s.fragment(c, "insights/"+name, data)
	}
}

// parseInsightKey splits "<kind>-<uuid>"; anything else is not an insight.
func parseInsightKey(key string) (kind, id string, ok bool) {
	if len(key) < 38 || key[len(key)-37] != '-' {
		return "", "", false
	}
	kind, id = key[:len(key)-37], strings.ToLower(key[len(key)-36:])
	if _, known := insightKinds[kind]; !known || !isUUID(id) {
		return "", "", false
	}
	return kind, id, true
}

// POST /insights/:id/dismiss and /restore: for the member only. The item
// must be this organisation's (404 otherwise, nothing written).
func (s *Server) insightDismiss(dismiss bool) txHandler {
	return func(c *fiber.Ctx, r *request) error {
		kind, id, ok := parseInsightKey(c.Params("id"))
		if !ok {
			return errNotFound
		}
		var exists bool
		if err := r.tx.GetContext(r.ctx, &exists, s.q.InsightItemExists, r.sess.OrgID, kind, id); err != nil {
			return fmt.Errorf("insight-item-exists: %w", err)
		}
		if !exists {
			return errNotFound
		}
		if dismiss {
			cols := map[string]any{}
			if id != zeroUUID {
				cols[insightKinds[kind]] = id
			}
			err := r.attempt(func() error {
				_, err := r.tx.ExecContext(r.ctx, s.q.InsightDismiss, r.sess.OrgID, r.sess.UserID, kind,
					cols["objective"], cols["key_result"], cols["initiative"], cols["area"], cols["member"])
				return err
			})
			if isForeignKey(err) {
				return errNotFound
			}
			if err != nil {
				return fmt.Errorf("insight-dismiss: %w", err)
			}
		} else if _, err := r.tx.ExecContext(r.ctx, s.q.InsightRestore, r.sess.OrgID, r.sess.UserID, kind, id); err != nil {
			return fmt.Errorf("insight-restore: %w", err)
		}
		if isHTMX(c) {
			c.Set("HX-Trigger", "insights-changed")
			return c.SendStatus(fiber.StatusNoContent)
		}
		return c.Redirect(localReferer(c, "/insights"), fiber.StatusSeeOther)
	}
}

// The rules, each remembered per organisation data version (memo.go).

// memoInsight remembers one insight rule's result.
func memoInsight[T any](s *Server, r *request, p insightParams, rule string, limit int,
	compute func() (T, error), withCSRF func(T, string) T) (T, error) {
	return remember(s, r, []string{"insight", rule, strconv.Itoa(limit), p.Param, p.ID.String, strconv.FormatBool(p.ShowDismissed)},
		compute, withCSRF)
}

func (l insightList) withCSRF(csrf string) insightList {
	l.CSRF = csrf
	l.Items, l.OnTrack, l.NoTrend = itemsWithCSRF(l.Items, csrf), itemsWithCSRF(l.OnTrack, csrf), itemsWithCSRF(l.NoTrend, csrf)
	return l
}

func itemsWithCSRF(items []insightItem, csrf string) []insightItem {
	if items == nil {
		return nil
	}
	out := make([]insightItem, len(items))
	for i, it := range items {
		it.CSRF = csrf
		out[i] = it
	}
	return out
}

func (s *Server) loadPace(r *request, p insightParams, limit int) (insightList, error) {
	return memoInsight(s, r, p, "pace", limit, func() (insightList, error) { return s.computePace(r, p, limit) }, insightList.withCSRF)
}

func (s *Server) loadStaleKeyResults(r *request, p insightParams, limit int) (insightList, error) {
	return memoInsight(s, r, p, "stale-kr", limit,
		func() (insightList, error) { return s.computeStaleKeyResults(r, p, limit) }, insightList.withCSRF)
}

func (s *Server) loadStalledInitiatives(r *request, p insightParams, limit int) (insightList, error) {
	return memoInsight(s, r, p, "stalled", limit,
		func() (insightList, error) { return s.computeStalledInitiatives(r, p, limit) }, insightList.withCSRF)
}

func (s *Server) loadOverdue(r *request, p insightParams, limit int) (overdueView, error) {
	return memoInsight(s, r, p, "overdue", limit, func() (overdueView, error) { return s.computeOverdue(r, p, limit) },
		func(v overdueView, csrf string) overdueView {
			v.Areas, v.People = v.Areas.withCSRF(csrf), v.People.withCSRF(csrf)
			return v
		})
}

// forecastResult is the forecast rule's two results, remembered together.
type forecastResult struct {
	List    insightList
	Summary insightsSummary
}

func (s *Server) loadForecast(r *request, p insightParams, limit int) (insightList, insightsSummary, error) {
	v, err := memoInsight(s, r, p, "forecast", limit, func() (forecastResult, error) {
		l, sum, err := s.computeForecast(r, p, limit)
		return forecastResult{l, sum}, err
	}, func(v forecastResult, csrf string) forecastResult {
		v.List = v.List.withCSRF(csrf)
		return v
	})
	return v.List, v.Summary, err
}
