package testrun

import (
	"fmt"
	"time"

	"github.com/detgen/detgen/eval/reference"
	"github.com/detgen/detgen/ir"
)

// seqEvent is one event of a test sequence as every evaluator needs it.
type seqEvent struct {
	raw  []byte
	ev   map[string]any
	form string
	at   time.Time
}

// sequenceRunner is a target evaluator that can run a whole sequence of
// events (an aggregation) and return the groups that fire.
type sequenceRunner interface {
	alerts(events []seqEvent) ([]ir.Alert, error)
}

// runSequence runs an aggregation test on the reference and every target.
func runSequence(r *ir.Rule, tc ir.Test, ref *reference.Evaluator, read func([]byte) (map[string]any, string, error), runners map[string]runner) (Result, error) {
	res := Result{Rule: r, Case: tc, Expected: tc.Expect, Cells: map[string]Cell{}}
	var events []seqEvent
	for i, te := range tc.Sequence {
		ev, form, err := read(te.Event)
		if err != nil {
			return res, fmt.Errorf("%s: test %q: event %d: %w", r.SourceFile, tc.Name, i+1, err)
		}
		at, ok := ref.Time(ev)
		if !ok {
			return res, fmt.Errorf("%s: test %q: event %d has no time at the catalog's timestamp", r.SourceFile, tc.Name, i+1)
		}
		events = append(events, seqEvent{raw: te.Event, ev: ev, form: form, at: at})
	}
	evs := make([]map[string]any, len(events))
	times := make([]time.Time, len(events))
	for i, e := range events {
		evs[i], times[i] = e.ev, e.at
	}
	var alerts []ir.Alert
	if r.Sequence != nil {
		alerts = ref.SequenceAlerts(evs, times)
	} else {
		alerts = ref.Alerts(evs, times)
	}
	res.Cells["reference"] = judge(Verdict{Aggregate: true, Match: len(alerts) > 0, Alerts: alerts}, tc.Expect, "", true)
	for _, col := range Columns[1:] {
		rn, ok := runners[col]
		if reason, out := r.Excluded[col]; out && !ok {
			res.Cells[col] = Cell{OK: true, Declared: "excluded: " + reason, Excluded: true}
			continue
		}
		if !ok {
			res.Cells[col] = Cell{Err: ErrNoArtifact}
			continue
		}
		sr, ok := rn.(sequenceRunner)
		if !ok {
			res.Cells[col] = Cell{Err: fmt.Errorf("%s: the evaluator cannot run event sequences", col)}
			continue
		}
		got, err := sr.alerts(events)
		if err != nil {
			res.Cells[col] = Cell{Err: err}
			continue
		}
		reference.SortAlerts(got)
		want, reason := tc.Expect, ""
		if d, ok := tc.Differs[col]; ok {
			want, reason = d.Outcome, d.Reason
		}
		res.Cells[col] = judge(Verdict{Aggregate: true, Match: len(got) > 0, Alerts: got}, want, reason, false)
	}
	return res, nil
}
