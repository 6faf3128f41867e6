package testrun

import (
	"context"
	"strings"

	sigmago "github.com/bradleyjkemp/sigma-go"
	"github.com/bradleyjkemp/sigma-go/evaluator"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/mappings"
)

// sigmaRunner evaluates the generated Sigma rule with sigma-go. The nested
// audit Event is made reachable by the rule's dotted field names through
// sigma-go field mappings to JSONPaths, derived from the logsource catalog
// (containers[].image is the Sigma field containers.image and the JSONPath
// $.….containers[*].image).
type sigmaRunner struct {
	ev *evaluator.RuleEvaluator
}

func newSigmaRunner(r *ir.Rule, artifact []byte) (*sigmaRunner, error) {
	rule, err := sigmago.ParseRule(artifact)
	if err != nil {
		return nil, err
	}
	ls, errs := mappings.LoadLogsource(r.Logsource)
	if len(errs) > 0 {
		return nil, errs
	}
	cfg := sigmago.Config{Title: "detgen audit event paths", FieldMappings: map[string]sigmago.FieldMapping{}}
	for _, f := range ls.Fields {
		for _, p := range f.Paths {
			name := strings.ReplaceAll(p, "[]", "")
			m := cfg.FieldMappings[name]
			m.TargetNames = append(m.TargetNames, "$."+strings.ReplaceAll(p, "[]", "[*]"))
			cfg.FieldMappings[name] = m
		}
	}
	return &sigmaRunner{ev: evaluator.ForRule(rule, evaluator.WithConfig(cfg))}, nil
}

func (s *sigmaRunner) run(ev map[string]any) (Verdict, error) {
	res, err := s.ev.Matches(context.Background(), ev)
	if err != nil {
		return Verdict{}, err
	}
	return Verdict{Match: res.Match}, nil
}
