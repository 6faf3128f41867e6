package scan

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/eval/reference"
	"github.com/detgen/detgen/internal/corpora"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/k8saudit"
)

var update = flag.Bool("update", false, "rewrite testdata/corpus-results.tsv")

func shippedRules(t testing.TB) []*ir.Rule {
	t.Helper()
	rules, err := driver.LoadDir("../rules")
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

// TestCorpus runs the shipped rules over every real audit record of
// shared/corpora/k8s-audit (Event, GKE and AKS forms) and compares, per
// file and line, every hit and every record in a rule's scope with the
// checked-in testdata/corpus-results.tsv: a rule change that makes a real
// record fire, or stop being looked at, shows up here.
//
// It also checks the pre-filter against decoding everything: no record a
// rule's scope selects may be skipped.
func TestCorpus(t *testing.T) {
	dir := corpora.Dir(t, "k8s-audit")
	rules := shippedRules(t)
	s, err := New(rules)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".jsonl") {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatalf("no .jsonl files in %s", dir)
	}
	var got []string
	evals := map[string]*reference.Evaluator{}
	for _, r := range rules {
		evals[r.ID], _ = reference.New(r)
	}
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		type key struct {
			line int
			rule string
		}
		hits := map[key]bool{}
		_, err = s.Scan(bytes.NewReader(data), func(h Hit) {
			hits[key{h.Line, h.RuleID}] = true
			got = append(got, fmt.Sprintf("%s\t%d\thit\t%s\t%d\t%s", rel, h.Line, h.Rule, h.Score, strings.Join(h.Signals, ",")))
		}, func(line int, err error) {
			got = append(got, fmt.Sprintf("%s\t%d\tmalformed\t%v", rel, line, err))
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range bytes.Split(data, []byte("\n")) {
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			ev, _, err := k8saudit.Parse(line)
			if err != nil {
				continue
			}
			for _, r := range rules {
				if r.Aggregate != nil || r.Sequence != nil {
					continue // alerts on groups, not on lines: see the sequence tests
				}
				res := evals[r.ID].Evaluate(ev)
				if !res.Selected {
					continue
				}
				if !s.candidate(s.newWorker(), bytes.TrimSpace(line)) {
					t.Errorf("%s:%d: in the scope of %s but skipped by the pre-filter", rel, i+1, r.Name)
				}
				if res.Match != hits[key{i + 1, r.ID}] {
					t.Errorf("%s:%d: scan and reference disagree on %s", rel, i+1, r.Name)
				}
				if !res.Match {
					got = append(got, fmt.Sprintf("%s\t%d\tselected\t%s\t%d\t%s", rel, i+1, r.Name, res.Score, strings.Join(res.Signals, ",")))
				}
			}
		}
	}
	sort.Strings(got)
	const golden = "testdata/corpus-results.tsv"
	text := "# detgen scan over shared/corpora/k8s-audit: every hit and every record a rule's condition selects (scoring aside).\n# file\tline\tkind\trule\tscore\tsignals\n" + strings.Join(got, "\n") + "\n"
	if *update {
		os.WriteFile(golden, []byte(text), 0o644)
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != text {
		t.Errorf("corpus results changed (go test ./scan -run TestCorpus -update, then review):\n--- want\n%s\n--- got\n%s", want, text)
	}
}

func TestMalformedLinesAreReportedAndSkipped(t *testing.T) {
	s, err := New(shippedRules(t))
	if err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile("../rules/kubernetes/testdata/t1053.007/reverse-shell-cronjob.json")
	var compact bytes.Buffer
	json.Compact(&compact, good)
	input := strings.Join([]string{
		compact.String(),
		`{"kind":"Event","verb":"create","objectRef":{"resource":"cronjobs"`, // truncated
		"not json at all",
		"",
		`{"kind":"Event","verb":"create","objectRef":{"resource":"cronjobs"},"x":}`, // bad JSON, passes the pre-filter
		`{"hello":"world"}`,
		compact.String(),
	}, "\n")
	var bad []int
	var hits []int
	st, err := s.Scan(strings.NewReader(input), func(h Hit) {
		if h.Rule == "kubernetes_suspicious_cronjob_job_creation" {
			hits = append(hits, h.Line)
		}
	}, func(line int, err error) { bad = append(bad, line) }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(bad) != "[2 3 5]" || fmt.Sprint(hits) != "[1 7]" || st.Malformed != 3 || st.Blank != 1 || st.Lines != 7 {
		t.Errorf("bad %v hits %v stats %+v", bad, hits, st)
	}
}

func TestOverlongLineIsReported(t *testing.T) {
	s, err := New(shippedRules(t))
	if err != nil {
		t.Fatal(err)
	}
	long := "{" + strings.Repeat("x", MaxLine+10) + "}"
	input := long + "\n" + "\x00" + "\n" + `{"kind":"Event","verb":"get"}` + "\n"
	var bad []string
	st, err := s.Scan(strings.NewReader(input), func(Hit) {}, func(line int, err error) { bad = append(bad, fmt.Sprint(line, ": ", err)) }, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("[1: line longer than %d bytes 2: not a JSON object (truncated or corrupt line?)]", MaxLine)
	if fmt.Sprint(bad) != want || st.Lines != 3 || st.Bytes != int64(len(input)) {
		t.Errorf("bad %v, stats %+v", bad, st)
	}
}
