package testrun

import (
	"strings"
	"testing"

	"github.com/detgen/detgen/driver"
)

func TestShippedRules(t *testing.T) {
	rules, arts, _, err := driver.BuildDir("../rules")
	if err != nil {
		t.Fatal(err)
	}
	results, err := Run(rules, arts)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	Print(&b, results)
	t.Log("\n" + b.String())
	if n := Failed(results); n > 0 {
		t.Errorf("%d disagreements", n)
	}
}

// TestDisagreementFails proves the runner can fail: a wrong expected score
// and a removed divergence declaration are both reported.
func TestDisagreementFails(t *testing.T) {
	rules, arts, _, err := driver.BuildDir("../rules")
	if err != nil {
		t.Fatal(err)
	}
	r := rules[0]
	for i := range r.Tests {
		switch {
		case r.Tests[i].Expect.Match && len(r.Tests[i].Differs) == 0 && i == 0:
			r.Tests[i].Expect.Score++ // every scoring evaluator now disagrees
		case len(r.Tests[i].Differs) > 0:
			r.Tests[i].Differs = nil // the declared divergence now fails
		}
	}
	results, err := Run(rules, arts)
	if err != nil {
		t.Fatal(err)
	}
	// reference, qradar and chronicle on case 0, plus one per removed
	// declaration (three cases declare one divergence each).
	if got := Failed(results); got != 6 {
		var b strings.Builder
		Print(&b, results)
		t.Errorf("%d failures, want 6\n%s", got, b.String())
	}
}
