package compile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/detgen/detgen/spec"
)

// Bidi and invisible characters in any free-text field are rejected at
// the field's position, naming the character: they would reach AQL,
// YARA-L meta, XML and docs, where a reviewer cannot see them.
func TestInvisibleCharactersRejected(t *testing.T) {
	src, err := os.ReadFile(errorsFixture)
	if err != nil {
		t.Fatal(err)
	}
	// Testing and its cases have no key positions: their checks point at
	// the mapping that holds the field.
	tests := []struct{ field, old, new, want string }{
		{"title", "title: Suspicious Kubernetes", "title: Suspicious \u202eKubernetes", `6:8: title holds U+202E RIGHT-TO-LEFT OVERRIDE at character 12`},
		{"description", "  Detects the creation", "  Detects \u2066the creation", `9:14: description holds U+2066 LEFT-TO-RIGHT ISOLATE at character 9`},
		{"author", "author: detgen", "author: det\u200bgen", `17:9: author holds U+200B ZERO WIDTH SPACE at character 4`},
		{"changelog", "change: First version", "change: First\ufeff version", `23:13: changelog[0].change holds U+FEFF ZERO WIDTH NO-BREAK SPACE (BOM) at character 6`},
		{"data_sources", "  - \"Google Kubernetes", "  - \"Google\u200f Kubernetes", `52:5: data_sources[1] holds U+200F RIGHT-TO-LEFT MARK at character 7`},
		{"references", "  - https://falco.org/docs/rules/", "  - https://falco.org/docs/rules/\u202a", `59:5: references[4] holds U+202A LEFT-TO-RIGHT EMBEDDING at character 30`},
		// C0 and C1 controls can only be written as escapes in a quoted string.
		{"false_positives", "  - DevOps tooling that routinely deploys alpine or ubuntu utility pods for ephemeral maintenance and configuration jobs", `  - "DevOps\u0085 tooling"`, `69:5: false_positives[1] holds U+0085, a control character, at character 7`},
		{"tuning", "  - Raise the alert threshold to require two signals in clusters where alpine/busybox utility jobs are routine.", `  - "Raise\a the alert"`, `77:5: tuning[1] holds U+0007, a control character, at character 6`},
		{"methodology", "Validate against the Atomic", "Validate against\u2069 the Atomic", `81:3: testing.methodology holds U+2069 POP DIRECTIONAL ISOLATE at character 17`},
		{"test case name", "- name: Deploy Cryptomining", "- name: Deploy\u200d Cryptomining", `101:7: testing.cases[3].name holds U+200D ZERO WIDTH JOINER at character 7`},
		{"test case expected", "verb=create, objectRef.resource=jobs;", "verb=create,\u202c objectRef.resource=jobs;", `92:7: testing.cases[1].expected holds U+202C POP DIRECTIONAL FORMATTING at character 13`},
		{"signal description", "description: Offensive-tooling", "description: Offensive\u202d-tooling", `163:22: signal suspicious_image: description holds U+202D LEFT-TO-RIGHT OVERRIDE at character 10`},
		{"test name", "- name: reverse-shell CronJob on alpine", "- name: reverse-shell\u200e CronJob on alpine", `193:11: test "reverse-shell\u200e CronJob on alpine (methodology test 1)": name holds U+200E LEFT-TO-RIGHT MARK at character 14`},
		{"match value", "contains: [alpine,", "contains: [alp\u202eine,", `130:24: value "alp\u202eine" holds a control, bidi or invalid character`},
		// Every format character, not only the bidi controls: a word
		// joiner was written raw into the artifacts.
		{"match value word joiner", "contains: [alpine,", "contains: [alp\u2060ine,", `130:24: value "alp\u2060ine" holds a control, bidi or invalid character`},
		{"multi-line field tab", "  Detects the creation", "  Detects\tthe creation", `9:14: description holds U+0009, a control character, at character 8`},
	}
	for _, tc := range tests {
		t.Run(tc.field, func(t *testing.T) {
			if !strings.Contains(string(src), tc.old) {
				t.Fatalf("test setup: %q not in spec", tc.old)
			}
			mutated := strings.Replace(string(src), tc.old, tc.new, 1)
			sr, errs := spec.Parse(filepath.Join(filepath.Dir(shipped), "rule.yaml"), []byte(mutated))
			if len(errs) == 0 {
				_, errs = Rule(sr)
			}
			if !strings.Contains(errs.Error(), "rule.yaml:"+tc.want) {
				t.Errorf("errors lack rule.yaml:%s\n%v", tc.want, errs)
			}
		})
	}
}
