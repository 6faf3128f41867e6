package driver_test

import (
	"testing"

	"github.com/detgen/detgen/backends/chronicle"
	"github.com/detgen/detgen/backends/qradar"
	"github.com/detgen/detgen/backends/sigma"
	"github.com/detgen/detgen/compile"
	"github.com/detgen/detgen/mappings"
)

// TestEveryFieldIsMappedOrUnavailable checks every log source's catalog
// against its three target mappings: each field has a mapping in every
// target or is marked unavailable there with a reason, so a field the
// catalog offers never fails a build with "no mapping".
func TestEveryFieldIsMappedOrUnavailable(t *testing.T) {
	for _, name := range mappings.LogsourceNames() {
		ls, errs := mappings.LoadLogsource(name)
		if len(errs) > 0 {
			t.Errorf("%s: %v", name, errs)
			continue
		}
		if _, errs := compile.Catalog(ls); len(errs) > 0 {
			t.Errorf("%s: %v", name, errs)
		}
		qp, _, err := qradar.LoadProfile(name)
		if err != nil {
			t.Errorf("%s: qradar: %v", name, err)
			continue
		}
		cp, err := chronicle.LoadProfile(name)
		if err != nil {
			t.Errorf("%s: chronicle: %v", name, err)
			continue
		}
		_, _, err = sigma.FieldTypes(name)
		if err != nil {
			t.Errorf("%s: sigma: %v", name, err)
			continue
		}
		for _, f := range ls.Fields {
			if !qp.Covers(f.Name) {
				t.Errorf("%s: field %s has no QRadar mapping and is not marked unavailable", name, f.Name)
			}
			for _, lt := range cp.LogTypes {
				if !cp.Covers(lt, f.Name) {
					t.Errorf("%s: field %s has no UDM mapping for log type %s and is not marked unavailable", name, f.Name, lt.Name)
				}
			}
			if !sigma.Covers(name, f.Name) {
				t.Errorf("%s: field %s has no Sigma field name and is not marked unavailable", name, f.Name)
			}
		}
	}
}
