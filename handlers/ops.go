package handlers

import (
	"context"
	"fmt"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"
)

// GET /healthz: the process is up. `rumbo serve` listens only after
// migrations (and demo data) are done, so up means ready to serve pages.
func (s *Server) healthz(c *fiber.Ctx) error {
	return c.SendString("ok")
}

// GET /readyz: the database answers and its schema is this binary's.
func (s *Server) readyz(c *fiber.Ctx) error {
	var version int64
	err := s.pool.Anonymous(c.UserContext(), true, func(ctx context.Context, tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &version, s.q.SchemaVersion)
	})
	if err != nil {
		s.log.Warn("readyz: database unreachable", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).SendString("database unreachable")
	}
	if version != s.opts.SchemaVersion {
		return c.Status(fiber.StatusServiceUnavailable).
			SendString(fmt.Sprintf("schema at migration %d, this binary expects %d", version, s.opts.SchemaVersion))
	}
	return c.SendString("ready")
}
