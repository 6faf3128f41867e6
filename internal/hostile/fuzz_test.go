package hostile_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/detgen/detgen/backends/chronicle"
	"github.com/detgen/detgen/backends/qradar"
	"github.com/detgen/detgen/backends/qradar/content"
	"github.com/detgen/detgen/backends/sigma"
	evalyaral "github.com/detgen/detgen/eval/yaral"
	"github.com/detgen/detgen/internal/hostile"
	"github.com/detgen/detgen/internal/invisible"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/lang/aql"
	"github.com/detgen/detgen/lang/yaral"
	"github.com/detgen/detgen/lint"
	"gopkg.in/yaml.v3"
)

// specValue reports whether v is a value compile accepts: valid UTF-8,
// no control characters, not empty.
func specValue(v string) bool {
	if v == "" || !utf8.ValidString(v) {
		return false
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// FuzzGenerators puts a random value in the scope and a signal of a rule
// and checks every target: the artifact passes its language's checks, and
// the value comes back unchanged from inside its literal.
func FuzzGenerators(f *testing.F) {
	for _, v := range hostile.Values {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if !specValue(v) {
			t.Skip()
		}
		r := &ir.Rule{
			SourceFile: "fuzz.yaml", ID: "00000000-0000-4000-8000-000000000000", Name: "fuzz_rule",
			Title: "t", Version: 1, Status: "test", Description: "d", Author: "a", Date: "2026-01-01",
			Severity: "low", Confidence: "low", Technique: ir.Ref{ID: "T1053", Name: "Scheduled Task/Job"},
			Tactics: []ir.Ref{{ID: "TA0002", Name: "Execution"}}, FalsePositives: []string{"x"},
			Logsource: "kubernetes_audit",
			Condition: &ir.Match{Label: "scope_resource", Field: "resource", Type: ir.String, Op: ir.Equals, Values: []string{v}, Cased: true},
			Scoring: &ir.Scoring{Threshold: 1, Signals: []ir.Signal{{Name: "s", Weight: 1,
				When: &ir.Match{Field: "image", Type: ir.String, Op: ir.Contains, Values: []string{v}}}}},
		}

		out, err := qradar.Generate(r, content.DefaultPropertyPrefix)
		if err != nil {
			t.Fatalf("qradar: %v", err)
		}
		if errs := lint.Errors(lint.Check(lint.AQL, out)); len(errs) > 0 {
			t.Fatalf("qradar: %v\n%s", errs, out)
		}
		q, _ := aql.Parse(string(out))
		// A value holding an invisible character is matched by a regex
		// that writes the character as \x{H} (AQL strings have no
		// escape, and raw it would hide in the query): the literal holds
		// the quoted regex instead.
		holds := func(lit string) bool { return lit == v }
		if invisible.In(v) {
			holds = func(lit string) bool { return strings.Contains(lit, aql.RegexQuote(v)) }
		}
		found := false
		aql.Inspect(q, func(n aql.Node) bool {
			if s, ok := n.(*aql.StringLit); ok && holds(s.Value) {
				found = true
			}
			return true
		})
		if !found {
			t.Fatalf("qradar: no literal holds %q\n%s", v, out)
		}

		out, err = chronicle.Generate(r)
		if err != nil {
			t.Fatalf("chronicle: %v", err)
		}
		if errs := lint.Errors(lint.Check(lint.YARAL, out)); len(errs) > 0 {
			t.Fatalf("chronicle: %v\n%s", errs, out)
		}
		rule, _ := yaral.Parse(string(out))
		ev := evalyaral.Event{
			"metadata.log_type":                         {"KUBERNETES_AUDIT"},
			"target.resource.resource_subtype":          {v},
			"network.http.method":                       {"create"},
			`target.resource.attribute.labels["image"]`: {"<" + strings.ToUpper(v) + ">"},
		}
		res, err := evalyaral.Evaluate(rule, ev)
		if err != nil || !res.Match {
			t.Fatalf("chronicle: event with %q does not match (%v)\n%s", v, err, out)
		}
		ev["target.resource.resource_subtype"] = []string{v + "\x00"}
		if res, _ := evalyaral.Evaluate(rule, ev); res.Match {
			t.Fatalf("chronicle: a longer value matches %q", v)
		}

		out, err = sigma.Generate(r)
		if err != nil {
			t.Fatalf("sigma: %v", err)
		}
		if errs := lint.Errors(lint.Check(lint.Sigma, out)); len(errs) > 0 {
			t.Fatalf("sigma: %v\n%s", errs, out)
		}
		var doc struct {
			Detection map[string]yaml.Node `yaml:"detection"`
		}
		var scope map[string][]string
		if err := yaml.Unmarshal(out, &doc); err != nil {
			t.Fatalf("sigma: %v", err)
		}
		node := doc.Detection["scope_resource"]
		if err := node.Decode(&scope); err != nil {
			t.Fatalf("sigma: %v", err)
		}
		got := scope["objectRef.resource|cased"]
		r2 := strings.NewReplacer(`\\`, `\`, `\*`, `*`, `\?`, `?`)
		if len(got) != 1 || r2.Replace(got[0]) != v {
			t.Fatalf("sigma: scope value %q, want %q", got, v)
		}
	})
}
