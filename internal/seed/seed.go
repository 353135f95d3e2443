// Package seed loads synthetic data for benchmarks (`rumbo seed --profile
// small|large`, DESIGN.md "Performance budget").
//
// Every profile has one big organisation (slug "big", "Big Corp") and many
// small ones (slugs small-1 … small-N). Each organisation has a corporativo
// bench user, bench@<slug>.test, password "rumbo-bench", plus synthetic
// members (member-<n>@<slug>.test) with the same password.
//
// The load is set-based: a handful of INSERT … SELECT statements over
// generate_series (one or two per table), in ONE transaction (so it is all
// or nothing), never a round trip per row. Choices are deterministic: every
// "random" pick is a hash of (organisation number, row number, salt), and
// every row's id is an md5 of (organisation id, kind, row number), so a child
// row can name its parent without a lookup. The statement-level triggers of
// migrations 00004 (progress), 00005 (stat_buckets) and 00013 (the dashboard's
// aggregates) see each big INSERT as one transition table, so derived
// progress and the maintained counts are right when the transaction commits.
// Completed objectives and initiatives say when they were completed (near
// their end date), so monthly completions spread like real ones. VACUUM ANALYZE runs at the end, so the
// planner has statistics and index-only scans see an all-visible map.
package seed

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"rumbo/internal/auth"
)

// Version changes whenever a profile's data changes, so `make bench`
// reloads a database seeded by an older version (2: check-in histories).
const Version = 2

// Password is every synthetic user's password.
const Password = "rumbo-bench"

// BigSlug is the slug of the big organisation; its corporativo is
// bench@big.test.
const BigSlug = "big"

// ErrLoaded means the synthetic data is already in the database (an
// organisation with slug "big" exists); Load then writes nothing.
var ErrLoaded = errors.New(`seed: the synthetic data is already loaded (an organisation with slug "big" exists); use an empty database`)

// BenchEmail is the corporativo bench user of the organisation with slug.
func BenchEmail(slug string) string { return "bench@" + slug + ".test" }

// Shape is what one organisation gets. Members counts the synthetic members
// besides the bench user; it must be at least Areas (each area gets a
// gerente).
type Shape struct {
	Members, Areas, Periods                         int
	Objectives, KeyResults, Initiatives, Activities int
}

// Profile is one organisation of shape Big plus SmallOrgs of shape Small.
type Profile struct {
	Name      string
	SmallOrgs int
	Big       Shape
	Small     Shape
}

// smallShape is every small organisation, in both profiles (DESIGN.md: the
// other 999 each with 20 objectives, 80 initiatives, 400 activities).
var smallShape = Shape{Members: 5, Areas: 3, Periods: 1, Objectives: 20, KeyResults: 80, Initiatives: 80, Activities: 400}

// Profiles are the profiles `rumbo seed --profile` accepts.
var Profiles = map[string]Profile{
	// DESIGN.md's performance budget.
	"large": {Name: "large", SmallOrgs: 999, Small: smallShape,
		Big: Shape{Members: 200, Areas: 20, Periods: 4, Objectives: 10_000, KeyResults: 40_000, Initiatives: 50_000, Activities: 250_000}},
	// The same shape at a tenth of the big organisation, for quick tests.
	"small": {Name: "small", SmallOrgs: 9, Small: smallShape,
		Big: Shape{Members: 200, Areas: 20, Periods: 4, Objectives: 1_000, KeyResults: 4_000, Initiatives: 5_000, Activities: 25_000}},
}

// Load creates the synthetic organisations of the named profile. db must act
// as rumbo_owner (database.OpenOwner). say gets one line per phase.
func Load(ctx context.Context, db *sqlx.DB, profile string, say func(string, ...any)) error {
	p, ok := Profiles[profile]
	if !ok {
		names := make([]string, 0, len(Profiles))
		for n := range Profiles {
			names = append(names, n)
		}
		slices.Sort(names)
		return fmt.Errorf("seed: unknown profile %q (use %s)", profile, strings.Join(names, " or "))
	}
	return load(ctx, db, p, say)
}

func (s Shape) validate() error {
	if s.Members < s.Areas || s.Areas < 1 || s.Periods < 1 || s.Objectives < 10 ||
		s.KeyResults < 0 || s.Initiatives < 1 || s.Activities < 0 {
		return fmt.Errorf("seed: invalid shape %+v", s)
	}
	return nil
}

func load(ctx context.Context, db *sqlx.DB, p Profile, say func(string, ...any)) error {
	if say == nil {
		say = func(string, ...any) {}
	}
	if err := p.Big.validate(); err != nil {
		return err
	}
	if err := p.Small.validate(); err != nil {
		return err
	}
	start := time.Now()

	var loaded bool
	if err := db.GetContext(ctx, &loaded, `SELECT EXISTS (SELECT 1 FROM rumbo.organizations WHERE slug = $1)`, BigSlug); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if loaded {
		return ErrLoaded
	}

	// One hash for everyone: argon2id takes tens of milliseconds per call.
	hash, err := auth.Hash(Password)
	if err != nil {
		return fmt.Errorf("seed: hash password: %w", err)
	}

	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	defer tx.Rollback()

	exec := func(q string, args ...any) (int64, error) {
		r, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return 0, err
		}
		return r.RowsAffected()
	}

	// Prologue: settings for a bulk load, the guard (again, now under a
	// lock, so two concurrent loads cannot both pass it), the helpers and
	// the organisation list.
	t := time.Now()
	for _, q := range []string{
		`SET LOCAL work_mem = '64MB'`,
		`SET LOCAL maintenance_work_mem = '256MB'`,
		`SET LOCAL statement_timeout = 0`,
		// The planner cannot know the generate_series sizes, so its costs
		// cross the JIT threshold: compiling cost a second per statement
		// for statements that run in milliseconds.
		`SET LOCAL jit = off`,
		`SET LOCAL synchronous_commit = off`,
		`LOCK TABLE rumbo.organizations IN SHARE ROW EXCLUSIVE MODE`,
	} {
		if _, err := exec(q); err != nil {
			return fmt.Errorf("seed: %s: %w", q, err)
		}
	}
	if err := tx.GetContext(ctx, &loaded, `SELECT EXISTS (SELECT 1 FROM rumbo.organizations WHERE slug = $1)`, BigSlug); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if loaded {
		return ErrLoaded
	}
	for _, q := range prologue {
		if _, err := exec(q); err != nil {
			return fmt.Errorf("seed: prologue: %w", err)
		}
	}
	b, s := p.Big, p.Small
	if _, err := exec(fillOrgs, p.SmallOrgs,
		b.Members, b.Areas, b.Periods, b.Objectives, b.KeyResults, b.Initiatives, b.Activities,
		s.Members, s.Areas, s.Periods, s.Objectives, s.KeyResults, s.Initiatives, s.Activities); err != nil {
		return fmt.Errorf("seed: organisation list: %w", err)
	}
	if _, err := exec(`ANALYZE seed_org`); err != nil {
		return fmt.Errorf("seed: organisation list: %w", err)
	}

	// The key-result and activity triggers recompute their parents'
	// progress with one lookup per parent; the planner picks the index for
	// that lookup from the table's statistics, and a table that was empty
	// at its last ANALYZE looks as if any index will do, so it may pick one
	// that only narrows to the organisation: 50,000 initiatives x 250,000
	// activities. So each of those tables first gets a small sample (the
	// first rows of every organisation), then ANALYZE, then the rest.
	const maxRow = 1 << 30
	steps := []struct {
		name    string
		sql     string
		args    []any
		analyze string // ANALYZE these tables after the step
	}{
		{"organisations", insertOrgs, nil, "rumbo.organizations"},
		{"users", insertUsers, []any{hash}, ""},
		{"areas", insertAreas, nil, ""},
		{"memberships", insertMemberships, nil, "rumbo.users, rumbo.memberships, rumbo.areas"},
		{"area managers", updateAreaManagers, nil, ""},
		{"periods", insertPeriods, nil, "rumbo.periods"},
		{"objectives", insertObjectives, nil, "rumbo.objectives"},
		{"key results (sample)", insertKeyResults, []any{1, sampleKeyResults}, "rumbo.key_results"},
		{"key results", insertKeyResults, []any{sampleKeyResults + 1, maxRow}, ""},
		{"initiatives", insertInitiatives, nil, "rumbo.initiatives"},
		{"activities (sample)", insertActivities, []any{1, sampleActivities}, "rumbo.activities"},
		{"activities", insertActivities, []any{sampleActivities + 1, maxRow}, ""},
		{"check-ins", insertCheckIns, nil, "rumbo.check_ins"},
	}
	say("seed: profile %s: 1 big organisation and %d small ones (prologue %s)", p.Name, p.SmallOrgs, since(t))
	for _, st := range steps {
		t := time.Now()
		n, err := exec(st.sql, st.args...)
		if err != nil {
			return fmt.Errorf("seed: %s: %w", st.name, err)
		}
		// ANALYZE works inside a transaction (VACUUM does not: it runs
		// after the commit).
		if st.analyze != "" {
			if _, err := exec("ANALYZE " + st.analyze); err != nil {
				return fmt.Errorf("seed: analyze %s: %w", st.analyze, err)
			}
		}
		say("seed: %-21s %9d rows  %s", st.name, n, since(t))
	}
	for _, q := range epilogue {
		if _, err := exec(q); err != nil {
			return fmt.Errorf("seed: epilogue: %w", err)
		}
	}
	t = time.Now()
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("seed: commit: %w", err)
	}
	say("seed: commit %s", since(t))

	t = time.Now()
	if _, err := db.ExecContext(ctx, vacuum); err != nil {
		return fmt.Errorf("seed: vacuum: %w", err)
	}
	say("seed: vacuum analyze %s", since(t))

	var size string
	if err := db.GetContext(ctx, &size, `SELECT pg_size_pretty(pg_database_size(current_database()))`); err != nil {
		size = "?"
	}
	total := p.Big.add(p.Small, p.SmallOrgs)
	say("seed: done in %s: %d organisations, %d objectives, %d key results, %d initiatives, %d activities (database %s); sign in as %s / %s",
		since(start), 1+p.SmallOrgs, total.Objectives, total.KeyResults, total.Initiatives, total.Activities, size,
		BenchEmail(BigSlug), Password)
	return nil
}

// add is s plus n times o.
func (s Shape) add(o Shape, n int) Shape {
	return Shape{
		Members: s.Members + n*o.Members, Areas: s.Areas + n*o.Areas, Periods: s.Periods + n*o.Periods,
		Objectives: s.Objectives + n*o.Objectives, KeyResults: s.KeyResults + n*o.KeyResults,
		Initiatives: s.Initiatives + n*o.Initiatives, Activities: s.Activities + n*o.Activities,
	}
}

func since(t time.Time) string { return time.Since(t).Round(time.Millisecond).String() }

// Rows per organisation in the sample batches (see load).
const (
	sampleKeyResults = 4
	sampleActivities = 20
)

// The helpers are temporary (pg_temp) SQL functions that the planner
// inlines: h is a deterministic pseudo-random number in [0, 2^31) for
// (organisation number, row number, salt); id is a row's uuid, from its
// organisation, its kind and its number. They are dropped before the
// commit; seed_org lives until the commit.
var prologue = []string{
	`CREATE FUNCTION pg_temp.h(ord integer, n bigint, salt integer) RETURNS bigint
	 LANGUAGE sql IMMUTABLE PARALLEL SAFE
	 AS $$ SELECT hashint8extended(n, ord::bigint * 1024 + salt) & 2147483647 $$`,
	`CREATE FUNCTION pg_temp.id(org text, kind text, n bigint) RETURNS uuid
	 LANGUAGE sql IMMUTABLE PARALLEL SAFE
	 AS $$ SELECT md5(org || kind || n::text)::uuid $$`,
	`CREATE TEMP TABLE seed_org (
	     ord         integer PRIMARY KEY,
	     org_id      uuid NOT NULL,
	     org_txt     text NOT NULL,
	     slug        text NOT NULL,
	     name        text NOT NULL,
	     timezone    text NOT NULL,
	     currency    text NOT NULL,
	     members     integer NOT NULL, -- besides the bench user (member 0)
	     areas       integer NOT NULL,
	     periods     integer NOT NULL,
	     objectives  integer NOT NULL,
	     key_results integer NOT NULL,
	     initiatives integer NOT NULL,
	     activities  integer NOT NULL
	 ) ON COMMIT DROP`,
}

var epilogue = []string{
	`DROP FUNCTION pg_temp.h(integer, bigint, integer)`,
	`DROP FUNCTION pg_temp.id(text, text, bigint)`,
}

const vacuum = `VACUUM (ANALYZE) rumbo.organizations, rumbo.users, rumbo.memberships, rumbo.areas,
	rumbo.periods, rumbo.objectives, rumbo.key_results, rumbo.check_ins, rumbo.initiatives, rumbo.activities, rumbo.stat_buckets, rumbo.stat_months,
	rumbo.area_stats, rumbo.completion_days, rumbo.member_stats, rumbo.progress_weeks`

// Organisation 0 is the big one; 1..$1 are small-1..small-$1.
const fillOrgs = `
WITH g AS MATERIALIZED (
    SELECT ord, gen_random_uuid() AS org_id FROM generate_series(0, $1::integer) AS ord
)
INSERT INTO seed_org
SELECT g.ord, g.org_id, g.org_id::text,
       CASE WHEN g.ord = 0 THEN 'big' ELSE 'small-' || g.ord END,
       CASE WHEN g.ord = 0 THEN 'Big Corp' ELSE 'Pyme ' || g.ord END,
       (ARRAY['America/Bogota', 'America/Mexico_City', 'America/Lima', 'America/Santiago',
              'America/Argentina/Buenos_Aires', 'Europe/Madrid'])[1 + g.ord % 6],
       (ARRAY['COP', 'MXN', 'PEN', 'CLP', 'ARS', 'EUR'])[1 + g.ord % 6],
       CASE WHEN g.ord = 0 THEN $2::integer ELSE $9::integer END,
       CASE WHEN g.ord = 0 THEN $3::integer ELSE $10::integer END,
       CASE WHEN g.ord = 0 THEN $4::integer ELSE $11::integer END,
       CASE WHEN g.ord = 0 THEN $5::integer ELSE $12::integer END,
       CASE WHEN g.ord = 0 THEN $6::integer ELSE $13::integer END,
       CASE WHEN g.ord = 0 THEN $7::integer ELSE $14::integer END,
       CASE WHEN g.ord = 0 THEN $8::integer ELSE $15::integer END
FROM g`

const insertOrgs = `
INSERT INTO rumbo.organizations (id, name, slug, timezone, locale, currency, fiscal_year_start, created_at, updated_at)
SELECT org_id, name, slug, timezone, 'es', currency, 1, now() - interval '400 days', now() - interval '400 days'
FROM seed_org ORDER BY ord`

// Member 0 is the bench user; the others get Spanish names.
const insertUsers = `
INSERT INTO rumbo.users (id, email, name, password_hash, last_org_id, created_at, updated_at)
SELECT pg_temp.id(o.org_txt, 'u', m.n),
       CASE WHEN m.n = 0 THEN 'bench@' ELSE 'member-' || m.n || '@' END || o.slug || '.test',
       CASE WHEN m.n = 0 THEN 'Bench ' || o.name
            ELSE (ARRAY['Ana', 'Luis', 'María', 'Carlos', 'Lucía', 'Javier', 'Sofía', 'Diego', 'Valentina',
                        'Andrés', 'Camila', 'Jorge', 'Isabel', 'Pablo', 'Elena', 'Mateo', 'Daniela',
                        'Gabriel', 'Paula', 'Tomás'])[1 + pg_temp.h(o.ord, m.n, 1) % 20]
                 || ' ' ||
                 (ARRAY['García', 'Rodríguez', 'Martínez', 'López', 'González', 'Pérez', 'Sánchez',
                        'Ramírez', 'Torres', 'Flores', 'Rivera', 'Gómez', 'Díaz', 'Vargas', 'Castro',
                        'Romero', 'Herrera', 'Medina', 'Rojas', 'Morales'])[1 + pg_temp.h(o.ord, m.n, 2) % 20]
       END,
       $1, o.org_id, now() - interval '390 days', now() - interval '390 days'
FROM seed_org AS o
CROSS JOIN LATERAL generate_series(0, o.members) AS m(n)`

// A shallow tree: the first fifth of the areas are top level, the rest hang
// below them. Managers are set once the memberships exist.
const insertAreas = `
INSERT INTO rumbo.areas (org_id, id, name, code, description, parent_id, status, color, created_at, updated_at)
SELECT o.org_id, pg_temp.id(o.org_txt, 'a', a.n),
       (ARRAY['Ventas', 'Marketing', 'Operaciones', 'Finanzas', 'Recursos Humanos', 'Tecnología',
              'Producto', 'Atención al Cliente', 'Legal', 'Logística', 'Compras', 'Calidad',
              'Innovación', 'Comunicaciones', 'Seguridad', 'Datos y Analítica', 'Infraestructura',
              'Alianzas', 'Sostenibilidad', 'Estrategia'])[1 + (a.n - 1) % 20]
           || CASE WHEN a.n > 20 THEN ' ' || ((a.n - 1) / 20 + 1) ELSE '' END,
       'AREA-' || lpad(a.n::text, 3, '0'),
       'Área ' || a.n || ' de ' || o.name,
       CASE WHEN a.n > greatest(1, o.areas / 5) THEN pg_temp.id(o.org_txt, 'a', (a.n - 1) % greatest(1, o.areas / 5) + 1) END,
       CASE WHEN a.n % 11 = 0 THEN 'inactive' WHEN a.n % 7 = 0 THEN 'planning' ELSE 'active' END,
       (ARRAY['#2563EB', '#16A34A', '#DC2626', '#D97706', '#7C3AED', '#0891B2', '#DB2777', '#4B5563'])[1 + a.n % 8],
       now() - interval '390 days', now() - interval '390 days'
FROM seed_org AS o
CROSS JOIN LATERAL generate_series(1, o.areas) AS a(n)`

// Roles: member 0 (bench) is corporativo; members 1..areas are the gerentes
// of areas 1..areas and report to bench; every 50th other member is also
// corporativo; the rest are empleados in area ((n-1) % areas)+1, reporting
// to that area's gerente.
const insertMemberships = `
INSERT INTO rumbo.memberships (org_id, user_id, role, name, email, area_id, manager_id, created_at, last_active_at)
SELECT o.org_id, u.id,
       CASE WHEN m.n = 0 THEN 'corporativo' WHEN m.n <= o.areas THEN 'gerente'
            WHEN m.n % 50 = 0 THEN 'corporativo' ELSE 'empleado' END,
       u.name, u.email,
       CASE WHEN m.n > 0 THEN pg_temp.id(o.org_txt, 'a', (m.n - 1) % o.areas + 1) END,
       CASE WHEN m.n = 0 OR (m.n > o.areas AND m.n % 50 = 0) THEN NULL
            WHEN m.n <= o.areas THEN pg_temp.id(o.org_txt, 'u', 0)
            ELSE pg_temp.id(o.org_txt, 'u', (m.n - 1) % o.areas + 1) END,
       now() - interval '390 days',
       CASE WHEN pg_temp.h(o.ord, m.n, 3) % 4 = 0 THEN NULL
            ELSE now() - make_interval(hours => (pg_temp.h(o.ord, m.n, 4) % 2000)::integer) END
FROM seed_org AS o
CROSS JOIN LATERAL generate_series(0, o.members) AS m(n)
JOIN rumbo.users AS u ON u.id = pg_temp.id(o.org_txt, 'u', m.n)`

const updateAreaManagers = `
UPDATE rumbo.areas AS a
SET manager_id = pg_temp.id(o.org_txt, 'u', g.n)
FROM seed_org AS o
CROSS JOIN LATERAL generate_series(1, o.areas) AS g(n)
WHERE a.org_id = o.org_id AND a.id = pg_temp.id(o.org_txt, 'a', g.n)`

// Consecutive quarters around the current one (4 periods: the previous
// quarter, this one and the next two; 1 period: this quarter).
const insertPeriods = `
INSERT INTO rumbo.periods (org_id, id, name, start_date, end_date, created_at, updated_at)
SELECT o.org_id, pg_temp.id(o.org_txt, 'p', p.n),
       'T' || extract(quarter FROM q.s) || ' ' || extract(year FROM q.s),
       q.s, (q.s + interval '3 months' - interval '1 day')::date,
       now() - interval '390 days', now() - interval '390 days'
FROM seed_org AS o
CROSS JOIN LATERAL generate_series(1, o.periods) AS p(n)
CROSS JOIN LATERAL (
    SELECT (date_trunc('quarter', current_date) + make_interval(months => 3 * (p.n - 1 - (o.periods - 1) / 2)))::date AS s
) AS q`

// The big statements below are chains of CTEs, each ending in OFFSET 0: that
// keeps the planner from folding a stage into the next one, so a value that
// later expressions use several times (a date, a status) is computed once per
// row instead of being copied into every expression that uses it.

// Dates spread over today ± a year; the status follows the dates (past
// objectives are mostly completed, some overdue; future ones mostly
// draft). About 2 % are archived (their children are archived with them).
// The first tenth are top-level objectives that a quarter of the rest align
// to. Owners belong to the objective's area.
const insertObjectives = `
WITH b AS (
    SELECT o.org_id, o.org_txt, o.ord, o.members, o.areas, o.periods, o.objectives, g.n,
           CASE WHEN pg_temp.h(o.ord, g.n, 1) % 10 = 0 THEN 0 ELSE 1 + pg_temp.h(o.ord, g.n, 2) % o.areas END AS area_n,
           current_date - 365 + (pg_temp.h(o.ord, g.n, 3) % 545)::integer AS s
    FROM seed_org AS o
    CROSS JOIN LATERAL generate_series(1, o.objectives) AS g(n)
    OFFSET 0
), c AS (
    SELECT b.*,
           b.s + 14 + (pg_temp.h(b.ord, b.n, 4) % 200)::integer AS e,
           pg_temp.h(b.ord, b.n, 5) % 100 AS r,
           CASE WHEN b.area_n = 0 OR pg_temp.h(b.ord, b.n, 12) % 25 = 0 THEN pg_temp.id(b.org_txt, 'u', 0)
                ELSE pg_temp.id(b.org_txt, 'u', b.area_n + b.areas * (pg_temp.h(b.ord, b.n, 13) % ((b.members - b.area_n) / b.areas + 1)))
           END AS owner_id,
           least(now(), (b.s - 20 + (pg_temp.h(b.ord, b.n, 6) % 15)::integer)::timestamptz
                        + make_interval(secs => (pg_temp.h(b.ord, b.n, 7) % 86400)::integer)) AS created_at
    FROM b
    OFFSET 0
), d AS (
    SELECT c.*,
           CASE
               WHEN c.e < current_date THEN
                   CASE WHEN c.r < 55 THEN 'completed' WHEN c.r < 65 THEN 'cancelled' WHEN c.r < 90 THEN 'in_progress' ELSE 'draft' END
               WHEN c.s > current_date THEN
                   CASE WHEN c.r < 60 THEN 'draft' WHEN c.r < 95 THEN 'in_progress' ELSE 'cancelled' END
               ELSE
                   CASE WHEN c.r < 65 THEN 'in_progress' WHEN c.r < 80 THEN 'draft' WHEN c.r < 92 THEN 'completed' ELSE 'cancelled' END
           END AS status
    FROM c
    OFFSET 0
)
INSERT INTO rumbo.objectives (org_id, id, title, description, owner_id, area_id, period_id, parent_id,
    status, priority, start_date, end_date, progress_manual, created_by, created_at, updated_at, archived_at, completed_at)
SELECT d.org_id, pg_temp.id(d.org_txt, 'o', d.n),
       'Objetivo ' || d.n || ': ' ||
       (ARRAY['Aumentar la satisfacción del cliente', 'Reducir costos operativos',
              'Expandir presencia en nuevos mercados', 'Mejorar la retención de talento',
              'Lanzar la nueva plataforma digital', 'Optimizar la cadena de suministro',
              'Incrementar ingresos recurrentes', 'Fortalecer la cultura de innovación',
              'Acelerar la transformación digital', 'Mejorar la calidad del producto',
              'Consolidar alianzas estratégicas', 'Reducir la huella de carbono',
              'Profesionalizar la gestión de proyectos', 'Ganar eficiencia en atención al cliente'])[1 + pg_temp.h(d.ord, d.n, 10) % 14],
       CASE WHEN pg_temp.h(d.ord, d.n, 11) % 3 = 0 THEN ''
            ELSE 'Meta prioritaria del período: alinear equipos, medir avances cada semana y rendir cuentas a la dirección.' END,
       d.owner_id,
       CASE WHEN d.area_n > 0 THEN pg_temp.id(d.org_txt, 'a', d.area_n) END,
       CASE WHEN pg_temp.h(d.ord, d.n, 14) % 8 <> 0 THEN pg_temp.id(d.org_txt, 'p', 1 + pg_temp.h(d.ord, d.n, 15) % d.periods) END,
       CASE WHEN d.n > d.objectives / 10 AND pg_temp.h(d.ord, d.n, 16) % 4 = 0
            THEN pg_temp.id(d.org_txt, 'o', 1 + pg_temp.h(d.ord, d.n, 17) % (d.objectives / 10)) END,
       d.status,
       (ARRAY['low', 'low', 'low', 'medium', 'medium', 'medium', 'medium', 'high', 'high', 'high'])[1 + pg_temp.h(d.ord, d.n, 18) % 10],
       d.s, d.e,
       CASE d.status WHEN 'completed' THEN 100 WHEN 'draft' THEN 0 ELSE pg_temp.h(d.ord, d.n, 19) % 100 END,
       CASE WHEN pg_temp.h(d.ord, d.n, 20) % 3 = 0 THEN pg_temp.id(d.org_txt, 'u', 0) ELSE d.owner_id END,
       d.created_at,
       d.created_at + (now() - d.created_at) * ((pg_temp.h(d.ord, d.n, 21) % 100) / 100.0::float8),
       CASE WHEN pg_temp.h(d.ord, d.n, 22) % 50 = 0
            THEN now() - make_interval(days => (pg_temp.h(d.ord, d.n, 23) % 90)::integer) END,
       CASE WHEN d.status = 'completed'
            THEN least(now(), (d.e - (pg_temp.h(d.ord, d.n, 24) % 10)::integer)::timestamptz
                              + make_interval(hours => 8 + (pg_temp.h(d.ord, d.n, 25) % 10)::integer)) END
FROM d`

// About 4 key results per objective, spread unevenly (a few objectives have
// none and show their manual progress). Kinds, directions (a fifth of the
// numeric ones decrease: target below start), values and units vary; the
// current value follows the objective's status. A few have start = target.
// $1..$2 is the range of row numbers (per organisation) to insert.
const insertKeyResults = `
WITH b AS (
    SELECT o.org_id, o.org_txt, o.ord, o.members, o.currency, g.n,
           ob.id AS objective_id, ob.status AS ob_status, ob.owner_id AS ob_owner,
           ob.created_at AS ob_created, ob.archived_at AS ob_archived,
           pg_temp.h(o.ord, g.n, 36) % 100 AS k, pg_temp.h(o.ord, g.n, 37) % 100 AS dr,
           pg_temp.h(o.ord, g.n, 38) AS ha, pg_temp.h(o.ord, g.n, 39) AS hb, pg_temp.h(o.ord, g.n, 40) AS hc
    FROM seed_org AS o
    CROSS JOIN LATERAL generate_series($1::integer, least($2::integer, o.key_results)) AS g(n)
    JOIN rumbo.objectives AS ob
      ON ob.org_id = o.org_id AND ob.id = pg_temp.id(o.org_txt, 'o', 1 + pg_temp.h(o.ord, g.n, 30) % o.objectives)
    OFFSET 0
), c AS (
    SELECT b.*,
           CASE WHEN b.k < 40 THEN 'number' WHEN b.k < 60 THEN 'percent' WHEN b.k < 75 THEN 'currency'
                WHEN b.k < 85 THEN 'boolean' ELSE 'milestone' END AS kind,
           b.k < 75 AND b.dr < 20 AS dec,
           b.k < 40 AND b.dr = 99 AS flat,
           CASE b.ob_status
               WHEN 'completed' THEN 0.85 + (b.hc % 40) / 100.0
               WHEN 'cancelled' THEN (b.hc % 50) / 100.0
               WHEN 'draft' THEN (b.hc % 15) / 100.0
               ELSE -0.05 + (b.hc % 100) / 100.0 END AS f
    FROM b
    OFFSET 0
), d AS (
    SELECT c.*,
           (CASE
               WHEN c.flat THEN 50
               WHEN c.kind = 'number' AND NOT c.dec THEN c.ha % 100
               WHEN c.kind = 'number' THEN 20 + c.ha % 200
               WHEN c.kind = 'percent' AND NOT c.dec THEN c.ha % 50
               WHEN c.kind = 'percent' THEN 30 + c.ha % 70
               WHEN c.kind = 'currency' AND NOT c.dec THEN (c.ha % 100) * 1000
               WHEN c.kind = 'currency' THEN (50 + c.ha % 100) * 1000
               ELSE 0 END)::numeric AS sv
    FROM c
    OFFSET 0
), e AS (
    SELECT d.*,
           (CASE
               WHEN d.flat THEN d.sv
               WHEN d.kind = 'number' AND NOT d.dec THEN d.sv + 10 + d.hb % 990
               WHEN d.kind = 'number' THEN round(d.sv * (d.hb % 80) / 100, 2)
               WHEN d.kind = 'percent' AND NOT d.dec THEN least(100, d.sv + 5 + d.hb % 50)
               WHEN d.kind = 'percent' THEN greatest(0, d.sv - 5 - d.hb % 30)
               WHEN d.kind = 'currency' AND NOT d.dec THEN d.sv + (1 + d.hb % 50) * 10000
               WHEN d.kind = 'currency' THEN round(d.sv * 0.7)
               WHEN d.kind = 'boolean' THEN 1
               ELSE 3 + d.hb % 5 END)::numeric AS tv,
           least(now(), d.ob_created + make_interval(days => (pg_temp.h(d.ord, d.n, 41) % 20)::integer)) AS created_at
    FROM d
    OFFSET 0
)
INSERT INTO rumbo.key_results (org_id, id, objective_id, title, kind, direction, start_value, target_value,
    current_value, unit, weight, owner_id, position, created_at, updated_at, archived_at)
SELECT e.org_id, pg_temp.id(e.org_txt, 'k', e.n), e.objective_id,
       'KR ' || e.n || ': ' ||
       (ARRAY['Alcanzar un NPS superior a 60', 'Cerrar nuevos contratos empresariales',
              'Reducir el tiempo de respuesta a clientes', 'Aumentar los usuarios activos mensuales',
              'Disminuir la rotación voluntaria', 'Publicar las funcionalidades clave',
              'Reducir incidencias críticas en producción', 'Incrementar el margen bruto',
              'Completar la certificación de calidad', 'Lograr cobertura de pruebas automatizadas',
              'Aumentar la tasa de conversión', 'Reducir el gasto en proveedores'])[1 + pg_temp.h(e.ord, e.n, 31) % 12],
       e.kind, CASE WHEN e.dec THEN 'decrease' ELSE 'increase' END, e.sv, e.tv,
       CASE WHEN e.flat THEN CASE WHEN e.f >= 0.5 THEN 50 ELSE 45 END
            WHEN e.kind = 'boolean' THEN CASE WHEN e.f >= 1 THEN 1 ELSE 0 END
            WHEN e.kind = 'milestone' THEN greatest(0, least(e.tv, floor(e.tv * e.f)))
            ELSE greatest(0, round(e.sv + (e.tv - e.sv) * e.f, 2)) END,
       CASE WHEN e.flat THEN 'puntos'
            WHEN e.kind = 'number' AND NOT e.dec THEN (ARRAY['clientes', 'usuarios', 'contratos', 'proyectos', 'leads'])[1 + e.hb % 5]
            WHEN e.kind = 'number' THEN (ARRAY['días', 'incidencias', 'horas', 'reclamos'])[1 + e.hb % 4]
            WHEN e.kind = 'percent' THEN '%'
            WHEN e.kind = 'currency' THEN e.currency
            WHEN e.kind = 'milestone' THEN 'hitos'
            ELSE '' END,
       (ARRAY[1, 1, 1, 1, 1, 1, 1, 2, 2, 0.5])[1 + pg_temp.h(e.ord, e.n, 32) % 10],
       CASE WHEN pg_temp.h(e.ord, e.n, 33) % 2 = 0 THEN e.ob_owner
            ELSE pg_temp.id(e.org_txt, 'u', pg_temp.h(e.ord, e.n, 34) % (e.members + 1)) END,
       e.n,
       e.created_at, e.created_at + (now() - e.created_at) * ((pg_temp.h(e.ord, e.n, 35) % 100) / 100.0::float8),
       e.ob_archived
FROM e`

// Up to five check-ins per live key result (two and a half on average),
// evenly spaced from its creation to a last one between half-way and now,
// climbing from the start value to the current one — so some key results
// went quiet weeks ago (the stale-key-result insight) and the forecasts have
// a history to fit. No trigger reads check-ins; the key result already holds
// the current value.
const insertCheckIns = `
WITH k AS (
    SELECT k.org_id, k.id, k.start_value, k.current_value, k.owner_id, k.created_at,
           abs(hashtext(k.id::text)) AS hb
    FROM rumbo.key_results AS k
    WHERE k.archived_at IS NULL AND k.created_at < now() - interval '1 day' -- room for a history
)
INSERT INTO rumbo.check_ins (org_id, key_result_id, value, confidence, note, author_id, created_at)
SELECT k.org_id, k.id,
       round(k.start_value + (k.current_value - k.start_value) * g.i / (k.hb % 6), 2),
       (k.hb / 7 + g.i) % 11,
       CASE WHEN g.i = k.hb % 6 THEN 'Último avance registrado' ELSE '' END,
       k.owner_id,
       k.created_at + (now() - k.created_at) * (0.5 + (k.hb / 11 % 50) / 100.0::float8) * g.i / (k.hb % 6)
FROM k
CROSS JOIN LATERAL generate_series(1, k.hb % 6) AS g(i)`

// About 5 initiatives per objective, inside the objective's dates; the
// status follows the objective's and the dates.
const insertInitiatives = `
WITH b AS (
    SELECT o.org_id, o.org_txt, o.ord, o.members, g.n,
           ob.id AS objective_id, ob.status AS ob_status, ob.owner_id AS ob_owner, ob.end_date AS ob_end,
           ob.created_at AS ob_created, ob.archived_at AS ob_archived,
           ob.start_date + (pg_temp.h(o.ord, g.n, 57) % (ob.end_date - ob.start_date + 1))::integer AS s
    FROM seed_org AS o
    CROSS JOIN LATERAL generate_series(1, o.initiatives) AS g(n)
    JOIN rumbo.objectives AS ob
      ON ob.org_id = o.org_id AND ob.id = pg_temp.id(o.org_txt, 'o', 1 + pg_temp.h(o.ord, g.n, 50) % o.objectives)
    OFFSET 0
), c AS (
    SELECT b.*,
           b.s + (pg_temp.h(b.ord, b.n, 58) % (b.ob_end - b.s + 1))::integer AS e,
           pg_temp.h(b.ord, b.n, 59) % 100 AS r,
           pg_temp.id(b.org_txt, 'u', pg_temp.h(b.ord, b.n, 56) % (b.members + 1)) AS owner_id,
           least(now(), greatest(b.ob_created, (b.s - 10)::timestamptz)
                        + make_interval(secs => (pg_temp.h(b.ord, b.n, 61) % 86400)::integer)) AS created_at
    FROM b
    OFFSET 0
), d AS (
    SELECT c.*,
           CASE
               WHEN c.ob_status = 'cancelled' THEN CASE WHEN c.r < 80 THEN 'cancelled' ELSE 'planning' END
               WHEN c.ob_status = 'completed' THEN CASE WHEN c.r < 90 THEN 'completed' ELSE 'cancelled' END
               WHEN c.e < current_date THEN
                   CASE WHEN c.r < 55 THEN 'completed' WHEN c.r < 65 THEN 'cancelled' WHEN c.r < 90 THEN 'in_progress' ELSE 'planning' END
               WHEN c.s > current_date THEN
                   CASE WHEN c.r < 70 THEN 'planning' WHEN c.r < 95 THEN 'in_progress' ELSE 'cancelled' END
               ELSE
                   CASE WHEN c.r < 60 THEN 'in_progress' WHEN c.r < 80 THEN 'planning' WHEN c.r < 93 THEN 'completed' ELSE 'cancelled' END
           END AS status
    FROM c
    OFFSET 0
)
INSERT INTO rumbo.initiatives (org_id, id, objective_id, title, description, owner_id, status, priority,
    start_date, end_date, progress_manual, created_by, created_at, updated_at, archived_at, completed_at)
SELECT d.org_id, pg_temp.id(d.org_txt, 'i', d.n), d.objective_id,
       'Iniciativa ' || d.n || ': ' ||
       (ARRAY['Programa de fidelización de clientes', 'Migración de sistemas a la nube',
              'Campaña de marketing digital', 'Rediseño del proceso de incorporación',
              'Automatización de reportes financieros', 'Capacitación del equipo comercial',
              'Implementación del nuevo CRM', 'Auditoría de procesos internos',
              'Plan de reducción de costos logísticos', 'Piloto de atención omnicanal',
              'Renovación del portal de proveedores', 'Programa de bienestar laboral'])[1 + pg_temp.h(d.ord, d.n, 51) % 12],
       CASE WHEN pg_temp.h(d.ord, d.n, 52) % 4 = 0
            THEN 'Plan de trabajo con hitos mensuales, responsables definidos y revisión quincenal.' ELSE '' END,
       d.owner_id, d.status,
       (ARRAY['low', 'low', 'medium', 'medium', 'medium', 'medium', 'high', 'high', 'high', 'high'])[1 + pg_temp.h(d.ord, d.n, 53) % 10],
       d.s, d.e,
       CASE d.status WHEN 'completed' THEN 100 WHEN 'planning' THEN 0 ELSE pg_temp.h(d.ord, d.n, 54) % 100 END,
       CASE WHEN pg_temp.h(d.ord, d.n, 55) % 3 = 0 THEN d.ob_owner ELSE d.owner_id END,
       d.created_at, d.created_at + (now() - d.created_at) * ((pg_temp.h(d.ord, d.n, 60) % 100) / 100.0::float8),
       d.ob_archived,
       CASE WHEN d.status = 'completed'
            THEN least(now(), (d.e - (pg_temp.h(d.ord, d.n, 62) % 10)::integer)::timestamptz
                              + make_interval(hours => 8 + (pg_temp.h(d.ord, d.n, 63) % 10)::integer)) END
FROM d`

// About 5 activities per initiative, due inside (or just after) the
// initiative's dates; some have no dates or no assignee. The status follows
// the initiative's and the due date, so there are overdue and due-soon ones;
// completed_at is set exactly for the completed ones. $1..$2 is the range of
// row numbers (per organisation) to insert.
const insertActivities = `
WITH b AS (
    SELECT o.org_id, o.org_txt, o.ord, g.n,
           i.id AS initiative_id, i.status AS i_status, i.owner_id AS i_owner, i.start_date AS i_start,
           i.created_at AS i_created, i.archived_at AS i_archived,
           CASE WHEN pg_temp.h(o.ord, g.n, 77) % 20 = 0 THEN NULL
                ELSE pg_temp.id(o.org_txt, 'u', pg_temp.h(o.ord, g.n, 78) % (o.members + 1)) END AS assignee_id,
           CASE WHEN pg_temp.h(o.ord, g.n, 79) % 20 = 0 THEN NULL
                ELSE i.start_date + (pg_temp.h(o.ord, g.n, 80) % (i.end_date - i.start_date + 1))::integer END AS s
    FROM seed_org AS o
    CROSS JOIN LATERAL generate_series($1::integer, least($2::integer, o.activities)) AS g(n)
    JOIN rumbo.initiatives AS i
      ON i.org_id = o.org_id AND i.id = pg_temp.id(o.org_txt, 'i', 1 + pg_temp.h(o.ord, g.n, 70) % o.initiatives)
    OFFSET 0
), c AS (
    SELECT b.*,
           CASE WHEN pg_temp.h(b.ord, b.n, 81) % 25 = 0 THEN NULL
                ELSE coalesce(b.s, b.i_start) + (pg_temp.h(b.ord, b.n, 82) % 30)::integer END AS due,
           pg_temp.h(b.ord, b.n, 83) % 100 AS r
    FROM b
    OFFSET 0
), d AS (
    SELECT c.*,
           CASE
               WHEN c.i_status = 'cancelled' THEN CASE WHEN c.r < 70 THEN 'cancelled' ELSE 'todo' END
               WHEN c.i_status = 'completed' THEN CASE WHEN c.r < 95 THEN 'completed' ELSE 'cancelled' END
               WHEN c.i_status = 'planning' THEN CASE WHEN c.r < 75 THEN 'todo' WHEN c.r < 95 THEN 'in_progress' ELSE 'cancelled' END
               WHEN c.due IS NULL THEN CASE WHEN c.r < 50 THEN 'todo' WHEN c.r < 80 THEN 'in_progress' ELSE 'completed' END
               WHEN c.due < current_date THEN
                   CASE WHEN c.r < 55 THEN 'completed' WHEN c.r < 63 THEN 'cancelled' WHEN c.r < 83 THEN 'in_progress' ELSE 'todo' END
               ELSE
                   CASE WHEN c.r < 45 THEN 'todo' WHEN c.r < 85 THEN 'in_progress' WHEN c.r < 97 THEN 'completed' ELSE 'cancelled' END
           END AS status,
           least(now(), greatest(c.i_created, (coalesce(c.s, c.due, current_date) - 7)::timestamptz)
                        + make_interval(secs => (pg_temp.h(c.ord, c.n, 85) % 86400)::integer)) AS created_at,
           (1 + pg_temp.h(c.ord, c.n, 84) % 40)::numeric AS est
    FROM c
    OFFSET 0
), e AS (
    SELECT d.*,
           CASE WHEN d.status = 'completed' THEN
               least(now(), greatest(d.created_at + interval '1 hour',
                                     (coalesce(d.due, current_date) - (pg_temp.h(d.ord, d.n, 86) % 5)::integer)::timestamptz
                                     + make_interval(hours => 8 + (pg_temp.h(d.ord, d.n, 87) % 10)::integer)))
           END AS done_at
    FROM d
    OFFSET 0
)
INSERT INTO rumbo.activities (org_id, id, initiative_id, title, description, assignee_id, status, priority,
    start_date, due_date, completed_at, estimated_hours, actual_hours, created_by, created_at, updated_at, archived_at)
SELECT e.org_id, pg_temp.id(e.org_txt, 'x', e.n), e.initiative_id,
       'Actividad ' || e.n || ': ' ||
       (ARRAY['Revisar la propuesta con el equipo', 'Preparar la presentación para la dirección',
              'Actualizar el tablero de indicadores', 'Entrevistar a clientes clave',
              'Documentar los requisitos', 'Configurar el entorno de pruebas',
              'Negociar condiciones con proveedores', 'Redactar el informe mensual',
              'Coordinar la reunión de seguimiento', 'Validar el presupuesto',
              'Capacitar al equipo de soporte', 'Publicar el comunicado interno',
              'Analizar los resultados de la encuesta', 'Definir el plan de comunicación',
              'Probar la integración con facturación', 'Cerrar los pendientes de auditoría'])[1 + pg_temp.h(e.ord, e.n, 71) % 16],
       CASE WHEN pg_temp.h(e.ord, e.n, 72) % 5 = 0
            THEN 'Coordinar con el equipo, dejar evidencia en la carpeta compartida y avisar al responsable.' ELSE '' END,
       e.assignee_id, e.status,
       (ARRAY['low', 'low', 'low', 'medium', 'medium', 'medium', 'medium', 'high', 'high', 'high'])[1 + pg_temp.h(e.ord, e.n, 73) % 10],
       e.s, e.due, e.done_at, e.est,
       CASE e.status WHEN 'completed' THEN round(e.est * (50 + pg_temp.h(e.ord, e.n, 74) % 100) / 100, 2)
                     WHEN 'in_progress' THEN round(e.est * (pg_temp.h(e.ord, e.n, 74) % 60) / 100, 2) END,
       CASE WHEN pg_temp.h(e.ord, e.n, 75) % 2 = 0 OR e.assignee_id IS NULL THEN e.i_owner ELSE e.assignee_id END,
       e.created_at,
       coalesce(e.done_at, e.created_at + (now() - e.created_at) * ((pg_temp.h(e.ord, e.n, 76) % 100) / 100.0::float8)),
       e.i_archived
FROM e`
