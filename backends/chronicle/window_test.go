package chronicle

import (
	"strings"
	"testing"
	"time"

	"github.com/detgen/detgen/ir"
)

// TestMatchWindowRefusals: a window YARA-L cannot match over (seconds, over
// 48h) is refused for aggregations and sequences alike; a whole hour is
// written "2h".
func TestMatchWindowRefusals(t *testing.T) {
	cond := &ir.Match{Field: "verb", Op: ir.Equals, Type: ir.String, Values: []string{"get"}}
	step := ir.Step{Name: "a", When: cond, Min: 1}
	for _, w := range []time.Duration{90 * time.Second, 49 * time.Hour} {
		for _, r := range []*ir.Rule{
			{Name: "agg", Logsource: "kubernetes_audit", Condition: cond, Aggregate: &ir.Aggregate{Func: ir.Count, GroupBy: []string{"username"}, Window: w, Threshold: ir.Bound{Op: ir.GT, Value: 1}}},
			{Name: "seq", Logsource: "kubernetes_audit", Condition: cond, Sequence: &ir.Sequence{Steps: []ir.Step{step, {Name: "b", When: cond, Min: 1}}, Join: []string{"username"}, Window: w}},
		} {
			if _, err := Generate(r); err == nil || !strings.Contains(err.Error(), "YARA-L match windows") {
				t.Errorf("%s, window %s: got %v, want a refusal", r.Name, w, err)
			}
		}
	}
	r := &ir.Rule{Name: "agg", Logsource: "kubernetes_audit", Condition: cond, Aggregate: &ir.Aggregate{Func: ir.Count, GroupBy: []string{"username"}, Window: 2 * time.Hour, Threshold: ir.Bound{Op: ir.GT, Value: 1}}}
	out, err := Generate(r)
	if err != nil || !strings.Contains(string(out), "over 2h") {
		t.Errorf("2h window: %v\n%s", err, out)
	}
}
