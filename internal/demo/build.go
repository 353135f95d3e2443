package demo

import (
	"crypto/rand"
	"fmt"
	"math"
	"strconv"
	"time"
)

// build.go turns the content (content.go) into rows, one batch per table.
// Every value travels as text in a column array and the INSERT casts it
// (demo.go), so nothing from the content is ever spliced into SQL. An empty
// string stands for NULL in nullable columns.

// batch holds rows column by column, ready to be sent as one text[] per
// column and unnested by a single INSERT.
type batch struct {
	cols [][]string
}

func newBatch(cols int) *batch { return &batch{cols: make([][]string, cols)} }

func (b *batch) add(vals ...string) {
	if len(vals) != len(b.cols) {
		panic(fmt.Sprintf("demo: batch row has %d values, want %d", len(vals), len(b.cols)))
	}
	for i, v := range vals {
		b.cols[i] = append(b.cols[i], v)
	}
}

func (b *batch) len() int { return len(b.cols[0]) }

// rows is everything Load inserts.
type rows struct {
	orgs, users, memberships, areas, areaManagers, periods, objectives, keyResults,
	checkIns, initiatives, activities, comments, changes *batch
}

// orgDay is what the database said about an organisation before building:
// its id, today's date in its time zone and that zone's current offset.
type orgDay struct {
	id     string
	today  time.Time // midnight UTC of the organisation's local date
	offset int       // seconds east of UTC, now
}

// builder carries the state shared by the organisations being built.
type builder struct {
	now    time.Time
	hashes map[string]string // e-mail -> password hash
	userID map[string]string // e-mail -> user id
	rows   rows
}

func newBuilder(now time.Time, hashes map[string]string) *builder {
	return &builder{
		now:    now,
		hashes: hashes,
		userID: map[string]string{},
		rows: rows{
			orgs:         newBatch(6),
			users:        newBatch(6),
			memberships:  newBatch(9),
			areas:        newBatch(9),
			areaManagers: newBatch(3),
			periods:      newBatch(5),
			objectives:   newBatch(15),
			keyResults:   newBatch(14),
			checkIns:     newBatch(8),
			initiatives:  newBatch(13),
			activities:   newBatch(15),
			comments:     newBatch(8),
			changes:      newBatch(9),
		},
	}
}

// build produces the rows of every organisation and user. days[i] belongs
// to orgs[i].
func (b *builder) build(days []orgDay) rows {
	for _, u := range users {
		b.userID[u.Email] = newID()
	}
	lastOrg := map[string]string{} // e-mail -> first organisation joined, in content order
	for i, o := range orgs {
		b.rows.orgs.add(days[i].id, o.Name, o.Slug, o.Timezone, o.Currency, ts(b.ago(210)))
		for _, m := range o.Members {
			if _, ok := lastOrg[m.Email]; !ok {
				lastOrg[m.Email] = days[i].id
			}
		}
	}
	for _, u := range users {
		b.rows.users.add(b.userID[u.Email], u.Email, u.Name, b.hashes[u.Email], lastOrg[u.Email], ts(b.ago(u.DaysAgo)))
	}
	for i, o := range orgs {
		b.org(o, days[i])
	}
	return b.rows
}

// ago is now minus days.
func (b *builder) ago(days int) time.Time {
	return b.now.Add(-time.Duration(days) * 24 * time.Hour)
}

// past caps t at half an hour ago, so derived history never lies in the future.
func (b *builder) past(t time.Time) time.Time {
	if limit := b.now.Add(-30 * time.Minute); t.After(limit) {
		return limit
	}
	return t
}

// orgBuild is the state of one organisation being built.
type orgBuild struct {
	*builder
	spec    orgSpec
	id      string
	cal     calendar
	zone    *time.Location    // the organisation's current UTC offset
	member  map[string]string // key -> user id
	keys    []string          // member keys in order
	area    map[string]string // code -> id
	periods []period
	g       int // running index, to vary derived values
}

type period struct {
	id         string
	start, end time.Time
}

func (b *builder) org(o orgSpec, d orgDay) {
	ob := &orgBuild{builder: b, spec: o, id: d.id, cal: newCalendar(d.today), zone: time.FixedZone(o.Timezone, d.offset),
		member: map[string]string{}, area: map[string]string{}}
	r := &b.rows
	names := map[string]string{}
	for _, u := range users {
		names[u.Email] = u.Name
	}
	for _, a := range o.Areas {
		ob.area[a.Code] = newID()
	}
	for _, m := range o.Members {
		ob.member[m.Key] = b.userID[m.Email]
		ob.keys = append(ob.keys, m.Key)
	}
	created := ob.at(209, 9, 30)
	for _, a := range o.Areas {
		r.areas.add(d.id, ob.area[a.Code], a.Name, a.Code, a.Description, ob.area[a.Parent], a.Status, a.Color, ts(created))
		if a.Manager != "" {
			r.areaManagers.add(d.id, ob.area[a.Code], ob.member[a.Manager])
		}
	}
	for i, m := range o.Members {
		r.memberships.add(d.id, ob.member[m.Key], m.Role, names[m.Email], m.Email, ob.area[m.Area], ob.member[m.Manager],
			ts(ob.at(m.DaysAgo, 9, 0)), ts(b.now.Add(-time.Duration(1+3*i)*time.Hour)))
	}
	for _, p := range ob.cal.periods() {
		id := newID()
		ob.periods = append(ob.periods, period{id, p.start, p.end})
		r.periods.add(d.id, id, p.name, date(p.start), date(p.end))
	}
	objID := map[string]string{}
	for _, obj := range o.Objectives {
		objID[obj.Title] = newID()
	}
	for _, obj := range o.Objectives {
		ob.objective(obj, objID[obj.Title], objID[obj.Parent])
	}
}

// at is a local time of day, days before today in the organisation's time
// zone: with days >= 1 it is always in the past. History is placed in working
// hours (objectives from 9:00, check-ins and initiatives from 12:00, completed
// work from 16:00), so later steps of one day follow earlier ones. (The zone
// is today's offset: across a DST change an old time may be an hour off.)
func (ob *orgBuild) at(days, hour, minute int) time.Time {
	t := ob.cal.today.AddDate(0, 0, -days)
	return time.Date(t.Year(), t.Month(), t.Day(), hour, minute, 0, 0, ob.zone)
}

// corporate is the organisation's first corporativo: the author of its objectives.
func (ob *orgBuild) corporate() string {
	for _, m := range ob.spec.Members {
		if m.Role == "corporativo" {
			return ob.member[m.Key]
		}
	}
	return ""
}

// periodFor is the period holding date t, else the nearest one.
func (ob *orgBuild) periodFor(t time.Time) string {
	if t.Before(ob.periods[0].start) {
		return ob.periods[0].id
	}
	for _, p := range ob.periods {
		if !t.After(p.end) {
			return p.id
		}
	}
	return ob.periods[len(ob.periods)-1].id
}

// next is the member after key in the organisation's member list.
func (ob *orgBuild) next(key string, step int) string {
	for i, k := range ob.keys {
		if k == key {
			return ob.keys[(i+step)%len(ob.keys)]
		}
	}
	return key
}

func (ob *orgBuild) objective(o objectiveSpec, id, parentID string) {
	r := &ob.rows
	start := ob.cal.date(o.Start)
	end := later(ob.cal.date(o.End), start)
	startOff, endOff := ob.cal.offset(start), ob.cal.offset(end)
	agoDays := max(2, 5-startOff)
	ob.g++
	created := ob.at(agoDays, 9+ob.g%3, 15*(ob.g%4))
	updated := created

	for pos, k := range o.KeyResults {
		krID := newID()
		owner := k.Owner
		if owner == "" {
			owner = o.Owner
		}
		last := ob.checkIns(k, krID, ob.member[owner], agoDays, endOff)
		updated = later(updated, last)
		r.keyResults.add(ob.id, krID, id, k.Title, k.Kind, k.Direction, num(k.Start), num(k.Target), num(k.Current),
			k.Unit, ob.member[owner], strconv.Itoa(pos), ts(created), ts(last))
	}
	for _, in := range o.Initiatives {
		updated = later(updated, ob.initiative(in, id, o.Owner, agoDays))
	}
	for _, c := range o.Comments {
		t := ob.past(later(ob.at(c.DaysAgo, 10+len(c.Body)%8, len(c.Body)%60), created.Add(time.Hour)))
		r.comments.add(ob.id, newID(), id, "", ob.member[c.Author], c.Body, ts(t), ts(t))
	}
	// The status history: started, then finished or dropped.
	if o.Status != draft {
		t := ob.past(created.Add(24 * time.Hour))
		r.changes.add(ob.id, newID(), id, "", ob.member[o.Owner], "status", draft, inProgress, ts(t))
	}
	if o.Status == completed || o.Status == cancelled {
		t := ob.past(later(ob.at(max(1, -endOff), 17, 30), created.Add(48*time.Hour)))
		r.changes.add(ob.id, newID(), id, "", ob.member[o.Owner], "status", inProgress, o.Status, ts(t))
		updated = later(updated, t)
	}
	r.objectives.add(ob.id, id, o.Title, o.Description, ob.member[o.Owner], ob.area[o.Area], ob.periodFor(end), parentID,
		o.Status, o.Priority, date(start), date(end), ob.corporate(), ts(created), ts(updated))
}

// checkIns writes a key result's history, one week apart, ending with its
// current value; it returns the time of the latest.
func (ob *orgBuild) checkIns(k krSpec, krID, author string, objAgo, endOff int) time.Time {
	ob.g++
	g := ob.g
	n := 3 + g%2
	switch {
	case k.Current == k.Start:
		n = 1
	case k.Kind == boolean:
		n = 2
	}
	latest := 1 + g%5
	if endOff < 0 {
		latest = max(latest, -endOff)
	}
	if k.Quiet > 0 {
		latest = k.Quiet
	}
	places := max(decimals(k.Start), decimals(k.Target), decimals(k.Current))
	reached := (k.Direction == up && k.Current >= k.Target) || (k.Direction == down && k.Current <= k.Target)
	var last time.Time
	for i := range n {
		agoDays := min(latest+(n-1-i)*7, objAgo)
		last = ob.at(agoDays, 12+i, (g*7)%60)
		value := k.Current
		if i < n-1 {
			if k.Kind == boolean {
				value = k.Start
			} else {
				value = round(k.Start+(k.Current-k.Start)*float64(i+1)/float64(n), places)
			}
		}
		step := 1 // earlier check-ins were more hopeful for the key results now in trouble
		if k.Confidence >= 7 {
			step = -1 // and less sure for the ones now going well
		}
		conf := min(10, max(0, k.Confidence+step*(n-1-i)))
		var note string
		switch {
		case n == 1:
			note = baselineNote
		case i == n-1:
			note = latestNote(k.Confidence, reached, g)
		case i == 0:
			note = firstNotes[g%len(firstNotes)]
		default:
			note = midNotes[(g+i)%len(midNotes)]
		}
		ob.rows.checkIns.add(ob.id, newID(), krID, num(value), strconv.Itoa(conf), note, author, ts(last))
	}
	return last
}

// initiative writes an initiative with its activities and returns when it
// was last updated.
func (ob *orgBuild) initiative(in initiativeSpec, objID, objOwner string, objAgo int) time.Time {
	r := &ob.rows
	id := newID()
	start := ob.cal.date(in.Start)
	end := later(ob.cal.date(in.End), start)
	agoDays := min(objAgo, max(1, 2-ob.cal.offset(start)))
	ob.g++
	created := ob.at(agoDays, 12+ob.g%3, (ob.g*13)%60)
	updated := created
	for j, a := range in.Activities {
		updated = later(updated, ob.activity(a, j, id, in, start, created, agoDays))
	}
	for _, c := range in.Comments {
		t := ob.past(later(ob.at(c.DaysAgo, 10+len(c.Body)%8, len(c.Body)%60), created.Add(time.Hour)))
		r.comments.add(ob.id, newID(), "", id, ob.member[c.Author], c.Body, ts(t), ts(t))
	}
	if in.Status == completed || in.Status == cancelled {
		t := ob.past(later(ob.at(max(1, -ob.cal.offset(end)), 17, 45), created.Add(24*time.Hour)))
		r.changes.add(ob.id, newID(), "", id, ob.member[in.Owner], "status", inProgress, in.Status, ts(t))
		updated = later(updated, t)
	}
	r.initiatives.add(ob.id, id, objID, in.Title, ob.member[in.Owner], in.Status, in.Priority, date(start), date(end),
		strconv.Itoa(in.Manual), ob.member[objOwner], ts(created), ts(updated))
	return updated
}

// activity writes the j-th activity of an initiative and returns when it was
// last updated. Assignee, priority and hours are derived so the content can
// stay a list of titles, statuses and due dates.
func (ob *orgBuild) activity(a activitySpec, j int, iniID string, in initiativeSpec, iniStart, iniCreated time.Time, iniAgo int) time.Time {
	ob.g++
	g := ob.g
	var due time.Time
	dueOff := 0
	start := iniStart
	if a.Due != noDue {
		due = ob.cal.date(a.Due)
		dueOff = ob.cal.offset(due)
		// Work starts one to four weeks before it is due, not before the
		// initiative (unless it is due earlier), never after its due date.
		start = later(iniStart, due.AddDate(0, 0, -7*(1+g%4)))
		if due.Before(start) {
			start = due
		}
	}
	assignee := in.Owner
	if j%2 == 1 {
		assignee = ob.next(in.Owner, 1+j/2)
	}
	open := a.Status == todo || a.Status == doing
	priority := []string{medium, low, medium, high}[g%4]
	switch {
	case open && a.Due != noDue && dueOff <= 3:
		priority = high
	case a.Due == noDue || a.Status == drop:
		priority = low
	}
	est := 2 + (g*7)%15
	actual := ""
	switch a.Status {
	case done:
		actual = strconv.Itoa(max(1, est+g%5-2))
	case doing:
		actual = strconv.Itoa((est + 1) / 2)
	}
	created := iniCreated.Add(time.Duration(j+1) * 10 * time.Minute)
	updated := created
	completedAt := ""
	if a.Status == done {
		ago := 2 + g%5
		if a.Due != noDue {
			ago = 1 + g%3
			if dueOff < 0 {
				ago -= dueOff
			}
		}
		t := ob.at(min(max(1, ago), iniAgo), 16+g%3, (g*11)%60)
		completedAt, updated = ts(t), t
	}
	dueStr := ""
	if a.Due != noDue {
		dueStr = date(due)
	}
	ob.rows.activities.add(ob.id, newID(), iniID, a.Title, ob.member[assignee], a.Status, priority, date(start), dueStr,
		completedAt, strconv.Itoa(est), actual, ob.member[in.Owner], ts(created), ts(updated))
	return updated
}

const baselineNote = "Línea base registrada al inicio del ciclo."

var firstNotes = []string{
	"Primer seguimiento: arrancamos según el plan.",
	"Primera medición después del arranque del proyecto.",
	"Arrancamos con buen ritmo; el equipo ya está asignado.",
}

var midNotes = []string{
	"Avance según lo planificado.",
	"Se recuperó parte del atraso de la semana anterior.",
	"El equipo priorizó esta meta en la reunión semanal.",
	"Datos validados con el informe mensual.",
	"Buen ritmo, aunque dependemos de un proveedor externo.",
	"Ajustamos la medición para excluir casos duplicados.",
}

func latestNote(confidence int, reached bool, g int) string {
	var pool []string
	switch {
	case reached:
		pool = []string{"Meta cumplida; cerramos este resultado clave.", "Objetivo alcanzado y validado con los datos del cierre."}
	case confidence >= 7:
		pool = []string{"Vamos en línea con la meta y sin bloqueos.", "Buen avance; mantenemos el ritmo de las últimas semanas."}
	case confidence >= 5:
		pool = []string{"Avance aceptable; hay riesgos que estamos mitigando.", "Vamos un poco por debajo de lo esperado; ajustamos el plan."}
	default:
		pool = []string{"En riesgo: necesitamos apoyo para destrabar el avance.", "Atrasados por dependencias externas; lo escalamos al comité."}
	}
	return pool[g%len(pool)]
}

// calendar resolves days for one organisation: quarters follow the
// calendar year (fiscal_year_start is left at its default, January).
type calendar struct {
	today, qStart time.Time
}

func newCalendar(today time.Time) calendar {
	q := (int(today.Month()) - 1) / 3
	return calendar{today: today, qStart: time.Date(today.Year(), time.Month(3*q+1), 1, 0, 0, 0, 0, time.UTC)}
}

func (c calendar) date(d day) time.Time {
	switch d {
	case quarterStart:
		return c.qStart
	case quarterEnd:
		return c.qStart.AddDate(0, 3, -1)
	case nextStart:
		return c.qStart.AddDate(0, 3, 0)
	case nextEnd:
		return c.qStart.AddDate(0, 6, -1)
	case noDue:
		panic("demo: noDue has no date")
	}
	return c.today.AddDate(0, 0, int(d))
}

// offset is t minus today in days.
func (c calendar) offset(t time.Time) int {
	return int(math.Round(t.Sub(c.today).Hours() / 24))
}

type namedPeriod struct {
	name       string
	start, end time.Time
}

// periods are the previous, current and next quarters, e.g. "T4 2026".
func (c calendar) periods() []namedPeriod {
	var out []namedPeriod
	for _, m := range []int{-3, 0, 3} {
		s := c.qStart.AddDate(0, m, 0)
		out = append(out, namedPeriod{
			name:  fmt.Sprintf("T%d %d", (int(s.Month())-1)/3+1, s.Year()),
			start: s, end: s.AddDate(0, 3, -1),
		})
	}
	return out
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func date(t time.Time) string { return t.Format(time.DateOnly) }

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// decimals is how many decimal places v needs (0, 1 or 2).
func decimals(v float64) int {
	for p := range 2 {
		s := math.Pow(10, float64(p))
		if math.Abs(v*s-math.Round(v*s)) < 1e-9 {
			return p
		}
	}
	return 2
}

func round(v float64, places int) float64 {
	s := math.Pow(10, float64(places))
	return math.Round(v*s) / s
}

// newID is a random (version 4) UUID.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
