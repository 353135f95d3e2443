package handlers

// The permission matrix of docs/security.md, enforced here and nowhere
// else: handlers ask r.require(action) before they act. Area scoping (a
// gerente's own area) is checked by the handler that knows the area; the
// matrix says whether the role may act at all. permissions_test.go checks
// this table against the one in docs/security.md.

type action string

const (
	actObjectiveCreate    action = "objective.create"    // corporativo any area; gerente own area
	actObjectiveEdit      action = "objective.edit"      // edit, archive, restore, key results: corporativo; gerente own area
	actObjectiveDelete    action = "objective.delete"    // permanent deletion: corporativo only
	actCheckIn            action = "keyresult.checkin"   // corporativo; gerente own area; empleado the key results they own
	actInitiativeEdit     action = "initiative.edit"     // create, edit, archive: corporativo; gerente own area
	actInitiativeDelete   action = "initiative.delete"   // permanent deletion: corporativo only
	actActivityEdit       action = "activity.edit"       // create, edit, archive: corporativo; gerente own area; empleado their own
	actActivityDelete     action = "activity.delete"     // permanent deletion: corporativo only
	actAreasManage        action = "areas.manage"        // create, edit, archive areas: corporativo only
	actPeriodsManage      action = "periods.manage"      // create, edit, delete periods: corporativo only
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
	actObjectiveEdit:      {"corporativo": true, "gerente": true},
	actObjectiveDelete:    {"corporativo": true},
	actCheckIn:            {"corporativo": true, "gerente": true, "empleado": true},
	actInitiativeEdit:     {"corporativo": true, "gerente": true},
	actInitiativeDelete:   {"corporativo": true},
	actActivityEdit:       {"corporativo": true, "gerente": true, "empleado": true},
	actActivityDelete:     {"corporativo": true},
	actAreasManage:        {"corporativo": true},
	actPeriodsManage:      {"corporativo": true},
	actMembersView:        {"corporativo": true, "gerente": true},
	actMembersManage:      {"corporativo": true},
	actInvite:             {"corporativo": true, "gerente": true},
	actInvitationsManage:  {"corporativo": true, "gerente": true},
	actOrganizationManage: {"corporativo": true},
}

// refusals are the 403 messages, one per action.
var refusals = map[action]string{
	actObjectiveCreate:    "Tu rol no permite crear objetivos. Pide a un gerente o a un corporativo que lo haga.",
	actObjectiveEdit:      "Tu rol no permite editar objetivos. Pide a un gerente de su área o a un corporativo que lo haga.",
	actObjectiveDelete:    "Solo un corporativo puede borrar definitivamente.",
	actCheckIn:            "Solo quien es responsable del resultado clave, un gerente de su área o un corporativo puede registrar avances.",
	actInitiativeEdit:     "Tu rol no permite editar iniciativas. Pide a un gerente de su área o a un corporativo que lo haga.",
	actInitiativeDelete:   "Solo un corporativo puede borrar definitivamente.",
	actActivityEdit:       "Solo puedes editar las actividades que tienes asignadas.",
	actActivityDelete:     "Solo un corporativo puede borrar definitivamente.",
	actAreasManage:        "Solo un corporativo puede gestionar las áreas.",
	actPeriodsManage:      "Solo un corporativo puede gestionar los periodos.",
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

// inArea reports whether the member may act on an item of the given area
// under a rule "gerente: own area": a corporativo anywhere, a gerente only
// in the area they belong to (items without an area are the corporativo's).
func (r *request) inArea(areaID string) bool {
	switch r.sess.Role {
	case "corporativo":
		return true
	case "gerente":
		return r.sess.AreaID.Valid && areaID != "" && r.sess.AreaID.String == areaID
	}
	return false
}

// requireInArea is require plus the area rule, with the action's message.
func (r *request) requireInArea(a action, areaID string) error {
	if err := r.require(a); err != nil {
		return err
	}
	if r.sess.Role == "gerente" && !r.inArea(areaID) {
		return forbidden("Como gerente solo puedes hacerlo en tu área.")
	}
	return nil
}
