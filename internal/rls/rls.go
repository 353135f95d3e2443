// Package rls is the only way request code reaches the database. A Pool
// wraps the serving pool (which logs in as rumbo_login) and hands out
// transactions whose first statement has already switched to rumbo_app and
// set the request context through app.begin_request (DESIGN.md rule 5). The
// *sqlx.DB never leaves this package, so a handler cannot run a query
// outside such a transaction.
package rls

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rumbo/queries"
)

// Errors a caller must tell apart.
var (
	// ErrNoSession: no session token, an unknown one, or an expired one.
	ErrNoSession = errors.New("rls: no valid session")
	// ErrNoMembership: the session is valid but its user is not a member of
	// the session's current organisation (never joined, or removed).
	ErrNoMembership = errors.New("rls: not a member of the current organisation")
)

// Session is what begin_request returned: who is asking, for which
// organisation, and "today" in that organisation's time zone.
type Session struct {
	UserID      string
	OrgID       string
	Role        string
	AreaID      sql.NullString
	UserName    string
	UserEmail   string
	OrgName     string
	OrgTimezone string
	Today       time.Time
	NeedsTouch  bool
	// NeedsRotation: the member's role changed since the session began, so
	// the wrapper swaps the session token.
	NeedsRotation bool
	// PeriodMode is the member's period choice ("current", "all",
	// "chosen") and PeriodID the period it resolves to today (NULL: all).
	PeriodMode string
	PeriodID   sql.NullString
	// DataVersion changes whenever a write with this organisation's context
	// commits (00012): the fragments' ETags are built on it.
	DataVersion int64
}

// Pool hands out request transactions.
type Pool struct {
	db             *sqlx.DB
	q              *queries.Queries
	timeout        time.Duration
	statementLimit string
}

// NewPool wraps the serving pool. timeout bounds every transaction (a
// context deadline) and every statement in it (statement_timeout).
func NewPool(db *sqlx.DB, q *queries.Queries, timeout time.Duration) *Pool {
	return &Pool{db: db, q: q, timeout: timeout, statementLimit: strconv.FormatInt(timeout.Milliseconds(), 10)}
}

// Request runs fn in a transaction with the context of the session whose
// token hashes to tokenHash: READ ONLY when readOnly (GET), rolled back when
// fn fails, committed otherwise. It refuses to run without a token.
func (p *Pool) Request(ctx context.Context, tokenHash []byte, readOnly bool, fn func(context.Context, *sqlx.Tx, *Session) error) error {
	if len(tokenHash) == 0 {
		return ErrNoSession
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	tx, err := p.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: readOnly})
	if err != nil {
		return fmt.Errorf("rls: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var s Session
	var roleSet, timeoutSet, pathSet, tzSet string
	// Scanned by position, not through sqlx's reflection: this runs on
	// every request.
	if err := tx.QueryRowContext(ctx, p.q.RequestBegin, tokenHash, p.statementLimit).Scan(
		&s.UserID, &s.OrgID, &s.Role, &s.AreaID, &s.UserName, &s.UserEmail, &s.OrgName,
		&s.OrgTimezone, &s.Today, &s.NeedsTouch, &s.NeedsRotation, &s.PeriodMode, &s.PeriodID, &s.DataVersion,
		&roleSet, &timeoutSet, &pathSet, &tzSet); err != nil {
		return classify(err)
	}
	if err := fn(ctx, tx, &s); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("rls: commit: %w", err)
	}
	return nil
}

// Anonymous runs fn as rumbo_app with no context: it sees no
// organisation's rows and can only call the SECURITY DEFINER functions meant
// for pre-session steps (login, logout).
func (p *Pool) Anonymous(ctx context.Context, readOnly bool, fn func(context.Context, *sqlx.Tx) error) error {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	tx, err := p.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: readOnly})
	if err != nil {
		return fmt.Errorf("rls: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var set struct {
		RoleSet    string `db:"role_set"`
		TimeoutSet string `db:"timeout_set"`
		PathSet    string `db:"path_set"`
	}
	if err := tx.GetContext(ctx, &set, p.q.RequestBeginAnonymous, p.statementLimit); err != nil {
		return fmt.Errorf("rls: begin anonymous: %w", err)
	}
	if err := fn(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("rls: commit: %w", err)
	}
	return nil
}

// Touch refreshes a session's idle clock in its own short write
// transaction, so GET transactions stay READ ONLY.
func (p *Pool) Touch(ctx context.Context, tokenHash []byte) error {
	return p.Request(ctx, tokenHash, false, func(ctx context.Context, tx *sqlx.Tx, _ *Session) error {
		_, err := tx.ExecContext(ctx, p.q.SessionTouch, tokenHash)
		return err
	})
}

// Stats reports the pool's use, for /metrics.
func (p *Pool) Stats() sql.DBStats { return p.db.Stats() }

// Close closes the pool.
func (p *Pool) Close() error { return p.db.Close() }

func classify(err error) error {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code {
		case "RB401":
			return ErrNoSession
		case "RB403":
			return ErrNoMembership
		}
	}
	return fmt.Errorf("rls: begin request: %w", err)
}
