// Package pgembed runs a private PostgreSQL server from the machine's
// installed server binaries (initdb and postgres). Rumbo uses it for its
// "embedded default" when no DATABASE_URL is given, and test harnesses use it
// to get a throw-away cluster in a second or two.
//
// # Why trust authentication is safe here
//
// The cluster is created with initdb --auth=trust, so any client that reaches
// the server may log in as any role without a password. That is acceptable
// only because nobody but the server's own OS user can reach it:
//
//   - TCP is switched off (listen_addresses is empty): there is no network
//     listener at all, not even on loopback.
//   - The only way in is the unix socket. It lives either in the cluster
//     folder itself (mode 0700, which PostgreSQL enforces at start-up) or in a
//     private directory that Start creates with mode 0700, owned by the server's
//     OS user, and verifies (not a symlink, not owned by anyone else).
//     Connecting to a unix socket needs search permission on its directory, so
//     only that OS user (and root, who can read the files anyway) can connect.
//   - unix_socket_permissions=0700 is a second fence, and Start refuses
//     Settings that would change any of the above.
//
// # Running as root
//
// initdb and postgres refuse to run as root. When the caller is root they run
// as the "postgres" OS user (privileges are dropped in the forked child via
// SysProcAttr.Credential) and the cluster folder is chowned to that user. If
// that user cannot even reach the requested folder (typically a clone under
// /root, mode 0700), the cluster is placed under /var/lib/rumbo and the
// requested path becomes a symlink to it: we never loosen the permissions of
// somebody's home directory behind their back.
//
// # Lifetime
//
// The server is a child of the calling process, in its own process group, so a
// Ctrl-C in the terminal reaches only Rumbo, which then shuts PostgreSQL down
// in order instead of both being hit at once. If the caller dies without
// calling Stop, the kernel sends the server SIGKILL (Pdeathsig), so a crashed
// or killed Rumbo never leaves an orphaned server holding the data folder;
// PostgreSQL recovers from that on the next Start as it would from a power cut.
package pgembed

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/lib/pq" // driver for the readiness check
)

// Knobs that tests override in-package. They are variables rather than
// constants so tests can exercise fallback paths without touching the
// machine's real PostgreSQL installation.
var (
	startTimeout = 30 * time.Second      // wait for the first successful connection
	stopTimeout  = 30 * time.Second      // a fast shutdown may take this long before we escalate
	pollInterval = 50 * time.Millisecond // readiness poll period
	relocRoot    = "/var/lib/rumbo"      // home of clusters the postgres user cannot reach in place
	serverOSUser = "postgres"            // OS user that owns the cluster when we run as root
	maxLogSize   = int64(16 << 20)       // postgres.log is rotated to postgres.log.old beyond this
)

// Config describes one private cluster. Only DataDir is required.
type Config struct {
	DataDir  string                           // cluster folder, e.g. "./rumbo-data/pg"; created if missing (parent dirs too)
	BinDir   string                           // optional; FindBinDir() when empty
	Port     int                              // default 5432; only names the unix socket file (.s.PGSQL.<port>), TCP is off
	Fast     bool                             // tests: initdb --no-sync, and fsync/synchronous_commit/full_page_writes off
	Settings map[string]string                // extra -c name=value server settings (e.g. max_connections)
	Logf     func(format string, args ...any) // progress lines; nil = silent
}

// Error is returned for every failure a user can cause or fix. Msg is a
// single line saying what happened and what to do about it, fit to print as
// is; Err keeps the underlying cause for errors.Is / errors.As.
type Error struct {
	Msg string
	Err error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// errorf builds an *Error, forcing the message onto one line: some of the text
// we quote comes from initdb or the server log and may contain newlines.
func errorf(cause error, format string, args ...any) *Error {
	return &Error{Msg: oneLine(fmt.Sprintf(format, args...)), Err: cause}
}

// Server is a running private PostgreSQL server. Create it with Start and
// always Stop it; Stop is idempotent and safe on a nil *Server.
type Server struct {
	dataDir   string // real cluster folder (symlinks resolved)
	socketDir string
	port      int
	logPath   string
	proc      *proc

	stopOnce sync.Once
	stopErr  error
}

// SocketDir is the directory holding the server's unix socket (the libpq "host").
func (s *Server) SocketDir() string { return s.socketDir }

// Port names the socket file (.s.PGSQL.<port>); nothing listens on TCP.
func (s *Server) Port() int { return s.port }

// DataDir is the real cluster folder, which differs from Config.DataDir when
// the cluster had to be relocated (see the package comment) or DataDir was a
// symlink.
func (s *Server) DataDir() string { return s.dataDir }

// LogPath is the file receiving the server's stdout and stderr.
func (s *Server) LogPath() string { return s.logPath }

// DSN returns a lib/pq key=value connection string for the superuser over the
// unix socket. No password is needed: see the package comment for why trust
// authentication is safe here.
func (s *Server) DSN(dbname string) string {
	return fmt.Sprintf("host=%s port=%d user=postgres dbname=%s sslmode=disable",
		dsnQuote(s.socketDir), s.port, dsnQuote(dbname))
}

// pid is the postmaster's process id (tests kill it to simulate a crash).
func (s *Server) pid() int {
	if s == nil || s.proc == nil {
		return 0
	}
	return s.proc.pid
}

// Stop asks the server for a fast shutdown (SIGINT: roll back open
// transactions, checkpoint, exit), waits up to 30 s, then escalates to an
// immediate shutdown (SIGQUIT) and finally SIGKILL for the whole process
// group. It removes nothing but the process. It is idempotent and safe to call
// on a nil *Server or after the server died on its own.
func (s *Server) Stop() error {
	if s == nil || s.proc == nil {
		return nil
	}
	s.stopOnce.Do(func() {
		s.stopErr = s.proc.stop(stopTimeout)
		if s.stopErr != nil {
			s.stopErr = errorf(s.stopErr, "PostgreSQL in %s did not finish a fast shutdown within the time limit and was forced down (see %s)", s.dataDir, s.logPath)
		}
	})
	return s.stopErr
}

// Start prepares the cluster folder (creating, relocating and initialising it
// as needed), starts the server and returns once it accepts connections.
// The server's output is appended to <cluster>/postgres.log. ctx bounds the
// start-up only; cancelling it later has no effect on a running server (use
// Stop). On failure nothing is left running and the error is an *Error.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	logf := cfg.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if strings.TrimSpace(cfg.DataDir) == "" {
		return nil, errorf(nil, "no PostgreSQL data directory given: set Config.DataDir")
	}
	port := cfg.Port
	if port == 0 {
		port = 5432
	}
	if port < 1 || port > 65535 {
		return nil, errorf(nil, "invalid PostgreSQL port %d: use a number between 1 and 65535", port)
	}
	settings, err := serverSettings(cfg)
	if err != nil {
		return nil, err
	}

	binDir := cfg.BinDir
	if binDir == "" {
		if binDir, err = FindBinDir(); err != nil {
			return nil, err
		}
	} else if !hasServerBinaries(binDir) {
		return nil, errorf(nil, "PostgreSQL server binaries not found in %s (need initdb and postgres): %s, or fix the bin directory setting", binDir, installHint)
	}
	// Absolute, because exec resolves a relative program path against
	// cmd.Dir (the cluster folder), not our working directory.
	if binDir, err = filepath.Abs(binDir); err != nil {
		return nil, errorf(err, "invalid PostgreSQL bin directory %s: %v", cfg.BinDir, err)
	}

	u, err := serverUser()
	if err != nil {
		return nil, err
	}

	absDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, errorf(err, "cannot write data directory %s: %s", cfg.DataDir, errText(err))
	}
	realDir, err := prepareDataDir(absDir, u, logf)
	if err != nil {
		return nil, err
	}
	socketDir, err := chooseSocketDir(absDir, realDir, port)
	if err != nil {
		return nil, err
	}
	if err := checkNotRunning(realDir, socketDir, port, logf); err != nil {
		return nil, err
	}

	initialised := fileExists(filepath.Join(realDir, "PG_VERSION"))
	if !initialised {
		if err := checkEmptyForInitdb(realDir); err != nil {
			return nil, err
		}
	}
	if u.cred != nil {
		if err := chownTree(realDir, u); err != nil {
			return nil, errorf(err, "cannot write data directory %s: %s", realDir, errText(err))
		}
	}
	if !initialised {
		if err := runInitdb(ctx, binDir, realDir, cfg.Fast, u, logf); err != nil {
			return nil, err
		}
	}
	if socketDir != realDir {
		if err := ensureSocketDir(socketDir, u); err != nil {
			return nil, err
		}
	}

	s := &Server{dataDir: realDir, socketDir: socketDir, port: port, logPath: filepath.Join(realDir, "postgres.log")}
	logFile, offset, err := openServerLog(s.logPath, u)
	if err != nil {
		return nil, err
	}
	args := []string{"-D", realDir, "-k", socketDir, "-p", strconv.Itoa(port)}
	for _, kv := range settings {
		args = append(args, "-c", kv)
	}
	cmd := newCommand(filepath.Join(binDir, "postgres"), args, realDir, u)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	logf("starting PostgreSQL in %s (socket %s, log %s)", realDir, filepath.Join(socketDir, socketName(port)), s.logPath)
	p, err := spawn(cmd)
	logFile.Close() // the child has its own copy of the descriptor
	if err != nil {
		return nil, runError(cmd.Path, u, err)
	}
	s.proc = p

	if err := s.waitReady(ctx, offset); err != nil {
		s.Stop()
		return nil, err
	}
	logf("PostgreSQL is ready (pid %d)", p.pid)
	return s, nil
}

// waitReady polls with a real connection rather than watching for the socket
// file: the socket appears before the server has finished recovery and
// accepts logins, and a login is what the caller needs next.
func (s *Server) waitReady(ctx context.Context, logOffset int64) error {
	db, err := sql.Open("postgres", s.DSN("postgres"))
	if err != nil {
		return errorf(err, "cannot check PostgreSQL readiness: %v", err)
	}
	defer db.Close()
	deadline := time.Now().Add(startTimeout)
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := db.PingContext(pctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-s.proc.done:
			return errorf(s.proc.err, "PostgreSQL did not start (see %s): %s", s.logPath, logTail(s.logPath, logOffset))
		case <-ctx.Done():
			return errorf(ctx.Err(), "PostgreSQL start-up in %s was cancelled: %v", s.dataDir, ctx.Err())
		case <-time.After(pollInterval):
		}
		if time.Now().After(deadline) {
			return errorf(err, "PostgreSQL did not accept connections within %s (see %s): %s; last connection error: %v",
				startTimeout, s.logPath, logTail(s.logPath, logOffset), err)
		}
	}
}

// reservedSettings would undo the isolation that makes trust authentication
// safe, or conflict with what Start passes itself.
var reservedSettings = map[string]bool{
	"listen_addresses": true, "unix_socket_directories": true, "unix_socket_permissions": true,
	"unix_socket_group": true, "port": true, "data_directory": true, "hba_file": true,
}

func serverSettings(cfg Config) ([]string, error) {
	out := []string{"listen_addresses=", "unix_socket_permissions=0700"}
	if cfg.Fast {
		out = append(out, "fsync=off", "synchronous_commit=off", "full_page_writes=off")
	}
	keys := make([]string, 0, len(cfg.Settings))
	for k := range cfg.Settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := strings.ToLower(strings.TrimSpace(k))
		if name == "" || strings.ContainsAny(name, "= \t\n") {
			return nil, errorf(nil, "invalid PostgreSQL setting name %q", k)
		}
		if reservedSettings[name] {
			return nil, errorf(nil, "PostgreSQL setting %s cannot be changed: the embedded server must stay on its private unix socket (use Config.Port for the socket name)", name)
		}
		out = append(out, name+"="+cfg.Settings[k])
	}
	return out, nil
}

// runInitdb creates the cluster. --auth=trust is safe for the reasons in the
// package comment; -U postgres makes the superuser name predictable whatever
// OS user runs the server, so DSN can hard-code it.
func runInitdb(ctx context.Context, binDir, dir string, fast bool, u *osUser, logf func(string, ...any)) error {
	logf("initialising PostgreSQL cluster in %s", dir)
	started := time.Now()
	args := []string{"-D", dir, "-U", "postgres", "--encoding=UTF8", "--locale=C.UTF-8", "--auth=trust"}
	if fast {
		args = append(args, "--no-sync")
	}
	cmd := newCommand(filepath.Join(binDir, "initdb"), args, dir, u)
	var out strings.Builder
	cmd.Stdout = &out
	cmd.Stderr = &out
	p, err := spawn(cmd)
	if err != nil {
		return runError(cmd.Path, u, err)
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		p.kill()
		<-p.done
		return errorf(ctx.Err(), "initdb in %s was cancelled: %v", dir, ctx.Err())
	}
	if p.err != nil {
		return errorf(p.err, "initdb failed in %s: %s", dir, initdbMessage(out.String(), p.err))
	}
	logf("PostgreSQL cluster initialised in %s (%.1fs)", dir, time.Since(started).Seconds())
	return nil
}

// runError explains a failed exec; as root the usual cause is that the
// postgres OS user may not execute a binary kept somewhere private.
func runError(path string, u *osUser, err error) error {
	if u.cred != nil {
		return errorf(err, "cannot run %s as the %s OS user: %s", path, u.name, errText(err))
	}
	return errorf(err, "cannot run %s: %s", path, errText(err))
}

// initdbMessage picks the line of initdb's output that explains the failure:
// the first "error:" line if there is one (initdb follows it with hints and
// clean-up chatter), otherwise the last non-empty line.
func initdbMessage(out string, err error) string {
	var last string
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		l := strings.ToLower(line)
		if strings.Contains(l, "error:") || strings.Contains(l, "fatal:") || strings.Contains(l, "panic:") {
			return line
		}
		last = line
	}
	if last == "" {
		return err.Error()
	}
	return last
}

// checkEmptyForInitdb gives a clearer message than initdb's own when the
// folder holds something that is not a cluster: pointing Rumbo at the wrong
// folder is a likely mistake and initdb would not touch it anyway.
func checkEmptyForInitdb(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return errorf(err, "cannot read data directory %s: %s", dir, errText(err))
	}
	defer f.Close()
	names, err := f.Readdirnames(1)
	if err != nil && !errors.Is(err, io.EOF) {
		return errorf(err, "cannot read data directory %s: %s", dir, errText(err))
	}
	if len(names) > 0 {
		return errorf(nil, "data directory %s is not empty and holds no PostgreSQL cluster (no PG_VERSION): point the data directory at an empty or missing folder, or empty this one", dir)
	}
	return nil
}

// openServerLog opens the server log for appending. The parent opens it and
// hands the descriptor to the child, so the server user only needs to own it
// for tools that reopen it by name; we chown it anyway for consistency.
func openServerLog(path string, u *osUser) (*os.File, int64, error) {
	if fi, err := os.Stat(path); err == nil && fi.Size() > maxLogSize {
		_ = os.Rename(path, path+".old")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, 0, errorf(err, "cannot write PostgreSQL log %s: %s", path, errText(err))
	}
	if u.cred != nil {
		if err := f.Chown(u.uid, u.gid); err != nil {
			f.Close()
			return nil, 0, errorf(err, "cannot write PostgreSQL log %s: %s", path, errText(err))
		}
	}
	fmt.Fprintf(f, "---- pgembed: starting postgres at %s ----\n", time.Now().Format(time.RFC3339))
	off, _ := f.Seek(0, io.SeekEnd)
	return f, off, nil
}

// logPrefix matches the default log_line_prefix ("%m [%p] ").
var logPrefix = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \S+ \[\d+\] `)

// logTail condenses what the server wrote during this start attempt into one
// line: the FATAL/PANIC/ERROR lines if any (those say why), else the last few.
func logTail(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return "no log output"
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size()-offset > 64<<10 {
		offset = fi.Size() - 64<<10
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return "no log output"
	}
	data, _ := io.ReadAll(f)
	var all, important []string
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(logPrefix.ReplaceAllString(line, ""))
		if line == "" {
			continue
		}
		all = append(all, line)
		if strings.HasPrefix(line, "FATAL:") || strings.HasPrefix(line, "PANIC:") || strings.HasPrefix(line, "ERROR:") ||
			strings.HasPrefix(line, "HINT:") || strings.HasPrefix(line, "DETAIL:") {
			important = append(important, line)
		}
	}
	pick := important
	if len(pick) == 0 {
		pick = all
	}
	if len(pick) > 3 {
		pick = pick[len(pick)-3:]
	}
	if len(pick) == 0 {
		return "no log output"
	}
	msg := strings.Join(pick, " | ")
	if len(msg) > 500 {
		msg = msg[:500] + "..."
	}
	return msg
}

// dsnQuote quotes a value for a libpq key=value connection string when needed
// (a data folder path may contain spaces).
func dsnQuote(v string) string {
	if v != "" && !strings.ContainsAny(v, " '\\\t\n") {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

func socketName(port int) string { return ".s.PGSQL." + strconv.Itoa(port) }

// shortHash names per-cluster folders (relocated cluster, socket directory)
// deterministically, so the same DataDir maps to the same place on every run.
func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:12]
}

var spaceRun = regexp.MustCompile(`\s+`)

func oneLine(s string) string {
	return strings.TrimSpace(spaceRun.ReplaceAllString(s, " "))
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
