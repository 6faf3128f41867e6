package qradar

import (
	"errors"
	"strings"
	"testing"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/ir"
)

// TestNoDSMIsARefusal: a log source no QRadar DSM parses (its profile
// names no device type) refuses every rule with the reason, even one
// with no field test, instead of writing a query with an empty device
// type list.
func TestNoDSMIsARefusal(t *testing.T) {
	r := &ir.Rule{Name: "kw", Logsource: "github_audit", SourceFile: "kw.yml",
		Condition: &ir.Keyword{Values: []string{"evil"}}}
	_, err := Generate(r, "")
	var u *diag.Unsupported
	if !errors.As(err, &u) || !strings.Contains(u.Msg, "reaches no QRadar DSM") {
		t.Fatalf("got %v, want a refusal naming the missing DSM", err)
	}
}
