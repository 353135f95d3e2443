// Command rumbo is a self-hosted, multi-tenant OKR dashboard: one binary
// with its templates, assets and migrations embedded, PostgreSQL (its own
// private cluster by default) and Row Level Security between organisations.
//
//	rumbo serve [--addr A] [--data-dir D] [--demo]   (the default command)
//	rumbo migrate | demo | seed --profile small|large | version
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only when RUMBO_PPROF_ADDR is set
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"rumbo/handlers"
	"rumbo/internal/config"
	"rumbo/internal/database"
	"rumbo/internal/demo"
	"rumbo/internal/mail"
	"rumbo/internal/pgembed"
	"rumbo/internal/rls"
	"rumbo/internal/seed"
	"rumbo/queries"
	"rumbo/views"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

const usage = `Usage: rumbo [command] [flags]

Commands:
  serve     migrate, then serve the web app (default)
            --addr A       listen address (RUMBO_ADDR, default 127.0.0.1:8080)
            --data-dir D   data folder (RUMBO_DATA_DIR, default ./rumbo-data)
            --demo         load the demo organisations when the database has none
  migrate   create the roles and apply migrations, then exit
  demo      load the demo organisations
  seed      load synthetic data for benchmarks: --profile small|large
  version   print the version

Without DATABASE_URL, Rumbo runs its own PostgreSQL under <data-dir>/pg.
`

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// memoryLimit is the Go heap's soft limit unless GOMEMLIMIT says otherwise:
// a login's argon2id hash allocates 19 MiB, and the limit makes the
// collector return it promptly, keeping the server within DESIGN.md's
// 100 MB budget under load.
const memoryLimit = 64 << 20

func run(args []string, env config.Env, stdout, stderr io.Writer) int {
	if env("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "rumbo", version)
		return 0
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	case "serve", "migrate", "demo", "seed":
	default:
		fmt.Fprintf(stderr, "rumbo: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	cfg, err := config.Load(cmd, args, env, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "rumbo:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := command(ctx, cmd, cfg, stdout, log); err != nil {
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			return 130
		}
		fmt.Fprintln(stderr, "rumbo:", oneLine(err))
		return 1
	}
	return 0
}

// oneLine keeps start-up failures to a single line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func command(ctx context.Context, cmd string, cfg config.Config, stdout io.Writer, log *slog.Logger) error {
	say := func(format string, a ...any) { fmt.Fprintf(stdout, format+"\n", a...) }
	secret, err := cfg.Secret()
	if err != nil {
		return err
	}
	dsn, stopDB, err := openDatabase(ctx, cfg, say)
	if err != nil {
		return err
	}
	defer stopDB()
	if err := database.Setup(ctx, dsn, secret, say); err != nil {
		return err
	}
	switch cmd {
	case "migrate":
		say("database is up to date")
		return nil
	case "demo":
		err := loadDemo(ctx, dsn, say)
		if errors.Is(err, demo.ErrNotEmpty) {
			if loaded, _ := demoLoaded(ctx, dsn); loaded {
				say("the demo data is already loaded")
				return nil
			}
			return errors.New("the database already has organisations of its own; load the demo into an empty database")
		}
		return err
	case "seed":
		owner, err := database.OpenOwner(dsn)
		if err != nil {
			return err
		}
		defer owner.Close()
		return seed.Load(ctx, owner, cfg.Profile, say)
	}
	if cfg.Demo {
		if err := loadDemo(ctx, dsn, say); err != nil && !errors.Is(err, demo.ErrNotEmpty) {
			return err
		}
		// the demo's password hashes took tens of MiB; give them back now
		debug.FreeOSMemory()
	}
	return serve(ctx, cfg, dsn, secret, say, log)
}

// openDatabase returns the DSN to bootstrap and migrate with: DATABASE_URL,
// or the embedded cluster's superuser DSN after starting it.
func openDatabase(ctx context.Context, cfg config.Config, say func(string, ...any)) (string, func(), error) {
	if cfg.DatabaseURL != "" {
		if _, err := database.Config(cfg.DatabaseURL); err != nil {
			return "", nil, err
		}
		if super, err := database.IsSuperuser(ctx, cfg.DatabaseURL); err != nil {
			return "", nil, err
		} else if super {
			say("warning: DATABASE_URL logs in as a superuser; Rumbo uses it only to create roles and migrate, and serves as %s", database.LoginRole)
		}
		return cfg.DatabaseURL, func() {}, nil
	}
	srv, err := pgembed.Start(ctx, pgembed.Config{DataDir: filepath.Join(cfg.DataDir, "pg"), Logf: say})
	if err != nil {
		return "", nil, err
	}
	stop := func() {
		if err := srv.Stop(); err != nil {
			say("stopping PostgreSQL: %v", err)
		} else {
			say("PostgreSQL stopped")
		}
	}
	if err := ensureDatabase(ctx, srv.DSN("postgres"), "rumbo"); err != nil {
		stop()
		return "", nil, err
	}
	return srv.DSN("rumbo"), stop, nil
}

func ensureDatabase(ctx context.Context, adminDSN, name string) error {
	db, err := database.OpenAdmin(adminDSN)
	if err != nil {
		return err
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return database.Explain(err)
	}
	if exists {
		return nil
	}
	_, err = db.ExecContext(ctx, "CREATE DATABASE "+name+" ENCODING 'UTF8'")
	return database.Explain(err)
}

func loadDemo(ctx context.Context, dsn string, say func(string, ...any)) error {
	owner, err := database.OpenOwner(dsn)
	if err != nil {
		return err
	}
	defer owner.Close()
	return demo.Load(ctx, owner, say)
}

// serve listens only once migrations and demo data are done, so /healthz
// answering means Rumbo is ready to serve pages.
func serve(ctx context.Context, cfg config.Config, dsn string, secret []byte, say func(string, ...any), log *slog.Logger) error {
	pool, err := database.OpenLogin(dsn, secret, 10)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := pool.PingContext(ctx); err != nil {
		if strings.Contains(err.Error(), "28P01") || strings.Contains(err.Error(), "password authentication failed") {
			return fmt.Errorf("the database refused rumbo_login's password: every instance sharing a database must share RUMBO_SECRET")
		}
		return database.Explain(err)
	}
	q, err := queries.Load()
	if err != nil {
		return err
	}
	v, err := views.New()
	if err != nil {
		return err
	}
	latest, err := database.LatestVersion()
	if err != nil {
		return err
	}
	var mailer mail.Sender
	if cfg.SMTPURL != "" {
		if mailer, err = mail.NewSMTP(cfg.SMTPURL); err != nil {
			return err
		}
	}
	srv, err := handlers.New(rls.NewPool(pool, q, 5*time.Second), q, v, handlers.Options{
		Secret: secret, SessionIdle: cfg.SessionIdle, SessionMax: cfg.SessionMax,
		TrustedProxies: cfg.TrustedProxies, SchemaVersion: latest, Logger: log,
		BaseURL: cfg.BaseURL, Mailer: mailer,
	})
	if err != nil {
		return err
	}
	app := srv.App()
	if addr := os.Getenv("RUMBO_PPROF_ADDR"); addr != "" {
		// opt-in profiling on its own listener (never on the public address)
		go func() { _ = http.ListenAndServe(addr, nil) }() //nolint:gosec // opt-in debug aid
		say("pprof on http://%s/debug/pprof/", addr)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %v (is another Rumbo running? choose another --addr)", cfg.Addr, errors.Unwrap(err))
	}
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()

	url := cfg.BaseURL
	if url == "" {
		url = "http://" + displayAddr(ln.Addr())
	}
	say("Rumbo is ready at %s", url)
	if ok, _ := demoLoaded(ctx, dsn); ok {
		say("Demo logins (password %s):", demo.Password)
		for _, a := range demo.Accounts {
			say("  %-20s %s", a.Email, a.Description)
		}
	}
	say("Press Ctrl-C to stop.")

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	say("stopping…")
	return app.ShutdownWithTimeout(10 * time.Second)
}

func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if ok && tcp.IP.IsUnspecified() {
		return fmt.Sprintf("localhost:%d", tcp.Port)
	}
	return a.String()
}

func demoLoaded(ctx context.Context, dsn string) (bool, error) {
	owner, err := database.OpenOwner(dsn)
	if err != nil {
		return false, err
	}
	defer owner.Close()
	var exists bool
	err = owner.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM organizations WHERE slug = $1)`, demo.Slugs[0]).Scan(&exists)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return exists, err
}
