package handlers

import (
	"os"
	"strings"
	"testing"
)

// TestPermissionMatrixMatchesTheDocs: docs/security.md's table and
// handlers/permissions.go's matrix say the same, cell by cell.
func TestPermissionMatrixMatchesTheDocs(t *testing.T) {
	b, err := os.ReadFile("../docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[action]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		act := action(strings.Trim(strings.TrimSpace(cells[0]), "`"))
		if _, ok := matrix[act]; !ok {
			t.Errorf("docs list %q, which handlers/permissions.go does not know", act)
			continue
		}
		seen[act] = true
		for i, role := range roles {
			doc := strings.TrimSpace(cells[i+1]) == "✓"
			if doc != matrix[act][role] {
				t.Errorf("%s for %s: docs say %v, code says %v", act, role, doc, matrix[act][role])
			}
		}
	}
	for act := range matrix {
		if !seen[act] {
			t.Errorf("%s is enforced but missing from docs/security.md", act)
		}
		if refusals[act] == "" {
			t.Errorf("%s has no refusal message", act)
		}
	}
}
