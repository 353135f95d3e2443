package queries

// Insights are the /insights page's statements (insights.sql).
type Insights struct {
	InsightsPace               string `query:"insights-pace"`
	InsightsStaleKeyResults    string `query:"insights-stale-key-results"`
	InsightsStalledInitiatives string `query:"insights-stalled-initiatives"`
	InsightsOverdueClusters    string `query:"insights-overdue-clusters"`
	InsightsForecastCandidates string `query:"insights-forecast-candidates"`
	InsightDismiss             string `query:"insight-dismiss"`
	InsightRestore             string `query:"insight-restore"`
	InsightItemExists          string `query:"insight-item-exists"`
}
