package testrun

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/detgen/detgen/internal/plural"
	"github.com/detgen/detgen/ir"
)

// Summary counts a run: the rules tested, their cases and the
// evaluations (one per case and evaluator).
type Summary struct {
	Rules, Cases, Evaluations, Passed, Failed int
}

// Summarize counts the results of a run over rules.
func Summarize(rules []*ir.Rule, results []Result) Summary {
	s := Summary{Rules: len(rules), Cases: len(results)}
	for _, r := range results {
		for _, c := range r.Cells {
			s.Evaluations++
			if c.Err != nil || !c.OK {
				s.Failed++
			} else {
				s.Passed++
			}
		}
	}
	return s
}

// String is the summary line, e.g. "test: 19 rules, 174 cases, 696
// evaluations: 696 passed, 0 failed".
func (s Summary) String() string {
	return fmt.Sprintf("test: %s, %s, %s: %d passed, %d failed",
		plural.N(s.Rules, "rule"), plural.N(s.Cases, "case"), plural.N(s.Evaluations, "evaluation"), s.Passed, s.Failed)
}

// Failure is one evaluation that disagreed with the spec, or errored.
type Failure struct {
	Rule      *ir.Rule
	Case      string
	Evaluator string // "reference" or a target name
	Msg       string // how it disagreed: expected vs got, score, signals
}

func (f Failure) String() string {
	return fmt.Sprintf("FAIL %s: %s / %s: %s", f.Rule.SourceFile, f.Rule.Name, f.Case, f.Msg)
}

// Failures lists every failed evaluation, in result and column order.
func Failures(results []Result) []Failure {
	var out []Failure
	for _, r := range results {
		for _, col := range Columns {
			c, ok := r.Cells[col]
			if !ok || (c.Err == nil && c.OK) {
				continue
			}
			out = append(out, Failure{Rule: r.Rule, Case: r.Case.Name, Evaluator: col, Msg: explain(r, col, c)})
		}
	}
	return out
}

// explain says how one cell disagrees: the evaluator, expected against
// got for the match and the score, and for the reference the signals that
// are missing or unexpected; a declared divergence is named as such.
func explain(r Result, col string, c Cell) string {
	if c.Err != nil {
		return fmt.Sprintf("%s: error: %v", col, c.Err)
	}
	want, what := r.Expected, "expected"
	if d, ok := r.Case.Differs[col]; ok {
		want, what = d.Outcome, "declared divergence expects"
	}
	exp := Verdict{Match: want.Match, Score: want.Score, HasScore: c.Verdict.HasScore}
	var parts []string
	switch {
	case c.Verdict.Match != want.Match:
		parts = append(parts, fmt.Sprintf("%s %s, got %s", what, exp, c.Verdict))
	case c.Verdict.HasScore && c.Verdict.Score != want.Score:
		parts = append(parts, fmt.Sprintf("%s score %d, got score %d", what, want.Score, c.Verdict.Score))
	}
	if col == "reference" && want.Match && c.Verdict.Match {
		missing := without(want.Signals, c.Verdict.Signals)
		extra := without(c.Verdict.Signals, want.Signals)
		if len(missing)+len(extra) > 0 {
			s := "signals differ:"
			if len(missing) > 0 {
				s += " missing " + strings.Join(missing, ", ")
				if len(extra) > 0 {
					s += ";"
				}
			}
			if len(extra) > 0 {
				s += " unexpected " + strings.Join(extra, ", ")
			}
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%s %s, got %s", what, exp, c.Verdict))
	}
	return col + ": " + strings.Join(parts, "; ")
}

// without is a minus b, in a's order.
func without(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

// Report writes what detgen test prints: every failure (or, verbose, the
// whole table), the summary line, and a last line of the form
// "N passed, N failed" that CI log readers count.
func Report(w io.Writer, rules []*ir.Rule, results []Result, verbose bool) Summary {
	if verbose {
		Print(w, results)
	} else {
		for _, f := range Failures(results) {
			fmt.Fprintln(w, f)
		}
	}
	s := Summarize(rules, results)
	fmt.Fprintln(w, s)
	fmt.Fprintf(w, "%d passed, %d failed\n", s.Passed, s.Failed)
	return s
}

// JUnit XML, as CI systems read it (Jenkins, GitLab, GitHub test
// reporters): one testsuite per rule, one testcase per case and evaluator.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	File     string      `xml:"file,attr,omitempty"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the run as JUnit XML. A rule without tests is an
// empty testsuite; a declared divergence passes, its reason in system-out.
func WriteJUnit(w io.Writer, rules []*ir.Rule, results []Result) error {
	byRule := map[*ir.Rule][]Result{}
	for _, r := range results {
		byRule[r.Rule] = append(byRule[r.Rule], r)
	}
	doc := junitSuites{Name: "detgen test"}
	for _, rule := range rules {
		suite := junitSuite{Name: rule.Name, File: rule.SourceFile}
		for _, r := range byRule[rule] {
			for _, col := range Columns {
				c, ok := r.Cells[col]
				if !ok {
					continue
				}
				tc := junitCase{Name: r.Case.Name + " [" + col + "]", Classname: rule.Name, File: rule.SourceFile}
				switch {
				case c.Err != nil:
					msg := explain(r, col, c)
					tc.Error = &junitProblem{Message: msg, Type: "error", Text: msg}
					suite.Errors++
				case !c.OK:
					msg := explain(r, col, c)
					tc.Failure = &junitProblem{Message: msg, Type: "mismatch", Text: msg}
					suite.Failures++
				case c.Declared != "":
					tc.SystemOut = "declared divergence: " + c.Declared
				}
				suite.Tests++
				suite.Cases = append(suite.Cases, tc)
			}
		}
		doc.Tests += suite.Tests
		doc.Failures += suite.Failures
		doc.Errors += suite.Errors
		doc.Suites = append(doc.Suites, suite)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
