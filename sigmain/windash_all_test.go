package sigmain_test

import "testing"

// TestWindashAll: under all, every written value must hold through any
// one of its windash variants, not through all of them at once.
func TestWindashAll(t *testing.T) {
	res := readSigma(t, `title: windash all
id: 5f1e0c2a-0000-4000-8000-000000000201
logsource: {product: windows, category: process_creation}
detection:
  selection:
    CommandLine|windash|contains|all: ['-exec', '-enc']
  condition: selection
`)
	for cmd, want := range map[string]bool{
		`powershell -exec bypass -enc AAAA`: true,
		`powershell /exec bypass –enc AAAA`: true,
		`powershell -exec bypass`:           false,
		`powershell -enc AAAA`:              false,
	} {
		rec := winRecord(1, sysmonChannel, map[string]any{"Image": `C:\x\powershell.exe`, "CommandLine": cmd})
		for _, target := range []string{"reference", "qradar", "chronicle"} {
			art := ""
			if target != "reference" {
				var why string
				art, why = generateFor(t, res, target)
				if why != "" {
					t.Fatalf("%s: %s", target, why)
				}
			}
			got, err := fires(t, res, target, art, rec)
			if err != nil || got != want {
				t.Errorf("%s on %q: %v (%v), want %v", target, cmd, got, err, want)
			}
		}
	}
}
