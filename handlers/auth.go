package handlers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"rumbo/internal/auth"
	"rumbo/views"
)

type loginForm struct {
	CSRF, Email, Next, Error string
}

// GET /login
func (s *Server) loginPage(c *fiber.Ctx) error {
	return s.renderLogin(c, fiber.StatusOK, loginForm{Next: safeNext(c.Query("next"))})
}

func (s *Server) renderLogin(c *fiber.Ctx, status int, f loginForm) error {
	token, err := s.preSessionToken(c)
	if err != nil {
		return err
	}
	f.CSRF = token
	c.Status(status)
	c.Type("html", "utf-8")
	return s.views.Page(c, "auth/login", views.Layout{Title: "Iniciar sesión", CSRF: token}, f)
}

const msgBadLogin = "Correo o contraseña incorrectos."

// POST /login: the password is checked outside any transaction (argon2id
// takes tens of milliseconds and must not hold a connection); an unknown
// e-mail spends the same time on a dummy hash and gets the same message.
func (s *Server) login(c *fiber.Ctx) error {
	f := loginForm{
		Email: strings.TrimSpace(c.FormValue("email")),
		Next:  safeNext(c.FormValue("next")),
	}
	password := c.FormValue("password")
	if f.Email == "" || password == "" {
		f.Error = "Escribe tu correo y tu contraseña."
		return s.renderLogin(c, fiber.StatusUnprocessableEntity, f)
	}
	if len(f.Email) > 254 || len(password) > 1024 {
		f.Error = msgBadLogin
		return s.renderLogin(c, fiber.StatusUnauthorized, f)
	}

	var cred struct {
		UserID       string `db:"user_id"`
		PasswordHash string `db:"password_hash"`
	}
	err := s.pool.Anonymous(c.UserContext(), true, func(ctx context.Context, tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &cred, s.q.LoginLookup, strings.ToLower(f.Email))
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		auth.VerifyNothing(password)
		f.Error = msgBadLogin
		return s.renderLogin(c, fiber.StatusUnauthorized, f)
	case err != nil:
		return err
	}
	ok, _, err := auth.Verify(password, cred.PasswordHash)
	if err != nil {
		return fmt.Errorf("login: stored hash of user %s: %w", cred.UserID, err)
	}
	if !ok {
		f.Error = msgBadLogin
		return s.renderLogin(c, fiber.StatusUnauthorized, f)
	}

	token, hash, err := auth.NewToken()
	if err != nil {
		return err
	}
	old := s.sessionHash(c)
	err = s.pool.Anonymous(c.UserContext(), false, func(ctx context.Context, tx *sqlx.Tx) error {
		if old != nil {
			if _, err := tx.ExecContext(ctx, s.q.SessionEnd, old); err != nil {
				return err
			}
		}
		var org sql.NullString
		return tx.GetContext(ctx, &org, s.q.SessionStart, hash, cred.UserID,
			interval(s.opts.SessionIdle.Seconds()), interval(s.opts.SessionMax.Seconds()),
			c.Get(fiber.HeaderUserAgent), c.IP())
	})
	if err != nil {
		return err
	}
	s.setSessionCookie(c, token)
	next := f.Next
	if next == "" {
		next = "/"
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

func interval(seconds float64) string { return fmt.Sprintf("%d seconds", int64(seconds)) }

// POST /logout ends the session server-side, whatever state it is in.
func (s *Server) logout(c *fiber.Ctx) error {
	if hash := s.sessionHash(c); hash != nil {
		err := s.pool.Anonymous(c.UserContext(), false, func(ctx context.Context, tx *sqlx.Tx) error {
			_, err := tx.ExecContext(ctx, s.q.SessionEnd, hash)
			return err
		})
		if err != nil {
			return err
		}
	}
	s.clearSessionCookie(c)
	if isHTMX(c) {
		c.Set("HX-Redirect", "/login")
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// GET / leads to the first page that exists.
func (s *Server) home(c *fiber.Ctx, _ *request) error {
	return c.Redirect("/objectives", fiber.StatusSeeOther)
}

// safeNext keeps a post-login redirect on this site: a local absolute path,
// never "//host" or "/\host" (which browsers read as another origin).
func safeNext(next string) string {
	if next == "" || len(next) > 2000 || !strings.HasPrefix(next, "/") ||
		strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return ""
	}
	return next
}
