package testrun

import (
	"strings"
	"testing"

	"github.com/detgen/detgen/driver"
)

// TestAverageAggregate runs the avg probe of testdata/average on every
// target (no shipped rule averages): each must compile it and agree with
// the spec on every case, the declared Chronicle divergences included
// (hop windows that average a later sub-window; events whose value is 0
// kept out), and no mutant of the probe may survive its tests.
func TestAverageAggregate(t *testing.T) {
	rules, err := driver.LoadDir("testdata/average")
	if err != nil {
		t.Fatal(err)
	}
	arts, errs, _ := driver.Generate(rules, driver.Targets)
	if len(errs) > 0 {
		t.Fatalf("a target refused the probe: %v", errs)
	}
	results, err := Run(rules, arts)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) < 7 {
		t.Fatalf("%d cases ran, want 7", len(results))
	}
	for _, r := range results {
		if len(r.Cells) != len(Columns) {
			t.Errorf("%s: %d evaluators ran, want %d", r.Case.Name, len(r.Cells), len(Columns))
		}
	}
	if n := Failed(results); n > 0 {
		var b strings.Builder
		Print(&b, results)
		t.Errorf("%d disagreements:\n%s", n, b.String())
	}
	survivors, total, err := Mutate(rules, arts, driver.Targets)
	if err != nil {
		t.Fatal(err)
	}
	if len(survivors) > 0 || total == 0 {
		var b strings.Builder
		PrintSurvivors(&b, survivors)
		t.Errorf("%d of %d mutants survived:\n%s", len(survivors), total, b.String())
	}
}
