package handlers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"rumbo/internal/auth"
	"rumbo/views"
)

type loginForm struct {
	CSRF, Email, Next, Error, Notice string
}

// GET /login
func (s *Server) loginPage(c *fiber.Ctx) error {
	f := loginForm{Next: safeNext(c.Query("next"))}
	if c.Query("reset") == "1" {
		f.Notice = "Tu contraseña se actualizó. Inicia sesión con la nueva."
	}
	return s.renderLogin(c, fiber.StatusOK, f)
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

// POST /login. The password is checked outside any transaction (argon2id
// takes tens of milliseconds and must not hold a connection). An unknown
// e-mail spends the same time on a dummy hash, is counted the same way and
// gets the same message as a wrong password. After five quick failures per
// account or per client address each try waits longer (429 with
// Retry-After); a hundred in a row lock the account until a password reset.
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
	email, ip := strings.ToLower(f.Email), c.IP()

	var wait int
	var cred struct {
		UserID       string `db:"user_id"`
		PasswordHash string `db:"password_hash"`
		Locked       bool   `db:"locked"`
	}
	found := true
	err := s.pool.Anonymous(c.UserContext(), true, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &wait, s.q.LoginWait, email, ip); err != nil || wait > 0 {
			return err
		}
		err := tx.GetContext(ctx, &cred, s.q.LoginLookup, email)
		if errors.Is(err, sql.ErrNoRows) {
			found = false
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	if wait > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(wait))
		f.Error = fmt.Sprintf("Demasiados intentos; espera %d segundos.", wait)
		return s.renderLogin(c, fiber.StatusTooManyRequests, f)
	}

	ok, needsRehash := false, false
	if found {
		if ok, needsRehash, err = auth.Verify(password, cred.PasswordHash); err != nil {
			return fmt.Errorf("login: stored hash of user %s: %w", cred.UserID, err)
		}
	} else {
		auth.VerifyNothing(password)
	}
	if !ok {
		if err := s.pool.Anonymous(c.UserContext(), false, func(ctx context.Context, tx *sqlx.Tx) error {
			_, err := tx.ExecContext(ctx, s.q.LoginFailed, email, ip)
			return err
		}); err != nil {
			return err
		}
		f.Error = msgBadLogin
		return s.renderLogin(c, fiber.StatusUnauthorized, f)
	}
	if cred.Locked {
		f.Error = "Esta cuenta está bloqueada tras demasiados intentos fallidos. Restablece tu contraseña para desbloquearla."
		return s.renderLogin(c, fiber.StatusForbidden, f)
	}

	var newHash any
	if needsRehash {
		if newHash, err = auth.Hash(password); err != nil {
			return err
		}
	}
	token, hash, err := auth.NewToken()
	if err != nil {
		return err
	}
	old := s.sessionHash(c)
	err = s.pool.Anonymous(c.UserContext(), false, func(ctx context.Context, tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q.LoginSucceeded, cred.UserID, email, ip, newHash); err != nil {
			return err
		}
		if old != nil {
			if _, err := tx.ExecContext(ctx, s.q.SessionEnd, old); err != nil {
				return err
			}
		}
		var org sql.NullString
		return tx.GetContext(ctx, &org, s.q.SessionStart, hash, cred.UserID,
			interval(s.opts.SessionIdle.Seconds()), interval(s.opts.SessionMax.Seconds()),
			c.Get(fiber.HeaderUserAgent), ip)
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
	return c.Redirect("/dashboard", fiber.StatusSeeOther)
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
