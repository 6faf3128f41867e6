package testrun

import (
	"context"

	sigmago "github.com/bradleyjkemp/sigma-go"
	"github.com/bradleyjkemp/sigma-go/evaluator"
	"github.com/detgen/detgen/backends/sigma"
	"github.com/detgen/detgen/ir"
)

// sigmaRunner evaluates the generated Sigma rule with sigma-go, the nested
// audit event made reachable by the rule's field names (sigma.EventConfig).
type sigmaRunner struct {
	ev *evaluator.RuleEvaluator
}

func newSigmaRunner(r *ir.Rule, artifact []byte) (*sigmaRunner, error) {
	rule, err := sigmago.ParseRule(artifact)
	if err != nil {
		return nil, err
	}
	cfg, err := sigma.EventConfig(r.Logsource)
	if err != nil {
		return nil, err
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
