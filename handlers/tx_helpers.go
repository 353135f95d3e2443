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
