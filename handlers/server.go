// Package handlers is Rumbo's HTTP layer: Fiber routes that run
// hand-written SQL inside RLS request transactions (withTx) and render
// html/template pages and htmx fragments.
package handlers

import (
	"crypto/rand"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"rumbo/internal/mail"
	"rumbo/internal/rls"
	"rumbo/queries"
	"rumbo/views"
)

// Options configure a Server.
type Options struct {
	Secret         []byte        // signs CSRF tokens and cursors
	SessionIdle    time.Duration // idle expiry of a session
	SessionMax     time.Duration // absolute expiry of a session
	TrustedProxies []string      // addresses whose X-Forwarded-* headers are believed
	RequestTimeout time.Duration // deadline of every request transaction
	SchemaVersion  int64         // newest embedded migration, for /readyz
	Logger         *slog.Logger
	BaseURL        string      // public URL for links in e-mails; empty: from the request
	Mailer         mail.Sender // nil without RUMBO_SMTP_URL: pages show links instead
}

// Server holds what the handlers share. It holds no database handle: the database
// is reachable only through the rls.Pool's request transactions.
type Server struct {
	pool    *rls.Pool
	q       *queries.Queries
	views   *views.Views
	opts    Options
	log     *slog.Logger
	metrics *metrics
	objList *listing
	// bootID is part of every ETag: data loaded without a request context
	// (demo, seed) does not bump the data version, a restart does.
	bootID string
	// memo remembers derived results (dashboard, analytics, insights) per
	// organisation data version (memo.go).
	memo *memo
}

// New builds a Server. It fails when a query template does not expand.
func New(pool *rls.Pool, q *queries.Queries, v *views.Views, opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.RequestTimeout == 0 {
		opts.RequestTimeout = 5 * time.Second
	}
	if opts.SessionIdle == 0 {
		opts.SessionIdle = 8 * time.Hour
	}
	if opts.SessionMax == 0 {
		opts.SessionMax = 7 * 24 * time.Hour
	}
	objList, err := newObjectivesListing(q)
	if err != nil {
		return nil, err
	}
	return &Server{pool: pool, q: q, views: v, opts: opts, log: opts.Logger, metrics: newMetrics(), objList: objList,
		bootID: rand.Text(), memo: newMemo()}, nil
}

// App returns the Fiber application with every route registered.
func (s *Server) App() *fiber.App {
	app := fiber.New(fiber.Config{
		AppName:                 "rumbo",
		DisableStartupMessage:   true,
		ErrorHandler:            s.errorHandler,
		BodyLimit:               1 << 20,
		ReadBufferSize:          16 << 10,
		ReadTimeout:             15 * time.Second,
		WriteTimeout:            30 * time.Second,
		IdleTimeout:             2 * time.Minute,
		EnableTrustedProxyCheck: true,
		TrustedProxies:          s.opts.TrustedProxies,
		ProxyHeader:             fiber.HeaderXForwardedFor,
	})
	s.routes(app)
	return app
}
