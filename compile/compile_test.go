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
	if r.Subtechnique.ID != "T1053.007" || r.Scoring == nil || len(r.Scoring.Signals) != 6 || r.Scoring.Threshold != 10 {
		t.Errorf("unexpected rule: %+v", r)
	}
	if !r.Scoring.AnySignalAlerts() || r.Scoring.MaxScore() != 100 {
		t.Errorf("AnySignalAlerts=%v MaxScore=%d, want true and 100", r.Scoring.AnySignalAlerts(), r.Scoring.MaxScore())
	}
}

// errorsFixture is version 3 of the shipped spec, frozen so that the line
// and column of every expected error below stay put when the shipped rule
// changes. It is parsed as if it sat beside the shipped rule, whose test
// events it names.
const errorsFixture = "testdata/t1053.007-v3.yaml"

// TestErrors mutates a spec and checks that each mistake is reported at
// the right file:line:col with a helpful message.
func TestErrors(t *testing.T) {
	src, err := os.ReadFile(errorsFixture)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, old, new string
		want           []string // "line:col: message substring"
	}{
		{"unknown key", "severity: high\n", "severity: high\nseverty: high\n", []string{`32:1: document: unknown key "severty"`}},
		{"wrong type", "\nversion: 3\n", "\nversion: one\n", []string{`7:10: version: expected an integer, found the string "one"`}},
		{"missing required", "author: detgen\n", "", []string{`4:1: document: missing required key "author"`}},
		{"empty required", "author: detgen\n", "author: \"\"\n", []string{`17:9: author: must not be empty`}},
		{"duplicate key", "severity: high\n", "severity: high\nseverity: low\n", []string{`32:1: document: duplicate key "severity"`}},
		{"bad severity", "severity: high\n", "severity: hgh\n", []string{`31:11: severity "hgh" is not one of`}},
		{"bad uuid", "id: 14c5ecd1-d826-4822-9987-96a68c25fef2", "id: not-a-uuid", []string{`4:5: id "not-a-uuid" is not a lower-case UUID`}},
		{"bad name", "name: kubernetes_suspicious_cronjob_job_creation", "name: Kubernetes-Job", []string{`5:7: name "Kubernetes-Job" must match`}},
		{"bad tactic id", "- id: TA0002", "- id: TX0002", []string{`36:11: tactic id "TX0002" is not an ATT&CK tactic id`}},
		{"bad technique id", "    id: T1053\n", "    id: T105\n", []string{`43:9: technique id "T105" is not an ATT&CK technique id`}},
		{"sub-technique of another technique", "id: T1053.007", "id: T1059.007", []string{`46:9: sub-technique T1059.007 does not belong to technique T1053`}},
		{"sub-technique that does not exist", "id: T1053.007", "id: T1053.004", []string{`46:9: sub-technique T1053.004 does not exist in ATT&CK Enterprise v18.0`}},
		{"wrong technique name", "name: Scheduled Task/Job", "name: Scheduled Task", []string{`44:11: technique T1053 is named "Scheduled Task/Job" in ATT&CK v18.0, not "Scheduled Task"`}},
		{"tactic that does not fit", "- id: TA0002\n      name: Execution", "- id: TA0006\n      name: Credential Access", []string{`36:11: tactic TA0006 (Credential Access) is not a tactic of T1053.007`}},
		{"unknown tactic", "- id: TA0002\n      name: Execution", "- id: TA0099\n      name: Execution", []string{`36:11: tactic TA0099 does not exist`}},
		{"url mismatch", "url: https://attack.mitre.org/techniques/T1053/007/", "url: https://attack.mitre.org/techniques/T1053/", []string{`48:8: url "https://attack.mitre.org/techniques/T1053/" does not match`}},
		{"unknown field", "      image|contains:", "      imagee|contains:", []string{`130:7: unknown field "imagee" (fields: verb,`}},
		{"unknown modifier", "      image|contains:", "      image|contain:", []string{`130:7: unknown modifier "contain"`}},
		{"conflicting modifiers", "      image|contains:", "      image|contains|endswith:", []string{`130:7: image|contains|endswith: modifiers contains and endswith cannot be combined`}},
		{"regex that does not compile", "      image|contains: [alpine,", "      image|re: ['(alpine',", []string{`130:18: image|re: regular expression "(alpine"`}},
		{"bad cidr", "      image|contains: [alpine,", "      source_ip|cidr: [10.0.0.1/8,", []string{`130:24: source_ip|cidr: "10.0.0.1/8" has host bits set`}},
		{"cidr on a string field", "      image|contains: [alpine,", "      image|cidr: [10.0.0.0/8,", []string{`130:7: image|cidr: field image is a string: cidr needs an IP field`}},
		{"empty selection list", "      image|contains: [alpine, busybox, ubuntu, kali, netcat, ncat, nmap, masscan, socat, xmrig]", "      image|contains: []", []string{`130:23: field "image" has an empty list of values`}},
		{"control character", "contains: [alpine,", "contains: [\"al\\u0007pine\",", []string{`130:24: value "al\apine" holds a control, bidi or invalid character`}},
		{"bool field with contains", "      privileged: true", "      privileged|contains: tru", []string{`147:7: privileged|contains: field privileged is boolean`}},
		{"bool field bad value", "      privileged: true", "      privileged: yes-please", []string{`147:19: privileged: field privileged is boolean; "yes-please" is not true or false`}},
		{"unknown selection in condition", "condition: job_write and not control_plane", "condition: job_write and not control_plan", []string{`154:32: condition: unknown selection "control_plan"`}},
		{"condition syntax", "condition: job_write and not control_plane", "condition: job_write and (not control_plane", []string{`154:46: condition: expected ) to close the ( at column 15`}},
		{"unused selection", "condition: job_write and not control_plane", "condition: job_write", []string{`122:5: selection "control_plane" is not used`}},
		{"pattern matching nothing", "condition: job_write and not control_plane", "condition: job_write and not 1 of ctrl_*", []string{`154:37: condition: pattern "ctrl_*" matches no selection`}},
		{"signal on unknown selection", "when: suspicious_image", "when: suspicious_images", []string{`165:15: condition: unknown selection "suspicious_images"`}},
		{"weight zero", "weight: 15\n        when: host_path_volume", "weight: 0\n        when: host_path_volume", []string{`172:17: signal "host_path_volume": weight must be positive`}},
		{"duplicate signal", "- name: host_network", "- name: privileged_container", []string{`178:15: signal name "privileged_container" is used twice`}},
		{"threshold unreachable", "threshold: 10", "threshold: 101", []string{`160:16: threshold 101 can never be reached`}},
		{"threshold not above base", "threshold: 10", "threshold: 0", []string{`160:16: threshold 0 must exceed base 0`}},
		{"unknown logsource", "logsource: kubernetes_audit", "logsource: no_such_source", []string{`107:12: logsource "no_such_source" is unknown`}},
		{"bad date", `date: "2026-11-23"`, `date: "23/11/2026"`, []string{`18:7: date "23/11/2026" is not a date`}},
		{"bump without changelog", "version: 3\nstatus", "version: 4\nstatus", []string{`27:14: the last changelog line is for version 3, but the rule is at version 4`}},
		{"modified not the changelog date", `modified: "2026-12-02"`, `modified: "2026-12-03"`, []string{`19:11: modified 2026-12-03 is not the date of the last changelog line (2026-12-02)`}},
		{"changelog gap", "    change: First version", "    change: First\n  - version: 3\n    date: \"2026-11-23\"\n    change: Second", []string{`24:14: changelog version 3 does not follow 1`, `27:14: changelog version 2 does not follow 3`}},
		{"yaml syntax", "severity: high\n", "severity: [high\n", []string{`31:1: invalid YAML: did not find expected ',' or ']'`}},
		{"several errors at once", "severity: high\nconfidence: medium\n", "severity: hgh\nconfidence: sure\n", []string{`31:11: severity`, `32:13: confidence "sure"`}},
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
