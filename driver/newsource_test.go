package driver_test

import (
	"os"
	"strings"
	"testing"

	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/mappings"
	"github.com/detgen/detgen/scan"
	"github.com/detgen/detgen/testrun"
)

// TestLogSourceFromFilesAlone adds a log source of a known record format
// (GitHub audit events as JSON) from mapping files only, then compiles a
// rule over it for every target, runs its tests on every evaluator and
// scans a log with it: no Go change is involved.
func TestLogSourceFromFilesAlone(t *testing.T) {
	mappings.SetOverlay("testdata/newsource/mappings")
	defer mappings.SetOverlay("")

	rules, arts, _, err := driver.BuildDir("testdata/newsource/rules")
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 3 {
		t.Fatalf("%d artifacts, want one per target", len(arts))
	}
	for _, a := range arts {
		if a.Target.Name == "chronicle" && !strings.Contains(string(a.Data), `$e.metadata.log_type = "GITHUB"`) {
			t.Errorf("chronicle artifact does not select the GITHUB log type:\n%s", a.Data)
		}
		if a.Target.Name == "qradar" && !strings.Contains(string(a.Data), "devicetype = 4000") {
			t.Errorf("qradar artifact does not select the device type:\n%s", a.Data)
		}
	}
	results, err := testrun.Run(rules, arts)
	if err != nil {
		t.Fatal(err)
	}
	if n := testrun.Failed(results); n > 0 || len(results) != 4 {
		var b strings.Builder
		testrun.Print(&b, results)
		t.Fatalf("%d failures over %d cases:\n%s", n, len(results), b.String())
	}
	for _, r := range results {
		if len(r.Cells) != 4 {
			t.Errorf("%s: %d evaluators ran, want 4", r.Case.Name, len(r.Cells))
		}
	}

	s, err := scan.New(rules)
	if err != nil {
		t.Fatal(err)
	}
	var hits []scan.Hit
	in := strings.NewReader(readFile(t, "testdata/newsource/events.jsonl"))
	if _, err := s.Scan(in, func(h scan.Hit) { hits = append(hits, h) }, func(line int, err error) { t.Errorf("line %d: %v", line, err) }, nil); err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].Line != 1 || hits[0].Logsource != "github_visibility" || len(hits[0].Summary) != 3 {
		t.Errorf("hits = %+v, want line 1 with a three-field summary", hits)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
