package testrun

import (
	"github.com/detgen/detgen/ir"
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
	// Only the T1053.007 rule's cases are run, so the count below does not
	// depend on the other shipped rules.
	var r *ir.Rule
	for _, x := range rules {
		if x.Name == "kubernetes_suspicious_cronjob_job_creation" {
			r = x
		}
	}
	if r == nil {
		t.Fatal("the T1053.007 rule is not shipped")
	}
	var mine []driver.Artifact
	for _, a := range arts {
		if a.Rule == r {
			mine = append(mine, a)
		}
	}
	declared := 0
	for i := range r.Tests {
		switch {
		case r.Tests[i].Expect.Match && len(r.Tests[i].Differs) == 0 && i == 0:
			r.Tests[i].Expect.Score++ // every scoring evaluator now disagrees
		case len(r.Tests[i].Differs) > 0:
			declared += len(r.Tests[i].Differs)
			r.Tests[i].Differs = nil // the declared divergence now fails
		}
	}
	if declared == 0 {
		t.Fatal("the T1053.007 rule declares no divergence: the second half of this test proves nothing")
	}
	results, err := Run([]*ir.Rule{r}, mine)
	if err != nil {
		t.Fatal(err)
	}
	// reference, qradar, chronicle and sigma (all scored) on case 0, plus
	// one per removed declaration.
	if got, want := Failed(results), 4+declared; got != want {
		var b strings.Builder
		Print(&b, results)
		t.Errorf("%d failures, want %d\n%s", got, want, b.String())
	}
}

// TestMissingEvaluatorFails: a target whose artifact is absent is a
// failure in every case, not an "n/a" that passes.
func TestMissingEvaluatorFails(t *testing.T) {
	rules, arts, _, err := driver.BuildDir("../rules")
	if err != nil {
		t.Fatal(err)
	}
	r := rules[0]
	var some []driver.Artifact
	for _, a := range arts {
		if a.Rule == r && a.Target.Name != "sigma" {
			some = append(some, a)
		}
	}
	results, err := Run([]*ir.Rule{r}, some)
	if err != nil {
		t.Fatal(err)
	}
	if got := Failed(results); got != len(r.Tests) {
		t.Errorf("%d failures, want one per case (%d)", got, len(r.Tests))
	}
}
