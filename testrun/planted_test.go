package testrun

import (
	"errors"
	"strings"
	"testing"

	"github.com/detgen/detgen/driver"
)

// TestPlantedKeysDoNotMatch runs the probe rules of testdata/planted: each
// event lacks a key the rule tests (optional in its record format) and
// carries the key's text elsewhere, in a map whose keys the requester
// chooses or in a nested object of the same key. A QRadar payload
// fallback on such a key matches that text (a false alert, or under NOT
// an evasion). QRadar must give the expected verdict on every case, and
// so must each other target that accepts the rule (Chronicle refuses
// fields its parser documentation does not place).
func TestPlantedKeysDoNotMatch(t *testing.T) {
	rules, err := driver.LoadDir("testdata/planted")
	if err != nil {
		t.Fatal(err)
	}
	var arts []driver.Artifact
	made := map[string]bool{}
	for _, r := range rules {
		for _, tg := range driver.Targets {
			a, errs, _ := driver.GenerateOne(r, tg)
			switch {
			case tg.Name == "qradar" && len(errs) > 0:
				t.Fatalf("%s: qradar refused the probe: %v", r.Name, errs)
			case len(errs) == 0:
				arts = append(arts, a)
				made[r.Name+"/"+tg.Name] = true
			}
		}
	}
	results, err := Run(rules, arts)
	if err != nil {
		t.Fatal(err)
	}
	cases := 0
	for i := range results {
		for col, cell := range results[i].Cells {
			if errors.Is(cell.Err, ErrNoArtifact) && !made[results[i].Rule.Name+"/"+col] {
				delete(results[i].Cells, col)
			}
		}
		if _, ok := results[i].Cells["qradar"]; !ok {
			t.Errorf("%s: qradar did not run", results[i].Case.Name)
		}
		cases++
	}
	if cases < 8 {
		t.Errorf("%d probe cases ran, want at least 8", cases)
	}
	if n := Failed(results); n > 0 {
		var b strings.Builder
		Print(&b, results)
		t.Errorf("%d disagreements:\n%s", n, b.String())
	}
}
