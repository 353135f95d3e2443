package database_test

// Catalog rules of the data layer (DESIGN.md "Roles, schemas, names" and
// "Non-negotiable rules" 1-13), read from pg_catalog of a database built by
// the real migrations. Tables and functions are discovered, never listed, so
// a table or function added by a later migration is checked without editing
// this file.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rumbo/internal/database"
	"rumbo/internal/rls"
	"rumbo/internal/testpg"
	"rumbo/queries"
)

var tdb *testpg.DB

func TestMain(m *testing.M) { os.Exit(testpg.Main(m, &tdb, nil)) }

// globalTables is DESIGN.md's allow-list of tables in schema rumbo without
// org_id. Any other table must carry org_id.
var globalTables = []string{
	"goose_db_version", "goose_lock", "login_attempts", "organizations", "password_resets", "sessions", "users",
}

// secretTables are the global tables the app role must not reach at all
// (DESIGN.md: "no access at all to users, sessions or secrets"; goose's
// tables are for migrations only).
var secretTables = []string{"goose_db_version", "goose_lock", "login_attempts", "password_resets", "sessions", "users"}

// gooseTables are managed by goose itself; RLS on them is not required, but
// rumbo_app has no privilege on them (checked with secretTables).
var gooseTables = []string{"goose_db_version", "goose_lock"}

// indexExceptions are the only indexes on org tables allowed not to lead
// with (or not to include) org_id, by name, with the columns they must have.
var indexExceptions = map[string]indexException{
	// DESIGN.md rule 8: "a secret-token lookup made before any membership
	// exists (an invitation or reset token, by its hash) may have its own
	// unique index on the hash, used only inside the SECURITY DEFINER
	// function of rule 10."
	"invitations_token_hash_key": {table: "invitations", columns: []string{"token_hash"}, unique: true},
}

type indexException struct {
	table   string
	columns []string
	unique  bool
}

// The one tenant expression rumbo_app's permissive policies may have (rule
// 3), as PostgreSQL 15 deparses `org_id = (select app.org_id())`.
const (
	tenantExpr       = "(org_id = ( select app.org_id() as org_id))"
	organizationExpr = "(id = ( select app.org_id() as org_id))"
)

func adminDB(t *testing.T) *sqlx.DB {
	t.Helper()
	db, err := database.OpenAdmin(tdb.AdminDSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return sqlx.NewDb(db, "postgres")
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func sel(t *testing.T, db *sqlx.DB, dest any, query string, args ...any) {
	t.Helper()
	if err := db.SelectContext(ctxT(t), dest, query, args...); err != nil {
		t.Fatalf("%v\n%s", err, query)
	}
}

func get(t *testing.T, db *sqlx.DB, dest any, query string, args ...any) {
	t.Helper()
	if err := db.GetContext(ctxT(t), dest, query, args...); err != nil {
		t.Fatalf("%v\n%s", err, query)
	}
}

// relation kinds that hold rows a role could read: tables, partitioned
// tables, views, materialised views, foreign tables.
const tableKinds = `('r', 'p', 'v', 'm', 'f')`

type table struct {
	Name   string `db:"name"`
	Kind   string `db:"kind"`
	HasOrg bool   `db:"has_org"`
	RLS    bool   `db:"rls"`
	Force  bool   `db:"force"`
}

// tables lists the tables (kinds r and p) of schema rumbo.
func tables(t *testing.T, db *sqlx.DB) []table {
	t.Helper()
	var out []table
	sel(t, db, &out, `
		SELECT c.relname AS name, c.relkind::text AS kind,
		       EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id'
		               AND a.attnum > 0 AND NOT a.attisdropped) AS has_org,
		       c.relrowsecurity AS rls, c.relforcerowsecurity AS force
		FROM pg_class c
		WHERE c.relnamespace = 'rumbo'::regnamespace AND c.relkind IN ('r', 'p')
		ORDER BY c.relname`)
	if len(out) == 0 {
		t.Fatal("schema rumbo has no tables: the migrations did not run")
	}
	return out
}

// orgTables are the tables of schema rumbo with an org_id column. The list
// must include the domain's core tables, so no check below passes vacuously.
func orgTables(t *testing.T, db *sqlx.DB) []string {
	t.Helper()
	var out []string
	for _, tb := range tables(t, db) {
		if tb.HasOrg {
			out = append(out, tb.Name)
		}
	}
	for _, want := range []string{"memberships", "areas", "objectives", "key_results", "initiatives", "activities", "invitations"} {
		if !slices.Contains(out, want) {
			t.Fatalf("org table discovery is broken: %s is not among %v", want, out)
		}
	}
	return out
}

type policy struct {
	Table      string         `db:"tbl"`
	Name       string         `db:"name"`
	Cmd        string         `db:"cmd"`
	Permissive bool           `db:"permissive"`
	Roles      pq.StringArray `db:"roles"`
	AppliesApp bool           `db:"applies_app"`
	HasQual    bool           `db:"has_qual"`
	HasCheck   bool           `db:"has_check"`
	Qual       string         `db:"qual"`
	Check      string         `db:"check"`
}

// policies lists every policy on schema rumbo; AppliesApp is true when the
// policy is evaluated for rumbo_app: TO PUBLIC, TO rumbo_app, or TO a role
// whose privileges rumbo_app has.
func policies(t *testing.T, db *sqlx.DB) map[string][]policy {
	t.Helper()
	var all []policy
	sel(t, db, &all, `
		SELECT c.relname AS tbl, p.polname AS name, p.polcmd::text AS cmd, p.polpermissive AS permissive,
		       ARRAY(SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE r::regrole::text END FROM unnest(p.polroles) AS r) AS roles,
		       EXISTS (SELECT 1 FROM unnest(p.polroles) AS r
		               WHERE r = 0 OR pg_has_role('rumbo_app', r, 'USAGE')) AS applies_app,
		       p.polqual IS NOT NULL AS has_qual, p.polwithcheck IS NOT NULL AS has_check,
		       coalesce(pg_get_expr(p.polqual, p.polrelid), '') AS qual,
		       coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '') AS check
		FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
		WHERE c.relnamespace = 'rumbo'::regnamespace
		ORDER BY c.relname, p.polname`)
	out := map[string][]policy{}
	for _, p := range all {
		out[p.Table] = append(out[p.Table], p)
	}
	return out
}

func normalise(expr string) string {
	return strings.ToLower(strings.Join(strings.Fields(expr), " "))
}

// checkTenantPolicies asserts rule 2/3 for one table: exactly one
// permissive policy applies to rumbo_app, FOR ALL, with USING and WITH
// CHECK both equal to want; any other policy that applies to rumbo_app is
// RESTRICTIVE (it can only narrow); and rumbo_owner has its explicit
// USING (true) WITH CHECK (true) policy.
func checkTenantPolicies(t *testing.T, tbl string, ps []policy, want string) {
	t.Helper()
	var permissive []policy
	ownerPolicy := false
	for _, p := range ps {
		if len(p.Roles) == 1 && p.Roles[0] == database.OwnerRole && p.Cmd == "*" && p.Permissive &&
			normalise(p.Qual) == "true" && normalise(p.Check) == "true" {
			ownerPolicy = true
		}
		if !p.AppliesApp {
			continue
		}
		if !p.Permissive {
			continue // RESTRICTIVE: AND-ed with the tenant rule, can only narrow it
		}
		permissive = append(permissive, p)
		for _, e := range []struct{ what, text string }{{"USING", p.Qual}, {"WITH CHECK", p.Check}} {
			n := normalise(e.text)
			switch {
			case strings.Contains(n, " or "):
				t.Errorf("%s: policy %s %s has an OR (rule 3): %s", tbl, p.Name, e.what, e.text)
			case strings.Contains(n, "is null"):
				t.Errorf("%s: policy %s %s has an IS NULL escape hatch (rule 3): %s", tbl, p.Name, e.what, e.text)
			case strings.Count(n, "select") > 1:
				t.Errorf("%s: policy %s %s has a subquery besides app.org_id() (rule 3): %s", tbl, p.Name, e.what, e.text)
			}
			if n != want {
				t.Errorf("%s: rumbo_app policy %s %s is %q, want plain equality %q (rule 3)", tbl, p.Name, e.what, e.text, want)
			}
		}
		if !p.HasQual || !p.HasCheck {
			t.Errorf("%s: rumbo_app policy %s lacks USING or WITH CHECK (rule 2)", tbl, p.Name)
		}
		if p.Cmd != "*" {
			t.Errorf("%s: rumbo_app policy %s is FOR %s, want FOR ALL", tbl, p.Name, p.Cmd)
		}
	}
	switch len(permissive) {
	case 0:
		t.Errorf("%s: no PERMISSIVE FOR ALL policy TO rumbo_app with USING and WITH CHECK (rule 2)", tbl)
	case 1:
		if !slices.Contains(permissive[0].Roles, database.AppRole) {
			t.Errorf("%s: tenant policy %s is TO %v, want TO rumbo_app (not PUBLIC or another role)", tbl, permissive[0].Name, permissive[0].Roles)
		}
	default:
		var names []string
		for _, p := range permissive {
			names = append(names, p.Name)
		}
		t.Errorf("%s: %d PERMISSIVE policies apply to rumbo_app (%v): they are OR-ed and widen the tenant rule; extra ones must be AS RESTRICTIVE (rule 3)", tbl, len(permissive), names)
	}
	if !ownerPolicy {
		t.Errorf("%s: no policy TO rumbo_owner USING (true) WITH CHECK (true) FOR ALL", tbl)
	}
}

// Rules 2 and 3 for every table with org_id.
func TestOrgTablesHaveForcedTenantPolicies(t *testing.T) {
	db := adminDB(t)
	all := tables(t, db)
	ps := policies(t, db)
	orgs := orgTables(t, db)
	var cols []struct {
		Table   string `db:"tbl"`
		Type    string `db:"typ"`
		NotNull bool   `db:"not_null"`
	}
	sel(t, db, &cols, `
		SELECT c.relname AS tbl, format_type(a.atttypid, a.atttypmod) AS typ, a.attnotnull AS not_null
		FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
		WHERE c.relnamespace = 'rumbo'::regnamespace AND c.relkind IN ('r', 'p')
		  AND a.attname = 'org_id' AND a.attnum > 0 AND NOT a.attisdropped`)
	if len(cols) != len(orgs) {
		t.Fatalf("found %d org_id columns for %d org tables", len(cols), len(orgs))
	}
	for _, c := range cols {
		if c.Type != "uuid" || !c.NotNull {
			t.Errorf("%s.org_id is %s (NOT NULL %v), want uuid NOT NULL (rule 2)", c.Table, c.Type, c.NotNull)
		}
	}
	for _, tb := range all {
		if !tb.HasOrg {
			continue
		}
		if !tb.RLS || !tb.Force {
			t.Errorf("%s: ROW LEVEL SECURITY enabled=%v forced=%v, want both (rule 2)", tb.Name, tb.RLS, tb.Force)
		}
		checkTenantPolicies(t, tb.Name, ps[tb.Name], tenantExpr)
	}
	t.Logf("checked %d org tables: %v", len(orgs), orgs)
}

// Rule 7: PRIMARY KEY (org_id, ...).
func TestOrgTablesPrimaryKeyLeadsWithOrg(t *testing.T) {
	db := adminDB(t)
	orgs := orgTables(t, db)
	var pks []struct {
		Table string `db:"tbl"`
		First string `db:"first"`
		Def   string `db:"def"`
	}
	sel(t, db, &pks, `
		SELECT c.relname AS tbl, a.attname AS first, pg_get_constraintdef(k.oid) AS def
		FROM pg_constraint k
		JOIN pg_class c ON c.oid = k.conrelid
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.conkey[1]
		WHERE k.contype = 'p' AND c.relnamespace = 'rumbo'::regnamespace`)
	byTable := map[string]string{}
	for _, pk := range pks {
		byTable[pk.Table] = pk.First
		if slices.Contains(orgs, pk.Table) && pk.First != "org_id" {
			t.Errorf("%s: %s does not start with org_id (rule 7)", pk.Table, pk.Def)
		}
	}
	for _, o := range orgs {
		if _, ok := byTable[o]; !ok {
			t.Errorf("%s has no primary key; want PRIMARY KEY (org_id, ...) (rule 7)", o)
		}
	}
}

// Rule 7: a row can never point into another organisation, because every
// foreign key between org tables carries org_id on both sides, at the same
// position. Foreign keys to organizations(id) and users(id) are the only
// others allowed. An ON DELETE SET NULL/DEFAULT must name its columns, so
// org_id stays.
func TestForeignKeysBetweenOrgTablesIncludeOrg(t *testing.T) {
	db := adminDB(t)
	orgs := orgTables(t, db)
	var fks []struct {
		Name       string        `db:"name"`
		Table      string        `db:"tbl"`
		RefTable   string        `db:"ref"`
		RefSchema  string        `db:"ref_schema"`
		Cols       pq.Int64Array `db:"cols"`
		RefCols    pq.Int64Array `db:"ref_cols"`
		OrgAtt     int64         `db:"org_att"`
		RefOrgAtt  sql.NullInt64 `db:"ref_org_att"`
		RefColName string        `db:"ref_col_names"`
		DelType    string        `db:"del_type"`
		UpdType    string        `db:"upd_type"`
		DelSetCols pq.Int64Array `db:"del_set_cols"`
		Def        string        `db:"def"`
	}
	sel(t, db, &fks, `
		SELECT k.conname AS name, c.relname AS tbl, rc.relname AS ref, rc.relnamespace::regnamespace::text AS ref_schema,
		       k.conkey::int8[] AS cols, k.confkey::int8[] AS ref_cols,
		       coalesce((SELECT attnum FROM pg_attribute WHERE attrelid = c.oid AND attname = 'org_id'), 0) AS org_att,
		       (SELECT attnum FROM pg_attribute WHERE attrelid = rc.oid AND attname = 'org_id' AND NOT attisdropped) AS ref_org_att,
		       (SELECT string_agg(a.attname, ',' ORDER BY u.n) FROM unnest(k.confkey) WITH ORDINALITY AS u(att, n)
		          JOIN pg_attribute a ON a.attrelid = rc.oid AND a.attnum = u.att) AS ref_col_names,
		       k.confdeltype::text AS del_type, k.confupdtype::text AS upd_type,
		       coalesce(k.confdelsetcols::int8[], '{}') AS del_set_cols,
		       pg_get_constraintdef(k.oid) AS def
		FROM pg_constraint k
		JOIN pg_class c ON c.oid = k.conrelid
		JOIN pg_class rc ON rc.oid = k.confrelid
		WHERE k.contype = 'f' AND c.relnamespace = 'rumbo'::regnamespace`)
	checked := 0
	for _, fk := range fks {
		if !slices.Contains(orgs, fk.Table) {
			continue
		}
		checked++
		where := fmt.Sprintf("%s.%s: %s", fk.Table, fk.Name, fk.Def)
		if fk.RefSchema != "rumbo" {
			t.Errorf("%s: references a table outside schema rumbo", where)
			continue
		}
		if fk.RefOrgAtt.Valid {
			pos := slices.Index([]int64(fk.Cols), fk.OrgAtt)
			if pos < 0 || pos >= len(fk.RefCols) || fk.RefCols[pos] != fk.RefOrgAtt.Int64 {
				t.Errorf("%s: a foreign key between org tables must pair org_id with org_id, e.g. (org_id, x_id) REFERENCES x (org_id, id) (rule 7)", where)
			}
		} else {
			ok := (fk.RefTable == "organizations" || fk.RefTable == "users") && fk.RefColName == "id"
			if !ok {
				t.Errorf("%s: an org table may reference a table without org_id only as organizations(id) or users(id)", where)
			}
		}
		// SET NULL / SET DEFAULT without a column list would clear org_id too.
		if (fk.DelType == "n" || fk.DelType == "d") && fk.RefOrgAtt.Valid {
			if len(fk.DelSetCols) == 0 || slices.Contains([]int64(fk.DelSetCols), fk.OrgAtt) {
				t.Errorf("%s: ON DELETE SET NULL/DEFAULT must name only the pointer column, e.g. SET NULL (x_id), so org_id stays (rule 7)", where)
			}
		}
		if (fk.UpdType == "n" || fk.UpdType == "d") && fk.RefOrgAtt.Valid {
			t.Errorf("%s: ON UPDATE SET NULL/DEFAULT would clear org_id (rule 7)", where)
		}
	}
	if checked == 0 {
		t.Fatal("no foreign key found on any org table: the query is broken")
	}
}

// Rules 7 and 8: every UNIQUE constraint and unique index includes org_id,
// and every index leads with it; the only exception is DESIGN's rule-8 token
// lookup, pinned by name, table, columns and uniqueness.
func TestOrgTableIndexesLeadWithOrg(t *testing.T) {
	db := adminDB(t)
	orgs := orgTables(t, db)
	var idx []struct {
		Name    string         `db:"name"`
		Table   string         `db:"tbl"`
		Unique  bool           `db:"is_unique"`
		Keys    pq.StringArray `db:"keys"`
		Def     string         `db:"def"`
		Exclude bool           `db:"is_exclusion"`
	}
	// Key columns only (INCLUDE columns do not count); an expression key is
	// shown as its text, so it never equals "org_id".
	sel(t, db, &idx, `
		SELECT ic.relname AS name, c.relname AS tbl, i.indisunique AS is_unique, i.indisexclusion AS is_exclusion,
		       ARRAY(SELECT CASE WHEN u.att = 0 THEN '(expression)' ELSE a.attname::text END
		             FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS u(att, n)
		             LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = u.att
		             WHERE u.n <= i.indnkeyatts ORDER BY u.n) AS keys,
		       pg_get_indexdef(i.indexrelid) AS def
		FROM pg_index i
		JOIN pg_class ic ON ic.oid = i.indexrelid
		JOIN pg_class c ON c.oid = i.indrelid
		WHERE c.relnamespace = 'rumbo'::regnamespace`)
	seen := map[string]bool{}
	checked := 0
	for _, ix := range idx {
		if !slices.Contains(orgs, ix.Table) {
			continue
		}
		checked++
		if ex, ok := indexExceptions[ix.Name]; ok {
			seen[ix.Name] = true
			if ix.Table != ex.table || !slices.Equal([]string(ix.Keys), ex.columns) || ix.Unique != ex.unique {
				t.Errorf("%s is allow-listed as %+v but is %s", ix.Name, ex, ix.Def)
			}
			continue
		}
		if len(ix.Keys) == 0 || ix.Keys[0] != "org_id" {
			t.Errorf("%s: index does not lead with org_id (rule 8): %s", ix.Table, ix.Def)
		}
		if (ix.Unique || ix.Exclude) && !slices.Contains(ix.Keys, "org_id") {
			t.Errorf("%s: unique index without org_id is a cross-organisation oracle (rule 7): %s", ix.Table, ix.Def)
		}
	}
	if checked == 0 {
		t.Fatal("no index found on any org table: the query is broken")
	}
	var uniques []struct {
		Table string `db:"tbl"`
		Def   string `db:"def"`
		Name  string `db:"name"`
		Org   bool   `db:"has_org"`
	}
	sel(t, db, &uniques, `
		SELECT c.relname AS tbl, k.conname AS name, pg_get_constraintdef(k.oid) AS def,
		       EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id'
		               AND a.attnum = ANY (k.conkey)) AS has_org
		FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
		WHERE k.contype IN ('u', 'p', 'x') AND c.relnamespace = 'rumbo'::regnamespace`)
	for _, u := range uniques {
		if slices.Contains(orgs, u.Table) && !u.Org {
			if _, ok := indexExceptions[u.Name]; !ok {
				t.Errorf("%s: constraint %s %s does not include org_id (rule 7)", u.Table, u.Name, u.Def)
			}
		}
	}
	for name := range indexExceptions {
		if !seen[name] {
			t.Logf("allow-listed index %s no longer exists; the allow-list entry can go", name)
		}
	}
}

// DESIGN.md: tables without org_id form a short allow-list; the catalog
// test fails on any other. The organisation row is itself tenant-guarded,
// the secret tables are RLS-forced with an owner policy only, goose's tables
// need no RLS but the app role reaches none of them (see privileges).
func TestTablesWithoutOrgAreAllowListed(t *testing.T) {
	db := adminDB(t)
	ps := policies(t, db)
	var without []string
	for _, tb := range tables(t, db) {
		if tb.HasOrg {
			continue
		}
		without = append(without, tb.Name)
		if !slices.Contains(globalTables, tb.Name) {
			t.Errorf("table rumbo.%s has no org_id and is not on DESIGN.md's allow-list %v: add org_id (rule 2) or justify it in DESIGN.md", tb.Name, globalTables)
			continue
		}
		if slices.Contains(gooseTables, tb.Name) {
			continue
		}
		if !tb.RLS || !tb.Force {
			t.Errorf("%s: ROW LEVEL SECURITY enabled=%v forced=%v, want both", tb.Name, tb.RLS, tb.Force)
		}
		if tb.Name == "organizations" {
			checkTenantPolicies(t, tb.Name, ps[tb.Name], organizationExpr)
			continue
		}
		for _, p := range ps[tb.Name] {
			if p.AppliesApp {
				t.Errorf("%s: policy %s applies to rumbo_app, which must never reach this table", tb.Name, p.Name)
			}
		}
	}
	sort.Strings(without)
	if !slices.Equal(without, globalTables) {
		t.Errorf("tables without org_id are %v, want exactly DESIGN.md's allow-list %v", without, globalTables)
	}
	// A table outside schema rumbo would escape every check above.
	var stray []string
	sel(t, db, &stray, `
		SELECT c.oid::regclass::text FROM pg_class c
		WHERE c.relkind IN `+tableKinds+`
		  AND c.relnamespace NOT IN ('rumbo'::regnamespace, 'pg_catalog'::regnamespace, 'information_schema'::regnamespace)
		  AND c.relnamespace::regnamespace::text NOT LIKE 'pg\_toast%'`)
	if len(stray) > 0 {
		t.Errorf("relations outside schema rumbo: %v (tables belong in rumbo, where these checks see them)", stray)
	}
}

var allTablePrivileges = []string{"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"}

// tablePrivileges lists "table PRIVILEGE" for every privilege in privs that
// role holds on a relation of schema rumbo (whole-table or on any column),
// PUBLIC grants and inherited ones included.
func tablePrivileges(t *testing.T, db *sqlx.DB, role string, privs []string) []string {
	t.Helper()
	var out []string
	sel(t, db, &out, `
		SELECT c.relname || ' ' || p.priv FROM pg_class c, unnest($2::text[]) AS p(priv)
		WHERE c.relnamespace = 'rumbo'::regnamespace AND c.relkind IN `+tableKinds+`
		  AND (has_table_privilege($1, c.oid, p.priv)
		       OR (p.priv IN ('SELECT', 'INSERT', 'UPDATE', 'REFERENCES') AND has_any_column_privilege($1, c.oid, p.priv)))
		UNION ALL
		SELECT c.relname || ' ' || p.priv FROM pg_class c, unnest(ARRAY['USAGE', 'SELECT', 'UPDATE']) AS p(priv)
		WHERE c.relnamespace = 'rumbo'::regnamespace AND c.relkind = 'S' AND has_sequence_privilege($1, c.oid, p.priv)
		ORDER BY 1`, role, pq.StringArray(privs))
	return out
}

// Rule 1 and DESIGN's role contract: what rumbo_app and rumbo_login may do.
func TestServingRolesPrivileges(t *testing.T) {
	db := adminDB(t)

	t.Run("app reaches no secret table", func(t *testing.T) {
		var got []string
		for _, p := range tablePrivileges(t, db, database.AppRole, allTablePrivileges) {
			if slices.Contains(secretTables, strings.Fields(p)[0]) {
				got = append(got, p)
			}
		}
		if len(got) > 0 {
			t.Errorf("rumbo_app has privileges on secret/global tables: %v", got)
		}
	})

	t.Run("app has no TRUNCATE REFERENCES TRIGGER", func(t *testing.T) {
		if got := tablePrivileges(t, db, database.AppRole, []string{"TRUNCATE", "REFERENCES", "TRIGGER"}); len(got) > 0 {
			t.Errorf("rumbo_app holds privileges RLS does not guard: %v", got)
		}
	})

	t.Run("login has no table privilege", func(t *testing.T) {
		if got := tablePrivileges(t, db, database.LoginRole, allTablePrivileges); len(got) > 0 {
			t.Errorf("rumbo_login (NOINHERIT) holds table privileges, so RESET ROLE would gain something: %v", got)
		}
	})

	for _, role := range []string{database.AppRole, database.LoginRole} {
		t.Run(role+" owns nothing", func(t *testing.T) {
			var owned []string
			sel(t, db, &owned, `
				SELECT 'relation ' || oid::regclass::text FROM pg_class WHERE relowner = $1::regrole
				UNION ALL SELECT 'function ' || oid::regprocedure::text FROM pg_proc WHERE proowner = $1::regrole
				UNION ALL SELECT 'schema ' || nspname::text FROM pg_namespace WHERE nspowner = $1::regrole
				UNION ALL SELECT 'type ' || oid::regtype::text FROM pg_type WHERE typowner = $1::regrole
				UNION ALL SELECT 'database ' || datname::text FROM pg_database WHERE datdba = $1::regrole`, role)
			if len(owned) > 0 {
				t.Errorf("%s owns %v; an owner bypasses unforced RLS and can grant itself anything", role, owned)
			}
		})
	}

	t.Run("login executes only begin_request", func(t *testing.T) {
		var fns []struct {
			Sig  string `db:"sig"`
			Exec bool   `db:"exec"`
		}
		sel(t, db, &fns, `
			SELECT p.oid::regprocedure::text AS sig, has_function_privilege('rumbo_login', p.oid, 'EXECUTE') AS exec
			FROM pg_proc p WHERE p.pronamespace = 'app'::regnamespace ORDER BY 1`)
		var extra []string
		begin := false
		for _, f := range fns {
			if f.Sig == "app.begin_request(bytea)" {
				begin = f.Exec
			} else if f.Exec {
				extra = append(extra, f.Sig)
			}
		}
		if !begin {
			t.Error("rumbo_login cannot execute app.begin_request(bytea): the serving pool could not start a request")
		}
		if len(extra) > 0 {
			t.Errorf("rumbo_login may execute %d app functions besides begin_request (PUBLIC grants count): %v", len(extra), extra)
		}
	})

	t.Run("schemas", func(t *testing.T) {
		var got []struct {
			Role   string `db:"role"`
			Schema string `db:"schema"`
			Priv   string `db:"priv"`
			Has    bool   `db:"has"`
		}
		sel(t, db, &got, `
			SELECT r AS role, s AS schema, p AS priv, has_schema_privilege(r, s, p) AS has
			FROM unnest(ARRAY['rumbo_app', 'rumbo_login']) AS r, unnest(ARRAY['rumbo', 'app']) AS s,
			     unnest(ARRAY['USAGE', 'CREATE']) AS p`)
		want := map[string]bool{
			"rumbo_app rumbo USAGE": true, "rumbo_app app USAGE": true, "rumbo_login app USAGE": true,
			// rumbo_login cannot even name a table: rumbo USAGE is false.
		}
		for _, g := range got {
			key := g.Role + " " + g.Schema + " " + g.Priv
			if g.Has != want[key] {
				t.Errorf("has_schema_privilege(%s, %s, %s) = %v, want %v", g.Role, g.Schema, g.Priv, g.Has, want[key])
			}
		}
	})
}

// DESIGN.md "Roles, schemas, names": the attributes of the three roles.
func TestRoleAttributes(t *testing.T) {
	db := adminDB(t)
	var roles []struct {
		Name        string         `db:"rolname"`
		Login       bool           `db:"rolcanlogin"`
		Super       bool           `db:"rolsuper"`
		Bypass      bool           `db:"rolbypassrls"`
		Inherit     bool           `db:"rolinherit"`
		CreateRole  bool           `db:"rolcreaterole"`
		CreateDB    bool           `db:"rolcreatedb"`
		Replication bool           `db:"rolreplication"`
		MemberOf    pq.StringArray `db:"member_of"`
	}
	sel(t, db, &roles, `
		SELECT r.rolname, r.rolcanlogin, r.rolsuper, r.rolbypassrls, r.rolinherit, r.rolcreaterole,
		       r.rolcreatedb, r.rolreplication,
		       ARRAY(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
		             WHERE m.member = r.oid ORDER BY 1) AS member_of
		FROM pg_roles r WHERE r.rolname IN ('rumbo_owner', 'rumbo_app', 'rumbo_login') ORDER BY 1`)
	if len(roles) != 3 {
		t.Fatalf("found %d of the 3 roles", len(roles))
	}
	for _, r := range roles {
		if r.Super || r.Bypass || r.CreateRole || r.CreateDB || r.Replication {
			t.Errorf("%s: super=%v bypassrls=%v createrole=%v createdb=%v replication=%v, want all false",
				r.Name, r.Super, r.Bypass, r.CreateRole, r.CreateDB, r.Replication)
		}
		switch r.Name {
		case database.OwnerRole:
			if r.Login {
				t.Error("rumbo_owner can log in, want NOLOGIN")
			}
		case database.AppRole:
			if r.Login {
				t.Error("rumbo_app can log in, want NOLOGIN")
			}
			if len(r.MemberOf) > 0 {
				t.Errorf("rumbo_app is a member of %v, want none (it would gain their privileges)", r.MemberOf)
			}
		case database.LoginRole:
			if !r.Login || r.Inherit {
				t.Errorf("rumbo_login login=%v inherit=%v, want LOGIN NOINHERIT", r.Login, r.Inherit)
			}
			if !slices.Equal([]string(r.MemberOf), []string{database.AppRole}) {
				t.Errorf("rumbo_login is a member of %v, want only rumbo_app", r.MemberOf)
			}
		}
	}
}

// newSession makes a member of a new organisation and a session for them the
// way login does, returning the token's hash.
func newSession(t *testing.T) []byte {
	t.Helper()
	org := tdb.NewOrg(t, "Catálogo")
	u := tdb.Member(t, org, "Catalina", "corporativo")
	token := make([]byte, 32)
	if _, err := rand.Read(token); err != nil {
		t.Fatal(err)
	}
	hash := sha256.Sum256(token)
	var started sql.NullString
	tdb.Get(t, &started, `SELECT app.start_session($1, $2, '8 hours'::interval, '7 days'::interval, '', '')`, hash[:], u.ID)
	if started.String != org.ID {
		t.Fatalf("session started in organisation %q, want %s", started.String, org.ID)
	}
	return hash[:]
}

// Rule 1: through the server's own pool, a request runs as rumbo_app,
// connected as rumbo_login, neither superuser nor BYPASSRLS, owning nothing.
func TestRequestRunsAsConfinedRoles(t *testing.T) {
	hash := newSession(t)
	pool := rls.NewPool(tdb.Login, queries.MustLoad(), 5*time.Second)
	var got []struct {
		Which  string `db:"which"`
		Name   string `db:"name"`
		Super  bool   `db:"super"`
		Bypass bool   `db:"bypass"`
		Owned  int    `db:"owned"`
	}
	err := pool.Request(ctxT(t), hash, true, func(ctx context.Context, tx *sqlx.Tx, _ *rls.Session) error {
		return tx.SelectContext(ctx, &got, `
			SELECT w.which, r.rolname::text AS name, r.rolsuper AS super, r.rolbypassrls AS bypass,
			       (SELECT count(*) FROM pg_class WHERE relowner = r.oid)
			     + (SELECT count(*) FROM pg_proc WHERE proowner = r.oid)
			     + (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid) AS owned
			FROM (VALUES ('session_user', session_user), ('current_user', current_user)) AS w(which, name)
			JOIN pg_roles r ON r.rolname = w.name ORDER BY 1 DESC`)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"session_user": database.LoginRole, "current_user": database.AppRole}
	if len(got) != 2 {
		t.Fatalf("got %+v", got)
	}
	for _, g := range got {
		if g.Name != want[g.Which] {
			t.Errorf("%s = %s, want %s", g.Which, g.Name, want[g.Which])
		}
		if g.Super || g.Bypass || g.Owned != 0 {
			t.Errorf("%s (%s): superuser=%v bypassrls=%v owns %d objects, want false/false/0", g.Which, g.Name, g.Super, g.Bypass, g.Owned)
		}
	}
}

// Rules 4, 5, 10 and 12 on the functions of schema app.
func TestAppFunctions(t *testing.T) {
	db := adminDB(t)
	var fns []struct {
		Sig        string         `db:"sig"`
		Name       string         `db:"name"`
		Volatile   string         `db:"volatile"`
		Lang       string         `db:"lang"`
		Definer    bool           `db:"definer"`
		Config     pq.StringArray `db:"config"`
		Owner      string         `db:"owner"`
		Src        string         `db:"src"`
		PublicExec bool           `db:"public_exec"`
	}
	// A NULL proacl means the default ACL, which for functions grants
	// EXECUTE to PUBLIC; acldefault spells it out.
	sel(t, db, &fns, `
		SELECT p.oid::regprocedure::text AS sig, p.proname::text AS name, p.provolatile::text AS volatile,
		       l.lanname::text AS lang, p.prosecdef AS definer, coalesce(p.proconfig, '{}') AS config,
		       pg_get_userbyid(p.proowner)::text AS owner, p.prosrc AS src,
		       EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) AS a
		               WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE') AS public_exec
		FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
		WHERE p.pronamespace = 'app'::regnamespace ORDER BY 1`)
	helpers := map[string]string{"org_id": "app.org_id", "user_id": "app.user_id", "role": "app.role"}
	found := map[string]bool{}
	var public []string
	for _, f := range fns {
		if setting, ok := helpers[f.Name]; ok && strings.HasSuffix(f.Sig, "()") {
			found[f.Name] = true
			if f.Volatile != "s" || f.Lang != "sql" {
				t.Errorf("%s: volatility %q language %s, want STABLE (s) LANGUAGE sql (rule 4)", f.Sig, f.Volatile, f.Lang)
			}
			want := fmt.Sprintf("nullif(current_setting('%s', true), '')", setting)
			if !strings.Contains(normalise(f.Src), want) {
				t.Errorf("%s reads %q, want %s so '' (a setting after its transaction) counts as unset (rule 4)", f.Sig, strings.TrimSpace(f.Src), want)
			}
		}
		if f.Definer {
			if !slices.Contains(f.Config, `search_path=""`) && !slices.Contains(f.Config, `search_path=''`) {
				t.Errorf("%s is SECURITY DEFINER with config %v, want SET search_path = '' (rule 5)", f.Sig, f.Config)
			}
			if f.Owner != database.OwnerRole {
				t.Errorf("%s is SECURITY DEFINER owned by %s, want rumbo_owner (rule 10)", f.Sig, f.Owner)
			}
		}
		if f.PublicExec {
			public = append(public, f.Sig)
		}
	}
	for name := range helpers {
		if !found[name] {
			t.Errorf("context helper app.%s() is missing", name)
		}
	}
	if len(public) > 0 {
		t.Errorf("%d of %d functions in schema app are executable by PUBLIC (want none): %v", len(public), len(fns), public)
	}
	var strayDefiners []string
	sel(t, db, &strayDefiners, `
		SELECT p.oid::regprocedure::text FROM pg_proc p
		WHERE p.prosecdef AND p.pronamespace NOT IN ('app'::regnamespace, 'pg_catalog'::regnamespace, 'information_schema'::regnamespace)`)
	if len(strayDefiners) > 0 {
		t.Errorf("SECURITY DEFINER functions outside schema app: %v", strayDefiners)
	}
}

// Rule 9: views are security_invoker (a view otherwise runs with its
// owner's rights); no materialised views. Passes vacuously while there are
// no views, and fails for the first one without the option.
func TestViewsAreSecurityInvoker(t *testing.T) {
	db := adminDB(t)
	var rels []struct {
		Name    string         `db:"name"`
		Kind    string         `db:"kind"`
		Options pq.StringArray `db:"options"`
	}
	sel(t, db, &rels, `
		SELECT c.oid::regclass::text AS name, c.relkind::text AS kind, coalesce(c.reloptions, '{}') AS options
		FROM pg_class c
		WHERE c.relkind IN ('v', 'm')
		  AND c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)`)
	for _, r := range rels {
		if r.Kind == "m" {
			t.Errorf("materialized view %s: not allowed (it cannot run as the invoker, rule 9)", r.Name)
			continue
		}
		invoker := false
		for _, o := range r.Options {
			k, v, _ := strings.Cut(strings.ToLower(o), "=")
			if k == "security_invoker" && slices.Contains([]string{"true", "on", "1", "yes"}, v) {
				invoker = true
			}
		}
		if !invoker {
			t.Errorf("view %s lacks WITH (security_invoker = true) (rule 9); options %v", r.Name, r.Options)
		}
	}
	t.Logf("%d views checked", len(rels))
}

// Rule 5: the request context (app.*) is set only by app.begin_request,
// transaction-locally. A static check over every Go and SQL file of the
// repository: the SQL inside Go string literals and the SQL files (minus
// comments) are searched for set_config calls and SET statements.
func TestOnlyBeginRequestSetsContext(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(root, "go.mod")); err != nil || !strings.HasPrefix(string(b), "module rumbo") {
		t.Fatalf("repository root not found at %s", root)
	}
	migrationsDir := filepath.Join(root, "migrations") + string(filepath.Separator)
	allowedCalls, files := 0, 0
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (name == "node_modules" || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		name := d.Name()
		if strings.HasSuffix(name, "_test.go") || !(strings.HasSuffix(name, ".go") || strings.HasSuffix(name, ".sql")) {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		rel, _ := filepath.Rel(root, path)
		var chunks []sqlChunk
		if strings.HasSuffix(name, ".go") {
			chunks = goStrings(rel, src)
		} else {
			chunks = []sqlChunk{{offset: 0, text: stripSQLComments(string(src)), exact: true}}
		}
		// A migration that (re)defines app.begin_request may set app.*
		// inside that function's body, and nowhere else.
		var allowFrom, allowTo = -1, -1
		if strings.HasPrefix(path, migrationsDir) && strings.HasSuffix(name, ".sql") {
			allowFrom, allowTo = beginRequestBody(string(src))
		}
		for _, c := range chunks {
			for _, v := range contextViolations(c.text) {
				if v.appSetting && v.transactionLocal && allowFrom >= 0 &&
					c.offset+v.offset >= allowFrom && c.offset+v.offset < allowTo {
					allowedCalls++
					continue
				}
				t.Errorf("%s:%d: %s: %q", rel, lineOf(src, c, v.offset), v.why, v.text)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if allowedCalls < 3 {
		t.Errorf("found %d set_config('app.*', ..., true) calls in begin_request, want 3 (user, org, role): the scanner is broken", allowedCalls)
	}
	t.Logf("scanned %d Go and SQL files", files)
}

type sqlChunk struct {
	offset int // of text within the file
	text   string
	exact  bool // offsets inside text map 1:1 to the file (SQL files, Go raw strings)
}

// goStrings returns the string literals of a Go file (SQL lives there;
// comments are skipped).
func goStrings(name string, src []byte) []sqlChunk {
	fset := token.NewFileSet()
	file := fset.AddFile(name, -1, len(src))
	var s scanner.Scanner
	s.Init(file, src, nil, 0)
	var out []sqlChunk
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			return out
		}
		if tok != token.STRING {
			continue
		}
		text, err := strconv.Unquote(lit)
		if err != nil {
			text = lit
		}
		out = append(out, sqlChunk{offset: file.Offset(pos) + 1, text: text, exact: lit[0] == '`'})
	}
}

func lineOf(src []byte, c sqlChunk, off int) int {
	at := c.offset
	if c.exact {
		at += off
	}
	return strings.Count(string(src[:min(at, len(src))]), "\n") + 1
}

// stripSQLComments blanks -- comments (outside quotes), keeping offsets.
func stripSQLComments(s string) string {
	b := []byte(s)
	inQuote := false
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '\'':
			inQuote = !inQuote
		case !inQuote && b[i] == '-' && i+1 < len(b) && b[i+1] == '-':
			for ; i < len(b) && b[i] != '\n'; i++ {
				b[i] = ' '
			}
		case b[i] == '\n':
			inQuote = false // a quote never spans a line in these files; resync after apostrophes in prose
		}
	}
	return string(b)
}

// beginRequestBody is the byte range of app.begin_request's definition.
func beginRequestBody(src string) (int, int) {
	start := regexp.MustCompile(`(?i)CREATE\s+(OR\s+REPLACE\s+)?FUNCTION\s+app\.begin_request\s*\(`).FindStringIndex(src)
	if start == nil {
		return -1, -1
	}
	end := regexp.MustCompile(`(?m)^\s*END\s*\$\$\s*;`).FindStringIndex(src[start[1]:])
	if end == nil {
		return -1, -1
	}
	return start[0], start[1] + end[1]
}

type violation struct {
	offset           int
	text, why        string
	appSetting       bool // a set_config('app.…', …) call
	transactionLocal bool // its is_local argument is literally true
}

var (
	setConfigCall = regexp.MustCompile(`(?i)\bset_config\s*\(`)
	setStatement  = regexp.MustCompile(`(?i)\bSET\s+(LOCAL\s+|SESSION\s+)?app\.`)
	startupOption = regexp.MustCompile(`(?i)(-c\s*app\.|^app\.(org_id|user_id|role)$)`)
)

// contextViolations finds what sets request context in one piece of SQL:
// any set_config of an app.* setting (reported with appSetting so the
// caller can allow begin_request's own), a set_config whose setting name is
// not a literal (it could name app.*), any session-level set_config (is_local
// not literally true), SET [LOCAL|SESSION] app.*, and app.* as a connection
// startup option.
func contextViolations(sqlText string) []violation {
	var out []violation
	for _, m := range setConfigCall.FindAllStringIndex(sqlText, -1) {
		args, end := splitArgs(sqlText, m[1])
		call := sqlText[m[0]:end]
		v := violation{offset: m[0], text: call}
		if len(args) != 3 {
			v.why = "set_config call that cannot be parsed"
			out = append(out, v)
			continue
		}
		name := strings.TrimSpace(args[0])
		v.transactionLocal = strings.EqualFold(strings.TrimSpace(args[2]), "true")
		isLiteral := len(name) >= 2 && name[0] == '\'' && name[len(name)-1] == '\''
		switch {
		case !isLiteral:
			v.why = "set_config with a computed setting name (it could set app.*)"
		case strings.HasPrefix(strings.ToLower(name), "'app."):
			v.appSetting = true
			v.why = "request context (app.*) set outside app.begin_request (rule 5)"
		case !v.transactionLocal:
			v.why = "session-level set_config (is_local must be true: no session state on the serving path)"
		default:
			continue
		}
		out = append(out, v)
	}
	for _, m := range setStatement.FindAllStringIndex(sqlText, -1) {
		out = append(out, violation{offset: m[0], text: sqlText[m[0]:min(m[1]+20, len(sqlText))], why: "SET of an app.* setting (only begin_request sets context)"})
	}
	if m := startupOption.FindStringIndex(strings.TrimSpace(sqlText)); m != nil {
		out = append(out, violation{offset: 0, text: sqlText, why: "app.* as a connection option (session-level context)"})
	}
	return out
}

// splitArgs splits the argument list that starts at from (just after the
// opening parenthesis) at its top-level commas, honouring quotes and nested
// parentheses; it returns the arguments and the offset after the closing
// parenthesis.
func splitArgs(s string, from int) ([]string, int) {
	depth, inQuote, start := 0, false, from
	var args []string
	for i := from; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote:
			if c == '\'' {
				inQuote = false
			}
		case c == '\'':
			inQuote = true
		case c == '(':
			depth++
		case c == ')':
			if depth == 0 {
				return append(args, s[start:i]), i + 1
			}
			depth--
		case c == ',' && depth == 0:
			args = append(args, s[start:i])
			start = i + 1
		}
	}
	return nil, len(s)
}

// The detector itself, on SQL that must and must not be flagged.
func TestContextScannerCatchesViolations(t *testing.T) {
	bad := []string{
		`SELECT set_config('app.org_id', $1, true)`,
		`SELECT set_config( 'APP.user_id' , $1 , true )`,
		// (split so the repository's own grep for session-level settings
		// does not flag this sample)
		`SELECT set_config('role', 'rumbo_app', ` + `false)`,
		`SELECT set_config($1, $2, true)`,
		`SELECT set_config('statement_timeout', $1, $3)`,
		`SET app.org_id = 'x'`,
		`set local app.org_id TO 'x'`,
		`SET SESSION app.role = 'corporativo'`,
		`ALTER ROLE rumbo_app SET app.org_id = 'x'`,
		`-c app.org_id=00000000-0000-0000-0000-000000000000`,
		`app.org_id`,
	}
	for _, s := range bad {
		if len(contextViolations(s)) == 0 {
			t.Errorf("not flagged: %s", s)
		}
	}
	good := []string{
		`SELECT set_config('role', 'rumbo_app', true) AS role_set, set_config('statement_timeout', $2, true)`,
		`SELECT app.org_id(), nullif(current_setting('app.org_id', true), '')`,
		`UPDATE rumbo.objectives SET title = $1 WHERE org_id = app.org_id()`,
		`SELECT set_config('search_path', 'rumbo', true)`,
	}
	for _, s := range good {
		if v := contextViolations(s); len(v) > 0 {
			t.Errorf("flagged %s: %+v", s, v)
		}
	}
	// Comments in SQL files are not code.
	if v := contextViolations(stripSQLComments("-- never SET app.org_id here\nSELECT 1")); len(v) > 0 {
		t.Errorf("a comment was flagged: %+v", v)
	}
}

// DESIGN.md: roles are cluster-wide and bootstrap must tolerate existing
// roles and racing callers; migrations take goose's table lock. Four
// bootstraps (each on its own admin connection) and two migrations run at
// once against the already-migrated database.
func TestBootstrapAndMigrateAreIdempotentUnderRaces(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	password := database.LoginPassword(testpg.Secret)
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	start := make(chan struct{})
	for i := 0; i < 4; i++ {
		admin, err := database.OpenAdmin(tdb.AdminDSN)
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		if err := admin.PingContext(ctx); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if err := database.Bootstrap(ctx, admin, password); err != nil {
				errs <- fmt.Errorf("bootstrap %d: %w", i, err)
			}
		}()
	}
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if err := database.Migrate(ctx, tdb.AdminDSN, nil); err != nil {
				errs <- fmt.Errorf("migrate %d: %w", i, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// The serving role still logs in with the derived password.
	login, err := database.OpenLogin(tdb.AdminDSN, testpg.Secret, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer login.Close()
	var who string
	if err := login.GetContext(ctx, &who, `SELECT current_user`); err != nil || who != database.LoginRole {
		t.Errorf("after the races rumbo_login logs in as %q: %v", who, err)
	}
	latest, err := database.LatestVersion()
	if err != nil {
		t.Fatal(err)
	}
	var applied int64
	admin := adminDB(t)
	get(t, admin, &applied, `SELECT max(version_id) FROM rumbo.goose_db_version WHERE is_applied`)
	if applied != latest {
		t.Errorf("applied migration %d, want %d", applied, latest)
	}
}
