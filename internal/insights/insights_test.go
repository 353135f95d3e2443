package insights

import (
	"math"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestPaceOf(t *testing.T) {
	// A 100-day period: 2026-01-01 .. 2026-04-11.
	start, end := day("2026-01-01"), day("2026-04-11")
	cases := []struct {
		name             string
		start, end, now  time.Time
		progress         int
		status           string
		want             PaceState
		expected, elapsd int
	}{
		{"not started", start, end, day("2025-12-31"), 0, "draft", PaceNotStarted, 0, -1},
		{"first day is early", start, end, start, 0, "in_progress", PaceEarly, 0, 0},
		{"9 % elapsed is early", start, end, day("2026-01-10"), 0, "in_progress", PaceEarly, 9, 9},
		{"10 % elapsed is judged", start, end, day("2026-01-11"), 0, "in_progress", PaceRisk, 10, 10},
		{"below 0.75 x expected", start, end, day("2026-03-02"), 44, "in_progress", PaceRisk, 60, 60},
		{"exactly 0.75 x expected is attention", start, end, day("2026-03-02"), 45, "in_progress", PaceAttention, 60, 60},
		{"just below 0.95 x expected", start, end, day("2026-03-02"), 56, "in_progress", PaceAttention, 60, 60},
		{"exactly 0.95 x expected is on track", start, end, day("2026-03-02"), 57, "in_progress", PaceOnTrack, 60, 60},
		{"ahead", start, end, day("2026-03-02"), 90, "in_progress", PaceOnTrack, 60, 60},
		{"draft objectives are judged too", start, end, day("2026-03-02"), 0, "draft", PaceRisk, 60, 60},
		{"last day counts as 100 %", start, end, end, 94, "in_progress", PaceAttention, 100, 100},
		{"already reached", start, end, day("2026-03-02"), 100, "in_progress", PaceOnTrack, 60, 60},
		{"ended", start, end, day("2026-04-12"), 10, "in_progress", PaceEnded, 100, 101},
		{"completed", start, end, day("2026-03-02"), 10, "completed", PaceClosed, 0, 0},
		{"cancelled", start, end, day("2026-03-02"), 10, "cancelled", PaceClosed, 0, 0},
		{"zero-length, its day, behind", start, start, start, 50, "in_progress", PaceRisk, 100, 0},
		{"zero-length, its day, done", start, start, start, 100, "in_progress", PaceOnTrack, 100, 0},
		{"zero-length, before", start, start, day("2025-12-31"), 0, "draft", PaceNotStarted, 0, -1},
		{"zero-length, after", start, start, day("2026-01-02"), 0, "draft", PaceEnded, 100, 1},
		{"expected rounds half up", day("2026-01-01"), day("2026-01-09"), day("2026-01-02"), 100, "in_progress", PaceOnTrack, 13, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := PaceOf(c.start, c.end, c.now, c.progress, c.status)
			if got.State != c.want {
				t.Errorf("state = %s, want %s (%+v)", got.State, c.want, got)
			}
			if got.State != PaceClosed && (got.Expected != c.expected || got.Elapsed != c.elapsd) {
				t.Errorf("expected %d %%, elapsed %d days; want %d %%, %d days", got.Expected, got.Elapsed, c.expected, c.elapsd)
			}
			if got.Flagged() != (c.want == PaceRisk || c.want == PaceAttention) {
				t.Errorf("Flagged() = %v for %s", got.Flagged(), got.State)
			}
		})
	}
}

func TestPaceIgnoresClockAndZone(t *testing.T) {
	bogota := time.FixedZone("COT", -5*3600)
	start := time.Date(2026, 1, 1, 23, 59, 0, 0, bogota) // still 1 January where it was written
	end := time.Date(2026, 4, 11, 0, 0, 0, 0, time.UTC)
	now := time.Date(2026, 3, 2, 22, 0, 0, 0, bogota)
	if got := PaceOf(start, end, now, 44, "in_progress"); got.State != PaceRisk || got.Expected != 60 {
		t.Fatalf("got %+v, want risk at 60 %%", got)
	}
}

func pts(base time.Time, pairs ...float64) []Point {
	var out []Point
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, Point{At: base.Add(time.Duration(pairs[i] * 24 * float64(time.Hour))), Value: pairs[i+1]})
	}
	return out
}

func TestForecastOf(t *testing.T) {
	base := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	end := base.AddDate(0, 0, 100) // day 100
	inc := KeyResult{Start: 0, Target: 100, Current: 30}
	cases := []struct {
		name    string
		kr      KeyResult
		points  []Point
		want    ForecastState
		atEnd   float64
		reachOn float64 // days after base; -1: none
		flat    bool
		away    bool
	}{
		{"already reached", KeyResult{Start: 0, Target: 100, Current: 100}, pts(base, 0, 10, 10, 100), ForecastReached, 0, -1, false, false},
		{"no check-ins", inc, nil, ForecastInsufficient, 0, -1, false, false},
		{"one check-in", inc, pts(base, 0, 30), ForecastInsufficient, 0, -1, false, false},
		{"all on the same day", inc, pts(base, 0, 10, 0.2, 20, 0.4, 30), ForecastSameDay, 0, -1, false, false},
		{"on track: 1 a day reaches 100 on day 100", inc, pts(base, 0, 0, 10, 10, 30, 30), ForecastOnTrack, 100, 100, false, false},
		{"off track: half a day reaches 50", inc, pts(base, 0, 0, 20, 10, 60, 30), ForecastOffTrack, 50, 200, false, false},
		{"flat history", KeyResult{Start: 0, Target: 100, Current: 40}, pts(base, 0, 40, 7, 40, 14, 40), ForecastOffTrack, 40, -1, true, false},
		{"moving away", KeyResult{Start: 0, Target: 100, Current: 20}, pts(base, 0, 40, 10, 30, 20, 20), ForecastOffTrack, -60, -1, false, true},
		{"decreasing, on track", KeyResult{Start: 100, Target: 20, Current: 70, Decrease: true}, pts(base, 0, 100, 10, 90, 30, 70), ForecastOnTrack, 0, 80, false, false},
		{"decreasing, off track", KeyResult{Start: 100, Target: 20, Current: 85, Decrease: true}, pts(base, 0, 100, 10, 95, 30, 85), ForecastOffTrack, 50, 160, false, false},
		{"decreasing, rising is away", KeyResult{Start: 100, Target: 20, Current: 110, Decrease: true}, pts(base, 0, 100, 10, 110), ForecastOffTrack, 200, -1, false, true},
		{"start = target, reached", KeyResult{Start: 50, Target: 50, Current: 50}, pts(base, 0, 50, 10, 50), ForecastReached, 0, -1, false, false},
		{"start = target, below it and recovering", KeyResult{Start: 50, Target: 50, Current: 45}, pts(base, 0, 40, 10, 45), ForecastOnTrack, 90, 20, false, false},
		{"line already past the target: by the last check-in", KeyResult{Start: 0, Target: 10, Current: 9},
			pts(base, 0, 0, 1, 20, 2, 9), ForecastOnTrack, 5.0 + 1.0/6 + 4.5*100, 2, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ForecastOf(c.kr, c.points, end)
			if got.State != c.want {
				t.Fatalf("state = %s, want %s (%+v)", got.State, c.want, got)
			}
			if got.Points != len(c.points) {
				t.Errorf("points = %d, want %d", got.Points, len(c.points))
			}
			if c.want != ForecastOnTrack && c.want != ForecastOffTrack {
				return
			}
			if math.Abs(got.AtEnd-c.atEnd) > 1e-6 {
				t.Errorf("at end = %v, want %v", got.AtEnd, c.atEnd)
			}
			if got.Flat != c.flat || got.Away != c.away {
				t.Errorf("flat %v away %v, want %v %v", got.Flat, got.Away, c.flat, c.away)
			}
			if c.reachOn < 0 {
				if !got.ReachOn.IsZero() {
					t.Errorf("reach on %v, want none", got.ReachOn)
				}
			} else if d := got.ReachOn.Sub(base).Hours()/24 - c.reachOn; math.Abs(d) > 1e-3 {
				t.Errorf("reach on day %v, want %v", got.ReachOn.Sub(base).Hours()/24, c.reachOn)
			}
			if got.OffTrack() != (c.want == ForecastOffTrack) {
				t.Errorf("OffTrack() = %v", got.OffTrack())
			}
		})
	}
}

func TestDaysBetween(t *testing.T) {
	if got := DaysBetween(day("2026-02-27"), day("2026-03-02")); got != 3 {
		t.Fatalf("got %d", got)
	}
}
