package scan

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"strings"
	"testing"
	"time"
)

// TestOutOfOrderWithinTolerance: an enumeration whose records arrive
// shuffled (each at most 40 s out of place) still alerts once, exactly as
// in time order; a record more than the tolerance late is counted as
// Late, not placed in a window it has already left.
func TestOutOfOrderWithinTolerance(t *testing.T) {
	src, err := os.ReadFile("../rules/kubernetes/testdata/t1552.007/get-secret.json")
	if err != nil {
		t.Fatal(err)
	}
	var base map[string]any
	if err := json.Unmarshal(src, &base); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	line := func(k int, at time.Time) string {
		var ev map[string]any
		json.Unmarshal(src, &ev)
		ev["objectRef"].(map[string]any)["name"] = fmt.Sprintf("secret-%d", k)
		ev["requestReceivedTimestamp"] = at.Format(time.RFC3339Nano)
		b, _ := json.Marshal(ev)
		return string(b)
	}
	// 21 distinct Secrets, one every 10 s: 200 s, inside the 10m window.
	var lines []string
	for k := 0; k < 21; k++ {
		lines = append(lines, line(k, start.Add(time.Duration(k)*10*time.Second)))
	}
	run := func(lines []string, tolerance ...time.Duration) (alerts int, st Stats) {
		s, err := New(shippedRules(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(tolerance) > 0 {
			s.Tolerance = tolerance[0]
		}
		st, err = s.Scan(strings.NewReader(strings.Join(lines, "\n")), func(h Hit) {
			if h.RuleID == enumerationRuleID {
				alerts++
			}
		}, func(n int, err error) { t.Errorf("line %d: %v", n, err) }, nil)
		if err != nil {
			t.Fatal(err)
		}
		return alerts, st
	}
	if a, st := run(lines); a != 1 || st.Late != 0 {
		t.Fatalf("in order: %d alerts, %d late; want 1, 0", a, st.Late)
	}
	// Swap neighbours at random: each record at most 4 places (40 s) away.
	shuffled := append([]string(nil), lines...)
	rng := rand.New(rand.NewSource(7))
	for i := 0; i+4 < len(shuffled); i += 2 {
		j := i + rng.Intn(5)
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	}
	if a, st := run(shuffled); a != 1 || st.Late != 0 {
		t.Errorf("shuffled within 40 s: %d alerts, %d late; want 1, 0", a, st.Late)
	}
	// Without the buffer's tolerance the same input loses records.
	if a, st := run(shuffled, time.Nanosecond); st.Late == 0 || a != 0 {
		t.Errorf("shuffled, tolerance 1ns: %d alerts, %d late; want 0 alerts and some late", a, st.Late)
	}
	// The 21st of the enumeration (at 200 s) arrives after records at
	// 500 s and 600 s: the one at 500 s has been fed (600 s is a minute
	// past it), so 200 s can no longer be placed in time order.
	late := append(append([]string(nil), lines[:20]...), line(99, start.Add(500*time.Second)), line(98, start.Add(600*time.Second)), lines[20])
	a, st := run(late)
	if st.Late != 1 {
		t.Errorf("a record 400 s late: %d late, want 1", st.Late)
	}
	// secret-99 is the 21st distinct Secret in its window: one alert
	// from it, none from the late record.
	if a != 1 {
		t.Errorf("%d alerts, want 1 (from secret-99)", a)
	}
}
