package handlers

import (
	"fmt"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"rumbo/internal/auth"
)

// CSRF tokens are HMACs, so nothing is stored: the session token is derived
// from the session's hash, and before a session exists (login form) from a
// random pre-session cookie. Forms send the token as _csrf, htmx as the
// X-CSRF-Token header (set once on <body> by the layout).
const preSessionCookie = "rumbo_pre"

func (s *Server) csrfFor(sessionHash []byte) string {
	return auth.Sign(s.opts.Secret, "csrf-session", string(sessionHash))
}

func (s *Server) csrfForPre(pre string) string {
	return auth.Sign(s.opts.Secret, "csrf-pre", pre)
}

// preSessionToken returns the login form's CSRF token, setting the
// pre-session cookie when the visitor has none yet.
func (s *Server) preSessionToken(c *fiber.Ctx) (string, error) {
	pre := c.Cookies(preSessionCookie)
	if len(pre) < 20 || len(pre) > 100 {
		token, _, err := auth.NewToken()
		if err != nil {
			return "", err
		}
		pre = token
		c.Cookie(&fiber.Cookie{Name: preSessionCookie, Value: pre, Path: "/", HTTPOnly: true,
			Secure: c.Protocol() == "https", SameSite: fiber.CookieSameSiteLaxMode, MaxAge: int((24 * time.Hour).Seconds())})
	}
	return s.csrfForPre(pre), nil
}

var errCSRF = &Error{Status: fiber.StatusForbidden,
	Message: "Falta el token de seguridad o ha caducado. Recarga la página e inténtalo de nuevo."}

var errCrossSite = &Error{Status: fiber.StatusForbidden,
	Message: "Solicitud rechazada: viene de otro sitio web."}

// csrf guards every POST: first the browser's own word on where the request
// came from (Sec-Fetch-Site, else Origin), then the token.
func (s *Server) csrf(c *fiber.Ctx) error {
	if !s.sameOrigin(c) {
		return errCrossSite
	}
	sent := c.Get("X-CSRF-Token")
	if sent == "" {
		sent = c.FormValue("_csrf")
	}
	if sent == "" {
		return errCSRF
	}
	if hash := s.sessionHash(c); hash != nil && auth.Equal(sent, s.csrfFor(hash)) {
		return c.Next()
	}
	if pre := c.Cookies(preSessionCookie); pre != "" && auth.Equal(sent, s.csrfForPre(pre)) {
		return c.Next()
	}
	return errCSRF
}

// sameOrigin accepts a request that browsers mark same-origin (or direct,
// "none"), or whose Origin names this host; requests without either header
// (non-browser clients) still need the token.
func (s *Server) sameOrigin(c *fiber.Ctx) bool {
	switch c.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "":
	default:
		return false
	}
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || origin == "null" {
		return false
	}
	return strings.EqualFold(u.Host, c.Hostname())
}

// securityHeaders: a strict Content-Security-Policy (no inline script or
// style anywhere), no framing, and no caching of private pages.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Next()
}

// staticCache lets browsers keep assets: their URLs carry a content hash.
func (s *Server) staticCache(c *fiber.Ctx) error {
	if c.Query("v") != "" || strings.Contains(c.Path(), "htmx-") {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	}
	return c.Next()
}

// recover turns a panic into a logged 500 instead of a dropped connection.
func (s *Server) recover(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic", "path", c.Path(), "panic", r,
				"stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return c.Next()
}
