// Package reference evaluates a compiled rule directly over an event: the
// meaning of the spec itself (docs/spec.md), against which every generated
// artifact is compared. Fields are read at the paths of the logsource
// catalog.
package reference

import (
	"github.com/detgen/detgen/compile"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/mappings"
	"github.com/detgen/detgen/record"
)

// Result is the verdict of a rule on one event.
type Result struct {
	Selected bool     // the condition holds
	Score    int      // base + weights of the signals present (with scoring)
	Signals  []string // names of the signals present, in spec order
	Match    bool     // selected and, with scoring, score >= threshold
}

// Evaluator evaluates one rule.
type Evaluator struct {
	rule  *ir.Rule
	ls    *mappings.Logsource
	scope ir.Expr // the records of the format that belong to the log source
}

// New prepares the evaluation of r.
func New(r *ir.Rule) (*Evaluator, error) {
	ls, errs := mappings.LoadLogsource(r.Logsource)
	if len(errs) > 0 {
		return nil, errs
	}
	scope, errs := compile.Catalog(ls)
	if len(errs) > 0 {
		return nil, errs
	}
	return &Evaluator{rule: r, ls: ls, scope: scope}, nil
}

// Evaluate judges ev, an event in the catalog's record form.
func (e *Evaluator) Evaluate(ev map[string]any) Result {
	env := e.env(ev)
	var res Result
	res.Selected = (e.scope == nil || env.Holds(e.scope)) && env.Holds(e.rule.Condition)
	res.Match = res.Selected
	if s := e.rule.Scoring; s != nil {
		res.Score = s.Base
		for _, sig := range s.Signals {
			if env.Holds(sig.When) {
				res.Score += sig.Weight
				res.Signals = append(res.Signals, sig.Name)
			}
		}
		res.Match = res.Selected && res.Score >= s.Threshold
	}
	return res
}

// values is every value of a logical field in ev, at the catalog's paths.
func (e *Evaluator) values(ev map[string]any, field string) []string {
	f, ok := e.ls.Field(field)
	if !ok {
		return nil
	}
	var vs []string
	for _, p := range f.Paths {
		vs = append(vs, record.Values(ev, p)...)
	}
	return vs
}

// env gives expressions access to ev through the catalog.
func (e *Evaluator) env(ev map[string]any) Env {
	return Env{
		Values: func(field string) []string { return e.values(ev, field) },
		Text:   func() []string { return record.Strings(ev) },
	}
}
