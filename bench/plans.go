package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"rumbo/internal/database"
)

// seqScans explains each of the scenario's statements as the request runs
// them — inside a READ ONLY transaction that first runs the request-begin
// statement, so as rumbo_app with the organisation's context and RLS — and
// returns the sequential scans over relations of more than 10,000 rows
// (DESIGN.md: no fragment scans a big organisation's table).
//
// With show set, the text plan of every statement that scans is printed too.
//
// With analyze set, every statement's EXPLAIN (ANALYZE, BUFFERS) is printed.
func seqScans(ctx context.Context, dsn string, sc scenario, show, analyze bool) ([]string, error) {
	db, err := database.OpenAdmin(dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() //nolint:errcheck // read only
	big := map[string]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT relname FROM pg_class
		WHERE relnamespace = 'rumbo'::regnamespace AND relkind = 'r' AND reltuples > 10000`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, err
		}
		big[name] = true
	}
	rows.Close()
	if _, err := tx.ExecContext(ctx, "SET TRANSACTION READ ONLY"); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, sc.Begin); err != nil {
		return nil, fmt.Errorf("%s: request-begin: %w", sc.Name, err)
	}
	var found []string
	for _, stmt := range sc.Statements {
		var plan string
		if err := tx.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+stmt).Scan(&plan); err != nil {
			return nil, fmt.Errorf("%s: explain: %w", sc.Name, err)
		}
		var nodes []map[string]any
		if err := json.Unmarshal([]byte(plan), &nodes); err != nil {
			return nil, err
		}
		var walk func(n map[string]any)
		walk = func(n map[string]any) {
			if n["Node Type"] == "Seq Scan" {
				if rel, _ := n["Relation Name"].(string); big[rel] && !slices.Contains(found, rel) {
					found = append(found, rel)
				}
			}
			for _, key := range []string{"Plan", "Plans"} {
				switch v := n[key].(type) {
				case map[string]any:
					walk(v)
				case []any:
					for _, c := range v {
						if m, ok := c.(map[string]any); ok {
							walk(m)
						}
					}
				}
			}
		}
		before := len(found)
		for _, n := range nodes {
			walk(n)
		}
		if analyze || show && len(found) > before {
			if err := printPlan(ctx, tx, stmt, analyze); err != nil {
				return nil, err
			}
		}
	}
	return found, nil
}

func planVerdict(scans []string) string {
	if len(scans) == 0 {
		return "no seq scan"
	}
	return "**seq scan of " + strings.Join(scans, ", ") + "**"
}

func printPlan(ctx context.Context, tx *sql.Tx, stmt string, analyze bool) error {
	explain := "EXPLAIN "
	if analyze {
		explain = "EXPLAIN (ANALYZE, BUFFERS) "
	}
	rows, err := tx.QueryContext(ctx, explain+stmt)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		say("    %s", line)
	}
	return rows.Err()
}
