package queries

// Areas are the areas and periods queries (areas.sql).
type Areas struct {
	AreasStats        string `query:"areas-stats"`
	AreasTree         string `query:"areas-tree"`
	AreasArchived     string `query:"areas-archived"`
	AreaByID          string `query:"area-by-id"`
	AreaExists        string `query:"area-exists"`
	AreaRefs          string `query:"area-refs"`
	AreaParentOptions string `query:"area-parent-options"`
	AreaCreate        string `query:"area-create"`
	AreaUpdate        string `query:"area-update"`
	AreaArchive       string `query:"area-archive"`
	AreaRestore       string `query:"area-restore"`

	PeriodsList            string `query:"periods-list"`
	PeriodByID             string `query:"period-by-id"`
	PeriodExists           string `query:"period-exists"`
	PeriodCreate           string `query:"period-create"`
	PeriodUpdate           string `query:"period-update"`
	PeriodDeleteCounts     string `query:"period-delete-counts"`
	PeriodDelete           string `query:"period-delete"`
	PeriodsFiscalYearStart string `query:"periods-fiscal-year-start"`
	PeriodsCreateQuarters  string `query:"periods-create-quarters"`
}
