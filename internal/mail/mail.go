// Package mail sends Rumbo's e-mails (invitations, reminders, password
// resets) through SMTP when RUMBO_SMTP_URL is set. Without it there is no
// Sender and the pages show the links to copy instead.
package mail

import "context"

// Message is one e-mail: plain text always, HTML when the template has one.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// Sender delivers messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}
