package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type sarifDoc struct {
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID string `json:"id"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string                `json:"ruleId"`
			Level     string                `json:"level"`
			Message   struct{ Text string } `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
					Region struct {
						StartLine   int `json:"startLine"`
						StartColumn int `json:"startColumn"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
		} `json:"results"`
	} `json:"runs"`
}

func decodeSARIF(t *testing.T, out string) sarifDoc {
	t.Helper()
	var doc sarifDoc
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("SARIF does not decode: %v\n%s", err, out)
	}
	if doc.Version != "2.1.0" || len(doc.Runs) != 1 || doc.Runs[0].Tool.Driver.Name != "detgen" {
		t.Fatalf("not a SARIF 2.1.0 run of detgen:\n%s", out)
	}
	return doc
}

// lineCol is the 1-based position of the first occurrence of frag in src.
func lineCol(t *testing.T, src, frag string) (int, int) {
	t.Helper()
	i := strings.Index(src, frag)
	if i < 0 {
		t.Fatalf("%q not in the spec", frag)
	}
	return strings.Count(src[:i], "\n") + 1, i - strings.LastIndex(src[:i], "\n")
}

// TestValidateSARIF: validate --format sarif puts a spec error and a
// target's refusal on their spec lines, with the spec's relative path.
func TestValidateSARIF(t *testing.T) {
	dir, spec := scaffoldRule(t)
	t.Chdir(filepath.Dir(dir))
	rel, _ := filepath.Rel(filepath.Dir(dir), spec)
	src, _ := os.ReadFile(rel)
	broken := strings.Replace(string(src), "severity: medium", "severity: hgh", 1)
	os.WriteFile(rel, []byte(broken), 0o644)

	code, out, errOut := detgen(t, "validate", "--format", "sarif", rel)
	if code != 1 || !strings.Contains(errOut, "detgen: 1 error") {
		t.Errorf("exit %d, stderr %s", code, errOut)
	}
	doc := decodeSARIF(t, out)
	run := doc.Runs[0]
	if len(run.Results) != 1 || len(run.Tool.Driver.Rules) != 1 || run.Results[0].RuleID != run.Tool.Driver.Rules[0].ID {
		t.Fatalf("want one result under one rule:\n%s", out)
	}
	res := run.Results[0]
	line, col := lineCol(t, broken, "hgh")
	loc := res.Locations[0].PhysicalLocation
	if loc.ArtifactLocation.URI != filepath.ToSlash(rel) || loc.Region.StartLine != line || loc.Region.StartColumn != col ||
		res.Level != "error" || !strings.Contains(res.Message.Text, `severity "hgh"`) {
		t.Errorf("result %+v, want %s:%d:%d", res, rel, line, col)
	}

	// A field QRadar has no property for: refused at the selection's line.
	refused := strings.Replace(string(src), "    selection:\n      Computer:", "    selection:\n      OriginalFileName:", 1)
	if refused == string(src) {
		t.Fatal("the scaffolded selection has changed")
	}
	os.WriteFile(rel, []byte(refused), 0o644)
	_, out, _ = detgen(t, "validate", "--format", "sarif", rel)
	doc = decodeSARIF(t, out)
	line, col = lineCol(t, refused, "      OriginalFileName:")
	col += len("      ")
	found := false
	for _, r := range doc.Runs[0].Results {
		l := r.Locations[0].PhysicalLocation
		if l.ArtifactLocation.URI == filepath.ToSlash(rel) && l.Region.StartLine == line && l.Region.StartColumn == col && strings.Contains(r.Message.Text, "OriginalFileName") {
			found = true
		}
	}
	if !found {
		t.Errorf("no result at %s:%d:%d:\n%s", rel, line, col, out)
	}

	// A valid spec: no results, exit 0; text stays the default.
	os.WriteFile(rel, src, 0o644)
	code, out, _ = detgen(t, "validate", "--format", "sarif", rel)
	if doc := decodeSARIF(t, out); code != 0 || len(doc.Runs[0].Results) != 0 {
		t.Errorf("valid spec: exit %d\n%s", code, out)
	}
	if code, out, _ := detgen(t, "validate", rel); code != 0 || !strings.HasPrefix(out, "ok  ") {
		t.Errorf("text: exit %d %q", code, out)
	}
	if code, _, errOut := detgen(t, "validate", "--format", "xml", rel); code != 2 || !strings.Contains(errOut, `unknown format "xml"`) {
		t.Errorf("--format xml: exit %d %s", code, errOut)
	}
}

// TestLintSARIF: lint --format sarif reports each finding under its code.
func TestLintSARIF(t *testing.T) {
	t.Chdir(t.TempDir())
	os.WriteFile("broken.aql", []byte("SELECT username\nFROM events\nWHERE payload ILIKE '%x%' AND (a = 1\n"), 0o644)
	code, out, _ := detgen(t, "lint", "--format", "sarif", "broken.aql")
	if code != 1 {
		t.Errorf("exit %d", code)
	}
	doc := decodeSARIF(t, out)
	var ids []string
	for _, r := range doc.Runs[0].Tool.Driver.Rules {
		ids = append(ids, r.ID)
	}
	found := false
	for _, r := range doc.Runs[0].Results {
		l := r.Locations[0].PhysicalLocation
		if r.RuleID == "syntax" && r.Level == "error" && l.ArtifactLocation.URI == "broken.aql" && l.Region.StartLine == 4 && l.Region.StartColumn == 1 {
			found = true
		}
	}
	if !found || !strings.Contains(strings.Join(ids, ","), "syntax") {
		t.Errorf("no syntax error at broken.aql:4:1 (rules %v):\n%s", ids, out)
	}
}
