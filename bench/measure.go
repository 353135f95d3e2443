package main

import (
	"bufio"
	"context"
	"fmt"
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
	var orgID, today, tz, userID string
	if err := db.QueryRowContext(ctx, `SELECT o.id, (now() AT TIME ZONE o.timezone)::date::text, o.timezone, s.user_id
		FROM rumbo.organizations AS o JOIN rumbo.sessions AS s ON s.current_org_id = o.id
		WHERE o.slug = $1 AND s.token_hash = decode($2, 'hex')`, slug, sess.tokenHash).Scan(&orgID, &today, &tz, &userID); err != nil {
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
		return []string{bind(listSQL, org, lit(status), "NULL", "NULL", "''", "NULL", "NULL", "26", "1001", "NULL")}
	}
	lists := map[string]string{}
	for name, build := range map[string]func() (string, error){
		"ini-forward":  func() (string, error) { return handlers.InitiativesListSQL(q, "end_date", false, false) },
		"ini-backward": func() (string, error) { return handlers.InitiativesListSQL(q, "end_date", false, true) },
		"act-forward":  func() (string, error) { return handlers.ActivitiesListSQL(q, "due_date", false, false) },
		"act-backward": func() (string, error) { return handlers.ActivitiesListSQL(q, "due_date", false, true) },
	} {
		if lists[name], err = build(); err != nil {
			return nil, err
		}
	}
	// initiatives-list: $2 status, $3 area, $4 owner, $5 objective, $6 LIKE, $7/$8 cursor, $9 limit, $10 cap, $11 period
	iniTable := func(listSQL, status string) []string {
		return []string{bind(listSQL, org, lit(status), "NULL", "NULL", "NULL", "''", "NULL", "NULL", "26", "1001", "NULL")}
	}
	// activities-list: … $10 period, $11 priority, $12 initiative, $13 time zone
	actTable := func(listSQL, status string) []string {
		return []string{bind(listSQL, org, lit(status), "NULL", "NULL", "''", "NULL", "NULL", "26", "1001", "NULL", "''",
			"NULL", lit(tz))}
	}
	stats := func(query string) []string { return []string{bind(query, org, lit(today)+"::date", "NULL")} }
	dashboard, err := dashboardScenarios(ctx, db, q, slug, orgID, today, begin, benchEmail(slug))
	if err != nil {
		return nil, err
	}
	return append(append([]scenario{
		{Org: slug, Name: "objectives stats", Path: "/fragments/objectives/stats", Begin: begin,
			Statements: []string{bind(q.ObjectivesStats, org, lit(today)+"::date", "NULL")}},
		{Org: slug, Name: "objectives table, first page", Path: "/fragments/objectives/table", Begin: begin,
			Statements: table(forward, "")},
		{Org: slug, Name: "objectives table, filtered (status)", Path: "/fragments/objectives/table?status=in_progress",
			Begin: begin, Statements: table(forward, "in_progress")},
		{Org: slug, Name: "objectives table, last page", Path: "/fragments/objectives/table?before=last", Begin: begin,
			Statements: table(backward, "")},
		{Org: slug, Name: "initiatives stats", Path: "/fragments/initiatives/stats", Begin: begin,
			Statements: stats(q.InitiativesStats)},
		{Org: slug, Name: "initiatives table, first page", Path: "/fragments/initiatives/table", Begin: begin,
			Statements: iniTable(lists["ini-forward"], "")},
		{Org: slug, Name: "initiatives table, filtered (status)", Path: "/fragments/initiatives/table?status=in_progress",
			Begin: begin, Statements: iniTable(lists["ini-forward"], "in_progress")},
		{Org: slug, Name: "initiatives table, last page", Path: "/fragments/initiatives/table?before=last", Begin: begin,
			Statements: iniTable(lists["ini-backward"], "")},
		{Org: slug, Name: "activities stats", Path: "/fragments/activities/stats", Begin: begin,
			Statements: stats(q.ActivitiesStats)},
		{Org: slug, Name: "activities table, first page", Path: "/fragments/activities/table", Begin: begin,
			Statements: actTable(lists["act-forward"], "")},
		{Org: slug, Name: "activities table, filtered (status)", Path: "/fragments/activities/table?status=todo",
			Begin: begin, Statements: actTable(lists["act-forward"], "todo")},
		{Org: slug, Name: "activities table, last page", Path: "/fragments/activities/table?before=last", Begin: begin,
			Statements: actTable(lists["act-backward"], "")},
		{Org: slug, Name: "areas stats", Path: "/fragments/areas/stats", Begin: begin,
			Statements: []string{bind(q.AreasStats, org)}},
		{Org: slug, Name: "areas tree", Path: "/fragments/areas/tree", Begin: begin,
			Statements: []string{bind(q.AreasTree, org)}},
	}, insightsScenarios(org, lit(today), slug, begin, lit(userID), q)...), dashboard...), nil
}

// pgbenchScript is the scenario's request transaction as pgbench runs it.
func (sc scenario) pgbenchScript() string {
	var b strings.Builder
	b.WriteString("BEGIN READ ONLY;\n")
	for _, s := range append([]string{sc.Begin}, sc.Statements...) {
		b.WriteString(strings.Join(strings.Fields(s), " ") + ";\n")
	}
	b.WriteString("COMMIT;\n")
	return b.String()
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
	RSSMax             int64
	Bare               latency
	Rounds, BareRounds []latency
	SeqScans           []string // big relations its statements scan sequentially
}

// median takes each statistic's median over the rounds.
func median(ls []latency) latency {
	pick := func(f func(latency) float64) float64 {
		v := make([]float64, len(ls))
		for i, l := range ls {
			v[i] = f(l)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	out := latency{
		P50:  pick(func(l latency) float64 { return l.P50 }),
		P95:  pick(func(l latency) float64 { return l.P95 }),
		P99:  pick(func(l latency) float64 { return l.P99 }),
		Mean: pick(func(l latency) float64 { return l.Mean }),
		RPS:  pick(func(l latency) float64 { return l.RPS }),
	}
	for _, l := range ls {
		out.N += l.N
		out.Errors += l.Errors
	}
	return out
}

// wrkScript signs wrk's requests in as the session (cookie and htmx header)
// and prints the percentiles wrk measured.
const wrkScript = `
wrk.method = "GET"
wrk.headers["Cookie"] = "%s"
wrk.headers["HX-Request"] = "true"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%.3f %%.3f %%.3f %%.3f\n", summary.requests,
    e.connect + e.read + e.write + e.timeout + e.status, summary.duration,
    latency.max, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.mean / 1000))
end
`

// measureHTTP drives the fragment with wrk (C, epoll: it takes far less CPU
// from the shared cores than a Go client would) with c connections in
// closed loops: a warm-up, then the measured window, sampling the server's
// RSS meanwhile.
func measureHTTP(ctx context.Context, srv *server, sess *session, sc scenario, o options) (result, error) {
	dir, err := os.MkdirTemp("", "rumbo-wrk-*")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "script.lua")
	if err := os.WriteFile(script, []byte(fmt.Sprintf(wrkScript, sess.cookie)), 0o644); err != nil {
		return result{}, err
	}
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		return result{}, fmt.Errorf("wrk not found: install the 'wrk' package (make bench does on Debian)")
	}
	run := func(d time.Duration) (string, error) {
		cmd := exec.CommandContext(ctx, wrk, "-t", strconv.Itoa(min(2, o.concurrency)), "-c", strconv.Itoa(o.concurrency), "-d", fmt.Sprintf("%ds", int(d.Seconds())),
			"--timeout", "5s", "-s", script, srv.base+sc.Path)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("wrk %s: %v\n%s", sc.Path, err, out)
		}
		return string(out), nil
	}
	if _, err := run(max(o.warmup, time.Second)); err != nil {
		return result{}, err
	}
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
	out, err := run(o.duration)
	close(stopSampling)
	sampler.Wait()
	if err != nil {
		return result{}, err
	}
	i := strings.Index(out, "RESULT ")
	if i < 0 {
		return result{}, fmt.Errorf("wrk printed no result:\n%s", out)
	}
	var n, errs, durUS, maxUS int64
	var l latency
	if _, err := fmt.Sscanf(out[i:], "RESULT %d %d %d %d %f %f %f %f", &n, &errs, &durUS, &maxUS, &l.P50, &l.P95, &l.P99, &l.Mean); err != nil {
		return result{}, fmt.Errorf("wrk result %q: %v", out[i:], err)
	}
	l.N, l.Errors = int(n), int(errs)
	l.RPS = float64(n) / (float64(durUS) / 1e6)
	return result{scenario: sc, latency: l, RSSMax: rssMax}, ctx.Err()
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
	if err := os.WriteFile(script, []byte(sc.pgbenchScript()), 0o644); err != nil {
		return latency{}, err
	}
	pgbench, err := pgbenchPath()
	if err != nil {
		return latency{}, err
	}
	args := func(d time.Duration, logs bool) []string {
		a := []string{"-n", "-M", "extended", "-c", strconv.Itoa(o.concurrency), "-j", strconv.Itoa(min(2, o.concurrency)),
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
