package chronicle

import (
	"strings"
	"testing"

	"github.com/detgen/detgen/compile"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/spec"
)

// TestEnumField: a field the parser rewrites to a UDM enum (Okta's
// outcome.result -> security_result.action) renders each listed value as
// its enum value, case-insensitively unless cased, and refuses what the
// mapping cannot render exactly.
func TestEnumField(t *testing.T) {
	sr, errs := spec.Load("../../rules/identity/t1078.004-okta-signins-from-many-countries.yaml")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	outcome := func(r *ir.Rule) *ir.Match {
		for _, m := range ir.Matches(r.Condition) {
			if m.Field == "outcome.result" {
				return m
			}
		}
		t.Fatal("the rule tests no outcome.result")
		return nil
	}
	for _, c := range []struct {
		op     ir.Op
		cased  bool
		values []string
		want   string // in the rule, or the refusal
	}{
		{ir.Equals, true, []string{"SUCCESS"}, `$e.security_result.action = "ALLOW"`},
		{ir.Equals, false, []string{"failure"}, `$e.security_result.action = "BLOCK"`},
		{ir.Equals, true, []string{"failure"}, "lists no single rewrite"},
		{ir.Equals, false, []string{"SKIPPED"}, "lists no single rewrite"},
		{ir.Equals, false, []string{"ALLOW"}, "lists no single rewrite"},
		{ir.Contains, false, []string{"SUCC"}, "supports equals on listed values only"},
		{ir.Exists, false, nil, "supports equals on listed values only"},
	} {
		r, errs := compile.Rule(sr)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		m := outcome(r)
		m.Op, m.Cased, m.Values = c.op, c.cased, c.values
		out, err := Generate(r)
		got := string(out)
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, c.want) {
			t.Errorf("%s %v cased=%v: want %q in:\n%s", c.op, c.values, c.cased, c.want, got)
		}
	}
}
