package handlers

import (
	"errors"

	"github.com/lib/pq"
)

// attempt runs a statement that may fail on a constraint (a foreign key
// into another organisation, a duplicate) inside a savepoint, so the
// request transaction survives to re-render the form with the message.
// A constraint error is returned as *pq.Error; anything else as is.
func (r *request) attempt(fn func() error) error {
	if _, err := r.tx.ExecContext(r.ctx, "SAVEPOINT attempt"); err != nil {
		return err
	}
	err := fn()
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code.Class() == "23" {
		if _, rbErr := r.tx.ExecContext(r.ctx, "ROLLBACK TO SAVEPOINT attempt"); rbErr != nil {
			return rbErr
		}
		return err
	}
	if err != nil {
		return err
	}
	_, err = r.tx.ExecContext(r.ctx, "RELEASE SAVEPOINT attempt")
	return err
}

// updateVersioned runs an edit guarded by the row's version (optimistic
// concurrency): query must update `WHERE ... AND version = <the form's>`
// and bump it. When it touches no row, exists (a query taking org and id)
// tells a stale form (409, nothing overwritten) from a missing row (404).
func (r *request) updateVersioned(query, exists, id string, args ...any) error {
	var n int64
	err := r.attempt(func() error {
		res, err := r.tx.ExecContext(r.ctx, query, args...)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	if err != nil || n == 1 {
		return err
	}
	var found bool
	if err := r.tx.GetContext(r.ctx, &found, exists, r.sess.OrgID, id); err != nil {
		return err
	}
	if found {
		return errStale
	}
	return errNotFound
}
