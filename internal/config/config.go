// Package config reads Rumbo's configuration from the environment and the
// command line (flags win over the environment). DESIGN.md's
// "Command line and configuration" section is the contract.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Config is everything a command needs.
type Config struct {
	Addr           string
	DataDir        string
	DatabaseURL    string // empty: the embedded PostgreSQL under DataDir/pg
	SecretText     string // RUMBO_SECRET; empty: generated and kept in DataDir
	BaseURL        string
	SMTPURL        string
	SessionIdle    time.Duration
	SessionMax     time.Duration
	TrustedProxies []string
	Demo           bool
	Profile        string // seed --profile
}

// Env is how Load reads the environment (os.Getenv in production).
type Env func(string) string

// Load parses args (after the subcommand) over the environment. The flag
// set depends on the command: serve takes --addr, --data-dir and --demo;
// seed takes --profile; every command takes --data-dir.
func Load(command string, args []string, env Env, stderr io.Writer) (Config, error) {
	c := Config{
		Addr:        or(env("RUMBO_ADDR"), "127.0.0.1:8080"),
		DataDir:     or(env("RUMBO_DATA_DIR"), "./rumbo-data"),
		DatabaseURL: env("DATABASE_URL"),
		SecretText:  env("RUMBO_SECRET"),
		BaseURL:     strings.TrimRight(env("RUMBO_BASE_URL"), "/"),
		SMTPURL:     env("RUMBO_SMTP_URL"),
		Profile:     "small",
	}
	var err error
	if c.SessionIdle, err = duration(env, "RUMBO_SESSION_IDLE", 8*time.Hour); err != nil {
		return c, err
	}
	if c.SessionMax, err = duration(env, "RUMBO_SESSION_MAX", 168*time.Hour); err != nil {
		return c, err
	}
	if p := strings.TrimSpace(env("RUMBO_TRUSTED_PROXIES")); p != "" {
		for _, a := range strings.Split(p, ",") {
			a = strings.TrimSpace(a)
			if net.ParseIP(a) == nil {
				if _, _, err := net.ParseCIDR(a); err != nil {
					return c, fmt.Errorf("RUMBO_TRUSTED_PROXIES: %q is neither an IP address nor a CIDR range", a)
				}
			}
			c.TrustedProxies = append(c.TrustedProxies, a)
		}
	}

	fs := flag.NewFlagSet("rumbo "+command, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "folder for the embedded PostgreSQL and the generated secret (RUMBO_DATA_DIR)")
	switch command {
	case "serve":
		fs.StringVar(&c.Addr, "addr", c.Addr, "address to listen on (RUMBO_ADDR)")
		fs.BoolVar(&c.Demo, "demo", false, "load the demo organisations when the database has none")
	case "seed":
		fs.StringVar(&c.Profile, "profile", c.Profile, "synthetic data profile: small or large")
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("rumbo %s: unexpected argument %q", command, fs.Arg(0))
	}
	if c.SessionIdle > c.SessionMax {
		return c, errors.New("RUMBO_SESSION_IDLE must not be longer than RUMBO_SESSION_MAX")
	}
	if command == "seed" && c.Profile != "small" && c.Profile != "large" {
		return c, fmt.Errorf("rumbo seed: --profile must be small or large, not %q", c.Profile)
	}
	abs, err := filepath.Abs(c.DataDir)
	if err != nil {
		return c, fmt.Errorf("data dir %s: %v", c.DataDir, err)
	}
	c.DataDir = abs
	return c, nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func duration(env Env, name string, def time.Duration) (time.Duration, error) {
	v := env(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s: %q is not a positive duration such as 8h or 30m", name, v)
	}
	return d, nil
}

// Secret returns RUMBO_SECRET, or the secret kept in DataDir/secret,
// creating it (readable by Rumbo's user only) on first use.
func (c Config) Secret() ([]byte, error) {
	if c.SecretText != "" {
		if len(c.SecretText) < 16 {
			return nil, errors.New("RUMBO_SECRET must be at least 16 characters")
		}
		return []byte(c.SecretText), nil
	}
	path := filepath.Join(c.DataDir, "secret")
	b, err := os.ReadFile(path)
	if err == nil {
		s := strings.TrimSpace(string(b))
		if len(s) < 32 {
			return nil, fmt.Errorf("%s is too short; delete it to generate a new secret", path)
		}
		return []byte(s), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("cannot read %s: %v", path, err)
	}
	if err := os.MkdirAll(c.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create data directory %s: %v", c.DataDir, err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	s := hex.EncodeToString(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return c.Secret() // another process created it first
	}
	if err != nil {
		return nil, fmt.Errorf("cannot write %s: %v", path, err)
	}
	defer f.Close()
	if _, err := f.WriteString(s + "\n"); err != nil {
		return nil, fmt.Errorf("cannot write %s: %v", path, err)
	}
	return []byte(s), nil
}
