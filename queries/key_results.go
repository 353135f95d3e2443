package queries

// KeyResults are key results and check-ins (key_results.sql).
type KeyResults struct {
	KeyResultForEdit     string `query:"key-result-for-edit"`
	KeyResultCreate      string `query:"key-result-create"`
	KeyResultUpdate      string `query:"key-result-update"`
	KeyResultExists      string `query:"key-result-exists"`
	KeyResultArchive     string `query:"key-result-archive"`
	KeyResultRestore     string `query:"key-result-restore"`
	CheckInCreate        string `query:"check-in-create"`
	KeyResultSetCurrent  string `query:"key-result-set-current"`
	CheckInsForObjective string `query:"check-ins-for-objective"`
	CheckInsForKeyResult string `query:"check-ins-for-key-result"`
}
