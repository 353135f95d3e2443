// Package demo loads the two demo organisations of DESIGN.md ("Demo data"):
// Acme Andina and Globex Sur, with realistic Spanish OKRs whose dates are
// relative to today in each organisation's time zone, so a fresh demo always
// has overdue and due-soon work.
//
// Load writes everything in one transaction through a connection acting as
// rumbo_owner (database.OpenOwner), whose explicit RLS policies let it write
// across organisations. It inserts each table with one statement (column
// arrays unnested server-side); progress and stat_buckets are left to the
// database's triggers (migrations 00004 and 00005), exactly as for rows the
// app writes.
package demo

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rumbo/internal/auth"
)

// ErrNotEmpty is returned by Load when the database already has an
// organisation: demo data goes only into an empty database.
var ErrNotEmpty = errors.New("demo: the database already has organisations")

// Password is every demo account's password.
const Password = "rumbo-demo"

// Account is one demo login, for start-up to print.
type Account struct{ Email, Description string }

// Accounts are the five demo logins in DESIGN.md's order, each described by
// its organisations and roles, e.g. "Acme Andina · corporativo".
var Accounts = accounts()

// Slugs are the demo organisations' slugs (Slugs[0] tells whether the demo
// is loaded).
var Slugs = []string{"acme-andina", "globex-sur"}

func accounts() []Account {
	out := make([]Account, 0, len(users))
	for _, u := range users {
		var roles []string
		for _, o := range orgs {
			for _, m := range o.Members {
				if m.Email == u.Email {
					roles = append(roles, o.Name+" · "+m.Role)
				}
			}
		}
		out = append(out, Account{Email: u.Email, Description: strings.Join(roles, "; ")})
	}
	return out
}

// One statement per table. Values arrive as text arrays, one per column, and
// are cast here; an empty string means NULL in nullable columns.
const (
	insertOrgs = `
INSERT INTO organizations (id, name, slug, timezone, currency, created_at, updated_at)
SELECT id::uuid, name, slug, timezone, currency, created_at::timestamptz, created_at::timestamptz
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
    AS r(id, name, slug, timezone, currency, created_at)`

	insertUsers = `
INSERT INTO users (id, email, name, password_hash, last_org_id, created_at, updated_at)
SELECT id::uuid, email, name, password_hash, nullif(last_org_id, '')::uuid, created_at::timestamptz, created_at::timestamptz
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
    AS r(id, email, name, password_hash, last_org_id, created_at)`

	insertAreas = `
INSERT INTO areas (org_id, id, name, code, description, parent_id, status, color, created_at, updated_at)
SELECT org_id::uuid, id::uuid, name, code, description, nullif(parent_id, '')::uuid, status, color,
       created_at::timestamptz, created_at::timestamptz
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
    AS r(org_id, id, name, code, description, parent_id, status, color, created_at)`

	insertMemberships = `
INSERT INTO memberships (org_id, user_id, role, name, email, area_id, manager_id, created_at, last_active_at)
SELECT org_id::uuid, user_id::uuid, role, name, email, nullif(area_id, '')::uuid, nullif(manager_id, '')::uuid,
       created_at::timestamptz, last_active_at::timestamptz
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
    AS r(org_id, user_id, role, name, email, area_id, manager_id, created_at, last_active_at)`

	// Areas and memberships point at each other: areas go in first, their
	// managers once the memberships exist.
	updateAreaManagers = `
UPDATE areas AS a SET manager_id = r.manager_id::uuid
FROM unnest($1::text[], $2::text[], $3::text[]) AS r(org_id, area_id, manager_id)
WHERE a.org_id = r.org_id::uuid AND a.id = r.area_id::uuid`

	insertPeriods = `
INSERT INTO periods (org_id, id, name, start_date, end_date)
SELECT org_id::uuid, id::uuid, name, start_date::date, end_date::date
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
    AS r(org_id, id, name, start_date, end_date)`

	insertObjectives = `
INSERT INTO objectives (org_id, id, title, description, owner_id, area_id, period_id, parent_id, status, priority,
                        start_date, end_date, created_by, created_at, updated_at)
SELECT org_id::uuid, id::uuid, title, description, nullif(owner_id, '')::uuid, nullif(area_id, '')::uuid,
       nullif(period_id, '')::uuid, nullif(parent_id, '')::uuid, status, priority, start_date::date, end_date::date,
       nullif(created_by, '')::uuid, created_at::timestamptz, updated_at::timestamptz
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
    AS r(org_id, id, title, description, owner_id, area_id, period_id, parent_id, status, priority,
         start_date, end_date, created_by, created_at, updated_at)`

	insertKeyResults = `
INSERT INTO key_results (org_id, id, objective_id, title, kind, direction, start_value, target_value, current_value,
                         unit, owner_id, position, created_at, updated_at)
SELECT org_id::uuid, id::uuid, objective_id::uuid, title, kind, direction, start_value::numeric,
       target_value::numeric, current_value::numeric, unit, nullif(owner_id, '')::uuid, position::integer,
       created_at::timestamptz, updated_at::timestamptz
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
    AS r(org_id, id, objective_id, title, kind, direction, start_value, target_value, current_value,
         unit, owner_id, position, created_at, updated_at)`

	insertCheckIns = `
INSERT INTO check_ins (org_id, id, key_result_id, value, confidence, note, author_id, created_at)
SELECT org_id::uuid, id::uuid, key_result_id::uuid, value::numeric, confidence::smallint, note,
       nullif(author_id, '')::uuid, created_at::timestamptz
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
    AS r(org_id, id, key_result_id, value, confidence, note, author_id, created_at)`

	insertInitiatives = `
INSERT INTO initiatives (org_id, id, objective_id, title, owner_id, status, priority, start_date, end_date,
                         progress_manual, created_by, created_at, updated_at)
SELECT org_id::uuid, id::uuid, objective_id::uuid, title, nullif(owner_id, '')::uuid, status, priority,
       start_date::date, end_date::date, progress_manual::smallint, nullif(created_by, '')::uuid,
       created_at::timestamptz, updated_at::timestamptz
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
    AS r(org_id, id, objective_id, title, owner_id, status, priority, start_date, end_date,
         progress_manual, created_by, created_at, updated_at)`

	insertActivities = `
INSERT INTO activities (org_id, id, initiative_id, title, assignee_id, status, priority, start_date, due_date,
                        completed_at, estimated_hours, actual_hours, created_by, created_at, updated_at)
SELECT org_id::uuid, id::uuid, initiative_id::uuid, title, nullif(assignee_id, '')::uuid, status, priority,
       nullif(start_date, '')::date, nullif(due_date, '')::date, nullif(completed_at, '')::timestamptz,
       nullif(estimated_hours, '')::numeric, nullif(actual_hours, '')::numeric, nullif(created_by, '')::uuid,
       created_at::timestamptz, updated_at::timestamptz
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
    AS r(org_id, id, initiative_id, title, assignee_id, status, priority, start_date, due_date,
         completed_at, estimated_hours, actual_hours, created_by, created_at, updated_at)`

	insertComments = `
INSERT INTO comments (org_id, id, objective_id, initiative_id, author_id, body, created_at, updated_at)
SELECT org_id::uuid, id::uuid, nullif(objective_id, '')::uuid, nullif(initiative_id, '')::uuid,
       nullif(author_id, '')::uuid, body, created_at::timestamptz, updated_at::timestamptz
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
    AS r(org_id, id, objective_id, initiative_id, author_id, body, created_at, updated_at)`

	insertChanges = `
INSERT INTO changes (org_id, id, objective_id, initiative_id, actor_id, field, old_value, new_value, created_at)
SELECT org_id::uuid, id::uuid, nullif(objective_id, '')::uuid, nullif(initiative_id, '')::uuid,
       nullif(actor_id, '')::uuid, field, old_value, new_value, created_at::timestamptz
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
    AS r(org_id, id, objective_id, initiative_id, actor_id, field, old_value, new_value, created_at)`
)

// Load writes the demo organisations, users and OKRs in one transaction. It
// returns ErrNotEmpty, and writes nothing, when the database already has an
// organisation. db must act as rumbo_owner with search_path rumbo
// (database.OpenOwner).
func Load(ctx context.Context, db *sqlx.DB, say func(string, ...any)) (err error) {
	started := time.Now()
	if err := validate(); err != nil {
		return err
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()

	// Serialises concurrent loaders (and sign-ups) so the emptiness check
	// stays true until COMMIT; readers are not blocked.
	if _, err := tx.ExecContext(ctx, `LOCK TABLE organizations IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	var exists bool
	if err := tx.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM organizations)`); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if exists {
		return ErrNotEmpty
	}
	emails := make([]string, len(users))
	for i, u := range users {
		emails[i] = u.Email
	}
	var taken []string
	if err := tx.SelectContext(ctx, &taken, `SELECT email FROM users WHERE email = ANY ($1::text[]) ORDER BY email`,
		pq.StringArray(emails)); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if len(taken) > 0 {
		return fmt.Errorf("demo: the database already has the account %s; demo data needs an empty database", taken[0])
	}

	now, days, err := clock(ctx, tx)
	if err != nil {
		return err
	}
	hashes, err := hashPasswords()
	if err != nil {
		return err
	}
	r := newBuilder(now, hashes).build(days)

	steps := []struct {
		table string
		query string
		rows  *batch
	}{
		{"organizations", insertOrgs, r.orgs},
		{"users", insertUsers, r.users},
		{"areas", insertAreas, r.areas},
		{"memberships", insertMemberships, r.memberships},
		{"area managers", updateAreaManagers, r.areaManagers},
		{"periods", insertPeriods, r.periods},
		{"objectives", insertObjectives, r.objectives},
		{"key_results", insertKeyResults, r.keyResults},
		{"check_ins", insertCheckIns, r.checkIns},
		{"initiatives", insertInitiatives, r.initiatives},
		{"activities", insertActivities, r.activities},
		{"comments", insertComments, r.comments},
		{"changes", insertChanges, r.changes},
	}
	for _, s := range steps {
		if s.rows.len() == 0 {
			continue
		}
		args := make([]any, len(s.rows.cols))
		for i, c := range s.rows.cols {
			args[i] = pq.StringArray(c)
		}
		if _, err := tx.ExecContext(ctx, s.query, args...); err != nil {
			return fmt.Errorf("demo: insert %s: %w", s.table, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("demo: commit: %w", err)
	}
	if say != nil {
		say("loaded demo data: %d organisations, %d users, %d areas, %d objectives, %d key results, %d check-ins, "+
			"%d initiatives, %d activities, %d comments (%d ms)",
			r.orgs.len(), r.users.len(), r.areas.len(), r.objectives.len(), r.keyResults.len(), r.checkIns.len(),
			r.initiatives.len(), r.activities.len(), r.comments.len(), time.Since(started).Milliseconds())
	}
	return nil
}

// clock reads the transaction's now() and, for each demo organisation (in
// content order), a fresh id, today's date in its time zone (computed the
// way the app computes "today", in app.begin_request) and the zone's offset.
func clock(ctx context.Context, tx *sqlx.Tx) (time.Time, []orgDay, error) {
	zones := make([]string, len(orgs))
	for i, o := range orgs {
		zones[i] = o.Timezone
	}
	var res []struct {
		Now    time.Time `db:"now"`
		Today  string    `db:"today"`
		Offset int       `db:"utc_offset"`
	}
	if err := tx.SelectContext(ctx, &res, `
		SELECT now() AS now, to_char((now() AT TIME ZONE t.tz)::date, 'YYYY-MM-DD') AS today,
		       extract(epoch FROM (now() AT TIME ZONE t.tz) - (now() AT TIME ZONE 'UTC'))::integer AS utc_offset
		FROM unnest($1::text[]) WITH ORDINALITY AS t(tz, i)
		ORDER BY t.i`, pq.StringArray(zones)); err != nil {
		return time.Time{}, nil, fmt.Errorf("demo: %w", err)
	}
	days := make([]orgDay, len(res))
	for i, x := range res {
		today, err := time.Parse(time.DateOnly, x.Today)
		if err != nil {
			return time.Time{}, nil, fmt.Errorf("demo: today in %s: %w", zones[i], err)
		}
		days[i] = orgDay{id: newID(), today: today, offset: x.Offset}
	}
	if len(res) == 0 {
		return time.Time{}, nil, errors.New("demo: no organisations to load")
	}
	return res[0].Now, days, nil
}

// hashPasswords hashes the demo password once per user (argon2id, salted),
// in parallel: auth bounds how many hashes run at once.
func hashPasswords() (map[string]string, error) {
	hashes := make([]string, len(users))
	errs := make([]error, len(users))
	var wg sync.WaitGroup
	for i := range users {
		wg.Go(func() { hashes[i], errs[i] = auth.Hash(Password) })
	}
	wg.Wait()
	out := make(map[string]string, len(users))
	for i, u := range users {
		if errs[i] != nil {
			return nil, fmt.Errorf("demo: hash password: %w", errs[i])
		}
		out[u.Email] = hashes[i]
	}
	return out, nil
}

var (
	slugPattern  = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	colorPattern = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)
	codePattern  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,20}$`)
)

// validate checks the content against the schema's rules and its own
// cross-references, so a typo in content.go fails with a clear message
// instead of a constraint error halfway through the load.
func validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("demo content: "+format, args...)) }
	in := func(v string, allowed ...string) bool {
		for _, a := range allowed {
			if v == a {
				return true
			}
		}
		return false
	}
	title := func(where, t string) {
		if strings.TrimSpace(t) == "" || len([]rune(t)) > 200 {
			bad("%s: title %q is empty or longer than 200 characters", where, t)
		}
	}
	userSeen := map[string]bool{}
	for _, u := range users {
		if u.Email != strings.ToLower(u.Email) || !strings.Contains(u.Email, "@") || strings.TrimSpace(u.Name) == "" {
			bad("user %q: e-mail must be lower case with an @, name not empty", u.Email)
		}
		if userSeen[u.Email] {
			bad("user %q listed twice", u.Email)
		}
		userSeen[u.Email] = true
	}
	if len(orgs) != len(Slugs) {
		bad("%d organisations but %d slugs", len(orgs), len(Slugs))
	}
	for i, o := range orgs {
		if i < len(Slugs) && o.Slug != Slugs[i] {
			bad("organisation %q has slug %q, Slugs says %q", o.Name, o.Slug, Slugs[i])
		}
		if !slugPattern.MatchString(o.Slug) {
			bad("organisation %q: bad slug %q", o.Name, o.Slug)
		}
		member := map[string]bool{}
		for _, m := range o.Members {
			if member[m.Key] {
				bad("%s: member %q listed twice", o.Slug, m.Key)
			}
			member[m.Key] = true
			if !userSeen[m.Email] {
				bad("%s: member %q has unknown e-mail %q", o.Slug, m.Key, m.Email)
			}
			if !in(m.Role, "corporativo", "gerente", "empleado") {
				bad("%s: member %q has bad role %q", o.Slug, m.Key, m.Role)
			}
		}
		isMember := func(where, key string, optional bool) {
			if (key != "" || !optional) && !member[key] {
				bad("%s: %s: unknown member %q", o.Slug, where, key)
			}
		}
		area := map[string]bool{}
		for _, a := range o.Areas {
			if area[a.Code] || !codePattern.MatchString(a.Code) {
				bad("%s: area code %q duplicated or malformed", o.Slug, a.Code)
			}
			area[a.Code] = true
			if !colorPattern.MatchString(a.Color) || !in(a.Status, "active", "inactive", "planning") {
				bad("%s: area %s: bad colour %q or status %q", o.Slug, a.Code, a.Color, a.Status)
			}
			isMember("area "+a.Code, a.Manager, true)
		}
		for _, a := range o.Areas {
			if a.Parent != "" && (!area[a.Parent] || a.Parent == a.Code) {
				bad("%s: area %s: bad parent %q", o.Slug, a.Code, a.Parent)
			}
		}
		for _, m := range o.Members {
			if m.Area != "" && !area[m.Area] {
				bad("%s: member %q: unknown area %q", o.Slug, m.Key, m.Area)
			}
			isMember("manager of "+m.Key, m.Manager, true)
			if m.Manager == m.Key {
				bad("%s: member %q manages themself", o.Slug, m.Key)
			}
		}
		titles := map[string]bool{}
		unique := func(where, t string) {
			title(where, t)
			if titles[t] {
				bad("%s: title %q used twice", o.Slug, t)
			}
			titles[t] = true
		}
		objectives := map[string]bool{}
		for _, ob := range o.Objectives {
			objectives[ob.Title] = true
		}
		for _, ob := range o.Objectives {
			where := o.Slug + ": objective " + ob.Title
			unique(where, ob.Title)
			if !in(ob.Status, draft, inProgress, completed, cancelled) || !in(ob.Priority, high, medium, low) {
				bad("%s: bad status %q or priority %q", where, ob.Status, ob.Priority)
			}
			if ob.Area != "" && !area[ob.Area] {
				bad("%s: unknown area %q", where, ob.Area)
			}
			isMember(where, ob.Owner, false)
			if ob.Start == noDue || ob.End == noDue {
				bad("%s: objectives need start and end dates", where)
			}
			if ob.Parent != "" && (!objectives[ob.Parent] || ob.Parent == ob.Title) {
				bad("%s: bad parent %q", where, ob.Parent)
			}
			if len(ob.KeyResults) < 2 || len(ob.KeyResults) > 4 {
				bad("%s: has %d key results, want 2-4", where, len(ob.KeyResults))
			}
			for _, k := range ob.KeyResults {
				kw := where + ": key result " + k.Title
				unique(kw, k.Title)
				if !in(k.Kind, number, percent, currency, boolean, milestone) || !in(k.Direction, up, down) {
					bad("%s: bad kind %q or direction %q", kw, k.Kind, k.Direction)
				}
				if (k.Direction == up && k.Target < k.Start) || (k.Direction == down && k.Target > k.Start) {
					bad("%s: target %v is on the wrong side of start %v", kw, k.Target, k.Start)
				}
				if k.Kind == boolean && (k.Start != 0 || k.Target != 1 || (k.Current != 0 && k.Current != 1)) {
					bad("%s: a boolean key result goes from 0 to 1", kw)
				}
				if k.Confidence < 0 || k.Confidence > 10 || len([]rune(k.Unit)) > 20 {
					bad("%s: confidence %d out of 0-10 or unit %q too long", kw, k.Confidence, k.Unit)
				}
				isMember(kw, k.Owner, true)
			}
			for _, c := range ob.Comments {
				isMember(where+": comment", c.Author, false)
				if c.DaysAgo < 1 || strings.TrimSpace(c.Body) == "" {
					bad("%s: comments need a body and a day in the past", where)
				}
			}
			for _, ini := range ob.Initiatives {
				iw := where + ": initiative " + ini.Title
				unique(iw, ini.Title)
				if !in(ini.Status, planning, inProgress, completed, cancelled) || !in(ini.Priority, high, medium, low) {
					bad("%s: bad status %q or priority %q", iw, ini.Status, ini.Priority)
				}
				if ini.Start == noDue || ini.End == noDue || ini.Manual < 0 || ini.Manual > 100 {
					bad("%s: needs start and end dates and a manual progress in 0-100", iw)
				}
				isMember(iw, ini.Owner, false)
				for _, c := range ini.Comments {
					isMember(iw+": comment", c.Author, false)
					if c.DaysAgo < 1 || strings.TrimSpace(c.Body) == "" {
						bad("%s: comments need a body and a day in the past", iw)
					}
				}
				for _, a := range ini.Activities {
					unique(iw+": activity", a.Title)
					if !in(a.Status, todo, doing, done, drop) {
						bad("%s: activity %q: bad status %q", iw, a.Title, a.Status)
					}
				}
			}
		}
	}
	return errors.Join(errs...)
}
