package queries

// Members are the member management and organisation settings queries
// (members.sql).
type Members struct{}
