package handlers

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	texttemplate "text/template"

	"github.com/gofiber/fiber/v2"

	"rumbo/internal/auth"
	"rumbo/views"
)

// The machinery every table shares: a whitelist of sorts, keyset
// pagination in both directions with signed cursors, page/fragment links,
// sortable headers and the capped count. A noun's list query is written
// once in queries/*.sql with {{.Key}} {{.Type}} {{.Cmp}} {{.Dir}} markers and
// expanded here at start-up for every sort and direction — never from
// input.

const (
	pageSize = 25
	// countCap bounds every "how many match" count: beyond it a table says
	// "más de 1.000" instead of scanning the whole organisation.
	countCap = 1000
)

// sortSpec is one whitelisted sort: the request only names it.
type sortSpec struct {
	Name  string // value of the sort parameter (without "-")
	Key   string // SQL expression of the sort key
	Type  string // its SQL type, to cast a cursor's value back
	Label string
}

// listing describes one table.
type listing struct {
	page, frag string // "/objectives", "/fragments/objectives/table"
	sorts      []sortSpec
	def        string // the default sort parameter, e.g. "end_date"
	sql        map[string]string
}

func listKey(sort string, desc, backward bool) string {
	return fmt.Sprintf("%s/%t/%t", sort, desc, backward)
}

// newListing expands the list query template for every sort, direction and
// paging direction.
func newListing(page, frag, tmpl string, sorts []sortSpec, def string) (*listing, error) {
	t, err := texttemplate.New(frag).Parse(tmpl)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", frag, err)
	}
	l := &listing{page: page, frag: frag, sorts: sorts, def: def, sql: map[string]string{}}
	for _, so := range sorts {
		for _, desc := range []bool{false, true} {
			for _, backward := range []bool{false, true} {
				// Walking backwards reverses the order; the rows are put
				// back in display order after the query.
				cmp, dir := ">", "ASC"
				if desc != backward {
					cmp, dir = "<", "DESC"
				}
				var b bytes.Buffer
				if err := t.Execute(&b, map[string]string{"Key": so.Key, "Type": so.Type, "Cmp": cmp, "Dir": dir}); err != nil {
					return nil, err
				}
				l.sql[listKey(so.Name, desc, backward)] = b.String()
			}
		}
	}
	return l, nil
}

// listParams are the parameters every table takes besides its filters.
type listParams struct {
	Sort          sortSpec
	Desc          bool
	After, Before string // raw cursors; Before may be "last"
}

func (p listParams) sortParam() string {
	if p.Desc {
		return "-" + p.Sort.Name
	}
	return p.Sort.Name
}

func (p listParams) backward() bool { return p.Before != "" }

// parseParams reads sort, after and before; an unknown sort or both
// cursors at once is refused (422), never ignored.
func (l *listing) parseParams(c *fiber.Ctx) (listParams, error) {
	p := listParams{After: c.Query("after"), Before: c.Query("before")}
	name, desc := strings.CutPrefix(c.Query("sort", l.def), "-")
	i := slices.IndexFunc(l.sorts, func(s sortSpec) bool { return s.Name == name })
	if i < 0 {
		labels := make([]string, len(l.sorts))
		for j, s := range l.sorts {
			labels[j] = strings.ToLower(s.Label)
		}
		return p, invalid("No se puede ordenar por ese criterio. Elige " + joinSpanish(labels) + ".")
	}
	p.Sort, p.Desc = l.sorts[i], desc
	if p.After != "" && p.Before != "" {
		return p, errBadCursor
	}
	return p, nil
}

// joinSpanish joins words as "a, b o c".
func joinSpanish(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " o " + words[len(words)-1]
}

func (l *listing) query(p listParams) string {
	return l.sql[listKey(p.Sort.Name, p.Desc, p.backward())]
}

// link is one URL in two forms: the page (people, no JavaScript) and the
// fragment (htmx).
type link struct{ Page, Frag string }

func (l *listing) link(v url.Values) *link {
	q := v.Encode()
	if q != "" {
		q = "?" + q
	}
	return &link{Page: l.page + q, Frag: l.frag + q}
}

// with copies the filters and sets the sort (unless default) and one more
// parameter.
func (l *listing) with(filters url.Values, sortParam, param, value string) *link {
	v := url.Values{}
	for k, vs := range filters {
		v[k] = vs
	}
	if sortParam != l.def {
		v.Set("sort", sortParam)
	}
	if param != "" {
		v.Set(param, value)
	}
	return l.link(v)
}

// pushURL is the page's own URL for this view (HX-Push-Url), cursor
// included, so a reload or a shared link shows it again.
func (l *listing) pushURL(filters url.Values, p listParams) string {
	switch {
	case p.After != "":
		return l.with(filters, p.sortParam(), "after", p.After).Page
	case p.Before != "":
		return l.with(filters, p.sortParam(), "before", p.Before).Page
	}
	return l.with(filters, p.sortParam(), "", "").Page
}

// Cursors are signed with the instance secret and bound to the
// organisation, the table and the sort, so a cursor edited by hand, taken
// from another organisation or made for another sort is refused instead of
// misbehaving.
func (s *Server) cursor(l *listing, orgID string, p listParams, key, id string) string {
	payload := base64.RawURLEncoding.EncodeToString([]byte(p.sortParam() + "\x1f" + key + "\x1f" + id))
	return payload + "." + auth.Sign(s.opts.Secret, "cursor", l.frag, orgID, payload)[:22]
}

var errBadCursor = invalid("El enlace de paginación no es válido o es de otra organización. Vuelve a la primera página.")

// cursorArgs are the query's cursor parameters (NULL for a first or last
// page).
func (s *Server) cursorArgs(l *listing, orgID string, p listParams) (key, id any, err error) {
	raw := p.After
	if p.Before != "" && p.Before != "last" {
		raw = p.Before
	}
	if raw == "" {
		return nil, nil, nil
	}
	payload, sig, ok := strings.Cut(raw, ".")
	if !ok || len(raw) > 400 || !auth.Equal(sig, auth.Sign(s.opts.Secret, "cursor", l.frag, orgID, payload)[:22]) {
		return nil, nil, errBadCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil, nil, errBadCursor
	}
	parts := strings.Split(string(b), "\x1f")
	if len(parts) != 3 || parts[0] != p.sortParam() || !isUUID(parts[2]) {
		return nil, nil, errBadCursor
	}
	return parts[1], parts[2], nil
}

// pager is a table's footer: how many match and where to go.
type pager struct {
	CountLabel              string
	First, Prev, Next, Last *link
}

// pagerFor builds the links around a page whose first and last rows have
// the given sort keys and ids; more says the query found another row
// beyond the page in the direction it walked.
func (s *Server) pagerFor(l *listing, orgID string, filters url.Values, p listParams, first, last [2]string, more bool) pager {
	var pg pager
	hasPrev, hasNext := p.After != "", more
	if p.backward() {
		hasPrev, hasNext = more, p.Before != "last"
	}
	sp := p.sortParam()
	if hasPrev {
		pg.First = l.with(filters, sp, "", "")
		pg.Prev = l.with(filters, sp, "before", s.cursor(l, orgID, p, first[0], first[1]))
	}
	if hasNext {
		pg.Next = l.with(filters, sp, "after", s.cursor(l, orgID, p, last[0], last[1]))
		pg.Last = l.with(filters, sp, "before", "last")
	}
	return pg
}

// countLabel says how many rows match, in Spanish, up to the cap.
func countLabel(n int, one, many string) string {
	switch {
	case n > countCap:
		return "Más de " + views.NumberES(strconv.Itoa(countCap)) + " " + many
	case n == 1:
		return "1 " + one
	}
	return views.NumberES(strconv.Itoa(n)) + " " + many
}

// tableColumn is one header; sortable ones link to the same view sorted by
// them (a second click reverses the order).
type tableColumn struct {
	Label, Class string
	Link         *link
	Active, Desc bool
}

func (l *listing) column(filters url.Values, p listParams, label, class, sortName string) tableColumn {
	col := tableColumn{Label: label, Class: class}
	if sortName == "" {
		return col
	}
	col.Active = p.Sort.Name == sortName
	next := sortName
	if col.Active && !p.Desc {
		next = "-" + sortName
	}
	col.Link, col.Desc = l.with(filters, next, "", ""), col.Active && p.Desc
	return col
}

// sortOptions are the "Ordenar por" choices of a filter form, with the
// current one selected.
func sortOptions(choices []option, p listParams) []option {
	out := make([]option, len(choices))
	for i, o := range choices {
		o.Selected = o.Value == p.sortParam()
		out[i] = o
	}
	return out
}

// likePattern escapes LIKE's wildcards so a search is literal text.
func likePattern(q string) string {
	if q == "" {
		return ""
	}
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// options loads a picker's choices (id, name), marking the selected one.
func (s *Server) options(r *request, query, selected string) ([]option, error) {
	var rows []struct {
		ID   string `db:"id"`
		Name string `db:"name"`
	}
	if err := r.tx.SelectContext(r.ctx, &rows, query, r.sess.OrgID); err != nil {
		return nil, fmt.Errorf("options: %w", err)
	}
	out := make([]option, len(rows))
	for i, row := range rows {
		out[i] = option{Value: row.ID, Label: row.Name, Selected: row.ID == selected}
	}
	return out, nil
}

// tableError turns a filter or cursor problem (422) into a table's own
// error state; anything else propagates.
// refusable is a table's view-model: it can show a refused request (a
// filter, sort or cursor that is not valid) instead of rows.
type refusable interface{ refuse(msg string) }

// answerTable finishes a table fragment named "<page>/table". A request
// the table refuses (422) shows in the table's own error state; otherwise
// htmx navigation (a filter, a sort header, a pager link — not the
// wrapper's own refresh after a write, whose trigger is "<page>-table")
// gets HX-Push-Url with the page's own URL for this view, so a reload or a
// shared link shows it again.
func (s *Server) answerTable(c *fiber.Ctx, name string, view refusable, err error, pushURL func() string) error {
	if err != nil {
		msg, err := tableError(err)
		if err != nil {
			return err
		}
		view.refuse(msg)
		c.Status(fiber.StatusUnprocessableEntity)
	} else if isHTMX(c) && c.Get("HX-Trigger") != strings.ReplaceAll(name, "/", "-") {
		c.Set("HX-Push-Url", pushURL())
	}
	return s.fragment(c, name, view)
}

func tableError(err error) (string, error) {
	if e, ok := err.(*Error); ok && e.Status == fiber.StatusUnprocessableEntity {
		return e.Message, nil
	}
	return "", err
}
