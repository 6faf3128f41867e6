package sigmaimport

import (
	"fmt"
	"io/fs"
	"math/rand"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/detgen/detgen/compile"
	"github.com/detgen/detgen/eval/reference"
	"github.com/detgen/detgen/internal/corpora"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/mappings"
	"github.com/detgen/detgen/sigmain"
	"github.com/detgen/detgen/spec"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gopkg.in/yaml.v3"
)

var today = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// ignorePositions compares expressions without source positions and
// selection names (the spec's names are the import's).
var ignorePositions = cmp.Options{
	cmpopts.IgnoreFields(ir.Match{}, "Pos", "Label"),
	cmpopts.IgnoreFields(ir.Keyword{}, "Pos", "Label"),
	cmpopts.IgnoreFields(ir.And{}, "Label"),
	cmpopts.IgnoreFields(ir.Or{}, "Label"),
}

// win is a Sysmon process creation event (record form) with fields set.
func win(kv ...string) map[string]any {
	ev := map[string]any{"EventID": "1", "Channel": "Microsoft-Windows-Sysmon/Operational"}
	for i := 0; i+1 < len(kv); i += 2 {
		ev[kv[i]] = kv[i+1]
	}
	return ev
}

// proxy is a proxy access log record.
func proxy(kv ...string) map[string]any {
	ev := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		ev[kv[i]] = kv[i+1]
	}
	return ev
}

const winHead = `title: %s
id: %s
status: test
description: Round trip case.
author: detgen tests
date: 2026-01-02
tags: [attack.execution, attack.t1059]
level: high
logsource: {product: windows, category: process_creation}
`

const proxyHead = `title: %s
id: %s
status: test
description: Round trip case.
author: detgen tests
date: 2026-01-02
tags: [attack.command-and-control, attack.t1071.001]
level: medium
logsource: {category: proxy}
`

type roundTrip struct {
	name, head, detection string
	match, nomatch        []map[string]any
}

var roundTrips = []roundTrip{
	{
		name: "wildcards", head: winHead,
		detection: `
  sel:
    Image|endswith: '\powershell.exe'
    CommandLine: '* -enc *'
    ParentImage: 'C:\Windows\\*'
  odd:
    CommandLine: 'a*b?c'
  filter:
    CommandLine: '*\*literal star*'
  condition: (sel or odd) and not filter`,
		match: []map[string]any{
			win("Image", `C:\x\POWERSHELL.EXE`, "CommandLine", "ps -enc AAA", "ParentImage", `c:\windows\explorer.exe`),
			win("CommandLine", "A-b-C"),
		},
		nomatch: []map[string]any{
			win("Image", `C:\x\powershell.exe`, "CommandLine", "ps -enc AAA", "ParentImage", `D:\windows\explorer.exe`),
			win("Image", `C:\x\powershell.exe`, "CommandLine", "ps -enc AAA *literal star", "ParentImage", `C:\Windows\x`),
			win("CommandLine", "abc"),      // ? is exactly one character
			win("CommandLine", "xx a-b-c"), // anchored: equals, not contains
			proxy("CommandLine", "a-b-c"),  // outside the log source's scope
		},
	},
	{
		name: "regex", head: winHead,
		detection: `
  sel_i:
    CommandLine|re|i: 'invoke-(mimikatz|expression)'
  sel_ms:
    CommandLine|re|m|s: '^line2.end$'
  condition: sel_i or sel_ms`,
		match: []map[string]any{
			win("CommandLine", "IEX; Invoke-Expression x"),
			win("CommandLine", "line1\nline2\nend"),
		},
		nomatch: []map[string]any{
			win("CommandLine", "invoke-other"),
			win("CommandLine", "xline2-end"),
		},
	},
	{
		name: "cidr_and_numbers", head: proxyHead,
		detection: `
  internal:
    c-ip|cidr: ['10.0.0.0/8', '192.168.0.0/16']
  outside:
    dst_ip|cidr: '10.0.0.0/8'
  status:
    sc-status: [200, 302]
  errors:
    sc-status|gte: 500
  condition: internal and not outside and (status or errors)`,
		match: []map[string]any{
			proxy("c-ip", "10.1.2.3", "r-ip", "8.8.8.8", "sc-status", "302"),
			proxy("c-ip", "192.168.7.7", "sc-status", "503"),
		},
		nomatch: []map[string]any{
			proxy("c-ip", "11.1.2.3", "sc-status", "200"),
			proxy("c-ip", "10.1.2.3", "r-ip", "10.9.9.9", "sc-status", "200"),
			proxy("c-ip", "10.1.2.3", "sc-status", "404"),
		},
	},
	{
		name: "all_modifier", head: winHead,
		detection: `
  sel:
    CommandLine|contains|all: ['-nop', '-w hidden']
  windash:
    CommandLine|windash|contains: ['-exec', '-enc']
  condition: sel or windash`,
		match: []map[string]any{
			win("CommandLine", "powershell -w hidden -NOP"),
			win("CommandLine", "powershell –enc AAA"),
		},
		nomatch: []map[string]any{
			win("CommandLine", "powershell -nop"),
			win("CommandLine", "powershell exec bypass"),
		},
	},
	{
		name: "null_exists_empty", head: winHead,
		detection: `
  no_user:
    User: null
  parent:
    ParentImage|exists: true
  blank:
    CommandLine: ''
  condition: no_user and parent and not blank`,
		match: []map[string]any{
			win("ParentImage", `C:\a.exe`, "CommandLine", "x"),
		},
		nomatch: []map[string]any{
			win("User", "bob", "ParentImage", `C:\a.exe`),
			win("CommandLine", "x"),
			win("ParentImage", `C:\a.exe`, "CommandLine", ""),
		},
	},
	{
		name: "keywords", head: proxyHead,
		detection: `
  kw:
    - 'mimikatz'
    - 'yes: no'
    - 42
  both:
    '|all': ['sekurlsa', 'logonpasswords']
  condition: kw or both`,
		match: []map[string]any{
			proxy("c-uri", "http://x/MIMIKATZ.exe"),
			proxy("c-useragent", "yes: no"),
			proxy("c-uri", "/a?q=sekurlsa", "cs-referrer", "logonpasswords"),
		},
		nomatch: []map[string]any{
			proxy("c-uri", "/a?q=sekurlsa"),
			proxy("c-uri", "/benign"),
		},
	},
	{
		name: "one_of_and_not", head: winHead,
		detection: `
  sel_a:
    Image|endswith: '\rundll32.exe'
  sel_b:
    Image|endswith: '\regsvr32.exe'
  susp_1:
    CommandLine|contains: 'http'
  susp_2:
    CommandLine|contains: 'scrobj'
  susp_3:
    CommandLine|contains: 'javascript:'
  filter_main:
    ParentImage|endswith: '\msiexec.exe'
  condition: 1 of sel_* and 2 of susp_* and not 1 of filter_*`,
		match: []map[string]any{
			win("Image", `C:\w\regsvr32.exe`, "CommandLine", "/i:http://x scrobj.dll"),
		},
		nomatch: []map[string]any{
			win("Image", `C:\w\regsvr32.exe`, "CommandLine", "/i:http://x"),
			win("Image", `C:\w\regsvr32.exe`, "CommandLine", "/i:http://x scrobj.dll", "ParentImage", `C:\w\msiexec.exe`),
			win("Image", `C:\w\cmd.exe`, "CommandLine", "/i:http://x scrobj.dll"),
		},
	},
	{
		name: "cased", head: winHead,
		detection: `
  sel:
    CommandLine|cased|contains: 'SeDebugPrivilege'
  exact:
    Image|cased: 'C:\Tools\X.exe'
  condition: sel or exact`,
		match: []map[string]any{
			win("CommandLine", "enable SeDebugPrivilege now"),
			win("Image", `C:\Tools\X.exe`),
		},
		nomatch: []map[string]any{
			win("CommandLine", "enable sedebugprivilege now"),
			win("Image", `c:\tools\x.exe`),
		},
	},
	{
		name: "fieldref_and_list_of_maps", head: winHead,
		detection: `
  same:
    ParentImage|fieldref: Image
  either:
    - CommandLine|startswith: 'cmd /c'
    - CommandLine|endswith: '.bat'
  condition: same and either`,
		match: []map[string]any{
			win("Image", `C:\a.exe`, "ParentImage", `c:\A.EXE`, "CommandLine", "run.BAT"),
		},
		nomatch: []map[string]any{
			win("Image", `C:\a.exe`, "ParentImage", `C:\b.exe`, "CommandLine", "cmd /c x"),
			win("Image", `C:\a.exe`, "ParentImage", `C:\a.exe`, "CommandLine", "x cmd /c"),
		},
	},
}

// importOne reads one Sigma document and renders its spec.
func importOne(t *testing.T, src string) (*sigmain.Result, []byte, []string) {
	t.Helper()
	results, errs := sigmain.Parse("case.yml", "case.yml", []byte(src))
	if len(errs) > 0 || len(results) != 1 {
		t.Fatalf("sigmain: %v (%d results)", errs, len(results))
	}
	res := results[0]
	if res.Rule == nil {
		t.Fatalf("sigmain refused the rule: %v", res.Refused)
	}
	out, notes, err := Render(res, today)
	if err != nil {
		t.Fatal(err)
	}
	return res, out, notes
}

func compileSpec(t testing.TB, file string, src []byte) (*ir.Rule, error) {
	s, errs := spec.Parse(file, src)
	if len(errs) > 0 {
		return nil, errs
	}
	r, errs := compile.Rule(s)
	if len(errs) > 0 {
		return nil, errs
	}
	return r, nil
}

// TestRoundTrip: for each Sigma rule, the imported spec parses and
// compiles, its condition is the Sigma rule's (structurally, positions and
// selection names aside), and the reference evaluator gives the same
// verdict for both on events that must and must not match.
func TestRoundTrip(t *testing.T) {
	for i, rt := range roundTrips {
		t.Run(rt.name, func(t *testing.T) {
			id := fmt.Sprintf("0b5d2c4e-8a1f-4c3b-9e7d-6f2a1b0c9d%02x", i)
			src := fmt.Sprintf(rt.head, rt.name, id) + "detection:" + rt.detection + "\n"
			res, out, _ := importOne(t, src)
			got, err := compileSpec(t, "imported.yaml", out)
			if err != nil {
				t.Fatalf("imported spec does not compile: %v\n%s", err, out)
			}
			if d := cmp.Diff(res.Rule.Condition, got.Condition, ignorePositions); d != "" {
				t.Errorf("condition differs (-sigma +spec):\n%s\nspec:\n%s", d, out)
			}
			want, err := reference.New(res.Rule)
			if err != nil {
				t.Fatal(err)
			}
			have, err := reference.New(got)
			if err != nil {
				t.Fatal(err)
			}
			for expect, events := range map[bool][]map[string]any{true: rt.match, false: rt.nomatch} {
				for _, ev := range events {
					w, h := want.Evaluate(ev).Match, have.Evaluate(ev).Match
					if w != expect {
						t.Errorf("the Sigma rule gives %v, the case expects %v, on %v", w, expect, ev)
					}
					if h != w {
						t.Errorf("the imported spec gives %v, the Sigma rule %v, on %v\nspec:\n%s", h, w, ev, out)
					}
				}
			}
			if t.Failed() {
				return
			}
			for _, f := range []struct{ what, a, b string }{
				{"id", res.Rule.ID, got.ID}, {"name", res.Rule.Name, got.Name}, {"title", res.Rule.Title, got.Title},
				{"severity", res.Rule.Severity, got.Severity}, {"status", res.Rule.Status, got.Status},
				{"date", res.Rule.Date, got.Date}, {"technique", res.Rule.Technique.ID, got.Technique.ID},
				{"subtechnique", res.Rule.Subtechnique.ID, got.Subtechnique.ID}, {"url", res.Rule.AttackURL, got.AttackURL},
				{"logsource", res.Rule.Logsource, got.Logsource}, {"description", res.Rule.Description, got.Description},
			} {
				if f.a != f.b {
					t.Errorf("%s: Sigma %q, spec %q", f.what, f.a, f.b)
				}
			}
			if !cmp.Equal(res.Rule.Tactics, got.Tactics) {
				t.Errorf("tactics: Sigma %v, spec %v", res.Rule.Tactics, got.Tactics)
			}
		})
	}
}

// TestMetadataGaps: what Sigma does not give is filled in visibly (a
// comment in the spec and a note) or left out and reported, never
// invented silently: no technique tag leaves out the required attack block
// (the tactic stays a tag), an id that is not a UUID v4 is replaced by one
// derived from it, a missing level, description, author and date are
// filled, and there are never tests.
func TestMetadataGaps(t *testing.T) {
	src := `title: Gaps
id: 5b2e3a1c-1111-1222-8333-444455556666
tags: [attack.execution, Detection.Threat-Hunting]
logsource: {product: windows, category: process_creation}
detection:
  sel:
    Image|endswith: '\x.exe'
  condition: sel
`
	_, out, notes := importOne(t, src)
	s := string(out)
	for _, want := range []string{
		"# Sigma id 5b2e3a1c-1111-1222-8333-444455556666 is not a UUID version 4",
		"severity: medium # the Sigma rule has no valid level",
		"description: Gaps # the Sigma rule has no description",
		"author: unknown",
		`date: "2026-12-01" # the Sigma rule has no date: the import date is used`,
		"confidence: low # Sigma has no confidence",
		"  - attack.execution\n  - detection.threat-hunting\n",
		"No tests were imported",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("spec lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "\nid: 5b2e3a1c") || strings.Contains(s, "\nattack:") || strings.Contains(s, "\ntests:") {
		t.Errorf("spec invents an attack block or tests:\n%s", s)
	}
	joined := strings.Join(notes, "\n")
	for _, want := range []string{"no ATT&CK technique", "no tests"} {
		if !strings.Contains(joined, want) {
			t.Errorf("notes lack %q: %q", want, notes)
		}
	}
	if _, err := compileSpec(t, "gaps.yaml", out); err == nil || !strings.Contains(err.Error(), "attack") {
		t.Errorf("a spec without attack should fail on attack, got %v", err)
	}
}

// TestTacticsFromTechnique: a Sigma tactic tag that is not a tactic of
// the technique is kept as a tag; with none left, the technique's tactics
// are listed, with a comment, so the spec compiles.
func TestTacticsFromTechnique(t *testing.T) {
	src := fmt.Sprintf(winHead, "tactics", "0b5d2c4e-8a1f-4c3b-9e7d-6f2a1b0c9dff")
	src = strings.Replace(src, "tags: [attack.execution, attack.t1059]", "tags: [attack.exfiltration, attack.t1105]", 1)
	src += "detection:\n  sel:\n    Image|endswith: '\\certutil.exe'\n  condition: sel\n"
	_, out, _ := importOne(t, src)
	got, err := compileSpec(t, "t.yaml", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(got.Tactics) != 1 || got.Tactics[0].ID != "TA0011" || !cmp.Equal(got.Tags, []string{"attack.exfiltration"}) {
		t.Errorf("tactics %v, tags %v\n%s", got.Tactics, got.Tags, out)
	}
	if !strings.Contains(string(out), "tactics: # no Sigma tactic tag belongs to T1105") {
		t.Errorf("no comment on derived tactics:\n%s", out)
	}
}

// TestValuesQuotedSafely: values YAML would read as something else, or
// that hold YAML syntax, come back as the same strings.
func TestValuesQuotedSafely(t *testing.T) {
	vals := []string{"true", "null", "~", "1e3", "0x10", "- a", "a: b", "#x", "'q'", `"dq"`, "&anchor", "*alias", "!tag", "{a}", "[a]", "%x", "@x", "`x", "|x", ">x", " lead", "trail ", "a\\b", "yes", "no", "on", "2026-01-02", "tab\there", "ünïcode"}
	var b strings.Builder
	for _, v := range vals {
		b.WriteString("      - " + yamlScalar(v) + "\n")
	}
	roundTripValues(t, "CommandLine|contains", b.String(), len(vals))
}

// TestRegexLineBreaksKept: a regex may hold a line break, which yaml.v3
// writes in a block scalar and loses there when it comes first ("\nx"
// came back as "x"); the spec writes such strings double-quoted.
func TestRegexLineBreaksKept(t *testing.T) {
	vals := []string{"\nx", "x\n", "a\n\nb", "\tx", "x\r\ny", "\n"}
	var b strings.Builder
	for _, v := range vals {
		b.WriteString("      - " + strconv.Quote(v) + "\n")
	}
	got := roundTripValues(t, "CommandLine|re", b.String(), len(vals))
	if got != nil && !cmp.Equal(got, vals) {
		t.Errorf("values %q, want %q", got, vals)
	}
}

// roundTripValues imports a rule whose one test is key over the YAML list
// items, requires the spec to compile to the same condition with n
// values, and returns them.
func roundTripValues(t *testing.T, key, items string, n int) []string {
	t.Helper()
	src := fmt.Sprintf(winHead, "values", "0b5d2c4e-8a1f-4c3b-9e7d-6f2a1b0c9dfe") +
		"detection:\n  sel:\n    " + key + ":\n" + items + "  condition: sel\n"
	res, out, _ := importOne(t, src)
	got, err := compileSpec(t, "q.yaml", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if d := cmp.Diff(res.Rule.Condition, got.Condition, ignorePositions); d != "" {
		t.Errorf("(-sigma +spec):\n%s\n%s", d, out)
	}
	m := ir.Matches(got.Condition)
	if len(m) != 1 || len(m[0].Values) != n {
		t.Fatalf("values lost:\n%s", out)
	}
	return m[0].Values
}

func yamlScalar(s string) string {
	b, err := yaml.Marshal(s)
	if err != nil {
		panic(err)
	}
	return strings.TrimSuffix(string(b), "\n")
}

// TestSigmaHQSample imports every 20th file of the SigmaHQ corpus: every
// rule sigmain converts must import to a spec that parses and compiles
// (an attack block is added for the rules whose tags name no technique:
// the import leaves it out and says so), whose condition equals the Sigma
// rule's structurally, and on which the reference evaluator agrees with
// the Sigma rule on events synthesized from the rule's own values.
func TestSigmaHQSample(t *testing.T) {
	dir := corpora.Dir(t, "sigmahq")
	var files []string
	err := filepath.WalkDir(filepath.Join(dir, "rules"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var sample []string
	for i := 0; i < len(files); i += 20 {
		sample = append(sample, files[i])
	}
	results, errs := sigmain.Load(sample)
	if len(errs) > 0 {
		t.Logf("unreadable inputs: %v", errs)
	}
	var rules, refused, imported, noAttack, structural, events, matched, invisibleValues int
	for _, res := range results {
		if res.Kind != sigmain.KindRule {
			continue
		}
		rules++
		if res.Rule == nil {
			refused++
			continue
		}
		out, notes, err := Render(res, today)
		if err != nil && strings.Contains(err.Error(), "an invisible character a spec cannot hold") {
			// Converted (escaped in every artifact), not importable.
			invisibleValues++
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", res.Pos, err)
			continue
		}
		if strings.Contains(strings.Join(notes, "\n"), "no ATT&CK technique") {
			noAttack++
			out = append(out, []byte("attack:\n  tactics: [{id: TA0002, name: Execution}]\n  technique: {id: T1059, name: Command and Scripting Interpreter}\n  url: https://attack.mitre.org/techniques/T1059/\n")...)
		}
		got, err := compileSpec(t, res.Pos.File, out)
		if err != nil {
			t.Errorf("%s: imported spec does not compile: %v\n%s", res.Pos, err, out)
			continue
		}
		imported++
		if cmp.Equal(res.Rule.Condition, got.Condition, ignorePositions) {
			structural++
		}
		want, err1 := reference.New(res.Rule)
		have, err2 := reference.New(got)
		if err1 != nil || err2 != nil {
			t.Errorf("%s: %v %v", res.Pos, err1, err2)
			continue
		}
		for _, ev := range synthesize(t, res.Rule) {
			events++
			w, h := want.Evaluate(ev).Match, have.Evaluate(ev).Match
			if w {
				matched++
			}
			if w != h {
				t.Errorf("%s: Sigma %v, imported spec %v on %v", res.Pos, w, h, ev)
				break
			}
		}
	}
	t.Logf("SigmaHQ sample: %d files, %d rules: %d refused by sigmain, %d not importable (invisible characters), %d imported and compiled (%d without an ATT&CK technique), %d structurally equal; %d synthesized events, %d matching, same verdicts",
		len(sample), rules, refused, invisibleValues, imported, noAttack, structural, events, matched)
	if structural != imported {
		t.Errorf("%d imported conditions differ structurally from the Sigma rule's", imported-structural)
	}
}

// synthesize builds events from the values a rule (and its log source's
// scope) tests: per field, candidate values that pass or miss each test;
// events pick a candidate or nothing per field, pseudo-randomly (fixed
// seed), plus the event with every field's first candidate.
func synthesize(t testing.TB, r *ir.Rule) []map[string]any {
	ls, errs := mappings.LoadLogsource(r.Logsource)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	scope, _ := compile.Catalog(ls)
	cands := map[string][]string{}
	var fields []string
	addCand := func(f, v string) {
		if _, ok := cands[f]; !ok {
			fields = append(fields, f)
		}
		cands[f] = append(cands[f], v)
	}
	for _, e := range []ir.Expr{scope, r.Condition} {
		if e == nil {
			continue
		}
		for _, m := range ir.Matches(e) {
			for _, v := range m.Values {
				switch m.Op {
				case ir.Equals:
					addCand(m.Field, v)
					addCand(m.Field, strings.ToUpper(v))
				case ir.Contains:
					addCand(m.Field, "x"+v+"y")
				case ir.StartsWith:
					addCand(m.Field, v+"y")
				case ir.EndsWith:
					addCand(m.Field, "x"+v)
					addCand(m.Field, strings.ToUpper(v))
				case ir.GT, ir.GTE, ir.LT, ir.LTE:
					if n, err := strconv.ParseInt(v, 10, 64); err == nil {
						addCand(m.Field, strconv.FormatInt(n+1, 10))
						addCand(m.Field, strconv.FormatInt(n-1, 10))
					}
				case ir.CIDR:
					addCand(m.Field, strings.Split(v, "/")[0])
				}
			}
			if m.Op == ir.Empty || m.Op == ir.Exists {
				addCand(m.Field, "")
			}
		}
	}
	for _, k := range allKeywords(r.Condition) {
		addCand("CommandLine", k) // any string field carries a keyword
	}
	var out []map[string]any
	set := func(ev map[string]any, field, v string) {
		f, ok := ls.Field(field)
		if ok && len(f.Paths) > 0 {
			setPath(ev, f.Paths[0], v)
		}
	}
	first := map[string]any{}
	for _, f := range fields {
		set(first, f, cands[f][0])
	}
	out = append(out, first)
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 40; i++ {
		ev := map[string]any{}
		for _, f := range fields {
			if k := rng.Intn(len(cands[f]) + 1); k < len(cands[f]) {
				set(ev, f, cands[f][k])
			}
		}
		out = append(out, ev)
	}
	return out
}

func allKeywords(e ir.Expr) []string {
	var out []string
	if e == nil {
		return nil
	}
	ir.Walk(e, func(x ir.Expr) {
		if k, ok := x.(*ir.Keyword); ok {
			out = append(out, k.Values...)
		}
	})
	return out
}

// setPath sets a dotted catalog path ("a.b", "list[].x") in ev.
func setPath(ev map[string]any, path, v string) {
	segs := strings.Split(path, ".")
	cur := ev
	for i, seg := range segs {
		name, list := strings.CutSuffix(seg, "[]")
		last := i == len(segs)-1
		switch {
		case last && list:
			cur[name] = []any{v}
		case last:
			cur[name] = v
		case list:
			m := map[string]any{}
			cur[name] = []any{m}
			cur = m
		default:
			m, ok := cur[name].(map[string]any)
			if !ok {
				m = map[string]any{}
				cur[name] = m
			}
			cur = m
		}
	}
}
