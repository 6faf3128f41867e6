package chronicle

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/detgen/detgen/compile"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/mappings"
)

// TestScopeCarriedWhereEventTypesDoNot: a log source's catalog scope says
// which records are its own. Where a Chronicle log type selects no event
// type of its own (a Sysmon category, one Zeek log among all of a sensor's),
// every field of that scope Chronicle can read must be in the Chronicle
// profile's scope too, or a rule that names none of it would match other
// records of the log type.
func TestScopeCarriedWhereEventTypesDoNot(t *testing.T) {
	files, _ := filepath.Glob("../../mappings/chronicle/*.yaml")
	checked := 0
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		p, err := LoadProfile(name)
		if err != nil {
			t.Fatal(err)
		}
		ls, errs := mappings.LoadLogsource(name)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		if ls.Scope == nil {
			continue
		}
		scope, errs := compile.Catalog(ls)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		var have []string
		if p.scope != nil {
			for _, m := range ir.Matches(p.scope) {
				have = append(have, m.Field)
			}
		}
		for _, lt := range p.LogTypes {
			if len(lt.EventTypes) > 0 || lt.EventTypeBy != nil {
				continue // the event types narrow the log type
			}
			for _, m := range ir.Matches(scope) {
				f, ok := p.resolve(lt, m.Field)
				if !ok || f.Unavailable != "" {
					continue // Chronicle cannot read it: the rule's own fields must narrow
				}
				checked++
				if !slices.Contains(have, m.Field) {
					t.Errorf("%s: the catalog scope tests %s, which %s can read, but the Chronicle profile's scope does not", name, m.Field, lt.Name)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no profile checked")
	}
}
