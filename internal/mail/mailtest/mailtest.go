// Package mailtest is an in-process SMTP server for tests: it accepts mail
// on 127.0.0.1, keeps every message, and decodes it (RFC 2047 subject,
// multipart/alternative, quoted-printable) so tests can read what a person
// would. It speaks just enough SMTP for net/smtp: EHLO/HELO, STARTTLS,
// AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
package mailtest

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Message is one message as the server received it, and decoded.
type Message struct {
	From     string   // envelope sender
	To       []string // envelope recipients
	Raw      []byte   // the DATA as sent (dot-unstuffed, CRLF line ends)
	Header   mail.Header
	Subject  string // decoded
	Text     string // the text/plain body, decoded
	HTML     string // the text/html body, decoded
	TLS      bool   // the message arrived over TLS (STARTTLS or implicit)
	AuthUser string // who logged in, if anyone
}

// Server is a running test SMTP server.
type Server struct {
	ln       net.Listener
	tls      *tls.Config // STARTTLS or implicit TLS, when configured
	implicit bool
	user     string // AUTH PLAIN required when set
	pass     string
	certs    *x509.CertPool

	mu      sync.Mutex
	msgs    []Message
	arrived chan struct{} // closed and replaced on every message
	wg      sync.WaitGroup
}

// Option configures Start.
type Option func(*Server)

// WithSTARTTLS offers STARTTLS with a self-signed certificate for
// 127.0.0.1 and localhost (see CertPool).
func WithSTARTTLS() Option { return func(s *Server) { s.tls = selfSigned(s) } }

// WithImplicitTLS speaks TLS from the first byte, like port 465.
func WithImplicitTLS() Option {
	return func(s *Server) { s.tls, s.implicit = selfSigned(s), true }
}

// WithAuth requires AUTH PLAIN with this user and password before MAIL.
func WithAuth(user, pass string) Option { return func(s *Server) { s.user, s.pass = user, pass } }

// Start listens on 127.0.0.1 on a free port until the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{arrived: make(chan struct{})}
	for _, o := range opts {
		o(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	if s.implicit {
		ln = tls.NewListener(ln, s.tls)
	}
	s.ln = ln
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is a RUMBO_SMTP_URL for this server (smtps:// with implicit TLS),
// with its credentials when it requires them.
func (s *Server) URL() string {
	u := url.URL{Scheme: "smtp", Host: s.Addr(), RawQuery: "from=" + url.QueryEscape("Rumbo <no-reply@rumbo.test>")}
	if s.implicit {
		u.Scheme = "smtps"
	}
	if s.user != "" {
		u.User = url.UserPassword(s.user, s.pass)
	}
	return u.String()
}

// CertPool trusts the server's self-signed certificate (nil without TLS).
func (s *Server) CertPool() *x509.CertPool { return s.certs }

// Messages returns every message received so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// MessagesTo returns the messages received so far for one recipient
// (compared case-insensitively).
func (s *Server) MessagesTo(to string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		for _, rcpt := range m.To {
			if strings.EqualFold(rcpt, to) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// WaitFor returns the newest message for to, waiting up to five seconds
// for one to arrive; the test fails if none does.
func (s *Server) WaitFor(t testing.TB, to string) Message {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		s.mu.Lock()
		arrived := s.arrived
		s.mu.Unlock()
		if got := s.MessagesTo(to); len(got) > 0 {
			return got[len(got)-1]
		}
		select {
		case <-arrived:
		case <-deadline:
			t.Fatalf("mailtest: no message for %s within 5s (got %d for others)", to, len(s.Messages()))
			return Message{}
		}
	}
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
			s.session(conn)
		}()
	}
}

// session runs one SMTP conversation.
func (s *Server) session(conn net.Conn) {
	_, isTLS := conn.(*tls.Conn)
	r := bufio.NewReader(conn)
	reply := func(format string, args ...any) bool {
		_, err := fmt.Fprintf(conn, format+"\r\n", args...)
		return err == nil
	}
	var from, authUser string
	var to []string
	reply("220 mailtest ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			lines := []string{"mailtest", "8BITMIME", "SIZE 10485760"}
			if s.tls != nil && !isTLS {
				lines = append(lines, "STARTTLS")
			}
			if s.user != "" {
				lines = append(lines, "AUTH PLAIN")
			}
			for i, l := range lines {
				sep := "-"
				if i == len(lines)-1 {
					sep = " "
				}
				reply("250%s%s", sep, l)
			}
		case "HELO":
			reply("250 mailtest")
		case "STARTTLS":
			if s.tls == nil || isTLS {
				reply("502 5.5.1 STARTTLS not available")
				continue
			}
			reply("220 2.0.0 ready to start TLS")
			tc := tls.Server(conn, s.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, r, isTLS = tc, bufio.NewReader(tc), true
			from, to, authUser = "", nil, ""
		case "AUTH":
			mech, initial, _ := strings.Cut(arg, " ")
			if !strings.EqualFold(mech, "PLAIN") || s.user == "" {
				reply("504 5.5.4 unrecognised authentication type")
				continue
			}
			if initial == "" {
				reply("334 ")
				if initial, err = r.ReadString('\n'); err != nil {
					return
				}
				initial = strings.TrimSpace(initial)
			}
			b, err := base64.StdEncoding.DecodeString(initial)
			parts := strings.Split(string(b), "\x00")
			if err != nil || len(parts) != 3 || parts[1] != s.user || parts[2] != s.pass {
				reply("535 5.7.8 authentication credentials invalid")
				continue
			}
			authUser = parts[1]
			reply("235 2.7.0 authentication successful")
		case "MAIL":
			if s.user != "" && authUser == "" {
				reply("530 5.7.0 authentication required")
				continue
			}
			from, to = angle(arg), nil
			reply("250 2.1.0 ok")
		case "RCPT":
			if from == "" {
				reply("503 5.5.1 MAIL first")
				continue
			}
			to = append(to, angle(arg))
			reply("250 2.1.5 ok")
		case "DATA":
			if len(to) == 0 {
				reply("503 5.5.1 RCPT first")
				continue
			}
			reply("354 end data with <CR><LF>.<CR><LF>")
			raw, err := readData(r)
			if err != nil {
				return
			}
			s.store(Message{From: from, To: to, Raw: raw, TLS: isTLS, AuthUser: authUser})
			from, to = "", nil
			reply("250 2.0.0 queued")
		case "RSET":
			from, to = "", nil
			reply("250 2.0.0 ok")
		case "NOOP":
			reply("250 2.0.0 ok")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("502 5.5.2 command not recognised")
		}
	}
}

// angle takes the address out of "FROM:<a@b> SIZE=1" or "TO:<a@b>".
func angle(arg string) string {
	if i, j := strings.Index(arg, "<"), strings.Index(arg, ">"); i >= 0 && j > i {
		return arg[i+1 : j]
	}
	return ""
}

// readData reads the DATA section up to the lone dot, undoing dot-stuffing.
func readData(r *bufio.Reader) ([]byte, error) {
	var b bytes.Buffer
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if line == ".\r\n" || line == ".\n" {
			return b.Bytes(), nil
		}
		b.WriteString(strings.TrimPrefix(line, "."))
	}
}

func (s *Server) store(m Message) {
	if msg, err := mail.ReadMessage(bytes.NewReader(m.Raw)); err == nil {
		m.Header = msg.Header
		m.Subject, _ = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		m.Text, m.HTML = bodies(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	}
	s.mu.Lock()
	s.msgs = append(s.msgs, m)
	close(s.arrived)
	s.arrived = make(chan struct{})
	s.mu.Unlock()
}

// bodies decodes a text/plain or multipart/alternative body.
func bodies(contentType, encoding string, body io.Reader) (text, html string) {
	kind, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", ""
	}
	if strings.HasPrefix(kind, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart() // decodes quoted-printable itself
			if err != nil {
				return text, html
			}
			b, _ := io.ReadAll(p)
			switch pk, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); pk {
			case "text/plain":
				text = string(b)
			case "text/html":
				html = string(b)
			}
		}
	}
	if strings.EqualFold(encoding, "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, _ := io.ReadAll(body)
	if kind == "text/html" {
		return "", string(b)
	}
	return string(b), ""
}

// selfSigned makes a certificate for 127.0.0.1 and localhost and remembers
// a pool that trusts it.
func selfSigned(s *Server) *tls.Config {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mailtest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	s.certs = x509.NewCertPool()
	s.certs.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
}
