package testrun

import (
	"fmt"

	"github.com/detgen/detgen/backends/sigma"
	"github.com/detgen/detgen/compile"
	"github.com/detgen/detgen/detection"
	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/eval/reference"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/mappings"
	"github.com/detgen/detgen/record"
	"gopkg.in/yaml.v3"
)

// sigmaRunner evaluates the generated Sigma rule as a Sigma engine reads
// it: the text is parsed again (Sigma dialect: wildcards, escapes,
// modifiers, condition), and each Sigma field name reads the event at the
// dotted path it names. Only the field types come from the Sigma profile.
type sigmaRunner struct {
	cond    ir.Expr
	scope   ir.Expr // the logsource's records; nil: all
	byField bool    // a Sigma name is a catalog field, not an event path
	ls      *mappings.Logsource
}

func newSigmaRunner(r *ir.Rule, artifact []byte) (*sigmaRunner, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(artifact, &doc); err != nil {
		return nil, fmt.Errorf("generated Sigma is not YAML: %w", err)
	}
	det := mapValue(doc.Content[0], "detection")
	if det == nil {
		return nil, fmt.Errorf("generated Sigma has no detection")
	}
	types, byField, err := sigma.FieldTypes(r.Logsource)
	if err != nil {
		return nil, err
	}
	ls, errs := mappings.LoadLogsource(r.Logsource)
	if len(errs) > 0 {
		return nil, errs
	}
	opt := detection.Options{
		File:      "sigma",
		Wildcards: true,
		Resolve: func(name string) (detection.Field, bool) {
			t, ok := types[name]
			return detection.Field{Name: name, Type: t}, ok
		},
	}
	sels, errs := detection.ReadSelections(det, opt, "condition")
	if len(errs) > 0 {
		return nil, errs
	}
	condNode := mapValue(det, "condition")
	if condNode == nil {
		return nil, fmt.Errorf("generated Sigma has no condition")
	}
	cond, errs := detection.Condition(condNode.Value, diag.Pos{File: opt.File, Line: condNode.Line, Col: condNode.Column}, sels)
	if len(errs) > 0 {
		return nil, errs
	}
	// A Sigma engine applies the rule's logsource: for a category such as
	// process_creation its pipeline selects the category's events (the
	// catalog's scope: Sysmon 1 or Security 4688).
	scope, errs := compile.Catalog(ls)
	if len(errs) > 0 {
		return nil, errs
	}
	return &sigmaRunner{cond: cond, scope: scope, byField: byField, ls: ls}, nil
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func (s *sigmaRunner) run(ev map[string]any) (Verdict, error) {
	env := reference.Env{
		Values: func(field string) []string {
			if s.byField {
				return fieldValues(s.ls, ev, field)
			}
			return record.Dotted(ev, field)
		},
		Text: func() []string { return record.Strings(ev) },
	}
	catalog := reference.Env{
		Values: func(field string) []string { return fieldValues(s.ls, ev, field) },
		Text:   env.Text,
	}
	in := s.scope == nil || catalog.Holds(s.scope)
	return Verdict{Match: in && env.Holds(s.cond)}, nil
}
