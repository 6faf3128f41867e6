package chronicle

import (
	"strings"
	"testing"

	"github.com/detgen/detgen/ir"
)

// TestProfileScopeIsRendered: a rule on a log source whose Chronicle
// profile has a scope (Sysmon raw disk access, event 9, which the
// WINDOWS_SYSMON parser gives no event type of its own) keeps to that
// event id even when the rule names none: otherwise any Sysmon event with
// the same labels would match.
func TestProfileScopeIsRendered(t *testing.T) {
	r := &ir.Rule{Name: "raw_access", Logsource: "windows_raw_access_thread", SourceFile: "r.yaml",
		Condition: &ir.Match{Field: "Image", Op: ir.EndsWith, Type: ir.String, Values: []string{`\evil.exe`}}}
	out, err := Generate(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `$e.metadata.product_event_type = "9"`) {
		t.Errorf("the profile's scope is not in the rule:\n%s", out)
	}
}
