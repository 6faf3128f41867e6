package chronicle

import (
	"fmt"
	"slices"
	"strings"

	"github.com/detgen/detgen/ir"
)

// sequence renders a sequence rule as a multi-event YARA-L rule: one
// event variable per step (the rule's condition and the step's), joined
// through one placeholder per join field, ordered by event time when the
// sequence is, matched over the window; the condition asks each step for
// its minimum number of events.
func (g *gen) sequence(r *ir.Rule, d *ruleData) {
	seq := r.Sequence
	window := g.matchWindow(seq.Pos, seq.Window)
	var conds []string
	for _, st := range seq.Steps {
		g.ev = st.Name
		d.Blocks = append(d.Blocks, g.block(r.Condition, st.When))
		if st.Min > 1 {
			conds = append(conds, fmt.Sprintf("#%s >= %d", st.Name, st.Min))
		} else {
			conds = append(conds, "$"+st.Name)
		}
	}
	g.ev = ""
	var names []string
	for _, f := range seq.Join {
		name := "$" + ir.GroupName(f)
		for _, st := range seq.Steps {
			g.ev = st.Name
			for _, line := range g.placeholder(name, seq.Pos, "join field", f) {
				if !slices.Contains(d.Placeholders, line) { // one != "" per placeholder
					d.Placeholders = append(d.Placeholders, line)
				}
			}
		}
		g.ev = ""
		names = append(names, name)
	}
	if len(names) == 0 {
		g.failAt(seq.Pos, "a sequence without join fields: YARA-L joins event variables through placeholders, so give join")
	}
	if seq.Ordered {
		// Every event of a step comes before every event of the next
		// (pairs are checked per joined combination).
		for i := 0; i+1 < len(seq.Steps); i++ {
			d.Placeholders = append(d.Placeholders, fmt.Sprintf("$%s.metadata.event_timestamp.seconds < $%s.metadata.event_timestamp.seconds", seq.Steps[i].Name, seq.Steps[i+1].Name))
		}
	}
	d.Match = strings.Join(names, ", ") + " over " + window
	d.Condition = strings.Join(conds, " and ")
	// Profile outcomes read $e, which a sequence has not.
	d.Outcomes = nil
}
