package reference

import (
	"slices"
	"testing"

	"github.com/detgen/detgen/compile"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/k8saudit"
	"github.com/detgen/detgen/spec"
)

func loadRule(t *testing.T) *ir.Rule {
	t.Helper()
	sr, errs := spec.Load("../../rules/kubernetes/t1053.007-suspicious-cronjob-job.yaml")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	r, errs := compile.Rule(sr)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return r
}

// TestSpecTests runs the reference semantics on every test case of the
// shipped rule: the spec must agree with itself before any artifact is
// compared with it.
func TestSpecTests(t *testing.T) {
	r := loadRule(t)
	ev, err := New(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Tests) < 14 {
		t.Fatalf("only %d test cases", len(r.Tests))
	}
	for _, tc := range r.Tests {
		event, _, err := k8saudit.Parse(tc.Event)
		if err != nil {
			t.Fatalf("%s: %v", tc.Name, err)
		}
		got := ev.Evaluate(event)
		if got.Match != tc.Expect.Match {
			t.Errorf("%s: match %v, want %v (%+v)", tc.Name, got.Match, tc.Expect.Match, got)
			continue
		}
		if tc.Expect.Match && (got.Score != tc.Expect.Score || !slices.Equal(got.Signals, tc.Expect.Signals)) {
			t.Errorf("%s: score %d signals %v, want %d %v", tc.Name, got.Score, got.Signals, tc.Expect.Score, tc.Expect.Signals)
		}
	}
}

func TestMatches(t *testing.T) {
	m := ir.Match{Equals: []string{"Jobs"}, StartsWith: []string{"sys:"}, Contains: []string{"x*y"}}
	for v, want := range map[string]bool{"Jobs": true, "jobs": false, "sys:a": true, "SYS:a": false, "ax*yb": true, "axyb": false} {
		if got := Matches(m, v); got != want {
			t.Errorf("Matches(%q) = %v, want %v", v, got, want)
		}
	}
	m.Nocase = true
	for v, want := range map[string]bool{"jobs": true, "SYS:a": true, "AX*YB": true} {
		if got := Matches(m, v); got != want {
			t.Errorf("nocase Matches(%q) = %v, want %v", v, got, want)
		}
	}
}
