// Package e2e drives Rumbo in headless Chromium: what a person sees and
// clicks, with htmx running for real (and with JavaScript off).
package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"rumbo/handlers"
	"rumbo/internal/browser"
	"rumbo/internal/database"
	"rumbo/internal/rls"
	"rumbo/internal/testpg"
	"rumbo/queries"
	"rumbo/views"
)

var tdb *testpg.DB

func TestMain(m *testing.M) {
	os.Exit(testpg.Main(m, &tdb, nil))
}

// serve starts the real app on a loopback port and returns its base URL
// and a func that stops it (to simulate the server going away).
func serve(t *testing.T) (string, func()) {
	t.Helper()
	v, err := views.New()
	if err != nil {
		t.Fatal(err)
	}
	latest, err := database.LatestVersion()
	if err != nil {
		t.Fatal(err)
	}
	q := queries.MustLoad()
	srv, err := handlers.New(rls.NewPool(tdb.Login, q, 5*time.Second), q, v, handlers.Options{
		Secret: testpg.Secret, SchemaVersion: latest, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	app := srv.App()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln) //nolint:errcheck // ends with Shutdown
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = app.ShutdownWithTimeout(5 * time.Second)
		}
	}
	t.Cleanup(stop)
	return "http://" + ln.Addr().String(), stop
}

func newBrowser(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel, err := browser.New(context.Background(), 1366, 900)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// screenshot saves what the browser shows, for people to look at: under
// $RUMBO_SCREENSHOTS when set, else the test's temp dir.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("RUMBO_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

type fixture struct {
	org      testpg.Org
	boss     testpg.User
	areaID   string
	ventasID string
}

func seed(t *testing.T) fixture {
	t.Helper()
	f := fixture{}
	f.org = tdb.NewOrg(t, "Andes Digital")
	f.boss = tdb.Member(t, f.org, "Ana Directora", "corporativo")
	f.areaID = tdb.NewArea(t, f.org, "Tecnología")
	f.ventasID = tdb.NewArea(t, f.org, "Ventas")
	other := tdb.NewOrg(t, "Otra Empresa")
	tdb.NewObjective(t, other, testpg.Objective{Title: "Secreto de otra empresa"})
	today := time.Now().UTC().Truncate(24 * time.Hour)
	titles := []string{"Aumentar la retención de clientes", "Lanzar la app móvil", "Reducir costes logísticos",
		"Mejorar el NPS", "Abrir oficina en Lima", "Automatizar la facturación"}
	for i := 0; i < 30; i++ {
		status := []string{"draft", "in_progress", "completed", "cancelled"}[i%4]
		area := f.areaID
		if i%3 == 0 {
			area = f.ventasID
		}
		id := tdb.NewObjective(t, f.org, testpg.Objective{
			Title: fmt.Sprintf("%s %d", titles[i%len(titles)], i+1), Status: status, Owner: f.boss.ID, Area: area,
			Start: today.AddDate(0, -2, 0), End: today.AddDate(0, 0, i-5), Priority: []string{"low", "medium", "high"}[i%3],
		})
		tdb.NewKeyResult(t, f.org, id, testpg.KeyResult{Title: "Resultado clave", Start: 0, Target: 100, Current: float64(i * 3)})
	}
	return f
}

func signIn(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(base+"/objectives"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=email]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), email),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), testpg.Password),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#objectives-table tr[data-id]`)),
	)
}

func TestObjectivesInTheBrowser(t *testing.T) {
	f := seed(t)
	base, stop := serve(t)
	ctx := newBrowser(t)
	signIn(t, ctx, base, f.boss.Email)

	if loc := eval[string](t, ctx, `location.pathname`); loc != "/objectives" {
		t.Fatalf("after login the browser is at %s, want /objectives (the next= target)", loc)
	}
	text := eval[string](t, ctx, `document.body.textContent`)
	for _, want := range []string{"Objetivos", "Andes Digital", "Ana Directora", "Progreso promedio", "Vencidos",
		"Aumentar la retención de clientes 1", "30 objetivos"} {
		if !strings.Contains(text, want) {
			t.Errorf("page text lacks %q", want)
		}
	}
	if strings.Contains(text, "Secreto de otra empresa") {
		t.Fatal("another organisation's objective is on screen")
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#objectives-table tr[data-id]").length`); n != 25 {
		t.Errorf("first page shows %d rows, want 25", n)
	}
	if errs := eval[int](t, ctx, `document.querySelectorAll(".fragment-error").length`); errs != 0 {
		t.Errorf("%d fragments show an error state", errs)
	}
	screenshot(t, ctx, "objectives")

	// a filter swaps the table through htmx and moves the address bar
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS(`select[name=status]`), "completed"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("select[name=status]").dispatchEvent(new Event("change", {bubbles: true}))`),
		chromedp.Poll[chromedp.Void](`location.search === "?status=completed" && document.querySelectorAll("#objectives-table tr[data-id]").length === 7 && !document.querySelector("[aria-busy]")`),
	)
	if got := eval[string](t, ctx, `[...document.querySelectorAll("#objectives-table .badge.status-completed")].length + ""`); got != "7" {
		t.Errorf("filtered table shows %s completed badges, want 7", got)
	}
	// reloading the URL shows the same view
	do(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#objectives-table tr[data-id]`)))
	if n := eval[int](t, ctx, `document.querySelectorAll("#objectives-table tr[data-id]").length`); n != 7 {
		t.Errorf("after reload the filtered table shows %d rows", n)
	}
	if v := eval[string](t, ctx, `document.querySelector("select[name=status]").value`); v != "completed" {
		t.Errorf("after reload the status filter is %q", v)
	}

	// pagination through htmx, then the detail page
	do(t, ctx, chromedp.Navigate(base+"/objectives"), chromedp.WaitVisible(chromedp.CSS(`a[rel=next]`)),
		chromedp.Click(chromedp.CSS(`a[rel=next]`)),
		chromedp.Poll[chromedp.Void](`location.search.startsWith("?after=") && document.querySelectorAll("#objectives-table tr[data-id]").length === 5`),
		chromedp.Click(chromedp.CSS(`#objectives-table tr[data-id] td.title-cell a`)),
		chromedp.WaitVisible(chromedp.CSS(`.detail`)),
	)
	detail := eval[string](t, ctx, `document.body.textContent`)
	for _, want := range []string{"Resultados clave", "Resultado clave", "¿Cómo se calcula el progreso?", "Responsable"} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail page lacks %q", want)
		}
	}
	screenshot(t, ctx, "objective-detail")

	// create an objective through the htmx form: a validation error first
	do(t, ctx, chromedp.Navigate(base+"/objectives/new"), chromedp.WaitVisible(chromedp.CSS(`#objective-form`)),
		chromedp.SetValue(chromedp.CSS(`input[name=end_date]`), "2020-01-01"),
		chromedp.SendKeys(chromedp.CSS(`input[name=title]`), "Expandir a Chile"),
		chromedp.Click(chromedp.CSS(`#objective-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.field-error`)),
	)
	if msg := eval[string](t, ctx, `document.querySelector(".field-error").innerText`); !strings.Contains(msg, "no puede ser anterior") {
		t.Errorf("field error %q", msg)
	}
	screenshot(t, ctx, "objective-form-error")
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS(`input[name=end_date]`), time.Now().AddDate(0, 6, 0).Format("2006-01-02")),
		chromedp.Click(chromedp.CSS(`#objective-form button[type=submit]`)),
	)
	// HX-Redirect navigates to the new objective's page
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`.detail h1`)))
	if h1 := eval[string](t, ctx, `document.querySelector(".detail h1").textContent`); h1 != "Expandir a Chile" {
		t.Errorf("after creating, the page shows %q", h1)
	}

	// the server goes away: a refresh shows the error state with Reintentar
	do(t, ctx, chromedp.Navigate(base+"/objectives"), chromedp.WaitVisible(chromedp.CSS(`#objectives-table tr[data-id]`)))
	stop()
	do(t, ctx,
		chromedp.Evaluate[chromedp.Void](`htmx.trigger(document.body, "objectives-changed")`),
		chromedp.WaitVisible(chromedp.CSS(`#objectives-table .fragment-error button`)),
	)
	if txt := eval[string](t, ctx, `document.querySelector("#objectives-stats").innerText`); !strings.Contains(txt, "Error cargando datos") {
		t.Errorf("stats card after the server stopped: %q", txt)
	}
	screenshot(t, ctx, "fragment-error")
}

// TestWorksWithJavaScriptOff: the filters are a plain GET form and the
// pager plain links, so the page is complete without htmx.
func TestWorksWithJavaScriptOff(t *testing.T) {
	f := seed(t)
	base, _ := serve(t)
	ctx := newBrowser(t)
	do(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	signIn(t, ctx, base, f.boss.Email)
	// pick the area with the keyboard and submit with the mouse: no script runs
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`select[name=area]`), "Ventas"),
		chromedp.Click(chromedp.CSS(`#objectives-filters button[type=submit]`)),
	)
	// page scripts are off, so wait for the navigation from Go
	var loc string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var err error
		if loc, err = chromedp.Run(ctx, chromedp.Location()); err == nil && strings.Contains(loc, "area=") {
			break
		}
	}
	if !strings.Contains(loc, "area="+f.ventasID) {
		t.Fatalf("the plain form did not navigate with the filter: %s", loc)
	}
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`#objectives-table tr[data-id]`)))
	rows, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll(`#objectives-table tr[data-id]`)))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 10 {
		t.Errorf("area filter without JavaScript shows %d rows, want 10", len(rows))
	}
}

// TestSignUpAndOnboardingInTheBrowser: a newcomer creates an account and an
// organisation, and a half-filled onboarding survives a reload.
func TestSignUpAndOnboardingInTheBrowser(t *testing.T) {
	base, _ := serve(t)
	ctx := newBrowser(t)
	do(t, ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.Click(chromedp.CSS(`a[href="/signup"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=name]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "Lucía Fundadora"),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), "lucia@fundadora.test"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "corta"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.field-error`)),
	)
	screenshot(t, ctx, "signup-error")
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "una brújula que no falla"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=slug]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "Brújula Digital"),
	)
	// the draft is saved as she types (htmx, after a pause), so a reload keeps it
	var saved bool
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !saved; time.Sleep(200 * time.Millisecond) {
		var draft string
		tdb.Get(t, &draft, `SELECT coalesce(onboarding_draft->>'name', '') FROM users WHERE email = 'lucia@fundadora.test'`)
		saved = draft == "Brújula Digital"
	}
	if !saved {
		t.Fatal("the onboarding draft was not saved while typing")
	}
	do(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`input[name=name]`)))
	if v := eval[string](t, ctx, `document.querySelector("input[name=name]").value`); v != "Brújula Digital" {
		t.Fatalf("after reload the name is %q", v)
	}
	screenshot(t, ctx, "onboarding")
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#dashboard-recent .empty-state`)),
	)
	text := eval[string](t, ctx, `document.body.textContent`)
	for _, want := range []string{"Brújula Digital", "Lucía Fundadora", "Dashboard OKR", "No hay objetivos en este periodo"} {
		if !strings.Contains(text, want) {
			t.Errorf("after onboarding the page lacks %q", want)
		}
	}
	screenshot(t, ctx, "first-dashboard")
}
