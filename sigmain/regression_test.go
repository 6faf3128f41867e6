package sigmain_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/internal/corpora"
	"github.com/detgen/detgen/sigmain"
	"github.com/detgen/detgen/testrun"
	"gopkg.in/yaml.v3"
)

const regressionFile = "testdata/sigmahq-regression.tsv"

// TestSigmaHQRegressionCases runs each of SigmaHQ's regression cases
// (regression_data/**/info.yml: a rule id and real events the rule must
// match) through its rule converted by detgen, on the reference and on
// each target's artifact run as the SIEM stores the events. Per case and
// evaluator the outcome (fired, missed, or refused with the reason) is
// compared with the checked-in testdata/sigmahq-regression.tsv; -update
// rewrites it. A case fires when any of its events matches.
func TestSigmaHQRegressionCases(t *testing.T) {
	root := corpora.Dir(t, "sigmahq")
	dirs, _ := filepath.Glob(filepath.Join(root, "rules*"))
	sort.Strings(dirs)
	results, errs := sigmain.Load(dirs)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	byID := map[string]*sigmain.Result{}
	for _, r := range results {
		if r.Kind == sigmain.KindRule {
			byID[r.ID] = r
		}
	}
	infos, _ := filepath.Glob(filepath.Join(root, "regression_data", "**", "info.yml"))
	filepath.WalkDir(filepath.Join(root, "regression_data"), func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == "info.yml" {
			infos = append(infos, p)
		}
		return nil
	})
	infos = dedupe(infos)
	evaluators := append([]string{"reference"}, driver.TargetNames()...)
	fired := map[string]int{}
	var lines []string
	for _, info := range infos {
		rel, _ := filepath.Rel(root, filepath.Dir(info))
		id, events, err := regressionCase(info)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		res := byID[id]
		for _, ev := range evaluators {
			outcome := caseOutcome(res, ev, events)
			if outcome == "fired" {
				fired[ev]++
			}
			lines = append(lines, rel+"\t"+ev+"\t"+outcome)
		}
	}
	sort.Strings(lines)
	head := fmt.Sprintf("# SigmaHQ regression cases (%d) through detgen: per case and evaluator, fired / missed / refused.\n", len(infos))
	for _, ev := range evaluators {
		head += fmt.Sprintf("# %s: %d of %d fired (%.1f%%)\n", ev, fired[ev], len(infos), 100*float64(fired[ev])/float64(max(1, len(infos))))
	}
	text := head + strings.Join(lines, "\n") + "\n"
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		os.WriteFile(regressionFile, []byte(text), 0o644)
		return
	}
	want, _ := os.ReadFile(regressionFile)
	if string(want) != text {
		t.Errorf("regression outcomes changed (go test ./sigmain -run Regression -update, then review):\n%s", head)
	}
}

func dedupe(s []string) []string {
	sort.Strings(s)
	var out []string
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// regressionCase reads info.yml and the events beside it (a JSON file of
// one or more objects, possibly pretty-printed one after another).
func regressionCase(info string) (string, [][]byte, error) {
	data, err := os.ReadFile(info)
	if err != nil {
		return "", nil, err
	}
	var meta struct {
		RuleMetadata []struct {
			ID string `yaml:"id"`
		} `yaml:"rule_metadata"`
	}
	if err := yaml.Unmarshal(data, &meta); err != nil || len(meta.RuleMetadata) == 0 {
		return "", nil, fmt.Errorf("info.yml names no rule")
	}
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(info), "*.json"))
	var events [][]byte
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return "", nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		for {
			var v json.RawMessage
			if err := dec.Decode(&v); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return "", nil, fmt.Errorf("%s: %v", filepath.Base(f), err)
			}
			events = append(events, v)
		}
	}
	return meta.RuleMetadata[0].ID, events, nil
}

// caseOutcome runs one case on one evaluator.
func caseOutcome(res *sigmain.Result, evaluator string, events [][]byte) string {
	if res == nil {
		return "refused\tthe rule is not in the corpus's rule folders"
	}
	if res.Rule == nil {
		return "refused\t" + sigmain.Reason(res.Refused[0])
	}
	var artifact []byte
	if evaluator != "reference" {
		tg, _ := driver.LookupTarget(evaluator)
		art, errs, _ := driver.GenerateOne(res.Rule, tg)
		if len(errs) > 0 {
			return "refused\t" + sigmain.Reason(errs[0])
		}
		artifact = art.Data
	}
	e, err := testrun.NewEvaluator(res.Rule, evaluator, artifact)
	if err != nil {
		return "error\t" + err.Error()
	}
	read, err := testrun.ReaderFor(res.Rule.Logsource)
	if err != nil {
		return "error\t" + err.Error()
	}
	for _, raw := range events {
		ev, form, err := read(raw)
		if err != nil {
			continue
		}
		v, err := e.Eval(raw, ev, form)
		if err != nil {
			return "error\t" + err.Error()
		}
		if v.Match {
			return "fired"
		}
	}
	return "missed"
}
