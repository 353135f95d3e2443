package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rumbo runs the command line in-process with a clean environment.
func rumbo(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestVersionAndUsage(t *testing.T) {
	if code, out, _ := rumbo(t, nil, "version"); code != 0 || !strings.HasPrefix(out, "rumbo ") {
		t.Errorf("version: %d %q", code, out)
	}
	if code, out, _ := rumbo(t, nil, "help"); code != 0 || !strings.Contains(out, "--profile small|large") {
		t.Errorf("help: %d %q", code, out)
	}
	code, _, errOut := rumbo(t, nil, "frobnicate")
	if code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d %q", code, errOut)
	}
}

// Start-up failures are one clear line and a non-zero exit, never a stack
// trace.
func TestStartupFailuresAreOneLine(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"bad flag", nil, []string{"serve", "--nope"}, 2, "flag provided but not defined"},
		{"stray argument", nil, []string{"migrate", "extra"}, 2, `unexpected argument "extra"`},
		{"bad profile", nil, []string{"seed", "--profile", "huge"}, 2, "--profile must be small or large"},
		{"bad duration", map[string]string{"RUMBO_SESSION_IDLE": "soon"}, []string{"migrate"}, 2, "RUMBO_SESSION_IDLE"},
		{"bad proxy", map[string]string{"RUMBO_TRUSTED_PROXIES": "not-an-ip"}, []string{"migrate"}, 2, "RUMBO_TRUSTED_PROXIES"},
		{"short secret", map[string]string{"RUMBO_SECRET": "short", "RUMBO_DATA_DIR": dir}, []string{"migrate"}, 1, "at least 16 characters"},
		{"bad URL", map[string]string{"DATABASE_URL": "postgres://%zz", "RUMBO_DATA_DIR": dir}, []string{"migrate"}, 1,
			"DATABASE_URL is not a valid PostgreSQL connection string"},
		{"unreachable database", map[string]string{"DATABASE_URL": "host=/nonexistent-rumbo port=1 user=x dbname=x sslmode=disable",
			"RUMBO_DATA_DIR": dir}, []string{"migrate"}, 1, "cannot reach the database"},
		{"data dir is a file", map[string]string{"RUMBO_DATA_DIR": filepath.Join(writeFile(t, dir), "sub")}, []string{"migrate"}, 1,
			"cannot"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := rumbo(t, tc.env, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", code, errOut, tc.code, tc.want)
			}
			if strings.Contains(errOut, "goroutine ") || strings.Contains(errOut, ".go:") {
				t.Fatalf("stack trace on stderr: %q", errOut)
			}
			if tc.code == 1 && strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Fatalf("more than one line: %q", errOut)
			}
		})
	}
}

func writeFile(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "a-file")
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
