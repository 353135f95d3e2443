package pgembed

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// helperEnv makes the test binary act as a short-lived Rumbo that starts a
// server and exits without stopping it (TestParentExitKillsServer).
const helperEnv = "PGEMBED_TEST_HELPER_DATADIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		s, err := Start(context.Background(), Config{DataDir: dir, Fast: true})
		if err != nil {
			fmt.Println("ERR", err)
			os.Exit(2)
		}
		fmt.Println("PID", s.pid())
		os.Exit(0) // deliberately no Stop: the kernel must clean up
	}
	// Keep the main goroutine on the main thread (m0). The runtime never ends
	// m0 (it parks it instead), so a test goroutine that landed there would
	// make TestServerSurvivesStartingThreadExit prove nothing.
	runtime.LockOSThread()
	os.Exit(m.Run())
}

// tempRoot makes a scratch folder the postgres OS user can traverse (when we
// run as root the cluster belongs to that user).
func tempRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "pgembed-test-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// logLines collects Logf output for assertions.
type logLines struct {
	mu    sync.Mutex
	lines []string
	t     *testing.T
}

func newLog(t *testing.T) *logLines { return &logLines{t: t} }

func (l *logLines) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	line := fmt.Sprintf(format, args...)
	l.lines = append(l.lines, line)
	l.t.Log(line)
}

func (l *logLines) contains(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}

func (l *logLines) reset() {
	l.mu.Lock()
	l.lines = nil
	l.mu.Unlock()
}

// mustStart starts a server and registers its Stop; t.Cleanup runs in
// reverse order, so servers stop before their temp folders are removed.
func mustStart(t *testing.T, cfg Config) *Server {
	t.Helper()
	cfg.Fast = true
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("Start(%s): %v", cfg.DataDir, err)
	}
	t.Cleanup(func() { s.Stop() })
	return s
}

func openDB(t *testing.T, s *Server) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", s.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func queryString(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	var v sql.NullString
	if err := db.QueryRow(q).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v.String
}

// asError checks the error contract: an *Error with a one-line message.
func asError(t *testing.T, err error) *Error {
	t.Helper()
	if err == nil {
		t.Fatal("expected an error, got nil")
	}
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("error is %T, want *pgembed.Error: %v", err, err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Fatalf("error message spans several lines: %q", err.Error())
	}
	t.Logf("error message: %s", err.Error())
	return pe
}

func TestFirstStartInitialisesAndListensOnSocketOnly(t *testing.T) {
	root := tempRoot(t)
	log := newLog(t)
	dataDir := filepath.Join(root, "rumbo-data", "pg") // parent is missing too
	s := mustStart(t, Config{DataDir: dataDir, Logf: log.logf, Settings: map[string]string{"max_connections": "37"}})

	if !log.contains("initialising PostgreSQL cluster in") {
		t.Error("initdb was not reported")
	}
	if s.DataDir() != dataDir || s.SocketDir() != dataDir || s.Port() != 5432 {
		t.Errorf("DataDir=%s SocketDir=%s Port=%d", s.DataDir(), s.SocketDir(), s.Port())
	}
	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); err != nil {
		t.Errorf("no PG_VERSION: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, ".s.PGSQL.5432")); err != nil {
		t.Errorf("no socket file: %v", err)
	}
	want := fmt.Sprintf("host=%s port=5432 user=postgres dbname=app sslmode=disable", dataDir)
	if got := s.DSN("app"); got != want {
		t.Errorf("DSN = %q, want %q", got, want)
	}

	db := openDB(t, s)
	if got := queryString(t, db, "select 1"); got != "1" {
		t.Errorf("select 1 = %q", got)
	}
	if got := queryString(t, db, "show listen_addresses"); got != "" {
		t.Errorf("listen_addresses = %q, want empty (no TCP)", got)
	}
	if got := queryString(t, db, "show unix_socket_permissions"); got != "0700" {
		t.Errorf("unix_socket_permissions = %q", got)
	}
	if got := queryString(t, db, "show max_connections"); got != "37" {
		t.Errorf("Settings not applied: max_connections = %q", got)
	}
	if got := queryString(t, db, "show fsync"); got != "off" {
		t.Errorf("Fast not applied: fsync = %q", got)
	}
	if got := queryString(t, db, "show server_encoding"); got != "UTF8" {
		t.Errorf("server_encoding = %q", got)
	}
	if got := queryString(t, db, "select rolname from pg_roles where rolsuper order by oid limit 1"); got != "postgres" {
		t.Errorf("superuser = %q", got)
	}
	if os.Geteuid() == 0 {
		fi, _ := os.Stat(dataDir)
		if st := fi.Sys().(*syscall.Stat_t); st.Uid == 0 {
			t.Error("cluster folder still owned by root")
		}
		if got := queryString(t, db, "select current_setting('data_directory')"); got != dataDir {
			t.Errorf("data_directory = %q", got)
		}
	}

	db.Close()
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "postmaster.pid")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("postmaster.pid still there after Stop: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); err != nil {
		t.Errorf("Stop removed data: %v", err)
	}
	var nilServer *Server
	if err := nilServer.Stop(); err != nil {
		t.Errorf("nil Stop: %v", err)
	}
}

func TestRestartKeepsDataWithoutInitdb(t *testing.T) {
	root := tempRoot(t)
	log := newLog(t)
	dataDir := filepath.Join(root, "pg")
	// First start with relative paths (as "./rumbo-data/pg" from a Makefile
	// would be), including a relative BinDir; restart with absolute ones.
	realBin, err := FindBinDir()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(realBin, filepath.Join(root, "bin")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	s := mustStart(t, Config{DataDir: "pg", BinDir: "bin", Logf: log.logf})
	if s.DataDir() != dataDir {
		t.Errorf("DataDir() = %s, want %s", s.DataDir(), dataDir)
	}
	db := openDB(t, s)
	if _, err := db.Exec("create table notes(body text); insert into notes values ('kept')"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(filepath.Join(dataDir, "PG_VERSION"))
	if err != nil {
		t.Fatal(err)
	}

	log.reset()
	s2 := mustStart(t, Config{DataDir: dataDir, Logf: log.logf})
	if log.contains("initialising") {
		t.Error("initdb ran again on an existing cluster")
	}
	after, _ := os.Stat(filepath.Join(dataDir, "PG_VERSION"))
	if !after.ModTime().Equal(before.ModTime()) {
		t.Error("PG_VERSION was rewritten")
	}
	if got := queryString(t, openDB(t, s2), "select body from notes"); got != "kept" {
		t.Errorf("row = %q, want kept", got)
	}
}

// killCluster simulates a crash: SIGKILL to the postmaster's whole process
// group, leaving postmaster.pid behind.
func killCluster(t *testing.T, s *Server) {
	t.Helper()
	pid := s.pid()
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.proc.done:
	case <-time.After(10 * time.Second):
		t.Fatal("postmaster survived SIGKILL")
	}
	// Its children die with it but may take a moment under load; while any
	// is still attached to the cluster's shared memory, a restart is refused
	// ("pre-existing shared memory block is still in use"). Wait (bounded)
	// until the segment postmaster.pid names has no process attached.
	waitShmDetached(t, s.dataDir)
}

// waitShmDetached waits until the System V segment on postmaster.pid's
// seventh line ("key shmid") has no attachments in /proc/sysvipc/shm.
func waitShmDetached(t *testing.T, dataDir string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) < 7 || len(strings.Fields(lines[6])) < 2 {
		return
	}
	shmid := strings.Fields(lines[6])[1]
	attached := func() bool {
		table, err := os.ReadFile("/proc/sysvipc/shm")
		if err != nil {
			return false
		}
		for _, row := range strings.Split(string(table), "\n")[1:] {
			if f := strings.Fields(row); len(f) > 6 && f[1] == shmid {
				return f[6] != "0"
			}
		}
		return false
	}
	for deadline := time.Now().Add(10 * time.Second); attached() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
}

// rewritePid replaces the pid on the first line of postmaster.pid.
func rewritePid(t *testing.T, dataDir string, pid int) {
	t.Helper()
	path := filepath.Join(dataDir, "postmaster.pid")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("postmaster.pid should survive a crash: %v", err)
	}
	lines := strings.SplitN(string(data), "\n", 2)
	lines[0] = strconv.Itoa(pid)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestStalePidFileIsCleanedUp(t *testing.T) {
	root := tempRoot(t)
	log := newLog(t)
	dataDir := filepath.Join(root, "pg")
	s := mustStart(t, Config{DataDir: dataDir, Logf: log.logf})
	killCluster(t, s)
	if err := s.Stop(); err != nil { // server already gone: Stop is a no-op
		t.Errorf("Stop after crash: %v", err)
	}

	// A pid that cannot exist (pid_max is far lower here)...
	rewritePid(t, dataDir, 999999)
	s2 := mustStart(t, Config{DataDir: dataDir, Logf: log.logf})
	if !log.contains("removed stale") {
		t.Error("stale postmaster.pid was not reported")
	}
	if got := queryString(t, openDB(t, s2), "select 1"); got != "1" {
		t.Errorf("select 1 = %q", got)
	}

	// ...and a live pid recycled by an unrelated process (this test), which
	// PostgreSQL itself would refuse to start over.
	killCluster(t, s2)
	rewritePid(t, dataDir, os.Getpid())
	s3 := mustStart(t, Config{DataDir: dataDir, Logf: log.logf})
	if got := queryString(t, openDB(t, s3), "select 1"); got != "1" {
		t.Errorf("select 1 = %q", got)
	}
}

func TestSecondServerOnSameDirRefused(t *testing.T) {
	root := tempRoot(t)
	dataDir := filepath.Join(root, "pg")
	s := mustStart(t, Config{DataDir: dataDir})

	s2, err := Start(context.Background(), Config{DataDir: dataDir, Fast: true})
	if s2 != nil {
		s2.Stop()
		t.Fatal("second Start returned a server")
	}
	pe := asError(t, err)
	if !strings.Contains(pe.Msg, "already running") || !strings.Contains(pe.Msg, strconv.Itoa(s.pid())) {
		t.Errorf("message should say already running with pid %d: %s", s.pid(), pe.Msg)
	}
	// The first server must be untouched.
	if got := queryString(t, openDB(t, s), "select 1"); got != "1" {
		t.Errorf("first server broken: %q", got)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "postmaster.pid")); err != nil {
		t.Errorf("postmaster.pid of the running server was removed: %v", err)
	}
}

func TestMissingBinaries(t *testing.T) {
	root := tempRoot(t)
	empty := filepath.Join(root, "bin")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), Config{DataDir: filepath.Join(root, "pg"), BinDir: empty})
	if pe := asError(t, err); !strings.Contains(pe.Msg, "install") {
		t.Errorf("message should say what to install: %s", pe.Msg)
	}

	// FindBinDir with nothing anywhere.
	oldGlob, oldCfg := binDirGlob, pgConfigCmd
	t.Cleanup(func() { binDirGlob, pgConfigCmd = oldGlob, oldCfg })
	binDirGlob = filepath.Join(root, "nothing", "*", "bin")
	t.Setenv("PATH", "")
	dir, err := FindBinDir()
	if pe := asError(t, err); !strings.Contains(pe.Msg, "install") || dir != "" {
		t.Errorf("FindBinDir() = %q, %s", dir, pe.Msg)
	}
	// Start without BinDir goes through FindBinDir.
	_, err = Start(context.Background(), Config{DataDir: filepath.Join(root, "pg")})
	if pe := asError(t, err); !strings.Contains(pe.Msg, "install") {
		t.Errorf("message should say what to install: %s", pe.Msg)
	}
}

// writeScript creates an executable shell script.
func writeScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestFindBinDirOrder(t *testing.T) {
	root := tempRoot(t)
	for _, v := range []string{"9.6", "15", "16", "17", "beta"} {
		bin := filepath.Join(root, "lib", v, "bin")
		writeScript(t, filepath.Join(bin, "initdb"), "exit 0")
		if v != "17" { // 17 is incomplete: no postgres
			writeScript(t, filepath.Join(bin, "postgres"), "exit 0")
		}
	}
	oldGlob, oldCfg := binDirGlob, pgConfigCmd
	t.Cleanup(func() { binDirGlob, pgConfigCmd = oldGlob, oldCfg })
	binDirGlob = filepath.Join(root, "lib", "*", "bin")
	pathDir := filepath.Join(root, "path")
	t.Setenv("PATH", pathDir)

	// No pg_config: newest complete version, compared numerically.
	if dir, err := FindBinDir(); err != nil || dir != filepath.Join(root, "lib", "16", "bin") {
		t.Errorf("FindBinDir() = %q, %v; want version 16", dir, err)
	}

	// pg_config naming a complete folder wins...
	writeScript(t, filepath.Join(pathDir, "pg_config"), "echo "+filepath.Join(root, "lib", "9.6", "bin"))
	if dir, err := FindBinDir(); err != nil || dir != filepath.Join(root, "lib", "9.6", "bin") {
		t.Errorf("FindBinDir() = %q, %v; want pg_config's 9.6", dir, err)
	}
	// ...but not one without the server (client-only pg_config).
	writeScript(t, filepath.Join(pathDir, "pg_config"), "echo "+filepath.Join(root, "lib", "17", "bin"))
	if dir, err := FindBinDir(); err != nil || dir != filepath.Join(root, "lib", "16", "bin") {
		t.Errorf("FindBinDir() = %q, %v; want version 16", dir, err)
	}

	// Last resort: initdb on PATH, symlinks resolved to the real folder.
	binDirGlob = filepath.Join(root, "none", "*", "bin")
	os.Remove(filepath.Join(pathDir, "pg_config"))
	real15 := filepath.Join(root, "lib", "15", "bin")
	for _, name := range []string{"initdb", "postgres"} {
		if err := os.Symlink(filepath.Join(real15, name), filepath.Join(pathDir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if dir, err := FindBinDir(); err != nil || dir != real15 {
		t.Errorf("FindBinDir() = %q, %v; want %s", dir, err, real15)
	}
	if dir, err := FindBinDir(); err != nil || !hasServerBinaries(dir) {
		t.Errorf("FindBinDir() = %q, %v", dir, err)
	}

	// The machine's real installation is found with the real settings.
	binDirGlob, pgConfigCmd = oldGlob, oldCfg
	t.Setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	if dir, err := FindBinDir(); err != nil || !hasServerBinaries(dir) {
		t.Errorf("FindBinDir() on this machine = %q, %v", dir, err)
	}
}

func TestUnwritableDataDir(t *testing.T) {
	root := tempRoot(t)
	file := filepath.Join(root, "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), Config{DataDir: filepath.Join(file, "pg"), Fast: true})
	pe := asError(t, err)
	if !strings.HasPrefix(pe.Msg, "cannot write data directory") || !strings.Contains(pe.Msg, "not a directory") {
		t.Errorf("unexpected message: %s", pe.Msg)
	}

	// DataDir itself is a file.
	_, err = Start(context.Background(), Config{DataDir: file, Fast: true})
	if pe := asError(t, err); !strings.HasPrefix(pe.Msg, "cannot write data directory") {
		t.Errorf("unexpected message: %s", pe.Msg)
	}

	// A folder with files that is not a cluster is left alone.
	junk := filepath.Join(root, "junk")
	os.Mkdir(junk, 0o755)
	os.WriteFile(filepath.Join(junk, "notes.txt"), []byte("mine"), 0o644)
	_, err = Start(context.Background(), Config{DataDir: junk, Fast: true})
	if pe := asError(t, err); !strings.Contains(pe.Msg, "not empty") {
		t.Errorf("unexpected message: %s", pe.Msg)
	}
	if _, err := os.Stat(filepath.Join(junk, "notes.txt")); err != nil {
		t.Errorf("user file touched: %v", err)
	}

	// Settings that would expose the trust-authenticated server.
	_, err = Start(context.Background(), Config{DataDir: filepath.Join(root, "pg"), Settings: map[string]string{"listen_addresses": "*"}})
	if pe := asError(t, err); !strings.Contains(pe.Msg, "listen_addresses") {
		t.Errorf("unexpected message: %s", pe.Msg)
	}
}

func TestInitdbFailureIsReported(t *testing.T) {
	root := tempRoot(t)
	bin := filepath.Join(root, "bin")
	writeScript(t, filepath.Join(bin, "initdb"), `echo "creating things... ok"; echo "initdb: error: the fake initdb exploded" >&2; echo "initdb: hint: try harder" >&2; exit 1`)
	writeScript(t, filepath.Join(bin, "postgres"), "exit 1")
	dataDir := filepath.Join(root, "pg")
	_, err := Start(context.Background(), Config{DataDir: dataDir, BinDir: bin, Fast: true})
	pe := asError(t, err)
	if !strings.HasPrefix(pe.Msg, "initdb failed in "+dataDir) || !strings.Contains(pe.Msg, "the fake initdb exploded") {
		t.Errorf("unexpected message: %s", pe.Msg)
	}

	// Without an "error:" line the last line is used.
	writeScript(t, filepath.Join(bin, "initdb"), `echo "step one"; echo "something odd happened" >&2; exit 3`)
	_, err = Start(context.Background(), Config{DataDir: dataDir, BinDir: bin, Fast: true})
	if pe := asError(t, err); !strings.Contains(pe.Msg, "something odd happened") {
		t.Errorf("unexpected message: %s", pe.Msg)
	}

	// A server that dies at once: its log lines come back in the error.
	writeScript(t, filepath.Join(bin, "initdb"), `echo 15 > "$2/PG_VERSION"`)
	writeScript(t, filepath.Join(bin, "postgres"), `echo "2025-01-01 00:00:00.000 UTC [42] FATAL:  fake server cannot start" >&2; exit 1`)
	_, err = Start(context.Background(), Config{DataDir: filepath.Join(root, "pg2"), BinDir: bin, Fast: true})
	pe = asError(t, err)
	if !strings.HasPrefix(pe.Msg, "PostgreSQL did not start (see ") || !strings.Contains(pe.Msg, "FATAL: fake server cannot start") {
		t.Errorf("unexpected message: %s", pe.Msg)
	}
}

func TestRelocationWhenPostgresUserCannotEnter(t *testing.T) {
	if os.Geteuid() != 0 {
		// Relocation only exists for root; as a normal user the same layout
		// must simply work in place.
		root := tempRoot(t)
		s := mustStart(t, Config{DataDir: filepath.Join(root, "private", "pg")})
		queryString(t, openDB(t, s), "select 1")
		return
	}
	_, statErr := os.Stat(relocRoot)
	relocRootExisted := statErr == nil
	private, err := os.MkdirTemp("/tmp", "pgembed-private-") // 0700, root-owned
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(private) })
	dataDir := filepath.Join(private, "rumbo-data", "pg")
	log := newLog(t)
	s := mustStart(t, Config{DataDir: dataDir, Logf: log.logf})
	target := s.DataDir()
	t.Cleanup(func() {
		os.RemoveAll(target)
		if !relocRootExisted {
			os.Remove(relocRoot) // only if empty
		}
	})

	if want := filepath.Join(relocRoot, "pg-"+shortHash(dataDir)); target != want {
		t.Errorf("DataDir() = %s, want %s", target, want)
	}
	if link, err := os.Readlink(dataDir); err != nil || link != target {
		t.Errorf("DataDir should be a symlink to %s: %q, %v", target, link, err)
	}
	if !log.contains("PostgreSQL data lives in " + target + " (linked from " + dataDir + ") because the postgres user cannot enter " + private) {
		t.Error("relocation was not explained")
	}
	if fi, err := os.Stat(private); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("the private folder's mode was changed: %v %v", fi.Mode(), err)
	}
	db := openDB(t, s)
	if _, err := db.Exec("create table t(x int); insert into t values (7)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}

	// Restart through the existing symlink: same cluster, no initdb.
	log.reset()
	s2 := mustStart(t, Config{DataDir: dataDir, Logf: log.logf})
	if s2.DataDir() != target || log.contains("initialising") {
		t.Errorf("restart did not reuse %s (got %s)", target, s2.DataDir())
	}
	if got := queryString(t, openDB(t, s2), "select x from t"); got != "7" {
		t.Errorf("x = %q", got)
	}

	// An unreachable folder that already holds files is not moved silently.
	full := filepath.Join(private, "other", "pg")
	os.MkdirAll(full, 0o700)
	os.WriteFile(filepath.Join(full, "PG_VERSION"), []byte("15\n"), 0o600)
	_, err = Start(context.Background(), Config{DataDir: full, Fast: true})
	if pe := asError(t, err); !strings.Contains(pe.Msg, "cannot enter "+private) {
		t.Errorf("unexpected message: %s", pe.Msg)
	}
}

func TestLongPathUsesPrivateSocketDir(t *testing.T) {
	root := tempRoot(t)
	dataDir := filepath.Join(root, strings.Repeat("long-folder-name/", 6), "pg")
	s := mustStart(t, Config{DataDir: dataDir, Port: 54329})
	if s.SocketDir() == s.DataDir() || len(s.SocketDir()) > 60 {
		t.Fatalf("SocketDir = %s", s.SocketDir())
	}
	t.Cleanup(func() { os.RemoveAll(s.SocketDir()) })
	fi, err := os.Lstat(s.SocketDir())
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Errorf("socket dir %s: mode %v, %v", s.SocketDir(), fi.Mode(), err)
	}
	if os.Geteuid() == 0 && fi.Sys().(*syscall.Stat_t).Uid == 0 {
		t.Error("socket dir should belong to the postgres user")
	}
	if _, err := os.Stat(filepath.Join(s.SocketDir(), ".s.PGSQL.54329")); err != nil {
		t.Error(err)
	}
	if got := queryString(t, openDB(t, s), "show port"); got != "54329" {
		t.Errorf("port = %q", got)
	}
}

// Pdeathsig fires when the forking *thread* exits. A caller that starts the
// server from a goroutine locked to its thread, which then returns, kills that
// thread; the server must survive that.
func TestServerSurvivesStartingThreadExit(t *testing.T) {
	root := tempRoot(t)
	var s *Server
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		if syscall.Gettid() == syscall.Getpid() {
			err = errors.New("test goroutine runs on the main thread, which never exits")
			return
		}
		s, err = Start(context.Background(), Config{DataDir: filepath.Join(root, "pg"), Fast: true})
	}()
	<-done
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	time.Sleep(300 * time.Millisecond)
	if got := queryString(t, openDB(t, s), "select 1"); got != "1" {
		t.Errorf("select 1 = %q", got)
	}
}

// processGone treats a zombie as gone: an orphan is re-parented to pid 1,
// which in a container may never reap it.
func processGone(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	return len(fields) > 0 && (fields[0] == "Z" || fields[0] == "X")
}

func TestParentExitKillsServer(t *testing.T) {
	root := tempRoot(t)
	dataDir := filepath.Join(root, "pg")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+dataDir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "PID "); ok {
			pid, _ = strconv.Atoi(n)
		} else {
			t.Log("helper:", sc.Text())
		}
	}
	if err := cmd.Wait(); err != nil || pid == 0 {
		t.Fatalf("helper failed: %v (pid %d)", err, pid)
	}
	t.Cleanup(func() { syscall.Kill(-pid, syscall.SIGKILL) }) // in case the test fails

	deadline := time.Now().Add(5 * time.Second)
	for !processGone(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("postmaster %d still running after its parent exited", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Backends notice the postmaster's death by themselves; once they are
	// gone the folder can be started again, through the stale-pid path.
	var s *Server
	for {
		s, err = Start(context.Background(), Config{DataDir: dataDir, Fast: true})
		if err == nil || time.Now().After(deadline) {
			break
		}
		t.Logf("restart not possible yet: %v", err)
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	queryString(t, openDB(t, s), "select 1")
}

func TestStartHonoursContext(t *testing.T) {
	root := tempRoot(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s, err := Start(ctx, Config{DataDir: filepath.Join(root, "pg"), Fast: true})
	if s != nil {
		s.Stop()
	}
	pe := asError(t, err)
	if !errors.Is(pe, context.Canceled) {
		t.Errorf("want context.Canceled inside: %v", pe)
	}
}

// A server that ignores the fast shutdown (here: frozen with SIGSTOP) is
// escalated to SIGKILL, and Stop says so.
func TestStopEscalatesWhenServerHangs(t *testing.T) {
	root := tempRoot(t)
	s := mustStart(t, Config{DataDir: filepath.Join(root, "pg")})
	old := stopTimeout
	stopTimeout = 300 * time.Millisecond
	t.Cleanup(func() { stopTimeout = old })
	if err := syscall.Kill(s.pid(), syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	err := s.Stop()
	if pe := asError(t, err); !strings.Contains(pe.Msg, "forced down") {
		t.Errorf("unexpected message: %s", pe.Msg)
	}
	if !s.proc.exited() {
		t.Fatal("postmaster still running after Stop")
	}
	if err2 := s.Stop(); err2 != err {
		t.Errorf("second Stop = %v, want the same result %v", err2, err)
	}
	if _, err := os.Stat(filepath.Join(s.DataDir(), "PG_VERSION")); err != nil {
		t.Errorf("Stop removed data: %v", err)
	}
}
