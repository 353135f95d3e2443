package handlers

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gavv/httpexpect/v2"
	"github.com/gofiber/fiber/v2"

	"rumbo/internal/database"
	"rumbo/internal/demo"
	"rumbo/internal/rls"
	"rumbo/internal/testpg"
	"rumbo/queries"
	"rumbo/views"
)

var (
	tdb     *testpg.DB
	srv     *Server
	testApp *fiber.App
)

func TestMain(m *testing.M) {
	os.Exit(testpg.Main(m, &tdb, func() int {
		// the demo goes in first: it only loads into an empty database
		if err := demo.Load(context.Background(), tdb.Owner, func(string, ...any) {}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		var err error
		srv, err = newTestServer(rls.NewPool(tdb.Login, queries.MustLoad(), 5*time.Second))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		testApp = srv.App()
		code := m.Run()
		if code == 0 && !filtered() {
			code = checkEveryTemplateRendered(srv.views)
		}
		return code
	}))
}

func newTestServer(pool *rls.Pool) (*Server, error) {
	v, err := views.New()
	if err != nil {
		return nil, err
	}
	latest, err := database.LatestVersion()
	if err != nil {
		return nil, err
	}
	return New(pool, queries.MustLoad(), v, Options{
		Secret: testpg.Secret, SchemaVersion: latest,
		Logger: testLogger(),
	})
}

// testLogger discards the server's log unless RUMBO_TEST_LOG is set.
func testLogger() *slog.Logger {
	var w io.Writer = io.Discard
	if os.Getenv("RUMBO_TEST_LOG") != "" {
		w = os.Stderr
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// filtered reports a -run or -skip selection, when not every test ran.
func filtered() bool {
	for _, name := range []string{"test.run", "test.skip"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			return true
		}
	}
	return false
}

// checkEveryTemplateRendered fails the package when a {{define}} was never
// rendered by any test (goatcounter's habit): an untested template is
// where a typo hides until a user finds it.
func checkEveryTemplateRendered(v *views.Views) int {
	code := 0
	for _, name := range v.Defined() {
		if !v.Rendered(name) && !nestedOnly[name] {
			fmt.Fprintf(os.Stderr, "FAIL: template %q was never rendered by a test\n", name)
			code = 1
		}
	}
	return code
}

// nestedOnly are {{define}}s rendered only inside others, checked through
// the fragments that include them.
var nestedOnly = map[string]bool{"partials/thead": true, "partials/pager": true, "partials/history": true}

// client is an httpexpect client against the real app, with its own cookie
// jar, that does not follow redirects (tests assert them).
func client(t *testing.T) *httpexpect.Expect {
	return clientFor(t, testApp, "http://rumbo.test")
}

// clientAddr gives every test client its own address, so login throttling
// per client address sees one person per client, as on a real network.
var clientAddr atomic.Uint32

// fromAddr sets the request's remote address before the binder sees it.
type fromAddr struct {
	addr string
	next http.RoundTripper
}

func (f fromAddr) RoundTrip(r *http.Request) (*http.Response, error) {
	r.RemoteAddr = f.addr
	return f.next.RoundTrip(r)
}

func clientFor(t *testing.T, app *fiber.App, baseURL string) *httpexpect.Expect {
	n := clientAddr.Add(1)
	addr := fmt.Sprintf("10.%d.%d.%d:40000", n>>16&255, n>>8&255, n&255)
	return httpexpect.WithConfig(httpexpect.Config{
		BaseURL: baseURL,
		Client: &http.Client{
			Transport: fromAddr{addr: addr, next: httpexpect.NewFastBinder(app.Handler())},
			Jar:       httpexpect.NewCookieJar(),
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		Reporter: httpexpect.NewAssertReporter(t),
	})
}

// liveServer serves the test app on a loopback port for the tests that
// need a real HTTP reader (limits) and returns its base URL.
func liveServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	app := srv.App()
	go app.Listener(ln) //nolint:errcheck // ends with Shutdown below
	t.Cleanup(func() { _ = app.Shutdown() })
	return "http://" + ln.Addr().String()
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)"`)

// csrfFrom extracts the CSRF token a page carries.
func csrfFrom(t *testing.T, html string) string {
	t.Helper()
	if m := csrfMeta.FindStringSubmatch(html); m != nil && m[1] != "" {
		return m[1]
	}
	if m := csrfField.FindStringSubmatch(html); m != nil {
		return m[1]
	}
	t.Fatalf("no CSRF token in page:\n%.500s", html)
	return ""
}

// signIn logs in through the real form and returns the client with its
// session cookie and the session's CSRF token.
func signIn(t *testing.T, email string) (*httpexpect.Expect, string) {
	t.Helper()
	e := client(t)
	loginPage := e.GET("/login").Expect().Status(http.StatusOK).Body().Raw()
	e.POST("/login").WithFormField("_csrf", csrfFrom(t, loginPage)).
		WithFormField("email", email).WithFormField("password", testpg.Password).
		Expect().Status(http.StatusSeeOther).Header("Location").IsEqual("/")
	page := e.GET("/objectives").Expect().Status(http.StatusOK).Body().Raw()
	return e, csrfFrom(t, page)
}

// htmx adds the headers a targeted htmx request sends.
func htmx(r *httpexpect.Request) *httpexpect.Request {
	return r.WithHeader("HX-Request", "true")
}
