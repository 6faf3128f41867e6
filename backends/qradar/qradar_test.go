package qradar

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/detgen/detgen/backends/qradar/content"
	"github.com/detgen/detgen/internal/hostile"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/lang/aql"
	"github.com/detgen/detgen/lint"
)

// literals parses an AQL query and returns the values of its string
// literals.
func literals(t *testing.T, src []byte) []string {
	t.Helper()
	q, err := aql.Parse(string(src))
	if err != nil {
		t.Fatalf("generated AQL does not parse: %v\n%s", err, src)
	}
	var out []string
	aql.Inspect(q, func(n aql.Node) bool {
		if s, ok := n.(*aql.StringLit); ok {
			out = append(out, s.Value)
		}
		return true
	})
	return out
}

// benign replaces every hostile value by a harmless one of the same role.
func benign(r *ir.Rule) *ir.Rule {
	repl := map[string]string{}
	for i, v := range hostile.Values {
		repl[v] = fmt.Sprintf("value%d", i)
	}
	swap := func(vs []string) []string {
		out := make([]string, len(vs))
		for i, v := range vs {
			if b, ok := repl[v]; ok {
				out[i] = b
			} else {
				out[i] = v
			}
		}
		return out
	}
	c := *r
	for _, m := range ir.Matches(c.Condition) {
		m.Values = swap(m.Values)
	}
	for _, s := range c.Scoring.Signals {
		for _, m := range ir.Matches(s.When) {
			m.Values = swap(m.Values)
		}
	}
	return &c
}

func TestHostileValuesStayLiteral(t *testing.T) {
	r := hostile.Rule()
	out, err := Generate(r, content.DefaultPropertyPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if errs := lint.Errors(lint.Check(lint.AQL, out)); len(errs) > 0 {
		t.Errorf("checks fail on the hostile query: %v", errs)
	}
	lits := literals(t, out)
	ref, err := Generate(benign(r), content.DefaultPropertyPrefix)
	if err != nil {
		t.Fatal(err)
	}
	// A value that escaped its literal would add, remove or split
	// literals; the query must have exactly the literals of the same rule
	// with harmless values.
	if got, want := len(lits), len(literals(t, ref)); got != want {
		t.Errorf("hostile query has %d string literals, the benign one %d", got, want)
	}
	has := func(pred func(string) bool) bool {
		for _, l := range lits {
			if pred(l) {
				return true
			}
		}
		return false
	}
	for _, v := range hostile.Values {
		// The property test compares the value itself.
		if !has(func(l string) bool { return l == v }) {
			t.Errorf("no literal equals %q (property test)", v)
		}
		// The payload test looks for the value as JSON writes it, in a
		// LIKE pattern or, when it holds % or _, an escaped regex.
		j := jsonText(v)
		var want string
		if aql.HasLikeWildcard(j) {
			want = aql.RegexQuote(j)
		} else {
			want = `"resource":"` + j + `"`
		}
		if !has(func(l string) bool { return strings.Contains(l, want) }) {
			t.Errorf("no payload literal holds %q for %q", want, v)
		}
	}
}

func TestLikeTestFallsBackToRegex(t *testing.T) {
	for _, tc := range []struct {
		v, prefix, suffix string
		nocase            bool
		want              string
	}{
		{"cronjobs", "", "", false, `x LIKE 'cronjobs'`},
		{"alpine", "%", "%", true, `x ILIKE '%alpine%'`},
		{"system:node:", "", "%", false, `x LIKE 'system:node:%'`},
		{"50%_off", "%", "%", false, `x MATCHES '(?s)^.*50%_off.*$'`},
		{"a_b", "", "%", true, `x IMATCHES '(?s)^a_b.*$'`},
		{"it's 1.5%", "", "", false, `x MATCHES '(?s)^it''s 1\.5%$'`},
	} {
		if got := likeTest("x", tc.v, tc.prefix, tc.suffix, tc.nocase); got != tc.want {
			t.Errorf("likeTest(%q) = %s, want %s", tc.v, got, tc.want)
		}
	}
}

func TestJSONText(t *testing.T) {
	for v, want := range map[string]string{`say "hi"`: `say \"hi\"`, `C:\x`: `C:\\x`, "a\nb": `a\nb`, "a&b<c>": `a\u0026b\u003cc\u003e`, "plain": "plain"} {
		if got := jsonText(v); got != want {
			t.Errorf("jsonText(%q) = %s, want %s", v, got, want)
		}
	}
}

func TestJSONTexts(t *testing.T) {
	for v, want := range map[string][]string{
		"plain":    {"plain"},
		`say "hi"`: {`say \"hi\"`},
		"a&b<c>":   {"a&b<c>", `a\u0026b\u003cc\u003e`},
		`<"x">`:    {`<\"x\">`, `\u003c\"x\"\u003e`},
	} {
		if got := jsonTexts(v); !slices.Equal(got, want) {
			t.Errorf("jsonTexts(%q) = %q, want %q", v, got, want)
		}
	}
}

func TestScoreGateWhenNoSingleSignalAlerts(t *testing.T) {
	r := hostile.Rule()
	r.Scoring.Threshold = 20 // every signal weighs 10
	out, err := Generate(r, content.DefaultPropertyPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), ") >= 20\nORDER BY") {
		t.Errorf("no score gate in:\n%s", out)
	}
	literals(t, out)
}

// quotedNames are the quoted identifiers of an AQL: the properties it reads.
func quotedNames(t *testing.T, src []byte) map[string]bool {
	t.Helper()
	q, err := aql.Parse(string(src))
	if err != nil {
		t.Fatalf("generated AQL does not parse: %v\n%s", err, src)
	}
	out := map[string]bool{}
	aql.Inspect(q, func(n aql.Node) bool {
		if id, ok := n.(*aql.Ident); ok && id.Quoted {
			out[id.Name] = true
		}
		return true
	})
	return out
}

// Every property a search reads, in its select list, filter, groups,
// aggregate and sequence steps, is named as the console knows it: detgen's
// own with the prefix, the DSM's (builtin) as IBM names them.
func TestPropertyNamesAreNamespaced(t *testing.T) {
	const prefix = "ns_"
	eq := func(field, v string) *ir.Match {
		return &ir.Match{Field: field, Type: ir.String, Op: ir.Equals, Values: []string{v}}
	}
	rule := func(ls string, cond ir.Expr) *ir.Rule {
		return &ir.Rule{SourceFile: "t.yaml", Name: "t", Logsource: ls, Condition: cond}
	}
	single := rule("aws_cloudtrail", eq("eventName", "StopLogging"))
	agg := rule("kubernetes_audit", eq("resource", "secrets"))
	agg.Aggregate = &ir.Aggregate{Func: ir.DistinctCount, Field: "name", GroupBy: []string{"verb"}, Window: time.Hour, Threshold: ir.Bound{Op: ir.GT, Value: 2}}
	seq := rule("kubernetes_audit", eq("resource", "pods"))
	seq.Sequence = &ir.Sequence{Join: []string{"namespace"}, Window: time.Hour, Steps: []ir.Step{
		{Name: "a", When: eq("verb", "create"), Min: 1}, {Name: "b", When: eq("user_agent", "kubectl"), Min: 1}}}
	builtin := rule("linux_auditd", eq("type", "EXECVE"))
	for _, tc := range []struct {
		r    *ir.Rule
		want []string // fields whose property the search must read
	}{
		{single, []string{"eventName", "eventSource", "userIdentity.arn"}}, // filter and select list
		{agg, []string{"resource", "name", "verb"}},
		{seq, []string{"resource", "namespace", "verb", "user_agent"}},
		{builtin, []string{"type"}},
	} {
		out, err := Generate(tc.r, prefix)
		if err != nil {
			t.Fatal(err)
		}
		prof, _, err := LoadProfile(tc.r.Logsource)
		if err != nil {
			t.Fatal(err)
		}
		console := map[string]bool{}
		for _, f := range prof.Fields {
			if f.Property != "" {
				console[f.ConsoleName(prefix)] = true
			}
		}
		got := quotedNames(t, out)
		for n := range got {
			if !console[n] {
				t.Errorf("%s: AQL reads %q, not the console name of a mapped property\n%s", tc.r.Logsource, n, out)
			}
		}
		// Properties lists exactly detgen's own properties the AQL reads:
		// the extension defines those, and one missing is NULL on a console.
		props, err := Properties(tc.r)
		if err != nil {
			t.Fatal(err)
		}
		shipped := map[string]bool{}
		for _, p := range props {
			shipped[prefix+p.Name] = true
		}
		for n := range got {
			if strings.HasPrefix(n, prefix) != shipped[n] {
				t.Errorf("%s: AQL reads %q; shipped properties: %v", tc.r.Logsource, n, shipped)
			}
		}
		if len(shipped) > len(got) {
			t.Errorf("%s: ships %v, AQL reads %v", tc.r.Logsource, shipped, got)
		}
		for _, field := range tc.want {
			f, _ := prof.field(field)
			want := prefix + f.Property
			if f.Builtin {
				want = f.Property
			}
			if !got[want] {
				t.Errorf("%s: field %s: AQL does not read %q\n%s", tc.r.Logsource, field, want, out)
			}
		}
	}
}

// A rule's own row limit (qradar.limit) replaces the log source's in every
// form of search: single event, aggregate and sequence.
func TestRuleLimitInEverySearch(t *testing.T) {
	eq := func(field, v string) *ir.Match {
		return &ir.Match{Field: field, Type: ir.String, Op: ir.Equals, Values: []string{v}}
	}
	rule := func(cond ir.Expr) *ir.Rule {
		return &ir.Rule{SourceFile: "t.yaml", Name: "t", Logsource: "kubernetes_audit", Condition: cond}
	}
	single := rule(eq("resource", "secrets"))
	agg := rule(eq("resource", "secrets"))
	agg.Aggregate = &ir.Aggregate{Func: ir.Count, GroupBy: []string{"verb"}, Window: time.Hour, Threshold: ir.Bound{Op: ir.GT, Value: 2}}
	seq := rule(eq("resource", "pods"))
	seq.Sequence = &ir.Sequence{Join: []string{"namespace"}, Window: time.Hour, Steps: []ir.Step{
		{Name: "a", When: eq("verb", "create"), Min: 1}, {Name: "b", When: eq("verb", "delete"), Min: 1}}}
	prof, _, err := LoadProfile("kubernetes_audit")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*ir.Rule{single, agg, seq} {
		for _, limit := range []int{0, 7} {
			r.QRadarLimit = limit
			out, err := Generate(r, content.DefaultPropertyPrefix)
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("\nLIMIT %d\n", prof.Limit)
			if limit > 0 {
				want = fmt.Sprintf("\nLIMIT %d\n", limit)
			}
			if !strings.Contains(string(out), want) {
				t.Errorf("limit %d: %q not in\n%s", limit, want, out)
			}
		}
	}
}
