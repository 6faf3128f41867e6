package testrun

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/ir"
)

// TestShippedRulesKillEveryMutant runs every mutant of every shipped rule
// (a condition dropped or negated, a value dropped) on the spec and on
// each target's regenerated artifact: the rule's tests must tell every
// one of them apart from the rule. DETGEN_MUTATE_RULE (a regexp on rule
// names) narrows the run while writing tests.
func TestShippedRulesKillEveryMutant(t *testing.T) {
	rules, arts, _, err := driver.BuildDir("../rules")
	if err != nil {
		t.Fatal(err)
	}
	if pat := os.Getenv("DETGEN_MUTATE_RULE"); pat != "" {
		re := regexp.MustCompile(pat)
		var some []*ir.Rule
		for _, r := range rules {
			if re.MatchString(r.Name) {
				some = append(some, r)
			}
		}
		rules = some
	}
	survivors, total, err := Mutate(rules, arts, driver.Targets)
	if err != nil {
		t.Fatal(err)
	}
	if len(survivors) > 0 {
		var b strings.Builder
		PrintSurvivors(&b, survivors)
		t.Errorf("%d of %d mutants survive:\n%s", len(survivors), total, b.String())
	}
}
