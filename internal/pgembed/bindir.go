package pgembed

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Overridable in tests so FindBinDir's fallbacks can be exercised on a
// machine that does have PostgreSQL installed.
var (
	pgConfigCmd = "pg_config"                 // looked up on PATH
	binDirGlob  = "/usr/lib/postgresql/*/bin" // Debian/Ubuntu layout; "*" is the major version
)

const installHint = `install the "postgresql" package (Debian/Ubuntu: apt-get install postgresql)`

// FindBinDir locates the PostgreSQL server binaries. pg_config is asked first
// because it names the installation the machine's admin chose, but it is only
// trusted when that folder really has the server (on Debian pg_config comes
// with libpq-dev and can belong to a newer client-only version). Then the
// newest Debian-style /usr/lib/postgresql/<version>/bin, then initdb on PATH.
func FindBinDir() (string, error) {
	if path, err := exec.LookPath(pgConfigCmd); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		out, err := exec.CommandContext(ctx, path, "--bindir").Output()
		cancel()
		if dir := strings.TrimSpace(string(out)); err == nil && dir != "" && hasServerBinaries(dir) {
			return dir, nil
		}
	}

	matches, _ := filepath.Glob(binDirGlob)
	sort.SliceStable(matches, func(i, j int) bool {
		return versionLess(versionOf(matches[j]), versionOf(matches[i])) // newest first
	})
	for _, dir := range matches {
		if hasServerBinaries(dir) {
			return dir, nil
		}
	}

	if path, err := exec.LookPath("initdb"); err == nil {
		// Prefer the real installation folder over a folder of symlinks
		// (/usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb).
		if real, err := filepath.EvalSymlinks(path); err == nil && hasServerBinaries(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
		if dir := filepath.Dir(path); hasServerBinaries(dir) {
			return dir, nil
		}
	}
	return "", errorf(nil, "PostgreSQL server binaries not found (need initdb and postgres): %s", installHint)
}

// versionOf extracts the version folder name from ".../<version>/bin".
func versionOf(binDir string) []int {
	parts := strings.Split(filepath.Base(filepath.Dir(binDir)), ".")
	v := make([]int, 0, len(parts))
	for _, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil // non-numeric folders sort last
		}
		v = append(v, n)
	}
	return v
}

// versionLess compares numerically, so 16 > 9.6 (a string sort gets that wrong).
func versionLess(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

// hasServerBinaries reports whether dir has both programs we run.
func hasServerBinaries(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}
