package queries

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadFillsEveryField(t *testing.T) {
	q, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(q.RequestBegin, "app.begin_request($1)") || !strings.Contains(q.ObjectivesStats, "FROM stat_months") {
		t.Fatalf("queries not loaded: %q", q.RequestBegin)
	}
}

func TestParseRefusesDrift(t *testing.T) {
	for name, files := range map[string]fstest.MapFS{
		"duplicate in one file":  {"a.sql": {Data: []byte("-- name: x\nSELECT 1;\n-- name: x\nSELECT 2;\n")}},
		"duplicate across files": {"a.sql": {Data: []byte("-- name: x\nSELECT 1;\n")}, "b.sql": {Data: []byte("-- name: x\nSELECT 2;\n")}},
		"empty query":            {"a.sql": {Data: []byte("-- name: x\n-- just a comment\n")}},
	} {
		if _, err := parseFS(files); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	got, err := parse([]byte("-- header\n-- name: one\n-- purpose\nSELECT 1;\n\n-- name: two\nSELECT 2;\n"))
	if err != nil || len(got) != 2 || !strings.Contains(got["one"], "SELECT 1") || strings.Contains(got["one"], "SELECT 2") {
		t.Fatalf("parse: %v %q", err, got)
	}
}
