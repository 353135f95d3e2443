package handlers

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"rumbo/internal/rls"
	"rumbo/views"
)

// isHTMX reports a targeted htmx request (a fragment refresh or an hx-post
// form), which gets a fragment back. Boosted requests swap the whole body,
// so they are treated like plain ones and get pages or redirects.
func isHTMX(c *fiber.Ctx) bool {
	return c.Get("HX-Request") == "true" && c.Get("HX-Boosted") != "true"
}

func sessionOf(c *fiber.Ctx) *rls.Session {
	sess, _ := c.Locals(localSession).(*rls.Session)
	return sess
}

func sessionUser(c *fiber.Ctx) string {
	if sess := sessionOf(c); sess != nil {
		return sess.UserID
	}
	return ""
}

// layout is the common part of every signed-in page.
func (s *Server) layout(c *fiber.Ctx, sess *rls.Session, title, nav, csrf string) views.Layout {
	if csrf == "" {
		if hash := s.sessionHash(c); hash != nil {
			csrf = s.csrfFor(hash)
		}
	}
	return views.Layout{
		Title: title,
		CSRF:  csrf,
		Nav:   nav,
		User: &views.LayoutUser{
			Name: sess.UserName, Email: sess.UserEmail, Role: sess.Role, OrgName: sess.OrgName,
		},
	}
}

// settingsNav are the settings pages, each shown to the roles that may use it.
var settingsNav = []struct {
	views.NavItem
	act action
}{
	{views.NavItem{Key: "members", Label: "Miembros", Href: "/settings/members"}, actMembersView},
	{views.NavItem{Key: "invitations", Label: "Invitaciones", Href: "/settings/invitations"}, actInvitationsManage},
	{views.NavItem{Key: "periods", Label: "Periodos", Href: "/settings/periods"}, actPeriodsManage},
	{views.NavItem{Key: "organization", Label: "Organización", Href: "/settings/organization"}, actOrganizationManage},
}

// page renders a full document for a signed-in member, with the
// organisation switcher (one query) in its menu.
func (s *Server) page(c *fiber.Ctx, r *request, name, title, nav string, data any) error {
	l := s.layout(c, r.sess, title, nav, r.csrf())
	if err := r.tx.SelectContext(r.ctx, &l.User.Orgs, s.q.SessionOrganizations, r.hash); err != nil {
		return fmt.Errorf("session-organizations: %w", err)
	}
	for i := range l.User.Orgs {
		o := &l.User.Orgs[i]
		if o.Current = o.ID == r.sess.OrgID; o.Current {
			l.User.HasLogo, l.User.LookVersion = o.HasLogo, o.Look
		}
	}
	pc, err := s.periodChoices(r)
	if err != nil {
		return err
	}
	l.Period = &pc
	for _, item := range settingsNav {
		if r.can(item.act) {
			l.User.Settings = append(l.User.Settings, item.NavItem)
		}
	}
	c.Type("html", "utf-8")
	return s.views.Page(c, name, l, data)
}

// fragment renders one {{define}} alone, for htmx.
func (s *Server) fragment(c *fiber.Ctx, name string, data any) error {
	c.Type("html", "utf-8")
	return s.views.Fragment(c, name, data)
}

// option is one choice of a <select>.
type option = views.Choice

// requestURI is the path and query of the request, even when a client sent
// an absolute URI in the request line.
func requestURI(c *fiber.Ctx) string {
	return string(c.Request().URI().RequestURI())
}

// baseURL is where links in e-mails and copyable links point: RUMBO_BASE_URL,
// else the scheme and host this request came in on.
func (s *Server) baseURL(c *fiber.Ctx) string {
	if s.opts.BaseURL != "" {
		return s.opts.BaseURL
	}
	return c.Protocol() + "://" + c.Hostname()
}
