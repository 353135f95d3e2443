package pgembed

import (
	"os"
	"os/exec"
	"os/user"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// osUser is the OS identity initdb and postgres run as.
type osUser struct {
	name   string
	uid    int
	gid    int
	groups []int               // primary and supplementary gids, for permission checks
	cred   *syscall.Credential // nil: run as ourselves (not root)
}

// serverUser decides who runs the server. PostgreSQL refuses to run as root
// (a compromised server must not own the machine), so root hands the cluster
// to the conventional "postgres" account that the distribution package
// creates. Anyone else runs it as themselves.
func serverUser() (*osUser, error) {
	if os.Geteuid() != 0 {
		u := &osUser{uid: os.Geteuid(), gid: os.Getegid()}
		u.groups = append([]int{u.gid}, supplementaryGroups()...)
		if cur, err := user.Current(); err == nil {
			u.name = cur.Username
		}
		return u, nil
	}
	pu, err := user.Lookup(serverOSUser)
	if err != nil {
		return nil, errorf(err, "running as root needs the '%s' OS user to own the PostgreSQL cluster: install the postgresql package or run as a normal user", serverOSUser)
	}
	uid, err1 := strconv.Atoi(pu.Uid)
	gid, err2 := strconv.Atoi(pu.Gid)
	if err1 != nil || err2 != nil || uid == 0 {
		return nil, errorf(nil, "the '%s' OS user has unusable ids (uid %s, gid %s): it must be an ordinary, non-root account", serverOSUser, pu.Uid, pu.Gid)
	}
	u := &osUser{name: pu.Username, uid: uid, gid: gid, groups: []int{gid}}
	var extra []uint32
	if ids, err := pu.GroupIds(); err == nil {
		for _, s := range ids {
			if g, err := strconv.Atoi(s); err == nil && g != gid {
				u.groups = append(u.groups, g)
				extra = append(extra, uint32(g))
			}
		}
	}
	// Groups is set explicitly (possibly empty) so root's own supplementary
	// groups are dropped along with its uid.
	u.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: extra}
	return u, nil
}

func supplementaryGroups() []int {
	g, _ := os.Getgroups()
	return g
}

// newCommand prepares initdb/postgres with the attributes every child needs:
//   - Setpgid: its own process group, so terminal signals reach only us and
//     Stop can kill the server and all its backends at once.
//   - Pdeathsig SIGKILL: the server dies with its parent (see spawn).
//   - Credential: drop root privileges when we are root.
//   - Dir: a folder the server user can enter (the cluster folder, which it
//     owns); inheriting root's working directory, e.g. under /root, would make
//     it fail on its first getcwd.
func newCommand(path string, args []string, dir string, u *osUser) *exec.Cmd {
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	cmd.Env = childEnv(u)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:    true,
		Pdeathsig:  syscall.SIGKILL,
		Credential: u.cred,
	}
	return cmd
}

// childEnv drops PG* variables (PGDATA, PGPORT, ...) that could make the
// server or initdb disagree with the flags we pass, and fixes HOME/USER when
// running as another user so nothing tries to write into root's home.
func childEnv(u *osUser) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") {
			continue
		}
		if u.cred != nil && (strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "USER=") || strings.HasPrefix(kv, "LOGNAME=")) {
			continue
		}
		env = append(env, kv)
	}
	if u.cred != nil {
		home := "/"
		if pu, err := user.LookupId(strconv.Itoa(u.uid)); err == nil && pu.HomeDir != "" {
			home = pu.HomeDir
		}
		env = append(env, "HOME="+home, "USER="+u.name, "LOGNAME="+u.name)
	}
	return env
}

// proc is a started child process and the goroutine that owns it.
type proc struct {
	cmd  *exec.Cmd
	pid  int
	done chan struct{} // closed once the process has exited and been reaped
	err  error         // Wait's result; read only after done is closed
}

// spawn starts cmd from a goroutine locked to its OS thread, and keeps that
// goroutine (and so the thread) alive until the child exits.
//
// Why: Linux delivers Pdeathsig when the *thread* that forked the child
// exits, not when the process does. The Go runtime may run Start on any
// thread, and a thread does exit when a goroutine that called
// runtime.LockOSThread returns without unlocking (common in code that talks
// to C libraries or namespaces). Had we forked from such a thread, the server
// would be SIGKILLed at a random moment. A dedicated locked thread that lives
// exactly as long as the child gives Pdeathsig the intended meaning: the server
// dies when our process dies (os.Exit, crash, kill -9), and at no other time.
// When the child exits the goroutine returns still locked, so the runtime
// discards that thread instead of reusing it; that costs one thread per
// server, which is nothing.
func spawn(cmd *exec.Cmd) (*proc, error) {
	p := &proc{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		p.pid = cmd.Process.Pid
		started <- nil
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

// stop shuts the server down, escalating from a fast shutdown to SIGKILL.
// It returns a non-nil error only if escalation was needed.
func (p *proc) stop(timeout time.Duration) error {
	if p.exited() {
		return nil
	}
	// os.Process.Signal uses a pidfd, so it cannot hit a recycled pid.
	_ = p.cmd.Process.Signal(syscall.SIGINT) // fast shutdown
	if p.waitFor(timeout) {
		return nil
	}
	grace := min(5*time.Second, timeout)
	_ = p.cmd.Process.Signal(syscall.SIGQUIT) // immediate shutdown
	if p.waitFor(grace) {
		return errStopTimeout
	}
	p.kill()
	p.waitFor(grace)
	return errStopTimeout
}

var errStopTimeout = &Error{Msg: "PostgreSQL did not shut down in time and was forced down"}

// kill SIGKILLs the child's whole process group (postmaster and backends).
func (p *proc) kill() {
	_ = syscall.Kill(-p.pid, syscall.SIGKILL)
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *proc) waitFor(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.done:
		return true
	case <-t.C:
		return false
	}
}
