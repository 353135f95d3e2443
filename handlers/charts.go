package handlers

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// What the dashboard and the analytics page share: calendar buckets in the
// organisation's time zone (r.sess.Today is already its date), the weekly
// progress record carried forward, the fragments' refresh wiring and the
// CSV writer.

// weekStart is the Monday of t's week (date_trunc('week') in PostgreSQL).
func weekStart(t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// monthStart is the first day of t's month.
func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// sameDay compares calendar dates whatever their location.
func sameDay(a, b time.Time) bool {
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}

var monthsShortES = [...]string{"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"}
var monthsLongES = [...]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
	"septiembre", "octubre", "noviembre", "diciembre"}

// weekLabel names a week by its Monday: "3 nov".
func weekLabel(t time.Time) string {
	return strconv.Itoa(t.Day()) + " " + monthsShortES[t.Month()-1]
}

// monthLabel names a month: "nov 2026" (short) or "noviembre 2026".
func monthLabel(t time.Time, long bool) string {
	if long {
		return monthsLongES[t.Month()-1] + " " + strconv.Itoa(t.Year())
	}
	return monthsShortES[t.Month()-1] + " " + strconv.Itoa(t.Year()%100)
}

// progressWeek is one row of the weekly progress record (00013): the
// totals of one (period, area) series as of a week.
type progressWeek struct {
	PeriodID    string    `db:"period_id"`
	AreaID      string    `db:"area_id"`
	Week        time.Time `db:"week"`
	N           int64     `db:"n"`
	ProgressSum int64     `db:"progress_sum"`
}

// carryForward turns the record into a value per week: each series counts
// with its latest row at or before the week (progress only changes with
// writes, and every write records its week), and the week's progress is
// the series' summed progress over their summed objectives, rounded half
// up. A week before any series has a row is unknown; one whose series hold
// no objectives is 0.
func carryForward(rows []progressWeek, weeks []time.Time) (values []int, known []bool) {
	type series struct{ period, area string }
	latest := map[series]progressWeek{}
	i := 0
	for _, w := range weeks {
		for ; i < len(rows) && !rows[i].Week.After(w); i++ {
			latest[series{rows[i].PeriodID, rows[i].AreaID}] = rows[i]
		}
		var n, sum int64
		for _, r := range latest {
			n += r.N
			sum += r.ProgressSum
		}
		switch {
		case len(latest) == 0:
			values, known = append(values, 0), append(known, false)
		case n == 0:
			values, known = append(values, 0), append(known, true)
		default:
			values, known = append(values, int((2*sum+n)/(2*n))), append(known, true)
		}
	}
	return values, known
}

// okrEvents are the write events every dashboard and analytics fragment
// refreshes on (the OKR core's HX-Trigger names).
const okrEvents = "objectives-changed from:body, initiatives-changed from:body, activities-changed from:body"

// csvCell neutralises a value a spreadsheet would run as a formula (OWASP:
// a leading = + - @, tab or carriage return) by prefixing an apostrophe.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// sendCSV answers a download: UTF-8 with a BOM (so Excel reads accents),
// Spanish headers, every cell neutralised.
func sendCSV(c *fiber.Ctx, filename string, header []string, rows [][]string) error {
	var b bytes.Buffer
	b.WriteString("\uFEFF")
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	for _, rec := range append([][]string{header}, rows...) {
		out := make([]string, len(rec))
		for i, v := range rec {
			out[i] = csvCell(v)
		}
		if err := w.Write(out); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	return c.Send(b.Bytes())
}
