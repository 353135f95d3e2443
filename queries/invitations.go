package queries

// Invitations are the invitation management and acceptance queries
// (invitations.sql).
type Invitations struct{}
