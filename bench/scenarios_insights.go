package main

import (
	"time"

	"rumbo/queries"
)

// insightsScenarios are the /insights fragments with the statements their
// handlers run (handlers/insights.go), bound as the bench user would: org
// and today are SQL literals (quoted uuid and date), begin the request's
// first statement, user the bench member's id literal. The period is
// "all" (NULL): the widest view, the one that costs most.
func insightsScenarios(org, today string, slug, begin, user string, q *queries.Queries) []scenario {
	t, err := time.Parse(time.DateOnly, trimQuotes(today))
	if err != nil {
		return nil
	}
	window := lit(t.AddDate(0, 0, -13).Format(time.DateOnly)) + "::timestamptz"
	day := today + "::date"
	pace := func(limit string) string {
		return bind(q.InsightsPace, org, day, "NULL", user, "false", limit)
	}
	stale := func(limit string) string {
		return bind(q.InsightsStaleKeyResults, org, day, "NULL", user, "false", limit, window, "101")
	}
	stalled := func(limit string) string {
		return bind(q.InsightsStalledInitiatives, org, day, "NULL", user, "false", limit, window, "101")
	}
	overdue := func(limit string) string {
		return bind(q.InsightsOverdueClusters, org, day, "NULL", user, "false", limit, "3")
	}
	forecast := bind(q.InsightsForecastCandidates, org, day, "NULL", user, "100")
	return []scenario{
		{Org: slug, Name: "insights summary", Path: "/fragments/insights/summary?period=all", Begin: begin,
			Statements: []string{pace("20"), stale("20"), stalled("20"), overdue("10"), forecast}},
		{Org: slug, Name: "insights pace", Path: "/fragments/insights/pace?period=all", Begin: begin,
			Statements: []string{pace("20")}},
		{Org: slug, Name: "insights stale", Path: "/fragments/insights/stale?period=all", Begin: begin,
			Statements: []string{stale("20"), stalled("20")}},
		{Org: slug, Name: "insights overdue", Path: "/fragments/insights/overdue?period=all", Begin: begin,
			Statements: []string{overdue("10")}},
		{Org: slug, Name: "insights forecast", Path: "/fragments/insights/forecast?period=all", Begin: begin,
			Statements: []string{forecast}},
	}
}

// trimQuotes turns a date literal ('2026-11-27') back into its text.
func trimQuotes(s string) string {
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return s[1 : len(s)-1]
	}
	return s
}
