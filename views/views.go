// Package views holds Rumbo's html/template files, embedded. A template's
// name is its path (views/objectives/index.html defines "objectives/index")
// and every {{define}} is path-qualified, because all files share one
// namespace. A page file holds the page and the fragments it renders inline;
// the fragment routes render the same {{define}}s alone, so both always show
// the same markup.
package views

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"regexp"
	"strings"
	"sync"
)

//go:embed */*.html
var files embed.FS

// Layout is what the page layout needs besides the page itself.
type Layout struct {
	Title   string
	CSRF    string
	Nav     string      // key of the active navigation item
	User    *LayoutUser // nil on pages for signed-out visitors
	Period  *PeriodSelector
	Content template.HTML
}

// Choice is one option of a <select>.
type Choice struct {
	Value, Label string
	Selected     bool
}

// PeriodSelector is the layout's "Periodo" picker: the current period (by
// date), all periods, or one of them.
type PeriodSelector struct {
	Mode     string // current, all, chosen
	Resolved string // the period "current" means today
	Options  []Choice
}

// LayoutUser is the signed-in member shown in the header.
type LayoutUser struct {
	Name    string
	Email   string
	Role    string
	OrgName string
	// Orgs are all the user's organisations; the menu offers a switch when
	// there is more than one.
	Orgs []LayoutOrg
	// Settings are the settings pages the member's role may use.
	Settings []NavItem
	// The organisation's look: a logo, and colours served as
	// /org/theme.css; LookVersion changes whenever either does.
	HasLogo     bool
	LookVersion int
}

// LayoutOrg is one entry of the organisation switcher.
type LayoutOrg struct {
	ID      string `db:"id"`
	Name    string `db:"name"`
	Role    string `db:"role"`
	HasLogo bool   `db:"has_logo"`
	Look    int    `db:"look_version"`
	Current bool
}

// Views renders templates.
type Views struct {
	t *template.Template

	mu       sync.Mutex
	rendered map[string]bool
}

var defineRe = regexp.MustCompile(`{{-?\s*define\s+"([^"]+)"`)

// New parses every template once. A {{define}} name that is not
// path-qualified by its own file, or defined twice, is an error: in one
// namespace the last definition would silently win.
func New() (*Views, error) {
	names, err := templateFiles()
	if err != nil {
		return nil, err
	}
	root := template.New("").Funcs(funcs)
	seen := map[string]string{}
	for _, name := range names {
		b, err := fs.ReadFile(files, name)
		if err != nil {
			return nil, err
		}
		dir := name[:strings.LastIndex(name, "/")+1]
		for _, m := range defineRe.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasPrefix(m[1], dir) {
				return nil, fmt.Errorf("views: %s defines %q, which is not under %q", name, m[1], dir)
			}
			if other, dup := seen[m[1]]; dup {
				return nil, fmt.Errorf("views: %q is defined in both %s and %s", m[1], other, name)
			}
			seen[m[1]] = name
		}
		if _, err := root.New(name).Parse(string(b)); err != nil {
			return nil, fmt.Errorf("views: %w", err)
		}
	}
	return &Views{t: root, rendered: map[string]bool{}}, nil
}

func templateFiles() ([]string, error) {
	var names []string
	err := fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".html") {
			names = append(names, path)
		}
		return err
	})
	return names, err
}

// Fragment renders one {{define}} alone (no layout).
func (v *Views) Fragment(w io.Writer, name string, data any) error {
	v.mark(name)
	if err := v.t.ExecuteTemplate(w, name, data); err != nil {
		return fmt.Errorf("views: render %s: %w", name, err)
	}
	return nil
}

// Page renders a page's {{define}} inside the layout.
func (v *Views) Page(w io.Writer, name string, l Layout, data any) error {
	var body bytes.Buffer
	if err := v.Fragment(&body, name, data); err != nil {
		return err
	}
	l.Content = template.HTML(body.String()) //nolint:gosec // output of our own templates
	return v.Fragment(w, "layouts/base", l)
}

func (v *Views) mark(name string) {
	v.mu.Lock()
	v.rendered[name] = true
	v.mu.Unlock()
}

// Defined lists every {{define}} name, for the test that fails when a
// template is never rendered.
func (v *Views) Defined() []string {
	var out []string
	for _, t := range v.t.Templates() {
		if t.Tree != nil && strings.Contains(t.Name(), "/") && !strings.HasSuffix(t.Name(), ".html") {
			out = append(out, t.Name())
		}
	}
	return out
}

// Rendered reports whether a {{define}} was rendered directly (as a page,
// a fragment or the layout) since start-up.
func (v *Views) Rendered(name string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.rendered[name]
}
