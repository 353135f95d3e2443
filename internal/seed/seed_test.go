package seed

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"rumbo/internal/auth"
	"rumbo/internal/database"
	"rumbo/internal/pgembed"
)

// startDB starts a private cluster, creates and migrates a database and
// returns a rumbo_owner connection to it (what `rumbo seed` gets).
func startDB(t *testing.T) *sqlx.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// The cluster belongs to the postgres OS user when we run as root, so
	// the folder must be traversable by it (t.TempDir is 0700).
	dir, err := os.MkdirTemp("/tmp", "seed-test-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	srv, err := pgembed.Start(ctx, pgembed.Config{DataDir: dir + "/pg", Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })

	admin, err := database.OpenAdmin(srv.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE seed_test`); err != nil {
		t.Fatal(err)
	}
	admin.Close()
	dsn := srv.DSN("seed_test")
	if err := database.Setup(ctx, dsn, []byte("test-secret-0123456789"), nil); err != nil {
		t.Fatal(err)
	}
	db, err := database.OpenOwner(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestUnknownProfile(t *testing.T) {
	err := Load(context.Background(), nil, "huge", nil)
	if err == nil || !strings.Contains(err.Error(), `unknown profile "huge"`) {
		t.Fatalf("want an unknown-profile error, got %v", err)
	}
}

// The large profile is DESIGN.md's performance budget; the small one has the
// same shape with a tenth of the big organisation.
func TestProfilesMatchDesign(t *testing.T) {
	l := Profiles["large"]
	if l.SmallOrgs != 999 || l.Big.Objectives != 10_000 || l.Big.KeyResults != 40_000 ||
		l.Big.Initiatives != 50_000 || l.Big.Activities != 250_000 {
		t.Errorf("large profile drifted from DESIGN.md: %+v", l)
	}
	s := Profiles["small"]
	if s.SmallOrgs != 9 || s.Big.Objectives != 1_000 || s.Big.KeyResults != 4_000 ||
		s.Big.Initiatives != 5_000 || s.Big.Activities != 25_000 {
		t.Errorf("small profile drifted: %+v", s)
	}
	for _, p := range []Profile{l, s} {
		if p.Small != (Shape{Members: 5, Areas: 3, Periods: 1, Objectives: 20, KeyResults: 80, Initiatives: 80, Activities: 400}) {
			t.Errorf("%s: small organisations drifted from DESIGN.md: %+v", p.Name, p.Small)
		}
		if err := p.Big.validate(); err != nil {
			t.Error(err)
		}
		if err := p.Small.validate(); err != nil {
			t.Error(err)
		}
	}
}

func TestLoadSmall(t *testing.T) {
	db := startDB(t)
	ctx := context.Background()
	p := Profiles["small"]

	var lines []string
	start := time.Now()
	if err := Load(ctx, db, "small", func(f string, a ...any) {
		lines = append(lines, fmt.Sprintf(f, a...))
		t.Logf(f, a...)
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("Load(small) took %s", time.Since(start).Round(time.Millisecond))
	if len(lines) < 10 || !strings.HasPrefix(lines[len(lines)-1], "seed: done in ") {
		t.Errorf("say() should report each phase and a summary, got %q", lines)
	}

	t.Run("counts per organisation", func(t *testing.T) { checkCounts(t, db, p) })
	t.Run("stat buckets match the tables", func(t *testing.T) { checkStats(t, db) })
	t.Run("derived progress", func(t *testing.T) { checkProgress(t, db) })
	t.Run("data shape", func(t *testing.T) { checkShape(t, db) })
	t.Run("check-in histories", func(t *testing.T) { checkCheckIns(t, db) })
	t.Run("bench users sign in", func(t *testing.T) { checkLogin(t, db, p) })

	t.Run("second load refuses and writes nothing", func(t *testing.T) {
		before := snapshot(t, db)
		err := Load(ctx, db, "small", nil)
		if !errors.Is(err, ErrLoaded) {
			t.Fatalf("second Load: want ErrLoaded, got %v", err)
		}
		if !strings.Contains(err.Error(), "already loaded") {
			t.Errorf("error should say the seed is already loaded: %v", err)
		}
		if err := Load(ctx, db, "large", nil); !errors.Is(err, ErrLoaded) {
			t.Fatalf("Load(large) after small: want ErrLoaded, got %v", err)
		}
		if after := snapshot(t, db); after != before {
			t.Errorf("a refused Load wrote rows: before %s, after %s", before, after)
		}
	})
}

// snapshot is every table's row count, as one comparable string.
func snapshot(t *testing.T, db *sqlx.DB) string {
	t.Helper()
	var s string
	err := db.Get(&s, `SELECT concat_ws(' ',
		(SELECT count(*) FROM rumbo.organizations), (SELECT count(*) FROM rumbo.users),
		(SELECT count(*) FROM rumbo.memberships), (SELECT count(*) FROM rumbo.areas),
		(SELECT count(*) FROM rumbo.periods), (SELECT count(*) FROM rumbo.objectives),
		(SELECT count(*) FROM rumbo.key_results), (SELECT count(*) FROM rumbo.initiatives),
		(SELECT count(*) FROM rumbo.activities), (SELECT sum(n) FROM rumbo.stat_buckets))`)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func checkCounts(t *testing.T, db *sqlx.DB, p Profile) {
	type row struct {
		Slug        string `db:"slug"`
		Name        string `db:"name"`
		Members     int    `db:"members"`
		Areas       int    `db:"areas"`
		Periods     int    `db:"periods"`
		Objectives  int    `db:"objectives"`
		KeyResults  int    `db:"key_results"`
		Initiatives int    `db:"initiatives"`
		Activities  int    `db:"activities"`
	}
	var rows []row
	err := db.Select(&rows, `
		SELECT o.slug, o.name,
		       (SELECT count(*) FROM rumbo.memberships x WHERE x.org_id = o.id) AS members,
		       (SELECT count(*) FROM rumbo.areas x WHERE x.org_id = o.id) AS areas,
		       (SELECT count(*) FROM rumbo.periods x WHERE x.org_id = o.id) AS periods,
		       (SELECT count(*) FROM rumbo.objectives x WHERE x.org_id = o.id) AS objectives,
		       (SELECT count(*) FROM rumbo.key_results x WHERE x.org_id = o.id) AS key_results,
		       (SELECT count(*) FROM rumbo.initiatives x WHERE x.org_id = o.id) AS initiatives,
		       (SELECT count(*) FROM rumbo.activities x WHERE x.org_id = o.id) AS activities
		FROM rumbo.organizations o ORDER BY o.slug`)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+p.SmallOrgs {
		t.Fatalf("want %d organisations, got %d", 1+p.SmallOrgs, len(rows))
	}
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.Slug] = true
		want := p.Small
		if r.Slug == BigSlug {
			want = p.Big
			if r.Name != "Big Corp" {
				t.Errorf("big organisation is named %q", r.Name)
			}
		}
		got := Shape{Members: r.Members - 1, Areas: r.Areas, Periods: r.Periods, Objectives: r.Objectives,
			KeyResults: r.KeyResults, Initiatives: r.Initiatives, Activities: r.Activities}
		if got != want {
			t.Errorf("%s: got %+v, want %+v", r.Slug, got, want)
		}
	}
	for i := 1; i <= p.SmallOrgs; i++ {
		if !seen[fmt.Sprintf("small-%d", i)] {
			t.Errorf("organisation small-%d is missing", i)
		}
	}
	if !seen[BigSlug] {
		t.Error("the big organisation is missing")
	}
}

// Every (organisation, entity, period, status, date) bucket the triggers maintained
// equals the same aggregate over the base tables, both ways.
func checkStats(t *testing.T, db *sqlx.DB) {
	var diff []string
	err := db.Select(&diff, `
		WITH base AS (
		    SELECT org_id, 'objective' AS entity, coalesce(period_id, '00000000-0000-0000-0000-000000000000') AS period_id, status, end_date AS due, count(*) AS n,
		           sum(progress) AS p
		    FROM rumbo.objectives WHERE archived_at IS NULL GROUP BY 1, 2, 3, 4, 5
		    UNION ALL
		    SELECT org_id, 'initiative', coalesce(period_id, '00000000-0000-0000-0000-000000000000'), status, end_date, count(*), sum(progress)
		    FROM rumbo.initiatives WHERE archived_at IS NULL GROUP BY 1, 2, 3, 4, 5
		    UNION ALL
		    SELECT org_id, 'activity', coalesce(period_id, '00000000-0000-0000-0000-000000000000'), status, coalesce(due_date, 'infinity'), count(*),
		           sum(CASE WHEN status = 'completed' THEN 100 ELSE 0 END)
		    FROM rumbo.activities WHERE archived_at IS NULL GROUP BY 1, 2, 3, 4, 5
		), buckets AS (
		    SELECT org_id, entity, period_id, status, due, n, progress_sum AS p
		    FROM rumbo.stat_buckets WHERE n <> 0 OR progress_sum <> 0
		)
		SELECT format('only in tables: %s', x) FROM (SELECT * FROM base EXCEPT SELECT * FROM buckets) x
		UNION ALL
		SELECT format('only in stat_buckets: %s', x) FROM (SELECT * FROM buckets EXCEPT SELECT * FROM base) x
		LIMIT 10`)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diff {
		t.Error(d)
	}
	// And per organisation, entity and status, which is what the cards read.
	var bad int
	err = db.Get(&bad, `
		WITH t AS (
		    SELECT org_id, 'objective' AS entity, status, count(*) AS n FROM rumbo.objectives WHERE archived_at IS NULL GROUP BY 1, 2, 3
		    UNION ALL SELECT org_id, 'initiative', status, count(*) FROM rumbo.initiatives WHERE archived_at IS NULL GROUP BY 1, 2, 3
		    UNION ALL SELECT org_id, 'activity', status, count(*) FROM rumbo.activities WHERE archived_at IS NULL GROUP BY 1, 2, 3
		), b AS (
		    SELECT org_id, entity, status, sum(n) AS n FROM rumbo.stat_buckets GROUP BY 1, 2, 3 HAVING sum(n) <> 0
		)
		SELECT count(*) FROM t FULL JOIN b USING (org_id, entity, status) WHERE t.n IS DISTINCT FROM b.n`)
	if err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d (organisation, entity, status) totals differ between stat_buckets and the tables", bad)
	}
	// The monthly counts are the day buckets summed by month, both ways.
	err = db.Get(&bad, `
		WITH b AS (
		    SELECT org_id, entity, period_id, status, date_trunc('month', due)::date AS month,
		           sum(n) AS n, sum(progress_sum) AS p
		    FROM rumbo.stat_buckets GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0 OR sum(progress_sum) <> 0
		), m AS (
		    SELECT org_id, entity, period_id, status, month, n, progress_sum AS p
		    FROM rumbo.stat_months WHERE n <> 0 OR progress_sum <> 0
		)
		SELECT count(*) FROM b FULL JOIN m USING (org_id, entity, period_id, status, month)
		WHERE b.n IS DISTINCT FROM m.n OR b.p IS DISTINCT FROM m.p`)
	if err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d (organisation, entity, period, status, month) counts differ between stat_months and stat_buckets", bad)
	}
	// Not vacuously: the buckets hold every live row.
	var live, counted int
	if err := db.Get(&live, `SELECT (SELECT count(*) FROM rumbo.objectives WHERE archived_at IS NULL)
		+ (SELECT count(*) FROM rumbo.initiatives WHERE archived_at IS NULL)
		+ (SELECT count(*) FROM rumbo.activities WHERE archived_at IS NULL)`); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&counted, `SELECT coalesce(sum(n), 0) FROM rumbo.stat_buckets`); err != nil {
		t.Fatal(err)
	}
	if live == 0 || counted != live {
		t.Errorf("stat_buckets count %d rows, the tables have %d live ones", counted, live)
	}
}

func checkProgress(t *testing.T, db *sqlx.DB) {
	for _, c := range []struct{ name, sql string }{
		{"objectives whose progress is not the weighted mean of their live key results (or manual)", `
			SELECT count(*) FROM rumbo.objectives o
			LEFT JOIN LATERAL (
			    SELECT round(sum(k.weight * k.progress) / sum(k.weight))::smallint AS p
			    FROM rumbo.key_results k
			    WHERE k.org_id = o.org_id AND k.objective_id = o.id AND k.archived_at IS NULL
			) k ON true
			WHERE o.progress <> coalesce(k.p, o.progress_manual)`},
		{"initiatives whose progress is not the completed share of their live activities (or manual)", `
			SELECT count(*) FROM rumbo.initiatives i
			LEFT JOIN LATERAL (
			    SELECT round(100.0 * count(*) FILTER (WHERE a.status = 'completed') / nullif(count(*), 0))::smallint AS p
			    FROM rumbo.activities a
			    WHERE a.org_id = i.org_id AND a.initiative_id = i.id AND a.archived_at IS NULL AND a.status <> 'cancelled'
			) a ON true
			WHERE i.progress <> coalesce(a.p, i.progress_manual)`},
		{"key results whose progress is not the clamped share of the way to target", `
			SELECT count(*) FROM rumbo.key_results
			WHERE progress <> CASE
			    WHEN target_value = start_value THEN
			        CASE WHEN (direction = 'increase' AND current_value >= target_value)
			               OR (direction = 'decrease' AND current_value <= target_value) THEN 100 ELSE 0 END
			    ELSE round(100 * greatest(0, least(1, (current_value - start_value) / (target_value - start_value)))) END`},
	} {
		var n int
		if err := db.Get(&n, c.sql); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d %s", n, c.name)
		}
	}
	// Progress is spread, not all 0 or 100.
	var distinct int
	if err := db.Get(&distinct, `SELECT count(DISTINCT progress) FROM rumbo.objectives`); err != nil {
		t.Fatal(err)
	}
	if distinct < 50 {
		t.Errorf("objective progress takes only %d distinct values", distinct)
	}
}

// checkShape: the invariants the schema's CHECKs encode, and the spread the
// benchmarks need (every status, overdue and due-soon rows, text to search,
// both key-result directions, owners spread over members).
func checkShape(t *testing.T, db *sqlx.DB) {
	for _, c := range []struct {
		name string
		sql  string
		min  int // the query's count must be at least min (0: must be exactly 0)
	}{
		// Invariants (must be zero).
		{"activities with completed_at set iff not completed", `SELECT count(*) FROM rumbo.activities WHERE (status = 'completed') <> (completed_at IS NOT NULL)`, 0},
		{"activities due before they start", `SELECT count(*) FROM rumbo.activities WHERE due_date < start_date`, 0},
		{"objectives ending before they start", `SELECT count(*) FROM rumbo.objectives WHERE end_date < start_date`, 0},
		{"initiatives ending before they start", `SELECT count(*) FROM rumbo.initiatives WHERE end_date < start_date`, 0},
		{"key results aiming the wrong way", `SELECT count(*) FROM rumbo.key_results WHERE (direction = 'increase' AND target_value < start_value) OR (direction = 'decrease' AND target_value > start_value)`, 0},
		{"rows created in the future", `SELECT (SELECT count(*) FROM rumbo.objectives WHERE created_at > now() OR updated_at > now() OR updated_at < created_at)
			+ (SELECT count(*) FROM rumbo.activities WHERE created_at > now() OR completed_at > now() OR completed_at < created_at)`, 0},
		{"children of archived parents left live", `SELECT (SELECT count(*) FROM rumbo.key_results k JOIN rumbo.objectives o ON o.org_id = k.org_id AND o.id = k.objective_id WHERE (o.archived_at IS NULL) <> (k.archived_at IS NULL))
			+ (SELECT count(*) FROM rumbo.initiatives i JOIN rumbo.objectives o ON o.org_id = i.org_id AND o.id = i.objective_id WHERE (o.archived_at IS NULL) <> (i.archived_at IS NULL))
			+ (SELECT count(*) FROM rumbo.activities a JOIN rumbo.initiatives i ON i.org_id = a.org_id AND i.id = a.initiative_id WHERE (i.archived_at IS NULL) <> (a.archived_at IS NULL))`, 0},
		{"memberships whose name/email differ from the user's", `SELECT count(*) FROM rumbo.memberships m JOIN rumbo.users u ON u.id = m.user_id WHERE m.name <> u.name OR m.email <> u.email`, 0},
		{"organisations without exactly one bench corporativo", `SELECT count(*) FROM rumbo.organizations o WHERE (SELECT count(*) FROM rumbo.memberships m WHERE m.org_id = o.id AND m.email = 'bench@' || o.slug || '.test' AND m.role = 'corporativo') <> 1`, 0},
		{"memberships whose area or manager is in another organisation", `SELECT count(*) FROM rumbo.memberships m LEFT JOIN rumbo.areas a ON a.org_id = m.org_id AND a.id = m.area_id WHERE m.area_id IS NOT NULL AND a.id IS NULL`, 0},

		// Spread (must be present), in the big organisation.
		{"objective statuses", `SELECT count(DISTINCT status) FROM rumbo.objectives WHERE org_id = (SELECT id FROM rumbo.organizations WHERE slug = 'big')`, 4},
		{"initiative statuses", `SELECT count(DISTINCT status) FROM rumbo.initiatives WHERE org_id = (SELECT id FROM rumbo.organizations WHERE slug = 'big')`, 4},
		{"activity statuses", `SELECT count(DISTINCT status) FROM rumbo.activities WHERE org_id = (SELECT id FROM rumbo.organizations WHERE slug = 'big')`, 4},
		{"priorities", `SELECT count(DISTINCT priority) FROM rumbo.activities`, 3},
		{"roles in the big organisation", `SELECT count(DISTINCT role) FROM rumbo.memberships WHERE org_id = (SELECT id FROM rumbo.organizations WHERE slug = 'big')`, 3},
		{"overdue activities", `SELECT count(*) FROM rumbo.activities WHERE due_date < current_date AND status IN ('todo', 'in_progress') AND archived_at IS NULL`, 1000},
		{"activities due in the next 7 days", `SELECT count(*) FROM rumbo.activities WHERE due_date BETWEEN current_date AND current_date + 7 AND status IN ('todo', 'in_progress') AND archived_at IS NULL`, 50},
		{"overdue objectives", `SELECT count(*) FROM rumbo.objectives WHERE end_date < current_date AND status IN ('draft', 'in_progress') AND archived_at IS NULL`, 50},
		{"objectives ending in the next 7 days", `SELECT count(*) FROM rumbo.objectives WHERE end_date BETWEEN current_date AND current_date + 7`, 5},
		{"dates a year back", `SELECT count(*) FROM rumbo.activities WHERE due_date < current_date - 300`, 10},
		{"dates a year ahead", `SELECT count(*) FROM rumbo.activities WHERE due_date > current_date + 300`, 10},
		{"activities without due date", `SELECT count(*) FROM rumbo.activities WHERE due_date IS NULL`, 100},
		{"decreasing key results", `SELECT count(*) FROM rumbo.key_results WHERE direction = 'decrease' AND target_value < start_value`, 100},
		{"key results with start = target", `SELECT count(*) FROM rumbo.key_results WHERE target_value = start_value`, 1},
		{"key-result kinds", `SELECT count(DISTINCT kind) FROM rumbo.key_results`, 5},
		{"objectives with area and period", `SELECT count(*) FROM rumbo.objectives WHERE area_id IS NOT NULL AND period_id IS NOT NULL`, 800},
		{"objectives without area", `SELECT count(*) FROM rumbo.objectives WHERE area_id IS NULL`, 10},
		{"aligned objectives", `SELECT count(*) FROM rumbo.objectives WHERE parent_id IS NOT NULL`, 100},
		{"objectives without key results", `SELECT count(*) FROM rumbo.objectives o WHERE NOT EXISTS (SELECT 1 FROM rumbo.key_results k WHERE k.org_id = o.org_id AND k.objective_id = o.id)`, 1},
		{"archived objectives", `SELECT count(*) FROM rumbo.objectives WHERE archived_at IS NOT NULL`, 5},
		{"objective owners in the big organisation", `SELECT count(DISTINCT owner_id) FROM rumbo.objectives WHERE org_id = (SELECT id FROM rumbo.organizations WHERE slug = 'big')`, 150},
		{"activity assignees in the big organisation", `SELECT count(DISTINCT assignee_id) FROM rumbo.activities WHERE org_id = (SELECT id FROM rumbo.organizations WHERE slug = 'big')`, 190},
		{"titles matching 'cliente'", `SELECT count(*) FROM rumbo.objectives WHERE title ILIKE '%cliente%'`, 100},
		{"distinct objective titles (phrases)", `SELECT count(DISTINCT substr(title, strpos(title, ':'))) FROM rumbo.objectives`, 10},
		{"every objective title starts with its number", `SELECT count(*) FROM rumbo.objectives WHERE title ~ '^Objetivo [0-9]+: '`, 1180},
	} {
		var n int
		if err := db.Get(&n, c.sql); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if c.min == 0 && n != 0 {
			t.Errorf("%s: %d", c.name, n)
		}
		if c.min > 0 && n < c.min {
			t.Errorf("%s: %d, want at least %d", c.name, n, c.min)
		}
	}
}

func checkLogin(t *testing.T, db *sqlx.DB, p Profile) {
	var hashes []string
	if err := db.Select(&hashes, `SELECT DISTINCT password_hash FROM rumbo.users`); err != nil {
		t.Fatal(err)
	}
	if len(hashes) != 1 {
		t.Fatalf("want one shared password hash, got %d", len(hashes))
	}
	for _, slug := range []string{BigSlug, "small-1", fmt.Sprintf("small-%d", p.SmallOrgs)} {
		email := BenchEmail(slug)
		var u struct {
			ID   string `db:"user_id"`
			Hash string `db:"password_hash"`
		}
		// The login path's own lookup (app.login_lookup) and session start.
		if err := db.Get(&u, `SELECT user_id, password_hash FROM app.login_lookup($1)`, email); err != nil {
			t.Fatalf("%s: %v", email, err)
		}
		ok, _, err := auth.Verify(Password, u.Hash)
		if err != nil || !ok {
			t.Fatalf("%s cannot sign in with %q: ok=%v err=%v", email, Password, ok, err)
		}
		if ok, _, _ := auth.Verify("wrong", u.Hash); ok {
			t.Fatal("a wrong password verified")
		}
		tx, err := db.Beginx()
		if err != nil {
			t.Fatal(err)
		}
		token := auth.HashToken("seed-test-" + slug)
		var orgID string
		if err := tx.Get(&orgID, `SELECT app.start_session($1, $2, '1 hour', '1 hour', '', '')`, token, u.ID); err != nil {
			tx.Rollback()
			t.Fatal(err)
		}
		var s struct {
			Slug string `db:"slug"`
			Role string `db:"role"`
		}
		err = tx.Get(&s, `SELECT o.slug, r.role FROM app.begin_request($1) r JOIN rumbo.organizations o ON o.id = r.org_id`, token)
		tx.Rollback()
		if err != nil {
			t.Fatal(err)
		}
		if s.Slug != slug || s.Role != "corporativo" {
			t.Errorf("%s starts in %s as %s, want %s as corporativo", email, s.Slug, s.Role, slug)
		}
	}
}

// checkCheckIns: live key results have histories of up to five check-ins,
// none in the future nor before the key result, the last one at its current
// value; some went quiet more than 14 days ago and some are recent, so the
// stale and forecast insights have work to do.
func checkCheckIns(t *testing.T, db *sqlx.DB) {
	t.Helper()
	var got struct {
		Total, WithHistory, Live, Misplaced, Longest, WrongLast, Quiet, Recent int
	}
	err := db.QueryRowx(`WITH h AS (
		    SELECT k.id, k.current_value, k.created_at AS kr_created, c.value, c.created_at,
		           row_number() OVER (PARTITION BY k.id ORDER BY c.created_at DESC) AS back,
		           count(*) OVER (PARTITION BY k.id) AS n
		    FROM rumbo.key_results AS k JOIN rumbo.check_ins AS c ON c.org_id = k.org_id AND c.key_result_id = k.id)
		SELECT (SELECT count(*) FROM rumbo.check_ins),
		       (SELECT count(DISTINCT id) FROM h),
		       (SELECT count(*) FROM rumbo.key_results WHERE archived_at IS NULL),
		       (SELECT count(*) FROM h WHERE created_at > now() OR created_at < kr_created),
		       (SELECT coalesce(max(n), 0) FROM h),
		       (SELECT count(*) FROM h WHERE back = 1 AND value <> round(current_value, 2)),
		       (SELECT count(*) FROM h WHERE back = 1 AND created_at < now() - interval '14 days'),
		       (SELECT count(*) FROM h WHERE back = 1 AND created_at >= now() - interval '14 days')`).
		Scan(&got.Total, &got.WithHistory, &got.Live, &got.Misplaced, &got.Longest, &got.WrongLast, &got.Quiet, &got.Recent)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("check-ins: %+v", got)
	if got.WithHistory == 0 || got.WithHistory == got.Live || got.Longest != 5 {
		t.Errorf("want most but not all live key results with up to 5 check-ins, got %+v", got)
	}
	if got.Misplaced != 0 || got.WrongLast != 0 {
		t.Errorf("check-ins out of the key result's life (%d) or a last value that is not the current one (%d)", got.Misplaced, got.WrongLast)
	}
	if got.Quiet == 0 || got.Recent == 0 {
		t.Errorf("want both quiet (>14 days) and recent last check-ins, got %d quiet, %d recent", got.Quiet, got.Recent)
	}
}
