package sigmain

import (
	"strings"
	"testing"

	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/ir"
)

const certutil = `title: Suspicious Download Via Certutil.EXE
id: 19B08B1C-861D-4E75-A1EF-EA0C1BAF202B
status: test
description: Detects certutil downloads.
references:
    - https://example.com/certutil
author: Florian Roth
date: 2023/02/15
modified: 2025-12-01
tags:
    - attack.defense-evasion
    - attack.t1027
    - attack.command-and-control
    - attack.t1105
    - attack.t1685
    - attack.s0160
    - detection.threat-hunting
logsource:
    category: process_creation
    product: windows
detection:
    selection_img:
        Image|endswith: '\certutil.exe'
    selection_flags:
        commandline|contains:
            - 'urlcache '
            - 'verifyctl '
    condition: all of selection_*
falsepositives:
    - Unknown
level: medium
`

func parseOne(t *testing.T, src string) *Result {
	t.Helper()
	res, errs := Parse("rules/windows/proc_creation_win_certutil_download.yml", "windows/proc_creation_win_certutil_download.yml", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(res) != 1 {
		t.Fatalf("%d results, want 1", len(res))
	}
	return res[0]
}

func TestMetadata(t *testing.T) {
	res := parseOne(t, certutil)
	r := res.Rule
	if r == nil {
		t.Fatalf("refused: %v", res.Refused)
	}
	checks := []struct{ what, got, want string }{
		{"id", r.ID, "19b08b1c-861d-4e75-a1ef-ea0c1baf202b"},
		{"name", r.Name, "proc_creation_win_certutil_download"},
		{"date", r.Date, "2023-02-15"},
		{"modified", r.Modified, "2025-12-01"},
		{"severity", r.Severity, "medium"},
		{"status", r.Status, "test"},
		{"logsource", r.Logsource, "windows_process_creation"},
		{"technique", r.Technique.ID + " " + r.Technique.Name, "T1027 Obfuscated Files or Information"},
		{"url", r.AttackURL, "https://attack.mitre.org/techniques/T1027/"},
		{"tactics", r.Tactics[0].ID + " " + r.Tactics[1].ID, "TA0005 TA0011"},
		{"tags", strings.Join(r.Tags, " "), "attack.s0160 detection.threat-hunting attack.t1105"},
		{"falsepositives", strings.Join(r.FalsePositives, ";"), "Unknown"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	// attack.t1685 is not in ATT&CK v18; commandline is read as CommandLine.
	warn := res.Warnings.Error()
	for _, w := range []string{"15:7: tag attack.t1685 names no technique", "25:9: field commandline is read as CommandLine"} {
		if !strings.Contains(warn, w) {
			t.Errorf("warnings lack %q:\n%s", w, warn)
		}
	}
	got := ir.Format(r.Condition)
	want := `(Image|endswith["\\certutil.exe"] and CommandLine|contains["urlcache " "verifyctl "])`
	if got != want {
		t.Errorf("condition = %s, want %s", got, want)
	}
}

func TestSubtechniqueAndDerivedID(t *testing.T) {
	src := strings.Replace(certutil, "id: 19B08B1C-861D-4E75-A1EF-EA0C1BAF202B\n", "", 1)
	src = strings.Replace(src, "    - attack.t1027\n", "    - attack.t1059.001\n    - attack.t1059\n", 1)
	r := parseOne(t, src).Rule
	if r.Technique.ID != "T1059" || r.Subtechnique.ID != "T1059.001" || r.AttackURL != "https://attack.mitre.org/techniques/T1059/001/" {
		t.Errorf("technique %v, subtechnique %v, url %s", r.Technique, r.Subtechnique, r.AttackURL)
	}
	// Derived from the key, not the machine: the same on every run.
	if r.ID != derivedID("windows/proc_creation_win_certutil_download.yml") || !uuidRE.MatchString(r.ID) || r.ID[14] != '4' {
		t.Errorf("derived id %s", r.ID)
	}
}

func TestDeriveName(t *testing.T) {
	for key, want := range map[string]string{
		"a/proc_creation_win_certutil.yml": "proc_creation_win_certutil",
		"Win-Foo.Bar.yaml":                 "win_foo_bar",
		"2023/7zip_Abuse.yml":              "sigma_7zip_abuse",
		"x.yml#3":                          "x_3",
		"rules/rule.yml":                   "sigma_rule", // YARA-L keywords name no rule
		"Match.yaml":                       "sigma_match",
		strings.Repeat("a", 200) + ".yml":  strings.Repeat("a", 128),
	} {
		if got := deriveName(key); got != want {
			t.Errorf("deriveName(%q) = %q, want %q", key, got, want)
		}
	}
}

// Every refusal names the file, line and column and says why.
func TestRefusals(t *testing.T) {
	tests := []struct{ name, old, new, want string }{
		{"unknown logsource", "product: windows", "product: linuxx", "19:5: logsource product: linuxx, category: process_creation has no detgen log source"},
		{"unknown field", "Image|endswith", "Imagee|endswith", "23:9: field Imagee is not in the Sigma profile of windows_process_creation"},
		{"placeholder", "Image|endswith", "Image|expand", "23:9: Image|expand: placeholders (expand) need their values: give a placeholder file (--placeholders)"},
		{"time modifier", "Image|endswith", "Image|hour", "23:9: Image|hour: time modifiers are not supported: the log source catalogs type no field as a date"},
		{"unknown modifier", "Image|endswith", "Image|endswitch", `23:9: unknown modifier "endswitch"`},
		{"aggregation", "condition: all of selection_*", "condition: all of selection_* | count() > 5", "28:16: condition: aggregations"},
		{"condition syntax", "condition: all of selection_*", "condition: all of selection_* and (", "28:40: condition: ends where an operand is expected"},
		{"taxonomy", "level: medium", "level: medium\ntaxonomy: ecs", `32:11: taxonomy "ecs" is not supported`},
		{"bad id", "id: 19B08B1C-861D-4E75-A1EF-EA0C1BAF202B", "id: rule-1", `2:5: id "rule-1" is not a UUID`},
		{"duplicate key", "level: medium", "level: medium\nlevel: high", `32:1: key "level" appears twice`},
		{"timeframe", "    condition: all", "    timeframe: 5m\n    condition: all", "28:16: timeframe"},
		{"null in a list", "- 'verifyctl '", "- null", "27:15: commandline|contains: null cannot be part of a list"},
		{"bad regex", "Image|endswith: '\\certutil.exe'", "Image|re: '(?<n>x)'", "23:19: Image|re: regular expression"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(certutil, tc.old) {
				t.Fatalf("test setup: %q not in the rule", tc.old)
			}
			res := parseOne(t, strings.Replace(certutil, tc.old, tc.new, 1))
			if res.Rule != nil {
				t.Fatalf("converted; want refusal %q", tc.want)
			}
			got := res.Refused.Error()
			if !strings.Contains(got, "proc_creation_win_certutil_download.yml:"+tc.want) {
				t.Errorf("refusal\n%s\nlacks %q", got, tc.want)
			}
		})
	}
}

func TestConditionListIsOr(t *testing.T) {
	src := strings.Replace(certutil, "condition: all of selection_*", "condition:\n        - selection_img\n        - selection_flags", 1)
	r := parseOne(t, src).Rule
	if _, ok := r.Condition.(*ir.Or); !ok {
		t.Errorf("condition = %s, want an or", ir.Format(r.Condition))
	}
}

// registry_set is registry_event narrowed to Sysmon event 13, and the
// second Kubernetes spelling reads as the first.
func TestLogsourceAliases(t *testing.T) {
	src := `title: Run key
logsource:
    product: windows
    category: registry_set
detection:
    selection:
        TargetObject|contains: '\CurrentVersion\Run'
    condition: selection
`
	r := parseOne(t, src).Rule
	if r == nil || r.Logsource != "windows_registry" {
		t.Fatalf("rule %+v", r)
	}
	if got := ir.Format(r.Condition); !strings.HasPrefix(got, `(EventID|equals["13"] and `) {
		t.Errorf("condition = %s", got)
	}
	k8s := `title: Secrets
logsource:
    product: kubernetes
    category: application
    service: audit
detection:
    selection:
        verb: list
        objectRef.resource: secrets
    condition: selection
`
	if r := parseOne(t, k8s); r.Logsource != "kubernetes_audit" || r.Rule == nil {
		t.Errorf("kubernetes: %v %v", r.Logsource, r.Refused)
	}
}

func TestDocumentsAndFilters(t *testing.T) {
	src := certutil + `---
title: Filter admin downloads
logsource:
    category: process_creation
    product: windows
filter:
    rules:
        - 19b08b1c-861d-4e75-a1ef-ea0c1baf202b
        - missing-rule
    selection:
        User|startswith: 'adm_'
    condition: selection
---
title: Many downloads
correlation:
    type: event_count
    rules: [19b08b1c-861d-4e75-a1ef-ea0c1baf202b]
    timespan: 1h
    condition: {gte: 10}
generate: true
---
`
	res, errs := Parse("f.yml", "f.yml", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(res) != 3 || res[0].Kind != KindRule || res[1].Kind != KindFilter || res[2].Kind != KindCorrelation {
		t.Fatalf("results %+v", res)
	}
	got := ir.Format(res[0].Rule.Condition)
	if !strings.HasSuffix(got, ` and not User|startswith["adm_"])`) {
		t.Errorf("filtered condition = %s", got)
	}
	if !strings.Contains(res[1].Warnings.Error(), "filter names rule missing-rule, which is not among the inputs") {
		t.Errorf("filter warnings: %v", res[1].Warnings)
	}
	if !strings.Contains(res[2].Refused.Error(), "f.yml:47:5: correlation needs group-by") {
		t.Errorf("correlation: %v", res[2].Refused)
	}
}

// A filter for another log source refuses the rule rather than be dropped.
func TestFilterOfAnotherLogsource(t *testing.T) {
	src := certutil + `---
title: Filter
logsource:
    category: file_event
    product: windows
filter:
    rules: [19b08b1c-861d-4e75-a1ef-ea0c1baf202b]
    selection:
        TargetFilename|endswith: '.tmp'
    condition: selection
`
	res, _ := Parse("f.yml", "f.yml", []byte(src))
	if res[0].Rule != nil || !strings.Contains(res[0].Refused.Error(), "is for log source windows_file_event, this rule reads windows_process_creation") {
		t.Errorf("rule: %v", res[0].Refused)
	}
}

func TestUnreadableInput(t *testing.T) {
	_, errs := Parse("bad.yml", "bad.yml", []byte("title: x\ndetection: [a\n"))
	if len(errs) != 1 || !strings.Contains(errs.Error(), "bad.yml:2:1: invalid YAML") {
		t.Errorf("errs = %v", errs)
	}
}

func TestDuplicateIDs(t *testing.T) {
	res, _ := Parse("f.yml", "f.yml", []byte(certutil+"---\n"+certutil))
	if res[0].Rule == nil || res[1].Rule != nil || !strings.Contains(res[1].Refused.Error(), "is already used by f.yml:1:1") {
		t.Errorf("second: %v", res[1].Refused)
	}
}

func TestConvertKeepsOutcomesApart(t *testing.T) {
	keywords := strings.Replace(certutil, "    condition: all of selection_*", "    keywords:\n        - certutil\n    condition: all of selection_* and keywords", 1)
	res := []*Result{parseOne(t, keywords)}
	q, _ := driver.LookupTarget("qradar")
	c, _ := driver.LookupTarget("chronicle")
	outs := Convert(res, []driver.Target{q, c})
	if !outs[0].Converted() {
		t.Errorf("qradar refused: %v", outs[0].Refused)
	}
	if outs[1].Converted() || Reason(outs[1].Refused[0]) != "keyword search: YARA-L rules have no predicate over the raw log, only UDM fields" {
		t.Errorf("chronicle: %v", outs[1].Refused)
	}
	if where, _ := Explain(outs[1].Refused[0]); !strings.HasSuffix(where, ".yml:29:9") {
		t.Errorf("refusal points at %s", where)
	}
}

// TestKeywordOnTextPayload: the Windows DSM stores events as key=value
// text (mappings/qradar payload: text), so a keyword every JSON writer
// writes otherwise (a backslash, a quote) cannot be searched as JSON text
// and is refused; a keyword JSON may write as it is converts, searched as
// it is (< has no \u003c form in text).
func TestKeywordOnTextPayload(t *testing.T) {
	q, _ := driver.LookupTarget("qradar")
	for kw, ok := range map[string]bool{
		`certutil`:            true,
		`'\perfc.dat'`:        false,
		`' -Confirm "False"'`: false,
		`'http://f/<script'`:  true,
	} {
		src := strings.Replace(certutil, "    condition: all of selection_*", "    keywords:\n        - "+kw+"\n    condition: all of selection_* and keywords", 1)
		out := Convert([]*Result{parseOne(t, src)}, []driver.Target{q})[0]
		if out.Converted() != ok {
			t.Errorf("keyword %s: converted %v, want %v (%v)", kw, out.Converted(), ok, out.Refused)
		}
		if aql := string(out.Artifact.Data); strings.Contains(kw, "<") && (!strings.Contains(aql, "<script") || strings.Contains(aql, `\u003c`)) {
			t.Errorf("keyword %s: want the text form only:\n%s", kw, aql)
		}
		if !ok && !out.Converted() && !strings.Contains(Reason(out.Refused[0]), "the payload is key=value text, not JSON") {
			t.Errorf("keyword %s: refused for another reason: %s", kw, Reason(out.Refused[0]))
		}
	}
}
