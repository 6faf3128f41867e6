package lint

import (
	"os"
	"strings"
	"testing"

	"github.com/detgen/detgen/lang/aql"
	"github.com/detgen/detgen/lang/yaral"
)

const golden = "../golden/14c5ecd1-d826-4822-9987-96a68c25fef2/"

func findings(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.String() + "\n")
	}
	return b.String()
}

func TestShippedArtifactsAreClean(t *testing.T) {
	for file, lang := range map[string]Language{"qradar.aql": AQL, "chronicle.yaral": YARAL, "sigma.yml": Sigma} {
		src, err := os.ReadFile(golden + file)
		if err != nil {
			t.Fatal(err)
		}
		if fs := Check(lang, src); len(fs) > 0 {
			t.Errorf("%s:\n%s", file, findings(fs))
		}
	}
}

func TestSigmaChecks(t *testing.T) {
	src, err := os.ReadFile(golden + "sigma.yml")
	if err != nil {
		t.Fatal(err)
	}
	base := string(src)
	tests := []struct{ old, new, want string }{
		{"id: 14c5ecd1-d826-4822-9987-96a68c25fef2", "id: not-a-uuid", `2:5: error: id "not-a-uuid" is not a UUID [sigma-id]`},
		{"level: high", "level: severe", `level "severe" is not one of`},
		{"status: experimental", "status: beta", `status "beta" is not one of`},
		{"    - attack.t1053.007", "    - attack.t1053.004", `tag "attack.t1053.004" names no technique`},
		{"    - attack.execution", "    - attack.executing", `tag "attack.executing" is neither`},
		{"    - attack.execution", "    - attack.Execution", `must be lower case`},
		{"condition: job_write and", "condition: job_writ and", `condition names selection "job_writ", which does not exist`},
		{"condition: job_write and ", "condition: ", `selection "job_write" is not used by the condition`},
		{"    product: 'kubernetes'\n    service: 'audit'\n", "    definition: 'x'\n", `logsource names no category, product or service`},
		{"detection:", "detection: [", `syntax`},
	}
	checkEdits(t, base, tests)
}

func TestAQLFindings(t *testing.T) {
	got := findings(Check(AQL, []byte("SELECT payload FROM events WHERE payload ILIKE '%x%'")))
	for _, want := range []string{"1:34: error:", "[bare-payload]", "warning:", "[no-time-clause]"} {
		if !strings.Contains(got, want) {
			t.Errorf("findings lack %q:\n%s", want, got)
		}
	}
	got = findings(Check(AQL, []byte("SELECT *\nFROM events\nWHERE (a = 1")))
	if !strings.Contains(got, "3:") || !strings.Contains(got, "[syntax]") {
		t.Errorf("syntax error without line:col: %s", got)
	}
}

func TestLanguageOf(t *testing.T) {
	for path, want := range map[string]Language{"a.aql": AQL, "b.yaral": YARAL, "c.yml": Sigma, "d.yaml": Sigma} {
		if got, ok := LanguageOf(path); !ok || got != want {
			t.Errorf("LanguageOf(%s) = %v, %v", path, got, ok)
		}
	}
	if _, ok := LanguageOf("x.txt"); ok {
		t.Error("x.txt has a language")
	}
}

func TestYARALFindings(t *testing.T) {
	seed, err := os.ReadFile("../lang/yaral/testdata/seed.yaral")
	if err != nil {
		t.Fatal(err)
	}
	got := findings(Check(YARAL, seed))
	for _, want := range []string{`error: log type "GKE_CONTROLPLANE" does not exist`, "[unknown-log-type]"} {
		if !strings.Contains(got, want) {
			t.Errorf("seed findings lack %q:\n%s", want, got)
		}
	}
	got = findings(Check(YARAL, []byte("rule r {\n  meta:\n    a = \"b\"\n  events:\n    $e.x = \n  condition:\n    $e\n}\n")))
	if !strings.Contains(got, "6:3: error:") || !strings.Contains(got, "[syntax]") {
		t.Errorf("broken rule: %s", got)
	}
}

// TestGeneratedArtifactsRoundTrip: printing a parsed generated artifact and
// parsing the print again gives the same tree (the canonical print is a
// fixed point).
func TestGeneratedArtifactsRoundTrip(t *testing.T) {
	src, _ := os.ReadFile(golden + "qradar.aql")
	q, err := aql.Parse(string(src))
	if err != nil {
		t.Fatal(err)
	}
	p1 := aql.Print(q)
	q2, err := aql.Parse(p1)
	if err != nil {
		t.Fatalf("printed AQL does not parse: %v\n%s", err, p1)
	}
	if p2 := aql.Print(q2); p2 != p1 {
		t.Errorf("AQL print is not a fixed point:\n%s\n%s", p1, p2)
	}
	src, _ = os.ReadFile(golden + "chronicle.yaral")
	r, err := yaral.Parse(string(src))
	if err != nil {
		t.Fatal(err)
	}
	y1 := yaral.Print(r)
	r2, err := yaral.Parse(y1)
	if err != nil {
		t.Fatalf("printed YARA-L does not parse: %v\n%s", err, y1)
	}
	if y2 := yaral.Print(r2); y2 != y1 {
		t.Errorf("YARA-L print is not a fixed point")
	}
}

// A correlation artifact (base rule, then the correlation): each document
// is checked with positions in the whole file, and the correlation must
// name rules of the file.
func TestSigmaCorrelationChecks(t *testing.T) {
	src, err := os.ReadFile("../golden/7d4c2a1e-9b3f-4e6a-8c5d-2f1e0a9b8c7d/sigma.yml")
	if err != nil {
		t.Fatal(err)
	}
	base := string(src)
	if fs := Check(Sigma, src); len(fs) > 0 {
		t.Fatalf("the shipped correlation has findings:\n%s", findings(fs))
	}
	tests := []struct{ old, new, want string }{
		{"        - kubernetes_secret_enumeration_events", "        - kubernetes_secret_enumeration_evnts", `correlation names rule "kubernetes_secret_enumeration_evnts", which is not in the file`},
		// The first document's level is on line 32 of the file.
		{"level: high\n---", "level: severe\n---", `32:8: error: level "severe" is not one of`},
		{"    type: value_count", "    type: value_counts", `does not follow the correlation rule schema`},
	}
	checkEdits(t, base, tests)
}

// checkEdits replaces old with new in a Sigma artifact, once per case,
// and wants a finding containing want.
func checkEdits(t *testing.T, base string, tests []struct{ old, new, want string }) {
	t.Helper()
	for _, tc := range tests {
		if !strings.Contains(base, tc.old) {
			t.Fatalf("%q not in golden", tc.old)
		}
		got := findings(Check(Sigma, []byte(strings.Replace(base, tc.old, tc.new, 1))))
		if !strings.Contains(got, tc.want) {
			t.Errorf("%q -> %q: findings lack %q:\n%s", tc.old, tc.new, tc.want, got)
		}
	}
}
