package testrun

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/detgen/detgen/backends/chronicle"
	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/mappings"
	"gopkg.in/yaml.v3"
)

// profileNames lists the Chronicle profiles (mappings/chronicle/*.yaml).
func profileNames(t *testing.T) []string {
	files, _ := filepath.Glob("../mappings/chronicle/*.yaml")
	if len(files) == 0 {
		t.Fatal("no Chronicle profiles found")
	}
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(filepath.Base(f), ".yaml"))
	}
	return out
}

// profileGaps reads testdata/udm-gaps.txt: the profile mappings the
// oracle does not confirm, "logsource LOG_TYPE field: why" a line.
func profileGaps(t *testing.T) map[string]string {
	f, err := os.Open("testdata/udm-gaps.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, why, ok := strings.Cut(line, ": ")
		if !ok || len(strings.Fields(key)) != 3 || why == "" {
			t.Fatalf("testdata/udm-gaps.txt:%d: want \"logsource LOG_TYPE field: why\"", n)
		}
		out[key] = why
	}
	return out
}

// TestOracleCoversProfiles: every UDM path a Chronicle profile maps a
// catalog field to for the default parser is one the oracle of that log
// type writes, unless the profile marks the field unavailable (or a
// parser extension writes it). A disagreement must be declared in
// testdata/udm-gaps.txt with its reason, and a declared one that no
// longer disagrees must be removed.
func TestOracleCoversProfiles(t *testing.T) {
	gaps := profileGaps(t)
	seen := map[string]bool{}
	for _, name := range profileNames(t) {
		p, err := chronicle.LoadProfile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, lt := range p.Forms {
			if _, err := LoadOracle(lt); err != nil {
				t.Errorf("mappings/chronicle/%s.yaml forms: %v", name, err)
			}
		}
		for _, lt := range p.LogTypes {
			o, err := LoadOracle(lt.Name)
			if err != nil {
				t.Errorf("%s: %v", lt.Pos, err)
				continue
			}
			done := map[string]bool{}
			for _, f := range slices.Concat(lt.Fields, p.Fields) {
				if done[f.Field] {
					continue // the log type's own entry wins
				}
				done[f.Field] = true
				if f.Unavailable != "" || (!f.DefaultParser && f.Extension != "") || o.Writes(f.UDM) {
					continue
				}
				key := name + " " + lt.Name + " " + f.Field
				seen[key] = true
				if _, ok := gaps[key]; !ok {
					t.Errorf("%s: %s maps %s to %s, which testrun/udm/%s.yaml does not write: fix the profile or the oracle (with a source), or declare it in testdata/udm-gaps.txt", f.Pos, name, f.Field, f.UDM, lt.Name)
				}
			}
		}
	}
	for key := range gaps {
		if !seen[key] {
			t.Errorf("testdata/udm-gaps.txt: %q no longer disagrees: remove it", key)
		}
	}
}

// TestOracleFilesUsed: every oracle file is a log type some profile
// ingests records as (no stale statement).
func TestOracleFilesUsed(t *testing.T) {
	all, err := oracles()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, name := range profileNames(t) {
		p, err := chronicle.LoadProfile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, lt := range p.LogTypes {
			used[lt.Name] = true
		}
		for _, lt := range p.Forms {
			used[lt] = true
		}
	}
	for lt := range all {
		if !used[lt] {
			t.Errorf("testrun/udm/%s.yaml: no profile ingests records as %s", lt, lt)
		}
	}
}

// wrongUDM is a plausible generator mistake for a UDM path: the other
// noun (principal <-> target), else a misspelt last name or label key.
func wrongUDM(p string) string {
	switch {
	case strings.HasPrefix(p, "principal."):
		return "target." + strings.TrimPrefix(p, "principal.")
	case strings.HasPrefix(p, "target."):
		return "principal." + strings.TrimPrefix(p, "target.")
	case strings.HasSuffix(p, `"]`):
		return strings.TrimSuffix(p, `"]`) + `x"]`
	}
	return p + "x"
}

// mutateProfile rewrites the udm of every entry for field in a profile's
// YAML (the log types' own entries and the shared one).
func mutateProfile(src []byte, field string, udm func(string) string) ([]byte, int, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, 0, err
	}
	n := 0
	var walk func(*yaml.Node)
	walk = func(x *yaml.Node) {
		if x.Kind == yaml.MappingNode {
			var isField bool
			var udmNode *yaml.Node
			for i := 0; i+1 < len(x.Content); i += 2 {
				switch x.Content[i].Value {
				case "field":
					isField = x.Content[i+1].Value == field
				case "udm":
					udmNode = x.Content[i+1]
				}
			}
			if isField && udmNode != nil {
				udmNode.Value = udm(udmNode.Value)
				udmNode.Style = yaml.DoubleQuotedStyle
				n++
			}
		}
		for _, c := range x.Content {
			walk(c)
		}
	}
	walk(&doc)
	out, err := yaml.Marshal(&doc)
	return out, n, err
}

// profileSurvivors are the profile mutations no test of the rule catches
// yet, each with why; a mutation that starts failing must be removed.
var profileSurvivors = map[string]string{}

// TestProfileMutationFails proves the Chronicle view independent of the
// generator's tables: for every shipped rule and every field it reads
// through Google's default parser, the profile's UDM path for that field
// is changed (a mappings overlay, as detgen --mappings applies one), the
// rule is regenerated, and its own tests must fail. Before the view came
// from testrun/udm, the runner read the same changed table and passed.
func TestProfileMutationFails(t *testing.T) {
	if testing.Short() {
		t.Skip("regenerates every shipped rule once per field")
	}
	rules, err := driver.LoadDir("../rules")
	if err != nil {
		t.Fatal(err)
	}
	tg, _ := driver.LookupTarget("chronicle")
	defer mappings.SetOverlay("")
	var survivors []string
	tried := 0
	for _, r := range rules {
		reqs, err := chronicle.Requirements(r)
		if err != nil {
			continue // not a Chronicle rule
		}
		fields := map[string]bool{}
		for _, q := range reqs {
			if q.DefaultParser {
				fields[q.Field] = true
			}
		}
		var names []string
		for f := range fields {
			names = append(names, f)
		}
		sort.Strings(names)
		src, err := os.ReadFile("../mappings/chronicle/" + r.Logsource + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range names {
			mutated, n, err := mutateProfile(src, f, wrongUDM)
			if err != nil || n == 0 {
				t.Fatalf("%s: cannot mutate field %s (%d entries): %v", r.Logsource, f, n, err)
			}
			dir := t.TempDir()
			os.MkdirAll(filepath.Join(dir, "chronicle"), 0o755)
			if err := os.WriteFile(filepath.Join(dir, "chronicle", r.Logsource+".yaml"), mutated, 0o644); err != nil {
				t.Fatal(err)
			}
			mappings.SetOverlay(dir)
			tried++
			key := r.Name + " " + f
			a, errs, _ := driver.GenerateOne(r, tg)
			if len(errs) > 0 {
				continue // the generator refused the changed table: caught
			}
			res, err := Run([]*ir.Rule{r}, []driver.Artifact{a})
			if err != nil {
				continue // the runner refused it: caught
			}
			if !killed(res, "chronicle") {
				if _, ok := profileSurvivors[key]; ok {
					delete(profileSurvivors, key)
					continue
				}
				survivors = append(survivors, fmt.Sprintf("%s (%s)", key, wrongUDM(udmOf(t, r, f))))
			}
		}
		mappings.SetOverlay("")
	}
	if tried == 0 {
		t.Fatal("no profile mapping to mutate")
	}
	for key := range profileSurvivors {
		t.Errorf("%s: declared as surviving, but a test now fails on it: remove it from profileSurvivors", key)
	}
	if len(survivors) > 0 {
		t.Errorf("%d of %d profile mutations pass every test of their rule:\n%s", len(survivors), tried, strings.Join(survivors, "\n"))
	}
	t.Logf("%d profile mutations, each failed by the rule's tests", tried)
}

func udmOf(t *testing.T, r *ir.Rule, field string) string {
	mappings.SetOverlay("")
	reqs, _ := chronicle.Requirements(r)
	for _, q := range reqs {
		if q.Field == field {
			return q.UDM
		}
	}
	return "?"
}

// TestOracleRawPaths: the oracle reads the record as received, not the
// reader's flattened event; a Sysmon path names its XML section.
func TestOracleRawPaths(t *testing.T) {
	all, err := oracles()
	if err != nil {
		t.Fatal(err)
	}
	windows := regexp.MustCompile(`^Event\.(System|EventData|UserData)\.`)
	for _, lt := range []string{"WINDOWS_SYSMON", "WINEVTLOG", "LINUX_SYSMON"} {
		for _, f := range all[lt].Fields {
			for _, p := range f.From {
				if !windows.MatchString(p) {
					t.Errorf("%s: %s is not a path into the rendered Windows event", f.Pos, p)
				}
			}
		}
	}
}
