package queries

// Accounts are sign-up, onboarding, login throttling, sessions and
// password resets (accounts.sql).
type Accounts struct {
	SessionOrganizations string `query:"session-organizations"`
	InvitationForSignup  string `query:"invitation-for-signup"`
	AccountBySession     string `query:"account-by-session"`
	SignUp               string `query:"sign-up"`
	OnboardingDraftSave  string `query:"onboarding-draft-save"`
	OrganizationCreate   string `query:"organization-create"`
	OrganizationSwitch   string `query:"organization-switch"`
	SessionRotate        string `query:"session-rotate"`
	SessionsEndAll       string `query:"sessions-end-all"`
	LoginWait            string `query:"login-wait"`
	LoginFailed          string `query:"login-failed"`
	LoginSucceeded       string `query:"login-succeeded"`
	PasswordResetCreate  string `query:"password-reset-create"`
	MemberResetCreate    string `query:"member-reset-create"`
	PasswordResetInfo    string `query:"password-reset-info"`
	PasswordResetUse     string `query:"password-reset-use"`
}
