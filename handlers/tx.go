package handlers

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"rumbo/internal/auth"
	"rumbo/internal/rls"
)

// request is what a data handler gets: the request transaction (already
// running as rumbo_app with the session's context) and who is asking.
type request struct {
	ctx  context.Context
	tx   *sqlx.Tx
	sess *rls.Session
	hash []byte // the session token's hash
	srv  *Server
}

// csrf is the session's CSRF token, for pages and forms (fragments that
// carry no form never compute it).
func (r *request) csrf() string { return r.srv.csrfFor(r.hash) }

type txHandler func(c *fiber.Ctx, r *request) error

const localSession = "rumbo.session"

// withTx is the only way a handler reaches the database. It refuses to run
// without a session cookie, opens the request transaction (READ ONLY for
// GET and HEAD) whose first statement checks the session and sets the
// context, runs h, and commits; on any error it rolls back. Rendering happens
// inside h, before the commit: fasthttp sends nothing until the handler
// returns, so a failed commit still becomes an error page.
func (s *Server) withTx(h txHandler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		hash := s.sessionHash(c)
		if hash == nil {
			return s.unauthenticated(c)
		}
		readOnly := c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead
		var touch bool
		run := func() error {
			return s.pool.Request(c.UserContext(), hash, readOnly, func(ctx context.Context, tx *sqlx.Tx, sess *rls.Session) error {
				// A role change gets a new token BEFORE anything is rendered,
				// so the page carries the new session's CSRF token.
				if sess.NeedsRotation {
					return errRotate
				}
				c.Locals(localSession, sess)
				touch = sess.NeedsTouch
				return h(c, &request{ctx: ctx, tx: tx, sess: sess, hash: hash, srv: s})
			})
		}
		err := run()
		if errors.Is(err, errRotate) {
			if hash, err = s.rotate(c, hash); err != nil {
				return err
			}
			err = run()
		}
		switch {
		case errors.Is(err, rls.ErrNoSession):
			s.clearSessionCookie(c)
			return s.unauthenticated(c)
		case errors.Is(err, rls.ErrNoMembership):
			return s.noMembership(c, hash)
		case errors.Is(err, errRotate):
			return errors.New("session still needs rotation after rotating")
		case err != nil:
			return err
		}
		// The idle clock, when older than five minutes, is refreshed in its
		// own short write transaction after the request's.
		if touch {
			if err := s.pool.Touch(c.UserContext(), hash); err != nil {
				s.log.Warn("session touch failed", "err", err)
			}
		}
		return nil
	}
}

// errRotate stops a request whose session must get a new token first.
var errRotate = errors.New("session needs rotation")

// unauthenticated sends a visitor without a valid session to the login
// page: htmx requests get 401 with HX-Redirect (a swap would put the login
// form inside a card), others a 303 that remembers where they were going.
func (s *Server) unauthenticated(c *fiber.Ctx) error {
	if isHTMX(c) {
		c.Set("HX-Redirect", "/login")
		c.Status(fiber.StatusUnauthorized)
		return nil
	}
	target := "/login"
	if p := requestURI(c); p != "/" && c.Method() == fiber.MethodGet {
		target += "?next=" + url.QueryEscape(p)
	}
	return c.Redirect(target, fiber.StatusSeeOther)
}

// Session cookies: __Host- prefixed and Secure behind TLS (directly or via
// a trusted proxy), HttpOnly and SameSite=Lax always.
const (
	sessionCookie       = "rumbo_session"
	secureSessionCookie = "__Host-rumbo_session"
)

func (s *Server) sessionHash(c *fiber.Ctx) []byte {
	token := c.Cookies(secureSessionCookie)
	if token == "" {
		token = c.Cookies(sessionCookie)
	}
	if token == "" || len(token) > 100 {
		return nil
	}
	return auth.HashToken(token)
}

func (s *Server) setSessionCookie(c *fiber.Ctx, token string) {
	secure := c.Protocol() == "https"
	name := sessionCookie
	if secure {
		name = secureSessionCookie
	}
	c.Cookie(&fiber.Cookie{
		Name:     name,
		Value:    token,
		Path:     "/",
		MaxAge:   int(s.opts.SessionMax.Seconds()),
		Secure:   secure,
		HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode,
	})
}

func (s *Server) clearSessionCookie(c *fiber.Ctx) {
	for _, name := range []string{sessionCookie, secureSessionCookie} {
		if c.Cookies(name) != "" {
			c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", Expires: time.Unix(1, 0),
				Secure: name == secureSessionCookie, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode})
		}
	}
}
