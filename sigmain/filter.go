package sigmain

import (
	"strings"

	"github.com/detgen/detgen/ir"
	"gopkg.in/yaml.v3"
)

// filterDoc is a Sigma filter document (sigma-filters-specification.md):
// selections and a condition over them that name the events to suppress
// in the rules it lists.
type filterDoc struct {
	rules []string
	// build reads the filter's condition afresh, so no two rules share
	// expression nodes.
	build func() ir.Expr
}

// filter reads a filter document. The filter applies when its logsource
// resolves to the rule's detgen log source and it reads through that
// log source's profile; otherwise the filter is refused, and so is every
// rule it names (converting the rule without its filter would fire on
// what the filter suppresses).
func (rd *reader) filter(d *doc) {
	res := d.res
	fd := &filterDoc{}
	res.filter = fd
	body := d.get("filter")
	if body.Kind != yaml.MappingNode {
		res.refuse(d.pos(body), "filter must be a mapping of rules, selections and a condition")
		return
	}
	rules := mapGet(body, "rules")
	switch {
	case rules == nil:
		res.refuse(d.pos(body), "filter needs rules: the ids or names of the rules it applies to")
		return
	case rules.Kind == yaml.ScalarNode:
		fd.rules = []string{rules.Value}
	case rules.Kind == yaml.SequenceNode:
		for _, r := range rules.Content {
			fd.rules = append(fd.rules, r.Value)
		}
	}
	if len(fd.rules) == 0 {
		res.refuse(d.pos(rules), "filter rules must list rule ids or names")
		return
	}
	cond := mapGet(body, "condition")
	if cond == nil {
		res.refuse(d.pos(body), "filter needs a condition")
		return
	}
	if cond.Kind == yaml.ScalarNode && strings.HasPrefix(strings.TrimSpace(cond.Value), "not ") {
		d.warn(cond, "the condition names the events the filter suppresses (the specification); a filter written for pySigma, which ANDs it, means the opposite here")
	}
	b := rd.logsource(d)
	if b == nil {
		return
	}
	res.Logsource = b.src.name
	fd.build = func() ir.Expr {
		scratch := &doc{res: &Result{Pos: res.Pos}, m: d.m}
		sels := rd.selections(scratch, b.src, body, "rules", "condition")
		if sels == nil {
			res.Refused.Append(scratch.res.Refused)
			return nil
		}
		e := conditions(scratch, cond, sels)
		res.Refused.Append(scratch.res.Refused)
		return e
	}
	fd.build() // check it once; refusals land on the filter's result
}

// applyFilters ANDs "not filter" into every rule a filter names, by id or
// Sigma name, across all the files read.
func applyFilters(all []*Result) {
	byRef := map[string]*Result{}
	for _, r := range all {
		if r.Kind == KindRule || r.Kind == KindCorrelation {
			byRef[r.ID] = r
			if r.SigmaName != "" {
				byRef[r.SigmaName] = r
			}
		}
	}
	for _, f := range all {
		if f.Kind != KindFilter || f.filter == nil {
			continue
		}
		for _, ref := range f.filter.rules {
			r := byRef[ref]
			if r == nil {
				r = byRef[strings.ToLower(ref)]
			}
			switch {
			case r == nil:
				f.Warnings.Add(f.Pos, "filter names rule %s, which is not among the inputs", ref)
			case r.Kind == KindCorrelation:
				f.Warnings.Add(f.Pos, "filter names correlation %s: filters apply to detection rules only", ref)
			case r.Rule == nil:
				// refused already: nothing is converted to filter
			case len(f.Refused) > 0:
				r.refuse(r.Pos, "filter %q (%s) applies to this rule but cannot be applied: %s", f.Title, f.Pos, f.Refused[0].Msg)
			case f.Logsource != r.Logsource:
				r.refuse(r.Pos, "filter %q (%s) is for log source %s, this rule reads %s", f.Title, f.Pos, f.Group(), r.Logsource)
			default:
				r.Rule.Condition = &ir.And{Args: []ir.Expr{r.Rule.Condition, &ir.Not{Arg: f.filter.build()}}}
				r.Filters = append(r.Filters, f.Pos)
			}
		}
	}
}
