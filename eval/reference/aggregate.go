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
// State is per open group and is dropped as events fall out of the
// window, so memory is bounded by the events of one window.
type Aggregator struct {
	e      *Evaluator
	groups map[string]*groupState
	order  []string // group keys in first-seen order, for determinism
}

type groupState struct {
	key    []string
	events []aggEvent // selected events still inside the window
	fired  bool
}

type aggEvent struct {
	at    time.Time
	value string // the aggregated field's first value
}

// NewAggregator starts an aggregation for e's rule (which has one).
func (e *Evaluator) NewAggregator() *Aggregator {
	return &Aggregator{e: e, groups: map[string]*groupState{}}
}

// Add judges one event at time at; it returns the alert the event raises,
// if its group's window passes the threshold for the first time.
func (a *Aggregator) Add(ev map[string]any, at time.Time) (ir.Alert, bool) {
	agg := a.e.rule.Aggregate
	if !a.e.Evaluate(ev).Selected {
		return ir.Alert{}, false
	}
	values := func(field string) []string { return a.e.values(ev, field) }
	key := make([]string, len(agg.GroupBy))
	for i, g := range agg.GroupBy {
		if vs := values(g); len(vs) > 0 {
			key[i] = vs[0]
		}
	}
	k := strings.Join(key, "\x00")
	g, ok := a.groups[k]
	if !ok {
		g = &groupState{key: key}
		a.groups[k] = g
		a.order = append(a.order, k)
	}
	var v string
	if agg.Field != "" {
		if vs := values(agg.Field); len(vs) > 0 {
			v = vs[0]
		} else if agg.Func != ir.Count {
			return ir.Alert{}, false // nothing to aggregate: the event does not count
		}
	}
	g.events = append(g.events, aggEvent{at: at, value: v})
	// The window is [at - Window, at]: older events leave it.
	cut := 0
	for cut < len(g.events) && g.events[cut].at.Before(at.Add(-agg.Window)) {
		cut++
	}
	g.events = g.events[cut:]
	if g.fired {
		return ir.Alert{}, false
	}
	val := aggregateOf(agg, g.events)
	if !agg.Threshold.Passes(val) {
		return ir.Alert{}, false
	}
	g.fired = true
	return ir.Alert{Group: g.key, Value: val}, true
}

func aggregateOf(agg *ir.Aggregate, events []aggEvent) float64 {
	switch agg.Func {
	case ir.Count:
		return float64(len(events))
	case ir.DistinctCount:
		seen := map[string]bool{}
		for _, e := range events {
			seen[e.value] = true
		}
		return float64(len(seen))
	}
	sum, n := 0.0, 0
	for _, e := range events {
		if f, err := strconv.ParseFloat(e.value, 64); err == nil {
			sum += f
			n++
		}
	}
	if agg.Func == ir.Avg {
		if n == 0 {
			return 0
		}
		return sum / float64(n)
	}
	return sum
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
