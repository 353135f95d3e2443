package auth

import (
	"strings"
	"testing"
)

func TestHashIsArgon2idPHCAtOWASPMinimum(t *testing.T) {
	h, err := Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not argon2id at m=19456,t=2,p=1", h)
	}
	if h2, _ := Hash("correct horse battery staple"); h2 == h {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	ok, rehash, err := Verify("correct horse battery staple", h)
	if err != nil || !ok || rehash {
		t.Fatalf("Verify(right) = %v, %v, %v", ok, rehash, err)
	}
	if ok, _, _ := Verify("Correct horse battery staple", h); ok {
		t.Fatal("a different password verified")
	}
}

func TestWeakerHashesAskForRehash(t *testing.T) {
	weak, err := hashWith("pw", Params{Memory: 8 * 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	ok, rehash, err := Verify("pw", weak)
	if err != nil || !ok || !rehash {
		t.Fatalf("Verify(weak) = %v, %v, %v; want ok and rehash", ok, rehash, err)
	}
}

func TestMalformedHashesAreRefused(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=18$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=0,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=19456,t=2,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$c2hvcnQ"} {
		if _, _, err := Verify("x", h); err != ErrBadHash {
			t.Errorf("Verify(%q) err = %v, want ErrBadHash", h, err)
		}
	}
}

func TestTokensAreOpaqueAndStoredHashed(t *testing.T) {
	a, ha, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := NewToken()
	if a == b || len(a) != 43 {
		t.Fatalf("tokens %q, %q: want distinct 256-bit base64url strings", a, b)
	}
	if string(HashToken(a)) != string(ha) || len(ha) != 32 {
		t.Fatal("HashToken does not reproduce the stored hash")
	}
}

func TestSignSeparatesParts(t *testing.T) {
	k := []byte("k")
	if Sign(k, "ab", "c") == Sign(k, "a", "bc") {
		t.Fatal("Sign(ab, c) == Sign(a, bc): parts are not length-prefixed")
	}
	if Sign(k, "x") == Sign([]byte("other"), "x") {
		t.Fatal("the key does not change the signature")
	}
	if !Equal(Sign(k, "x"), Sign(k, "x")) || Equal("a", "b") {
		t.Fatal("Equal is wrong")
	}
}

func TestPasswordProblem(t *testing.T) {
	for pw, bad := range map[string]bool{
		"corto":                    true,
		"123456789":                true,
		"1234567890":               true, // common
		"QWERTYUIOP":               true, // common, any case
		"contraseña123":            true, // common in Spanish
		"ana.perez@example.com":    true, // the e-mail itself
		"ana.perez1":               true, // the e-mail's local part and little more
		"AnaPerez":                 true, // too short anyway
		"Ana Pérez Gómez":          true, // the name
		"caballo-bateria-grapa":    false,
		"rumbo es mi brújula 2026": false,
		strings.Repeat("x", 1025):  true,
	} {
		got := PasswordProblem(pw, "ana.perez@example.com", "Ana Pérez Gómez")
		if (got != "") != bad {
			t.Errorf("PasswordProblem(%q) = %q, want refused=%v", pw, got, bad)
		}
	}
	if n := len(commonPasswords()); n < 10000 {
		t.Errorf("only %d common passwords loaded", n)
	}
}
