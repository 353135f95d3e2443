package queries

// Areas are the areas queries (areas.sql).
type Areas struct{}
