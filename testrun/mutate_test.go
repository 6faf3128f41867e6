package testrun

import (
	"strings"
	"testing"

	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/ir"
)

// TestMutantsOfTheCronJobRule checks the mutant set of the shipped
// T1053.007 rule: each kind of change is generated, the original rule is
// never among the mutants, and every mutant differs from the original.
func TestMutantsOfTheCronJobRule(t *testing.T) {
	rules, _, _, err := driver.BuildDir("../rules")
	if err != nil {
		t.Fatal(err)
	}
	var r *ir.Rule
	for _, x := range rules {
		if x.Name == "kubernetes_suspicious_cronjob_job_creation" {
			r = x
		}
	}
	ms := Mutants(r)
	kinds := map[string]int{}
	for _, m := range ms {
		switch {
		case strings.Contains(m.Desc, ": drop value "):
			kinds["value"]++
		case strings.Contains(m.Desc, ": drop "):
			kinds["drop"]++
		case strings.Contains(m.Desc, ": negate "):
			kinds["negate"]++
		}
		if ir.Format(m.rule.Condition) == ir.Format(r.Condition) && signals(m.rule) == signals(r) {
			t.Errorf("mutant %q equals the rule", m.Desc)
		}
	}
	if kinds["value"] == 0 || kinds["drop"] == 0 || kinds["negate"] == 0 {
		t.Errorf("mutant kinds %v: want values dropped, conditions dropped and negated", kinds)
	}
	// The original rule is untouched.
	if !strings.Contains(ir.Format(r.Condition), "cronjobs") {
		t.Errorf("the rule was modified: %s", ir.Format(r.Condition))
	}
}

func signals(r *ir.Rule) string {
	var b strings.Builder
	for _, s := range r.Scoring.Signals {
		b.WriteString(ir.Format(s.When))
	}
	return b.String()
}

// TestMutationFindsAWeakSuite removes every negative case of the rule:
// then dropping the exclusion (or the verb test) survives, on the spec
// and on every target, and Mutate must say so.
func TestMutationFindsAWeakSuite(t *testing.T) {
	rules, arts, _, err := driver.BuildDir("../rules")
	if err != nil {
		t.Fatal(err)
	}
	var r *ir.Rule
	for _, x := range rules {
		if x.Name == "kubernetes_suspicious_cronjob_job_creation" {
			r = x
		}
	}
	weak := *r
	weak.Tests = nil
	for _, tc := range r.Tests {
		if tc.Expect.Match {
			weak.Tests = append(weak.Tests, tc)
		}
	}
	var mine []driver.Artifact
	for _, a := range arts {
		if a.Rule == r {
			a.Rule = &weak
			mine = append(mine, a)
		}
	}
	survivors, total, err := Mutate([]*ir.Rule{&weak}, mine, driver.Targets)
	if err != nil {
		t.Fatal(err)
	}
	if total == 0 {
		t.Fatal("no mutant ran")
	}
	found := map[string]bool{}
	for _, s := range survivors {
		if strings.Contains(s.Mutant.Desc, "condition: drop control_plane") || strings.Contains(s.Mutant.Desc, "condition: drop a not") {
			found[s.Target] = true
			if s.Target != "reference" && s.Line == 0 {
				t.Errorf("%s survivor without an artifact line", s.Target)
			}
		}
	}
	for _, want := range []string{"reference", "qradar", "chronicle", "sigma"} {
		if !found[want] {
			t.Errorf("dropping the exclusion survives on %s, but Mutate did not report it (survivors: %d of %d)", want, len(survivors), total)
		}
	}
}
