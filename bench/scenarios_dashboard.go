package main

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"rumbo/queries"
)

// dashboardScenarios are the dashboard's and the analytics page's
// fragments, each with the statements its handler runs (handlers/dashboard.go,
// handlers/analytics.go) bound to the same literals: for the bench user's own
// period (the one covering today, as begin_request resolves it) and, where
// the cost grows with it, for all periods. db acts as the admin; org is the
// organisation's id, slug its slug, today its date (YYYY-MM-DD) and begin the
// scenario's request-begin statement.
func dashboardScenarios(ctx context.Context, db *sql.DB, q *queries.Queries, slug, org, today, begin, email string) ([]scenario, error) {
	var user, period string
	if err := db.QueryRowContext(ctx, `SELECT m.user_id, coalesce((
		    SELECT p.id::text FROM rumbo.periods AS p
		    WHERE p.org_id = m.org_id AND p.archived_at IS NULL AND p.start_date <= $3::date AND p.end_date >= $3::date
		    ORDER BY p.start_date DESC, p.id LIMIT 1), '')
		FROM rumbo.memberships AS m
		WHERE m.org_id = $1 AND m.email = $2`, org, email, today).Scan(&user, &period); err != nil {
		return nil, fmt.Errorf("dashboard scenarios: bench user of %s: %w", slug, err)
	}
	day, err := time.Parse(time.DateOnly, today)
	if err != nil {
		return nil, err
	}
	date := func(t time.Time) string { return lit(t.Format(time.DateOnly)) + "::date" }
	week := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	month := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
	o, t := lit(org), date(day)
	per := "NULL"
	if period != "" {
		per = lit(period)
	}
	// the trend's weeks for the current period: its start (or, with none,
	// the last 12 weeks) to this week
	first := week.AddDate(0, 0, -7*11)
	if period != "" {
		var start time.Time
		if err := db.QueryRowContext(ctx, `SELECT start_date FROM rumbo.periods WHERE id = $1`, period).Scan(&start); err != nil {
			return nil, err
		}
		first = start.AddDate(0, 0, -((int(start.Weekday()) + 6) % 7))
		if earliest := week.AddDate(0, 0, -7*25); first.Before(earliest) {
			first = earliest
		}
	}
	trendCut := week.AddDate(0, 0, -28)
	sc := func(name, path string, stmts ...string) scenario {
		return scenario{Org: slug, Name: name, Path: path, Begin: begin, Statements: stmts}
	}
	// The bench users look at every period; the scenarios of the current
	// period name it in the URL, so the page does the statements' work.
	current := func(path string) string {
		if period == "" {
			return path + "?period=all"
		}
		return path + "?period=" + period
	}
	out := []scenario{
		sc("dashboard stats", current("/fragments/dashboard/stats"), bind(q.DashboardStats, o, t, per)),
		sc("dashboard stats, all periods", "/fragments/dashboard/stats?period=all", bind(q.DashboardStats, o, t, "NULL")),
		sc("dashboard recent objectives", current("/fragments/dashboard/recent"), bind(q.DashboardRecent, o, per)),
		sc("dashboard my activities", current("/fragments/dashboard/my-activities"), bind(q.DashboardMyActivities, o, lit(user), per)),
		sc("dashboard areas, all periods", "/fragments/dashboard/areas?period=all", bind(q.DashboardAreas, o, "NULL")),
		sc("analytics overview, all periods", "/fragments/analytics/overview?period=all",
			bind(q.AnalyticsOverview, o, "NULL", "NULL")),
		sc("analytics areas", current("/fragments/analytics/areas"),
			bind(q.AnalyticsTarget, o), bind(q.AnalyticsAreas, o, per, "NULL", date(trendCut))),
		sc("analytics performers, all periods", "/fragments/analytics/performers?period=all",
			bind(q.AnalyticsPerformers, o, "NULL", "NULL", "5")),
		sc("analytics monthly, all periods", "/fragments/analytics/monthly?period=all",
			bind(q.AnalyticsMonthly, o, "NULL", "NULL", date(month.AddDate(0, -5, 0)), t)),
		sc("analytics deadlines, all periods", "/fragments/analytics/deadlines?period=all",
			bind(q.AnalyticsDeadlines, o, "NULL", "NULL", t, date(day.AddDate(0, 0, 30)), "10")),
		sc("analytics distribution", current("/fragments/analytics/distribution"), bind(q.AnalyticsDistribution, o, per, "NULL")),
	}
	trend := []string{bind(q.DashboardProgressWeeks, o, per, date(first), date(week)),
		bind(q.DashboardCompletionsWeeks, o, per, date(first), t)}
	if period != "" {
		trend = append([]string{bind(q.DashboardPeriod, o, per)}, trend...)
	}
	out = append(out, sc("dashboard trend", current("/fragments/dashboard/trend"), trend...))
	return out, nil
}
