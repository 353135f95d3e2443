package queries

// Initiatives are the initiatives queries (initiatives.sql).
type Initiatives struct{}
