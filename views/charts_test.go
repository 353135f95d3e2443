package views

import (
	"strings"
	"testing"
)

func TestScale(t *testing.T) {
	for _, tc := range []struct{ v, max, length, want float64 }{
		{0, 10, 100, 0}, {5, 10, 100, 50}, {10, 10, 100, 100},
		{15, 10, 100, 100}, // outliers stay inside the plot
		{-3, 10, 100, 0},
		{3, 0, 100, 0}, // all-zero data: no division by zero
		{1, 3, 100, 33.3},
	} {
		if got := Scale(tc.v, tc.max, tc.length); got != tc.want {
			t.Errorf("Scale(%v, %v, %v) = %v, want %v", tc.v, tc.max, tc.length, got, tc.want)
		}
	}
}

func TestNiceScale(t *testing.T) {
	for _, tc := range []struct{ max, top, step int }{
		{0, 1, 1}, {-5, 1, 1}, {1, 1, 1}, {3, 3, 1}, {4, 4, 1}, {7, 8, 2}, {10, 10, 5}, {23, 30, 10},
		{100, 100, 50}, {1250, 1500, 500}, {250000, 300000, 100000},
	} {
		top, step := NiceScale(tc.max)
		if top != tc.top || step != tc.step {
			t.Errorf("NiceScale(%d) = %d, %d; want %d, %d", tc.max, top, step, tc.top, tc.step)
		}
		if top < tc.max || top%step != 0 || top/step > 5 {
			t.Errorf("NiceScale(%d) = %d, %d: top below the data, not a multiple of the step or too many ticks", tc.max, top, step)
		}
	}
}

func TestBarChartGeometry(t *testing.T) {
	c := NewBarChart("t", "d", []string{"ene", "feb", "mar"}, []Series{
		{Name: "Objetivos", Class: "s1", Values: []int{0, 4, 8}},
		{Name: "Actividades", Class: "s2", Values: []int{2}}, // short: the rest count as 0
	})
	if c.Empty {
		t.Fatal("a chart with values is not empty")
	}
	if first := c.YTicks[0]; first.Label != "0" || first.Pos != c.Baseline {
		t.Errorf("the axis starts at %+v, want 0 on the baseline %v", first, c.Baseline)
	}
	if last := c.YTicks[len(c.YTicks)-1]; last.Label != "8" || last.Pos != c.Top {
		t.Errorf("the axis ends at %+v, want 8 at the top %v", last, c.Top)
	}
	if len(c.Groups) != 3 || len(c.Groups[0].Bars) != 2 {
		t.Fatalf("groups %d, bars %d", len(c.Groups), len(c.Groups[0].Bars))
	}
	tallest := c.Groups[2].Bars[0]
	if tallest.Y != c.Top || tallest.Y+tallest.H != c.Baseline || tallest.Value != 8 {
		t.Errorf("the tallest bar %+v does not span the plot", tallest)
	}
	if half := c.Groups[1].Bars[0]; half.H*2 != tallest.H {
		t.Errorf("4 is drawn %v high, 8 is %v: not proportional", half.H, tallest.H)
	}
	if b := c.Groups[2].Bars[1]; b.Value != 0 || b.H != 0 || b.Y != c.Baseline {
		t.Errorf("a missing value is %+v, want a zero bar on the baseline", b)
	}
	for _, g := range c.Groups {
		for _, b := range g.Bars {
			if b.X < c.Left || b.X+b.W > c.Right || b.Y < c.Top || b.Y+b.H > c.Baseline {
				t.Errorf("bar %+v leaves the plot", b)
			}
		}
	}
	if !strings.Contains(c.Groups[1].Bars[0].Title, "Objetivos · feb: 4") {
		t.Errorf("title %q", c.Groups[1].Bars[0].Title)
	}
}

func TestBarChartAllZeroAndEmpty(t *testing.T) {
	c := NewBarChart("t", "d", []string{"a", "b"}, []Series{{Name: "x", Values: []int{0, 0}}})
	if !c.Empty {
		t.Error("all zeros should say empty")
	}
	for _, g := range c.Groups {
		for _, b := range g.Bars {
			if b.H != 0 || b.Y != c.Baseline {
				t.Errorf("zero bar %+v", b)
			}
		}
	}
	if len(c.YTicks) != 2 || c.YTicks[1].Label != "1" {
		t.Errorf("all-zero axis %+v, want 0 and 1", c.YTicks)
	}
	none := NewBarChart("t", "d", nil, nil)
	if len(none.Groups) != 0 || !none.Empty {
		t.Errorf("no labels: %+v", none)
	}
}

func TestBarChartThinsCrowdedLabels(t *testing.T) {
	labels := make([]string, 20)
	for i := range labels {
		labels[i] = "x"
	}
	c := NewBarChart("t", "d", labels, []Series{{Values: make([]int, 20)}})
	shown := 0
	for _, g := range c.Groups {
		if g.ShowLabel {
			shown++
		}
	}
	if shown == 0 || shown >= 20 || !c.Groups[19].ShowLabel {
		t.Errorf("%d of 20 labels shown (last shown: %v)", shown, c.Groups[19].ShowLabel)
	}
}

func TestLineChart(t *testing.T) {
	c := NewLineChart("t", "d", []string{"s1", "s2", "s3", "s4"}, []int{0, 50, 120, -4}, []bool{false, true, true, true}, 75)
	if c.Empty {
		t.Fatal("not empty")
	}
	if c.Points[0].Known {
		t.Error("an unknown value is drawn")
	}
	if p := c.Points[2]; p.Value != 100 || p.Y != c.Top {
		t.Errorf("120 %% is %+v, want clamped to 100 at the top", p)
	}
	if p := c.Points[3]; p.Value != 0 || p.Y != c.Baseline {
		t.Errorf("-4 %% is %+v, want 0 on the baseline", p)
	}
	if got := strings.Count(c.Path, ","); got != 3 {
		t.Errorf("path %q has %d points, want the 3 known ones", c.Path, got)
	}
	if !c.HasTarget || c.Target <= c.Top || c.Target >= c.Baseline {
		t.Errorf("target line at %v", c.Target)
	}
	if c.YTicks[0].Label != "0 %" || c.YTicks[len(c.YTicks)-1].Label != "100 %" {
		t.Errorf("percent axis %+v", c.YTicks)
	}

	one := NewLineChart("t", "d", []string{"s1"}, []int{40}, []bool{true}, -1)
	if one.Empty || one.HasTarget || one.Path == "" || strings.Contains(one.Path, " ") {
		t.Errorf("single point: %+v", one)
	}
	none := NewLineChart("t", "d", []string{"a", "b"}, nil, nil, -1)
	if !none.Empty || none.Path != "" {
		t.Errorf("no values: %+v", none)
	}
}

func TestHBarChart(t *testing.T) {
	c := NewHBarChart("t", "d", []HBar{{Label: "Ventas", Value: 50}, {Label: "TI", Value: 130}, {Label: "Nada", Value: 0}}, 75)
	if c.Rows[0].BarW*2 != c.PlotW {
		t.Errorf("50 %% is %v wide of %v", c.Rows[0].BarW, c.PlotW)
	}
	if c.Rows[1].Value != 100 || c.Rows[1].BarW != c.PlotW {
		t.Errorf("130 %% is %+v, want clamped to the full width", c.Rows[1])
	}
	if c.Rows[2].BarW != 0 {
		t.Errorf("0 %% has width %v", c.Rows[2].BarW)
	}
	if !c.HasTarget || c.TargetX != c.Left+c.PlotW*0.75 {
		t.Errorf("target at %v", c.TargetX)
	}
	if c.Rows[1].BarY <= c.Rows[0].BarY || c.H <= c.Rows[2].BarY {
		t.Errorf("rows overlap or overflow: %+v, height %v", c.Rows, c.H)
	}
	if none := NewHBarChart("t", "d", nil, -1); none.HasTarget || len(none.Rows) != 0 || none.H <= 0 {
		t.Errorf("no rows: %+v", none)
	}
}

func TestRing(t *testing.T) {
	for _, tc := range []struct{ in, want int }{{0, 0}, {40, 40}, {100, 100}, {130, 100}, {-1, 0}} {
		r := NewRing("t", tc.in)
		if r.Value != tc.want {
			t.Errorf("ring %d shows %d", tc.in, r.Value)
		}
		if want := round1(r.Circumference * float64(100-tc.want) / 100); r.Offset != want {
			t.Errorf("ring %d: offset %v, want %v", tc.in, r.Offset, want)
		}
	}
}

func TestSparkline(t *testing.T) {
	s := NewSparkline("t", []string{"a", "b", "c"}, []int{0, 5, 10})
	pts := strings.Split(s.Path, " ")
	if len(pts) != 3 || s.Max != 10 || s.Total != 15 {
		t.Fatalf("%+v", s)
	}
	if pts[0] != "3,29" || pts[2] != "117,3" {
		t.Errorf("path %q: want 0 at the bottom left and the maximum at the top right", s.Path)
	}
	flat := NewSparkline("t", []string{"a", "b"}, []int{0, 0})
	if flat.Path != "3,29 117,29" {
		t.Errorf("all zero: %q, want a flat line on the bottom", flat.Path)
	}
	one := NewSparkline("t", []string{"a"}, []int{7})
	if one.Path != "60,3" {
		t.Errorf("one value: %q, want a point in the middle", one.Path)
	}
	if none := NewSparkline("t", nil, nil); none.Path != "" {
		t.Errorf("no values: %q", none.Path)
	}
}
