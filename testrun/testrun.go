// Package testrun executes every test case of a rule four ways: the spec's
// own meaning (eval/reference) and each generated artifact in an evaluator
// of its language (the AQL executor, the YARA-L evaluator, sigma-go). Any
// disagreement with the expected outcome fails, unless the spec declares
// it for that target with a reason.
package testrun

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/eval/reference"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/mappings"
	"github.com/detgen/detgen/reader"
	"github.com/detgen/detgen/record"
)

// Verdict is one evaluator's conclusion on one event.
type Verdict struct {
	Match    bool
	Score    int
	HasScore bool     // the evaluator computes a score (Sigma does not)
	Signals  []string // reference only
	// Alerts are an aggregation's groups that fired (Match: any did).
	Alerts    []ir.Alert
	Aggregate bool
}

func (v Verdict) String() string {
	if v.Aggregate {
		if len(v.Alerts) == 0 {
			return "no alert"
		}
		return fmt.Sprintf("%d alert%s", len(v.Alerts), map[bool]string{true: "", false: "s"}[len(v.Alerts) == 1])
	}
	if !v.Match {
		return "no match"
	}
	if !v.HasScore {
		return "match"
	}
	return fmt.Sprintf("match %d", v.Score)
}

// ErrNoArtifact marks a target whose artifact was not given to Run.
var ErrNoArtifact = errors.New("no artifact for this target: the evaluator did not run")

// Cell is one evaluator's result on one case, judged.
type Cell struct {
	// Excluded: the spec excludes the target (Declared holds why).
	Excluded bool
	Verdict  Verdict
	OK       bool   // agrees with what the spec expects of this evaluator
	Declared string // reason of a declared divergence, when the spec has one
	Err      error
}

// Result is one test case of one rule.
type Result struct {
	Rule     *ir.Rule
	Case     ir.Test
	Expected ir.Outcome
	Cells    map[string]Cell // "reference" and one per target
}

// Columns are the evaluators, in table order.
var Columns = []string{"reference", "qradar", "chronicle", "sigma"}

// runner evaluates one artifact on one record.
type runner interface {
	run(raw []byte, ev map[string]any, form string) (Verdict, error)
}

type sigmaAdapter struct{ s *sigmaRunner }

func (a sigmaAdapter) run(_ []byte, ev map[string]any, _ string) (Verdict, error) {
	return a.s.run(ev)
}

// Run executes every test case of every rule against every artifact, the
// rules in parallel (each has its own evaluators); results keep rule order.
func Run(rules []*ir.Rule, arts []driver.Artifact) ([]Result, error) {
	byRule := map[*ir.Rule][]driver.Artifact{}
	for _, a := range arts {
		byRule[a.Rule] = append(byRule[a.Rule], a)
	}
	results := make([][]Result, len(rules))
	errs := make([]error, len(rules))
	driver.Parallel(len(rules), func(i int) {
		results[i], errs[i] = runRule(rules[i], byRule[rules[i]])
	})
	var out []Result
	for i := range rules {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out = append(out, results[i]...)
	}
	return out, nil
}

// runRule executes every test case of r against the reference and r's
// artifacts.
func runRule(r *ir.Rule, arts []driver.Artifact) ([]Result, error) {
	var out []Result
	ref, err := reference.New(r)
	if err != nil {
		return nil, err
	}
	read, err := ReaderFor(r.Logsource)
	if err != nil {
		return nil, err
	}
	runners := map[string]runner{}
	for _, a := range arts {
		if a.Rule != r {
			continue
		}
		var rn runner
		switch a.Target.Name {
		case "qradar":
			rn, err = newQRadarRunner(r, a.Data)
		case "chronicle":
			rn, err = newChronicleRunner(r, a.Data)
		case "sigma":
			var s *sigmaRunner
			s, err = newSigmaRunner(r, a.Data)
			rn = sigmaAdapter{s}
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", r.SourceFile, a.Target.Name, err)
		}
		runners[a.Target.Name] = rn
	}
	for _, tc := range r.Tests {
		// Events a build left in their files are read now.
		if err := tc.LoadEvents(); err != nil {
			return nil, fmt.Errorf("%s: %w", r.SourceFile, err)
		}
		if r.Aggregate != nil || r.Sequence != nil {
			res, err := runSequence(r, tc, ref, read, runners)
			if err != nil {
				return nil, err
			}
			out = append(out, res)
			continue
		}
		res := Result{Rule: r, Case: tc, Expected: tc.Expect, Cells: map[string]Cell{}}
		ev, form, err := read(tc.Event)
		if err != nil {
			return nil, fmt.Errorf("%s: test %q: %w", r.SourceFile, tc.Name, err)
		}
		rv := ref.Evaluate(ev)
		refVerdict := Verdict{Match: rv.Match, Score: rv.Score, HasScore: r.Scoring != nil, Signals: rv.Signals}
		res.Cells["reference"] = judge(refVerdict, tc.Expect, "", true)
		for _, col := range Columns[1:] {
			rn, ok := runners[col]
			if reason, out := r.Excluded[col]; out && !ok {
				res.Cells[col] = Cell{OK: true, Declared: "excluded: " + reason, Excluded: true}
				continue
			}
			if !ok {
				// An evaluator that did not run is a failure, never a
				// silent pass.
				res.Cells[col] = Cell{Err: ErrNoArtifact}
				continue
			}
			v, err := rn.run(tc.Event, ev, form)
			if err != nil {
				res.Cells[col] = Cell{Err: err}
				continue
			}
			want, reason := tc.Expect, ""
			if d, ok := tc.Differs[col]; ok {
				want, reason = d.Outcome, d.Reason
			}
			res.Cells[col] = judge(v, want, reason, false)
		}
		out = append(out, res)
	}
	return out, nil
}

// judge compares a verdict with an expected outcome: the match always, the
// score when both have one, the signals for the reference only.
func judge(v Verdict, want ir.Outcome, reason string, signals bool) Cell {
	if v.Aggregate {
		return Cell{Verdict: v, OK: sameAlerts(v.Alerts, want.Alerts, signals), Declared: reason}
	}
	ok := v.Match == want.Match
	if ok && want.Match && v.HasScore && v.Score != want.Score {
		ok = false
	}
	if ok && want.Match && signals && !slices.Equal(v.Signals, want.Signals) {
		ok = false
	}
	return Cell{Verdict: v, OK: ok, Declared: reason}
}

// sameAlerts compares fired groups; values too when exact (the reference)
// and the expectation gives one.
func sameAlerts(got, want []ir.Alert, exact bool) bool {
	if len(got) != len(want) {
		return false
	}
	w := append([]ir.Alert(nil), want...)
	reference.SortAlerts(w)
	for i := range got {
		if !slices.Equal(got[i].Group, w[i].Group) {
			return false
		}
		if exact && w[i].Value >= 0 && got[i].Value != w[i].Value {
			return false
		}
	}
	return true
}

// Failed counts the cells that disagree or errored.
func Failed(results []Result) int {
	n := 0
	for _, r := range results {
		for _, c := range r.Cells {
			if c.Err != nil || !c.OK {
				n++
			}
		}
	}
	return n
}

// Print writes the table: rule, case, expected, then each evaluator.
// A declared divergence is marked with "*" and explained below the table.
func Print(w io.Writer, results []Result) {
	fmt.Fprintf(w, "%-44s  %-58s  %-9s", "RULE", "CASE", "EXPECTED")
	for _, c := range Columns {
		fmt.Fprintf(w, "  %-12s", strings.ToUpper(c))
	}
	fmt.Fprintln(w)
	var notes []string
	for _, r := range results {
		exp := Verdict{Match: r.Expected.Match, Score: r.Expected.Score, HasScore: r.Rule.Scoring != nil}
		fmt.Fprintf(w, "%-44s  %-58s  %-9s", clip(r.Rule.Name, 44), clip(r.Case.Name, 58), exp)
		for _, col := range Columns {
			c, ok := r.Cells[col]
			var s string
			switch {
			case !ok:
				s = "n/a"
			case c.Err != nil:
				s = "ERROR"
				notes = append(notes, fmt.Sprintf("%s / %s / %s: %v", r.Rule.Name, r.Case.Name, col, c.Err))
			case c.Excluded:
				s = "excluded"
			default:
				s = c.Verdict.String()
				if c.Declared != "" {
					s += "*"
					notes = append(notes, fmt.Sprintf("* %s / %s / %s (declared): %s", r.Rule.Name, r.Case.Name, col, c.Declared))
				}
				if !c.OK {
					s += " FAIL"
				}
			}
			fmt.Fprintf(w, "  %-12s", s)
		}
		fmt.Fprintln(w)
	}
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
}

func clip(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// fieldValues is every value of a logical field in an event, at the
// logsource catalog's paths.
func fieldValues(ls *mappings.Logsource, ev map[string]any, field string) []string {
	f, _ := ls.Field(field)
	var vs []string
	for _, p := range f.Paths {
		vs = append(vs, record.Values(ev, p)...)
	}
	return vs
}

// ReaderFor returns a function that decodes one raw record of a log
// source with the reader its catalog names.
func ReaderFor(logsource string) (func([]byte) (map[string]any, string, error), error) {
	ls, errs := mappings.LoadLogsource(logsource)
	if len(errs) > 0 {
		return nil, errs
	}
	format := ls.Format
	if format == "" {
		format = "json"
	}
	read, ok := reader.Lookup(format)
	if !ok {
		return nil, fmt.Errorf("logsource %s: unknown format %q", logsource, format)
	}
	return func(raw []byte) (map[string]any, string, error) {
		var rec map[string]any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&rec); err != nil {
			return nil, "", err
		}
		return read(rec)
	}, nil
}

// Evaluator runs one rule's artifact for one target (or the spec itself,
// target "reference") on records: what the SIEM would conclude.
type Evaluator struct {
	ref *reference.Evaluator
	run runner
}

// QRadarUnparsed is an evaluator of the QRadar artifact on a console whose
// shipped custom properties hold nothing (their JSON expressions did not
// parse the event): where the rule reads such a property, only its
// payload fallback can match. NewEvaluator takes it as a target name.
const QRadarUnparsed = "qradar-unparsed"

// NewEvaluator prepares the evaluation of r on target with its artifact
// (ignored for "reference").
func NewEvaluator(r *ir.Rule, target string, artifact []byte) (*Evaluator, error) {
	var err error
	e := &Evaluator{}
	switch target {
	case "reference":
		e.ref, err = reference.New(r)
	case "qradar", QRadarUnparsed:
		var q *qradarRunner
		q, err = newQRadarRunner(r, artifact)
		if q != nil {
			q.unparsed = target == QRadarUnparsed
		}
		e.run = q
	case "chronicle":
		e.run, err = newChronicleRunner(r, artifact)
	case "sigma":
		var s *sigmaRunner
		s, err = newSigmaRunner(r, artifact)
		e.run = sigmaAdapter{s}
	default:
		err = fmt.Errorf("unknown target %q", target)
	}
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Eval judges one record: raw as received, ev as its log source's reader
// returned it, form the reader's form.
func (e *Evaluator) Eval(raw []byte, ev map[string]any, form string) (Verdict, error) {
	if e.ref != nil {
		res := e.ref.Evaluate(ev)
		return Verdict{Match: res.Match, Score: res.Score, HasScore: true, Signals: res.Signals}, nil
	}
	return e.run.run(raw, ev, form)
}
