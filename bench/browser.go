package main

import (
	"context"
	"fmt"
	"time"

	"github.com/chromedp/chromedp"

	"rumbo/internal/browser"
)

// measurePageLoads signs in through the login form in headless Chromium,
// then loads /objectives n times and reads the Navigation Timing of each:
// the page renders its fragments inline, so the load event is the moment
// every stats card and the table are on screen.
func measurePageLoads(ctx context.Context, base string, _ *session, n int) (latency, error) {
	bctx, cancel, err := browser.New(ctx, 1366, 900)
	if err != nil {
		return latency{}, err
	}
	defer cancel()
	bctx, cancelTimeout := context.WithTimeout(bctx, 5*time.Minute)
	defer cancelTimeout()
	if err := chromedp.Do(bctx,
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), "bench@big.test"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "rumbo-bench"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("objectives-table")),
	); err != nil {
		return latency{}, fmt.Errorf("sign in: %w", err)
	}
	var ms []float64
	for i := 0; i < n+3; i++ {
		if err := chromedp.Do(bctx, chromedp.Navigate(base+"/objectives"), chromedp.WaitVisible(chromedp.CSS(`#objectives-table tr[data-id]`))); err != nil {
			return latency{}, err
		}
		load, err := chromedp.Run(bctx, chromedp.Evaluate[float64](`new Promise(r => {
			const done = () => { const e = performance.getEntriesByType("navigation")[0]; r(e.loadEventEnd - e.startTime); };
			if (document.readyState === "complete" && performance.getEntriesByType("navigation")[0].loadEventEnd > 0) done();
			else addEventListener("load", () => setTimeout(done, 0));
		})`, chromedp.EvalAwaitPromise))
		if err != nil {
			return latency{}, err
		}
		if i >= 3 { // the first loads warm the caches
			ms = append(ms, load)
		}
	}
	return summarise(ms, 0, time.Second), nil
}
