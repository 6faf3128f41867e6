// Package spec defines the detection-spec file format (one YAML file per
// rule under rules/) and decodes it strictly, keeping the position of every
// node so later stages can point at file:line:col.
//
// Spec is syntax only; package compile checks meaning and resolves fields.
package spec

import (
	"os"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/internal/strictyaml"
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
	Modified       string    `yaml:"modified"`
	Severity       string    `yaml:"severity" detgen:"required"`
	Confidence     string    `yaml:"confidence" detgen:"required"`
	Attack         Attack    `yaml:"attack" detgen:"required"`
	DataSources    []string  `yaml:"data_sources" detgen:"required"`
	References     []string  `yaml:"references"`
	FalsePositives []string  `yaml:"false_positives" detgen:"required"`
	Tuning         []string  `yaml:"tuning"`
	Testing        Testing   `yaml:"testing"`
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

// Detection is the detection logic: which events are in scope, which are
// excluded, and how the remaining ones are scored.
type Detection struct {
	Pos        diag.Pos
	Scope      []Match `yaml:"scope" detgen:"required"`
	Exclusions []Match `yaml:"exclusions"`
	Scoring    Scoring `yaml:"scoring" detgen:"required"`
}

// Match tests one logical field. It holds when the field equals any value
// of Equals, starts with any of StartsWith or contains any of Contains.
type Match struct {
	Pos        diag.Pos
	Keys       diag.Keys
	Field      string   `yaml:"field" detgen:"required"`
	Equals     []string `yaml:"equals"`
	StartsWith []string `yaml:"startswith"`
	Contains   []string `yaml:"contains"`
	Nocase     bool     `yaml:"nocase"`
}

// Scoring is the weighted signal model: score = Base + the weights of the
// signals present; an event alerts when score >= Threshold.
type Scoring struct {
	Pos       diag.Pos
	Keys      diag.Keys
	Base      int      `yaml:"base"`
	Threshold int      `yaml:"threshold" detgen:"required"`
	Signals   []Signal `yaml:"signals" detgen:"required"`
}

// Signal is one named, weighted indicator; it is present when any of its
// matches holds.
type Signal struct {
	Pos         diag.Pos
	Keys        diag.Keys
	Name        string  `yaml:"name" detgen:"required"`
	Description string  `yaml:"description" detgen:"required"`
	Weight      int     `yaml:"weight" detgen:"required"`
	Match       []Match `yaml:"match" detgen:"required"`
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

// Load reads and parses the spec at path.
func Load(path string) (*Rule, diag.List) {
	src, err := os.ReadFile(path)
	if err != nil {
		var errs diag.List
		errs.Add(diag.Pos{File: path}, "%v", err)
		return nil, errs
	}
	return Parse(path, src)
}
