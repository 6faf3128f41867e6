package reference

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/record"
)

// Aggregator runs an aggregate rule over events in time order: the
// reference meaning of a threshold over groups within a sliding window.
// State is per open group: events leave a group as they fall out of the
// window, and a group whose window has emptied is dropped (swept once per
// half window of event time), so memory is bounded by the events of one
// window however many groups a log holds. A group alerts once per episode:
// when its window passes the threshold, and again only after the group
// has gone idle for a whole window.
type Aggregator struct {
	e         *Evaluator
	groups    map[string]*groupState
	now       time.Time // the newest event time seen
	nextSweep time.Time
}

type groupState struct {
	key    []string
	events []aggEvent // selected events still inside the window, oldest first
	// The aggregate over events, kept as events enter and leave.
	distinct map[string]int
	sum      float64
	numbers  int
	fired    bool
}

type aggEvent struct {
	at     time.Time
	value  string // the aggregated field's first value
	number float64
	isNum  bool
}

// NewAggregator starts an aggregation for e's rule (which has one).
func (e *Evaluator) NewAggregator() *Aggregator {
	return &Aggregator{e: e, groups: map[string]*groupState{}}
}

// Groups is the number of open groups (for tests of the sweep).
func (a *Aggregator) Groups() int { return len(a.groups) }

// Add judges one event at time at; it returns the alert the event raises,
// if its group's window passes the threshold for the first time.
func (a *Aggregator) Add(ev map[string]any, at time.Time) (ir.Alert, bool) {
	if !a.e.Evaluate(ev).Selected {
		return ir.Alert{}, false
	}
	return a.AddSelected(ev, at)
}

// GroupKey is an event's group: the first value of each group-by or join
// field, read by values. An event without a value, or with an empty one,
// for any of them joins no group (false), in every target.
func GroupKey(fields []string, values func(field string) []string) ([]string, bool) {
	key := make([]string, len(fields))
	for i, f := range fields {
		vs := values(f)
		if len(vs) == 0 || vs[0] == "" {
			return nil, false
		}
		key[i] = vs[0]
	}
	return key, true
}

// AddSelected is Add for an event the caller has already found selected
// by the rule's condition (a scan judges each record once).
func (a *Aggregator) AddSelected(ev map[string]any, at time.Time) (ir.Alert, bool) {
	agg := a.e.rule.Aggregate
	a.sweep(at)
	values := func(field string) []string { return a.e.values(ev, field) }
	key, ok := GroupKey(agg.GroupBy, values)
	if !ok {
		return ir.Alert{}, false
	}
	k := strings.Join(key, "\x00")
	var v string
	if agg.Field != "" {
		if vs := values(agg.Field); len(vs) > 0 {
			v = vs[0]
		} else if agg.Func != ir.Count {
			return ir.Alert{}, false // nothing to aggregate: the event does not count
		}
	}
	g, ok := a.groups[k]
	if !ok {
		g = &groupState{key: key}
		if agg.Func == ir.DistinctCount {
			g.distinct = map[string]int{}
		}
		a.groups[k] = g
	}
	g.add(aggEvent{at: at, value: v})
	// The window is [at - Window, at]: older events leave it.
	cut := 0
	for cut < len(g.events) && g.events[cut].at.Before(at.Add(-agg.Window)) {
		g.remove(g.events[cut])
		cut++
	}
	g.events = g.events[cut:]
	if g.fired {
		return ir.Alert{}, false
	}
	val := g.value(agg.Func)
	if !agg.Threshold.Passes(val) {
		return ir.Alert{}, false
	}
	g.fired = true
	return ir.Alert{Group: g.key, Value: val}, true
}

// sweep drops the groups whose newest event has left the window.
func (a *Aggregator) sweep(at time.Time) {
	if at.After(a.now) {
		a.now = at
	}
	if a.now.Before(a.nextSweep) {
		return
	}
	w := a.e.rule.Aggregate.Window
	for k, g := range a.groups {
		if g.events[len(g.events)-1].at.Before(a.now.Add(-w)) {
			delete(a.groups, k)
		}
	}
	a.nextSweep = a.now.Add(w / 2)
}

func (g *groupState) add(e aggEvent) {
	if f, err := strconv.ParseFloat(e.value, 64); err == nil {
		e.number, e.isNum = f, true
		g.sum += f
		g.numbers++
	}
	if g.distinct != nil {
		g.distinct[e.value]++
	}
	g.events = append(g.events, e)
}

func (g *groupState) remove(e aggEvent) {
	if e.isNum {
		g.sum -= e.number
		g.numbers--
	}
	if g.distinct != nil {
		if g.distinct[e.value]--; g.distinct[e.value] == 0 {
			delete(g.distinct, e.value)
		}
	}
}

func (g *groupState) value(f ir.AggFunc) float64 {
	switch f {
	case ir.Count:
		return float64(len(g.events))
	case ir.DistinctCount:
		return float64(len(g.distinct))
	case ir.Avg:
		if g.numbers == 0 {
			return 0
		}
		return g.sum / float64(g.numbers)
	}
	return g.sum
}

// Alerts runs a whole sequence (in time order) and returns its alerts,
// sorted by group.
func (e *Evaluator) Alerts(events []map[string]any, times []time.Time) []ir.Alert {
	a := e.NewAggregator()
	var out []ir.Alert
	for i, ev := range events {
		if al, ok := a.Add(ev, times[i]); ok {
			out = append(out, al)
		}
	}
	SortAlerts(out)
	return out
}

// SortAlerts orders alerts by group key.
func SortAlerts(as []ir.Alert) {
	sort.Slice(as, func(i, j int) bool {
		return strings.Join(as[i].Group, "\x00") < strings.Join(as[j].Group, "\x00")
	})
}

// Time reads an event's time at the catalog's timestamp path.
func (e *Evaluator) Time(ev map[string]any) (time.Time, bool) {
	if e.ls.Timestamp == "" {
		return time.Time{}, false
	}
	for _, v := range record.Values(ev, e.ls.Timestamp) {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
