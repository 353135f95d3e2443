package queries

// Initiatives are the initiatives queries (initiatives.sql).
type Initiatives struct {
	InitiativesStats           string `query:"initiatives-stats"`
	InitiativesList            string `query:"initiatives-list"`
	InitiativesCount           string `query:"initiatives-count"`
	InitiativeByID             string `query:"initiative-by-id"`
	InitiativeActivities       string `query:"initiative-activities"`
	InitiativeObjective        string `query:"initiative-objective"`
	InitiativeObjectiveChoices string `query:"initiative-objective-choices"`
	InitiativeObjectiveFilter  string `query:"initiative-objective-filter"`
	InitiativeCreate           string `query:"initiative-create"`
	InitiativeUpdate           string `query:"initiative-update"`
	InitiativeExists           string `query:"initiative-exists"`
	InitiativeArchive          string `query:"initiative-archive"`
	InitiativeRestore          string `query:"initiative-restore"`
	InitiativeDeleteCounts     string `query:"initiative-delete-counts"`
	InitiativeDelete           string `query:"initiative-delete"`
}
