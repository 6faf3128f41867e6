package reference

import (
	"encoding/json"
	"fmt"
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

// TestAggregatorBoundedAndRefires: groups whose window has emptied are
// dropped, so the open groups stay bounded by one window's worth however
// many identities a log holds, and a dropped group alerts again in a later
// episode.
func TestAggregatorBoundedAndRefires(t *testing.T) {
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
	get := func(user, name string) map[string]any {
		return map[string]any{"verb": "get", "user": map[string]any{"username": user},
			"objectRef": map[string]any{"resource": "secrets", "name": name}}
	}
	a := e.NewAggregator()
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	// 20,000 identities, one read each, one a second: a window (10m)
	// holds 600 of them.
	most := 0
	for i := 0; i < 20000; i++ {
		if _, ok := a.Add(get(fmt.Sprintf("user-%d", i), "s"), start.Add(time.Duration(i)*time.Second)); ok {
			t.Fatal("one read alerted")
		}
		most = max(most, a.Groups())
	}
	if most < 500 || most > 1000 {
		t.Errorf("%d groups open at once, want one window to a window and a half (600-900)", most)
	}
	// mallory enumerates twice, an hour apart: two episodes, two alerts.
	alerts := 0
	for _, base := range []time.Time{start.Add(6 * time.Hour), start.Add(7 * time.Hour)} {
		for k := 0; k < 21; k++ {
			if _, ok := a.Add(get("mallory", fmt.Sprintf("s-%d", k)), base.Add(time.Duration(k)*time.Second)); ok {
				alerts++
			}
		}
	}
	if alerts != 2 {
		t.Errorf("%d alerts for two episodes an hour apart, want 2", alerts)
	}
}
