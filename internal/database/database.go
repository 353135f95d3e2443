// Package database prepares a PostgreSQL database for Rumbo and opens its
// connection pools.
//
// Three roles (DESIGN.md): rumbo_owner owns schemas, tables and SECURITY
// DEFINER functions; rumbo_app is what every request transaction runs as;
// rumbo_login is what the web pool logs in as (LOGIN, NOINHERIT, member of
// rumbo_app, the PostgREST "authenticator" pattern). Whatever role
// DATABASE_URL names is used only here, on one dedicated connection, to
// create those roles and run the migrations; the serving pool always logs in
// as rumbo_login.
package database

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"rumbo/migrations"
)

// Role names (a contract with the migrations and the docs).
const (
	OwnerRole = "rumbo_owner"
	AppRole   = "rumbo_app"
	LoginRole = "rumbo_login"
)

// LoginPassword derives rumbo_login's password from the instance secret, so
// every instance that shares a database and a secret agrees on it.
func LoginPassword(secret []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("rumbo_login database password"))
	return hex.EncodeToString(m.Sum(nil))
}

// Config reads a DATABASE_URL (URL or key=value form) with one clear error.
func Config(dsn string) (pq.Config, error) {
	cfg, err := pq.NewConfig(dsn)
	if err != nil {
		return pq.Config{}, fmt.Errorf("DATABASE_URL is not a valid PostgreSQL connection string: %v", err)
	}
	return cfg, nil
}

// OpenAdmin opens the connection used for bootstrap and migrations: the
// DATABASE_URL's own role, one connection at a time.
func OpenAdmin(dsn string) (*sql.DB, error) {
	cfg, err := Config(dsn)
	if err != nil {
		return nil, err
	}
	return openConfig(cfg, 1), nil
}

// openOwner opens a connection that acts as rumbo_owner from its first
// statement (the role is a startup parameter), so every object the
// migrations create belongs to rumbo_owner.
func openOwner(dsn string) (*sql.DB, error) {
	cfg, err := Config(dsn)
	if err != nil {
		return nil, err
	}
	cfg.Runtime = mergeRuntime(cfg.Runtime, map[string]string{"role": OwnerRole, "search_path": "rumbo"})
	return openConfig(cfg, 2), nil
}

// OpenOwner is openOwner for the demo and synthetic-data loaders, which
// write across organisations through rumbo_owner's explicit policies.
func OpenOwner(dsn string) (*sqlx.DB, error) {
	db, err := openOwner(dsn)
	if err != nil {
		return nil, err
	}
	return sqlx.NewDb(db, "postgres"), nil
}

// OpenLogin opens the serving pool: rumbo_login with the derived password,
// binary parameters so a parameterised statement is one round trip
// (DESIGN.md rule 5), no session state (so it works behind a
// transaction-mode pooler).
func OpenLogin(dsn string, secret []byte, maxConns int) (*sqlx.DB, error) {
	cfg, err := Config(dsn)
	if err != nil {
		return nil, err
	}
	cfg.User = LoginRole
	cfg.Password = LoginPassword(secret)
	cfg.BinaryParameters = true
	cfg.Runtime = mergeRuntime(cfg.Runtime, map[string]string{"application_name": "rumbo"})
	db := openConfig(cfg, maxConns)
	return sqlx.NewDb(db, "postgres"), nil
}

func mergeRuntime(base, add map[string]string) map[string]string {
	out := make(map[string]string, len(base)+len(add))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range add {
		out[k] = v
	}
	return out
}

func openConfig(cfg pq.Config, maxConns int) *sql.DB {
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	c, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		// NewConnectorConfig only fails on a Config that NewConfig would
		// not have produced.
		panic(fmt.Sprintf("database: invalid connector config: %v", err))
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db
}

// Explain turns a connection failure into one line that says what to fix.
func Explain(err error) error {
	if err == nil {
		return nil
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code {
		case "28P01", "28000":
			return fmt.Errorf("the database refused the login: %s (check the user and password in DATABASE_URL)", pqErr.Message)
		case "3D000":
			return fmt.Errorf("the database does not exist: %s (create it, or fix the name in DATABASE_URL)", pqErr.Message)
		case "42501":
			return fmt.Errorf("permission denied: %s", pqErr.Message)
		}
		return fmt.Errorf("database error: %s", pqErr.Message)
	}
	msg := err.Error()
	if strings.Contains(msg, "connection refused") || strings.Contains(msg, "no such file or directory") ||
		strings.Contains(msg, "no such host") || strings.Contains(msg, "i/o timeout") {
		return fmt.Errorf("cannot reach the database (%s): is PostgreSQL running and DATABASE_URL right?", msg)
	}
	return err
}

// Bootstrap creates or updates the three roles and the two schemas. Roles
// are cluster-wide, so parallel callers (test packages, replicas starting
// together) may race: every step is idempotent and retried on the errors a
// race produces.
func Bootstrap(ctx context.Context, admin *sql.DB, loginPassword string) error {
	var super, createRole bool
	var who string
	if err := admin.QueryRowContext(ctx,
		`SELECT current_user, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user`,
	).Scan(&who, &super, &createRole); err != nil {
		return Explain(err)
	}
	if super || createRole {
		if err := retryRace(ctx, func() error { return createRoles(ctx, admin, who, loginPassword) }); err != nil {
			return fmt.Errorf("create roles: %w", err)
		}
	} else if err := checkRoles(ctx, admin, who); err != nil {
		return err
	}
	return retryRace(ctx, func() error {
		_, err := admin.ExecContext(ctx, `
			CREATE SCHEMA IF NOT EXISTS rumbo AUTHORIZATION rumbo_owner;
			CREATE SCHEMA IF NOT EXISTS app AUTHORIZATION rumbo_owner;
			REVOKE ALL ON SCHEMA rumbo, app FROM PUBLIC;`)
		return err
	})
}

func createRoles(ctx context.Context, admin *sql.DB, who, loginPassword string) error {
	for _, r := range []string{OwnerRole, AppRole, LoginRole} {
		var exists bool
		if err := admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, r).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			if _, err := admin.ExecContext(ctx, "CREATE ROLE "+r+" NOLOGIN"); err != nil {
				return err
			}
		}
	}
	// The password is hex, so quoting it as a literal is exact; utility
	// statements take no bind parameters.
	stmts := []string{
		"ALTER ROLE rumbo_owner NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION",
		"ALTER ROLE rumbo_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION",
		"ALTER ROLE rumbo_login LOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD " +
			pq.QuoteLiteral(loginPassword),
	}
	for _, s := range stmts {
		if _, err := admin.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	grants := [][2]string{{AppRole, LoginRole}, {OwnerRole, who}}
	for _, g := range grants {
		var member bool
		if err := admin.QueryRowContext(ctx,
			`SELECT EXISTS (SELECT 1 FROM pg_auth_members m
			   JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
			  WHERE r.rolname = $1 AND u.rolname = $2)`, g[0], g[1]).Scan(&member); err != nil {
			return err
		}
		if !member {
			if _, err := admin.ExecContext(ctx, "GRANT "+g[0]+" TO "+pq.QuoteIdentifier(g[1])); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkRoles explains exactly what a DBA must create when DATABASE_URL's
// role cannot create roles itself (docs/self-hosting.md has the SQL).
func checkRoles(ctx context.Context, admin *sql.DB, who string) error {
	for _, r := range []string{OwnerRole, AppRole, LoginRole} {
		var exists bool
		if err := admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, r).Scan(&exists); err != nil {
			return Explain(err)
		}
		if !exists {
			return fmt.Errorf("role %s is missing and %s cannot create roles: create it as described in docs/self-hosting.md", r, who)
		}
	}
	var member bool
	if err := admin.QueryRowContext(ctx, `SELECT pg_has_role(current_user, 'rumbo_owner', 'MEMBER')`).Scan(&member); err != nil {
		return Explain(err)
	}
	if !member {
		return fmt.Errorf("%s must be a member of rumbo_owner to run migrations: GRANT rumbo_owner TO %s", who, who)
	}
	return nil
}

// retryRace retries a step that lost a race with a parallel bootstrap:
// duplicate role/schema (42710, 23505, 42P06) or a catalog row updated
// concurrently (XX000 "tuple concurrently updated").
func retryRace(ctx context.Context, step func() error) error {
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		if err = step(); err == nil {
			return nil
		}
		var pqErr *pq.Error
		if !errors.As(err, &pqErr) {
			return err
		}
		switch pqErr.Code {
		case "42710", "23505", "42P06", "XX000", "40P01":
		default:
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(20*(attempt+1)) * time.Millisecond):
		}
	}
	return err
}

// Migrate applies pending migrations as rumbo_owner. It uses goose's table
// locker (a lock row in rumbo.goose_lock with a lease and heartbeat) rather
// than the advisory-lock session locker, because the table locker also works
// through a transaction-mode pooler; two instances never migrate at once.
func Migrate(ctx context.Context, dsn string, logf func(string, ...any)) error {
	db, err := openOwner(dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	locker, err := lock.NewPostgresTableLocker(
		lock.WithTableName("rumbo.goose_lock"),
		lock.WithTableLockTimeout(time.Second, 300),
		lock.WithTableLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
	)
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS,
		goose.WithTableName("rumbo.goose_db_version"),
		goose.WithLocker(locker),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", Explain(err))
	}
	for _, r := range results {
		if logf != nil {
			logf("applied migration %s", r.Source.Path)
		}
	}
	return nil
}

// LatestVersion is the newest migration embedded in this binary (the
// number that leads its file name), for /readyz's "migrations current" check.
func LatestVersion() (int64, error) {
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil || len(names) == 0 {
		return 0, errors.New("no migrations embedded")
	}
	var latest int64
	for _, n := range names {
		digits := n[:strings.IndexFunc(n, func(r rune) bool { return r < '0' || r > '9' })]
		v, err := strconv.ParseInt(digits, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("migration %s has no version number", n)
		}
		latest = max(latest, v)
	}
	return latest, nil
}

// IsSuperuser reports whether dsn logs in as a superuser, so start-up can
// warn that such a role is used only to bootstrap and migrate.
func IsSuperuser(ctx context.Context, dsn string) (bool, error) {
	admin, err := OpenAdmin(dsn)
	if err != nil {
		return false, err
	}
	defer admin.Close()
	var super bool
	err = admin.QueryRowContext(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super)
	return super, Explain(err)
}

// Setup is what `rumbo migrate` and `rumbo serve` do before serving:
// bootstrap the roles and schemas, then migrate.
func Setup(ctx context.Context, dsn string, secret []byte, logf func(string, ...any)) error {
	admin, err := OpenAdmin(dsn)
	if err != nil {
		return err
	}
	defer admin.Close()
	if err := admin.PingContext(ctx); err != nil {
		return Explain(err)
	}
	if err := Bootstrap(ctx, admin, LoginPassword(secret)); err != nil {
		return err
	}
	return Migrate(ctx, dsn, logf)
}
