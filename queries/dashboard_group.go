package queries

// Dashboard are the dashboard's and the analytics page's queries
// (dashboard.sql, analytics.sql).
type Dashboard struct {
	DashboardStats            string `query:"dashboard-stats"`
	DashboardRecent           string `query:"dashboard-recent"`
	DashboardMyActivities     string `query:"dashboard-my-activities"`
	DashboardMyOpen           string `query:"dashboard-my-open"`
	DashboardAreas            string `query:"dashboard-areas"`
	DashboardPeriod           string `query:"dashboard-period"`
	DashboardProgressWeeks    string `query:"dashboard-progress-weeks"`
	DashboardCompletionsWeeks string `query:"dashboard-completions-weeks"`

	Analytics
}
