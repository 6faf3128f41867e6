package report

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/lint"
)

func TestFromDiag(t *testing.T) {
	var errs diag.List
	errs.Add(diag.Pos{File: "rules/a.yaml", Line: 3, Col: 9}, "severity is wrong")
	errs.Add(diag.Pos{File: "rules/a.yaml"}, "qradar: rules/a.yaml:12:7: qradar: field x cannot be used")
	errs.Add(diag.Pos{File: "rules/b.yaml"}, "no such file")
	got := FromDiag(errs)
	want := []Finding{
		{File: "rules/a.yaml", Line: 3, Col: 9, Level: "error", Rule: SpecRule, Msg: "severity is wrong"},
		{File: "rules/a.yaml", Line: 12, Col: 7, Level: "error", Rule: SpecRule, Msg: "qradar: qradar: field x cannot be used"},
		{File: "rules/b.yaml", Level: "error", Rule: SpecRule, Msg: "no such file"},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("finding %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestWriteSARIF(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	findings := append(FromLint("q/x.aql", []lint.Finding{
		{Line: 4, Col: 1, Severity: lint.Error, Code: "syntax", Msg: "expected ')'"},
		{Line: 1, Col: 1, Severity: lint.Warning, Code: "no-time", Msg: "no time clause"},
	}), Finding{File: filepath.Join(dir, "rules", "a b.yaml"), Line: 2, Col: 3, Level: "error", Rule: SpecRule, Msg: "bad"},
		Finding{File: "/elsewhere/c.yaml", Level: "error", Rule: SpecRule, Msg: "gone"})
	var b bytes.Buffer
	if err := WriteSARIF(&b, "1.2.3", findings); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema  string `json:"$schema"`
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name, Version string
					Rules         []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI, URIBaseID string }
						Region           *struct{ StartLine, StartColumn int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	run := doc.Runs[0]
	if doc.Version != "2.1.0" || run.Tool.Driver.Name != "detgen" || run.Tool.Driver.Version != "1.2.3" {
		t.Errorf("header: %s", b.String())
	}
	var ids []string
	for _, r := range run.Tool.Driver.Rules {
		ids = append(ids, r.ID)
	}
	if len(ids) != 3 || ids[0] != "no-time" || ids[1] != "spec" || ids[2] != "syntax" {
		t.Errorf("rules %v", ids)
	}
	for _, tc := range []struct {
		i                int
		rule, level, uri string
		line, col        int
	}{
		{0, "syntax", "error", "q/x.aql", 4, 1},
		{1, "no-time", "warning", "q/x.aql", 1, 1},
		{2, "spec", "error", "rules/a%20b.yaml", 2, 3},
		{3, "spec", "error", "file:///elsewhere/c.yaml", 0, 0},
	} {
		r := run.Results[tc.i]
		loc := r.Locations[0].PhysicalLocation
		if r.RuleID != tc.rule || ids[r.RuleIndex] != tc.rule || r.Level != tc.level || loc.ArtifactLocation.URI != tc.uri {
			t.Errorf("result %d: %+v", tc.i, r)
		}
		if tc.line == 0 && loc.Region != nil || tc.line > 0 && (loc.Region == nil || loc.Region.StartLine != tc.line || loc.Region.StartColumn != tc.col) {
			t.Errorf("result %d: region %+v, want %d:%d", tc.i, loc.Region, tc.line, tc.col)
		}
	}
	// No findings: an empty results array, not null.
	b.Reset()
	WriteSARIF(&b, "1", nil)
	if !bytes.Contains(b.Bytes(), []byte(`"results": []`)) {
		t.Errorf("empty run: %s", b.String())
	}
}
