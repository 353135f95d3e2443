package handlers

import (
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

// page renders a full document for a signed-in member.
func (s *Server) page(c *fiber.Ctx, r *request, name, title, nav string, data any) error {
	c.Type("html", "utf-8")
	return s.views.Page(c, name, s.layout(c, r.sess, title, nav, r.csrf()), data)
}

// fragment renders one {{define}} alone, for htmx.
func (s *Server) fragment(c *fiber.Ctx, name string, data any) error {
	c.Type("html", "utf-8")
	return s.views.Fragment(c, name, data)
}

// option is one choice of a <select>.
type option struct {
	Value, Label string
	Selected     bool
}

// requestURI is the path and query of the request, even when a client sent
// an absolute URI in the request line.
func requestURI(c *fiber.Ctx) string {
	return string(c.Request().URI().RequestURI())
}
