package testrun

import (
	"errors"
	"strings"
	"testing"

	"github.com/detgen/detgen/ir"
)

func TestFailuresExplain(t *testing.T) {
	rule := &ir.Rule{Name: "r", SourceFile: "rules/r.yaml", Scoring: &ir.Scoring{}}
	tc := ir.Test{Name: "c", Expect: ir.Outcome{Match: true, Score: 30, Signals: []string{"a", "b"}},
		Differs: map[string]ir.Divergence{"sigma": {Outcome: ir.Outcome{Match: false}, Reason: "no place"}}}
	res := []Result{{Rule: rule, Case: tc, Expected: tc.Expect, Cells: map[string]Cell{
		"reference": {Verdict: Verdict{Match: true, Score: 25, HasScore: true, Signals: []string{"a", "c"}}},
		"qradar":    {Verdict: Verdict{Match: false, HasScore: true}},
		"chronicle": {Err: errors.New("boom")},
		"sigma":     {Verdict: Verdict{Match: true}, Declared: "no place"},
	}}}
	var got []string
	for _, f := range Failures(res) {
		got = append(got, f.String())
	}
	want := []string{
		"FAIL rules/r.yaml: r / c: reference: expected score 30, got score 25; signals differ: missing b; unexpected c",
		"FAIL rules/r.yaml: r / c: qradar: expected match 30, got no match",
		"FAIL rules/r.yaml: r / c: chronicle: error: boom",
		"FAIL rules/r.yaml: r / c: sigma: declared divergence expects no match, got match",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var b strings.Builder
	s := Report(&b, []*ir.Rule{rule}, res, false)
	if s.Failed != 4 || !strings.HasSuffix(b.String(), "test: 1 rule, 1 case, 4 evaluations: 0 passed, 4 failed\n0 passed, 4 failed\n") {
		t.Errorf("report:\n%s", b.String())
	}
}
