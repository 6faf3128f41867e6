package sigmain_test

import (
	"strings"
	"testing"

	"github.com/detgen/detgen/internal/invisible"
)

// TestInvisibleValuesAreEscaped: a Sigma rule may look for a character
// that is invisible in review (a right-to-left override in a file name, a
// zero-width joiner inside an emoji). Every artifact writes it as an
// escape, never raw, and the reference, the AQL and the YARA-L fire on the
// command lines that hold it and on no other.
func TestInvisibleValuesAreEscaped(t *testing.T) {
	res := readSigma(t, "title: RLO or a joined emoji\n"+
		"id: 0e9f5d0c-1111-4222-8333-000000000005\n"+
		"logsource: {product: windows, category: process_creation}\n"+
		"detection:\n"+
		"  selection_rlo:\n"+
		"    CommandLine|contains: \"\\u202E\"\n"+
		"  selection_exact:\n"+
		"    CommandLine: \"run \\U0001F62E\\u200D\\U0001F4A8\"\n"+
		"  condition: 1 of selection_*\n")
	arts := artifacts(t, res)
	sig, why := generateFor(t, res, "sigma")
	if why != "" {
		t.Fatalf("sigma refused: %s", why)
	}
	arts["sigma"] = sig
	for target, art := range arts {
		if invisible.In(art) {
			t.Errorf("%s artifact holds an invisible character raw:\n%s", target, art)
		}
	}
	mustContain(t, "qradar", arts["qradar"], `\x{202E}`, `\x{200D}`)
	mustContain(t, "chronicle", arts["chronicle"], `\x{202E}`, `\x{200D}`)
	mustContain(t, "sigma", arts["sigma"], `\u202e`, `\u200d`)
	for _, c := range []struct {
		cmd  string
		want bool
	}{
		{"notepad.exe invoice\u202Efdp.exe", true},
		{"notepad.exe invoice.pdf", false},
		{"run \U0001F62E\u200D\U0001F4A8", true},
		{"RUN \U0001F62E\u200D\U0001F4A8", true}, // equality is case-insensitive
		{"run \U0001F62E\U0001F4A8", false},      // the joiner is what is tested
		{"run \U0001F62E\u200D\U0001F4A8 now", false},
	} {
		verdicts(t, res, arts, processCreation(c.cmd), c.want)
	}
	if !strings.Contains(arts["qradar"], "IMATCHES") {
		t.Errorf("qradar: the values should be matched by regex:\n%s", arts["qradar"])
	}
}
