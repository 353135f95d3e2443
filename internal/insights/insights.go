// Package insights holds the rules of the /insights page as plain
// functions of their inputs, so every edge (not started, ended, zero-length
// periods, a single check-in, a flat history...) is decided in one place
// and unit-tested without a database.
package insights

import (
	"math"
	"time"
)

// Window is how long, in calendar days counted back from today inclusive,
// a key result may go without a check-in, or an initiative in progress
// without a completed activity, before it is flagged.
const Window = 14

// Pace thresholds, in percent: progress below RiskPercent % of the share
// of time elapsed is "En riesgo", below AttentionPercent % "Atención".
// MinElapsedPercent is the share of the period that must have passed
// before pace is judged: on day one of a quarter any objective at 0 % is
// "behind" a 1 % target, which tells nobody anything.
const (
	RiskPercent       = 75
	AttentionPercent  = 95
	MinElapsedPercent = 10
)

// PaceState is what the pace rule says about one objective.
type PaceState string

const (
	PaceRisk       PaceState = "risk"        // progress < 0.75 x expected
	PaceAttention  PaceState = "attention"   // 0.75 x expected <= progress < 0.95 x expected
	PaceOnTrack    PaceState = "on_track"    // progress >= 0.95 x expected
	PaceEarly      PaceState = "early"       // less than 10 % of the period elapsed: not judged
	PaceNotStarted PaceState = "not_started" // today is before the start date: not judged
	PaceEnded      PaceState = "ended"       // the end date has passed: overdue, not a pace matter
	PaceClosed     PaceState = "closed"      // completed or cancelled: nothing to watch
)

// Pace is the pace rule's verdict with the numbers behind it.
type Pace struct {
	State     PaceState
	Expected  int // share of the period elapsed, whole percent, rounded half up
	Progress  int
	Elapsed   int // days from the start date to today
	TotalDays int // days from the start date to the end date
}

// Flagged reports an objective the page lists (risk or attention).
func (p Pace) Flagged() bool { return p.State == PaceRisk || p.State == PaceAttention }

// PaceOf judges an objective's progress (whole percent) against the share
// of its own period (start and end dates, inclusive) elapsed by today. All
// three dates are calendar dates; their clock time is ignored. The share is
// (today - start) / (end - start): 0 on the start date, 100 % on the end
// date. A zero-length period (start = end) is 100 % elapsed on its only day.
// The comparison is exact integer arithmetic, so 75 % of expected is
// "Atención", not "En riesgo".
func PaceOf(start, end, today time.Time, progress int, status string) Pace {
	p := Pace{Progress: progress}
	if status == "completed" || status == "cancelled" {
		p.State = PaceClosed
		return p
	}
	s, e, t := dayNumber(start), dayNumber(end), dayNumber(today)
	p.Elapsed, p.TotalDays = int(t-s), int(e-s)
	switch {
	case t < s:
		p.State = PaceNotStarted
		return p
	case t > e:
		p.State, p.Expected = PaceEnded, 100
		return p
	}
	el, tot := t-s, e-s
	if tot == 0 { // zero-length: its one day is the whole period
		el, tot = 1, 1
	}
	p.Expected = int((200*el + tot) / (2 * tot)) // round half up
	// progress/100 < ratio/100 * el/tot, multiplied out to stay exact
	pr := int64(progress)
	switch {
	case 100*el < MinElapsedPercent*tot:
		p.State = PaceEarly
	case pr*tot < RiskPercent*el:
		p.State = PaceRisk
	case pr*tot < AttentionPercent*el:
		p.State = PaceAttention
	default:
		p.State = PaceOnTrack
	}
	return p
}

// dayNumber counts calendar days (of the date as written, in its own
// location) since 1970-01-01.
func dayNumber(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// DaysBetween is the number of calendar days from a to b.
func DaysBetween(a, b time.Time) int { return int(dayNumber(b) - dayNumber(a)) }

// Point is one check-in: a value at a time.
type Point struct {
	At    time.Time
	Value float64
}

// KeyResult is what the forecast needs to know about a key result.
type KeyResult struct {
	Start, Target, Current float64
	Decrease               bool // the target is below the start
}

// Reached reports whether the current value has reached the target in the
// key result's direction (start = target included: reached once current
// is at the target or beyond it).
func (k KeyResult) Reached() bool {
	if k.Decrease {
		return k.Current <= k.Target
	}
	return k.Current >= k.Target
}

// ForecastState is what the forecast says about one key result.
type ForecastState string

const (
	ForecastReached      ForecastState = "reached"      // already at the target: nothing to forecast
	ForecastInsufficient ForecastState = "insufficient" // fewer than two check-ins: no trend yet
	ForecastSameDay      ForecastState = "same_day"     // every check-in on one day: no time span to fit
	ForecastOnTrack      ForecastState = "on_track"     // the line reaches the target by the end date
	ForecastOffTrack     ForecastState = "off_track"    // it does not (too slow, flat or moving away)
)

// Forecast is the least-squares line through a key result's check-ins,
// read at the objective's end.
type Forecast struct {
	State  ForecastState
	Points int
	// PerDay is the fitted slope, in the key result's unit per day.
	PerDay float64
	// AtEnd is the line's value at the end; ReachOn the day it crosses
	// the target (zero when it never does: flat or moving away).
	AtEnd   float64
	ReachOn time.Time
	Flat    bool // the line does not move
	Away    bool // the line moves away from the target
}

// OffTrack reports a forecast the page flags.
func (f Forecast) OffTrack() bool { return f.State == ForecastOffTrack }

// ForecastOf fits value = a + b·t by least squares through the check-ins
// (t in days since the first) and reads it at end (the end of the
// objective's last day). The start value the key result was created with
// is not a point: it is a plan, not a measurement, and loaders record the
// baseline as a check-in anyway. A forecast needs at least two check-ins
// on two different calendar days (in the points' location).
func ForecastOf(k KeyResult, points []Point, end time.Time) Forecast {
	f := Forecast{Points: len(points)}
	if k.Reached() {
		f.State = ForecastReached
		return f
	}
	if len(points) < 2 {
		f.State = ForecastInsufficient
		return f
	}
	first, last := points[0].At, points[0].At
	for _, p := range points[1:] {
		if p.At.Before(first) {
			first = p.At
		}
		if p.At.After(last) {
			last = p.At
		}
	}
	if dayNumber(first) == dayNumber(last) {
		f.State = ForecastSameDay
		return f
	}
	days := func(t time.Time) float64 { return t.Sub(first).Hours() / 24 }
	n := float64(len(points))
	var mx, my float64
	for _, p := range points {
		mx += days(p.At)
		my += p.Value
	}
	mx, my = mx/n, my/n
	var sxy, sxx float64
	for _, p := range points {
		dx := days(p.At) - mx
		sxy += dx * (p.Value - my)
		sxx += dx * dx
	}
	b := sxy / sxx // sxx > 0: the points span more than one day
	a := my - b*mx
	xEnd := days(end)
	f.PerDay, f.AtEnd = b, a+b*xEnd
	// A slope that moves the value by less than a hundredth (the values'
	// precision) over the whole horizon is no movement at all.
	f.Flat = math.Abs(b)*math.Max(xEnd, days(last)) < 0.005
	toward := !f.Flat && (b > 0) != k.Decrease
	f.Away = !f.Flat && !toward
	if toward {
		xHit := (k.Target - a) / b
		hit := first.Add(time.Duration(xHit * 24 * float64(time.Hour)))
		if hit.Before(last) {
			hit = last // the line says "by now"; it cannot say "in the past"
		}
		f.ReachOn = hit
		if xHit <= xEnd {
			f.State = ForecastOnTrack
			return f
		}
	}
	f.State = ForecastOffTrack
	return f
}
