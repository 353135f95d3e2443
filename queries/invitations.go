package queries

// Invitations are the invitation management and acceptance queries
// (invitations.sql).
type Invitations struct {
	InvitationsStats   string `query:"invitations-stats"`
	InvitationsList    string `query:"invitations-list"`
	InvitationsPrepare string `query:"invitations-prepare"`
	InvitationsCreate  string `query:"invitations-create"`
	InvitationLock     string `query:"invitation-lock"`
	InvitationRenew    string `query:"invitation-renew"`
	InvitationRevoke   string `query:"invitation-revoke"`
	InvitationByToken  string `query:"invitation-by-token"`
	InvitationAccept   string `query:"invitation-accept"`
}
