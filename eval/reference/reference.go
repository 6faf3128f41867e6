// Package reference evaluates a compiled rule directly over a Kubernetes
// audit Event: the meaning of the spec itself, against which every
// generated artifact is compared. Fields are read at the paths of the
// logsource catalog.
package reference

import (
	"strings"

	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/k8saudit"
	"github.com/detgen/detgen/mappings"
)

// Result is the verdict of a rule on one event.
type Result struct {
	InScope  bool     // every scope match holds
	Excluded bool     // some exclusion holds
	Score    int      // base + weights of the signals present (when in scope)
	Signals  []string // names of the signals present, in spec order
	Match    bool     // in scope, not excluded, score >= threshold
}

// Evaluator evaluates one rule.
type Evaluator struct {
	rule *ir.Rule
	ls   *mappings.Logsource
}

// New prepares the evaluation of r.
func New(r *ir.Rule) (*Evaluator, error) {
	ls, errs := mappings.LoadLogsource(r.Logsource)
	if len(errs) > 0 {
		return nil, errs
	}
	return &Evaluator{rule: r, ls: ls}, nil
}

// Evaluate judges ev, an audit Event (see package k8saudit).
func (e *Evaluator) Evaluate(ev map[string]any) Result {
	var res Result
	res.InScope = true
	for _, m := range e.rule.Scope {
		if !e.holds(m, ev) {
			res.InScope = false
		}
	}
	for _, m := range e.rule.Exclusions {
		if e.holds(m, ev) {
			res.Excluded = true
		}
	}
	res.Score = e.rule.Base
	for _, sig := range e.rule.Signals {
		for _, m := range sig.Any {
			if e.holds(m, ev) {
				res.Score += sig.Weight
				res.Signals = append(res.Signals, sig.Name)
				break
			}
		}
	}
	res.Match = res.InScope && !res.Excluded && res.Score >= e.rule.Threshold
	return res
}

// holds reports whether any value of the field satisfies the match.
func (e *Evaluator) holds(m ir.Match, ev map[string]any) bool {
	f, ok := e.ls.Field(m.Field)
	if !ok {
		return false
	}
	for _, p := range f.Paths {
		for _, v := range k8saudit.Values(ev, p) {
			if Matches(m, v) {
				return true
			}
		}
	}
	return false
}

// Matches applies a match to one field value.
func Matches(m ir.Match, v string) bool {
	norm := func(s string) string { return s }
	if m.Nocase {
		norm = strings.ToLower
	}
	v = norm(v)
	for _, test := range []struct {
		values []string
		f      func(s, x string) bool
	}{
		{m.Equals, func(s, x string) bool { return s == x }},
		{m.StartsWith, strings.HasPrefix},
		{m.Contains, strings.Contains},
	} {
		for _, x := range test.values {
			if test.f(v, norm(x)) {
				return true
			}
		}
	}
	return false
}
