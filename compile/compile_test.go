package compile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/detgen/detgen/spec"
)

const shipped = "../rules/kubernetes/t1053.007-suspicious-cronjob-job.yaml"

func TestShippedRuleCompiles(t *testing.T) {
	sr, errs := spec.Load(shipped)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	r, errs := Rule(sr)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if r.Subtechnique.ID != "T1053.007" || len(r.Signals) != 6 || r.Threshold != 10 {
		t.Errorf("unexpected rule: %+v", r)
	}
	if !r.AnySignalAlerts() || r.MaxScore() != 100 {
		t.Errorf("AnySignalAlerts=%v MaxScore=%d, want true and 100", r.AnySignalAlerts(), r.MaxScore())
	}
}

// TestErrors mutates the shipped spec and checks that each mistake is
// reported at the right file:line:col with a helpful message.
func TestErrors(t *testing.T) {
	src, err := os.ReadFile(shipped)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, old, new string
		want           []string // "line:col: message substring"
	}{
		{"unknown key", "severity: high\n", "severity: high\nseverty: high\n", []string{`25:1: document: unknown key "severty"`}},
		{"wrong type", "version: 1\n", "version: one\n", []string{`7:10: version: expected an integer, found the string "one"`}},
		{"missing required", "author: detgen\n", "", []string{`4:1: document: missing required key "author"`}},
		{"empty required", "author: detgen\n", "author: \"\"\n", []string{`17:9: author: must not be empty`}},
		{"duplicate key", "severity: high\n", "severity: high\nseverity: low\n", []string{`25:1: document: duplicate key "severity"`}},
		{"bad severity", "severity: high\n", "severity: hgh\n", []string{`24:11: severity "hgh" is not one of`}},
		{"bad uuid", "id: 14c5ecd1-d826-4822-9987-96a68c25fef2", "id: not-a-uuid", []string{`4:5: id "not-a-uuid" is not a lower-case UUID`}},
		{"bad name", "name: kubernetes_suspicious_cronjob_job_creation", "name: Kubernetes-Job", []string{`5:7: name "Kubernetes-Job" must match`}},
		{"bad tactic id", "- id: TA0002", "- id: TX0002", []string{`29:11: tactic id "TX0002" is not an ATT&CK tactic id`}},
		{"bad technique id", "    id: T1053\n", "    id: T105\n", []string{`36:9: technique id "T105" is not an ATT&CK technique id`}},
		{"sub-technique of another technique", "id: T1053.007", "id: T1059.007", []string{`39:9: sub-technique T1059.007 does not belong to technique T1053`}},
		{"sub-technique that does not exist", "id: T1053.007", "id: T1053.004", []string{`39:9: sub-technique T1053.004 does not exist in ATT&CK Enterprise v18.0`}},
		{"wrong technique name", "name: Scheduled Task/Job", "name: Scheduled Task", []string{`37:11: technique T1053 is named "Scheduled Task/Job" in ATT&CK v18.0, not "Scheduled Task"`}},
		{"tactic that does not fit", "- id: TA0002\n      name: Execution", "- id: TA0006\n      name: Credential Access", []string{`29:11: tactic TA0006 (Credential Access) is not a tactic of T1053.007`}},
		{"unknown tactic", "- id: TA0002\n      name: Execution", "- id: TA0099\n      name: Execution", []string{`29:11: tactic TA0099 does not exist`}},
		{"url mismatch", "url: https://attack.mitre.org/techniques/T1053/007/", "url: https://attack.mitre.org/techniques/T1053/", []string{`41:8: url "https://attack.mitre.org/techniques/T1053/" does not match`}},
		{"unknown field", "- field: image\n", "- field: imagee\n", []string{`129:20: field "imagee" is not in logsource kubernetes_audit`}},
		{"empty signal", "        match:\n          - field: image\n            nocase: true\n            contains: [alpine, busybox, ubuntu, kali, netcat, ncat, nmap, masscan, socat, xmrig]\n", "        match: []\n", []string{`128:16: detection.scoring.signals[0].match: must not be empty`}},
		{"signal without values", "            contains: [alpine, busybox, ubuntu, kali, netcat, ncat, nmap, masscan, socat, xmrig]\n", "", []string{`129:13: match on "image" has no values`}},
		{"empty value", "contains: [alpine,", "contains: ['',", []string{`131:23: contains on "image" has an empty value`}},
		{"duplicate value", "contains: [alpine,", "contains: [ALPINE, alpine,", []string{`131:23: contains value "alpine" on "image" is listed twice`}},
		{"bool field with contains", "            equals: [\"true\"]\n", "            contains: [\"tru\"]\n", []string{`160:20: field "privileged" is boolean`}},
		{"bool field bad value", "            equals: [\"true\"]\n", "            equals: [\"yes\"]\n", []string{`161:21: field "privileged" is boolean: value "yes"`}},
		{"weight zero", "weight: 15\n        match:\n          - field: host_path\n            startswith", "weight: 0\n        match:\n          - field: host_path\n            startswith", []string{`152:17: signal "host_path_volume": weight must be positive`}},
		{"duplicate signal", "- name: host_network", "- name: privileged_container", []string{`162:15: signal name "privileged_container" is used twice`}},
		{"threshold unreachable", "threshold: 10", "threshold: 101", []string{`123:16: threshold 101 can never be reached`}},
		{"threshold not above base", "threshold: 10", "threshold: 0", []string{`123:16: threshold 0 must exceed base 0`}},
		{"unknown logsource", "logsource: kubernetes_audit", "logsource: windows_security", []string{`100:12: logsource "windows_security" is unknown`}},
		{"bad date", `date: "2026-11-23"`, `date: "23/11/2026"`, []string{`18:7: date "23/11/2026" is not a date`}},
		{"bump without changelog", "version: 1\n", "version: 2\n", []string{`21:14: the last changelog line is for version 1, but the rule is at version 2`}},
		{"modified not the changelog date", `modified: "2026-11-23"`, `modified: "2026-11-24"`, []string{`19:11: modified 2026-11-24 is not the date of the last changelog line (2026-11-23)`}},
		{"changelog gap", "    change: First version", "    change: First\n  - version: 3\n    date: \"2026-11-23\"\n    change: Second", []string{`24:14: changelog version 3 does not follow 1`, `24:14: the last changelog line is for version 3`}},
		{"yaml syntax", "severity: high\n", "severity: [high\n", []string{`24:1: invalid YAML: did not find expected ',' or ']'`}},
		{"several errors at once", "severity: high\nconfidence: medium\n", "severity: hgh\nconfidence: sure\n", []string{`24:11: severity`, `25:13: confidence "sure"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(string(src), tc.old) {
				t.Fatalf("test setup: %q not in spec", tc.old)
			}
			mutated := strings.Replace(string(src), tc.old, tc.new, 1)
			sr, errs := spec.Parse(filepath.Join(filepath.Dir(shipped), "rule.yaml"), []byte(mutated))
			if len(errs) == 0 {
				_, errs = Rule(sr)
			}
			if len(errs) == 0 {
				t.Fatalf("no error; want %v", tc.want)
			}
			got := errs.Error()
			for _, w := range tc.want {
				if !strings.Contains(got, "rule.yaml:"+strings.TrimPrefix(w, ":")) && !strings.Contains(got, "rule.yaml"+w) {
					t.Errorf("errors do not contain rule.yaml:%s\n%s", w, got)
				}
			}
		})
	}
}
