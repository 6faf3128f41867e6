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
	paths Paths
}

// Paths reads a catalog's logical fields out of events, each path split
// once.
type Paths map[string][]record.Path

// CatalogPaths compiles the paths of every field of ls.
func CatalogPaths(ls *mappings.Logsource) Paths {
	ps := Paths{}
	for _, f := range ls.Fields {
		for _, p := range f.Paths {
			ps[f.Name] = append(ps[f.Name], record.Compile(p))
		}
	}
	return ps
}

// Values is every value of a logical field in ev, at the catalog's paths.
func (ps Paths) Values(ev map[string]any, field string) []string {
	var vs []string
	for _, p := range ps[field] {
		vs = p.Append(vs, ev)
	}
	return vs
}

// Cache is an Env over one event at a time that reads each field once,
// for the many rules of one log source evaluated on the same record.
type Cache struct {
	paths Paths
	ev    map[string]any
	vals  map[string][]string
	text  []string
	texts bool
	env   Env
}

// NewCache prepares a cache for events of a catalog.
func NewCache(ps Paths) *Cache {
	c := &Cache{paths: ps, vals: map[string][]string{}}
	c.env = Env{
		Values: func(field string) []string {
			vs, ok := c.vals[field]
			if !ok {
				vs = c.paths.Values(c.ev, field)
				c.vals[field] = vs
			}
			return vs
		},
		Text: func() []string {
			if !c.texts {
				c.text, c.texts = record.Strings(c.ev), true
			}
			return c.text
		},
	}
	return c
}

// Reset points the cache at ev and returns its Env.
func (c *Cache) Reset(ev map[string]any) Env {
	c.ev = ev
	clear(c.vals)
	c.text, c.texts = nil, false
	return c.env
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
	return &Evaluator{rule: r, ls: ls, scope: scope, paths: catalogPaths(ls)}, nil
}

// catalogPaths is CatalogPaths computed once per catalog.
func catalogPaths(ls *mappings.Logsource) Paths {
	ps, _ := mappings.Derive("reference-paths:"+ls.Name, func() (Paths, error) { return CatalogPaths(ls), nil })
	return ps
}

// Evaluate judges ev, an event in the catalog's record form.
func (e *Evaluator) Evaluate(ev map[string]any) Result {
	return e.EvaluateEnv(e.env(ev))
}

// EvaluateEnv judges the event env reads (a Cache's, shared by the rules
// of one log source).
func (e *Evaluator) EvaluateEnv(env Env) Result {
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
	return e.paths.Values(ev, field)
}

// env gives expressions access to ev through the catalog.
func (e *Evaluator) env(ev map[string]any) Env {
	return Env{
		Values: func(field string) []string { return e.values(ev, field) },
		Text:   func() []string { return record.Strings(ev) },
	}
}
