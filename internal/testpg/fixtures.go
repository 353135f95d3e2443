package testpg

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"rumbo/internal/auth"
)

// Fixtures are written as rumbo_owner (the only role allowed to write
// across organisations); tests then read and write through rumbo_app with a
// real context, the way requests do.

// Password is every fixture user's password.
const Password = "contraseña-de-prueba"

var passwordHash = sync.OnceValue(func() string {
	h, err := auth.Hash(Password)
	if err != nil {
		panic(err)
	}
	return h
})

// Org is a fixture organisation.
type Org struct{ ID, Slug, Name string }

// User is a fixture user.
type User struct{ ID, Email, Name string }

func unique() string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func (db *DB) exec(t testing.TB, dest any, query string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var err error
	if dest != nil {
		err = db.Owner.GetContext(ctx, dest, query, args...)
	} else {
		_, err = db.Owner.ExecContext(ctx, query, args...)
	}
	if err != nil {
		t.Fatalf("fixture: %v\n%s", err, query)
	}
}

// NewOrg creates an organisation (time zone UTC unless tz is given).
func (db *DB) NewOrg(t testing.TB, name string, tz ...string) Org {
	t.Helper()
	o := Org{Name: name, Slug: slug(name) + "-" + unique()}
	zone := "UTC"
	if len(tz) > 0 {
		zone = tz[0]
	}
	db.exec(t, &o.ID, `INSERT INTO organizations (name, slug, timezone) VALUES ($1, $2, $3) RETURNING id`, name, o.Slug, zone)
	return o
}

func slug(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

// NewUser creates a user whose password is Password.
func (db *DB) NewUser(t testing.TB, name string) User {
	t.Helper()
	u := User{Name: name, Email: slug(name) + "-" + unique() + "@example.test"}
	db.exec(t, &u.ID, `INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING id`,
		u.Email, name, passwordHash())
	return u
}

// AddMember makes u a member of o with role (and area, if not empty).
func (db *DB) AddMember(t testing.TB, o Org, u User, role, areaID string) {
	t.Helper()
	db.exec(t, nil, `INSERT INTO memberships (org_id, user_id, role, name, email, area_id) VALUES ($1, $2, $3, $4, $5, $6)`,
		o.ID, u.ID, role, u.Name, u.Email, nullable(areaID))
}

// Member creates a user and makes them a member of o.
func (db *DB) Member(t testing.TB, o Org, name, role string) User {
	t.Helper()
	u := db.NewUser(t, name)
	db.AddMember(t, o, u, role, "")
	return u
}

// NewArea creates an area and returns its id.
func (db *DB) NewArea(t testing.TB, o Org, name string) string {
	t.Helper()
	var id string
	db.exec(t, &id, `INSERT INTO areas (org_id, name) VALUES ($1, $2) RETURNING id`, o.ID, name)
	return id
}

// Objective describes a fixture objective; zero values get defaults.
type Objective struct {
	Title, Status, Priority, Owner, Area, Parent string
	Start, End                                   time.Time
	Progress                                     int // manual progress (no key results)
}

// NewObjective creates an objective and returns its id.
func (db *DB) NewObjective(t testing.TB, o Org, spec Objective) string {
	t.Helper()
	if spec.Status == "" {
		spec.Status = "in_progress"
	}
	if spec.Priority == "" {
		spec.Priority = "medium"
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	if spec.Start.IsZero() {
		spec.Start = today.AddDate(0, -1, 0)
	}
	if spec.End.IsZero() {
		spec.End = today.AddDate(0, 2, 0)
	}
	var id string
	db.exec(t, &id, `INSERT INTO objectives (org_id, title, status, priority, owner_id, area_id, parent_id,
		start_date, end_date, progress_manual) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		o.ID, spec.Title, spec.Status, spec.Priority, nullable(spec.Owner), nullable(spec.Area), nullable(spec.Parent),
		spec.Start, spec.End, spec.Progress)
	return id
}

// KeyResult describes a fixture key result.
type KeyResult struct {
	Title                  string
	Kind, Direction        string
	Start, Target, Current float64
	Weight                 float64
}

// NewKeyResult creates a key result under objective and returns its id.
func (db *DB) NewKeyResult(t testing.TB, o Org, objective string, spec KeyResult) string {
	t.Helper()
	if spec.Kind == "" {
		spec.Kind = "number"
	}
	if spec.Direction == "" {
		spec.Direction = "increase"
	}
	if spec.Weight == 0 {
		spec.Weight = 1
	}
	var id string
	db.exec(t, &id, `INSERT INTO key_results (org_id, objective_id, title, kind, direction, start_value, target_value,
		current_value, weight) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		o.ID, objective, spec.Title, spec.Kind, spec.Direction, spec.Start, spec.Target, spec.Current, spec.Weight)
	return id
}

// Select runs a fixture query as rumbo_owner into a slice.
func (db *DB) Select(t testing.TB, dest any, query string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := db.Owner.SelectContext(ctx, dest, query, args...); err != nil {
		t.Fatalf("fixture: %v\n%s", err, query)
	}
}

// Exec runs a fixture statement as rumbo_owner.
func (db *DB) Exec(t testing.TB, query string, args ...any) {
	t.Helper()
	db.exec(t, nil, query, args...)
}

// Get runs a fixture query as rumbo_owner into dest.
func (db *DB) Get(t testing.TB, dest any, query string, args ...any) {
	t.Helper()
	db.exec(t, dest, query, args...)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
