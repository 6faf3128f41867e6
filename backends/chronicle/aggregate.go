package chronicle

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/ir"
)

// aggregate renders an aggregate rule as a multi-event YARA-L rule: the
// group fields as placeholders, match on them over the window, the
// aggregate as an outcome, the threshold in the condition.
func (g *gen) aggregate(r *ir.Rule, d *ruleData) {
	agg := r.Aggregate
	window := g.matchWindow(agg.Pos, agg.Window)
	var names []string
	for _, f := range agg.GroupBy {
		name := "$" + ir.GroupName(f)
		d.Placeholders = append(d.Placeholders, g.placeholder(name, agg.Pos, "aggregate field", f)...)
		names = append(names, name)
	}
	if len(names) == 0 {
		// match needs a placeholder: the log type is one value per tenant
		// and log type (research/sigma-mappings.md §4.1).
		d.Placeholders = append(d.Placeholders, "$log_type = $e.metadata.log_type")
		names = append(names, "$log_type")
	}
	d.Match = strings.Join(names, ", ") + " over " + window
	op := ">="
	if agg.Threshold.Op == ir.GT {
		op = ">"
	}
	bound := op + " " + strconv.FormatFloat(agg.Threshold.Value, 'f', -1, 64)
	switch agg.Func {
	case ir.Count:
		d.Condition = "#e " + bound
	case ir.DistinctCount:
		d.AggOutcomes = append(d.AggOutcomes, Outcome{Name: "distinct_count", Expr: "count_distinct(" + g.udmValue(agg.Pos, "aggregate field", agg.Field) + ")"})
		d.Condition = "$e and $distinct_count " + bound
	case ir.Sum:
		d.AggOutcomes = append(d.AggOutcomes, Outcome{Name: "total", Expr: "sum(" + g.udmValue(agg.Pos, "aggregate field", agg.Field) + ")"})
		d.Condition = "$e and $total " + bound
	case ir.Avg:
		// window.avg averages over the match window (Google's "Use
		// aggregations in YARA-L queries": aggregations of the rules
		// engine take the window. prefix; VERIFY on a tenant). UDM cannot
		// tell an absent number from 0, and whether window.avg counts
		// zero values is not documented: events whose value is 0 are
		// kept out, so that neither can lower the average. The spec
		// averages every event that has the field, 0 included: a value of
		// exactly 0 is a declared divergence (docs/spec.md).
		v := g.udmValue(agg.Pos, "aggregate field", agg.Field)
		d.Placeholders = append(d.Placeholders, v+" != 0")
		d.AggOutcomes = append(d.AggOutcomes, Outcome{Name: "average", Expr: "window.avg(" + v + ")"})
		d.Condition = "$e and $average " + bound
	}
}

// udmValue is the UDM value of a field for grouping, joining or
// aggregating, for the current event variable: one path, or the first
// non-empty of each log type's path when they differ. role names the
// field's use in a refusal at pos.
func (g *gen) udmValue(pos diag.Pos, role, field string) string {
	return coalesce(g.udmPaths(pos, role, field))
}

// udmPaths are the distinct UDM paths of a field across the log types.
func (g *gen) udmPaths(pos diag.Pos, role, field string) []string {
	var paths []string
	seen := map[string]bool{}
	for _, lt := range g.prof.LogTypes {
		f, ok := g.prof.resolve(lt, field)
		if !ok || f.Unavailable != "" || f.Wrap != "" {
			g.failAt(pos, "%s %s has no plain UDM path on log type %s", role, field, lt.Name)
		}
		if !seen[f.UDM] {
			seen[f.UDM] = true
			paths = append(paths, "$"+g.v()+"."+f.UDM)
		}
	}
	return paths
}

func coalesce(paths []string) string {
	if len(paths) == 1 {
		return paths[0]
	}
	return "strings.coalesce(" + strings.Join(paths, ", ") + ")"
}

// placeholder assigns a group or join field's value to the match
// placeholder name. Match placeholders skip the zero value "" by
// themselves, but not when assigned a function's result (research/yaral.md
// §1.5): a coalesce of several paths then says so itself, so that an event
// without the value joins no group, as in the spec.
func (g *gen) placeholder(name string, pos diag.Pos, role, field string) []string {
	paths := g.udmPaths(pos, role, field)
	out := []string{name + " = " + coalesce(paths)}
	if len(paths) > 1 {
		out = append(out, name+` != ""`)
	}
	return out
}

// failAt refuses a construct of the rule (an aggregation, a sequence) at
// its spec position.
func (g *gen) failAt(pos diag.Pos, format string, args ...any) {
	diag.Refuse(pos, "chronicle", g.src.Name, format, args...)
}

// matchWindow writes a window as YARA-L's "10m" or "2h", refusing (at
// pos) one YARA-L cannot match over.
func (g *gen) matchWindow(pos diag.Pos, w time.Duration) string {
	switch {
	case w > 48*time.Hour || w < time.Minute:
	case w%time.Hour == 0:
		return fmt.Sprintf("%dh", w/time.Hour)
	case w%time.Minute == 0:
		return fmt.Sprintf("%dm", w/time.Minute)
	}
	g.failAt(pos, "window %s: YARA-L match windows are whole minutes or hours up to 48h", w)
	return ""
}
