package aql

import (
	"bytes"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/detgen/detgen/lang/aql"
)

// ExecuteAll runs q over a set of stored events, the way QRadar runs a
// search over the events of its time window, and returns the result rows:
//
//  1. The time clause keeps the events whose starttime (int64 epoch
//     milliseconds) lies in the window; without a time clause every event is
//     kept (QRadar would search its default window). An event without a
//     starttime is dropped when there is a time clause.
//  2. WHERE keeps the events for which it is TRUE.
//  3. A query that does not aggregate (no GROUP BY or HAVING, no aggregate
//     function in SELECT or ORDER BY) yields one row per kept event, in input
//     order.
//  4. An aggregating query groups the kept events by the values of the GROUP
//     BY expressions (a GROUP BY name that is no column or property is a
//     select alias: GROUP BY minute). NULL group values form a group of their
//     own, as in SQL; NULL, the empty string and 0 are different keys. Without GROUP BY all
//     kept events form one group, which exists even when no event is kept
//     (SELECT COUNT(*) then yields one row with 0, as in SQL; QRadar's
//     behaviour is unconfirmed). HAVING keeps the groups for which it is
//     TRUE; each remaining group yields one row. Without ORDER BY the rows
//     are sorted by group key (NULL first, then numbers, then text, each
//     ascending).
//  5. SELECT computes the row: keys are aliases, or the printed expression
//     for an item without one. Aggregates run over the group; any other
//     column reference reads the group's first event (in input order), which
//     is QRadar's implicit FIRST for ungrouped columns (aql.Check warns
//     about them).
//  6. ORDER BY sorts the rows (stable; NULL sorts lowest: first ascending,
//     last descending) and LIMIT keeps the first n.
//
// In HAVING and ORDER BY a name refers to a select alias first (HAVING MAG >
// 5, ORDER BY event_count DESC), then to a column; elsewhere to a column or
// custom property first, then to an alias (WHERE search_payload ILIKE ...).
//
// Aggregates (argument values that are NULL are skipped except by FIRST and
// LAST):
//   - COUNT(*) counts the group's events; COUNT(x) the non-NULL values of x.
//   - UNIQUECOUNT(x) counts the distinct non-NULL values exactly.
//     DISTINCTCOUNT(x) does too, although QRadar estimates it (HyperLogLog+),
//     so large counts may differ slightly from QRadar's.
//   - SUM(x), AVG(x): over the values that are numbers or text holding a
//     number (a custom property "bytes" = '1500'); other text counts as
//     NULL. Both are NULL when no value is numeric.
//   - MIN(x), MAX(x): numeric when every value is a number or text holding
//     one (the result is then a number), otherwise text order (the values
//     must then all be text). NULL over no values.
//   - FIRST(x), LAST(x): the value of the group's first and last event in
//     input order, NULL included.
//
// STDEV, sub-selects, SELECT *, COLLATE and PARSEDATETIME in START/STOP are
// errors: not supported by the executor.
func ExecuteAll(q *aql.Query, events []Event, opt Options) (rows []Row, err error) {
	x := newExecutor(q, opt)
	defer x.recover(&err)
	var kept []Event
	for _, ev := range events {
		if x.keep(ev) {
			kept = append(kept, ev)
		}
	}
	return x.run(kept), nil
}

// window is the time clause as [lo, hi] (hiOpen: [lo, hi)) in epoch ms.
type window struct {
	set    bool // a time clause exists
	ready  bool
	lo, hi int64
	hiOpen bool
}

// timeWindow computes the window once. LAST n UNIT is [now - n UNIT, now],
// both ends included. START s STOP e is [s, e): IBM's "Time criteria" page
// says START '2014-04-25 15:51' STOP '2014-04-25 17:00' returns 15:51:00 to
// 16:59:59. START without STOP ends at now, included.
func (x *executor) timeWindow() window {
	if x.win.ready {
		return x.win
	}
	w := window{ready: true}
	switch c := x.q.Time.(type) {
	case nil:
	case *aql.LastClause:
		d := time.Duration(c.N) * time.Minute
		switch c.Unit {
		case aql.Hours:
			d = time.Duration(c.N) * time.Hour
		case aql.Days:
			d = time.Duration(c.N) * 24 * time.Hour
		}
		w = window{ready: true, set: true, lo: x.now.Add(-d).UnixMilli(), hi: x.now.UnixMilli()}
	case *aql.StartClause:
		w = window{ready: true, set: true, lo: x.timeValue(c.Start), hi: x.now.UnixMilli()}
		if c.Stop != nil {
			w.hi, w.hiOpen = x.timeValue(c.Stop), true
		}
	default:
		panic(fail(c, "time clause %T is not supported by the executor", c))
	}
	x.win = w
	return w
}

// startLayouts are the START/STOP date formats: IBM's examples use
// 'yyyy-MM-dd HH:mm' and 'yyyy-MM-dd HH:mm:ss'; the slash forms are in the
// research note (§1.7).
var startLayouts = []string{
	"2006-01-02 15:04", "2006-01-02 15:04:05",
	"2006/01/02 15:04", "2006/01/02 15:04:05",
}

// timeValue is a START/STOP operand in epoch milliseconds.
func (x *executor) timeValue(e aql.Expr) int64 {
	switch v := e.(type) {
	case *aql.NumberLit:
		ms, err := strconv.ParseInt(v.Raw, 10, 64)
		if err != nil {
			panic(fail(v, "bad epoch milliseconds %s", v.Raw))
		}
		return ms
	case *aql.StringLit:
		for _, layout := range startLayouts {
			if t, err := time.ParseInLocation(layout, strings.TrimSpace(v.Value), x.loc); err == nil {
				return t.UnixMilli()
			}
		}
		panic(fail(v, "date %s: expected 'yyyy-MM-dd HH:mm[:ss]' or 'yyyy/MM/dd HH:mm[:ss]'", aql.QuoteString(v.Value)))
	}
	panic(fail(e, "%s as a START/STOP time is not supported by the executor (use a date string or epoch milliseconds)", aql.PrintExpr(e)))
}

func (x *executor) inWindow() bool {
	w := x.timeWindow()
	if !w.set {
		return true
	}
	st, ok := x.ev.Columns["starttime"].(int64)
	if !ok {
		return false
	}
	if st < w.lo {
		return false
	}
	if w.hiOpen {
		return st < w.hi
	}
	return st <= w.hi
}

// keep reports whether ev passes the time clause and WHERE.
func (x *executor) keep(ev Event) bool {
	x.ev = ev
	if !x.inWindow() {
		return false
	}
	return x.q.Where == nil || x.eval(x.q.Where) == true
}

// output is one result row and its ORDER BY values.
type output struct {
	row  Row
	sort []any
}

// run computes the rows of the query from the events that passed keep.
func (x *executor) run(kept []Event) []Row {
	var outs []output
	if !aql.IsAggregating(x.q) {
		for _, ev := range kept {
			x.ev = ev
			outs = append(outs, x.output())
		}
	} else {
		for _, g := range x.groups(kept) {
			x.enterGroup(g)
			if x.q.Having != nil {
				x.aliasFirst = true
				ok := x.eval(x.q.Having) == true
				x.aliasFirst = false
				if !ok {
					continue
				}
			}
			outs = append(outs, x.output())
		}
		x.inGroup, x.group, x.empty = false, nil, false
	}
	if len(x.q.OrderBy) > 0 {
		sort.SliceStable(outs, func(i, j int) bool {
			for k, o := range x.q.OrderBy {
				c := compareTotal(outs[i].sort[k], outs[j].sort[k])
				if o.Dir == aql.Desc {
					c = -c
				}
				if c != 0 {
					return c < 0
				}
			}
			return false
		})
	}
	if x.q.Limit != nil && int64(len(outs)) > x.q.Limit.N {
		outs = outs[:x.q.Limit.N]
	}
	rows := make([]Row, len(outs))
	for i, o := range outs {
		rows[i] = o.row
	}
	return rows
}

// output evaluates the SELECT list and the ORDER BY keys in the current
// context (one event, or one group).
func (x *executor) output() output {
	row := Row{}
	for _, it := range x.q.Items {
		if _, ok := it.Expr.(*aql.Star); ok {
			panic(fail(it.Expr, "SELECT * is not supported by the executor"))
		}
		name := aql.PrintExpr(it.Expr)
		if it.Alias != nil {
			name = it.Alias.Name
		}
		row[name] = x.eval(it.Expr)
	}
	var keys []any
	if len(x.q.OrderBy) > 0 {
		x.aliasFirst = true
		for _, o := range x.q.OrderBy {
			if o.Collate != nil {
				panic(fail(o.Collate, "ORDER BY ... COLLATE is not supported by the executor"))
			}
			v := x.eval(o.Expr)
			if _, ok := v.([]byte); ok {
				panic(fail(o.Expr, "payload is binary: order by UTF8(payload)"))
			}
			keys = append(keys, v)
		}
		x.aliasFirst = false
	}
	return output{row: row, sort: keys}
}

// group is the events sharing one GROUP BY key.
type group struct {
	key    []any
	events []Event
}

// groups partitions kept by the GROUP BY values, sorted by key; without
// GROUP BY it is one group holding every kept event (possibly none).
func (x *executor) groups(kept []Event) []*group {
	if len(x.q.GroupBy) == 0 {
		return []*group{{events: kept}}
	}
	byKey := map[string]*group{}
	var list []*group
	for _, ev := range kept {
		x.ev = ev
		key := make([]any, len(x.q.GroupBy))
		var enc strings.Builder
		for i, e := range x.q.GroupBy {
			v := x.eval(e)
			key[i] = v
			enc.WriteString(valueKey(v))
			enc.WriteByte(0)
		}
		g, ok := byKey[enc.String()]
		if !ok {
			g = &group{key: key}
			byKey[enc.String()] = g
			list = append(list, g)
		}
		g.events = append(g.events, ev)
	}
	sort.SliceStable(list, func(i, j int) bool {
		for k := range list[i].key {
			if c := compareTotal(list[i].key[k], list[j].key[k]); c != 0 {
				return c < 0
			}
		}
		return false
	})
	return list
}

func (x *executor) enterGroup(g *group) {
	x.inGroup, x.group = true, g.events
	x.empty = len(g.events) == 0
	if !x.empty {
		x.ev = g.events[0]
	}
}

// valueKey encodes a value for grouping and distinct counting: equal values
// of the same type share a key; NULL, the empty string and 0 differ.
func valueKey(v any) string {
	switch t := v.(type) {
	case nil:
		return "N"
	case float64:
		if t == 0 {
			t = 0 // -0 groups with 0
		}
		return "n" + strconv.FormatFloat(t, 'g', -1, 64)
	case string:
		return "s" + t
	case bool:
		return "b" + strconv.FormatBool(t)
	case []byte:
		return "x" + string(t)
	}
	return "?"
}

// typeRank orders values of different types for sorting: NULL, booleans,
// numbers, text, bytes.
func typeRank(v any) int {
	switch v.(type) {
	case nil:
		return 0
	case bool:
		return 1
	case float64:
		return 2
	case string:
		return 3
	}
	return 4
}

// compareTotal is a total order for sorting rows and group keys: NULL is
// lowest; a number and text holding a number compare numerically; otherwise
// values of different types compare by typeRank.
func compareTotal(a, b any) int {
	ra, rb := typeRank(a), typeRank(b)
	if ra == 0 || rb == 0 {
		return cmpInt(ra, rb)
	}
	if ba, ok := a.([]byte); ok {
		if bb, ok := b.([]byte); ok {
			return bytes.Compare(ba, bb)
		}
		return cmpInt(ra, rb)
	}
	if _, ok := b.([]byte); ok {
		return cmpInt(ra, rb)
	}
	if c, ok := order(nil, a, b); ok {
		return c
	}
	return cmpInt(ra, rb)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// aggregate evaluates an aggregate call over the current group.
func (x *executor) aggregate(n *aql.Call) any {
	name := strings.ToUpper(n.Name)
	if x.inAgg {
		panic(fail(n, "aggregate %s inside another aggregate", name))
	}
	if !x.inGroup {
		panic(fail(n, "aggregate %s needs a group: it is not allowed in WHERE or GROUP BY", name))
	}
	switch name {
	case "COUNT", "UNIQUECOUNT", "DISTINCTCOUNT", "SUM", "AVG", "MIN", "MAX", "FIRST", "LAST":
	default:
		panic(fail(n, "aggregate %s is not supported by the executor", name))
	}
	if len(n.Args) != 1 {
		panic(fail(n, "%s takes 1 argument, found %d", name, len(n.Args)))
	}
	if _, star := n.Args[0].(*aql.Star); star {
		if name != "COUNT" {
			panic(fail(n, "%s(*): only COUNT takes *", name))
		}
		return float64(len(x.group))
	}
	vals := x.values(n.Args[0])
	switch name {
	case "COUNT":
		c := 0
		for _, v := range vals {
			if v != nil {
				c++
			}
		}
		return float64(c)
	case "UNIQUECOUNT", "DISTINCTCOUNT":
		seen := map[string]bool{}
		for _, v := range vals {
			if v != nil {
				seen[valueKey(v)] = true
			}
		}
		return float64(len(seen))
	case "SUM", "AVG":
		sum, c := 0.0, 0
		for _, v := range vals {
			if f, ok := x.operand(n, v); ok {
				sum += f
				c++
			}
		}
		if c == 0 {
			return nil
		}
		if name == "AVG" {
			return sum / float64(c)
		}
		return sum
	case "MIN", "MAX":
		return x.minMax(n, name == "MIN", vals)
	case "FIRST":
		if len(vals) == 0 {
			return nil
		}
		return vals[0]
	case "LAST":
		if len(vals) == 0 {
			return nil
		}
		return vals[len(vals)-1]
	}
	panic(fail(n, "aggregate %s is not supported by the executor", name))
}

// values evaluates e on every event of the group, in input order.
func (x *executor) values(e aql.Expr) []any {
	saveEv, saveFirst, saveEmpty := x.ev, x.aliasFirst, x.empty
	x.inAgg, x.aliasFirst, x.empty = true, false, false
	defer func() { x.ev, x.aliasFirst, x.empty, x.inAgg = saveEv, saveFirst, saveEmpty, false }()
	out := make([]any, len(x.group))
	for i, ev := range x.group {
		x.ev = ev
		out[i] = x.eval(e)
	}
	return out
}

// minMax is MIN/MAX over the non-NULL values: numeric when they all are
// numbers or text holding one, else text order (then no value may be a
// number).
func (x *executor) minMax(n *aql.Call, min bool, vals []any) any {
	var nums []float64
	var texts []string
	numeric, sawNumber := true, false
	for _, v := range vals {
		switch t := v.(type) {
		case nil:
		case float64:
			nums = append(nums, t)
			sawNumber = true
		case string:
			texts = append(texts, t)
			if f, ok := parseNumber(t); ok {
				nums = append(nums, f)
			} else {
				numeric = false
			}
		default:
			panic(fail(n, "%s of %T is not supported", strings.ToUpper(n.Name), v))
		}
	}
	if numeric {
		if len(nums) == 0 {
			return nil
		}
		best := nums[0]
		for _, f := range nums[1:] {
			if min {
				best = math.Min(best, f)
			} else {
				best = math.Max(best, f)
			}
		}
		return best
	}
	if sawNumber {
		panic(fail(n, "%s over numbers and text that holds no number", strings.ToUpper(n.Name)))
	}
	best := texts[0]
	for _, s := range texts[1:] {
		if (min && s < best) || (!min && s > best) {
			best = s
		}
	}
	return best
}
