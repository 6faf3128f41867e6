package testrun

import (
	"strings"
	"testing"

	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/lang/aql"
)

// TestQRadarSequenceForm runs the QRadar form of every shipped sequence
// rule that QRadar can express (two ordered steps of one event each, or
// unordered steps) on the rule's own tests: wrong order, outside the
// window, another identity, no join value. The shipped rules exclude
// QRadar only because that form aggregates a conditional, which IBM does
// not document; the only finding allowed in the artifact is that warning.
func TestQRadarSequenceForm(t *testing.T) {
	rules, _, _, err := driver.BuildDir("../rules")
	if err != nil {
		t.Fatal(err)
	}
	qr, _ := driver.LookupTarget("qradar")
	ran := 0
	for _, shipped := range rules {
		if shipped.Sequence == nil || !strings.Contains(shipped.Excluded["qradar"], aql.CodeAggregateOfConditional) {
			continue
		}
		r := *shipped
		r.Excluded = map[string]string{}
		for k, v := range shipped.Excluded {
			if k != "qradar" {
				r.Excluded[k] = v
			}
		}
		art, errs, warns := driver.GenerateOne(&r, qr)
		if len(errs) > 0 {
			t.Errorf("%s: %v", r.Name, errs)
			continue
		}
		for _, w := range warns {
			if w.Finding.Code != aql.CodeAggregateOfConditional {
				t.Errorf("%s: unexpected finding %s", r.Name, w)
			}
		}
		var arts []driver.Artifact
		for _, tg := range driver.Targets {
			if tg.Name == "qradar" {
				arts = append(arts, art)
				continue
			}
			a, errs, _ := driver.GenerateOne(&r, tg)
			if len(errs) > 0 {
				t.Fatalf("%s: %v", r.Name, errs)
			}
			arts = append(arts, a)
		}
		results, err := Run([]*ir.Rule{&r}, arts)
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range results {
			if c := res.Cells["qradar"]; c.Excluded || c.Err != nil || !c.OK {
				t.Errorf("%s / %s: qradar cell %+v", r.Name, res.Case.Name, c)
			}
		}
		if Failed(results) > 0 {
			var b strings.Builder
			Print(&b, results)
			t.Errorf("%s:\n%s", r.Name, b.String())
		}
		ran++
	}
	if ran == 0 {
		t.Fatal("no shipped sequence rule excludes QRadar for aggregate-of-conditional: the test ran nothing")
	}
}
