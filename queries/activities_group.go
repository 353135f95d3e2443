package queries

// Activities are the activities queries (activities.sql).
type Activities struct{}
