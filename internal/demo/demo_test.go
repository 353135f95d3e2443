package demo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"rumbo/internal/auth"
	"rumbo/internal/database"
	"rumbo/internal/pgembed"
)

// The tests run against a private PostgreSQL cluster (pgembed) with the real
// migrations: no mocks, no skips.

var (
	srv   *pgembed.Server
	owner *sqlx.DB // acts as rumbo_owner on demo_test, like `rumbo demo`

	loadOnce  sync.Once
	loadErr   error
	loadTook  time.Duration
	loadLines []string
)

var testSecret = []byte("test-secret-0123456789")

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Under /tmp, so the postgres OS user can reach it when we run as root.
	dir, err := os.MkdirTemp("", "rumbo-demo-test-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	srv, err = pgembed.Start(ctx, pgembed.Config{DataDir: dir, Fast: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start PostgreSQL:", err)
		return 1
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop PostgreSQL:", err)
		}
	}()
	dsn, err := newDatabase(ctx, "demo_test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if owner, err = database.OpenOwner(dsn); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer owner.Close()
	return m.Run()
}

// newDatabase creates a database in the test cluster, bootstraps the roles
// and runs the migrations; it returns the database's superuser DSN.
func newDatabase(ctx context.Context, name string) (string, error) {
	admin, err := database.OpenAdmin(srv.DSN("postgres"))
	if err != nil {
		return "", err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	dsn := srv.DSN(name)
	if err := database.Setup(ctx, dsn, testSecret, nil); err != nil {
		return "", fmt.Errorf("set up %s: %w", name, err)
	}
	return dsn, nil
}

// load runs the first Load on demo_test once, for every test that reads it.
func load(t *testing.T) {
	t.Helper()
	loadOnce.Do(func() {
		start := time.Now()
		loadErr = Load(context.Background(), owner, func(format string, args ...any) {
			loadLines = append(loadLines, fmt.Sprintf(format, args...))
		})
		loadTook = time.Since(start)
	})
	if loadErr != nil {
		t.Fatalf("Load: %v", loadErr)
	}
}

func get[T any](t *testing.T, db sqlx.QueryerContext, query string, args ...any) T {
	t.Helper()
	var v T
	if err := sqlx.GetContext(context.Background(), db, &v, query, args...); err != nil {
		t.Fatalf("%s: %v", strings.TrimSpace(query), err)
	}
	return v
}

func list[T any](t *testing.T, db sqlx.QueryerContext, query string, args ...any) []T {
	t.Helper()
	var v []T
	if err := sqlx.SelectContext(context.Background(), db, &v, query, args...); err != nil {
		t.Fatalf("%s: %v", strings.TrimSpace(query), err)
	}
	return v
}

func orgID(t *testing.T, slug string) string {
	return get[string](t, owner, `SELECT id::text FROM organizations WHERE slug = $1`, slug)
}

// The content itself: valid, big enough, and the five accounts of DESIGN.md.
func TestContent(t *testing.T) {
	if err := validate(); err != nil {
		t.Fatal(err)
	}
	wantAccounts := []string{"ana@acme.test", "gabriel@acme.test", "elena@acme.test", "gina@globex.test", "pablo@globex.test"}
	if len(Accounts) != len(wantAccounts) {
		t.Fatalf("Accounts = %v, want %v", Accounts, wantAccounts)
	}
	for i, a := range Accounts {
		if a.Email != wantAccounts[i] {
			t.Errorf("Accounts[%d] = %s, want %s", i, a.Email, wantAccounts[i])
		}
	}
	wantDesc := map[string][]string{
		"ana@acme.test":     {"Acme Andina · corporativo"},
		"gabriel@acme.test": {"Acme Andina · gerente", "Globex Sur · empleado"},
		"elena@acme.test":   {"Acme Andina · empleado"},
		"gina@globex.test":  {"Globex Sur · corporativo"},
		"pablo@globex.test": {"Globex Sur · empleado"},
	}
	for _, a := range Accounts {
		for _, d := range wantDesc[a.Email] {
			if !strings.Contains(a.Description, d) {
				t.Errorf("%s: description %q lacks %q", a.Email, a.Description, d)
			}
		}
	}
	if got := []string{orgs[0].Name, orgs[1].Name}; got[0] != "Acme Andina" || got[1] != "Globex Sur" {
		t.Errorf("organisations = %v", got)
	}
	for _, o := range orgs {
		nObj, nIni, nAct := len(o.Objectives), 0, 0
		for _, ob := range o.Objectives {
			nIni += len(ob.Initiatives)
			for _, in := range ob.Initiatives {
				nAct += len(in.Activities)
			}
		}
		if nObj < 12 || nIni < 30 || nAct < 80 {
			t.Errorf("%s: %d objectives, %d initiatives, %d activities; want at least 12, 30, 80", o.Slug, nObj, nIni, nAct)
		}
	}
}

func TestLoad(t *testing.T) {
	load(t)
	t.Logf("first Load took %v", loadTook)
	if len(loadLines) != 1 || !strings.HasPrefix(loadLines[0], "loaded demo data: ") {
		t.Errorf("Load said %q, want one line starting with \"loaded demo data: \"", loadLines)
	} else {
		t.Log(loadLines[0])
	}

	type orgCount struct {
		Slug, Name, Timezone, Currency string
		Objectives, Initiatives        int
		Activities, Members, Areas     int
		Periods, MinKRs, MaxKRs        int
	}
	counts := list[orgCount](t, owner, `
		SELECT o.slug, o.name, o.timezone, o.currency,
		       (SELECT count(*) FROM objectives x WHERE x.org_id = o.id) AS objectives,
		       (SELECT count(*) FROM initiatives x WHERE x.org_id = o.id) AS initiatives,
		       (SELECT count(*) FROM activities x WHERE x.org_id = o.id) AS activities,
		       (SELECT count(*) FROM memberships x WHERE x.org_id = o.id) AS members,
		       (SELECT count(*) FROM areas x WHERE x.org_id = o.id) AS areas,
		       (SELECT count(*) FROM periods x WHERE x.org_id = o.id) AS periods,
		       (SELECT min(n) FROM (SELECT count(k.id) AS n FROM objectives x
		            LEFT JOIN key_results k ON k.org_id = x.org_id AND k.objective_id = x.id
		            WHERE x.org_id = o.id GROUP BY x.id) s) AS minkrs,
		       (SELECT max(n) FROM (SELECT count(k.id) AS n FROM objectives x
		            LEFT JOIN key_results k ON k.org_id = x.org_id AND k.objective_id = x.id
		            WHERE x.org_id = o.id GROUP BY x.id) s) AS maxkrs
		FROM organizations o ORDER BY o.slug`)
	want := map[string][3]string{
		"acme-andina": {"Acme Andina", "America/Bogota", "COP"},
		"globex-sur":  {"Globex Sur", "America/Santiago", "CLP"},
	}
	if len(counts) != 2 {
		t.Fatalf("%d organisations, want 2", len(counts))
	}
	for _, c := range counts {
		t.Logf("%s: %d objectives, %d initiatives, %d activities, %d members, %d areas, %d periods",
			c.Slug, c.Objectives, c.Initiatives, c.Activities, c.Members, c.Areas, c.Periods)
		if w := want[c.Slug]; w != [3]string{c.Name, c.Timezone, c.Currency} {
			t.Errorf("%s: name/timezone/currency = %s/%s/%s, want %v", c.Slug, c.Name, c.Timezone, c.Currency, w)
		}
		if c.Objectives < 12 || c.Initiatives < 30 || c.Activities < 80 {
			t.Errorf("%s: %d objectives, %d initiatives, %d activities; want at least 12, 30, 80",
				c.Slug, c.Objectives, c.Initiatives, c.Activities)
		}
		if c.MinKRs < 2 || c.MaxKRs > 4 {
			t.Errorf("%s: objectives have %d to %d key results, want 2 to 4", c.Slug, c.MinKRs, c.MaxKRs)
		}
		if c.Members != 3 || c.Areas < 3 || c.Areas > 5 || c.Periods < 1 {
			t.Errorf("%s: %d members, %d areas, %d periods", c.Slug, c.Members, c.Areas, c.Periods)
		}
	}

	if n := get[int](t, owner, `SELECT count(*) FROM users`); n != 5 {
		t.Errorf("%d users, want 5", n)
	}
	type membership struct {
		Email, Slug, Role string
		Name, Area        string
		Last              bool
	}
	ms := list[membership](t, owner, `
		SELECT u.email, o.slug, m.role, m.name, coalesce(a.name, '') AS area, u.last_org_id = o.id AS last
		FROM memberships m
		JOIN users u ON u.id = m.user_id
		JOIN organizations o ON o.id = m.org_id
		LEFT JOIN areas a ON a.org_id = m.org_id AND a.id = m.area_id
		ORDER BY u.email, m.created_at`)
	roles := map[string]string{}
	for _, m := range ms {
		roles[m.Email+" "+m.Slug] = m.Role
		if m.Email == "gabriel@acme.test" && m.Slug == "acme-andina" && !m.Last {
			t.Errorf("gabriel's last_org_id is not Acme Andina")
		}
		if m.Name == "" || !m.Last && m.Email != "gabriel@acme.test" {
			t.Errorf("membership %s in %s: name %q, last_org_id points elsewhere: %v", m.Email, m.Slug, m.Name, !m.Last)
		}
	}
	wantRoles := map[string]string{
		"ana@acme.test acme-andina":     "corporativo",
		"gabriel@acme.test acme-andina": "gerente",
		"gabriel@acme.test globex-sur":  "empleado",
		"elena@acme.test acme-andina":   "empleado",
		"gina@globex.test globex-sur":   "corporativo",
		"pablo@globex.test globex-sur":  "empleado",
	}
	if len(roles) != len(wantRoles) {
		t.Errorf("memberships = %v, want %v", roles, wantRoles)
	}
	for k, r := range wantRoles {
		if roles[k] != r {
			t.Errorf("membership %s: role %q, want %q", k, roles[k], r)
		}
	}
	// gabriel's Acme membership is his oldest, and login starts him there.
	if first := get[string](t, owner, `
		SELECT o.slug FROM memberships m JOIN users u ON u.id = m.user_id JOIN organizations o ON o.id = m.org_id
		WHERE u.email = 'gabriel@acme.test' ORDER BY m.created_at LIMIT 1`); first != "acme-andina" {
		t.Errorf("gabriel's first membership is in %s", first)
	}
	tx := owner.MustBegin()
	defer tx.Rollback()
	started := get[string](t, tx, `
		SELECT app.start_session(sha256('demo-test-token'), u.id, '8 hours', '7 days', 'test', '127.0.0.1')::text
		FROM users u WHERE u.email = 'gabriel@acme.test'`)
	if started != orgID(t, "acme-andina") {
		t.Errorf("gabriel's session starts in %s, want Acme Andina", started)
	}
	// gabriel manages an Acme area, where elena works for him.
	if n := get[int](t, owner, `
		SELECT count(*) FROM memberships e
		JOIN users eu ON eu.id = e.user_id AND eu.email = 'elena@acme.test'
		JOIN users gu ON gu.id = e.manager_id AND gu.email = 'gabriel@acme.test'
		JOIN areas a ON a.org_id = e.org_id AND a.id = e.area_id AND a.manager_id = gu.id`); n != 1 {
		t.Errorf("elena is not in an area managed by gabriel, reporting to him")
	}
}

// tableCounts counts the rows of every table Load writes.
func tableCounts(t *testing.T, db sqlx.QueryerContext) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"organizations", "users", "memberships", "areas", "periods", "objectives",
		"key_results", "check_ins", "initiatives", "activities", "comments", "changes", "stat_buckets", "sessions"} {
		out[table] = get[int](t, db, `SELECT count(*) FROM `+table)
	}
	return out
}

func TestLoadTwice(t *testing.T) {
	load(t)
	before := tableCounts(t, owner)
	var said []string
	err := Load(context.Background(), owner, func(f string, a ...any) { said = append(said, fmt.Sprintf(f, a...)) })
	if !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("second Load = %v, want ErrNotEmpty", err)
	}
	if len(said) != 0 {
		t.Errorf("second Load said %q", said)
	}
	if after := tableCounts(t, owner); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("second Load wrote rows: before %v, after %v", before, after)
	}
}

// objectiveStats are the seven data-stat values of the objectives page.
type objectiveStats struct {
	Slug                                string
	Total, Draft, InProgress, Completed int
	Cancelled, AvgProgress, Overdue     int
	DueSoon                             int
}

func TestStats(t *testing.T) {
	load(t)
	direct := list[objectiveStats](t, owner, `
		WITH t AS (SELECT id, slug, (now() AT TIME ZONE timezone)::date AS today FROM organizations)
		SELECT t.slug, count(*) AS total,
		       count(*) FILTER (WHERE o.status = 'draft') AS draft,
		       count(*) FILTER (WHERE o.status = 'in_progress') AS inprogress,
		       count(*) FILTER (WHERE o.status = 'completed') AS completed,
		       count(*) FILTER (WHERE o.status = 'cancelled') AS cancelled,
		       coalesce(round(avg(o.progress) FILTER (WHERE o.status <> 'cancelled')), 0) AS avgprogress,
		       count(*) FILTER (WHERE o.end_date < t.today AND o.status IN ('draft', 'in_progress')) AS overdue,
		       count(*) FILTER (WHERE o.end_date BETWEEN t.today AND t.today + 7
		                          AND o.status IN ('draft', 'in_progress')) AS duesoon
		FROM objectives o JOIN t ON t.id = o.org_id
		WHERE o.archived_at IS NULL
		GROUP BY t.slug ORDER BY t.slug`)
	// The same numbers from the maintained buckets, as the stats card reads them.
	buckets := list[objectiveStats](t, owner, `
		WITH t AS (SELECT id, slug, (now() AT TIME ZONE timezone)::date AS today FROM organizations)
		SELECT t.slug, coalesce(sum(n), 0) AS total,
		       coalesce(sum(n) FILTER (WHERE status = 'draft'), 0) AS draft,
		       coalesce(sum(n) FILTER (WHERE status = 'in_progress'), 0) AS inprogress,
		       coalesce(sum(n) FILTER (WHERE status = 'completed'), 0) AS completed,
		       coalesce(sum(n) FILTER (WHERE status = 'cancelled'), 0) AS cancelled,
		       coalesce(round(sum(progress_sum) FILTER (WHERE status <> 'cancelled')
		                      / nullif(sum(n) FILTER (WHERE status <> 'cancelled'), 0)), 0) AS avgprogress,
		       coalesce(sum(n) FILTER (WHERE due < t.today AND status IN ('draft', 'in_progress')), 0) AS overdue,
		       coalesce(sum(n) FILTER (WHERE due BETWEEN t.today AND t.today + 7
		                                 AND status IN ('draft', 'in_progress')), 0) AS duesoon
		FROM stat_buckets b JOIN t ON t.id = b.org_id
		WHERE b.entity = 'objective'
		GROUP BY t.slug ORDER BY t.slug`)
	if len(direct) != 2 {
		t.Fatalf("stats for %d organisations, want 2", len(direct))
	}
	for i, s := range direct {
		t.Logf("%+v", s)
		if s.Total < 12 || s.Draft < 1 || s.InProgress < 1 || s.Completed < 1 || s.Cancelled < 1 ||
			s.AvgProgress < 1 || s.AvgProgress > 99 || s.Overdue < 1 || s.DueSoon < 1 {
			t.Errorf("%s: trivial objective stats %+v", s.Slug, s)
		}
		if i >= len(buckets) || buckets[i] != s {
			t.Errorf("%s: stat_buckets say %+v, the tables %+v", s.Slug, buckets, s)
		}
	}

	// Every bucket equals a direct count over its rows, per organisation,
	// entity, period, status and date: the triggers kept up with the load.
	type mismatch struct {
		Slug, Entity, Status, Due string
		Rows, Bucket              *int64
		RowsSum, BucketSum        *int64
	}
	bad := list[mismatch](t, owner, `
		WITH direct AS (
		    SELECT org_id, 'objective' AS entity, coalesce(period_id, '00000000-0000-0000-0000-000000000000') AS period_id, status, end_date AS due, count(*) AS n,
		           sum(progress) AS p
		    FROM objectives WHERE archived_at IS NULL GROUP BY 1, 2, 3, 4, 5
		    UNION ALL
		    SELECT org_id, 'initiative', coalesce(period_id, '00000000-0000-0000-0000-000000000000'), status, end_date, count(*), sum(progress)
		    FROM initiatives WHERE archived_at IS NULL GROUP BY 1, 2, 3, 4, 5
		    UNION ALL
		    SELECT org_id, 'activity', coalesce(period_id, '00000000-0000-0000-0000-000000000000'), status, coalesce(due_date, 'infinity'), count(*),
		           sum(CASE WHEN status = 'completed' THEN 100 ELSE 0 END)
		    FROM activities WHERE archived_at IS NULL GROUP BY 1, 2, 3, 4, 5
		), kept AS (SELECT * FROM stat_buckets WHERE n <> 0 OR progress_sum <> 0)
		SELECT o.slug, entity, status, due::text, d.n AS rows, k.n AS bucket, d.p AS rowssum, k.progress_sum AS bucketsum
		FROM direct d FULL JOIN kept k USING (org_id, entity, period_id, status, due)
		JOIN organizations o ON o.id = org_id
		WHERE d.n IS DISTINCT FROM k.n OR d.p IS DISTINCT FROM k.progress_sum`)
	for _, m := range bad {
		t.Errorf("stat_buckets out of step: %s %s %s %s", m.Slug, m.Entity, m.Status, m.Due)
	}
	type total struct {
		Slug, Entity, Status string
		N                    int
	}
	for _, x := range list[total](t, owner, `
		SELECT o.slug, b.entity, b.status, sum(b.n)::int AS n FROM stat_buckets b JOIN organizations o ON o.id = b.org_id
		GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`) {
		t.Logf("stat_buckets %s %s %s = %d", x.Slug, x.Entity, x.Status, x.N)
	}

	// Initiatives and activities cover every status; activities have
	// overdue, due-soon and undated work in each organisation.
	type actStats struct {
		Slug                               string
		IniStatuses, ActStatuses           int
		Overdue, DueSoon, NoDue            int
		IniOverdue, KRKinds, KRDecreasing  int
		Parents, WithArea, WithPeriod, Obj int
	}
	for _, s := range list[actStats](t, owner, `
		WITH t AS (SELECT id, slug, (now() AT TIME ZONE timezone)::date AS today FROM organizations)
		SELECT t.slug,
		       (SELECT count(DISTINCT status) FROM initiatives i WHERE i.org_id = t.id) AS inistatuses,
		       (SELECT count(DISTINCT status) FROM activities a WHERE a.org_id = t.id) AS actstatuses,
		       (SELECT count(*) FROM activities a WHERE a.org_id = t.id AND a.due_date < t.today
		           AND a.status IN ('todo', 'in_progress')) AS overdue,
		       (SELECT count(*) FROM activities a WHERE a.org_id = t.id AND a.due_date BETWEEN t.today AND t.today + 7
		           AND a.status IN ('todo', 'in_progress')) AS duesoon,
		       (SELECT count(*) FROM activities a WHERE a.org_id = t.id AND a.due_date IS NULL) AS nodue,
		       (SELECT count(*) FROM initiatives i WHERE i.org_id = t.id AND i.end_date < t.today
		           AND i.status IN ('planning', 'in_progress')) AS inioverdue,
		       (SELECT count(DISTINCT kind) FROM key_results k WHERE k.org_id = t.id) AS krkinds,
		       (SELECT count(*) FROM key_results k WHERE k.org_id = t.id AND k.direction = 'decrease'
		           AND k.start_value > k.target_value) AS krdecreasing,
		       (SELECT count(*) FROM objectives o WHERE o.org_id = t.id AND o.parent_id IS NOT NULL) AS parents,
		       (SELECT count(*) FROM objectives o WHERE o.org_id = t.id AND o.area_id IS NOT NULL) AS witharea,
		       (SELECT count(*) FROM objectives o WHERE o.org_id = t.id AND o.period_id IS NOT NULL) AS withperiod,
		       (SELECT count(*) FROM objectives o WHERE o.org_id = t.id) AS obj
		FROM t ORDER BY t.slug`) {
		t.Logf("%+v", s)
		if s.IniStatuses != 4 || s.ActStatuses != 4 || s.Overdue < 1 || s.DueSoon < 1 || s.NoDue < 1 ||
			s.IniOverdue < 1 || s.KRKinds != 5 || s.KRDecreasing < 1 || s.Parents < 1 ||
			s.WithArea*2 <= s.Obj || s.WithPeriod != s.Obj {
			t.Errorf("%s: not varied enough: %+v", s.Slug, s)
		}
	}
}

func TestLogins(t *testing.T) {
	load(t)
	for _, a := range Accounts {
		hash := get[string](t, owner, `SELECT password_hash FROM users WHERE email = $1`, a.Email)
		ok, _, err := auth.Verify(Password, hash)
		if err != nil || !ok {
			t.Errorf("%s: Verify(%q) = %v, %v", a.Email, Password, ok, err)
		}
		if ok, _, _ := auth.Verify("otra-clave", hash); ok {
			t.Errorf("%s: a wrong password verifies", a.Email)
		}
	}
}

// No text that one organisation's pages show (titles, descriptions, area
// names, comments) appears in the other's, and titles are distinct within
// an organisation.
func TestNoSharedTitles(t *testing.T) {
	load(t)
	type text struct {
		Slug, Kind, Body string
	}
	texts := list[text](t, owner, `
		SELECT o.slug, x.kind, x.body FROM organizations o JOIN (
		    SELECT org_id, 'objective' AS kind, title AS body FROM objectives
		    UNION ALL SELECT org_id, 'objective description', description FROM objectives WHERE description <> ''
		    UNION ALL SELECT org_id, 'key result', title FROM key_results
		    UNION ALL SELECT org_id, 'initiative', title FROM initiatives
		    UNION ALL SELECT org_id, 'activity', title FROM activities
		    UNION ALL SELECT org_id, 'area', name FROM areas
		    UNION ALL SELECT org_id, 'comment', body FROM comments
		) x ON x.org_id = o.id`)
	by := map[string][]text{}
	seen := map[string]bool{}
	for _, x := range texts {
		by[x.Slug] = append(by[x.Slug], x)
		if x.Kind != "objective description" && x.Kind != "comment" {
			key := x.Slug + "\x00" + x.Body
			if seen[key] {
				t.Errorf("%s: %q used twice", x.Slug, x.Body)
			}
			seen[key] = true
		}
	}
	if len(by) != 2 {
		t.Fatalf("texts for %d organisations", len(by))
	}
	for _, a := range Slugs {
		for _, b := range Slugs {
			if a == b {
				continue
			}
			for _, x := range by[a] {
				if x.Kind == "objective description" || x.Kind == "comment" {
					continue
				}
				for _, y := range by[b] {
					if strings.Contains(strings.ToLower(y.Body), strings.ToLower(x.Body)) {
						t.Errorf("%s %s %q appears in %s %s %q", a, x.Kind, x.Body, b, y.Kind, y.Body)
					}
				}
			}
		}
	}
}

// The rows are coherent: check-ins end at the current value, progress is
// the database's, completion times and history lie in the past, and work is
// spread over the members.
func TestConsistency(t *testing.T) {
	load(t)
	checks := []struct{ name, query string }{
		{"key results whose latest check-in is not the current value", `
			SELECT count(*) FROM key_results k
			WHERE k.current_value IS DISTINCT FROM (SELECT c.value FROM check_ins c
			    WHERE c.org_id = k.org_id AND c.key_result_id = k.id ORDER BY c.created_at DESC LIMIT 1)`},
		{"key results with fewer than one check-in per open objective or more than four", `
			SELECT count(*) FROM key_results k
			WHERE (SELECT count(*) FROM check_ins c WHERE c.org_id = k.org_id AND c.key_result_id = k.id) NOT BETWEEN 1 AND 4`},
		{"in-progress key results with a single check-in", `
			SELECT count(*) FROM key_results k
			WHERE k.current_value <> k.start_value
			  AND (SELECT count(*) FROM check_ins c WHERE c.org_id = k.org_id AND c.key_result_id = k.id) < 2`},
		{"check-ins with a bad confidence, no note or no author", `
			SELECT count(*) FROM check_ins WHERE confidence NOT BETWEEN 0 AND 10 OR note = '' OR author_id IS NULL`},
		{"objectives whose progress is not the weighted mean of their key results", `
			SELECT count(*) FROM objectives o
			WHERE o.progress <> (SELECT round(sum(k.weight * k.progress) / sum(k.weight))
			                     FROM key_results k WHERE k.org_id = o.org_id AND k.objective_id = o.id)`},
		{"initiatives whose progress is not their share of completed activities", `
			SELECT count(*) FROM initiatives i
			WHERE i.progress <> coalesce((SELECT round(100.0 * count(*) FILTER (WHERE a.status = 'completed') / count(*))
			                              FROM activities a WHERE a.org_id = i.org_id AND a.initiative_id = i.id
			                                AND a.status <> 'cancelled' HAVING count(*) > 0), i.progress_manual)`},
		{"completed objectives below 100 %", `SELECT count(*) FROM objectives WHERE status = 'completed' AND progress < 100`},
		{"completed activities without a past completed_at", `
			SELECT count(*) FROM activities WHERE status = 'completed' AND NOT (completed_at < now() AND completed_at > created_at)`},
		{"rows created in the future", `
			SELECT (SELECT count(*) FROM objectives WHERE created_at > now() OR updated_at > now())
			     + (SELECT count(*) FROM initiatives WHERE created_at > now() OR updated_at > now())
			     + (SELECT count(*) FROM activities WHERE created_at > now() OR updated_at > now())
			     + (SELECT count(*) FROM check_ins WHERE created_at > now())
			     + (SELECT count(*) FROM comments WHERE created_at > now())
			     + (SELECT count(*) FROM changes WHERE created_at > now())`},
		{"check-ins, comments or changes older than their objective", `
			SELECT (SELECT count(*) FROM check_ins c JOIN key_results k ON k.org_id = c.org_id AND k.id = c.key_result_id
			        JOIN objectives o ON o.org_id = k.org_id AND o.id = k.objective_id WHERE c.created_at < o.created_at)
			     + (SELECT count(*) FROM comments c JOIN objectives o ON o.org_id = c.org_id AND o.id = c.objective_id
			        WHERE c.created_at < o.created_at)
			     + (SELECT count(*) FROM changes c JOIN objectives o ON o.org_id = c.org_id AND o.id = c.objective_id
			        WHERE c.created_at < o.created_at)`},
		{"objectives outside their period", `
			SELECT count(*) FROM objectives o JOIN periods p ON p.org_id = o.org_id AND p.id = o.period_id
			WHERE o.end_date NOT BETWEEN p.start_date AND p.end_date
			  AND o.end_date BETWEEN (SELECT min(start_date) FROM periods q WHERE q.org_id = o.org_id)
			                     AND (SELECT max(end_date) FROM periods q WHERE q.org_id = o.org_id)`},
		{"organisations without comments or change history", `
			SELECT count(*) FROM organizations o
			WHERE NOT EXISTS (SELECT 1 FROM comments c WHERE c.org_id = o.id AND c.objective_id IS NOT NULL)
			   OR NOT EXISTS (SELECT 1 FROM comments c WHERE c.org_id = o.id AND c.initiative_id IS NOT NULL)
			   OR NOT EXISTS (SELECT 1 FROM changes c WHERE c.org_id = o.id)`},
		{"members who own no objective, no initiative or no activity", `
			SELECT count(*) FROM memberships m
			WHERE NOT EXISTS (SELECT 1 FROM objectives o WHERE o.org_id = m.org_id AND o.owner_id = m.user_id)
			   OR NOT EXISTS (SELECT 1 FROM initiatives i WHERE i.org_id = m.org_id AND i.owner_id = m.user_id)
			   OR NOT EXISTS (SELECT 1 FROM activities a WHERE a.org_id = m.org_id AND a.assignee_id = m.user_id)`},
		{"areas without a manager in an organisation that has gerentes or corporativos", `
			SELECT count(*) FROM areas a WHERE a.manager_id IS NULL AND a.status = 'active'`},
		{"periods that do not cover today", `
			SELECT count(*) FROM organizations o
			WHERE NOT EXISTS (SELECT 1 FROM periods p WHERE p.org_id = o.id
			                  AND (now() AT TIME ZONE o.timezone)::date BETWEEN p.start_date AND p.end_date)`},
	}
	for _, c := range checks {
		if n := get[int](t, owner, c.query); n != 0 {
			t.Errorf("%d %s", n, c.name)
		}
	}
}

// Load is all or nothing: a failure on its last tables leaves no trace, and
// of two concurrent loads into an empty database exactly one wins.
func TestAtomic(t *testing.T) {
	ctx := context.Background()
	dsn, err := newDatabase(ctx, "demo_atomic")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := database.OpenAdmin(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	db, err := database.OpenOwner(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// A database that rejects the comments fails Load after everything else went in.
	if _, err := admin.ExecContext(ctx, `
		CREATE FUNCTION rumbo.reject() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'rejected by the test'; END $$;
		CREATE TRIGGER reject BEFORE INSERT ON rumbo.comments FOR EACH STATEMENT EXECUTE FUNCTION rumbo.reject();`); err != nil {
		t.Fatal(err)
	}
	if err := Load(ctx, db, nil); err == nil || !strings.Contains(err.Error(), "rejected by the test") {
		t.Fatalf("Load with a failing comments table = %v, want the test's error", err)
	}
	for table, n := range tableCounts(t, db) {
		if n != 0 {
			t.Errorf("failed Load left %d rows in %s", n, table)
		}
	}
	if _, err := admin.ExecContext(ctx, `DROP TRIGGER reject ON rumbo.comments; DROP FUNCTION rumbo.reject()`); err != nil {
		t.Fatal(err)
	}

	// An existing demo account stops Load with a clear message.
	if _, err := db.ExecContext(ctx, `INSERT INTO users (email, name, password_hash) VALUES ('pablo@globex.test', 'Pablo', 'x')`); err != nil {
		t.Fatal(err)
	}
	if err := Load(ctx, db, nil); err == nil || !strings.Contains(err.Error(), "pablo@globex.test") {
		t.Errorf("Load with an existing demo account = %v", err)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM users`); err != nil {
		t.Fatal(err)
	}

	// Two loads at once: one loads, the other finds the data there.
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- Load(ctx, db, nil) }()
	}
	var ok, notEmpty int
	for range 2 {
		switch err := <-errs; {
		case err == nil:
			ok++
		case errors.Is(err, ErrNotEmpty):
			notEmpty++
		default:
			t.Errorf("concurrent Load: %v", err)
		}
	}
	if ok != 1 || notEmpty != 1 {
		t.Errorf("concurrent loads: %d succeeded, %d found data; want 1 and 1", ok, notEmpty)
	}
	if n := get[int](t, db, `SELECT count(*) FROM organizations`); n != 2 {
		t.Errorf("%d organisations after concurrent loads, want 2", n)
	}
}

// The content is relative to today: build it for every day of a year (quarter
// ends, leap day, DST changes) and check the dates the schema and the stats
// rely on, without a database.
func TestBuildEveryDay(t *testing.T) {
	hashes := map[string]string{}
	for _, u := range users {
		hashes[u.Email] = "x"
	}
	parse := func(layout, v string) time.Time {
		t.Helper()
		x, err := time.Parse(layout, v)
		if err != nil {
			t.Fatalf("parse %q: %v", v, err)
		}
		return x
	}
	for d := range 366 {
		today := time.Date(2027, 12, 20, 0, 0, 0, 0, time.UTC).AddDate(0, 0, d) // through 2028, a leap year
		now := today.Add(5 * time.Hour)                                         // 00:00 in Bogotá: the day has just begun
		days := []orgDay{{newID(), today, -5 * 3600}, {newID(), today, -3 * 3600}}
		r := newBuilder(now, hashes).build(days)
		when := today.Format(time.DateOnly)
		stamps := func(table string, b *batch, cols ...int) {
			for _, c := range cols {
				for _, v := range b.cols[c] {
					if v != "" && !parse(time.RFC3339Nano, v).Before(now) {
						t.Fatalf("%s: %s has a time in the future: %s", when, table, v)
					}
				}
			}
		}
		stamps("objectives", r.objectives, 13, 14)
		stamps("initiatives", r.initiatives, 11, 12)
		stamps("activities", r.activities, 9, 13, 14)
		stamps("check_ins", r.checkIns, 7)
		stamps("comments", r.comments, 6, 7)
		stamps("changes", r.changes, 8)
		overdue, soon := map[string]int{}, map[string]int{}
		for i := range r.objectives.len() {
			c := r.objectives.cols
			start, end := parse(time.DateOnly, c[10][i]), parse(time.DateOnly, c[11][i])
			if end.Before(start) {
				t.Fatalf("%s: objective %q ends before it starts", when, c[2][i])
			}
			if open := c[8][i] == draft || c[8][i] == inProgress; open && end.Before(today) {
				overdue[c[0][i]]++
			} else if open && !end.After(today.AddDate(0, 0, 7)) {
				soon[c[0][i]]++
			}
		}
		for _, o := range days {
			if overdue[o.id] == 0 || soon[o.id] == 0 {
				t.Fatalf("%s: %d overdue and %d due-soon objectives", when, overdue[o.id], soon[o.id])
			}
		}
		for i := range r.initiatives.len() {
			c := r.initiatives.cols
			if parse(time.DateOnly, c[8][i]).Before(parse(time.DateOnly, c[7][i])) {
				t.Fatalf("%s: initiative %q ends before it starts", when, c[3][i])
			}
		}
		for i := range r.activities.len() {
			c := r.activities.cols
			if c[8][i] != "" && parse(time.DateOnly, c[8][i]).Before(parse(time.DateOnly, c[7][i])) {
				t.Fatalf("%s: activity %q is due before it starts", when, c[3][i])
			}
			if (c[5][i] == done) != (c[9][i] != "") {
				t.Fatalf("%s: activity %q: status %s with completed_at %q", when, c[3][i], c[5][i], c[9][i])
			}
			if c[9][i] != "" && !parse(time.RFC3339Nano, c[9][i]).After(parse(time.RFC3339Nano, c[13][i])) {
				t.Fatalf("%s: activity %q completed before it was created", when, c[3][i])
			}
		}
	}
}
