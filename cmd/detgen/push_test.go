package main

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/detgen/detgen/backends/qradar"
	"github.com/detgen/detgen/backends/qradar/content"
	"github.com/detgen/detgen/driver"

	"github.com/detgen/detgen/push/chronicle/chronicletest"
	"github.com/detgen/detgen/push/qradar/qradartest"
)

func TestPushChronicleAgainstFake(t *testing.T) {
	srv := chronicletest.NewServer(t)
	t.Setenv("DETGEN_CHRONICLE_TOKEN", srv.Token)
	args := []string{"push", "chronicle", "--rules", "../../rules", "--base-url", srv.BaseURL, "--instance", srv.Instance}

	code, out, errOut := detgen(t, args...)
	if code != 0 || !strings.Contains(out, "create    kubernetes_suspicious_cronjob_job_creation") || !strings.Contains(out, "dry run: nothing changed") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	if len(srv.Rules()) != 0 {
		t.Fatal("dry run created rules")
	}
	code, out, errOut = detgen(t, append(args, "--apply", "--enable")...)
	if code != 0 || !strings.Contains(out, "create ") || len(srv.Rules()) == 0 {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errOut)
	}
	srv.ResetRequests()
	code, out, _ = detgen(t, append(args, "--apply")...)
	if code != 0 || !strings.Contains(out, "unchanged") {
		t.Fatalf("second apply: exit %d\n%s", code, out)
	}
	for _, r := range srv.Requests() {
		if r.Method != "GET" && !strings.HasSuffix(r.Path, ":verifyRuleText") {
			t.Errorf("second apply wrote: %s %s", r.Method, r.Path)
		}
	}
	if strings.Contains(out+errOut, srv.Token) {
		t.Error("token printed")
	}
}

func TestPushChronicleInvalidRule(t *testing.T) {
	srv := chronicletest.NewServer(t)
	t.Setenv("DETGEN_CHRONICLE_TOKEN", srv.Token)
	srv.SetVerify(func(text string) []chronicletest.Diagnostic {
		return []chronicletest.Diagnostic{{Message: "field \"labelz\" does not exist", StartLine: 40, StartColumn: 7, EndLine: 40, EndColumn: 12, Severity: "ERROR"}}
	})
	code, out, errOut := detgen(t, "push", "chronicle", "--rules", "../../rules", "--base-url", srv.BaseURL, "--instance", srv.Instance, "--apply")
	if code != 1 || !strings.Contains(out+errOut, ".yaral:40:7: error: field \"labelz\" does not exist") || len(srv.Rules()) != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}

func TestPushQRadarAgainstFake(t *testing.T) {
	srv := qradartest.NewServer(t)
	t.Setenv("DETGEN_QRADAR_TOKEN", srv.Token)
	args := []string{"push", "qradar", "--rules", "../../rules", "--url", srv.BaseURL, "--poll-interval", time.Millisecond.String()}
	code, out, errOut := detgen(t, args...)
	if code != 0 || !strings.Contains(out, "create") || !strings.Contains(out, "dry run") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = detgen(t, append(args, "--apply")...)
	if code != 0 || len(srv.SavedSearches()) == 0 {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errOut)
	}
	// Every property a rule's query reads is installed, once, under its
	// console name; every rule is a saved search and a custom rule.
	rules, err := driver.LoadDir("../../rules")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, r := range rules {
		props, err := qradar.Properties(r)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range props {
			want[content.PropertyName(driver.QRadarOptions.PropertyPrefix, p.Name)] = true
		}
	}
	got := map[string]bool{}
	for _, p := range srv.CustomProperties() {
		got[p.Name] = true
	}
	if len(want) == 0 || !maps.Equal(got, want) {
		t.Errorf("installed custom properties %v, want %v", got, want)
	}
	// A saved search per QRadar rule; a real-time custom rule per
	// single-event one (an aggregation ships as a search only; a rule
	// that excludes QRadar ships neither).
	single, onQRadar := 0, 0
	for _, r := range rules {
		if _, out := r.Excluded["qradar"]; out {
			continue
		}
		onQRadar++
		if r.Aggregate == nil {
			single++
		}
	}
	if n, m := len(srv.CustomRules()), len(srv.SavedSearches()); n != single || m != onQRadar {
		t.Errorf("%d custom rules and %d saved searches for %d QRadar rules (%d single-event)", n, m, onQRadar, single)
	}
	code, out, _ = detgen(t, append(args, "--apply")...)
	if code != 0 || !strings.Contains(out, "unchanged") || strings.Contains(out, "update") {
		t.Fatalf("second apply: exit %d\n%s", code, out)
	}
}

// detgen build and detgen push qradar ship the same bytes: the body of the
// upload is qradar/extension.zip of a build of the same rules.
func TestPushQRadarUploadsTheBuiltExtension(t *testing.T) {
	dist := filepath.Join(t.TempDir(), "dist")
	if code, _, stderr := detgen(t, "build", "--rules", "../../rules", "--out", dist); code != 0 {
		t.Fatalf("build: %s", stderr)
	}
	built, err := os.ReadFile(filepath.Join(dist, filepath.FromSlash(driver.QRadarExtensionPath)))
	if err != nil {
		t.Fatal(err)
	}
	srv := qradartest.NewServer(t)
	srv.SetInstallPolls(1)
	t.Setenv("DETGEN_QRADAR_TOKEN", srv.Token)
	code, out, errOut := detgen(t, "push", "qradar", "--rules", "../../rules", "--url", srv.BaseURL, "--poll-interval", time.Millisecond.String(), "--apply")
	if code != 0 {
		t.Fatalf("push: exit %d\n%s%s", code, out, errOut)
	}
	var uploads [][]byte
	for _, r := range srv.Requests() {
		if r.Method == "POST" && r.Path == "/api/config/extension_management/extensions" {
			uploads = append(uploads, r.Body)
		}
	}
	if len(uploads) != 1 || !bytes.Equal(uploads[0], built) {
		t.Fatalf("%d uploads; the upload is not the built %s (%d bytes)", len(uploads), driver.QRadarExtensionPath, len(built))
	}
	// The build lists the extension under every QRadar rule.
	manifest, err := os.ReadFile(filepath.Join(dist, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	rules, _ := driver.LoadDir("../../rules")
	onQRadar := 0
	for _, r := range rules {
		if _, out := r.Excluded["qradar"]; !out {
			onQRadar++
		}
	}
	if n := strings.Count(string(manifest), `"path": "`+driver.QRadarExtensionPath+`"`); n != onQRadar {
		t.Errorf("manifest lists the extension %d times for %d QRadar rules", n, onQRadar)
	}
	if _, err := os.Stat(filepath.Join(dist, "qradar", ruleID+".properties.json")); err != nil {
		t.Errorf("per-rule properties JSON: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(dist, "qradar", "*.extension.xml")); len(m) != 0 {
		t.Errorf("per-rule extensions still written: %v", m)
	}
}

func TestPushNeedsToken(t *testing.T) {
	t.Setenv("DETGEN_QRADAR_TOKEN", "")
	code, _, errOut := detgen(t, "push", "qradar", "--url", "https://qradar.example/api")
	if code != 2 || !strings.Contains(errOut, "set DETGEN_QRADAR_TOKEN") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	code, _, errOut = detgen(t, "push", "chronicle", "--apply", "--dry-run", "--instance", "x")
	if code != 2 || !strings.Contains(errOut, "contradict") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}
