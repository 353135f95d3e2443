package pgembed

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// prepareDataDir turns the requested DataDir (absolute) into the real cluster
// folder: created if missing, owned by the server user, relocated when the
// server user could not reach it. It returns the real path (symlinks
// resolved), which is what we hand to postgres so its view and ours agree.
func prepareDataDir(absDir string, u *osUser, logf func(string, ...any)) (string, error) {
	cannotWrite := func(path string, err error) error {
		return errorf(err, "cannot write data directory %s: %s", path, errText(err))
	}
	realDir, err := resolvePath(absDir, 0)
	if err != nil {
		return "", cannotWrite(absDir, err)
	}

	if u.cred != nil {
		blocker, err := firstUnreachable(realDir, u)
		if err != nil {
			return "", cannotWrite(absDir, err)
		}
		if blocker != "" {
			return relocate(absDir, realDir, blocker, u, logf)
		}
	}

	if err := mkdirAllMode(realDir, 0o700); err != nil {
		return "", cannotWrite(realDir, err)
	}
	fi, err := os.Stat(realDir)
	if err != nil {
		return "", cannotWrite(realDir, err)
	}
	if !fi.IsDir() {
		return "", cannotWrite(realDir, syscall.ENOTDIR)
	}
	// access(2) answers for the real uid, which is us; for root it still
	// reports a read-only file system (EROFS). As root the server user's own
	// access is ensured by the chown that follows.
	if err := syscall.Access(realDir, 0x2|0x1 /* W_OK|X_OK */); err != nil {
		return "", cannotWrite(realDir, err)
	}
	if realDir != absDir {
		if fi, err := os.Lstat(absDir); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			logf("PostgreSQL data lives in %s (linked from %s)", realDir, absDir)
		}
	}
	return realDir, nil
}

// relocate places the cluster under relocRoot and makes absDir a symlink to
// it. This is for root running Rumbo from a folder the postgres user cannot
// enter (a clone under /root): the alternative, chmod-ing the user's home, is
// not ours to do.
func relocate(absDir, realDir, blocker string, u *osUser, logf func(string, ...any)) (string, error) {
	reloc := filepath.Join(relocRoot, "pg-"+shortHash(absDir))
	explain := func(what string) error {
		return errorf(nil, "data directory %s %s, but the postgres OS user cannot enter %s: move it to a folder that user can reach (e.g. under %s), or make %s searchable with chmod o+x",
			absDir, what, blocker, relocRoot, blocker)
	}

	fi, err := os.Lstat(absDir)
	switch {
	case err == nil && fi.Mode()&os.ModeSymlink != 0:
		// A symlink to somewhere unreachable that is not our own relocation.
		return "", explain("is a symlink to " + realDir)
	case err == nil && fi.IsDir():
		empty, err := isEmptyDir(absDir)
		if err != nil {
			return "", errorf(err, "cannot read data directory %s: %s", absDir, errText(err))
		}
		if !empty {
			return "", explain("already holds files")
		}
		if err := os.Remove(absDir); err != nil {
			return "", errorf(err, "cannot write data directory %s: %s", absDir, errText(err))
		}
	case err == nil:
		return "", errorf(nil, "cannot write data directory %s: it exists and is not a directory", absDir)
	case !errors.Is(err, fs.ErrNotExist):
		return "", errorf(err, "cannot write data directory %s: %s", absDir, errText(err))
	}

	if b, err := firstUnreachable(reloc, u); err != nil || b != "" {
		return "", errorf(err, "cannot place PostgreSQL data in %s: the postgres OS user cannot enter %s (and not %s either); make one of them searchable with chmod o+x", reloc, blocker, b)
	}
	if err := mkdirAllMode(reloc, 0o700); err != nil {
		return "", errorf(err, "cannot write data directory %s: %s", reloc, errText(err))
	}
	if err := os.Chown(reloc, u.uid, u.gid); err != nil {
		return "", errorf(err, "cannot write data directory %s: %s", reloc, errText(err))
	}
	if err := mkdirAllMode(filepath.Dir(absDir), 0o755); err != nil {
		return "", errorf(err, "cannot write data directory %s: %s", absDir, errText(err))
	}
	if err := os.Symlink(reloc, absDir); err != nil {
		return "", errorf(err, "cannot link data directory %s to %s: %s", absDir, reloc, errText(err))
	}
	logf("PostgreSQL data lives in %s (linked from %s) because the postgres user cannot enter %s", reloc, absDir, blocker)
	return reloc, nil
}

// resolvePath resolves symlinks in the longest existing prefix of p and
// appends the rest. Unlike filepath.EvalSymlinks it works for paths that do
// not exist yet, and it follows a dangling symlink to the place it names
// (so a relocated cluster whose folder was deleted is re-created there).
func resolvePath(p string, depth int) (string, error) {
	if depth > 40 {
		return "", syscall.ELOOP
	}
	var rest []string
	cur := p
	for {
		fi, err := os.Lstat(cur)
		if err == nil {
			var base string
			if fi.Mode()&os.ModeSymlink != 0 {
				target, err := os.Readlink(cur)
				if err != nil {
					return "", err
				}
				if !filepath.IsAbs(target) {
					target = filepath.Join(filepath.Dir(cur), target)
				}
				if base, err = resolvePath(target, depth+1); err != nil {
					return "", err
				}
			} else if base, err = filepath.EvalSymlinks(cur); err != nil {
				return "", err
			}
			return filepath.Join(append([]string{base}, rest...)...), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err // ENOTDIR (a file on the way), EACCES, ...
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return p, nil
		}
		rest = append([]string{filepath.Base(cur)}, rest...)
		cur = parent
	}
}

// firstUnreachable returns the first existing strict ancestor of path (a path
// with symlinks already resolved) that u lacks search permission on, or "".
// It reads the permission bits instead of trying as that user, because trying
// would need a helper process running as that user. POSIX ACLs are not
// consulted; the classic owner/group/other bits decide. Missing ancestors
// are fine: we create them 0755. An ancestor that is not a directory is left
// for mkdir to report.
func firstUnreachable(path string, u *osUser) (string, error) {
	var chain []string
	for d := filepath.Dir(path); ; d = filepath.Dir(d) {
		chain = append([]string{d}, chain...)
		if d == filepath.Dir(d) {
			break
		}
	}
	for _, d := range chain {
		fi, err := os.Stat(d)
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		if !fi.IsDir() {
			return "", nil
		}
		if !canSearch(fi, u) {
			return d, nil
		}
	}
	return "", nil
}

// canSearch applies the kernel's rule: the owner bits alone decide for the
// owner, the group bits alone for group members, the other bits for the rest.
func canSearch(fi os.FileInfo, u *osUser) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	mode := uint32(fi.Mode().Perm())
	switch {
	case int(st.Uid) == u.uid:
		return mode&0o100 != 0
	case u.inGroup(int(st.Gid)):
		return mode&0o010 != 0
	default:
		return mode&0o001 != 0
	}
}

func (u *osUser) inGroup(gid int) bool {
	for _, g := range u.groups {
		if g == gid {
			return true
		}
	}
	return false
}

// mkdirAllMode is os.MkdirAll that sets modes explicitly, so a restrictive
// umask (077 is common for root) cannot leave new parents unsearchable for
// the server user: the leaf gets leafMode, new parents 0755. Existing
// folders are left as they are.
func mkdirAllMode(path string, leafMode os.FileMode) error {
	var missing []string
	for d := path; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		missing = append(missing, d)
		if d == filepath.Dir(d) {
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		d, mode := missing[i], os.FileMode(0o755)
		if i == 0 {
			mode = leafMode
		}
		if err := os.Mkdir(d, mode); err != nil {
			if errors.Is(err, fs.ErrExist) {
				continue // created concurrently
			}
			return err
		}
		if err := os.Chmod(d, mode); err != nil {
			return err
		}
	}
	return nil
}

// chownTree hands the cluster to the server user. Only the top folder is
// checked first so that the common case (already ours) costs one stat rather
// than a walk over thousands of relation files.
func chownTree(root string, u *osUser) error {
	fi, err := os.Lstat(root)
	if err != nil {
		return err
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) == u.uid && int(st.Gid) == u.gid {
		return nil
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, u.uid, u.gid)
	})
}

// maxSocketPath is sizeof(sockaddr_un.sun_path) minus the terminating NUL.
const maxSocketPath = 107

// chooseSocketDir keeps the socket inside the cluster folder when the path
// fits in a unix socket address, because that folder is already private
// (0700) and needs no extra management. Otherwise a short private folder in
// the temp directory, named after the DataDir so every run uses the same one.
func chooseSocketDir(absDir, realDir string, port int) (string, error) {
	name := "/" + socketName(port)
	if len(realDir)+len(name) <= maxSocketPath {
		return realDir, nil
	}
	for _, tmp := range []string{os.TempDir(), "/tmp"} {
		dir := filepath.Join(tmp, "rumbo-pg-"+shortHash(absDir))
		if len(dir)+len(name) <= maxSocketPath {
			return dir, nil
		}
	}
	return "", errorf(nil, "cannot place the PostgreSQL socket: the data directory path %s and the temp directory are both too long for a unix socket (max %d bytes); use a shorter path", realDir, maxSocketPath)
}

// ensureSocketDir creates or validates the private socket folder. It lives in
// a world-writable temp directory, so we must not trust a folder someone else
// created there: the socket's privacy is what makes trust authentication safe.
func ensureSocketDir(dir string, u *osUser) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return errorf(err, "cannot create PostgreSQL socket directory %s: %s", dir, errText(err))
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return errorf(err, "cannot create PostgreSQL socket directory %s: %s", dir, errText(err))
	}
	st, _ := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || st == nil {
		return errorf(nil, "PostgreSQL socket directory %s exists but is not a directory: remove it", dir)
	}
	owner := int(st.Uid)
	if owner != u.uid && owner != os.Geteuid() {
		return errorf(nil, "PostgreSQL socket directory %s belongs to another user (uid %d): remove it", dir, owner)
	}
	if owner != u.uid {
		if err := os.Lchown(dir, u.uid, u.gid); err != nil {
			return errorf(err, "cannot hand PostgreSQL socket directory %s to user %s: %s", dir, u.name, errText(err))
		}
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return errorf(err, "cannot protect PostgreSQL socket directory %s: %s", dir, errText(err))
	}
	return nil
}

// checkNotRunning deals with a postmaster.pid left in the cluster folder.
// PostgreSQL itself ignores a lock file whose pid is dead, but not one whose
// pid was recycled by an unrelated process (after a reboot or in a container
// where low pids come back quickly): it then refuses to start. So we decide
// ourselves: if the pid is a live postgres serving this very folder, that is
// a real second server and we refuse; anything else is stale and removed.
func checkNotRunning(realDir, socketDir string, port int, logf func(string, ...any)) error {
	pidFile := filepath.Join(realDir, "postmaster.pid")
	pid, owner, ok := readLockFile(pidFile)
	if !ok {
		return nil
	}
	if pid > 0 && isPostmasterOf(pid, realDir, owner) {
		return errorf(nil, "another PostgreSQL server is already running on %s (pid %d): stop it first, or use another data directory", realDir, pid)
	}
	if err := os.Remove(pidFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return errorf(err, "cannot remove stale %s: %s", pidFile, errText(err))
	}
	sockLock := filepath.Join(socketDir, socketName(port)+".lock")
	if lpid, lowner, ok := readLockFile(sockLock); ok && !(lpid > 0 && isPostmasterOf(lpid, realDir, lowner)) {
		_ = os.Remove(sockLock)
	}
	logf("removed stale %s (pid %d is not a PostgreSQL server for this folder; it probably crashed or was killed)", pidFile, pid)
	return nil
}

// readLockFile parses a PostgreSQL lock file: pid on line 1 (negative for a
// single-user backend), data directory on line 2.
func readLockFile(path string) (pid int, dataDir string, ok bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, "", false
	}
	lines := strings.SplitN(string(data), "\n", 3)
	pid, err = strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil {
		pid = 0
	}
	if pid < 0 {
		pid = -pid
	}
	if len(lines) > 1 {
		dataDir = strings.TrimSpace(lines[1])
	}
	return pid, dataDir, true
}

// isPostmasterOf reports whether pid is a live postgres process serving dir.
// A postmaster chdirs into its data directory, so /proc/<pid>/cwd is the best
// evidence; when we may not read it (another user's process and we are not
// root) the -D argument on its command line decides.
func isPostmasterOf(pid int, dir, lockDir string) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false // no such process
	}
	proc := "/proc/" + strconv.Itoa(pid)
	cmdline, err := os.ReadFile(proc + "/cmdline")
	if err != nil || len(cmdline) == 0 {
		return false // gone, or a zombie
	}
	args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	name := filepath.Base(args[0])
	isPG := name == "postgres" || name == "postmaster" || strings.HasPrefix(args[0], "postgres:")
	if exe, err := os.Readlink(proc + "/exe"); err == nil {
		isPG = isPG || filepath.Base(exe) == "postgres"
	}
	if !isPG {
		return false
	}
	want := canonical(dir)
	if cwd, err := os.Readlink(proc + "/cwd"); err == nil {
		return canonical(cwd) == want
	}
	for i, a := range args {
		var d string
		switch {
		case a == "-D" && i+1 < len(args):
			d = args[i+1]
		case strings.HasPrefix(a, "-D") && len(a) > 2:
			d = a[2:]
		default:
			continue
		}
		return canonical(d) == want
	}
	// No readable cwd and no -D (PGDATA from the environment): the lock
	// file's own record of its folder is the last resort, and it was
	// written by that very postmaster.
	return lockDir != "" && canonical(lockDir) == want
}

func canonical(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return filepath.Clean(p)
}

func isEmptyDir(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	return len(entries) == 0, nil
}

// errText gives the short OS reason ("permission denied", "not a
// directory", "read-only file system") without Go's "op path:" prefixes,
// which would repeat the path our message already names.
func errText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}
