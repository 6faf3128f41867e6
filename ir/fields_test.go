package ir

import (
	"slices"
	"testing"
)

// TestFieldsIncludeGroupsAndSteps: the fields an aggregation groups and
// counts by, and a sequence's join and step fields, are fields the rule
// reads (each backend lists its prerequisites from Fields).
func TestFieldsIncludeGroupsAndSteps(t *testing.T) {
	m := func(f string) *Match { return &Match{Field: f, Op: Equals, Values: []string{"x"}} }
	agg := &Rule{Condition: m("verb"), Aggregate: &Aggregate{GroupBy: []string{"username"}, Field: "name"}}
	if got := agg.Fields(); !slices.Equal(got, []string{"verb", "username", "name"}) {
		t.Errorf("aggregation fields %v", got)
	}
	seq := &Rule{Condition: &Not{Arg: m("username")}, Sequence: &Sequence{Join: []string{"username"}, Steps: []Step{{When: m("resource")}, {When: m("subresource")}}}}
	if got := seq.Fields(); !slices.Equal(got, []string{"username", "resource", "subresource"}) {
		t.Errorf("sequence fields %v", got)
	}
}
