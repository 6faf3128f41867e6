package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sigmaCertutil = `title: Certutil download
id: 19b08b1c-861d-4e75-a1ef-ea0c1baf202b
status: test
description: Detects certutil downloading a file.
author: detgen
date: 2023-02-15
tags:
    - attack.command-and-control
    - attack.t1105
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\certutil.exe'
        CommandLine|contains|all:
            - 'urlcache'
            - 'http'
    condition: selection
level: high
`

// sigmaDirs writes two Sigma rules below a directory: one every target
// converts, one with a keyword search Chronicle refuses.
func sigmaDirs(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "sigma")
	if err := os.MkdirAll(filepath.Join(dir, "windows"), 0o755); err != nil {
		t.Fatal(err)
	}
	kw := strings.NewReplacer("19b08b1c-861d-4e75-a1ef-ea0c1baf202b", "5f0b7c8e-2f4b-4d1a-9d5e-0c7a1e2b3c4d",
		"    condition: selection", "    keywords:\n        - mimikatz\n    condition: selection and keywords").Replace(sigmaCertutil)
	for name, src := range map[string]string{"windows/certutil.yml": sigmaCertutil, "keywords.yaml": kw, "README.md": "not a rule"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestConvertWritesArtifactsAndRefusals(t *testing.T) {
	in := sigmaDirs(t)
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := detgen(t, "convert", "--target", "all", "--out", out, in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, f := range []string{
		"qradar/19b08b1c-861d-4e75-a1ef-ea0c1baf202b.aql", "chronicle/19b08b1c-861d-4e75-a1ef-ea0c1baf202b.yaral",
		"sigma/19b08b1c-861d-4e75-a1ef-ea0c1baf202b.yml", "qradar/5f0b7c8e-2f4b-4d1a-9d5e-0c7a1e2b3c4d.aql",
	} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "chronicle/5f0b7c8e-2f4b-4d1a-9d5e-0c7a1e2b3c4d.yaral")); err == nil {
		t.Error("a refused artifact was written")
	}
	for _, want := range []string{
		"keywords.yaml:20:9: chronicle: refused: keyword search: YARA-L rules have no predicate over the raw log",
		"windows_process_creation",
		"chronicle     1  keyword search",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}

func TestConvertJSON(t *testing.T) {
	code, stdout, stderr := detgen(t, "convert", "--target", "chronicle", "--format", "json", sigmaDirs(t))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Documents []struct {
			ID      string `json:"id"`
			Targets map[string]struct {
				Converted bool   `json:"converted"`
				Path      string `json:"path"`
				Refused   []struct{ Pos, Reason string }
			} `json:"targets"`
		} `json:"documents"`
		Summary []struct {
			Logsource string         `json:"logsource"`
			Converted map[string]int `json:"converted"`
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	// In path order: keywords.yaml, then windows/certutil.yml.
	if len(doc.Documents) != 2 || doc.Documents[0].Targets["chronicle"].Converted || !doc.Documents[1].Targets["chronicle"].Converted {
		t.Fatalf("documents: %+v", doc.Documents)
	}
	if doc.Summary[0].Logsource != "windows_process_creation" || doc.Summary[0].Converted["chronicle"] != 1 {
		t.Errorf("summary: %+v", doc.Summary)
	}
}

func TestConvertExitCodes(t *testing.T) {
	in := sigmaDirs(t)
	bad := filepath.Join(t.TempDir(), "bad.yml")
	os.WriteFile(bad, []byte("title: x\ndetection: [a\n"), 0o644)
	foreign := t.TempDir()
	os.WriteFile(filepath.Join(foreign, "keep.txt"), []byte("mine"), 0o644)
	out := filepath.Join(t.TempDir(), "out")
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"convert", "--target", "qradar"}, 2, "at least one Sigma file"},
		{[]string{"convert", in}, 2, "needs --target"},
		{[]string{"convert", "--target", "splunk", in}, 2, `unknown target "splunk"`},
		{[]string{"convert", "--target", "all", "--format", "xml", in}, 2, `unknown format "xml"`},
		{[]string{"convert", "--target", "all", filepath.Join(in, "missing.yml")}, 1, "no such file"},
		{[]string{"convert", "--target", "all", "--out", out, in, bad}, 1, "bad.yml:2:1: invalid YAML"},
		{[]string{"convert", "--target", "all", "--out", foreign, in}, 1, "refusing to replace"},
	} {
		code, _, stderr := detgen(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, tc.code, tc.msg)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("output written although an input was unreadable")
	}
}

// TestConvertPlaceholders: --placeholders resolves expand, and a bad
// placeholder file is an error with its position, before anything is
// written.
func TestConvertPlaceholders(t *testing.T) {
	dir := t.TempDir()
	rule := filepath.Join(dir, "rule.yml")
	os.WriteFile(rule, []byte(strings.Replace(sigmaCertutil, "Image|endswith: '\\certutil.exe'", "Image|expand|endswith: '%lolbins%'", 1)), 0o644)
	good := filepath.Join(dir, "good.yml")
	os.WriteFile(good, []byte("lolbins: ['\\certutil.exe', '\\bitsadmin.exe']\n"), 0o644)
	bad := filepath.Join(dir, "bad.yml")
	os.WriteFile(bad, []byte("lolbins: [x]\nlolbins: [y]\n"), 0o644)
	out := filepath.Join(dir, "out")

	code, stdout, _ := detgen(t, "convert", "--target", "qradar", rule)
	if code != 0 || !strings.Contains(stdout, "need their values") {
		t.Fatalf("without a file: exit %d, %q", code, stdout)
	}
	code, _, stderr := detgen(t, "convert", "--target", "qradar", "--placeholders", bad, "--out", out, rule)
	if code != 1 || !strings.Contains(stderr, "bad.yml:2:1: placeholder lolbins is defined twice") {
		t.Fatalf("bad file: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("output written although the placeholder file is bad")
	}
	code, _, stderr = detgen(t, "convert", "--target", "qradar", "--placeholders", good, "--out", out, rule)
	if code != 0 {
		t.Fatalf("good file: exit %d, %q", code, stderr)
	}
	aql, err := os.ReadFile(filepath.Join(out, "qradar", "19b08b1c-861d-4e75-a1ef-ea0c1baf202b.aql"))
	if err != nil || !strings.Contains(string(aql), `certutil.exe`) || !strings.Contains(string(aql), `bitsadmin.exe`) {
		t.Fatalf("AQL lacks the expansions (%v):\n%s", err, aql)
	}
}
