// Package browser starts Debian's Chromium, headless, for the tests and
// benchmarks that are about what a person sees. The flags keep it off the
// network (this machine refuses outside hosts) and let it run as root.
package browser

import (
	"context"
	"fmt"
	"os"
	"os/exec"

	"github.com/chromedp/chromedp"
)

// Path finds the Chromium binary, with a message naming the package when
// it is missing.
func Path() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("chromium not found: install the 'chromium' package (make test installs it on Debian)")
}

// New starts a headless Chromium with a fresh profile and returns a
// chromedp context for one tab. cancel stops the browser and removes the
// profile.
func New(parent context.Context, width, height int) (context.Context, context.CancelFunc, error) {
	path, err := Path()
	if err != nil {
		return nil, nil, err
	}
	profile, err := os.MkdirTemp("", "rumbo-chromium-*")
	if err != nil {
		return nil, nil, err
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.WindowSize(width, height),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.Flag("lang", "es-ES"),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(ctx); err != nil { // start the browser now, so failures surface here
		cancelTab()
		cancelAlloc()
		os.RemoveAll(profile)
		return nil, nil, fmt.Errorf("start chromium: %w", err)
	}
	return ctx, func() {
		cancelTab()
		cancelAlloc()
		os.RemoveAll(profile)
	}, nil
}
