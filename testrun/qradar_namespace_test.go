package testrun_test

import (
	"strings"
	"testing"

	"github.com/detgen/detgen/backends/qradar"
	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/testrun"
)

// qradarFailures counts the cases whose QRadar cell disagrees or errs.
func qradarFailures(t *testing.T, r *ir.Rule, aql []byte) (failed int, first string) {
	t.Helper()
	qt, _ := driver.LookupTarget("qradar")
	res, err := testrun.Run([]*ir.Rule{r}, []driver.Artifact{{Rule: r, Target: qt, Data: aql}})
	if err != nil {
		t.Fatalf("%s: %v", r.Name, err)
	}
	for _, c := range res {
		if cell := c.Cells["qradar"]; cell.Err != nil || !cell.OK {
			if failed == 0 {
				first = c.Case.Name
				if cell.Err != nil {
					first += ": " + cell.Err.Error()
				}
			}
			failed++
		}
	}
	return failed, first
}

// The QRadar view knows detgen's properties only under the console names
// the build ships (qradar/<id>.properties.json, the extension): an AQL
// that reads a shipped property by its bare mapping name fails the rule's
// tests, and the build's content check refuses it, for every shipped rule
// that reads one. The AQL the build generates passes both.
func TestBareQRadarPropertyNamesFail(t *testing.T) {
	prefix := driver.QRadarOptions.PropertyPrefix
	if prefix == "" {
		t.Fatal("driver.QRadarOptions.PropertyPrefix is empty: detgen's properties are not namespaced")
	}
	rules, arts, _, err := driver.BuildDir("../rules")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, a := range arts {
		r := a.Rule
		if a.Target.Name != "qradar" {
			continue
		}
		shipped, err := driver.QRadarProperties(r)
		if err != nil {
			t.Fatal(err)
		}
		if len(shipped) == 0 {
			continue // reads only the DSM's properties and columns
		}
		checked++
		if n, first := qradarFailures(t, r, a.Data); n > 0 {
			t.Errorf("%s: the generated AQL fails %d cases, first %s", r.Name, n, first)
		}
		bare, err := qradar.Generate(r, "")
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := qradarFailures(t, r, bare); n == 0 {
			t.Errorf("%s: every case passes with the bare property names:\n%s", r.Name, bare)
		}
		if _, err := driver.QRadarExtension([]driver.Artifact{{Rule: r, Target: a.Target, Data: bare}}); err == nil || !strings.Contains(err.Error(), "not read by the AQL") {
			t.Errorf("%s: the content check accepts the bare property names: %v", r.Name, err)
		}
	}
	if checked == 0 {
		t.Fatalf("no rule of %d reads a property detgen ships", len(rules))
	}
	t.Logf("%d rules read properties detgen ships", checked)
}
