package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"rumbo/handlers"
	"rumbo/internal/database"
	"rumbo/internal/pgembed"
	"rumbo/queries"
)

// scenario is one fragment request and the statements its handler runs
// after the request-begin statement, with the same literal arguments.
type scenario struct {
	Org, Name, Path string
	Begin           string
	Statements      []string
}

// bind replaces $n placeholders with SQL literals (highest first, so $1
// does not clobber $10).
func bind(sqlText string, args ...string) string {
	for i := len(args); i >= 1; i-- {
		sqlText = strings.ReplaceAll(sqlText, "$"+strconv.Itoa(i), args[i-1])
	}
	return strings.TrimSuffix(strings.TrimSpace(sqlText), ";")
}

func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func scenarios(ctx context.Context, dsn, slug string, sess *session) ([]scenario, error) {
	db, err := database.OpenAdmin(dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var orgID, today string
	if err := db.QueryRowContext(ctx, `SELECT id, (now() AT TIME ZONE timezone)::date::text FROM rumbo.organizations WHERE slug = $1`,
		slug).Scan(&orgID, &today); err != nil {
		return nil, fmt.Errorf("organisation %s: %w", slug, err)
	}
	q := queries.MustLoad()
	begin := bind(q.RequestBegin, `'\x`+sess.tokenHash+`'::bytea`, lit("5000"))
	forward, err := handlers.ObjectivesListSQL(q, "end_date", false, false)
	if err != nil {
		return nil, err
	}
	backward, err := handlers.ObjectivesListSQL(q, "end_date", false, true)
	if err != nil {
		return nil, err
	}
	org := lit(orgID)
	table := func(listSQL, status string) []string {
		return []string{
			bind(listSQL, org, lit(status), "NULL", "NULL", "''", "NULL", "NULL", "26"),
			bind(q.ObjectivesCount, org, lit(status), "NULL", "NULL", "''", "1001"),
		}
	}
	return []scenario{
		{Org: slug, Name: "objectives stats", Path: "/fragments/objectives/stats", Begin: begin,
			Statements: []string{bind(q.ObjectivesStats, org, lit(today)+"::date")}},
		{Org: slug, Name: "objectives table, first page", Path: "/fragments/objectives/table", Begin: begin,
			Statements: table(forward, "")},
		{Org: slug, Name: "objectives table, filtered (status)", Path: "/fragments/objectives/table?status=in_progress",
			Begin: begin, Statements: table(forward, "in_progress")},
		{Org: slug, Name: "objectives table, last page", Path: "/fragments/objectives/table?before=last", Begin: begin,
			Statements: table(backward, "")},
	}, nil
}

// latency summarises measured request times.
type latency struct {
	N             int
	Errors        int
	P50, P95, P99 float64 // milliseconds
	Mean          float64
	RPS           float64
}

func summarise(ms []float64, errors int, elapsed time.Duration) latency {
	slices.Sort(ms)
	l := latency{N: len(ms), Errors: errors}
	if len(ms) == 0 {
		return l
	}
	pct := func(p float64) float64 { return ms[min(len(ms)-1, int(p*float64(len(ms))))] }
	l.P50, l.P95, l.P99 = pct(.50), pct(.95), pct(.99)
	var sum float64
	for _, v := range ms {
		sum += v
	}
	l.Mean = sum / float64(len(ms))
	l.RPS = float64(len(ms)) / elapsed.Seconds()
	return l
}

type result struct {
	scenario
	latency
	RSSMax int64
	Bare   latency
}

// measureHTTP runs c clients in closed loops against the fragment: a warm-up,
// then the measured window, sampling the server's RSS meanwhile.
func measureHTTP(ctx context.Context, srv *server, sess *session, sc scenario, o options) (result, error) {
	url := srv.base + sc.Path
	hit := func() (time.Duration, bool) {
		start := time.Now()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		req.Header.Set("HX-Request", "true")
		resp, err := sess.client.Do(req)
		if err != nil {
			return 0, false
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return time.Since(start), resp.StatusCode == http.StatusOK
	}
	if _, ok := hit(); !ok {
		return result{}, fmt.Errorf("GET %s as %s does not answer 200", sc.Path, sc.Org)
	}
	run := func(d time.Duration, record bool) ([]float64, int) {
		var mu sync.Mutex
		var all []float64
		errs := 0
		deadline := time.Now().Add(d)
		var wg sync.WaitGroup
		for i := 0; i < o.concurrency; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine []float64
				bad := 0
				for time.Now().Before(deadline) && ctx.Err() == nil {
					d, ok := hit()
					if !ok {
						bad++
						continue
					}
					mine = append(mine, float64(d.Microseconds())/1000)
				}
				if record {
					mu.Lock()
					all = append(all, mine...)
					errs += bad
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return all, errs
	}
	run(o.warmup, false)
	stopSampling := make(chan struct{})
	var rssMax int64
	var sampler sync.WaitGroup
	sampler.Add(1)
	go func() {
		defer sampler.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case <-t.C:
				rssMax = max(rssMax, srv.rss())
			}
		}
	}()
	start := time.Now()
	ms, errs := run(o.duration, true)
	elapsed := time.Since(start)
	close(stopSampling)
	sampler.Wait()
	return result{scenario: sc, latency: summarise(ms, errs, elapsed), RSSMax: rssMax}, ctx.Err()
}

// measurePgbench replays the scenario's transaction bare: BEGIN READ ONLY,
// the request-begin statement (role switch and context), the handler's
// statements, COMMIT — as rumbo_login, at the same concurrency.
func measurePgbench(ctx context.Context, pg *pgembed.Server, secret string, sc scenario, o options) (latency, error) {
	dir, err := os.MkdirTemp("", "rumbo-pgbench-*")
	if err != nil {
		return latency{}, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "script.sql")
	var b strings.Builder
	b.WriteString("BEGIN READ ONLY;\n")
	for _, s := range append([]string{sc.Begin}, sc.Statements...) {
		b.WriteString(strings.Join(strings.Fields(s), " ") + ";\n")
	}
	b.WriteString("COMMIT;\n")
	if err := os.WriteFile(script, []byte(b.String()), 0o644); err != nil {
		return latency{}, err
	}
	pgbench, err := pgbenchPath()
	if err != nil {
		return latency{}, err
	}
	args := func(d time.Duration, logs bool) []string {
		a := []string{"-n", "-M", "extended", "-c", strconv.Itoa(o.concurrency), "-j", "2",
			"-T", strconv.Itoa(int(d.Seconds())), "-f", script,
			"-h", pg.SocketDir(), "-p", strconv.Itoa(pg.Port()), "-U", database.LoginRole}
		if logs {
			a = append(a, "-l", "--log-prefix", filepath.Join(dir, "tx"))
		}
		return append(a, "rumbo")
	}
	env := append(os.Environ(), "PGPASSWORD="+database.LoginPassword([]byte(secret)))
	for _, logs := range []bool{false, true} {
		d := o.duration
		if !logs {
			d = max(o.warmup, time.Second)
		}
		cmd := exec.CommandContext(ctx, pgbench, args(d, logs)...)
		cmd.Env, cmd.Dir = env, dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return latency{}, fmt.Errorf("pgbench %s: %v\n%s", sc.Name, err, out)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "tx*"))
	var ms []float64
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return latency{}, err
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) >= 3 {
				us, _ := strconv.ParseFloat(fields[2], 64)
				ms = append(ms, us/1000)
			}
		}
		fh.Close()
	}
	return summarise(ms, 0, o.duration), nil
}

func pgbenchPath() (string, error) {
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	dir, err := pgembed.FindBinDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "pgbench"), nil
}
