package queries

// Analytics are the analytics page's queries (analytics.sql).
type Analytics struct {
	AnalyticsOverview     string `query:"analytics-overview"`
	AnalyticsAreas        string `query:"analytics-areas"`
	AnalyticsTarget       string `query:"analytics-target"`
	AnalyticsTargetSave   string `query:"analytics-target-save"`
	AnalyticsTargetExists string `query:"analytics-target-exists"`
	AnalyticsPerformers   string `query:"analytics-performers"`
	AnalyticsMonthly      string `query:"analytics-monthly"`
	AnalyticsDeadlines    string `query:"analytics-deadlines"`
	AnalyticsDistribution string `query:"analytics-distribution"`
}
