package handlers

// The permission matrix of docs/security.md, enforced here and nowhere
// else: handlers ask r.require(action) before they act. Area scoping (a
// gerente's own area) is checked by the handler that knows the area; the
// matrix says whether the role may act at all. permissions_test.go checks
// this table against the one in docs/security.md.

type action string

const (
	actObjectiveCreate    action = "objective.create"    // corporativo any area; gerente own area
	actMembersView        action = "members.view"        // the member list under settings
	actMembersManage      action = "members.manage"      // change role, area, manager; remove; reset links
	actInvite             action = "invitations.create"  // corporativo any role; gerente empleado into own area
	actInvitationsManage  action = "invitations.manage"  // see, resend, revoke (gerente: own area's)
	actOrganizationManage action = "organization.manage" // name, time zone, logo, colours...
)

// roles in the order the matrix lists them.
var roles = []string{"corporativo", "gerente", "empleado"}

var matrix = map[action]map[string]bool{
	actObjectiveCreate:    {"corporativo": true, "gerente": true},
	actMembersView:        {"corporativo": true, "gerente": true},
	actMembersManage:      {"corporativo": true},
	actInvite:             {"corporativo": true, "gerente": true},
	actInvitationsManage:  {"corporativo": true, "gerente": true},
	actOrganizationManage: {"corporativo": true},
}

// refusals are the 403 messages, one per action.
var refusals = map[action]string{
	actObjectiveCreate:    "Tu rol no permite crear objetivos. Pide a un gerente o a un corporativo que lo haga.",
	actMembersView:        "Solo los corporativos y los gerentes ven la lista de miembros.",
	actMembersManage:      "Solo un corporativo puede cambiar los roles, áreas y responsables de los miembros.",
	actInvite:             "Tu rol no permite invitar personas.",
	actInvitationsManage:  "Tu rol no permite gestionar invitaciones.",
	actOrganizationManage: "Solo un corporativo puede cambiar la configuración de la organización.",
}

// can reports whether the member's role allows the action.
func (r *request) can(a action) bool { return matrix[a][r.sess.Role] }

// require answers 403 with the action's message when the role may not act.
func (r *request) require(a action) error {
	if r.can(a) {
		return nil
	}
	return forbidden(refusals[a])
}
