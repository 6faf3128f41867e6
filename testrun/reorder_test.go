package testrun

import (
	"strings"
	"testing"

	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/internal/jsonorder"
	"github.com/detgen/detgen/ir"
)

// TestKeyOrderDoesNotMatter runs every shipped rule's tests (single events
// and event sequences) again with every JSON object's keys in reverse
// order: each target must
// reach the same verdicts (the record is the same; only a payload pattern
// that assumed one key order would notice).
func TestKeyOrderDoesNotMatter(t *testing.T) {
	rules, arts, _, err := driver.BuildDir("../rules")
	if err != nil {
		t.Fatal(err)
	}
	var reordered []*ir.Rule
	cases := 0
	for _, r := range rules {
		c := *r
		c.Tests = nil
		for _, tc := range r.Tests {
			if err := tc.LoadEvents(); err != nil {
				t.Fatal(err)
			}
			if len(tc.Event) > 0 {
				ev, err := jsonorder.Reversed(tc.Event)
				if err != nil {
					t.Fatalf("%s / %s: %v", r.Name, tc.Name, err)
				}
				tc.Event = ev
			}
			seq := make([]ir.TimedEvent, len(tc.Sequence))
			for i, te := range tc.Sequence {
				ev, err := jsonorder.Reversed(te.Event)
				if err != nil {
					t.Fatalf("%s / %s: %v", r.Name, tc.Name, err)
				}
				seq[i] = ir.TimedEvent{At: te.At, Event: ev}
			}
			tc.Sequence, tc.Load = seq, nil
			tc.Name = "keys reversed: " + tc.Name
			c.Tests = append(c.Tests, tc)
			cases++
		}
		reordered = append(reordered, &c)
	}
	var mine []driver.Artifact
	for _, a := range arts {
		for i, r := range rules {
			if a.Rule == r {
				a.Rule = reordered[i]
				mine = append(mine, a)
			}
		}
	}
	results, err := Run(reordered, mine)
	if err != nil {
		t.Fatal(err)
	}
	if n := Failed(results); n > 0 {
		var b strings.Builder
		Print(&b, results)
		t.Errorf("%d evaluations change with the key order:\n%s", n, b.String())
	}
	if cases < 100 {
		t.Errorf("only %d cases reordered", cases)
	}
}
