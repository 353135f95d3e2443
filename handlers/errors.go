package handlers

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"net"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/lib/pq"

	"rumbo/internal/rls"
	"rumbo/views"
)

// Error is the handlers' small error vocabulary: a status and the Spanish
// sentence the user sees. Anything that is not an *Error (or a database
// error errorHandler recognises) is an internal error: logged in full,
// shown only as a short sentence.
type Error struct {
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Message }

var (
	errNotFound = &Error{Status: fiber.StatusNotFound, Message: "No encontramos lo que buscas. Puede que no exista o que pertenezca a otra organización."}
)

func invalid(msg string) error { return &Error{Status: fiber.StatusUnprocessableEntity, Message: msg} }

// errStale answers an edit made on an outdated version of a row
// (optimistic concurrency): nothing is overwritten.
var errStale = &Error{Status: fiber.StatusConflict, Message: "Otra persona cambió esto; recarga para ver la versión actual."}

// isForeignKey reports a foreign-key refusal: the related row does not
// exist in this organisation (the composite keys see to that).
func isForeignKey(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "23503"
}
func forbidden(msg string) error { return &Error{Status: fiber.StatusForbidden, Message: msg} }

// classify maps any error to a status and a message fit for users: never a
// SQL error, a constraint name or a stack trace.
func classify(err error) (int, string) {
	var e *Error
	if errors.As(err, &e) {
		return e.Status, e.Message
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case fiber.StatusNotFound:
			return fe.Code, errNotFound.Message
		case fiber.StatusRequestEntityTooLarge:
			return fe.Code, "La solicitud es demasiado grande."
		case fiber.StatusMethodNotAllowed:
			return fe.Code, "Esta dirección no admite ese método."
		case fiber.StatusRequestHeaderFieldsTooLarge:
			return fe.Code, "Las cabeceras de la solicitud son demasiado grandes."
		}
		if fe.Code < 500 {
			return fe.Code, "La solicitud no es válida."
		}
		return fiber.StatusInternalServerError, "Algo salió mal. Ya lo registramos; inténtalo de nuevo en un momento."
	}
	if errors.Is(err, rls.ErrNoMembership) {
		return fiber.StatusForbidden, "Tu cuenta ya no pertenece a esta organización. Pide una invitación o cierra sesión."
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fiber.StatusNotFound, errNotFound.Message
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch {
		case pqErr.Code == "23505":
			return fiber.StatusConflict, "Ya existe un elemento con esos datos."
		case pqErr.Code == "23R09": // 00008: an organisation keeps an active corporativo
			return fiber.StatusConflict, "La organización necesita al menos un corporativo."
		case pqErr.Code == "23503":
			return fiber.StatusUnprocessableEntity, "Un elemento relacionado no existe o pertenece a otra organización."
		case pqErr.Code == "42501":
			return fiber.StatusForbidden, "No tienes permiso para hacer esto."
		case pqErr.Code == "57014":
			return fiber.StatusServiceUnavailable, "La consulta tardó demasiado. Inténtalo de nuevo en un momento."
		case strings.HasPrefix(string(pqErr.Code), "22"), strings.HasPrefix(string(pqErr.Code), "23"):
			return fiber.StatusUnprocessableEntity, "Algún dato no es válido."
		case strings.HasPrefix(string(pqErr.Code), "08"), strings.HasPrefix(string(pqErr.Code), "57P"):
			return fiber.StatusServiceUnavailable, "No se pudo conectar con la base de datos. Inténtalo de nuevo en un momento."
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fiber.StatusServiceUnavailable, "La solicitud tardó demasiado. Inténtalo de nuevo en un momento."
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn) {
		return fiber.StatusServiceUnavailable, "No se pudo conectar con la base de datos. Inténtalo de nuevo en un momento."
	}
	return fiber.StatusInternalServerError, "Algo salió mal. Ya lo registramos; inténtalo de nuevo en un momento."
}

// errorHandler is Fiber's one error handler: fragments get an error state
// with "Reintentar", htmx actions a flash message, pages an error page.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	status, msg := classify(err)
	if status >= 500 {
		// A reference people can quote, matching the log line.
		ref := newReference()
		s.log.Error("request failed", "ref", ref, "method", c.Method(),
			"path", c.Path(), "user", sessionUser(c), "err", err)
		c.Set("X-Request-Id", ref)
		msg += " (referencia " + ref + ")"
	}
	c.Response().ResetBody()
	c.Response().Header.Del("HX-Trigger")
	c.Response().Header.Del("HX-Redirect")
	c.Status(status)
	c.Type("html", "utf-8")
	switch {
	case strings.HasPrefix(c.Path(), "/fragments/"):
		retry := ""
		if c.Method() == fiber.MethodGet {
			retry = requestURI(c)
		}
		return s.views.Fragment(c, "partials/fragment-error", fragmentError{Message: msg, RetryURL: retry})
	case isHTMX(c):
		c.Set("HX-Retarget", "#flash")
		c.Set("HX-Reswap", "innerHTML")
		return s.views.Fragment(c, "partials/flash", flash{Kind: "error", Message: msg})
	}
	return s.renderErrorPage(c, status, msg)
}

func newReference() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type fragmentError struct{ Message, RetryURL string }

type flash struct{ Kind, Message string }

type errorPage struct {
	Status           int
	Heading, Message string
	Back, BackLabel  string
}

func (s *Server) renderErrorPage(c *fiber.Ctx, status int, msg string) error {
	heading := "Algo salió mal"
	switch status {
	case fiber.StatusNotFound:
		heading = "Página no encontrada"
	case fiber.StatusForbidden:
		heading = "Acceso denegado"
	case fiber.StatusUnprocessableEntity, fiber.StatusBadRequest, fiber.StatusRequestEntityTooLarge:
		heading = "Solicitud no válida"
	case fiber.StatusConflict:
		heading = "Conflicto"
	case fiber.StatusServiceUnavailable:
		heading = "Servicio no disponible"
	}
	l := views.Layout{Title: heading}
	if sess := sessionOf(c); sess != nil {
		l = s.layout(c, sess, heading, "", "")
	}
	return s.views.Page(c, "errors/page", l, errorPage{
		Status: status, Heading: heading, Message: msg, Back: "/", BackLabel: "Volver al inicio",
	})
}
