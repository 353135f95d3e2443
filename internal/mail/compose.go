package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"strings"
	"time"
)

// compose renders m as an RFC 5322 message: headers (the subject
// RFC 2047-encoded when it is not plain ASCII), a Date and a Message-ID,
// and a body that is 7-bit clean — multipart/alternative (text, then HTML)
// when there is HTML, else text alone — each part UTF-8 quoted-printable,
// so accents survive any relay.
func compose(from *netmail.Address, to string, m Message, now time.Time) ([]byte, error) {
	if m.Text == "" {
		return nil, errors.New("mail: a message needs a text body")
	}
	id, err := messageID(from.Address)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(fold(k + ": " + v)) }
	header("From", from.String())
	header("To", to)
	header("Subject", mime.QEncoding.Encode("utf-8", oneLine(m.Subject)))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", id)
	header("MIME-Version", "1.0")
	// Tells autoresponders (vacation replies) not to answer.
	header("Auto-Submitted", "auto-generated")

	if m.HTML == "" {
		header("Content-Type", "text/plain; charset=utf-8")
		header("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQP(&b, m.Text); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	mw := multipart.NewWriter(&b)
	header("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")
	for _, part := range []struct{ kind, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.kind + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		if err := writeQP(w, part.body); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

type writer interface{ Write([]byte) (int, error) }

// writeQP writes text quoted-printable with CRLF line ends (the writer's
// text mode turns "\n" into "\r\n").
func writeQP(w writer, text string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(strings.ReplaceAll(text, "\r\n", "\n"))); err != nil {
		return err
	}
	return qp.Close()
}

// fold breaks a header line before spaces so that lines stay within 78
// characters where the value allows (RFC 5322 2.2.3); a space between two
// encoded words is ignored by decoders, so an encoded subject survives.
// The value's first word stays on the field name's line.
func fold(line string) string {
	var b strings.Builder
	width := 0
	for i, word := range strings.Split(line, " ") {
		if i > 1 && width+1+len(word) > 78 {
			b.WriteString("\r\n")
			width = 0
		}
		if i > 0 {
			b.WriteByte(' ')
			width++
		}
		b.WriteString(word)
		width += len(word)
	}
	b.WriteString("\r\n")
	return b.String()
}

// oneLine keeps a header value on one line, whatever the data said.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// messageID is a random id at the sender's domain, as RFC 5322 asks.
func messageID(from string) (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	domain := "rumbo.invalid"
	if at := strings.LastIndex(from, "@"); at >= 0 && at < len(from)-1 {
		domain = from[at+1:]
	}
	return "<" + hex.EncodeToString(b) + "@" + domain + ">", nil
}
