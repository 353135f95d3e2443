package handlers

import "github.com/gofiber/fiber/v2"

// How every form answers. A form works with htmx (a refused form swaps
// itself with its messages; a saved one sends the browser on) and without
// JavaScript (the whole page comes back, or a 303).

// redirectAfterWrite answers a successful write: htmx gets HX-Redirect to
// target and, when event is not empty, HX-Trigger so the stats and tables
// listening for it refresh; a plain form post gets 303 to target.
func redirectAfterWrite(c *fiber.Ctx, event, target string) error {
	if isHTMX(c) {
		if event != "" {
			c.Set("HX-Trigger", event)
		}
		c.Set("HX-Redirect", target)
		return c.SendStatus(fiber.StatusOK)
	}
	return c.Redirect(target, fiber.StatusSeeOther)
}

// rejectForm answers a refused form, already filled with its choices and
// messages: 422 (or the 409 a handler set for a stale or archived item)
// with the form fragment for htmx and the whole page otherwise. Nothing
// was written.
func (s *Server) rejectForm(c *fiber.Ctx, r *request, fragment, page, title, nav string, form any) error {
	if c.Response().StatusCode() != fiber.StatusConflict {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	if isHTMX(c) {
		return s.fragment(c, fragment, form)
	}
	return s.page(c, r, page, title, nav, form)
}
