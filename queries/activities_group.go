package queries

// Activities are the activities queries (activities.sql).
type Activities struct {
	ActivitiesStats           string `query:"activities-stats"`
	ActivitiesList            string `query:"activities-list"`
	ActivitiesCount           string `query:"activities-count"`
	ActivityRow               string `query:"activity-row"`
	ActivityByID              string `query:"activity-by-id"`
	ActivityExists            string `query:"activity-exists"`
	ActivityParent            string `query:"activity-parent"`
	ActivityAssigneeOK        string `query:"activity-assignee-ok"`
	ActivityInitiativeOptions string `query:"activity-initiative-options"`
	ActivityCreate            string `query:"activity-create"`
	ActivityUpdate            string `query:"activity-update"`
	ActivitySetStatus         string `query:"activity-set-status"`
	ActivitySetAssignee       string `query:"activity-set-assignee"`
	ActivityArchive           string `query:"activity-archive"`
	ActivityRestore           string `query:"activity-restore"`
	ActivityDeleteCounts      string `query:"activity-delete-counts"`
	ActivityDelete            string `query:"activity-delete"`
}
