// Command bench is `make bench`: it loads DESIGN.md's budget profile into a
// private PostgreSQL (kept under bench-data/ between runs), starts the real
// rumbo binary against it, and measures every fragment at 8 concurrent
// clients for the big organisation and a small one: p50/p95/p99, requests
// per second and the server's RSS. It replays the same statements bare
// through pgbench (same role, context and concurrency) for the overhead
// ratio, times full page loads in headless Chromium, and writes everything
// to docs/BENCHMARKS.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"rumbo/internal/database"
	"rumbo/internal/pgembed"
	"rumbo/internal/seed"
)

type options struct {
	rumbo       string
	out         string
	dataDir     string
	profile     string
	duration    time.Duration
	warmup      time.Duration
	concurrency int
	rounds      int
	browser     bool
	pageLoads   int
	plansOnly   bool
	only        *regexp.Regexp
}

func main() {
	var o options
	flag.StringVar(&o.rumbo, "rumbo", "./bin/rumbo", "the rumbo binary to measure")
	flag.StringVar(&o.out, "out", "docs/BENCHMARKS.md", "where to write the report")
	flag.StringVar(&o.dataDir, "data", "bench-data", "folder of the benchmark database (kept between runs)")
	flag.StringVar(&o.profile, "profile", "large", "rumbo seed profile: large (the budget's) or small")
	flag.DurationVar(&o.duration, "duration", 8*time.Second, "measuring time per round")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up time per scenario (not measured)")
	flag.IntVar(&o.concurrency, "c", 8, "concurrent clients")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds per scenario (HTTP and bare alternate; medians reported)")
	flag.BoolVar(&o.browser, "browser", true, "also time full page loads in headless Chromium")
	flag.IntVar(&o.pageLoads, "page-loads", 30, "page loads to time in the browser")
	flag.BoolVar(&o.plansOnly, "plans-only", false, "only EXPLAIN every scenario's statements and list the sequential scans (with -only: EXPLAIN ANALYZE the chosen ones)")
	only := flag.String("only", "", "measure only the scenarios whose \"org name\" matches this regular expression")
	flag.Parse()
	var err error
	if o.only, err = regexp.Compile(*only); err != nil {
		fmt.Fprintln(os.Stderr, "bench: -only:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func say(format string, a ...any) { fmt.Printf(format+"\n", a...) }

func run(ctx context.Context, o options) error {
	abs, err := filepath.Abs(o.dataDir)
	if err != nil {
		return err
	}
	o.dataDir = abs
	if err := os.MkdirAll(o.dataDir, 0o755); err != nil {
		return err
	}
	pg, err := pgembed.Start(ctx, pgembed.Config{DataDir: filepath.Join(o.dataDir, "pg"), Logf: say})
	if err != nil {
		return err
	}
	defer pg.Stop() //nolint:errcheck // best effort on the way out
	dsn := pg.DSN("rumbo")
	env := append(os.Environ(), "DATABASE_URL="+dsn, "RUMBO_DATA_DIR="+o.dataDir)

	loadTime, err := ensureSeed(ctx, o, env, pg.DSN("postgres"), dsn)
	if err != nil {
		return err
	}
	secret, err := os.ReadFile(filepath.Join(o.dataDir, "secret"))
	if err != nil {
		return fmt.Errorf("read the benchmark secret: %w", err)
	}

	server, err := startServer(ctx, o.rumbo, env)
	if err != nil {
		return err
	}
	defer server.stop()

	r := &report{Options: o, Started: time.Now(), SeedTime: loadTime}
	r.Machine = describeMachine(ctx, dsn)
	if r.Sizes, err = datasetSizes(ctx, dsn); err != nil {
		return err
	}
	// The bench users look at every period, so the fragments do the same
	// work as the bare statements (which pass no period).
	if err := allPeriods(ctx, dsn); err != nil {
		return err
	}
	for _, org := range []string{"big", "small-1"} {
		sess, err := login(ctx, server.base, benchEmail(org))
		if err != nil {
			return err
		}
		scen, err := scenarios(ctx, dsn, org, sess)
		if err != nil {
			return err
		}
		for _, sc := range scen {
			if !o.only.MatchString(org + " " + sc.Name) {
				continue
			}
			say("measuring %s %s …", org, sc.Name)
			scans, err := seqScans(ctx, dsn, sc, o.plansOnly, o.plansOnly && o.only.String() != "")
			if err != nil {
				return err
			}
			if o.plansOnly {
				say("  plan: %s", planVerdict(scans))
				continue
			}
			// HTTP and bare alternate, so both see the same machine; this
			// shared VM drifts by ±20 % between runs, so each side reports
			// the median of its rounds.
			var https, bares []latency
			var rss int64
			for round := 0; round < o.rounds; round++ {
				res, err := measureHTTP(ctx, server, sess, sc, o)
				if err != nil {
					return err
				}
				bare, err := measurePgbench(ctx, pg, strings.TrimSpace(string(secret)), sc, o)
				if err != nil {
					return err
				}
				https, bares, rss = append(https, res.latency), append(bares, bare), max(rss, res.RSSMax)
				say("  round %d: http p50 %.1f p95 %.1f ms (%.0f req/s); bare p50 %.1f p95 %.1f ms",
					round+1, res.P50, res.P95, res.RPS, bare.P50, bare.P95)
			}
			res := result{scenario: sc, latency: median(https), Bare: median(bares), RSSMax: rss, Rounds: https, BareRounds: bares,
				SeqScans: scans}
			r.Results = append(r.Results, res)
			say("  median: http p95 %.1f ms, bare p95 %.1f ms, %.2f×; rss %.0f MB",
				res.P95, res.Bare.P95, res.P95/res.Bare.P95, float64(res.RSSMax)/(1<<20))
		}
		if o.plansOnly {
			continue
		}
		if org == "big" {
			// The same table at one client: the per-request cost of the
			// HTTP path without any contention for the cores.
			one := o
			one.concurrency, one.warmup = 1, time.Second
			sc := scen[1]
			res, err := measureHTTP(ctx, server, sess, sc, one)
			if err != nil {
				return err
			}
			if res.Bare, err = measurePgbench(ctx, pg, strings.TrimSpace(string(secret)), sc, one); err != nil {
				return err
			}
			r.Single = res
			say("  one client: http p50 %.2f ms, bare p50 %.2f ms", res.P50, res.Bare.P50)
		}
		if o.browser && org == "big" {
			if r.PageLoads, err = measurePageLoads(ctx, server.base, o.pageLoads); err != nil {
				return fmt.Errorf("browser page loads: %w", err)
			}
			for _, pl := range r.PageLoads {
				say("  %s page load p50 %.0f ms p95 %.0f ms", pl.Path, pl.P50, pl.P95)
			}
		}
	}
	if o.plansOnly {
		return nil
	}
	r.RSSPeak = server.peakRSS()
	r.Finished = time.Now()
	if err := r.write(o.out); err != nil {
		return err
	}
	say("wrote %s", o.out)
	return nil
}

func allPeriods(ctx context.Context, dsn string) error {
	db, err := database.OpenAdmin(dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `UPDATE rumbo.memberships SET period_mode = 'all'
		WHERE email IN ('bench@big.test', 'bench@small-1.test')`)
	return err
}

func benchEmail(org string) string {
	if org == "big" {
		return "bench@big.test"
	}
	return "bench@" + org + ".test"
}

// freshDatabase drops the benchmark database, if any, and creates it empty.
func freshDatabase(ctx context.Context, adminDSN string) error {
	db, err := database.OpenAdmin(adminDSN)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `DROP DATABASE IF EXISTS rumbo WITH (FORCE)`); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `CREATE DATABASE rumbo ENCODING 'UTF8'`)
	return err
}

// ensureSeed runs `rumbo seed` once per data folder and seed version (a
// marker file remembers it; an older version's data is dropped and loaded
// again) and returns how long loading took.
func ensureSeed(ctx context.Context, o options, env []string, adminDSN, dsn string) (time.Duration, error) {
	marker := filepath.Join(o.dataDir, fmt.Sprintf("seeded-%s-v%d", o.profile, seed.Version))
	if b, err := os.ReadFile(marker); err == nil {
		d, _ := time.ParseDuration(strings.TrimSpace(string(b)))
		say("reusing the %s profile loaded earlier in %s (delete %s to reload)", o.profile, d, o.dataDir)
		// migrations added since then run here, untimed, not inside the
		// server's start-up (whose health check would give up on them)
		start := time.Now()
		cmd := exec.CommandContext(ctx, o.rumbo, "migrate")
		cmd.Env, cmd.Stdout, cmd.Stderr = env, os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return 0, fmt.Errorf("rumbo migrate: %w", err)
		}
		// Migrations that rewrite rows leave the visibility map and the
		// statistics behind; autovacuum would catch up in production, here
		// the measurements must not race it.
		if err := vacuumAnalyze(ctx, dsn); err != nil {
			return 0, err
		}
		say("migrations up to date, vacuumed and analysed (%s)", time.Since(start).Round(time.Second))
		return d, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return 0, err
	}
	old, _ := filepath.Glob(filepath.Join(o.dataDir, "seeded-*"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return 0, err
		}
	}
	if err := freshDatabase(ctx, adminDSN); err != nil {
		return 0, err
	}
	start := time.Now()
	for _, args := range [][]string{{"migrate"}, {"seed", "--profile", o.profile}} {
		cmd := exec.CommandContext(ctx, o.rumbo, args...)
		cmd.Env, cmd.Stdout, cmd.Stderr = env, os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return 0, fmt.Errorf("rumbo %s: %w", strings.Join(args, " "), err)
		}
	}
	d := time.Since(start).Round(time.Second)
	return d, os.WriteFile(marker, []byte(d.String()+"\n"), 0o644)
}

func vacuumAnalyze(ctx context.Context, dsn string) error {
	db, err := database.OpenAdmin(dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM (ANALYZE)"); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	return nil
}
