package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const importGood = `title: Certutil URL cache download
id: 3c7d9a2e-5b1f-4e8a-9c6d-2f4e6a8b0c1d
status: test
description: Detects certutil downloading a file.
author: detgen tests
date: 2023-02-15
tags: [attack.command-and-control, attack.t1105]
logsource: {category: process_creation, product: windows}
detection:
  selection:
    Image|endswith: '\certutil.exe'
    CommandLine|contains|all: ['urlcache', 'http']
  filter:
    CommandLine|contains: 'localhost'
  condition: selection and not filter
level: high
falsepositives: [Administrators]
`

const importRefused = `title: Unknown product
id: 8a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
logsource: {product: no_such_product}
detection:
  sel:
    Foo: bar
  condition: sel
`

func importInputs(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "sigma")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestImportSigmaWritesSpecsAndRefusals: a converted rule is written as
// OUT/<name>.yaml with a note that it has no tests, and the written spec
// passes detgen validate as is; a refused rule is reported on stderr with
// its reason and not written, and makes the exit status 1.
func TestImportSigmaWritesSpecsAndRefusals(t *testing.T) {
	fixedClock(t, time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC))
	in := importInputs(t, map[string]string{"certutil_download.yml": importGood, "unknown.yml": importRefused})
	out := filepath.Join(t.TempDir(), "specs")
	code, stdout, stderr := detgen(t, "import", "sigma", "--out", out, in)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (one refused)\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	spec := filepath.Join(out, "certutil_download.yaml")
	if !strings.Contains(stdout, "detgen: wrote "+spec+" (from ") || !strings.Contains(stdout, "  no tests: add matching and non-matching test events") {
		t.Errorf("stdout does not list the file and its missing tests:\n%s", stdout)
	}
	if !strings.Contains(stdout, "detgen: 1 written, 1 not written") {
		t.Errorf("no summary:\n%s", stdout)
	}
	if !strings.Contains(stderr, "unknown.yml:") || !strings.Contains(stderr, ": refused: ") {
		t.Errorf("the refusal is not reported with its position:\n%s", stderr)
	}
	entries, err := os.ReadDir(out)
	if err != nil || len(entries) != 1 {
		t.Fatalf("out holds %v (%v), want only the one spec (no temporary files)", entries, err)
	}
	src, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"id: 3c7d9a2e-5b1f-4e8a-9c6d-2f4e6a8b0c1d\n", "name: certutil_download\n", "severity: high\n",
		"      Image|endswith: \\certutil.exe\n", "condition: selection and not filter\n",
		"  technique:\n    id: T1105\n    name: Ingress Tool Transfer\n",
	} {
		if !strings.Contains(string(src), want) {
			t.Errorf("spec lacks %q:\n%s", want, src)
		}
	}
	if code, vout, verr := detgen(t, "validate", spec); code != 0 {
		t.Errorf("detgen validate on the imported spec: exit %d\n%s%s\n%s", code, vout, verr, src)
	}
}

// TestImportSigmaNeverOverwrites: a second import leaves an existing file
// as it is and fails; --force replaces it.
func TestImportSigmaNeverOverwrites(t *testing.T) {
	in := importInputs(t, map[string]string{"certutil_download.yml": importGood})
	out := t.TempDir()
	spec := filepath.Join(out, "certutil_download.yaml")
	if err := os.WriteFile(spec, []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := detgen(t, "import", "sigma", "--out", out, in)
	if code != 1 || !strings.Contains(stderr, "exists (use --force to replace it)") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	if b, _ := os.ReadFile(spec); string(b) != "mine\n" {
		t.Errorf("existing file changed to:\n%s", b)
	}
	code, _, stderr = detgen(t, "import", "sigma", "--force", "--out", out, in)
	if code != 0 {
		t.Fatalf("--force: exit %d\n%s", code, stderr)
	}
	if b, _ := os.ReadFile(spec); !strings.HasPrefix(string(b), "# Imported from the Sigma rule certutil_download.yml") {
		t.Errorf("--force did not replace the file:\n%s", b)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 {
		t.Errorf("out holds %d entries, want 1 (temporary files left?)", len(entries))
	}
}

// TestImportUsage: a missing --out, no path, or an unknown format are
// usage errors (exit 2); the help says that specs come without tests.
func TestImportUsage(t *testing.T) {
	in := importInputs(t, map[string]string{"certutil_download.yml": importGood})
	for _, args := range [][]string{
		{"import", "sigma", in},
		{"import", "sigma", "--out", t.TempDir()},
		{"import", "yara", in},
		{"import"},
	} {
		if code, _, stderr := detgen(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, stderr)
		}
	}
	code, stdout, _ := detgen(t, "import", "sigma", "--help")
	if code != 0 || !strings.Contains(stdout, "No spec has tests") || !strings.Contains(stdout, "--force") {
		t.Errorf("help (exit %d):\n%s", code, stdout)
	}
}
