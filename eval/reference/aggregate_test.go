package reference

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/detgen/detgen/compile"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/reader"
	"github.com/detgen/detgen/spec"
)

// TestAggregationRule runs the secret-enumeration rule's sequences on the
// reference aggregator: thresholds, distinctness, the window, groups and
// the condition's exclusions all decide.
func TestAggregationRule(t *testing.T) {
	sr, errs := spec.Load("../../rules/kubernetes/t1552.007-secret-enumeration.yaml")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	r, errs := compile.Rule(sr)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	e, err := New(r)
	if err != nil {
		t.Fatal(err)
	}
	read, _ := reader.Lookup("k8s_audit")
	for _, tc := range r.Tests {
		var evs []map[string]any
		var times []time.Time
		for _, te := range tc.Sequence {
			var rec map[string]any
			json.Unmarshal(te.Event, &rec)
			ev, _, err := read(rec)
			if err != nil {
				t.Fatal(err)
			}
			at, ok := e.Time(ev)
			if !ok {
				t.Fatalf("%s: no time", tc.Name)
			}
			evs, times = append(evs, ev), append(times, at)
		}
		got := e.Alerts(evs, times)
		if !sameGroups(got, tc.Expect.Alerts) {
			t.Errorf("%s: alerts %v, want %v", tc.Name, got, tc.Expect.Alerts)
		}
	}
}

func sameGroups(got, want []ir.Alert) bool {
	w := append([]ir.Alert(nil), want...)
	SortAlerts(w)
	if len(got) != len(w) {
		return false
	}
	for i := range got {
		if len(got[i].Group) != len(w[i].Group) || got[i].Group[0] != w[i].Group[0] || (w[i].Value >= 0 && got[i].Value != w[i].Value) {
			return false
		}
	}
	return true
}
