package views

import (
	"math"
	"strconv"
)

// Chart geometry for the server-rendered SVG charts (views/charts/*.html).
// Everything here is a pure function from numbers to coordinates, so the
// templates only place what was computed and charts_test.go can check the
// arithmetic: axes always start at 0, bars never leave the plot, all-zero
// and single-point data draw something sensible instead of dividing by 0.

// The frame every cartesian chart shares, in viewBox units. CSS sets the
// rendered width; text is 12 units, so it scales with the chart.
const (
	chartW      = 420.0
	chartH      = 200.0
	chartLeft   = 36.0 // y-axis labels
	chartRight  = 8.0
	chartTop    = 10.0
	chartBottom = 26.0 // x-axis labels
)

// Tick is one axis mark: its coordinate and its label.
type Tick struct {
	Pos   float64
	Label string
}

// round1 keeps one decimal: plenty for a viewBox, and short in the markup.
func round1(x float64) float64 { return math.Round(x*10) / 10 }

// Scale maps v in [0, max] onto [0, length], clamping outliers; a max of 0
// (all-zero data) maps everything to 0.
func Scale(v, max, length float64) float64 {
	if max <= 0 || v <= 0 {
		return 0
	}
	if v >= max {
		return length
	}
	return round1(length * v / max)
}

// NiceScale is the top of a count axis for data up to max, and its step:
// the step is 1, 2 or 5 times a power of ten, chosen so there are at most
// four steps, and the top is the first multiple of it that reaches max. An
// axis for all-zero data still goes from 0 to 1.
func NiceScale(max int) (top, step int) {
	if max <= 0 {
		return 1, 1
	}
	raw := float64(max) / 4
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if s := m * pow; s >= raw {
			step = int(math.Max(1, s))
			break
		}
	}
	top = (max + step - 1) / step * step
	return top, step
}

// Series is one set of values drawn in one colour (a CSS class).
type Series struct {
	Name, Class string
	Values      []int
}

// Bar is one rectangle of a bar chart, with what it stands for.
type Bar struct {
	X, Y, W, H float64
	Value      int
	Class      string
	Title      string // "Activities · Nov: 12", for the <title> tooltip
}

// BarGroup is the bars drawn at one x label.
type BarGroup struct {
	Label     string
	X         float64 // centre, for the label
	ShowLabel bool
	Bars      []Bar
}

// BarChart is a vertical bar chart (several series side by side per label).
type BarChart struct {
	Title, Desc      string
	W, H             float64
	Left, Right, Top float64
	Baseline         float64 // y of 0
	YTicks           []Tick
	Groups           []BarGroup
	Legend           []Series
	Labels           []string // the x labels, for the data table
	Empty            bool     // every value is 0
}

// labelEvery shows every k-th x label so that labels do not collide.
func labelEvery(n int, room float64) int {
	if n <= 0 {
		return 1
	}
	const labelW = 50.0
	k := int(math.Ceil(float64(n) * labelW / room))
	return max(k, 1)
}

// NewBarChart lays out series over labels (each series has a value per
// label; missing values count as 0).
func NewBarChart(title, desc string, labels []string, series []Series) BarChart {
	c := BarChart{Title: title, Desc: desc, W: chartW, H: chartH, Left: chartLeft, Right: chartW - chartRight,
		Top: chartTop, Baseline: chartH - chartBottom, Labels: labels}
	plotW, plotH := chartW-chartLeft-chartRight, chartH-chartTop-chartBottom
	top := 0
	for _, s := range series {
		c.Legend = append(c.Legend, Series{Name: s.Name, Class: s.Class})
		for _, v := range s.Values {
			top = max(top, v)
		}
	}
	c.Empty = top == 0
	top, step := NiceScale(top)
	for v := 0; v <= top; v += step {
		c.YTicks = append(c.YTicks, Tick{Pos: round1(c.Baseline - Scale(float64(v), float64(top), plotH)), Label: strconv.Itoa(v)})
	}
	if len(labels) == 0 {
		return c
	}
	slot := plotW / float64(len(labels))
	inner := slot * 0.8
	barW := inner / float64(max(len(series), 1))
	every := labelEvery(len(labels), plotW)
	for i, label := range labels {
		x0 := chartLeft + slot*float64(i) + (slot-inner)/2
		g := BarGroup{Label: label, X: round1(chartLeft + slot*(float64(i)+0.5)), ShowLabel: (len(labels)-1-i)%every == 0}
		for j, s := range series {
			v := 0
			if i < len(s.Values) {
				v = s.Values[i]
			}
			h := Scale(float64(v), float64(top), plotH)
			g.Bars = append(g.Bars, Bar{X: round1(x0 + barW*float64(j)), Y: round1(c.Baseline - h), W: round1(math.Max(barW-1, 1)),
				H: h, Value: v, Class: s.Class, Title: s.Name + " · " + label + ": " + strconv.Itoa(v)})
		}
		c.Groups = append(c.Groups, g)
	}
	return c
}

// LinePoint is one point of a line chart; Known is false where there is
// no value (before a record starts), which the line skips.
type LinePoint struct {
	X, Y      float64
	Value     int
	Known     bool
	Label     string
	ShowLabel bool
}

// LineChart is a line over evenly spaced x labels, on a 0-100 % axis.
type LineChart struct {
	Title, Desc      string
	W, H             float64
	Left, Right, Top float64
	Baseline         float64
	YTicks           []Tick
	Points           []LinePoint
	Path             string // polyline points of the known values
	Target           float64
	HasTarget        bool
	Empty            bool // no known value
}

// NewLineChart lays out percentages (clamped to 0-100) over labels; known
// says which values exist. A target (0-100, or -1 for none) is drawn as a
// dashed line.
func NewLineChart(title, desc string, labels []string, values []int, known []bool, target int) LineChart {
	c := LineChart{Title: title, Desc: desc, W: chartW, H: chartH, Left: chartLeft, Right: chartW - chartRight,
		Top: chartTop, Baseline: chartH - chartBottom, Empty: true}
	plotW, plotH := chartW-chartLeft-chartRight, chartH-chartTop-chartBottom
	for v := 0; v <= 100; v += 25 {
		c.YTicks = append(c.YTicks, Tick{Pos: round1(c.Baseline - Scale(float64(v), 100, plotH)), Label: strconv.Itoa(v) + " %"})
	}
	if target >= 0 {
		c.HasTarget, c.Target = true, round1(c.Baseline-Scale(float64(min(target, 100)), 100, plotH))
	}
	n := len(labels)
	if n == 0 {
		return c
	}
	slot := plotW / float64(n)
	every := labelEvery(n, plotW)
	var path []byte
	for i, label := range labels {
		p := LinePoint{X: round1(chartLeft + slot*(float64(i)+0.5)), Label: label, ShowLabel: (n-1-i)%every == 0}
		if i < len(values) && i < len(known) && known[i] {
			v := min(max(values[i], 0), 100)
			p.Known, p.Value = true, v
			p.Y = round1(c.Baseline - Scale(float64(v), 100, plotH))
			c.Empty = false
			if len(path) > 0 {
				path = append(path, ' ')
			}
			path = strconv.AppendFloat(path, p.X, 'f', -1, 64)
			path = append(path, ',')
			path = strconv.AppendFloat(path, p.Y, 'f', -1, 64)
		}
		c.Points = append(c.Points, p)
	}
	c.Path = string(path)
	return c
}

// HBar is one row of a horizontal bar chart: a label above a bar.
type HBar struct {
	ID         string // the row's entity, for <tr data-id> in the data table
	Label      string
	Value      int // a percentage
	Color      string
	LabelY     float64
	BarY, BarW float64
	Note       string // shown after the value, e.g. "3 de 8 completados"
}

// HBarChart is percentages as horizontal bars (0-100 %), each under its
// label, with an optional target mark across all of them.
type HBarChart struct {
	Title, Desc     string
	W, H            float64
	Left, PlotW     float64
	BarH            float64
	Rows            []HBar
	XTicks          []Tick
	Target          int
	TargetX         float64
	HasTarget       bool
	AxisY, TargetY2 float64
}

// NewHBarChart lays out rows of label/value pairs; target is 0-100, or -1
// for none.
func NewHBarChart(title, desc string, rows []HBar, target int) HBarChart {
	const rowH, barH, left, right, top = 38.0, 14.0, 4.0, 40.0, 4.0
	c := HBarChart{Title: title, Desc: desc, W: chartW, Left: left, PlotW: chartW - left - right, BarH: barH}
	for i, r := range rows {
		y := top + rowH*float64(i)
		r.Value = min(max(r.Value, 0), 100)
		r.LabelY = round1(y + 12)
		r.BarY = round1(y + 18)
		r.BarW = Scale(float64(r.Value), 100, c.PlotW)
		c.Rows = append(c.Rows, r)
	}
	c.AxisY = round1(top + rowH*float64(len(rows)) + 2)
	c.H = round1(c.AxisY + 16)
	for v := 0; v <= 100; v += 25 {
		c.XTicks = append(c.XTicks, Tick{Pos: round1(left + Scale(float64(v), 100, c.PlotW)), Label: strconv.Itoa(v) + " %"})
	}
	if target >= 0 {
		c.HasTarget, c.Target = true, min(target, 100)
		c.TargetX = round1(left + Scale(float64(c.Target), 100, c.PlotW))
		c.TargetY2 = c.AxisY
	}
	return c
}

// Ring is a progress ring: a circle whose stroke covers Value % of it.
type Ring struct {
	Title         string
	Value         int
	R             float64
	Circumference float64
	Offset        float64 // stroke-dashoffset: the part left uncovered
}

// NewRing draws value (clamped to 0-100) on a circle of radius 40.
func NewRing(title string, value int) Ring {
	v := min(max(value, 0), 100)
	const r = 40.0
	c := round1(2 * math.Pi * r)
	return Ring{Title: title, Value: v, R: r, Circumference: c, Offset: round1(c * float64(100-v) / 100)}
}

// Sparkline is a small line of counts from 0 to their maximum, without axes.
type Sparkline struct {
	Title      string
	W, H       float64
	Path       string
	LastX      float64
	LastY      float64
	Values     []int
	Labels     []string
	Max, Total int
}

// NewSparkline lays out values on a w×h strip, 0 at the bottom; one value
// is a dot in the middle, all zeros a flat line on the bottom.
func NewSparkline(title string, labels []string, values []int) Sparkline {
	const w, h, pad = 120.0, 32.0, 3.0
	s := Sparkline{Title: title, W: w, H: h, Values: values, Labels: labels}
	for _, v := range values {
		s.Max = max(s.Max, v)
		s.Total += v
	}
	var path []byte
	for i, v := range values {
		x := w / 2
		if len(values) > 1 {
			x = pad + (w-2*pad)*float64(i)/float64(len(values)-1)
		}
		y := round1(h - pad - Scale(float64(max(v, 0)), float64(s.Max), h-2*pad))
		x = round1(x)
		if i > 0 {
			path = append(path, ' ')
		}
		path = strconv.AppendFloat(path, x, 'f', -1, 64)
		path = append(path, ',')
		path = strconv.AppendFloat(path, y, 'f', -1, 64)
		s.LastX, s.LastY = x, y
	}
	s.Path = string(path)
	return s
}
