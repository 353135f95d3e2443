package handlers

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/lib/pq"

	"rumbo/views"
)

// period is the period a stats card or table shows: the `period`
// parameter when the URL has one ("all" or a period's id: shareable
// links), else the member's remembered choice (begin_request resolves
// "current" to the period covering today).
type period struct {
	Param string         // the explicit parameter, "" when following the choice
	ID    sql.NullString // the period to filter by; NULL: all periods
}

func (p period) arg() any {
	if p.ID.Valid {
		return p.ID.String
	}
	return nil
}

func periodOf(c *fiber.Ctx, r *request) (period, error) {
	switch v := c.Query("period"); {
	case v == "":
		return period{ID: r.sess.PeriodID}, nil
	case v == "all":
		return period{Param: v}, nil
	case isUUID(v):
		return period{Param: v, ID: sql.NullString{String: v, Valid: true}}, nil
	}
	return period{}, invalid("El periodo elegido no es válido.")
}

// periodChoices loads the organisation's periods for the selector.
func (s *Server) periodChoices(r *request) (views.PeriodSelector, error) {
	var rows []struct {
		ID   string `db:"id"`
		Name string `db:"name"`
	}
	if err := r.tx.SelectContext(r.ctx, &rows, s.q.PeriodsOptions, r.sess.OrgID); err != nil {
		return views.PeriodSelector{}, fmt.Errorf("periods-options: %w", err)
	}
	pc := views.PeriodSelector{Mode: r.sess.PeriodMode}
	for _, p := range rows {
		chosen := r.sess.PeriodMode == "chosen" && r.sess.PeriodID.String == p.ID
		pc.Options = append(pc.Options, option{Value: p.ID, Label: p.Name, Selected: chosen})
		if r.sess.PeriodID.Valid && r.sess.PeriodID.String == p.ID {
			pc.Resolved = p.Name
		}
	}
	return pc, nil
}

// POST /preferences/period remembers the member's period ("current",
// "all" or a period id) and reloads the page, whose every card follows it.
func (s *Server) periodPreference(c *fiber.Ctx, r *request) error {
	mode, id := "chosen", c.FormValue("period")
	switch id {
	case "current", "all":
		mode, id = id, ""
	default:
		if !isUUID(id) {
			return invalid("El periodo elegido no es válido.")
		}
	}
	var n int64
	err := r.attempt(func() error {
		res, err := r.tx.ExecContext(r.ctx, s.q.PeriodPreferenceSave, r.sess.OrgID, r.sess.UserID, mode, nullable(id))
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23503" {
		return invalid("Ese periodo no existe en tu organización.")
	}
	if err != nil {
		return fmt.Errorf("period-preference-save: %w", err)
	}
	if n != 1 {
		return errors.New("period-preference-save: membership not updated")
	}
	if isHTMX(c) {
		c.Set("HX-Refresh", "true")
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(localReferer(c, "/"), fiber.StatusSeeOther)
}

// localReferer is the path of the page a form was posted from, when it is
// this site's, so a plain form post returns there.
func localReferer(c *fiber.Ctx, fallback string) string {
	u, err := url.Parse(c.Get(fiber.HeaderReferer))
	if err != nil || u.Path == "" || !strings.EqualFold(u.Host, c.Hostname()) {
		return fallback
	}
	if next := safeNext(u.RequestURI()); next != "" {
		return next
	}
	return fallback
}

// periodFragment serves a card that depends on the period only (the stats
// cards of every list, the dashboard's): 304 when the organisation's data
// has not changed, else the card for the period in the URL or the member's.
func periodFragment[T any](s *Server, name string, load func(*request, period) (T, error)) txHandler {
	return func(c *fiber.Ctx, r *request) error {
		if s.notModified(c, r) {
			return nil
		}
		p, err := periodOf(c, r)
		if err != nil {
			return err
		}
		data, err := load(r, p)
		if err != nil {
			return err
		}
		return s.fragment(c, name, data)
	}
}
