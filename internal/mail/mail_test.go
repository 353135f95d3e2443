package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"rumbo/internal/mail/mailtest"
)

func sender(t *testing.T, rawURL string) *smtpSender {
	t.Helper()
	s, err := NewSMTP(rawURL)
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	return s.(*smtpSender)
}

// trust makes the sender accept the test server's self-signed certificate.
func trust(s *smtpSender, srv *mailtest.Server) {
	s.tlsConfig = &tls.Config{RootCAs: srv.CertPool(), ServerName: s.host, MinVersion: tls.VersionTLS12}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

var invitation = InvitationData{
	To: "jose.nunez@example.test", InviterName: "Ana Pérez", OrgName: "Compañía Ñandú",
	Role: "gerente", AreaName: "Logística", Link: "http://rumbo.test/invite/abc_DEF-123",
	ExpiresAt: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC),
}

func TestNewSMTPRefusesBadURLs(t *testing.T) {
	for _, raw := range []string{
		"",
		"http://mail.example.com?from=a@b.c",
		"smtp://?from=a@b.c",
		"smtp://mail.example.com:99999?from=a@b.c",
		"smtp://mail.example.com:abc?from=a@b.c",
		"smtp://mail.example.com:587",
		"smtp://mail.example.com:587?from=no-es-un-correo",
		"smtp://mail.example.com:587?from=a@b.c&tls=off",
		"smtp://mail.example.com:587/path?from=a@b.c",
		"smtp://:s3creto@mail.example.com?from=a@b.c",
		"smtp://user:s3creto@mail.example.com:587?from=%0D%0A",
		"::not a url",
	} {
		_, err := NewSMTP(raw)
		if err == nil {
			t.Errorf("NewSMTP(%q) accepted", raw)
			continue
		}
		if !strings.HasPrefix(err.Error(), "RUMBO_SMTP_URL must look like smtp://") {
			t.Errorf("NewSMTP(%q): unclear error %q", raw, err)
		}
		if strings.Contains(err.Error(), "s3creto") {
			t.Errorf("NewSMTP(%q): the error repeats the password: %q", raw, err)
		}
	}
	for raw, want := range map[string]string{
		"smtp://user:pass@mail.example.com?from=Rumbo%20<no-reply@example.com>": "mail.example.com:587",
		"smtps://mail.example.com?from=no-reply@example.com":                    "mail.example.com:465",
		"smtp://127.0.0.1:2525?from=a@b.c":                                      "127.0.0.1:2525",
	} {
		if s := sender(t, raw); s.addr != want {
			t.Errorf("NewSMTP(%q) dials %s, want %s", raw, s.addr, want)
		}
	}
}

// TestRoundTripKeepsSpanish sends through a real SMTP conversation and
// reads the message back the way a mail client would.
func TestRoundTripKeepsSpanish(t *testing.T) {
	srv := mailtest.Start(t)
	m, err := Invitation(invitation)
	if err != nil {
		t.Fatal(err)
	}
	m.Subject = "Añade tu equipo: ñandú, acción, pingüino, cigüeña y más palabras para que el asunto sea largo"
	if err := sender(t, srv.URL()).Send(ctx(t), m); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, invitation.To)
	if got.Subject != m.Subject {
		t.Errorf("subject %q, want %q", got.Subject, m.Subject)
	}
	for _, want := range []string{"Ana Pérez te invitó a unirte a Compañía Ñandú", "Rol: Gerente", "Área: Logística",
		"http://rumbo.test/invite/abc_DEF-123", "vence el 27 de noviembre de 2026"} {
		if !strings.Contains(got.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, got.Text)
		}
	}
	for _, want := range []string{"Compañía Ñandú", `href="http://rumbo.test/invite/abc_DEF-123"`, "Aceptar invitación"} {
		if !strings.Contains(got.HTML, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	raw := string(got.Raw)
	for _, want := range []string{"Subject: =?utf-8?q?", "MIME-Version: 1.0", "Content-Type: multipart/alternative;\r\n boundary=",
		"Content-Type: text/plain; charset=utf-8", "Content-Type: text/html; charset=utf-8",
		"Content-Transfer-Encoding: quoted-printable", "From: \"Rumbo\" <no-reply@rumbo.test>", "To: " + invitation.To,
		"Auto-Submitted: auto-generated"} {
		if !strings.Contains(raw, want) {
			t.Errorf("raw message lacks %q", want)
		}
	}
	if id := got.Header.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@rumbo.test>") {
		t.Errorf("Message-ID %q", id)
	}
	if d, err := got.Header.Date(); err != nil || time.Since(d) > time.Minute {
		t.Errorf("Date %q: %v", got.Header.Get("Date"), err)
	}
	for i, line := range strings.Split(raw, "\r\n") {
		// an encoded word (at most 75) stays on the "Subject:" line
		if len(line) > 78 && !(strings.HasPrefix(line, "Subject: =?") && len(line) <= 84) {
			t.Errorf("line %d is %d bytes long: %q", i, len(line), line)
		}
		for _, r := range line {
			if r > 127 {
				t.Fatalf("line %d is not 7-bit clean: %q", i, line)
			}
		}
	}
	if got.From != "no-reply@rumbo.test" || len(got.To) != 1 || got.TLS || got.AuthUser != "" {
		t.Errorf("envelope %q → %v, TLS %v, auth %q", got.From, got.To, got.TLS, got.AuthUser)
	}
}

func TestHTMLIsEscapedAndTextIsPlain(t *testing.T) {
	d := invitation
	d.InviterName = `<script>alert("x")</script>`
	d.OrgName = `Acme & "Hijos"`
	m, err := Invitation(d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.HTML, "<script>") || !strings.Contains(m.HTML, "&lt;script&gt;") || !strings.Contains(m.HTML, "Acme &amp; &#34;Hijos&#34;") {
		t.Errorf("HTML not escaped:\n%s", m.HTML)
	}
	if !strings.Contains(m.Text, `<script>alert("x")</script> te invitó a unirte a Acme & "Hijos"`) {
		t.Errorf("text altered:\n%s", m.Text)
	}
	d.Link = "javascript:alert(1)"
	if _, err := Invitation(d); err == nil {
		t.Error("a javascript: link was accepted")
	}
}

func TestSubjectCannotInjectHeaders(t *testing.T) {
	srv := mailtest.Start(t)
	m := Message{To: "ana@example.test", Subject: "Hola\r\nBcc: todos@example.test", Text: "x"}
	if err := sender(t, srv.URL()).Send(ctx(t), m); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, "ana@example.test")
	if got.Header.Get("Bcc") != "" || got.Subject != "Hola Bcc: todos@example.test" {
		t.Errorf("subject %q, Bcc %q", got.Subject, got.Header.Get("Bcc"))
	}
	if got.HTML != "" || strings.TrimSpace(got.Text) != "x" {
		t.Errorf("text-only message decoded as %q / %q", got.Text, got.HTML)
	}
	for _, to := range []string{"Ana <ana@example.test>", "josé@example.test", "ana@example.test, eva@example.test", "ana@example.test\r\nBcc: x@y.z", ""} {
		if err := sender(t, srv.URL()).Send(ctx(t), Message{To: to, Subject: "x", Text: "x"}); err == nil {
			t.Errorf("recipient %q accepted", to)
		}
	}
}

func TestReminderAndPasswordReset(t *testing.T) {
	m, err := InvitationReminder(invitation)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Recordatorio: Ana Pérez te invitó a unirte a Compañía Ñandú en Rumbo" || !strings.Contains(m.Text, "ya no funcionan") {
		t.Errorf("reminder: %q\n%s", m.Subject, m.Text)
	}
	r, err := PasswordReset(PasswordResetData{To: "eva@example.test", Name: "Eva", Link: "https://rumbo.example/password/reset/tok", ValidFor: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if r.Subject != "Restablece tu contraseña de Rumbo" || r.To != "eva@example.test" {
		t.Errorf("reset subject %q to %q", r.Subject, r.To)
	}
	for _, want := range []string{"Hola, Eva:", "https://rumbo.example/password/reset/tok", "caduca en 1 hora"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("reset text lacks %q:\n%s", want, r.Text)
		}
	}
	if !strings.Contains(r.HTML, "Restablece tu contraseña") || !strings.Contains(r.HTML, "Elegir una contraseña nueva") {
		t.Errorf("reset HTML:\n%s", r.HTML)
	}
	for d, want := range map[time.Duration]string{time.Hour: "1 hora", 3 * time.Hour: "3 horas", 30 * time.Minute: "30 minutos",
		7 * 24 * time.Hour: "7 días", 24 * time.Hour: "24 horas", 90 * time.Minute: "90 minutos"} {
		if got := spanDuration(d); got != want {
			t.Errorf("spanDuration(%v) = %q, want %q", d, got, want)
		}
	}
	if _, err := PasswordReset(PasswordResetData{To: "eva@example.test", Link: "/relative"}); err == nil {
		t.Error("a relative reset link was accepted")
	}
}

func TestSTARTTLSIsUsedWhenOffered(t *testing.T) {
	srv := mailtest.Start(t, mailtest.WithSTARTTLS(), mailtest.WithAuth("rumbo", "s3creto"))
	s := sender(t, srv.URL())
	trust(s, srv)
	if err := s.Send(ctx(t), Message{To: "ana@example.test", Subject: "Cifrado", Text: "hola"}); err != nil {
		t.Fatal(err)
	}
	if got := srv.WaitFor(t, "ana@example.test"); !got.TLS || got.AuthUser != "rumbo" {
		t.Fatalf("TLS %v, auth %q", got.TLS, got.AuthUser)
	}
	// An untrusted certificate stops the delivery instead of falling back.
	s.tlsConfig = nil
	if err := s.Send(ctx(t), Message{To: "eva@example.test", Subject: "x", Text: "x"}); err == nil {
		t.Fatal("an unverifiable certificate was accepted")
	}
}

func TestImplicitTLS(t *testing.T) {
	srv := mailtest.Start(t, mailtest.WithImplicitTLS())
	if !strings.HasPrefix(srv.URL(), "smtps://") {
		t.Fatalf("URL %s", srv.URL())
	}
	s := sender(t, srv.URL())
	trust(s, srv)
	if err := s.Send(ctx(t), Message{To: "ana@example.test", Subject: "x", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if !srv.WaitFor(t, "ana@example.test").TLS {
		t.Fatal("not over TLS")
	}
}

// A server that is not this machine must offer STARTTLS: mail (and a
// password) never crosses a network in plain text.
func TestPlainTextOnlyToThisMachine(t *testing.T) {
	srv := mailtest.Start(t, mailtest.WithAuth("rumbo", "s3creto"))
	local := sender(t, srv.URL())
	if err := local.Send(ctx(t), Message{To: "ana@example.test", Subject: "x", Text: "x"}); err != nil {
		t.Fatalf("plain SMTP to 127.0.0.1: %v", err)
	}
	remote := sender(t, srv.URL())
	remote.host = "mail.example.test" // dials the same server, but believes it is elsewhere
	err := remote.Send(ctx(t), Message{To: "eva@example.test", Subject: "x", Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("plain SMTP to a remote host: %v", err)
	}
	if n := len(srv.MessagesTo("eva@example.test")); n != 0 {
		t.Fatalf("%d messages went out in plain text", n)
	}

	wrong := sender(t, strings.Replace(srv.URL(), "s3creto", "otra", 1))
	if err := wrong.Send(ctx(t), Message{To: "eva@example.test", Subject: "x", Text: "x"}); err == nil {
		t.Fatal("a wrong password was accepted")
	}
}

func TestUnreachableServerFailsWithinTheDeadline(t *testing.T) {
	srv := mailtest.Start(t)
	s := sender(t, srv.URL())
	s.addr = "127.0.0.1:1" // nothing listens there
	c, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	if err := s.Send(c, Message{To: "ana@example.test", Subject: "x", Text: "x"}); err == nil {
		t.Fatal("sent to nowhere")
	}
	if time.Since(start) > 3*time.Second {
		t.Fatal("the deadline was not respected")
	}
}

func TestComposeTextOnlyAndLongLines(t *testing.T) {
	from := sender(t, "smtp://127.0.0.1?from=Rumbo%20Señales%20<no-reply@rumbo.test>").from
	raw, err := compose(from, "ana@example.test", Message{Subject: "Línea", Text: strings.Repeat("acción ", 40)}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte("From: =?utf-8?q?Rumbo_Se=C3=B1ales?= <no-reply@rumbo.test>")) {
		t.Errorf("From not encoded:\n%s", raw)
	}
	if !bytes.Contains(raw, []byte("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n")) {
		t.Errorf("text-only headers:\n%s", raw)
	}
	if _, err := compose(from, "ana@example.test", Message{Subject: "x"}, time.Now()); err == nil {
		t.Error("a message without text was composed")
	}
}
