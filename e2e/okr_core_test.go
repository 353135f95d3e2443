package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rumbo/internal/testpg"
)

// TestKeyResultsAndCheckInsInTheBrowser: a corporativo adds a key result
// through the htmx form (an error first), records a check-in, and the
// objective's progress follows; then an activity's status changes inline
// and the activities stats refresh by themselves.
func TestKeyResultsAndCheckInsInTheBrowser(t *testing.T) {
	f := seed(t)
	objective := tdb.NewObjective(t, f.org, testpg.Objective{Title: "Crecer en Perú", Owner: f.boss.ID, Area: f.areaID})
	var initiative string
	tdb.Get(t, &initiative, `INSERT INTO initiatives (org_id, objective_id, title, start_date, end_date)
		VALUES ($1, $2, 'Abrir canal', current_date, current_date + 60) RETURNING id`, f.org.ID, objective)
	tdb.Exec(t, `INSERT INTO activities (org_id, initiative_id, title, assignee_id, due_date)
		VALUES ($1, $2, 'Firmar distribuidor', $3, current_date + 3)`, f.org.ID, initiative, f.boss.ID)
	base, _ := serve(t)
	ctx := newBrowser(t)
	signIn(t, ctx, base, f.boss.Email)

	do(t, ctx, chromedp.Navigate(base+"/objectives/"+objective+"/key-results/new"),
		chromedp.WaitVisible(chromedp.CSS(`#key-result-form`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=title]`), "Clientes nuevos en Lima"),
		chromedp.SetValue(chromedp.CSS(`input[name=target_value]`), "-5"),
		chromedp.Click(chromedp.CSS(`#key-result-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#key-result-form .field-error`)),
	)
	if msg := eval[string](t, ctx, `document.querySelector("#key-result-form .field-error").innerText`); !strings.Contains(msg, "Para aumentar") {
		t.Errorf("field error %q", msg)
	}
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS(`input[name=target_value]`), "40"),
		chromedp.SetValue(chromedp.CSS(`input[name=unit]`), "clientes"),
		chromedp.Click(chromedp.CSS(`#key-result-form button[type=submit]`)),
	)
	// HX-Redirect navigates to the objective's page
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`.kr-table tr[data-id]`)))
	// check in 10 of 40 from the key result's page
	do(t, ctx, chromedp.Click(chromedp.CSS(`.kr-table a.button.primary`)))
	do(t, ctx,
		chromedp.WaitVisible(chromedp.CSS(`#check-in-form`)),
		chromedp.SetValue(chromedp.CSS(`#check-in-form input[name=value]`), "10"),
		chromedp.SetValue(chromedp.CSS(`#check-in-form input[name=confidence]`), "8"),
		chromedp.SendKeys(chromedp.CSS(`#check-in-form textarea[name=note]`), "Primer distribuidor firmado"),
		chromedp.Click(chromedp.CSS(`#check-in-form button[type=submit]`)),
	)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`.checkin-list li`)))
	if p := eval[string](t, ctx, `document.querySelector("[data-stat=progress]").textContent`); p != "25" {
		t.Errorf("key result progress after the check-in: %q", p)
	}
	screenshot(t, ctx, "key-result-check-in")
	if note := eval[string](t, ctx, `document.querySelector(".checkin-list").innerText`); !strings.Contains(note, "Primer distribuidor firmado") {
		t.Errorf("check-in history: %q", note)
	}
	do(t, ctx, chromedp.Navigate(base+"/objectives/"+objective))
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`.kr-table`)))
	if p := eval[string](t, ctx, `document.querySelector(".detail [data-stat=progress]").textContent`); p != "25" {
		t.Errorf("objective progress after the check-in: %q", p)
	}

	// inline status change: the row swaps, the stats card refreshes itself
	do(t, ctx, chromedp.Navigate(base+"/activities"), chromedp.WaitVisible(chromedp.CSS(`#activities-table tr[data-id] select[name=status]`)))
	before := eval[string](t, ctx, `document.querySelector("#activities-stats [data-stat=completed]").textContent`)
	do(t, ctx,
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector("#activities-table tr[data-id] select[name=status]"); s.value = "completed"; s.dispatchEvent(new Event("change", {bubbles: true})); })()`),
		chromedp.Poll[chromedp.Void](`document.querySelector("#activities-stats [data-stat=completed]").textContent !== `+jsString(before)),
	)
	time.Sleep(200 * time.Millisecond)
	if busy := eval[int](t, ctx, `document.querySelectorAll("[aria-busy=true]").length`); busy != 0 {
		t.Errorf("%d fragments still marked busy after the change", busy)
	}
	var completed string
	tdb.Get(t, &completed, `SELECT status FROM activities WHERE org_id = $1 AND title = 'Firmar distribuidor'`, f.org.ID)
	if completed != "completed" {
		t.Errorf("the activity is %q after the inline change", completed)
	}
	screenshot(t, ctx, "activities-inline-status")
}

func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
