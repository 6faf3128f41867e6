// Package spec defines the detection-spec file format (one YAML file per
// rule under rules/) and decodes it strictly, keeping the position of every
// node so later stages can point at file:line:col.
//
// Spec is syntax only; package compile checks meaning and resolves fields.
package spec

import (
	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/internal/input"
	"github.com/detgen/detgen/internal/strictyaml"
	"gopkg.in/yaml.v3"
)

// Rule is one detection spec as written.
type Rule struct {
	Pos            diag.Pos
	Keys           diag.Keys
	ID             string    `yaml:"id" detgen:"required"`
	Name           string    `yaml:"name" detgen:"required"`
	Title          string    `yaml:"title" detgen:"required"`
	Version        int       `yaml:"version" detgen:"required"`
	Status         string    `yaml:"status" detgen:"required"`
	Description    string    `yaml:"description" detgen:"required"`
	Author         string    `yaml:"author" detgen:"required"`
	Date           string    `yaml:"date" detgen:"required"`
	Modified       string    `yaml:"modified" detgen:"required"`
	Changelog      []Change  `yaml:"changelog" detgen:"required"`
	Severity       string    `yaml:"severity" detgen:"required"`
	Confidence     string    `yaml:"confidence" detgen:"required"`
	Attack         Attack    `yaml:"attack" detgen:"required"`
	DataSources    []string  `yaml:"data_sources" detgen:"required"`
	References     []string  `yaml:"references"`
	FalsePositives []string  `yaml:"false_positives" detgen:"required"`
	Tuning         []string  `yaml:"tuning"`
	Testing        Testing   `yaml:"testing"`
	Tests          []Test    `yaml:"tests"`
	Tags           []string  `yaml:"tags"`
	QRadar         QRadar    `yaml:"qradar"`
	Chronicle      Chronicle `yaml:"chronicle"`
	Exclude        []Exclude `yaml:"exclude_targets"`
	Logsource      string    `yaml:"logsource" detgen:"required"`
	Detection      Detection `yaml:"detection" detgen:"required"`
}

// Attack is the MITRE ATT&CK mapping.
type Attack struct {
	Pos          diag.Pos
	Keys         diag.Keys
	Tactics      []Ref  `yaml:"tactics" detgen:"required"`
	Technique    Ref    `yaml:"technique" detgen:"required"`
	Subtechnique Ref    `yaml:"subtechnique"`
	URL          string `yaml:"url" detgen:"required"`
}

// Change is one changelog line: which version, when, what changed.
type Change struct {
	Pos     diag.Pos
	Keys    diag.Keys
	Version int    `yaml:"version" detgen:"required"`
	Date    string `yaml:"date" detgen:"required"`
	Change  string `yaml:"change" detgen:"required"`
}

// Ref names one ATT&CK object by id and name.
type Ref struct {
	Pos  diag.Pos
	Keys diag.Keys
	ID   string `yaml:"id" detgen:"required"`
	Name string `yaml:"name" detgen:"required"`
}

// Testing is the human test methodology of the seed pages.
type Testing struct {
	Pos         diag.Pos
	Methodology string     `yaml:"methodology"`
	Cases       []TestCase `yaml:"cases"`
}

// TestCase is one adversary scenario and the telemetry it should leave.
type TestCase struct {
	Pos      diag.Pos
	Name     string `yaml:"name" detgen:"required"`
	Expected string `yaml:"expected" detgen:"required"`
}

// Test is one executable test case: an audit record and what the rule
// must conclude about it. The record is inline (Event) or in a JSON file
// beside the spec (EventFile, relative to the spec's directory).
type Test struct {
	Pos         diag.Pos
	Keys        diag.Keys
	Name        string    `yaml:"name" detgen:"required"`
	Constructed bool      `yaml:"constructed"`
	Source      string    `yaml:"source"`
	Event       yaml.Node `yaml:"event"`
	EventFile   string    `yaml:"event_file"`
	Events      []SeqItem `yaml:"events"`
	Expect      Expect    `yaml:"expect" detgen:"required"`
	Differs     []Differs `yaml:"differs"`
}

// SeqItem is one entry of an aggregation test's event sequence: an event
// (inline or a file) at an offset from the start, optionally repeated
// every interval, with Vary's value suffixed "-1", "-2", ... per repeat.
type SeqItem struct {
	Pos       diag.Pos
	Keys      diag.Keys
	Event     yaml.Node `yaml:"event"`
	EventFile string    `yaml:"event_file"`
	At        string    `yaml:"at"`
	Repeat    int       `yaml:"repeat"`
	Every     string    `yaml:"every"`
	Vary      string    `yaml:"vary"` // a dotted JSON path in the event
}

// AlertSpec is one group an aggregation test expects to fire.
type AlertSpec struct {
	Pos   diag.Pos
	Keys  diag.Keys
	Group []string `yaml:"group" detgen:"required"`
	Value int      `yaml:"value"` // 0: not checked
}

// Expect is the outcome the spec itself gives: match or not, and for a
// match the score and the signals present.
type Expect struct {
	Pos     diag.Pos
	Keys    diag.Keys
	Match   bool        `yaml:"match" detgen:"required"`
	Score   int         `yaml:"score"`
	Signals []string    `yaml:"signals"`
	Alerts  []AlertSpec `yaml:"alerts"`
}

// Differs declares that one target cannot reproduce the expected outcome
// because of its data model, with the reason and what it concludes instead.
type Differs struct {
	Pos    diag.Pos
	Keys   diag.Keys
	Target string      `yaml:"target" detgen:"required"`
	Match  bool        `yaml:"match"`
	Score  int         `yaml:"score"`
	Alerts []AlertSpec `yaml:"alerts"` // an aggregation rule's, as in Expect
	Reason string      `yaml:"reason" detgen:"required"`
}

// Detection is the detection logic: named selections of field tests
// written as Sigma writes them, a condition over them, and an optional
// scoring layer. Package detection reads Selections.
type Detection struct {
	Pos        diag.Pos
	Keys       diag.Keys
	Selections yaml.Node `yaml:"selections" detgen:"required"`
	Condition  string    `yaml:"condition" detgen:"required"`
	Scoring    Scoring   `yaml:"scoring"`
	Aggregate  Aggregate `yaml:"aggregate"`
	Sequence   Sequence  `yaml:"sequence"`
}

// Sequence correlates detections of the rule's log source: per group of
// the join fields, within the window, each step's condition selects at
// least min events, in step order when ordered.
type Sequence struct {
	Pos     diag.Pos
	Keys    diag.Keys
	Steps   []Step   `yaml:"steps" detgen:"required"`
	Ordered bool     `yaml:"ordered"`
	Join    []string `yaml:"join"`
	Window  string   `yaml:"window" detgen:"required"`
}

// Step is one detection of a sequence.
type Step struct {
	Pos  diag.Pos
	Keys diag.Keys
	Name string `yaml:"name" detgen:"required"`
	When string `yaml:"when" detgen:"required"` // a condition over the selections
	Min  int    `yaml:"min"`                    // default 1
}

// Aggregate turns the detection into a threshold over groups of the
// events it selects, within a sliding window.
type Aggregate struct {
	Pos       diag.Pos
	Keys      diag.Keys
	Function  string    `yaml:"function" detgen:"required"` // count, distinct_count, sum, avg
	Field     string    `yaml:"field"`
	GroupBy   []string  `yaml:"group_by"`
	Window    string    `yaml:"window" detgen:"required"` // 30s, 10m, 2h, 1d
	Threshold Threshold `yaml:"threshold" detgen:"required"`
}

// Threshold is a lower bound on the aggregate: gt or gte.
type Threshold struct {
	Pos  diag.Pos
	Keys diag.Keys
	GT   *int `yaml:"gt"`
	GTE  *int `yaml:"gte"`
	LT   *int `yaml:"lt"`
	LTE  *int `yaml:"lte"`
	EQ   *int `yaml:"eq"`
}

// Scoring is the optional weighted signal model: score = Base + the
// weights of the signals present; an event that meets the condition
// alerts when score >= Threshold.
type Scoring struct {
	Pos       diag.Pos
	Keys      diag.Keys
	Base      int      `yaml:"base"`
	Threshold int      `yaml:"threshold" detgen:"required"`
	Signals   []Signal `yaml:"signals" detgen:"required"`
}

// Signal is one named, weighted indicator; it is present when When, a
// condition over the selections, holds.
type Signal struct {
	Pos         diag.Pos
	Keys        diag.Keys
	Name        string `yaml:"name" detgen:"required"`
	Description string `yaml:"description" detgen:"required"`
	Weight      int    `yaml:"weight" detgen:"required"`
	When        string `yaml:"when" detgen:"required"`
}

// Exclude declares a target the rule is not compiled for, and why: a
// construct the target cannot express faithfully.
type Exclude struct {
	Pos    diag.Pos
	Keys   diag.Keys
	Target string `yaml:"target" detgen:"required"`
	Reason string `yaml:"reason" detgen:"required"`
}

// Chronicle holds per-rule choices for the YARA-L output.
type Chronicle struct {
	Pos  diag.Pos
	Keys diag.Keys
	// LogTypes restricts the rule to some of its log source's log types
	// (an aggregation over a field one log type lacks).
	LogTypes []string `yaml:"log_types"`
}

// QRadar holds per-rule overrides of the QRadar search layout.
type QRadar struct {
	Pos   diag.Pos
	Keys  diag.Keys
	Last  string `yaml:"last"`
	Limit int    `yaml:"limit"`
}

// Parse decodes one spec. file names the input in error positions.
func Parse(file string, src []byte) (*Rule, diag.List) {
	var r Rule
	errs := strictyaml.Decode(file, src, &r)
	if r.Pos.File == "" {
		r.Pos = diag.Pos{File: file}
	}
	return &r, errs
}

// Load reads and parses the spec at path, which must be a regular file of
// at most input.MaxSpec bytes.
func Load(path string) (*Rule, diag.List) {
	src, err := input.Read(path, "a spec", input.MaxSpec)
	if err != nil {
		var errs diag.List
		errs.Add(diag.Pos{File: path}, "%v", err)
		return nil, errs
	}
	return Parse(path, src)
}
