package handlers

import (
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Fragments that polling dashboards refresh answer a conditional request
// with 304 after nothing but begin_request: the ETag is built from the
// organisation's data version (00012, bumped at the commit of every write
// with its context) and everything else a fragment depends on — who asks
// (role, area, their own items), the period they look at, today in the
// organisation's time zone, the URL, whether htmx asks, the session's CSRF
// token (forms inside) and the server's boot.

// notModified sets the response's ETag and reports whether the client's
// copy is current, in which case it has answered 304 with no body.
func (s *Server) notModified(c *fiber.Ctx, r *request) bool {
	h := sha256.New()
	for _, part := range []string{
		s.bootID, strconv.FormatInt(r.sess.DataVersion, 10), r.sess.OrgID, r.sess.UserID, r.sess.Role,
		r.sess.AreaID.String, r.sess.PeriodMode, r.sess.PeriodID.String, r.sess.Today.Format(time.DateOnly),
		requestURI(c), c.Get("HX-Request"), c.Get("HX-Target"), c.Get("HX-Trigger"), r.csrf(),
	} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	tag := `W/"` + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18]) + `"`
	c.Set(fiber.HeaderETag, tag)
	// The browser keeps the copy but asks every time (private: one person's).
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	c.Set(fiber.HeaderVary, "HX-Request, HX-Target, HX-Trigger, Cookie")
	if etagMatches(c.Get(fiber.HeaderIfNoneMatch), tag) {
		c.Status(fiber.StatusNotModified)
		c.Response().ResetBody()
		return true
	}
	return false
}

// etagMatches applies If-None-Match's weak comparison: any listed tag, or *.
func etagMatches(header, tag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == strings.TrimPrefix(tag, "W/") {
			return true
		}
	}
	return false
}
