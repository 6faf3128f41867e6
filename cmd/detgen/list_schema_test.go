package main

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/detgen/detgen/spec"
)

// TestListJSON decodes `detgen list --format json` and checks the shipped
// rule's entry against its spec, whatever other rules ship.
func TestListJSON(t *testing.T) {
	code, stdout, stderr := detgen(t, "list", "--rules", "../../rules", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	var raw []map[string]any
	if err := json.Unmarshal([]byte(stdout), &raw); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, stdout)
	}
	keys := []string{"attack", "file", "id", "logsource", "name", "severity", "status", "tags", "tests", "title", "version"}
	for _, e := range raw {
		var got []string
		for k := range e {
			got = append(got, k)
		}
		sort.Strings(got)
		if !slices.Equal(got, keys) {
			t.Errorf("entry keys %v, want %v", got, keys)
		}
	}
	var entries []listEntry
	if err := json.Unmarshal([]byte(stdout), &entries); err != nil {
		t.Fatal(err)
	}
	if !sort.SliceIsSorted(entries, func(i, j int) bool { return entries[i].ID < entries[j].ID }) {
		t.Errorf("entries are not sorted by id")
	}
	sr, errs := spec.Load(specPath)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	i := slices.IndexFunc(entries, func(e listEntry) bool { return e.ID == sr.ID })
	if i < 0 {
		t.Fatalf("no entry with id %s in:\n%s", sr.ID, stdout)
	}
	e := entries[i]
	want := listEntry{
		ID: sr.ID, Name: sr.Name, Title: sr.Title, Version: sr.Version, Status: sr.Status,
		Severity: sr.Severity, Logsource: sr.Logsource,
		Attack: []string{sr.Attack.Technique.ID, sr.Attack.Subtechnique.ID},
		Tags:   append([]string{}, sr.Tags...), Tests: len(sr.Tests),
		File: "../../rules/kubernetes/t1053.007-suspicious-cronjob-job.yaml",
	}
	if e.Name != want.Name || e.Title != want.Title || e.Version != want.Version || e.Status != want.Status ||
		e.Severity != want.Severity || e.Logsource != want.Logsource || e.Tests != want.Tests || e.File != want.File ||
		!slices.Equal(e.Attack, want.Attack) || !slices.Equal(e.Tags, want.Tags) {
		t.Errorf("entry\n%+v\nwant\n%+v", e, want)
	}
	if e.Tests == 0 || e.Tags == nil {
		t.Errorf("tests = %d, tags = %v: want the test count and [] (not null) for no tags", e.Tests, e.Tags)
	}
}

func TestListFormats(t *testing.T) {
	_, plain, _ := detgen(t, "list", "--rules", "../../rules")
	code, table, stderr := detgen(t, "list", "--rules", "../../rules", "--format", "table")
	if code != 0 || table != plain || !strings.HasPrefix(table, "ID  ") {
		t.Errorf("--format table: exit %d, stderr %q; want the default table, got:\n%s", code, stderr, table)
	}
	code, _, stderr = detgen(t, "list", "--rules", "../../rules", "--format", "yaml")
	if code != 2 || !strings.Contains(stderr, "--format must be table or json") {
		t.Errorf("--format yaml: exit %d, stderr %q; want a usage error", code, stderr)
	}
}

func TestSchemaCommand(t *testing.T) {
	code, stdout, stderr := detgen(t, "schema")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	var s struct {
		Schema     string                     `json:"$schema"`
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
		Defs       map[string]json.RawMessage `json:"$defs"`
	}
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if s.Schema != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %q", s.Schema)
	}
	for _, k := range spec.Format.Keys {
		if _, ok := s.Properties[k.Name]; !ok {
			t.Errorf("no property %q", k.Name)
		}
		if k.Required != slices.Contains(s.Required, k.Name) {
			t.Errorf("%s: required in Format %v, in the schema %v", k.Name, k.Required, !k.Required)
		}
	}
	var ls struct {
		Enum []string `json:"enum"`
	}
	json.Unmarshal(s.Properties["logsource"], &ls)
	if !slices.Contains(ls.Enum, "kubernetes_audit") {
		t.Errorf("logsource enum %v lacks kubernetes_audit", ls.Enum)
	}
	if _, ok := s.Defs["selection"]; !ok {
		t.Errorf("no $defs/selection")
	}
	if code, _, stderr := detgen(t, "schema", "extra"); code != 2 || !strings.Contains(stderr, "schema takes no arguments") {
		t.Errorf("schema extra: exit %d, stderr %q", code, stderr)
	}
}
