package auth

import (
	_ "embed"
	"strings"
	"sync"
	"unicode/utf8"
)

// MinPasswordLength is the shortest password Rumbo accepts (in characters).
const MinPasswordLength = 10

//go:embed common-passwords.txt
var commonPasswordsFile string

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 10100)
	for _, line := range strings.Split(commonPasswordsFile, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			m[line] = struct{}{}
		}
	}
	return m
})

// PasswordProblem says in Spanish why a new password is refused, or ""
// when it is acceptable: at least MinPasswordLength characters, at most
// 1,024 bytes, not one of the most common passwords, and not the account's
// own e-mail or name.
func PasswordProblem(password, email, name string) string {
	switch {
	case utf8.RuneCountInString(password) < MinPasswordLength:
		return "La contraseña debe tener al menos 10 caracteres."
	case len(password) > 1024:
		return "La contraseña es demasiado larga (máximo 1.024 caracteres)."
	}
	lower := strings.ToLower(password)
	if _, common := commonPasswords()[lower]; common {
		return "Esa contraseña es de las más usadas y fáciles de adivinar; elige otra."
	}
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	if lower == strings.ToLower(email) || (len(local) >= 4 && strings.Contains(lower, local) && len(lower)-len(local) < 4) ||
		(name != "" && strings.EqualFold(strings.ReplaceAll(password, " ", ""), strings.ReplaceAll(name, " ", ""))) {
		return "La contraseña no puede ser tu correo ni tu nombre."
	}
	return ""
}
