// Package testpg gives each test package a fresh Rumbo database built from
// the real migrations: on a private PostgreSQL cluster it starts itself
// (from the installed server binaries; nothing needs to be running), or on
// the server named by TEST_DATABASE_URL (a superuser URL) when set. Tests
// never skip for want of a database.
package testpg

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rumbo/internal/database"
	"rumbo/internal/pgembed"
)

// Secret is the instance secret of every test database.
var Secret = []byte("rumbo-test-secret-0123456789abcdef")

// DB is one migrated test database.
type DB struct {
	Name     string
	AdminDSN string   // superuser, for catalog checks
	Owner    *sqlx.DB // acts as rumbo_owner: fixtures only
	Login    *sqlx.DB // logs in as rumbo_login, like the server's pool
	server   *pgembed.Server
	tempDir  string
	dropFrom string // DSN of the maintenance database when on TEST_DATABASE_URL
}

// Main runs a test package against a fresh database: call it from TestMain
// as os.Exit(testpg.Main(m, &db, nil)). run, when not nil, replaces m.Run
// (for packages that set up more after the database exists).
func Main(m *testing.M, out **DB, run func() int) int {
	db, err := Start(context.Background(), "rumbo_test")
	if err != nil {
		fmt.Fprintln(os.Stderr, "testpg:", err)
		return 1
	}
	*out = db
	if run == nil {
		run = m.Run
	}
	code := run()
	if err := db.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "testpg: cleanup:", err)
	}
	return code
}

// Start creates and migrates a database named prefix_<random>.
func Start(ctx context.Context, prefix string) (*DB, error) {
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		return nil, err
	}
	db := &DB{Name: prefix + "_" + hex.EncodeToString(suffix)}
	maintenance := os.Getenv("TEST_DATABASE_URL")
	if maintenance == "" {
		dir, err := os.MkdirTemp("", "rumbo-testpg-*")
		if err != nil {
			return nil, err
		}
		// The temp dir itself is the cluster: pgembed gives it to the
		// postgres OS user when running as root (a subfolder of a 0700 temp
		// dir would be unreachable for that user and get relocated).
		srv, err := pgembed.Start(ctx, pgembed.Config{
			DataDir: dir, Fast: true,
			Settings: map[string]string{"max_connections": "60", "shared_buffers": "32MB"},
		})
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		db.server, db.tempDir = srv, dir
		maintenance = srv.DSN("postgres")
	} else {
		db.dropFrom = maintenance
	}
	admin, err := database.OpenAdmin(maintenance)
	if err != nil {
		return nil, db.fail(err)
	}
	_, err = admin.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(db.Name))
	admin.Close()
	if err != nil {
		return nil, db.fail(fmt.Errorf("create database: %w", err))
	}
	db.AdminDSN, err = withDatabase(maintenance, db.Name)
	if err != nil {
		return nil, db.fail(err)
	}
	if err := database.Setup(ctx, db.AdminDSN, Secret, nil); err != nil {
		return nil, db.fail(err)
	}
	if db.Owner, err = database.OpenOwner(db.AdminDSN); err != nil {
		return nil, db.fail(err)
	}
	if db.Login, err = database.OpenLogin(db.AdminDSN, Secret, 20); err != nil {
		return nil, db.fail(err)
	}
	return db, nil
}

// withDatabase returns dsn (URL or key=value form) pointing at another
// database.
func withDatabase(dsn, name string) (string, error) {
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("TEST_DATABASE_URL: %v", err)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	var out []string
	for _, f := range strings.Fields(dsn) {
		if !strings.HasPrefix(f, "dbname=") {
			out = append(out, f)
		}
	}
	return strings.Join(append(out, "dbname="+name), " "), nil
}

func (db *DB) fail(err error) error {
	if cerr := db.Close(); cerr != nil {
		return fmt.Errorf("%w (cleanup: %v)", err, cerr)
	}
	return err
}

// Close drops the database (on TEST_DATABASE_URL) or stops the private
// cluster and removes its folder.
func (db *DB) Close() error {
	for _, c := range []*sqlx.DB{db.Owner, db.Login} {
		if c != nil {
			c.Close()
		}
	}
	if db.dropFrom != "" {
		admin, err := database.OpenAdmin(db.dropFrom)
		if err != nil {
			return err
		}
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(db.Name)+" WITH (FORCE)")
		return err
	}
	if db.server != nil {
		err := db.server.Stop()
		os.RemoveAll(db.tempDir)
		return err
	}
	return nil
}
