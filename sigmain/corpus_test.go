package sigmain

import (
	"flag"
	"fmt"
	"github.com/detgen/detgen/internal/linediff"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/internal/corpora"
	"github.com/detgen/detgen/lint"
)

var update = flag.Bool("update", false, "rewrite testdata/sigmahq-expectations.tsv")

const expectations = "testdata/sigmahq-expectations.tsv"

// TestSigmaHQCorpus converts every rule of SigmaHQ's rule folders
// (shared/corpora/sigmahq/rules*) to QRadar and Chronicle and compares each
// rule's outcome per target (converted, or refused with the reason) with
// the checked-in expectations: a reader, mapping or backend change that
// converts or refuses a rule shows up here. Every artifact it converts must
// pass the in-tree AQL and YARA-L checks. Regenerate with -update after a
// deliberate change, and review the diff.
func TestSigmaHQCorpus(t *testing.T) {
	root := corpora.Dir(t, "sigmahq")
	dirs, _ := filepath.Glob(filepath.Join(root, "rules*"))
	sort.Strings(dirs)
	results, errs := Load(dirs)
	if len(errs) > 0 {
		t.Fatalf("unreadable SigmaHQ input:\n%v", errs)
	}
	var targets []driver.Target
	for _, name := range []string{"qradar", "chronicle"} {
		tg, _ := driver.LookupTarget(name)
		targets = append(targets, tg)
	}
	outs := Convert(results, targets)
	var lines []string
	for _, o := range outs {
		rel, _ := filepath.Rel(root, o.Result.Pos.File)
		outcome := "converted"
		if o.Converted() {
			for _, f := range lint.Check(o.Target.Lang, o.Artifact.Data) {
				if f.Severity == lint.Error {
					t.Errorf("%s: %s artifact fails its check: %s", rel, o.Target.Name, f)
				}
			}
		} else {
			where, reason := Explain(o.Refused[0])
			at := "-"
			if i := strings.Index(where, ".yml:"); i >= 0 {
				at = where[i+len(".yml:"):]
			}
			outcome = "refused\t" + at + ": " + reason
		}
		lines = append(lines, filepath.ToSlash(rel)+"\t"+o.Target.Name+"\t"+outcome)
	}
	sort.Strings(lines)
	got := header(Summarize(outs), outs, targets) + strings.Join(lines, "\n") + "\n"
	if *update {
		if err := os.WriteFile(expectations, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(expectations)
	if err != nil {
		t.Fatalf("%v (run go test ./sigmain -run SigmaHQ -update)", err)
	}
	if string(want) != got {
		t.Errorf("outcomes differ from %s (rerun with -update and review the diff):\n%s", expectations, linediff.Lines(string(want), got, 40))
	}
}

// header states the conversion rates per log source, and for the rules/
// folder (the acceptance target), as comment lines.
func header(sums []Summary, outs []Outcome, targets []driver.Target) string {
	var b strings.Builder
	b.WriteString("# detgen convert over shared/corpora/sigmahq/rules*: one line per rule and target,\n")
	b.WriteString("# file<TAB>target<TAB>converted, or refused<TAB>line:col: reason. Regenerate: go test ./sigmain -run SigmaHQ -update\n")
	b.WriteString("#\n# log source: rules, converted per target\n")
	for _, s := range sums {
		fmt.Fprintf(&b, "# %s: %d", s.Logsource, s.Rules)
		for _, t := range targets {
			fmt.Fprintf(&b, ", %s %d (%s)", t.Name, s.Converted[t.Name], pct(s.Converted[t.Name], s.Rules))
		}
		b.WriteString("\n")
	}
	rules, conv := 0, map[string]int{}
	for i, o := range outs {
		if !strings.Contains(filepath.ToSlash(o.Result.Pos.File), "/sigmahq/rules/") {
			continue
		}
		if i%len(targets) == 0 {
			rules++
		}
		if o.Converted() {
			conv[o.Target.Name]++
		}
	}
	fmt.Fprintf(&b, "# rules/ alone: %d", rules)
	for _, t := range targets {
		fmt.Fprintf(&b, ", %s %d (%s)", t.Name, conv[t.Name], pct(conv[t.Name], rules))
	}
	b.WriteString("\n")
	return b.String()
}

func pct(n, of int) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(of))
}
