package chronicle

import (
	"github.com/detgen/detgen/ir"
	"strings"
	"testing"

	evalyaral "github.com/detgen/detgen/eval/yaral"
	"github.com/detgen/detgen/internal/hostile"
	"github.com/detgen/detgen/lang/yaral"
	"github.com/detgen/detgen/lint"
)

// TestHostileValuesStayLiteral generates a rule from hostile values, parses
// it with the YARA-L parser and runs it: each value must select exactly
// itself, so no value escaped its literal or changed meaning.
func TestHostileValuesStayLiteral(t *testing.T) {
	r := hostile.Rule()
	out, err := Generate(r)
	if err != nil {
		t.Fatal(err)
	}
	if errs := lint.Errors(lint.Check(lint.YARAL, out)); len(errs) > 0 {
		t.Fatalf("checks fail: %v\n%s", errs, out)
	}
	rule, err := yaral.Parse(string(out))
	if err != nil {
		t.Fatalf("does not parse: %v\n%s", err, out)
	}
	meta := map[string]string{}
	for _, kv := range rule.Meta.Entries {
		v, err := kv.Value.StringValue()
		if err != nil {
			t.Fatal(err)
		}
		meta[kv.Key] = v
	}
	if meta["rule_name"] != r.Title || meta["author"] != r.Author || meta["description"] != strings.Join(strings.Fields(r.Description), " ") {
		t.Errorf("meta changed: %q %q %q", meta["rule_name"], meta["author"], meta["description"])
	}
	base := func(resource, user, image string) evalyaral.Event {
		return evalyaral.Event{
			"metadata.log_type":                         {"KUBERNETES_AUDIT"},
			"target.resource.resource_subtype":          {resource},
			"network.http.method":                       {"create"},
			"principal.user.user_display_name":          {user},
			`target.resource.attribute.labels["image"]`: {image},
		}
	}
	matches := func(ev evalyaral.Event) bool {
		res, err := evalyaral.Evaluate(rule, ev)
		if err != nil {
			t.Fatal(err)
		}
		return res.Match
	}
	for _, v := range hostile.Values {
		if !matches(base(v, "alice", "registry/"+strings.ToUpper(v)+":1")) {
			t.Errorf("value %q: the event carrying it does not match", v)
		}
		if matches(base(v+"x", "alice", "x"+v)) {
			t.Errorf("value %q: scope equals matched a longer value", v)
		}
		// The exclusion (equals and startswith) must fire on the value.
		if matches(base(v, v, "x"+v)) || matches(base(v, v+"tail", "x"+v)) {
			t.Errorf("value %q: exclusion did not fire", v)
		}
		// Nothing else may match: the same value with a character changed.
		if len(v) > 1 && matches(base("#"+v[1:], "alice", "x")) && !strings.HasPrefix(v, "#") {
			t.Errorf("value %q: a different value matched", v)
		}
	}
}

func TestRejectsUnquotableValue(t *testing.T) {
	r := hostile.Rule()
	ir.Matches(r.Condition)[0].Values = []string{"bell\a"}
	if _, err := Generate(r); err == nil || !strings.Contains(err.Error(), "resource") {
		t.Errorf("err = %v, want a refusal naming the field", err)
	}
}
