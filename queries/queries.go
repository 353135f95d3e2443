// Package queries holds Rumbo's hand-written SQL. Each *.sql file has
// queries under a `-- name: kebab-name` line followed by a one-line purpose
// comment. Load maps them onto the Queries struct by its `query` tags and
// fails when a tag has no query or a query has no field, so drift between
// the files and the code stops start-up instead of a request.
package queries

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"reflect"
	"strings"
)

//go:embed *.sql
var files embed.FS

// Queries is every statement the server runs, as strings: they run on the
// request's transaction, never prepared on the pool (DESIGN.md rule 11).
type Queries struct {
	RequestBegin          string `query:"request-begin"`
	RequestBeginAnonymous string `query:"request-begin-anonymous"`
	SessionTouch          string `query:"session-touch"`
	SchemaVersion         string `query:"schema-version"`

	LoginLookup  string `query:"login-lookup"`
	SessionStart string `query:"session-start"`
	SessionEnd   string `query:"session-end"`

	ObjectivesStats       string `query:"objectives-stats"`
	ObjectivesList        string `query:"objectives-list"`
	ObjectivesCount       string `query:"objectives-count"`
	ObjectiveByID         string `query:"objective-by-id"`
	ObjectiveKeyResults   string `query:"objective-key-results"`
	ObjectiveCreate       string `query:"objective-create"`
	ObjectiveForEdit      string `query:"objective-for-edit"`
	ObjectiveUpdate       string `query:"objective-update"`
	ObjectiveExists       string `query:"objective-exists"`
	ObjectiveArchive      string `query:"objective-archive"`
	ObjectiveRestore      string `query:"objective-restore"`
	ObjectiveDeleteCounts string `query:"objective-delete-counts"`
	ObjectiveDelete       string `query:"objective-delete"`
	ObjectiveParents      string `query:"objective-parents-options"`
	ObjectiveChildren     string `query:"objective-children"`

	AreasOptions         string `query:"areas-options"`
	MembersOptions       string `query:"members-options"`
	PeriodsOptions       string `query:"periods-options"`
	PeriodPreferenceSave string `query:"period-preference-save"`

	Accounts
	Invitations
	Members
	ActivityLog
	KeyResults
	Initiatives
	Activities
	Areas
	Dashboard
	Insights
}

// Load parses the embedded files.
func Load() (*Queries, error) {
	all, err := parseFS(files)
	if err != nil {
		return nil, err
	}
	q := &Queries{}
	used := map[string]bool{}
	if err := fill(reflect.ValueOf(q).Elem(), all, used); err != nil {
		return nil, err
	}
	for name := range all {
		if !used[name] {
			return nil, fmt.Errorf("queries: %q is not used by any field of Queries", name)
		}
	}
	return q, nil
}

// fill sets every tagged string field, descending into embedded groups
// (one group type per noun, each in its own file).
func fill(v reflect.Value, all map[string]string, used map[string]bool) error {
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if err := fill(v.Field(i), all, used); err != nil {
				return err
			}
			continue
		}
		name := f.Tag.Get("query")
		sql, ok := all[name]
		if !ok {
			return fmt.Errorf("queries: %s has no query named %q", f.Name, name)
		}
		v.Field(i).SetString(sql)
		used[name] = true
	}
	return nil
}

// MustLoad is Load for start-up code and tests.
func MustLoad() *Queries {
	q, err := Load()
	if err != nil {
		panic(err)
	}
	return q
}

func parseFS(fsys fs.FS) (map[string]string, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	all := map[string]string{}
	for _, file := range names {
		b, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, err
		}
		parsed, err := parse(b)
		if err != nil {
			return nil, fmt.Errorf("queries: %s: %w", file, err)
		}
		for name, sql := range parsed {
			if _, dup := all[name]; dup {
				return nil, fmt.Errorf("queries: %s: duplicate query %q", file, name)
			}
			all[name] = sql
		}
	}
	return all, nil
}

// parse splits one file at its `-- name:` lines. Text before the first name
// is the file's header comment.
func parse(b []byte) (map[string]string, error) {
	out := map[string]string{}
	var name string
	var body strings.Builder
	flush := func() error {
		if name == "" {
			return nil
		}
		sql := strings.TrimSpace(body.String())
		if sql == "" {
			return fmt.Errorf("query %q is empty", name)
		}
		if _, dup := out[name]; dup {
			return fmt.Errorf("duplicate query %q", name)
		}
		out[name] = sql
		return nil
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			if err := flush(); err != nil {
				return nil, err
			}
			name = strings.TrimSpace(rest)
			body.Reset()
			continue
		}
		// Whole-line comments (the purpose line) stay in the file: the
		// server is sent only the statement.
		if name != "" && !strings.HasPrefix(strings.TrimSpace(line), "--") {
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, sc.Err()
}
