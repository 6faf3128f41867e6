// Package ir is the checked, backend-neutral form of a detection rule: what
// package compile produces from a spec and every backend consumes. Field
// names are logical names from the rule's logsource catalog; each backend
// maps them to its platform through its own mapping profile.
package ir

// Rule is one compiled detection.
type Rule struct {
	// SourceFile is the spec the rule came from, for messages.
	SourceFile string

	ID, Name, Title string
	Version         int
	Status          string
	Description     string
	Author          string
	Date, Modified  string
	Changelog       []Change
	Severity        string // informational, low, medium, high, critical
	Confidence      string // low, medium, high

	Tactics      []Ref
	Technique    Ref
	Subtechnique Ref // zero when the rule maps to a technique only
	AttackURL    string

	DataSources    []string
	References     []string
	FalsePositives []string
	Tuning         []string
	Methodology    string
	TestCases      []TestCase

	Tests []Test

	Logsource  string
	Scope      []Match // every match must hold
	Exclusions []Match // any match excludes the event
	Base       int
	Threshold  int
	Signals    []Signal
}

// Test is an executable test case of the rule.
type Test struct {
	Name        string
	Constructed bool   // the event was written for the test, not captured
	Source      string // where a captured event came from
	Event       []byte // the audit record, JSON as received (key order kept)
	Expect      Outcome
	// Differs holds, per target name, the outcome a target is declared to
	// reach instead of Expect, because of its data model.
	Differs map[string]Divergence
}

// Outcome is what a rule concludes about one event.
type Outcome struct {
	Match   bool
	Score   int      // meaningful when Match
	Signals []string // signal names present, spec order; meaningful when Match
}

// Divergence is a declared, explained difference of one target.
type Divergence struct {
	Outcome
	Reason string
}

// Change is one changelog line.
type Change struct {
	Version      int
	Date, Change string
}

// Ref is an ATT&CK id and name.
type Ref struct{ ID, Name string }

// TestCase is a described adversary scenario.
type TestCase struct{ Name, Expected string }

// FieldType is the JSON type of a logical field's value.
type FieldType string

const (
	String FieldType = "string"
	Bool   FieldType = "bool"
)

// Match tests one field: it holds when the field's value equals one of
// Equals, starts with one of StartsWith or contains one of Contains.
// Comparison is case-sensitive unless Nocase.
type Match struct {
	Field      string
	Type       FieldType
	Equals     []string
	StartsWith []string
	Contains   []string
	Nocase     bool
}

// Signal is a weighted indicator, present when any of Any holds.
type Signal struct {
	Name        string
	Description string
	Weight      int
	Any         []Match
}

// MaxScore is the score of an event on which every signal is present.
func (r *Rule) MaxScore() int {
	s := r.Base
	for _, sig := range r.Signals {
		s += sig.Weight
	}
	return s
}

// AnySignalAlerts reports whether any single signal reaches the threshold,
// so "at least one signal" is exactly the alert condition. When false,
// backends must also compare the computed score with the threshold.
func (r *Rule) AnySignalAlerts() bool {
	for _, sig := range r.Signals {
		if r.Base+sig.Weight < r.Threshold {
			return false
		}
	}
	return true
}

// AlertingSets returns the minimal sets of signal indexes whose weights
// bring the score to the threshold: the alert condition written as an OR of
// ANDs, for targets that cannot add numbers (Sigma). Sets are in
// lexicographic index order, so the output is deterministic.
func (r *Rule) AlertingSets() [][]int {
	var out [][]int
	var walk func(start, score int, set []int)
	walk = func(start, score int, set []int) {
		if score >= r.Threshold {
			out = append(out, append([]int(nil), set...))
			return
		}
		for i := start; i < len(r.Signals); i++ {
			walk(i+1, score+r.Signals[i].Weight, append(set, i))
		}
	}
	walk(0, r.Base, nil)
	// walk stops at the first index that reaches the threshold, but a set
	// found later may still contain an earlier, smaller one; drop those.
	var minimal [][]int
	for i, s := range out {
		keep := true
		for j, t := range out {
			if i != j && len(t) < len(s) && subset(t, s) {
				keep = false
				break
			}
		}
		if keep {
			minimal = append(minimal, s)
		}
	}
	return minimal
}

func subset(small, big []int) bool {
	in := map[int]bool{}
	for _, x := range big {
		in[x] = true
	}
	for _, x := range small {
		if !in[x] {
			return false
		}
	}
	return true
}
