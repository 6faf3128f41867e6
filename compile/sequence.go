package compile

import (
	"time"

	"github.com/detgen/detgen/detection"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/spec"
)

func (c *checker) correlation(s *spec.Sequence, sels *detection.Selections, markUsed func(ir.Expr), out *ir.Rule) {
	seq := &ir.Sequence{Pos: s.Pos, Ordered: s.Ordered, Join: s.Join}
	if len(s.Steps) < 2 {
		c.add(s.Keys.At("steps"), "a sequence needs two or more steps")
	}
	names := map[string]bool{}
	for i := range s.Steps {
		st := &s.Steps[i]
		if !nameRE.MatchString(st.Name) {
			c.add(st.Keys.At("name"), "step name %q must match [a-z][a-z0-9_]*", st.Name)
		}
		if names[st.Name] {
			c.add(st.Keys.At("name"), "step name %q is used twice", st.Name)
		}
		names[st.Name] = true
		min := st.Min
		if min == 0 {
			min = 1
		}
		if min < 1 || min > 10000 {
			c.add(st.Keys.At("min"), "step %s: min must be between 1 and 10000", st.Name)
		}
		when, errs := detection.Condition(st.When, st.Keys.At("when"), sels)
		c.errs.Append(errs)
		if when != nil {
			markUsed(when)
		}
		seq.Steps = append(seq.Steps, ir.Step{Name: st.Name, When: when, Min: min})
	}
	joined := map[string]bool{}
	for _, j := range s.Join {
		if _, ok := c.ls.Field(j); !ok {
			c.add(s.Keys.At("join"), "join field %q is not in logsource %s", j, c.ls.Name)
		}
		if joined[ir.GroupName(j)] {
			c.add(s.Keys.At("join"), "join field %q is listed twice (or under a name that differs only in punctuation)", j)
		}
		joined[ir.GroupName(j)] = true
	}
	w, err := duration(s.Window)
	switch {
	case err != nil:
		c.add(s.Keys.At("window"), "window: %v", err)
	case w < time.Minute || w > maxWindow:
		c.add(s.Keys.At("window"), "window %s must be between 1m and 48h", s.Window)
	}
	seq.Window = w
	if out.Scoring != nil || out.Aggregate != nil {
		c.add(s.Pos, "a sequence cannot be combined with scoring or aggregate")
	}
	out.Sequence = seq
}

func (c *checker) excluded(r *spec.Rule, out *ir.Rule) {
	for _, e := range r.Exclude {
		if e.Target != "qradar" && e.Target != "chronicle" && e.Target != "sigma" {
			c.add(e.Keys.At("target"), "exclude_targets: unknown target %q", e.Target)
			continue
		}
		if out.Excluded == nil {
			out.Excluded = map[string]string{}
		}
		if _, dup := out.Excluded[e.Target]; dup {
			c.add(e.Keys.At("target"), "exclude_targets: %s is listed twice", e.Target)
		}
		out.Excluded[e.Target] = e.Reason
	}
}
