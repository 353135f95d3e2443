package config

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func env(m map[string]string) Env { return func(k string) string { return m[k] } }

func TestDefaultsAndFlagsOverEnvironment(t *testing.T) {
	c, err := Load("serve", nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || filepath.Base(c.DataDir) != "rumbo-data" || c.SessionIdle != 8*time.Hour ||
		c.SessionMax != 168*time.Hour || c.Demo {
		t.Fatalf("defaults: %+v", c)
	}
	c, err = Load("serve", []string{"--addr", ":9000", "--demo"},
		env(map[string]string{"RUMBO_ADDR": ":7000", "RUMBO_SESSION_IDLE": "30m", "RUMBO_TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9000" || !c.Demo || c.SessionIdle != 30*time.Minute || len(c.TrustedProxies) != 2 {
		t.Fatalf("flags over env: %+v", c)
	}
}

func TestBadValuesAreRefused(t *testing.T) {
	for name, tc := range map[string]struct {
		env  map[string]string
		args []string
	}{
		"idle longer than max": {env: map[string]string{"RUMBO_SESSION_IDLE": "200h"}},
		"negative duration":    {env: map[string]string{"RUMBO_SESSION_MAX": "-1h"}},
		"bad proxy":            {env: map[string]string{"RUMBO_TRUSTED_PROXIES": "proxy.example"}},
		"addr on migrate":      {args: []string{"--addr", ":1"}},
	} {
		if _, err := Load("migrate", tc.args, env(tc.env), io.Discard); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestSecretIsGeneratedOncePrivately(t *testing.T) {
	dir := t.TempDir()
	c := Config{DataDir: filepath.Join(dir, "data")}
	s1, err := c.Secret()
	if err != nil {
		t.Fatal(err)
	}
	s2, err := c.Secret()
	if err != nil || string(s1) != string(s2) || len(s1) != 64 {
		t.Fatalf("second read %q vs %q (%v)", s2, s1, err)
	}
	fi, err := os.Stat(filepath.Join(c.DataDir, "secret"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode %v (%v), want 0600", fi.Mode(), err)
	}
	c.SecretText = "0123456789abcdef-from-env"
	if s, _ := c.Secret(); string(s) != c.SecretText {
		t.Fatal("RUMBO_SECRET does not win over the file")
	}
}
