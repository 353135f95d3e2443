package main

import (
	"context"
	"fmt"
	"time"

	"github.com/chromedp/chromedp"

	"rumbo/internal/browser"
)

// pageLoad is one page's full loads in the browser.
type pageLoad struct {
	Path, What string
	latency
}

// measurePageLoads signs in through the login form in headless Chromium,
// then loads each page n times and reads the Navigation Timing of each: the
// pages render their fragments inline, so the load event is the moment
// every card and table is on screen.
func measurePageLoads(ctx context.Context, base string, n int) ([]pageLoad, error) {
	bctx, cancel, err := browser.New(ctx, 1366, 900)
	if err != nil {
		return nil, err
	}
	defer cancel()
	bctx, cancelTimeout := context.WithTimeout(bctx, 5*time.Minute)
	defer cancelTimeout()
	if err := chromedp.Do(bctx,
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), "bench@big.test"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "rumbo-bench"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-stat]`)), // the dashboard, where signing in leads
	); err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	pages := []struct{ path, what, ready string }{
		{"/objectives", "stats and the table", `#objectives-table tr[data-id]`},
		{"/dashboard", "every card and chart", `[data-stat]`},
		{"/analytics", "every card and table", `[data-stat]`},
		{"/insights", "the summary and every rule's list", `[data-stat]`},
	}
	var out []pageLoad
	for _, pg := range pages {
		var ms []float64
		for i := 0; i < n+3; i++ {
			if err := chromedp.Do(bctx, chromedp.Navigate(base+pg.path), chromedp.WaitVisible(chromedp.CSS(pg.ready))); err != nil {
				return nil, fmt.Errorf("%s: %w", pg.path, err)
			}
			load, err := chromedp.Run(bctx, chromedp.Evaluate[float64](`new Promise(r => {
			const done = () => { const e = performance.getEntriesByType("navigation")[0]; r(e.loadEventEnd - e.startTime); };
			if (document.readyState === "complete" && performance.getEntriesByType("navigation")[0].loadEventEnd > 0) done();
			else addEventListener("load", () => setTimeout(done, 0));
		})`, chromedp.EvalAwaitPromise))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", pg.path, err)
			}
			if i >= 3 { // the first loads warm the caches
				ms = append(ms, load)
			}
		}
		out = append(out, pageLoad{Path: pg.path, What: pg.what, latency: summarise(ms, 0, time.Second)})
	}
	return out, nil
}
