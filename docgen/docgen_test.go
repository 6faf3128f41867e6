package docgen_test

import (
	"fmt"
	"github.com/detgen/detgen/ir"
	"strings"
	"testing"

	"github.com/detgen/detgen/docgen"
	"github.com/detgen/detgen/driver"
)

// TestPagesCarryTheSeedContent checks that each page holds what the seed
// pages hold, and that the query in it is the generated artifact byte for
// byte.
func TestPagesCarryTheSeedContent(t *testing.T) {
	rules, arts, _, err := driver.BuildDir("../rules")
	if err != nil {
		t.Fatal(err)
	}
	byRule := map[string][]docgen.Artifact{}
	data := map[string]string{}
	for _, a := range arts {
		byRule[a.Rule.ID] = append(byRule[a.Rule.ID], docgen.Artifact{Target: a.Target.Name, Data: a.Data})
		if a.Rule.Name == "kubernetes_suspicious_cronjob_job_creation" {
			data[a.Target.Name] = string(a.Data)
		}
	}
	pages, err := docgen.Pages(rules, byRule, driver.DocOptions())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range pages {
		got[p.Path] = string(p.Data)
	}
	dir := "kubernetes_suspicious_cronjob_job_creation/"
	var r *ir.Rule
	for _, x := range rules {
		if x.Name == "kubernetes_suspicious_cronjob_job_creation" {
			r = x
		}
	}
	for target, heading := range map[string]string{
		"qradar":    "# Detect Container Orchestration Job in IBM QRadar",
		"chronicle": "# Detect Container Orchestration Job in Google SecOps (Chronicle)",
		"sigma":     "# Detect Container Orchestration Job in Sigma",
	} {
		page, ok := got[dir+target+".md"]
		if !ok {
			t.Fatalf("no page for %s", target)
		}
		for _, want := range []string{
			heading,
			"Adversaries abuse container orchestration jobs",
			"| Tactics | Execution (TA0002), Persistence (TA0003), Privilege Escalation (TA0004) |",
			"| Technique | T1053 Scheduled Task/Job |",
			"| Sub-technique | T1053.007 Container Orchestration Job |",
			"https://attack.mitre.org/techniques/T1053/007/",
			"\n" + data[target] + "```",
			"## Data sources", "## Prerequisites", "## False positives & tuning",
			"Authorized security scanning or pen-test CronJobs",
			"## Testing methodology",
			"1. **Create Malicious Kubernetes CronJob with Reverse Shell Command**",
			"4. **Deploy Cryptomining CronJob via kubectl**",
			"## References", "https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/",
			"## Other platforms for T1053.007",
		} {
			if !strings.Contains(page, want) {
				t.Errorf("%s page lacks %q", target, want)
			}
		}
		if strings.Contains(page, "]("+target+".md)") {
			t.Errorf("%s page links to itself", target)
		}
	}
	if want := fmt.Sprintf("| T1053.007 | Suspicious Kubernetes CronJob or Job Creation | high | %d |", r.Version); !strings.Contains(got["index.md"], want) {
		t.Errorf("index:\n%s", got["index.md"])
	}
	if !strings.Contains(got[dir+"qradar.md"], "`detgen_objectRef_resource` (field resource): JSON expression `/\"objectRef\"/\"resource\"`") {
		t.Error("qradar page lacks the custom property prerequisite")
	}
	if !strings.Contains(got[dir+"chronicle.md"], "**not filled by the default parser: needs a parser extension**") {
		t.Error("chronicle page does not flag the parser-extension labels")
	}
}

func TestFenceOutlastsBackticks(t *testing.T) {
	// A YARA-L rule may hold back-quoted regexes: the fence must be longer.
	content := "re.regex($e.x, `a`) and ```triple```"
	if got := docgen.DocgenFence(content, "yaral"); !strings.HasPrefix(got, "````yaral\n") || !strings.HasSuffix(got, "\n````") {
		t.Errorf("fence = %q", got)
	}
}
