package qradar

import (
	"fmt"

	"github.com/detgen/detgen/compile"
	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/ir"
)

// sequenceData lays out a sequence search: per join group, how many of
// the window's events each step selects (SUM of IF, research/aql.md §1.5:
// IF is AQL's documented conditional) and, for an ordered pair of steps,
// the first step's earliest and the second step's latest time.
type sequenceData struct {
	GroupColumns []string
	GroupBy      []string
	Steps        []seqStep
	Order        *seqOrder
	DeviceFilter string
	Where        []clause
	Having       []string
	Limit        int
	Window       string
}

type seqStep struct {
	When  string // a two-valued predicate
	Count string // the alias of the step's event count
}

type seqOrder struct {
	FirstWhen, LastWhen string
	First, Last         string // aliases
	Never               string // a time after every event: MIN skips it
}

// neverMS is the largest epoch millisecond time (Java's Long.MAX_VALUE,
// AQL's LONG): an event outside the first step never lowers its minimum.
const neverMS = "9223372036854775807"

// sequenceQuery renders a sequence rule. Like an aggregation, a search run
// at time T covers [T - window, T], so run every minute (or as a rule) it
// sees each window the spec describes. Within one window:
//   - unordered steps hold exactly when each step's count reaches its
//     minimum;
//   - two ordered steps of one event each hold exactly when the first
//     step's earliest event comes before the second step's latest.
//
// Any other ordered sequence (more steps, or a step of several events
// that must all precede the next) needs the position of the n-th event,
// which no AQL aggregate gives: it is refused, not approximated.
func (g *gen) sequenceQuery(r *ir.Rule) (d *sequenceData, err error) {
	g.rule = r
	defer diag.CatchUnsupported(&err)
	seq := r.Sequence
	d = &sequenceData{DeviceFilter: g.prof.deviceFilter(), Limit: g.prof.Limit}
	if r.QRadarLimit > 0 {
		d.Limit = r.QRadarLimit
	}
	if seq.Ordered && (len(seq.Steps) != 2 || seq.Steps[0].Min != 1 || seq.Steps[1].Min != 1) {
		diag.Refuse(seq.Pos, "qradar", r.Name, "ordered sequence of %d steps with minimums %s: AQL can order two steps of one event each (the first step's earliest event before the second's latest), not the n-th event of a step or a third step; exclude the target with exclude_targets", len(seq.Steps), mins(seq.Steps))
	}
	w, ok := lastClause(seq.Window)
	if !ok {
		diag.Refuse(seq.Pos, "qradar", r.Name, "window %s: QRadar's time clause counts in whole minutes, hours or days", seq.Window)
	}
	d.Window = w
	if g.prof.Scope != nil {
		scope, errs := compile.Scope(g.ls, g.prof.Scope)
		if len(errs) > 0 {
			return nil, errs
		}
		d.Where = append(d.Where, g.clauses(scope)...)
	}
	d.Where = append(d.Where, g.clauses(r.Condition)...)
	var stepPreds []string
	for _, st := range seq.Steps {
		p := g.inline(st.When)
		stepPreds = append(stepPreds, p)
		alias := "step_" + st.Name
		d.Steps = append(d.Steps, seqStep{When: p, Count: alias})
		d.Having = append(d.Having, fmt.Sprintf("%s >= %d", alias, st.Min))
	}
	// Only the steps' events matter; the rest of the window is skipped.
	d.Where = append(d.Where, clause{Op: "AND", Lines: stepPreds})
	for _, f := range seq.Join {
		x := g.joinField(seq, f)
		d.GroupColumns = append(d.GroupColumns, x+" AS "+ir.GroupName(f))
		d.GroupBy = append(d.GroupBy, x)
		// An event without the join value joins no group.
		d.Where = append(d.Where, clause{Op: "AND", Lines: []string{x + " IS NOT NULL"}})
	}
	if seq.Ordered {
		a, b := seq.Steps[0], seq.Steps[1]
		d.Order = &seqOrder{
			FirstWhen: d.Steps[0].When, LastWhen: d.Steps[1].When,
			First: "first_" + a.Name, Last: "last_" + b.Name, Never: neverMS,
		}
		d.Having = append(d.Having, d.Order.First+" < "+d.Order.Last)
	}
	return d, nil
}

// joinField is the property or column of a join field: the payload cannot
// be grouped.
func (g *gen) joinField(seq *ir.Sequence, field string) string {
	f, ok := g.prof.field(field)
	if !ok || f.Unavailable != "" || f.Property == "" && f.Column == "" {
		diag.Refuse(seq.Pos, "qradar", g.rule.Name, "sequence join %s: a join needs a QRadar property or column for it, and the field has none", field)
	}
	x, _ := g.valueExpr(field)
	return x
}

func mins(steps []ir.Step) string {
	s := ""
	for i, st := range steps {
		if i > 0 {
			s += "/"
		}
		s += fmt.Sprint(st.Min)
	}
	return s
}
