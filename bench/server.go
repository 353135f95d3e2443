package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is the rumbo binary under measurement, in its own process so its
// RSS is its own.
type server struct {
	cmd  *exec.Cmd
	base string

	mu   sync.Mutex
	peak int64
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func startServer(ctx context.Context, bin string, env []string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, "serve", "--addr", addr)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, io.Discard, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, base: "http://" + addr}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(s.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	s.stop()
	return nil, fmt.Errorf("rumbo serve did not become healthy at %s", s.base)
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
	}
}

// rss reads the server's resident set size (and records the peak).
func (s *server) rss() int64 {
	v := procStatus(s.cmd.Process.Pid, "VmRSS:")
	s.mu.Lock()
	s.peak = max(s.peak, v)
	s.mu.Unlock()
	return v
}

// peakRSS is the kernel's high-water mark of the server's RSS.
func (s *server) peakRSS() int64 {
	return max(procStatus(s.cmd.Process.Pid, "VmHWM:"), s.peak)
}

func procStatus(pid int, field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// session is a signed-in client: its cookie jar, and the token's hash for
// replaying the request transaction in pgbench.
type session struct {
	cookie    string // the Cookie header to send
	tokenHash string // hex of sha256(token)
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func login(ctx context.Context, base, email string) (*session, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + "/login")
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRe.FindSubmatch(body)
	if m == nil {
		return nil, fmt.Errorf("login page has no CSRF token")
	}
	form := url.Values{"_csrf": {string(m[1])}, "email": {email}, "password": {"rumbo-bench"}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = c.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("login as %s: status %d", email, resp.StatusCode)
	}
	u, _ := url.Parse(base)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "rumbo_session" {
			sum := sha256.Sum256([]byte(ck.Value))
			return &session{cookie: ck.Name + "=" + ck.Value, tokenHash: hex.EncodeToString(sum[:])}, nil
		}
	}
	return nil, fmt.Errorf("login as %s set no session cookie", email)
}
