package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// oneRule returns a rules directory holding the shipped spec alone, so a
// test of counts does not depend on how many rules ship.
func oneRule(t *testing.T) (dir string, spec string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "rules")
	os.MkdirAll(dir, 0o755)
	abs, _ := filepath.Abs("../../rules/kubernetes/testdata")
	os.Symlink(abs, filepath.Join(dir, "testdata"))
	src, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	spec = filepath.Join(dir, "rule.yaml")
	os.WriteFile(spec, src, 0o644)
	return dir, spec
}

// Counts agree with their nouns: "1 rule", "1 error".
func TestPlurals(t *testing.T) {
	rules, spec := oneRule(t)
	out := filepath.Join(t.TempDir(), "dist")
	_, stdout, _ := detgen(t, "build", "--rules", rules, "--out", out)
	if want := "detgen: wrote 3 artifacts for 1 rule to " + out + "\n"; stdout != want {
		t.Errorf("build: %q, want %q", stdout, want)
	}
	src, _ := os.ReadFile(spec)
	os.WriteFile(spec, bytes.Replace(src, []byte("severity: high"), []byte("severity: hgh"), 1), 0o644)
	_, _, stderr := detgen(t, "validate", spec)
	if !strings.HasSuffix(stderr, "detgen: 1 error\n") {
		t.Errorf("validate: stderr ends %q, want \"detgen: 1 error\"", stderr)
	}
	aql := filepath.Join(t.TempDir(), "q.aql")
	os.WriteFile(aql, []byte("SELECT username FROM events WHERE devicetype = 446"), 0o644)
	_, _, stderr = detgen(t, "lint", "--strict", aql)
	if want := "detgen: 0 errors, 1 warning in 1 of 1 file\n"; !strings.HasSuffix(stderr, want) {
		t.Errorf("lint: stderr %q, want it to end %q", stderr, want)
	}
}

// lock says what it locked, by rule id and version, and never tells the
// user to run detgen lock while running it.
func TestLockSaysWhatWasLocked(t *testing.T) {
	rules, spec := oneRule(t)
	lock := filepath.Join(t.TempDir(), "rules.lock.json")
	const name = "kubernetes_suspicious_cronjob_job_creation"
	steps := []struct {
		edit func([]byte) []byte
		want string
	}{
		{nil, fmt.Sprintf("locked new rule %s (%s) at version %d\ndetgen: %s now holds 1 rule\n", name, ruleID, ruleVersion, lock)},
		{nil, "detgen: " + lock + " is up to date: 1 rule, nothing to lock\n"},
		{bump, fmt.Sprintf("locked %s (%s) at version %d, was %d (chronicle, qradar, sigma output changed)\ndetgen: %s now holds 1 rule\n", name, ruleID, ruleVersion+1, ruleVersion, lock)},
	}
	for i, s := range steps {
		if s.edit != nil {
			src, _ := os.ReadFile(spec)
			os.WriteFile(spec, s.edit(src), 0o644)
		}
		code, stdout, stderr := detgen(t, "lock", "--rules", rules, "--lock", lock)
		if code != 0 || stdout != s.want || strings.Contains(stdout, "run detgen lock") {
			t.Errorf("step %d: exit %d, stdout %q, want %q; stderr %s", i, code, stdout, s.want, stderr)
		}
	}
}

// bump changes the rule's output with the version bump, date and
// changelog line that make the change lockable.
func bump(src []byte) []byte {
	return bumpVersion(addHydra(src))
}

// addHydra adds an image keyword to the shipped rule's suspicious images,
// which changes every target's output.
func addHydra(src []byte) []byte {
	out := bytes.Replace(src, []byte("socat, xmrig,"), []byte("socat, xmrig, hydra,"), 1)
	if bytes.Equal(out, src) {
		panic("the shipped rule no longer lists socat, xmrig, among its images")
	}
	return out
}

// bumpVersion gives specPath's source the next version, modified date
// and changelog line.
func bumpVersion(src []byte) []byte {
	next := ruleVersion + 1
	b := bytes.Replace(src, []byte(fmt.Sprintf("version: %d\n", ruleVersion)), []byte(fmt.Sprintf("version: %d\n", next)), 1)
	b = regexp.MustCompile(`(?m)^modified: ".*"$`).ReplaceAll(b, []byte(`modified: "2026-12-03"`))
	return bytes.Replace(b, []byte("\nseverity: high"), []byte(fmt.Sprintf("\n  - version: %d\n    date: \"2026-12-03\"\n    change: hydra images are suspicious.\nseverity: high", next)), 1)
}
