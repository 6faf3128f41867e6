package reference

import (
	"strings"
	"time"

	"github.com/detgen/detgen/ir"
)

// Sequencer runs a sequence rule over events in time order (the meaning
// of detection.sequence): per join group, the events of each step within
// the window; the group alerts when every step has its minimum of events
// in the window and, when ordered, each step's events can be taken after
// the previous step's.
type Sequencer struct {
	e         *Evaluator
	groups    map[string]*seqGroup
	now       time.Time // the newest event time seen
	nextSweep time.Time
}

type seqGroup struct {
	key   []string
	last  time.Time     // the group's newest event
	times [][]time.Time // per step, the times of its events in the window
	fired bool
}

// NewSequencer starts a sequence for e's rule (which has one).
func (e *Evaluator) NewSequencer() *Sequencer {
	return &Sequencer{e: e, groups: map[string]*seqGroup{}}
}

// Add judges one event at time at; it returns the alert the event raises,
// when it completes its group's sequence for the first time.
func (s *Sequencer) Add(ev map[string]any, at time.Time) (ir.Alert, bool) {
	if !s.e.Evaluate(ev).Selected {
		return ir.Alert{}, false
	}
	return s.AddSelected(ev, at)
}

// AddSelected is Add for an event the caller has already found selected
// by the rule's condition (a scan judges each record once).
func (s *Sequencer) AddSelected(ev map[string]any, at time.Time) (ir.Alert, bool) {
	seq := s.e.rule.Sequence
	env := s.e.env(ev)
	// A record no step selects plays no part: it neither opens nor
	// extends a group, nor moves the sweep (so a scan may skip it
	// unread, package scan's prefilter).
	var steps []int
	for i, st := range seq.Steps {
		if env.Holds(st.When) {
			steps = append(steps, i)
		}
	}
	if len(steps) == 0 {
		return ir.Alert{}, false
	}
	s.sweep(at)
	key, ok := GroupKey(seq.Join, env.Values)
	if !ok {
		return ir.Alert{}, false
	}
	k := strings.Join(key, "\x00")
	g, ok := s.groups[k]
	if !ok {
		g = &seqGroup{key: key, times: make([][]time.Time, len(seq.Steps))}
		s.groups[k] = g
	}
	for _, i := range steps {
		g.times[i] = append(g.times[i], at)
	}
	if at.After(g.last) {
		g.last = at
	}
	for i := range g.times {
		cut := 0
		for cut < len(g.times[i]) && g.times[i][cut].Before(at.Add(-seq.Window)) {
			cut++
		}
		g.times[i] = g.times[i][cut:]
	}
	if g.fired || !complete(seq, g.times) {
		return ir.Alert{}, false
	}
	g.fired = true
	return ir.Alert{Group: g.key}, true
}

// Groups is the number of open groups (for tests of the sweep).
func (s *Sequencer) Groups() int { return len(s.groups) }

// sweep drops the groups whose newest event has left the window, once per
// half window of event time: memory stays bounded by one window's events,
// and a group completes again only after a whole idle window.
func (s *Sequencer) sweep(at time.Time) {
	if at.After(s.now) {
		s.now = at
	}
	if s.now.Before(s.nextSweep) {
		return
	}
	w := s.e.rule.Sequence.Window
	for k, g := range s.groups {
		if g.last.Before(s.now.Add(-w)) {
			delete(s.groups, k)
		}
	}
	s.nextSweep = s.now.Add(w / 2)
}

// complete reports whether the steps' events (all within the window)
// satisfy the sequence: each step's minimum, taken greedily after the
// previous step's last taken event when ordered.
func complete(seq *ir.Sequence, times [][]time.Time) bool {
	var after time.Time
	first := true
	for i, st := range seq.Steps {
		n := 0
		var last time.Time
		for _, t := range times[i] {
			if seq.Ordered && !first && !t.After(after) {
				continue
			}
			n++
			last = t
			if n == st.Min {
				break
			}
		}
		if n < st.Min {
			return false
		}
		if seq.Ordered {
			after, first = last, false
		}
	}
	return true
}

// SequenceAlerts runs a whole event list (in time order) through the
// rule's sequence and returns its alerts, sorted by group.
func (e *Evaluator) SequenceAlerts(events []map[string]any, times []time.Time) []ir.Alert {
	s := e.NewSequencer()
	var out []ir.Alert
	for i, ev := range events {
		if al, ok := s.Add(ev, times[i]); ok {
			out = append(out, al)
		}
	}
	SortAlerts(out)
	return out
}
