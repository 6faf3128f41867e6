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

	Tags []string // free tags, carried into the Sigma output

	// QRadarLast and QRadarLimit override the log source's search window
	// ("24 HOURS") and row limit; empty and zero keep the defaults.
	QRadarLast  string
	QRadarLimit int
	// ChronicleLogTypes, when set, restricts the YARA-L rule to these of
	// the log source's log types.
	ChronicleLogTypes []string

	Logsource string
	// Condition selects the events the rule is about (see expr.go).
	Condition Expr
	// Scoring is the optional weighted-signal layer: when set, an event
	// that meets Condition alerts only when its score reaches the
	// threshold.
	Scoring *Scoring
	// Aggregate, when set, alerts on groups of selected events instead
	// of on single events.
	Aggregate *Aggregate
	// Sequence, when set, alerts on groups of events matching its steps
	// (Condition then selects the events any step may use).
	Sequence *Sequence
	// Excluded names targets the rule does not compile for, with the
	// reason (a construct the target cannot express faithfully).
	Excluded map[string]string
	// Inputs are the files besides the spec that compile read or checked
	// (test event files), in spec order, for build caches.
	Inputs []string
}

// Scoring is the weighted-signal model: score = Base + the weights of the
// signals present; an event alerts when score >= Threshold.
type Scoring struct {
	Base      int
	Threshold int
	Signals   []Signal
}

// Signal is a weighted indicator, present when When holds.
type Signal struct {
	Name        string
	Description string
	Weight      int
	When        Expr
}

// Test is an executable test case of the rule.
type Test struct {
	Name        string
	Constructed bool   // the event was written for the test, not captured
	Source      string // where a captured event came from
	Event       []byte // the audit record, JSON as received (key order kept)
	// Sequence holds the events of an aggregation test, in time order
	// (Event is then empty).
	Sequence []TimedEvent
	Expect   Outcome
	// Differs holds, per target name, the outcome a target is declared to
	// reach instead of Expect, because of its data model.
	Differs map[string]Divergence
	// Load, when set, reads Event and Sequence from their files (see
	// LoadEvents); compile sets it when asked not to read test events.
	Load *Loader
}

// Outcome is what a rule concludes about one event.
type Outcome struct {
	// Alerts, for an aggregation rule, are the groups that must fire;
	// Match is then "some group fires".
	Alerts  []Alert
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
