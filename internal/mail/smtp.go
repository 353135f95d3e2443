package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/smtp"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// sendTimeout bounds one delivery when the caller's context has no
// deadline: a stuck SMTP server must not hold a request forever.
const sendTimeout = 30 * time.Second

// smtpSender delivers each message over its own SMTP connection.
type smtpSender struct {
	addr        string // host:port to dial
	host        string // server name: TLS verification and the loopback rule
	implicitTLS bool   // smtps://: TLS from the first byte (port 465)
	user, pass  string
	from        *netmail.Address
	// tlsConfig is nil in production (system roots, ServerName = host);
	// tests set one that trusts their in-process server's certificate.
	tlsConfig *tls.Config
}

// urlShape starts the one message for every malformed RUMBO_SMTP_URL; the
// reason follows. It never repeats the URL, which may hold a password.
const urlShape = "RUMBO_SMTP_URL must look like smtp://user:password@host:587?from=Rumbo%20<no-reply@example.com> (or smtps:// for TLS on port 465)"

func badURL(why string) error { return fmt.Errorf("%s: %s", urlShape, why) }

// NewSMTP returns a Sender for RUMBO_SMTP_URL:
//
//	smtp://user:pass@host:587?from=Rumbo%20<no-reply@example.com>   STARTTLS
//	smtps://user:pass@host:465?from=...                              implicit TLS
//
// smtp:// upgrades with STARTTLS whenever the server offers it (the
// certificate is verified) and refuses to go on in plain text unless the
// server is this machine (localhost, 127.0.0.1, ::1), where nothing crosses
// a network. Credentials are optional; from is required.
func NewSMTP(rawURL string) (Sender, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, badURL("it is not a URL")
	}
	s := &smtpSender{}
	defaultPort := "587"
	switch u.Scheme {
	case "smtp":
	case "smtps":
		s.implicitTLS, defaultPort = true, "465"
	default:
		return nil, badURL(fmt.Sprintf("the scheme must be smtp or smtps, not %q", u.Scheme))
	}
	s.host = u.Hostname()
	if s.host == "" {
		return nil, badURL("the host is missing")
	}
	port := u.Port()
	if port == "" {
		port = defaultPort
	} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return nil, badURL("the port is not a number between 1 and 65535")
	}
	s.addr = net.JoinHostPort(s.host, port)
	if u.Path != "" && u.Path != "/" {
		return nil, badURL("it must not have a path")
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
		if s.user == "" {
			return nil, badURL("a password was given without a user name")
		}
	}
	q := u.Query()
	for k := range q {
		if k != "from" {
			return nil, badURL(fmt.Sprintf("unknown parameter %q (only from is understood)", k))
		}
	}
	from := q.Get("from")
	if from == "" {
		return nil, badURL("the sender is missing: add ?from=Rumbo%20<no-reply@your-domain>")
	}
	if s.from, err = netmail.ParseAddress(from); err != nil || strings.ContainsAny(s.from.Address, "\r\n") {
		return nil, badURL(fmt.Sprintf("from=%q is not an e-mail address", from))
	}
	return s, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (s *smtpSender) tlsFor() *tls.Config {
	if s.tlsConfig != nil {
		return s.tlsConfig
	}
	return &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
}

// Send delivers m: one connection, one recipient, QUIT.
func (s *smtpSender) Send(ctx context.Context, m Message) error {
	to, err := recipient(m.To)
	if err != nil {
		return err
	}
	raw, err := compose(s.from, to, m, time.Now())
	if err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, sendTimeout)
		defer cancel()
	}
	deadline, _ := ctx.Deadline()

	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("mail: connect to %s: %w", s.addr, err)
	}
	defer conn.Close()
	// net/smtp takes no context: the deadline and a close on cancel bound
	// every read and write instead.
	if err := conn.SetDeadline(deadline); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if s.implicitTLS {
		tc := tls.Client(conn, s.tlsFor())
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("mail: TLS with %s: %w", s.addr, err)
		}
		conn = tc
	}
	if err := s.deliver(conn, to, raw); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("mail: send to %s: %w", s.addr, ctxErr)
		}
		return fmt.Errorf("mail: send to %s: %w", s.addr, err)
	}
	return nil
}

func (s *smtpSender) deliver(conn net.Conn, to string, raw []byte) error {
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello(heloName()); err != nil {
		return err
	}
	if !s.implicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsFor()); err != nil {
				return fmt.Errorf("STARTTLS: %w", err)
			}
		} else if !isLoopback(s.host) {
			return errors.New("the server does not offer STARTTLS, and mail leaves this machine only encrypted (use smtps:// for TLS on port 465)")
		}
	}
	if s.user != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("the server does not accept a user name and password (no AUTH)")
		}
		// PlainAuth itself refuses to send the password unencrypted to
		// anything but localhost.
		if err := c.Auth(smtp.PlainAuth("", s.user, s.pass, s.host)); err != nil {
			return fmt.Errorf("login as %s: %w", s.user, err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// heloName is how Rumbo introduces itself: the machine's name when it looks
// like one, else localhost (what net/smtp would say).
func heloName() string {
	h, err := os.Hostname()
	if err != nil || h == "" || strings.ContainsAny(h, " \r\n") {
		return "localhost"
	}
	return h
}

// recipient accepts a bare ASCII address only ("ana@example.com"), so
// nothing a user typed can smuggle a second recipient or a header in, and
// no server needs SMTPUTF8.
func recipient(to string) (string, error) {
	a, err := netmail.ParseAddress(to)
	if err != nil || a.Address != to || a.Name != "" || !ascii(to) {
		return "", fmt.Errorf("mail: %q is not a bare ASCII e-mail address", to)
	}
	return a.Address, nil
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] > 126 || s[i] < 32 {
			return false
		}
	}
	return true
}
