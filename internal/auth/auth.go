// Package auth holds the secrets side of signing in: argon2id password
// hashes in PHC format, opaque session tokens stored only as hashes, and
// HMAC-derived tokens (CSRF, database password) bound to the instance
// secret.
package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	SaltLen int
	KeyLen  uint32
}

// Default is OWASP's minimum for argon2id (m=19 MiB, t=2, p=1).
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// hashSlots bounds concurrent hashes: each takes 19 MiB and a core for tens
// of milliseconds, so a burst of logins must queue rather than exhaust
// memory.
var hashSlots = make(chan struct{}, max(1, runtime.NumCPU()))

var b64 = base64.RawStdEncoding

// Hash returns the PHC string for password: $argon2id$v=19$m=..,t=..,p=..$salt$hash.
func Hash(password string) (string, error) {
	return hashWith(password, Default)
}

func hashWith(password string, p Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := derive(password, salt, p)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

func derive(password string, salt []byte, p Params) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	return argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}

// ErrBadHash means a stored hash is not an argon2id PHC string.
var ErrBadHash = errors.New("auth: malformed password hash")

// Verify checks password against a PHC string. needsRehash is true when the
// hash was made with weaker parameters than Default, so the caller can
// store a fresh hash after a successful login.
func Verify(password, phc string) (ok, needsRehash bool, err error) {
	p, salt, key, err := parsePHC(phc)
	if err != nil {
		return false, false, err
	}
	got := derive(password, salt, p)
	ok = subtle.ConstantTimeCompare(got, key) == 1
	needsRehash = p.Memory < Default.Memory || p.Time < Default.Time || p.Threads < Default.Threads ||
		uint32(len(key)) < Default.KeyLen
	return ok, needsRehash, nil
}

// dummyHash is verified when an e-mail is unknown, so an unknown account and
// a wrong password take the same time.
var dummyHash = sync.OnceValue(func() string {
	h, err := hashWith("rumbo timing equaliser", Default)
	if err != nil {
		panic(err)
	}
	return h
})

// VerifyNothing spends the time of one Verify and always fails.
func VerifyNothing(password string) {
	_, _, _ = Verify(password, dummyHash())
}

func parsePHC(phc string) (Params, []byte, []byte, error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return Params{}, nil, nil, ErrBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return Params{}, nil, nil, ErrBadHash
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return Params{}, nil, nil, ErrBadHash
	}
	if p.Memory == 0 || p.Time == 0 || p.Threads == 0 || p.Memory > 1<<21 || p.Time > 100 {
		return Params{}, nil, nil, ErrBadHash
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return Params{}, nil, nil, ErrBadHash
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 {
		return Params{}, nil, nil, ErrBadHash
	}
	p.SaltLen = len(salt)
	p.KeyLen = uint32(len(key))
	return p, salt, key, nil
}

// NewToken returns a fresh 256-bit opaque token (for a cookie or a link)
// and the SHA-256 hash that is all the database ever stores.
func NewToken() (token string, hash []byte, err error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, err
	}
	token = base64.RawURLEncoding.EncodeToString(raw)
	return token, HashToken(token), nil
}

// HashToken is the stored form of a token. A malformed token still hashes
// (to something no session has), so callers need no special case.
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// Sign is HMAC-SHA256 of the parts (joined unambiguously) under secret,
// base64url-encoded: the building block of CSRF tokens and cursors.
func Sign(secret []byte, parts ...string) string {
	m := hmac.New(sha256.New, secret)
	for _, p := range parts {
		fmt.Fprintf(m, "%d:%s;", len(p), p)
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Equal compares two tokens in constant time.
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
