package qradar

import (
	"fmt"
	"strconv"
	"time"

	"github.com/detgen/detgen/compile"
	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/ir"
)

// aggregateData lays out an aggregation search: the group columns, the
// event count and the aggregate, GROUP BY the group fields, HAVING the
// threshold, over the window as the search's time range.
type aggregateData struct {
	GroupColumns []string
	GroupBy      []string
	AggExpr      string
	AggAlias     string
	DeviceFilter string
	Where        []clause
	Having       string
	Limit        int
	Window       string
}

// aggregateQuery renders an aggregate rule. A search run at time T covers
// [T - window, T]: run as a rule or a search every minute, it fires on the
// windows the spec describes (research/aql.md §3.3).
func (g *gen) aggregateQuery(r *ir.Rule) (d *aggregateData, err error) {
	g.rule = r
	defer diag.CatchUnsupported(&err)
	agg := r.Aggregate
	d = &aggregateData{DeviceFilter: g.prof.deviceFilter(), Limit: g.prof.Limit}
	if r.QRadarLimit > 0 {
		d.Limit = r.QRadarLimit
	}
	w, ok := lastClause(agg.Window)
	if !ok {
		g.failAt(agg, "window %s: QRadar's time clause counts in whole minutes, hours or days", agg.Window)
	}
	d.Window = w
	// An event without a group value joins no group (GROUP BY would
	// gather them in a NULL group).
	var groupWhere []clause
	for _, f := range agg.GroupBy {
		x := g.structuredField(agg, f, "group_by")
		d.GroupColumns = append(d.GroupColumns, x+" AS "+ir.GroupName(f))
		d.GroupBy = append(d.GroupBy, x)
		groupWhere = append(groupWhere, clause{Op: "AND", Lines: []string{x + " IS NOT NULL"}})
	}
	// HAVING names the aggregate by its alias, as IBM's examples do
	// (HAVING MAG > 5); an aggregate written in HAVING is undocumented.
	having := "event_count"
	switch agg.Func {
	case ir.DistinctCount:
		// UNIQUECOUNT is exact; DISTINCTCOUNT estimates (research/aql.md).
		d.AggExpr, d.AggAlias = "UNIQUECOUNT("+g.structuredField(agg, agg.Field, "field")+")", "distinct_count"
	case ir.Sum:
		d.AggExpr, d.AggAlias = "SUM("+g.structuredField(agg, agg.Field, "field")+")", "total"
	case ir.Avg:
		d.AggExpr, d.AggAlias = "AVG("+g.structuredField(agg, agg.Field, "field")+")", "average"
	}
	if d.AggAlias != "" {
		having = d.AggAlias
	}
	op := ">="
	if agg.Threshold.Op == ir.GT {
		op = ">"
	}
	d.Having = having + " " + op + " " + strconv.FormatFloat(agg.Threshold.Value, 'f', -1, 64)
	if g.prof.Scope != nil {
		scope, errs := compile.Scope(g.ls, g.prof.Scope)
		if len(errs) > 0 {
			return nil, errs
		}
		d.Where = append(d.Where, g.clauses(scope)...)
	}
	d.Where = append(d.Where, g.clauses(r.Condition)...)
	d.Where = append(d.Where, groupWhere...)
	return d, nil
}

// structuredField is the property or column of a field an aggregation
// groups or aggregates by: the payload cannot be grouped.
func (g *gen) structuredField(agg *ir.Aggregate, field, key string) string {
	f, ok := g.prof.field(field)
	if !ok || f.Unavailable != "" || f.Property == "" && f.Column == "" {
		g.failAt(agg, "aggregate %s %s: an aggregation needs a QRadar property or column for it, and the field has none", key, field)
	}
	x, _ := g.valueExpr(field)
	return x
}

func (g *gen) failAt(agg *ir.Aggregate, format string, args ...any) {
	diag.Refuse(agg.Pos, "qradar", g.rule.Name, format, args...)
}

// lastClause writes a window as AQL's LAST n MINUTES|HOURS|DAYS.
func lastClause(w time.Duration) (string, bool) {
	switch {
	case w%(24*time.Hour) == 0:
		return fmt.Sprintf("%d DAYS", w/(24*time.Hour)), true
	case w%time.Hour == 0:
		return fmt.Sprintf("%d HOURS", w/time.Hour), true
	case w%time.Minute == 0:
		return fmt.Sprintf("%d MINUTES", w/time.Minute), true
	}
	return "", false
}
