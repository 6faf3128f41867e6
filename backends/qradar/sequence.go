package qradar

import (
	"fmt"
	"strings"

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
	d = &sequenceData{DeviceFilter: g.prof.deviceFilter(), Limit: g.limit(r)}
	if seq.Ordered && (len(seq.Steps) != 2 || seq.Steps[0].Min != 1 || seq.Steps[1].Min != 1) {
		diag.Refuse(seq.Pos, "qradar", r.Name, "ordered sequence of %d steps with minimums %s: AQL can order two steps of one event each (the first step's earliest event before the second's latest), not the n-th event of a step or a third step; exclude the target with exclude_targets", len(seq.Steps), mins(seq.Steps))
	}
	d.Window = g.window(seq.Pos, seq.Window)
	where, err := g.recordFilter(r)
	if err != nil {
		return nil, err
	}
	d.Where = where
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
	cols, groupBy, joinWhere := g.groupColumns(seq.Pos, "sequence join", seq.Join)
	d.GroupColumns, d.GroupBy = cols, groupBy
	d.Where = append(d.Where, joinWhere...)
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

func mins(steps []ir.Step) string {
	var s []string
	for _, st := range steps {
		s = append(s, fmt.Sprint(st.Min))
	}
	return strings.Join(s, "/")
}
