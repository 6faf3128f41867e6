package sigma

import (
	"context"
	"fmt"
	"github.com/detgen/detgen/ir"
	"strings"
	"testing"

	sigmago "github.com/bradleyjkemp/sigma-go"
	"github.com/bradleyjkemp/sigma-go/evaluator"
	"github.com/detgen/detgen/internal/hostile"
	"gopkg.in/yaml.v3"
)

// unescape reads a Sigma string value as the Sigma specification defines
// it: \* \? and \\ are literal characters, an unescaped * or ? is a
// wildcard (reported as an error here: no spec value may become one).
func unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s) && strings.IndexByte(`*?\`, s[i+1]) >= 0:
			b.WriteByte(s[i+1])
			i++
		case c == '*' || c == '?':
			return "", fmt.Errorf("unescaped wildcard %q at %d in %q", c, i, s)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func TestHostileValuesStayLiteral(t *testing.T) {
	r := hostile.Rule()
	out, err := Generate(r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sigmago.ParseRule(out); err != nil {
		t.Fatalf("sigma-go rejects the rule: %v\n%s", err, out)
	}
	var doc struct {
		Title          string               `yaml:"title"`
		Author         string               `yaml:"author"`
		Description    string               `yaml:"description"`
		References     []string             `yaml:"references"`
		FalsePositives []string             `yaml:"falsepositives"`
		Detection      map[string]yaml.Node `yaml:"detection"`
		Tags           []string             `yaml:"tags"`
		Logsource      map[string]string    `yaml:"logsource"`
		Rest           map[string]any       `yaml:",inline"`
	}
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("output is not YAML: %v\n%s", err, out)
	}
	if doc.Title != r.Title || doc.Author != r.Author || doc.References[0] != r.References[0] {
		t.Errorf("metadata changed: title %q author %q ref %q", doc.Title, doc.Author, doc.References[0])
	}
	if want := foldSpace(r.Description); doc.Description != want {
		t.Errorf("description = %q, want %q", doc.Description, want)
	}
	if doc.FalsePositives[0] != r.FalsePositives[0] || doc.FalsePositives[1] != r.FalsePositives[1] {
		t.Errorf("falsepositives changed: %q", doc.FalsePositives)
	}

	// Every selection value, unescaped per the Sigma spec, must be one of
	// the hostile values, and every hostile value must appear in each of
	// the selections that carry it.
	found := map[string]map[string]bool{}
	for name, node := range doc.Detection {
		if name == "condition" {
			continue
		}
		var items []map[string][]string
		if node.Kind == yaml.MappingNode {
			var m map[string][]string
			if err := node.Decode(&m); err != nil {
				t.Fatal(err)
			}
			items = append(items, m)
		} else if err := node.Decode(&items); err != nil {
			t.Fatal(err)
		}
		found[name] = map[string]bool{}
		for _, m := range items {
			for _, vals := range m {
				for _, raw := range vals {
					v, err := unescape(raw)
					if err != nil {
						t.Errorf("%s: %v", name, err)
					}
					found[name][v] = true
				}
			}
		}
	}
	for _, sel := range []string{"scope_resource", "exclusion_username", "signal_image_nocase", "signal_command_cased", "signal_host_path"} {
		for _, v := range hostile.Values {
			if !found[sel][v] {
				t.Errorf("%s lacks hostile value %q", sel, v)
			}
		}
	}
}

// TestHostileValuesMatchInSigmaGo runs sigma-go's evaluator on the rule:
// an event carrying exactly a hostile value in every scoped field must
// match. sigma-go v0.6.6 implements no wildcards, so values holding * ?
// or \ (whose Sigma escapes it would compare literally) are left to
// TestHostileValuesStayLiteral.
func TestHostileValuesMatchInSigmaGo(t *testing.T) {
	// sigma-go v0.6.6 does not know the cased modifier (Sigma v2.1), so
	// this run uses the case-insensitive form of every test.
	r := hostile.Rule()
	for _, m := range ir.Matches(r.Condition) {
		m.Cased = false
	}
	for _, sig := range r.Scoring.Signals {
		for _, m := range ir.Matches(sig.When) {
			m.Cased = false
		}
	}
	out, err := Generate(r)
	if err != nil {
		t.Fatal(err)
	}
	rule, err := sigmago.ParseRule(out)
	if err != nil {
		t.Fatal(err)
	}
	ev := evaluator.ForRule(rule)
	for _, v := range hostile.Values {
		if strings.ContainsAny(v, `*?\`) {
			continue
		}
		event := map[string]any{
			"objectRef.resource": v,
			"verb":               "create",
			"user.username":      "alice",
			"requestObject.spec.template.spec.containers.image": "registry/" + strings.ToUpper(v) + ":1",
		}
		res, err := ev.Matches(context.Background(), event)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Match {
			t.Errorf("value %q: event does not match: %+v", v, res.SearchResults)
		}
		event["objectRef.resource"] = v + "x"
		if res, _ := ev.Matches(context.Background(), event); res.Match {
			t.Errorf("value %q: a near miss matches", v)
		}
	}
}

// TestThresholdAboveSingleSignals checks the OR-of-ANDs condition written
// when no single signal reaches the threshold.
func TestThresholdAboveSingleSignals(t *testing.T) {
	r := hostile.Rule()
	s := r.Scoring
	s.Signals[0].Weight, s.Signals[1].Weight, s.Signals[2].Weight = 5, 5, 10
	s.Threshold = 10
	out, err := Generate(r)
	if err != nil {
		t.Fatal(err)
	}
	want := "condition: scope_resource and scope_verb and not exclusion_username and ((signal_image_nocase and signal_command_cased) or (signal_host_path))"
	if !strings.Contains(string(out), want) {
		t.Errorf("condition not found; output:\n%s", out)
	}
}
