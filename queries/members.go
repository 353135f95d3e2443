package queries

// Members are the member management and organisation settings queries
// (members.sql).
type Members struct {
	MembersStats       string `query:"members-stats"`
	MembersList        string `query:"members-list"`
	MemberByID         string `query:"member-by-id"`
	MemberChoicesCheck string `query:"member-choices-check"`
	MemberUpdate       string `query:"member-update"`
	MemberRemove       string `query:"member-remove"`

	OrganizationSettings   string `query:"organization-settings"`
	TimezoneKnown          string `query:"timezone-known"`
	OrganizationUpdate     string `query:"organization-update"`
	OrganizationLogoSave   string `query:"organization-logo-save"`
	OrganizationLogoRemove string `query:"organization-logo-remove"`
	OrganizationColorsSave string `query:"organization-colors-save"`
	OrganizationLogo       string `query:"organization-logo"`
	OrganizationTheme      string `query:"organization-theme"`
}
