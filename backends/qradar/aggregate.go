package qradar

import (
	"fmt"
	"strconv"
	"time"

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
	d = &aggregateData{DeviceFilter: g.prof.deviceFilter(), Limit: g.limit(r)}
	d.Window = g.window(agg.Pos, agg.Window)
	var groupWhere []clause
	d.GroupColumns, d.GroupBy, groupWhere = g.groupColumns(agg.Pos, "aggregate group_by", agg.GroupBy)
	// HAVING names the aggregate by its alias, as IBM's examples do
	// (HAVING MAG > 5); an aggregate written in HAVING is undocumented.
	having := "event_count"
	switch agg.Func {
	case ir.DistinctCount:
		// UNIQUECOUNT is exact; DISTINCTCOUNT estimates (research/aql.md).
		d.AggExpr, d.AggAlias = "UNIQUECOUNT("+g.groupField(agg.Pos, "aggregate field", agg.Field)+")", "distinct_count"
	case ir.Sum:
		d.AggExpr, d.AggAlias = "SUM("+g.groupField(agg.Pos, "aggregate field", agg.Field)+")", "total"
	case ir.Avg:
		d.AggExpr, d.AggAlias = "AVG("+g.groupField(agg.Pos, "aggregate field", agg.Field)+")", "average"
	}
	if d.AggAlias != "" {
		having = d.AggAlias
	}
	op := ">="
	if agg.Threshold.Op == ir.GT {
		op = ">"
	}
	d.Having = having + " " + op + " " + strconv.FormatFloat(agg.Threshold.Value, 'f', -1, 64)
	where, err := g.recordFilter(r)
	if err != nil {
		return nil, err
	}
	d.Where = append(where, groupWhere...)
	return d, nil
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
