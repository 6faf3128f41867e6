package main

import (
	"github.com/detgen/detgen/backends/qradar"
	"github.com/detgen/detgen/driver"
	"maps"
	"strings"
	"testing"
	"time"

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
	// Every property a rule's query reads is installed, once.
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
			want[p.Name] = true
		}
	}
	got := map[string]bool{}
	for _, p := range srv.CustomProperties() {
		got[p.Name] = true
	}
	if len(want) == 0 || !maps.Equal(got, want) {
		t.Errorf("installed custom properties %v, want %v", got, want)
	}
	code, out, _ = detgen(t, append(args, "--apply")...)
	if code != 0 || !strings.Contains(out, "unchanged") {
		t.Fatalf("second apply: exit %d\n%s", code, out)
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
