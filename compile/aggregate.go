package compile

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/spec"
)

var durationRE = regexp.MustCompile(`^([0-9]+)([smhd])$`)

// duration reads a window or offset: a number and s, m, h or d.
func duration(s string) (time.Duration, error) {
	m := durationRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("%q is not a duration like 30s, 10m, 2h or 1d", s)
	}
	n, _ := strconv.Atoi(m[1])
	unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}[m[2]]
	return time.Duration(n) * unit, nil
}

// maxWindow bounds aggregation windows: YARA-L match windows stop at 48
// hours (research/yaral.md), and a longer one holds too much state.
const maxWindow = 48 * time.Hour

func (c *checker) aggregate(a *spec.Aggregate, out *ir.Rule) {
	agg := &ir.Aggregate{Pos: a.Pos, Func: ir.AggFunc(a.Function), Field: a.Field}
	switch agg.Func {
	case ir.Count:
		if a.Field != "" {
			c.add(a.Keys.At("field"), "count takes no field (distinct_count, sum and avg do)")
		}
	case ir.DistinctCount, ir.Sum, ir.Avg:
		f, ok := c.ls.Field(a.Field)
		switch {
		case a.Field == "":
			c.add(a.Keys.At("function"), "%s needs a field", a.Function)
		case !ok:
			c.add(a.Keys.At("field"), "field %q is not in logsource %s", a.Field, c.ls.Name)
		case (agg.Func == ir.Sum || agg.Func == ir.Avg) && ir.FieldType(f.Type) != ir.Int:
			c.add(a.Keys.At("field"), "%s needs an integer field; %s is a %s", a.Function, a.Field, f.Type)
		}
	default:
		c.add(a.Keys.At("function"), "function %q is not count, distinct_count, sum or avg", a.Function)
	}
	seen := map[string]bool{}
	for _, g := range a.GroupBy {
		if _, ok := c.ls.Field(g); !ok {
			c.add(a.Keys.At("group_by"), "group_by field %q is not in logsource %s", g, c.ls.Name)
		}
		if seen[ir.GroupName(g)] {
			c.add(a.Keys.At("group_by"), "group_by field %q is listed twice (or under a name that differs only in punctuation)", g)
		}
		seen[ir.GroupName(g)] = true
	}
	agg.GroupBy = a.GroupBy
	w, err := duration(a.Window)
	switch {
	case err != nil:
		c.add(a.Keys.At("window"), "window: %v", err)
	case w < time.Minute || w > maxWindow:
		c.add(a.Keys.At("window"), "window %s must be between 1m and 48h", a.Window)
	}
	agg.Window = w
	t := &a.Threshold
	for _, k := range []struct {
		name string
		v    *int
	}{{"lt", t.LT}, {"lte", t.LTE}, {"eq", t.EQ}} {
		if k.v != nil {
			c.add(t.Keys.At(k.name), "threshold %s: only a lower bound (gt, gte) is supported: on a sliding window a smaller window always holds fewer events", k.name)
		}
	}
	switch {
	case (t.GT == nil) == (t.GTE == nil):
		c.add(a.Keys.At("threshold"), "threshold needs exactly one of gt and gte")
	case t.GT != nil:
		agg.Threshold = ir.Bound{Op: ir.GT, Value: float64(*t.GT)}
	default:
		agg.Threshold = ir.Bound{Op: ir.GTE, Value: float64(*t.GTE)}
	}
	if agg.Threshold.Op != "" && agg.Func != ir.Sum && agg.Func != ir.Avg && !agg.Threshold.Passes(1) && agg.Threshold.Value < 0 {
		c.add(a.Keys.At("threshold"), "threshold is below zero")
	}
	if out.Scoring != nil {
		c.add(a.Pos, "scoring and aggregate together are not supported yet")
	}
	out.Aggregate = agg
}
