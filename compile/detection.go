package compile

import (
	"regexp"
	"strings"

	"github.com/detgen/detgen/detection"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/spec"
)

var qradarLastRE = regexp.MustCompile(`^[1-9][0-9]* (MINUTES|HOURS|DAYS)$`)

// detection reads the selections against the logsource's field catalog,
// the condition and the scoring layer.
func (c *checker) detection(r *spec.Rule, out *ir.Rule) {
	d := &r.Detection
	c.scoringWritten = d.Scoring.Pos.Line > 0
	opt := detection.Options{
		File: r.Pos.File,
		Resolve: func(name string) (detection.Field, bool) {
			f, ok := c.ls.Field(name)
			return detection.Field{Name: f.Name, Type: ir.FieldType(f.Type)}, ok
		},
		Known: func() []string {
			var names []string
			for _, f := range c.ls.Fields {
				names = append(names, f.Name)
			}
			return names
		},
		MaxValue: maxMatchValue,
	}
	if d.Selections.Kind == 0 {
		return // reported by the decoder
	}
	sels, errs := detection.ReadSelections(&d.Selections, opt)
	c.errs.Append(errs)
	if len(errs) > 0 {
		return
	}
	cond, errs := detection.Condition(d.Condition, d.Keys.At("condition"), sels)
	c.errs.Append(errs)
	out.Condition = cond
	used := map[string]bool{}
	markUsed := func(e ir.Expr) {
		for k := range detection.Used(e) {
			used[k] = true
		}
	}
	if cond != nil {
		markUsed(cond)
	}
	if d.Scoring.Pos.Line > 0 {
		out.Scoring = c.scoring(&d.Scoring, sels, markUsed)
	}
	if d.Aggregate.Pos.Line > 0 {
		c.aggregate(&d.Aggregate, out)
	}
	if d.Sequence.Pos.Line > 0 {
		c.correlation(&d.Sequence, sels, markUsed, out)
	}
	for _, name := range sels.Names {
		if !used[name] && len(c.errs) == 0 {
			c.add(sels.Pos[name], "selection %q is not used by the condition or any signal", name)
		}
	}
}

func (c *checker) scoring(s *spec.Scoring, sels *detection.Selections, markUsed func(ir.Expr)) *ir.Scoring {
	out := &ir.Scoring{Base: s.Base, Threshold: s.Threshold}
	if len(s.Signals) > maxSignals {
		c.add(s.Keys.At("signals"), "%d signals; at most %d are supported", len(s.Signals), maxSignals)
	}
	names := map[string]bool{}
	for i := range s.Signals {
		sig := &s.Signals[i]
		if !nameRE.MatchString(sig.Name) {
			c.add(sig.Keys.At("name"), "signal name %q must match [a-z][a-z0-9_]*", sig.Name)
		}
		if names[sig.Name] {
			c.add(sig.Keys.At("name"), "signal name %q is used twice", sig.Name)
		}
		names[sig.Name] = true
		if sig.Weight <= 0 {
			c.add(sig.Keys.At("weight"), "signal %q: weight must be positive, found %d", sig.Name, sig.Weight)
		}
		if strings.ContainsAny(sig.Description, "\n\r") {
			c.add(sig.Keys.At("description"), "signal %q: description must be a single line", sig.Name)
		}
		when, errs := detection.Condition(sig.When, sig.Keys.At("when"), sels)
		c.errs.Append(errs)
		if when != nil {
			markUsed(when)
		}
		out.Signals = append(out.Signals, ir.Signal{Name: sig.Name, Description: sig.Description, Weight: sig.Weight, When: when})
	}
	if s.Base < 0 {
		c.add(s.Keys.At("base"), "base must not be negative, found %d", s.Base)
	}
	if s.Threshold <= s.Base {
		c.add(s.Keys.At("threshold"), "threshold %d must exceed base %d, or scoring would not filter anything", s.Threshold, s.Base)
	}
	if max := out.MaxScore(); s.Threshold > max {
		c.add(s.Keys.At("threshold"), "threshold %d can never be reached: base plus every weight is %d", s.Threshold, max)
	}
	return out
}

func (c *checker) tags(r *spec.Rule) {
	seen := map[string]bool{}
	for _, t := range r.Tags {
		if !tagRE.MatchString(t) {
			c.add(r.Keys.At("tags"), "tag %q must be lower case letters, digits and . _ - (like team.cloud)", t)
		}
		if seen[t] {
			c.add(r.Keys.At("tags"), "tag %q is listed twice", t)
		}
		seen[t] = true
	}
}

var tagRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

func (c *checker) qradar(q *spec.QRadar) {
	if q.Last != "" && !qradarLastRE.MatchString(q.Last) {
		c.add(q.Keys.At("last"), "qradar last %q must be like \"24 HOURS\" (MINUTES, HOURS or DAYS)", q.Last)
	}
	if q.Limit < 0 || q.Limit > 100000 {
		c.add(q.Keys.At("limit"), "qradar limit %d must be between 1 and 100000", q.Limit)
	}
}
