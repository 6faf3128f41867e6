package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// scoredFailingRule scaffolds a rule, gives it a scoring model and makes
// its matching case expect one signal too many: the reference then
// differs in score and signals, QRadar, Chronicle and Sigma (whose rule
// carries its signals) in score.
func scoredFailingRule(t *testing.T) (dir, spec string) {
	t.Helper()
	dir, spec = scaffoldRule(t)
	src, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(src), "  condition: selection\n", `  condition: selection
  scoring:
    threshold: 5
    signals:
      - name: present
        description: the selection holds
        weight: 5
        when: selection
      - name: absent
        description: never with the condition
        weight: 3
        when: not selection
`, 1)
	s = strings.Replace(s, "expect: {match: true}", "expect: {match: true, score: 8, signals: [present, absent]}", 1)
	if s == string(src) {
		t.Fatal("scaffolded spec has changed shape")
	}
	os.WriteFile(spec, []byte(s), 0o644)
	return dir, spec
}

var summaryRE = regexp.MustCompile(`(?m)^test: 1 rule, 2 cases, 8 evaluations: (\d+) passed, (\d+) failed\n(\d+) passed, (\d+) failed\n\z`)

// TestTestPrintsFailuresAndSummary: by default detgen test prints each
// failure (which evaluator, expected against got, the signals that
// differ) and a summary, not the table; --verbose prints the table.
func TestTestPrintsFailuresAndSummary(t *testing.T) {
	dir, spec := scoredFailingRule(t)
	code, out, errOut := detgen(t, "test", "--rules", dir)
	if code != 1 || !strings.Contains(errOut, "detgen: 4 of 8 evaluations disagreed with the spec") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	m := summaryRE.FindStringSubmatch(out)
	if m == nil || m[1] != "4" || m[2] != "4" || m[3] != "4" || m[4] != "4" {
		t.Errorf("no summary of 4 passed, 4 failed ending the output:\n%s", out)
	}
	prefix := "FAIL " + spec + ": scheduled_task_from_a_shell / placeholder event that matches (replace with an attack event): "
	for _, want := range []string{
		prefix + "reference: expected score 8, got score 5; signals differ: missing absent\n",
		prefix + "qradar: expected score 8, got score 5\n",
		prefix + "chronicle: expected score 8, got score 5\n",
		prefix + "sigma: expected score 8, got score 5\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "REFERENCE") {
		t.Errorf("passing evaluations or the table printed by default:\n%s", out)
	}
	if n := strings.Count(out, "\n"); n != 6 {
		t.Errorf("%d lines, want 4 failures and 2 summary lines:\n%s", n, out)
	}

	// A mismatch of the match itself says expected and got.
	src, _ := os.ReadFile(spec)
	os.WriteFile(spec, []byte(strings.Replace(string(src), "expect: {match: false}", "expect: {match: true, score: 5, signals: [present]}", 1)), 0o644)
	_, out, _ = detgen(t, "test", "--rules", dir)
	if !strings.Contains(out, "placeholder near miss that must not match: qradar: expected match 5, got no match\n") ||
		!strings.Contains(out, "placeholder near miss that must not match: sigma: expected match, got no match\n") {
		t.Errorf("match mismatch not explained:\n%s", out)
	}

	code, out, _ = detgen(t, "test", "--verbose", "--rules", dir)
	if code != 1 || !strings.Contains(out, "REFERENCE") || !strings.Contains(out, "FAIL") || !strings.HasSuffix(out, "passed, 8 failed\n") {
		t.Errorf("--verbose: exit %d\n%s", code, out)
	}
}

// TestTestPassingSummary: a passing run prints only the summary lines.
func TestTestPassingSummary(t *testing.T) {
	dir, _ := scaffoldRule(t)
	code, out, _ := detgen(t, "test", "--rules", dir)
	if code != 0 || out != "test: 1 rule, 2 cases, 8 evaluations: 8 passed, 0 failed\n8 passed, 0 failed\n" {
		t.Errorf("exit %d:\n%q", code, out)
	}
	if code, _, errOut := detgen(t, "test", "--format", "xml"); code != 2 || !strings.Contains(errOut, `unknown format "xml"`) {
		t.Errorf("--format xml: exit %d %s", code, errOut)
	}
	if code, _, errOut := detgen(t, "test", "--out", "x.xml"); code != 2 || !strings.Contains(errOut, "--out needs --format junit") {
		t.Errorf("--out alone: exit %d %s", code, errOut)
	}
}

type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// TestTestJUnit: --format junit --out FILE writes JUnit XML that parses,
// one testsuite per rule and one testcase per case and evaluator, with
// the failure messages of the text report; stdout keeps the text report.
func TestTestJUnit(t *testing.T) {
	dir, _ := scoredFailingRule(t)
	file := filepath.Join(t.TempDir(), "junit.xml")
	code, out, errOut := detgen(t, "test", "--rules", dir, "--format", "junit", "--out", file)
	if code != 1 || !strings.HasSuffix(out, "4 passed, 4 failed\n") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("JUnit XML does not parse: %v\n%s", err, data)
	}
	if doc.Tests != 8 || doc.Failures != 4 || len(doc.Suites) != 1 {
		t.Fatalf("tests %d, failures %d, %d suites; want 8, 4, 1\n%s", doc.Tests, doc.Failures, len(doc.Suites), data)
	}
	s := doc.Suites[0]
	if s.Name != "scheduled_task_from_a_shell" || s.Tests != 8 || s.Failures != 4 || len(s.Cases) != 8 {
		t.Errorf("suite %s: %d tests, %d failures, %d cases", s.Name, s.Tests, s.Failures, len(s.Cases))
	}
	failed := map[string]string{}
	for _, c := range s.Cases {
		if c.Classname != s.Name {
			t.Errorf("case %s: classname %s", c.Name, c.Classname)
		}
		if c.Failure != nil {
			failed[c.Name] = c.Failure.Message
		}
	}
	for name, msg := range map[string]string{
		"placeholder event that matches (replace with an attack event) [reference]": "reference: expected score 8, got score 5; signals differ: missing absent",
		"placeholder event that matches (replace with an attack event) [qradar]":    "qradar: expected score 8, got score 5",
		"placeholder event that matches (replace with an attack event) [chronicle]": "chronicle: expected score 8, got score 5",
		"placeholder event that matches (replace with an attack event) [sigma]":     "sigma: expected score 8, got score 5",
	} {
		if failed[name] != msg {
			t.Errorf("testcase %q: failure %q, want %q", name, failed[name], msg)
		}
	}
	// Without --out the XML goes to stdout.
	_, out, _ = detgen(t, "test", "--rules", dir, "--format", "junit")
	if err := xml.Unmarshal([]byte(out), &doc); err != nil || doc.Tests != 8 {
		t.Errorf("junit on stdout: %v\n%s", err, out)
	}
}
